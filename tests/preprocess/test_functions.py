"""Every function: its result, what it stores, and its argument errors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import re
from datetime import UTC, datetime

import pytest

from zcp.errors import InvalidParameter
from zcp.preprocess import FUNCTIONS, expand
from zcp.preprocess.functions import ALPHABET, INT_LIMIT

NOW = datetime(2025, 3, 20, 9, 5, 7, 123, tzinfo=UTC)  # Mercury was retrograde 15 Mar - 7 Apr 2025


def run(text: str, *, seed: int = 7, variables: dict[str, str] | None = None) -> str:
    return expand(text, rng=random.Random(seed), now=lambda: NOW, variables=variables)


def reason_of(text: str) -> tuple[str, int]:
    with pytest.raises(InvalidParameter) as caught:
        run(text)
    details = caught.value.details or {}
    return details["reason"], details["column"]


def test_generate_random_string_has_the_length_and_alphabet_asked_for() -> None:
    value = run("<@generateRandomString(<50>)>")
    assert len(value) == 50
    assert set(value) <= set(ALPHABET)


def test_alphabet_has_the_65_documented_characters() -> None:
    assert len(set(ALPHABET)) == 65
    assert set(ALPHABET) == set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")


@pytest.mark.parametrize("length", ["0", "1025", "-3", "ten", " 5"])
def test_generate_random_string_rejects_lengths_outside_1_to_1024(length: str) -> None:
    assert reason_of(f"<@generateRandomString(<{length}>)>") == ("bad_argument", 24)


def test_generate_random_string_var_returns_and_stores_the_same_text() -> None:
    variables: dict[str, str] = {}
    value = run("<@generateRandomStringVar(<token>, <20>)>|<@getVar(token)>", variables=variables)
    first, second = value.split("|")
    assert first == second == variables["token"]
    assert len(first) == 20


def test_generate_random_bytes_gives_that_many_raw_bytes_through_to_hex() -> None:
    value = run("<@generateRandomBytes(<16>) | toHex>")
    assert re.fullmatch(r"[0-9a-f]{32}", value)


def test_generate_random_bytes_refuses_more_than_1024() -> None:
    assert reason_of("<@generateRandomBytes(<2048>)>")[0] == "bad_argument"


def test_generate_random_int_stays_within_inclusive_bounds() -> None:
    values = {int(run("<@generateRandomInt(<-2>, <2>)>", seed=seed)) for seed in range(60)}
    assert values == {-2, -1, 0, 1, 2}


@pytest.mark.parametrize(
    ("params", "column"),
    [
        ("<5>, <5>", 26),
        ("<9>, <1>", 26),
        ("<x>, <1>", 21),
        ("<1>, <1.5>", 26),
        (f"<0>, <{INT_LIMIT + 1}>", 26),
    ],
)
def test_generate_random_int_points_at_the_bad_bound(params: str, column: int) -> None:
    assert reason_of(f"<@generateRandomInt({params})>") == ("bad_argument", column)


def test_pick_random_returns_one_of_its_parameters_and_covers_them_all() -> None:
    seen = {run("<@pickRandom(<eu>, <us>, <ap>)>", seed=seed) for seed in range(40)}
    assert seen == {"eu", "us", "ap"}


def test_pick_random_needs_at_least_one_value() -> None:
    assert reason_of("<@pickRandom()>") == ("parameter_count", 1)


def test_get_datetime_formats_the_injected_clock_in_utc_by_default() -> None:
    assert run("<@getDatetime(<YYYY-MM-DD HH:mm:ss>)>") == "2025-03-20 09:05:07"


def test_get_datetime_converts_to_the_zone_given() -> None:
    assert run("<@getDatetime(<HH:mm ZZZ zz>, <Europe/Prague>)>") == "10:05 CET +01:00"


def test_get_datetime_is_also_spelled_get_date_time() -> None:
    assert run("<@getDateTime(<YYYY>)>") == "2025"


def test_get_datetime_rejects_an_unknown_zone_at_that_parameter() -> None:
    assert reason_of("<@getDatetime(<YYYY>, <Totally/Invalid/Zone>)>") == ("bad_argument", 23)


def test_mercury_in_retrograde_answers_from_the_injected_clock() -> None:
    assert run("<@mercuryInRetrograde(<yes>, <no>)>") == "yes"
    late_april = datetime(2025, 4, 20, tzinfo=UTC)
    assert expand("<@mercuryInRetrograde(<yes>, <no>)>", now=lambda: late_april) == "no"


def test_set_var_returns_the_value_and_a_later_get_var_reads_it() -> None:
    assert run("<@setVar(<greeting>, <hi there>)>/<@getVar(greeting)>") == "hi there/hi there"


def test_set_var_overwrites_an_existing_value() -> None:
    assert run("<@setVar(<a>, <1>)><@setVar(<a>, <2>)><@getVar(a)>") == "122"


def test_get_var_trims_spaces_around_the_bare_name() -> None:
    assert run("<@getVar(   name   )>", variables={"name": "v"}) == "v"


def test_get_var_echoes_a_literal() -> None:
    assert run("<@getVar(<as is>)>") == "as is"


def test_get_var_of_an_unknown_name_suggests_the_closest_known_one() -> None:
    with pytest.raises(InvalidParameter) as caught:
        run("<@getVar(tokn)>", variables={"token": "x"})
    assert caught.value.details == {"reason": "unknown_variable", "line": 1, "column": 10}
    assert caught.value.suggestion == "Did you mean token?"


def test_variable_names_are_case_sensitive() -> None:
    assert reason_of("<@setVar(<Name>, <v>)><@getVar(name)>")[0] == "unknown_variable"


def test_generate_ed25519_key_returns_the_public_pem_and_stores_four_variables() -> None:
    variables: dict[str, str] = {}
    public = run("<@generateED25519Key(<deploy>)>", variables=variables)
    assert public.startswith("-----BEGIN PUBLIC KEY-----")
    assert variables["deployPublic"] == public
    assert variables["deployPrivate"].startswith("-----BEGIN PRIVATE KEY-----")
    assert variables["deployPublicSsh"].startswith("ssh-ed25519 ")
    assert variables["deployPrivateSsh"].startswith("-----BEGIN OPENSSH PRIVATE KEY-----")


def test_generate_rsa2048_key_stores_three_variables() -> None:
    variables: dict[str, str] = {}
    public = run("<@generateRSA2048Key(<k>)>", variables=variables)
    assert variables["kPublic"] == public
    assert variables["kPublicSsh"].startswith("ssh-rsa ")
    assert "kPrivateSsh" not in variables


@pytest.mark.slow
def test_generate_rsa4096_key_makes_a_4096_bit_key() -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    public = run("<@generateRSA4096Key(<k>)>", seed=3)
    key = load_pem_public_key(public.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    assert key.key_size == 4096


def _jwt_parts(token: str) -> tuple[dict[str, object], dict[str, object], bytes, str]:
    header, payload, signature = token.split(".")

    def decode(part: str) -> bytes:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))

    return json.loads(decode(header)), json.loads(decode(payload)), decode(signature), f"{header}.{payload}"


def test_generate_jwt_signs_hs256_with_default_issuer_and_issued_at() -> None:
    token = run('<@generateJWT(<s3cret>, <{"role":"anon","exp":1799535600}>)>')
    header, claims, signature, signed = _jwt_parts(token)
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert claims == {"iss": "zerops", "iat": int(NOW.timestamp()), "role": "anon", "exp": 1799535600}
    assert signature == hmac.new(b"s3cret", signed.encode(), hashlib.sha256).digest()


def test_generate_jwt_payload_overrides_the_default_issuer() -> None:
    _, claims, _, _ = _jwt_parts(run('<@generateJWT(<k>, <{"iss":"me"}>)>'))
    assert claims["iss"] == "me"


@pytest.mark.parametrize("payload", ["<not json>", "<[1, 2]>"])
def test_generate_jwt_rejects_a_payload_that_is_not_a_json_object(payload: str) -> None:
    assert reason_of(f"<@generateJWT(<k>, {payload})>") == ("bad_argument", 20)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_checks_its_parameter_count(name: str) -> None:
    spec = FUNCTIONS[name]
    too_many = ", ".join(["<1>"] * ((spec.max_args or 0) + 1)) if spec.max_args is not None else None
    source = f"<@{name}({too_many})>" if too_many else f"<@{name}()>"
    with pytest.raises(InvalidParameter) as caught:
        run(source)
    assert (caught.value.details or {})["reason"] == "parameter_count"
    assert spec.signature in (caught.value.suggestion or "")
