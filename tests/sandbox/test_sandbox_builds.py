"""The deploy pipeline as zcli drives it, and zerops.yaml validation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.plugins.sandbox import SandboxHandle
from zcp.sandbox import builds
from zcp.sandbox.failures import ApiFailure
from zcp.sandbox.zerops_yaml import SetupSpec, read_setup

YAML = """\
zerops:
  - setup: appdev
    build:
      base: nodejs@22
      buildCommands: [npm ci, npm run build]
      deployFiles: ./
    run:
      base: nodejs@22
      ports:
        - port: 8080
          httpSupport: true
      start: node server.js
"""


class Zcli:
    """The HTTP calls `zcli push` makes, step by step."""

    def __init__(self, sandbox: SandboxHandle) -> None:
        self.sandbox = sandbox
        self.http = httpx.Client(
            base_url=sandbox.url + "/api/rest/public",
            headers={"Authorization": f"Bearer {sandbox.token}"},
            timeout=5,
        )

    def push(self, hostname: str, zerops_yaml: str = YAML) -> tuple[dict[str, Any], dict[str, Any]]:
        service = self.sandbox.service(hostname)
        version = self.http.post(f"/service-stack/{service.id}/app-version", json={"name": None})
        assert version.status_code == 200, version.text
        upload = httpx.put(version.json()["uploadUrl"], content=b"\x1f\x8b fake tar.gz", timeout=5)
        assert upload.status_code == 200
        deploy = self.http.put(
            f"/app-version/{version.json()['id']}/build-and-deploy",
            json={"zeropsYaml": zerops_yaml, "zeropsYamlSetup": hostname},
        )
        return version.json(), deploy.json()

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def zcli(sandbox: SandboxHandle) -> Any:
    client = Zcli(sandbox)
    yield client
    client.close()


def status_of(sandbox: SandboxHandle, version_id: str) -> str:
    return sandbox.sandbox.state.app_versions[version_id].status


@pytest.mark.sandbox(seed="standard")
def test_a_push_walks_the_pipeline_on_the_clock_and_activates_the_new_version(
    sandbox: SandboxHandle, zcli: Zcli
) -> None:
    previous = next(
        v
        for v in sandbox.sandbox.state.app_versions.values()
        if v.status == "ACTIVE" and v.service_id == sandbox.service("appdev").id
    )
    version, process = zcli.push("appdev")
    assert (version["status"], version["sequence"]) == ("UPLOADING", previous.sequence + 1)
    assert process["actionName"] == "stack.build"
    seen = []
    for _ in range(15):
        seen.append(status_of(sandbox, version["id"]))
        sandbox.advance(1)
    assert [s for i, s in enumerate(seen) if i == 0 or seen[i - 1] != s] == [
        "WAITING_TO_BUILD",
        "BUILDING",
        "WAITING_TO_DEPLOY",
        "DEPLOYING",
        "ACTIVE",
    ]
    assert previous.status == "BACKUP"
    assert sandbox.sandbox.state.processes[process["id"]].status == "FINISHED"
    assert [(p.port, p.http_routing) for p in sandbox.service("appdev").ports] == [(8080, True)]
    tagged = [e.message for e in sandbox.sandbox.state.logs if e.tag == f"zbuilder@{version['id']}"]
    assert tagged[-1] == "BUILD ARTEFACTS READY TO DEPLOY"


@pytest.mark.sandbox(seed="standard")
def test_a_failing_start_command_fails_the_deploy_phase(sandbox: SandboxHandle, zcli: Zcli) -> None:
    version, process = zcli.push(
        "appdev", YAML.replace("start: node server.js", "start: node server.js && exit 1")
    )
    sandbox.advance(20)
    assert status_of(sandbox, version["id"]) == "DEPLOY_FAILED"
    record = sandbox.sandbox.state.processes[process["id"]]
    assert (record.status, record.fail_reason) == ("FAILED", "deploy failed: the application did not start")


@pytest.mark.sandbox(seed="standard")
def test_a_version_is_built_only_once(sandbox: SandboxHandle, zcli: Zcli) -> None:
    version, _ = zcli.push("appdev")
    again = zcli.http.put(f"/app-version/{version['id']}/build-and-deploy", json={"zeropsYaml": YAML})
    assert again.json()["error"]["code"] == "deployProcessAlreadyCreated"


@pytest.mark.sandbox(seed="standard")
def test_an_invalid_zerops_yaml_stops_the_build_before_it_starts(sandbox: SandboxHandle, zcli: Zcli) -> None:
    version, deploy = zcli.push("appdev", YAML.replace("      deployFiles: ./\n", ""))
    assert deploy["error"]["code"] == "zeropsYamlInvalidParameter"
    assert status_of(sandbox, version["id"]) == "UPLOADING"


@pytest.mark.sandbox(seed="standard")
def test_cancelling_a_build_cancels_its_version(sandbox: SandboxHandle, zcli: Zcli) -> None:
    version, process = zcli.push("appdev")
    sandbox.advance(2)
    assert zcli.http.put(f"/process/{process['id']}/cancel", json={}).status_code == 200
    sandbox.advance(30)
    assert status_of(sandbox, version["id"]) == "CANCELLED"


@pytest.mark.sandbox(seed="standard")
def test_only_runtime_services_take_deploys(sandbox: SandboxHandle, zcli: Zcli) -> None:
    reply = zcli.http.post(f"/service-stack/{sandbox.service('db').id}/app-version", json={})
    assert reply.json()["error"]["code"] == "userApplicationRuntimeServiceStackRequired"


@pytest.mark.sandbox(seed="standard")
def test_zcli_login_region_list_needs_no_token(sandbox: SandboxHandle) -> None:
    reply = httpx.get(f"{sandbox.url}/api/rest/public/region/zcli", timeout=5)
    region = reply.json()["items"][0]
    assert (region["name"], region["isDefault"]) == ("prg1", True)
    assert region["address"] == sandbox.url.removeprefix("http://")


def setup(
    text: str, name: str = "appdev", base: str = "nodejs@22", operation: str = "BUILD_AND_DEPLOY"
) -> SetupSpec:
    return read_setup(text, name, service_base=base, operation=operation)


def failure(text: str, **options: str) -> ApiFailure:
    with pytest.raises(ApiFailure) as caught:
        setup(text, **options)
    return caught.value


def test_a_valid_setup_yields_what_the_build_needs() -> None:
    spec = setup(YAML)
    assert spec.build_commands == ("npm ci", "npm run build")
    assert (spec.start, spec.ports[0].port, spec.ports[0].http) == ("node server.js", 8080, True)


def test_unparseable_yaml_reports_the_parser_reason() -> None:
    error = failure("zerops: [\n")
    assert error.code == "yamlValidationInvalidYaml"
    assert error.meta[0]["metadata"]["reason"][0].startswith("yaml: ")


def test_a_missing_setup_names_it_in_an_object_meta() -> None:
    error = failure(YAML, name="api")
    assert (error.code, error.meta) == ("zeropsYamlSetupNotFound", {"name": "api"})


def test_field_problems_are_collected() -> None:
    text = YAML.replace("base: nodejs@22\n      buildCommands", "base: nodejs@99\n      buildCommands")
    text = text.replace("port: 8080", "port: 3").replace("start: node server.js", "")
    error = failure(text)
    assert error.code == "zeropsYamlInvalidParameter"
    metadata = error.meta[0]["metadata"]
    assert metadata["build.base"] == ["unknown base nodejs@99"]
    assert "run.ports[0].port" in metadata
    assert "run.start" in metadata


def test_implicit_web_servers_need_no_start_and_a_deploy_needs_no_build() -> None:
    php = "zerops:\n  - setup: web\n    build:\n      base: php@8.4\n      deployFiles: ./\n"
    assert setup(php, name="web", base="php-nginx@8.4").start is None
    assert (
        setup(
            "zerops:\n  - setup: app\n    run:\n      start: ./app\n", name="app", operation="DEPLOY"
        ).build_bases
        == ()
    )


@pytest.mark.parametrize(
    ("commands", "start", "outcome"),
    [
        (("npm ci",), "node s.js", "success"),
        (("npm ci", "exit 1"), "node s.js", "build_failed"),
        (("false",), None, "build_failed"),
        ((), "exit 1", "deploy_failed"),
    ],
)
def test_visibly_failing_commands_decide_the_outcome(
    commands: tuple[str, ...], start: str | None, outcome: str
) -> None:
    spec = SetupSpec("a", ("nodejs@22",), commands, ("./",), None, start, ())
    assert builds.decide_outcome(spec) == outcome
