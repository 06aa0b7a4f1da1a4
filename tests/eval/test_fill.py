"""Placeholders are answered by the argument they sit in, from the user's answers only."""

from __future__ import annotations

import pytest
from pydantic import JsonValue

from eval.fill import FillContext, Unfillable, fill_call, has_placeholder

CTX = FillContext(
    bootstrap_intent="a shop",
    develop_intent="add a cart",
    scope=["shopdev"],
    plan=[{"runtime": {"devHostname": "shopdev", "type": "python@3.12", "bootstrapMode": "dev"}}],
    remote_url="file:///srv/repo.git",
    env_classifications={"SECRET": "auto-secret"},
    dev_servers={"shopdev": ("python3 app.py", 8000)},
)


def test_each_placeholder_is_answered_by_its_argument() -> None:
    assert (
        fill_call({"action": "start", "workflow": "bootstrap", "intent": "<what the user asked for>"}, CTX)[
            "intent"
        ]
        == "a shop"
    )
    develop = fill_call(
        {"workflow": "develop", "intent": "<what the user asked for>", "scope": ["<runtime hostname>"]}, CTX
    )
    assert develop == {"workflow": "develop", "intent": "add a cart", "scope": ["shopdev"]}
    template: JsonValue = [{"runtime": {"devHostname": "<hostname>", "type": "<type@version>"}}]
    assert fill_call({"plan": template}, CTX)["plan"] == CTX.plan
    assert fill_call({"remoteUrl": "<repository URL>"}, CTX)["remoteUrl"] == "file:///srv/repo.git"
    assert fill_call({"envClassifications": {"<KEY>": "<bucket>"}}, CTX)["envClassifications"] == {
        "SECRET": "auto-secret"
    }
    server = fill_call({"hostname": "shopdev", "command": "<start command>", "port": "<port>"}, CTX)
    assert server == {"hostname": "shopdev", "command": "python3 app.py", "port": 8000}


def test_values_without_placeholders_are_kept_exactly() -> None:
    args: dict[str, JsonValue] = {
        "action": "complete",
        "plan": [{"runtime": {"devHostname": "api", "isExisting": True}}],
    }
    assert fill_call(args, CTX) == args


@pytest.mark.parametrize(
    ("args", "key"),
    [
        ({"scope": ["<runtime hostname>"]}, "scope"),
        ({"hostname": "other", "command": "<start command>"}, "command"),
        ({"sessionId": "<id from the route menu>"}, "sessionId"),
    ],
)
def test_a_placeholder_without_an_answer_is_unfillable(args: dict[str, object], key: str) -> None:
    with pytest.raises(Unfillable) as caught:
        fill_call(args, FillContext(bootstrap_intent="x"))  # type: ignore[arg-type]
    assert caught.value.key == key


def test_preprocessor_expressions_are_not_placeholders() -> None:
    assert not has_placeholder("<@generateRandomString(<32>)>")
    assert has_placeholder(["ok", {"k": "<bucket>"}])
