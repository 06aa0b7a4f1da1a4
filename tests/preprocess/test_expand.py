"""The public API: single values, batches, variables in and out, determinism, robustness."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zcp.errors import InvalidParameter, ZcpError
from zcp.preprocess import Limits, compile_template, expand, expand_batch, needs_expansion

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_text_without_a_call_marker_is_returned_untouched() -> None:
    text = r"a <b> \c ${x} > |"
    assert expand(text) is text
    assert not needs_expansion(text)


def test_text_is_copied_around_expressions_including_env_references() -> None:
    assert expand("${user_name<@setVar(<n>, <42>)>}") == "${user_name42}"


def test_an_escaped_call_marker_prints_literally() -> None:
    assert expand(r"\<@noop\>") == "<@noop>"


def test_parsing_whole_text_resolves_literals_without_a_marker() -> None:
    assert expand("<hello| upper>, \\<world\\>", only_if_marked=False) == "HELLO, <world>"


def test_multiline_output_is_kept_as_is() -> None:
    out = expand("key: |\n  <@generateED25519Key(<k>)>", rng=random.Random(1))
    assert out.startswith("key: |\n  -----BEGIN PUBLIC KEY-----\n")
    assert out.endswith("\n-----END PUBLIC KEY-----")


def test_the_same_seed_gives_the_same_output() -> None:
    text = "<@generateRandomString(<30>)> <@pickRandom(<a>, <b>, <c>)> <@generateRandomBytes(<9>) | toHex>"
    assert expand(text, rng=random.Random(9)) == expand(text, rng=random.Random(9))
    assert expand(text, rng=random.Random(9)) != expand(text, rng=random.Random(10))


def test_variables_seed_the_store_and_receive_what_the_run_sets() -> None:
    variables = {"region": "eu"}
    assert expand("<@getVar(region)>-<@setVar(<zone>, <a>)>", variables=variables) == "eu-a"
    assert variables == {"region": "eu", "zone": "a"}


def test_batch_values_share_variables_in_order() -> None:
    out = expand_batch(
        {
            "DB_PASSWORD": "<@setVar(<pw>, <@generateRandomString(<16>)>)>",
            "DB_HASH": "<@getVar(pw) | sha256>",
            "PLAIN": "value with <brackets> kept",
        },
        rng=random.Random(4),
    )
    assert list(out) == ["DB_PASSWORD", "DB_HASH", "PLAIN"]
    import hashlib

    assert out["DB_HASH"] == hashlib.sha256(out["DB_PASSWORD"].encode()).hexdigest()
    assert out["PLAIN"] == "value with <brackets> kept"


def test_batch_shares_one_call_budget() -> None:
    values = {"A": "<@getVar(<a>)>", "B": "<@getVar(<b>)>", "C": "<@getVar(<c>)>"}
    with pytest.raises(InvalidParameter) as caught:
        expand_batch(values, limits=Limits(max_calls=2))
    assert caught.value.details == {"reason": "call_limit", "line": 1, "column": 1, "key": "C"}


def test_batch_errors_name_the_key_in_message_and_details() -> None:
    with pytest.raises(InvalidParameter) as caught:
        expand_batch({"OK": "<@getVar(<a>)>", "BAD": "x <@getVar(nope)>"})
    assert caught.value.message.startswith("value 'BAD': variable 'nope' is not set at column 12")
    assert (caught.value.details or {})["key"] == "BAD"


def test_a_syntax_error_anywhere_in_a_batch_runs_nothing() -> None:
    variables: dict[str, str] = {}
    with pytest.raises(InvalidParameter):
        expand_batch({"A": "<@setVar(<a>, <1>)>", "B": "<@getVar(a"}, variables=variables)
    assert variables == {}


def test_an_empty_batch_gives_an_empty_result() -> None:
    assert expand_batch({}) == {}


def test_errors_carry_a_caret_diagnostic_and_the_invalid_parameter_code() -> None:
    with pytest.raises(InvalidParameter) as caught:
        expand("abc <@getVar(x) q>")
    wire = caught.value.to_wire()
    assert wire["code"] == "INVALID_PARAMETER"
    assert wire["diagnostic"] == "abc <@getVar(x) q>\n                ^"
    assert "expected '|' or '>'" in wire["error"]


def test_compile_template_checks_syntax_without_running() -> None:
    template = compile_template("<@generateRSA4096Key(<k>)>")
    assert template.has_items
    with pytest.raises(InvalidParameter):
        compile_template("<@broken(")


# --- properties ------------------------------------------------------------------------------

_ALPHABET = st.sampled_from(list("<>@()|,\\ ab\n")) | st.characters()
_FRAGMENTS = st.sampled_from(
    [
        "<@",
        "<@getVar(",
        "<@setVar(<v>, <x>)>",
        "<@generateRandomString(<8>)>",
        "<@generateRandomInt(<1>, <9>)>",
        "<@pickRandom(<a>, <b>)>",
        "| upper>",
        "| sha256",
        "<@getVar(v)>",
        ")>",
        "\\",
        "<",
        ">",
    ]
)
_INPUTS = st.lists(_FRAGMENTS | st.text(_ALPHABET, max_size=6), max_size=25).map("".join)
_FAST = Limits(max_calls=40, timeout=5.0, max_output_bytes=200_000)


@settings(max_examples=400, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(text=_INPUTS, seed=st.integers(0, 2**32))
def test_any_input_either_expands_or_raises_a_zcp_error(text: str, seed: int) -> None:
    try:
        out = expand(text, rng=random.Random(seed), now=lambda: NOW, limits=_FAST, only_if_marked=False)
    except ZcpError as error:
        details = error.details or {}
        assert isinstance(details.get("column"), int)
        assert 1 <= details["column"] <= len(text) + 1
    else:
        assert isinstance(out, str)


@settings(max_examples=200, deadline=2000)
@given(text=_INPUTS, seed=st.integers(0, 2**32))
def test_output_is_deterministic_given_a_seed(text: str, seed: int) -> None:
    def once() -> str:
        try:
            return expand(text, rng=random.Random(seed), now=lambda: NOW, limits=_FAST, only_if_marked=False)
        except ZcpError as error:
            return f"error {error.details}"

    assert once() == once()


@settings(max_examples=200, deadline=2000)
@given(plain=st.text(st.characters(blacklist_characters="\\<>"), max_size=40))
def test_text_without_special_characters_is_copied_exactly(plain: str) -> None:
    assert expand(plain, only_if_marked=False) == plain.encode("utf-8", "surrogatepass").decode(
        "utf-8", "replace"
    )


@settings(max_examples=200, deadline=2000)
@given(inner=st.text(max_size=40))
def test_any_text_escaped_character_by_character_comes_back_unchanged(inner: str) -> None:
    escaped = "".join("\\" + c if c in "\\<>|@" else c for c in inner)
    expected = inner.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    assert expand("<@getVar(<" + escaped + ">)>") == expected
