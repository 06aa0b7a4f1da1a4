"""The conformance suite's expected-failures file may only shrink.

The suite (run by ``.ci/conformance/run.sh``) fails on an entry that starts passing, so fixed
scenarios leave the file. This test stops the file from growing: an entry must be one of the
scenarios below that call the suite's own fixtures, and no generic scenario may ever be listed.
"""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
BASELINE = REPO / ".ci" / "conformance" / "expected-failures.yml"

#: Scenarios that call a tool, resource or prompt only the suite's reference server has.
NOT_APPLICABLE: dict[str, str] = {
    "tools-call-image": "calls the fixture tool test_image_content",
    "tools-call-audio": "calls the fixture tool test_audio_content",
    "tools-call-embedded-resource": "calls the fixture tool test_embedded_resource",
    "tools-call-mixed-content": "calls the fixture tool test_multiple_content_types",
    "tools-call-with-logging": "calls the fixture tool test_tool_with_logging",
    "tools-call-with-progress": "calls the fixture tool test_tool_with_progress",
    "tools-call-sampling": "calls the fixture tool test_sampling",
    "tools-call-elicitation": "calls the fixture tool test_elicitation",
    "elicitation-sep1034-defaults": "calls the fixture tool test_elicitation_sep1034_defaults",
    "elicitation-sep1330-enums": "calls the fixture tool test_elicitation_sep1330_enums",
    "resources-read-text": "reads the fixture resource test://static-text",
    "resources-read-binary": "reads the fixture resource test://static-binary",
    "resources-templates-read": "reads the fixture template test://template/{id}/data",
    "resources-subscribe": "subscribes to the fixture resource test://watched-resource",
    "resources-unsubscribe": "unsubscribes from the fixture resource test://watched-resource",
    "prompts-get-simple": "gets the fixture prompt test_simple_prompt",
    "prompts-get-with-args": "gets the fixture prompt test_prompt_with_arguments",
    "prompts-get-embedded-resource": "gets the fixture prompt test_prompt_with_embedded_resource",
    "prompts-get-with-image": "gets the fixture prompt test_prompt_with_image",
}

#: Scenarios every MCP server must pass; zcp passes them all.
REQUIRED = frozenset(
    {
        "server-initialize",
        "ping",
        "tools-list",
        "tools-call-error",
        "server-sse-multiple-streams",
        "resources-list",
        "prompts-list",
        "dns-rebinding-protection",
        "logging-set-level",
        "completion-complete",
    }
)


def _entries() -> list[str]:
    data = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    assert set(data) == {"server"}, "zcp is tested as a server only"
    entries: list[str] = data["server"]
    return entries


def test_the_baseline_lists_only_not_applicable_scenarios() -> None:
    entries = _entries()
    assert len(entries) == len(set(entries))
    unexpected = set(entries) - set(NOT_APPLICABLE)
    assert not unexpected, f"new expected failures {sorted(unexpected)}: fix them instead of listing them"


def test_no_generic_scenario_is_ever_an_expected_failure() -> None:
    assert not REQUIRED & set(_entries())
    assert not REQUIRED & set(NOT_APPLICABLE)
