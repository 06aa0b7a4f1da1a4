"""Every modifier, on literals and on function results, alone and chained."""

from __future__ import annotations

import base64
import random

import bcrypt
import pytest

from zcp.errors import InvalidParameter
from zcp.preprocess import MODIFIERS, expand
from zcp.preprocess.modifiers import ARGON2_HASH_BYTES, title_words, to_string


def run(text: str, seed: int = 3) -> str:
    return expand(text, rng=random.Random(seed), only_if_marked=False)


def test_sha256_gives_the_hex_digest() -> None:
    expected = "28aa52395ab73ec770e95ebe006d6e560e15effb227f2c3ebf743259ebd62bb8"
    assert run("<this string should be hashed using sha256 algorithm| sha256>") == expected


def test_sha512_gives_the_hex_digest() -> None:
    expected = (
        "3ff0c00ebf7d9b69efefcb38ccf98ee46927e16e01200dcc8bc9071dbe8089360d779206928447df5a3004e66cbc118b"
        "3d7e731dd15bfde7ccbac9530678ec99"
    )
    assert run("<this string should be hashed using sha512 algorithm| sha512>") == expected


def test_modifiers_apply_left_to_right() -> None:
    expected = "bb8973c3a99ec24dff29210d336fbdce5568b853acd3c0ca68f3cc9e6fb86659"
    assert run("<my string in title case| title | sha256>") == expected


def test_bcrypt_produces_a_2a_cost_11_hash_that_verifies() -> None:
    hashed = run("<correct horse|bcrypt>")
    assert hashed.startswith("$2a$11$")
    assert bcrypt.checkpw(b"correct horse", hashed.encode())


def test_bcrypt_refuses_more_than_72_bytes_at_the_modifier() -> None:
    with pytest.raises(InvalidParameter) as caught:
        run("<" + "x" * 73 + "|bcrypt>")
    assert caught.value.details == {"reason": "bad_argument", "line": 1, "column": 76}


def test_argon2id_produces_a_phc_string_whose_hash_matches() -> None:
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    hashed = run("<pw|argon2id>")
    _, algo, version, params, salt, digest = hashed.split("$")
    assert (algo, version, params) == ("argon2id", "v=19", "m=65536,t=4,p=4")
    raw_salt = base64.b64decode(salt + "==")
    expected = Argon2id(salt=raw_salt, length=ARGON2_HASH_BYTES, iterations=4, lanes=4, memory_cost=65536)
    assert base64.b64decode(digest + "=") == expected.derive(b"pw")


def test_to_hex_encodes_the_utf8_bytes() -> None:
    assert run("<Aé|toHex>") == "41c3a9"


def test_to_string_maps_bytes_onto_the_alphabet_wrapping_above_64() -> None:
    assert to_string(bytes([0, 25, 26, 61, 64, 65, 255])) == b"azA9.b-"


def test_upper_lower_and_noop_change_case_as_named() -> None:
    assert run("<mY StriNg| upper>") == "MY STRING"
    assert run("<My sTRing| lower>") == "my string"
    assert run("<Keep { it } !@!| noop>") == "Keep { it } !@!"


def test_title_upper_cases_word_starts_and_keeps_the_rest() -> None:
    assert run("<my string in title case| title>") == "My String In Title Case"
    assert title_words("sTriNG \\ witH, mOdiFiers") == "STriNG \\ WitH, MOdiFiers"
    assert title_words("snake_case-and-dash") == "Snake_case-And-Dash"


def test_modifiers_work_on_function_results() -> None:
    assert run("<@setVar(<k>, <abc>) | upper>") == "ABC"


def test_spaces_around_a_modifier_name_do_not_reach_the_output() -> None:
    assert run("This is <my string | upper>.") == "This is MY STRING ."
    assert run("This is <my string| upper>.") == "This is MY STRING."


def test_an_unknown_modifier_names_the_closest_one() -> None:
    with pytest.raises(InvalidParameter) as caught:
        run("<a| uper>")
    assert caught.value.details == {"reason": "unknown_modifier", "line": 1, "column": 5}
    assert caught.value.suggestion == "Did you mean upper?"


def test_the_documented_modifier_set_is_complete() -> None:
    assert set(MODIFIERS) == {
        "sha256", "sha512", "bcrypt", "argon2id", "toHex", "toString", "upper", "lower", "title", "noop",
    }  # fmt: skip
