"""Shared tool inputs: hostnames are checked before any call; booleans tolerate "true"/"false"."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from zcp.errors import InvalidHostname, ServiceNotFound
from zcp.hostnames import check_hostname
from zcp.tools.inputs import FlexBool, find_service

_FLEX = TypeAdapter(FlexBool)


@pytest.mark.parametrize(
    ("given", "expected"), [(True, True), (False, False), ("true", True), ("FALSE", False)]
)
def test_booleans_accept_json_booleans_and_their_spelled_out_strings(given: Any, expected: bool) -> None:
    assert _FLEX.validate_python(given) is expected


@pytest.mark.parametrize("given", ["yes", "1", 1, 0, "on", None, "truthy"])
def test_booleans_refuse_anything_looser(given: Any) -> None:
    with pytest.raises(ValidationError):
        _FLEX.validate_python(given)


@pytest.mark.parametrize("bad", ["app-1", "App", "a b", "a;rm -rf /", "$(id)", "../etc", "", "x" * 26])
def test_hostnames_outside_the_zerops_rule_are_rejected(bad: str) -> None:
    with pytest.raises(InvalidHostname):
        check_hostname(bad)


def test_a_valid_hostname_is_returned_trimmed() -> None:
    assert check_hostname(" app1 ") == "app1"


class _Svc:
    def __init__(self, name: str) -> None:
        self.name = name


def test_an_unknown_service_lists_the_existing_ones_with_a_guess() -> None:
    with pytest.raises(ServiceNotFound) as info:
        find_service([_Svc("appdev"), _Svc("db")], "appde")
    assert "Did you mean 'appdev'?" in (info.value.suggestion or "")
    assert info.value.details == {"available": ["appdev", "db"]}
