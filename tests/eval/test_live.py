"""make e2e: skipped without a token, hostnames prefixed, and everything with the prefix deleted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from eval.__main__ import main
from eval.live import LiveSettings, LiveWorld, live_settings, prefixed
from tests.eval.helpers import scenario
from tests.plugins.sandbox import SandboxHandle


def test_without_a_token_the_live_run_is_skipped_with_a_message(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ZCP_API_KEY", raising=False)
    assert live_settings({}) is None
    assert main(["--live"]) == 0
    assert "e2e: skipped" in capsys.readouterr().out


def test_every_planned_hostname_is_prefixed_wherever_the_scenario_names_it() -> None:
    story = scenario(
        environment="local",
        answers={
            "plan": [
                {
                    "runtime": {"devHostname": "web", "type": "python@3.12", "bootstrapMode": "simple"},
                    "dependencies": [{"hostname": "db", "type": "postgresql@16", "resolution": "CREATE"}],
                }
            ],
            "scope": ["web"],
            "tasks": [
                "go",
                {"tool": "zerops_workflow", "args": {"action": "close-mode", "closeMode": {"web": "auto"}}},
            ],
        },
        files={"local": [{"zerops.yaml": "DATABASE_URL: ${db_connectionString}\nname: web-db"}]},
        expect={"services": {"web": "ACTIVE", "db": "ACTIVE"}, "serves": {"web": "token web"}},
    )
    renamed = prefixed(story, "e2eab12")
    assert renamed.answers.plan is not None
    runtime = renamed.answers.plan[0]["runtime"]
    assert isinstance(runtime, dict) and runtime["devHostname"] == "e2eab12web"
    assert renamed.answers.scope == ["e2eab12web"]
    assert renamed.tasks[1].args == {"action": "close-mode", "closeMode": {"e2eab12web": "auto"}}  # type: ignore[union-attr]
    assert (
        renamed.files["local"][0]["zerops.yaml"]
        == "DATABASE_URL: ${e2eab12db_connectionString}\nname: web-db"
    )
    assert set(renamed.expect.services) == {"e2eab12web", "e2eab12db"}
    assert renamed.expect.serves == {"e2eab12web": "token web"}  # tokens are not hostnames
    assert renamed.intent == story.intent


@pytest.mark.anyio
async def test_cleanup_deletes_only_the_services_with_the_runs_prefix(
    sandbox_factory: Callable[..., SandboxHandle], tmp_path: Path
) -> None:
    sandbox = sandbox_factory("standard", time_scale=0)
    settings = LiveSettings(sandbox.token, sandbox.url, delete_poll_seconds=0.05)
    world = LiveWorld(settings, scenario(environment="local"), tmp_path)
    world.prefix = "app"  # the standard seed's appdev and appstage, not db
    async with world:
        assert set(await world.services()) == {"appdev", "appstage"}
    with sandbox.sandbox.lock:
        left = {
            s.name for s in sandbox.sandbox.state.services.values() if not s.deleted and s.category != "BUILD"
        }
    assert "db" in left and not left & {"appdev", "appstage"}
    assert sorted(world.deleted) == ["appdev", "appstage"]
    assert (tmp_path / "cleanup.json").is_file()


def test_container_scenarios_cannot_run_live(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="only local"):
        LiveWorld(LiveSettings("t", "http://127.0.0.1:1"), scenario(environment="container"), tmp_path)
