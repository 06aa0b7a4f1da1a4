"""zerops.yaml as the sandbox understands it: validation like the platform's, and the parts builds use.

:func:`read_setup` finds one ``setup`` in the file, checks what the platform checks (bases exist, a
build that deploys files, a start command for runtimes without a built-in web server, sane ports) and
returns the bits a build needs. Problems are collected per field and raised together as one
``zeropsYamlInvalidParameter`` error; unknown keys are accepted, as the platform accepts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import yaml

from zcp.sandbox.catalogue import find_base
from zcp.sandbox.failures import ApiFailure, field_meta

#: Run bases that serve HTTP themselves and need no ``run.start``.
_IMPLICIT_WEBSERVER: Final = ("php-apache", "php-nginx", "static", "nginx")


@dataclass(frozen=True)
class PortSpec:
    port: int
    protocol: str = "tcp"
    http: bool = False


@dataclass(frozen=True)
class SetupSpec:
    """The parts of one setup that the sandbox's build pipeline uses."""

    name: str
    build_bases: tuple[str, ...]
    build_commands: tuple[str, ...]
    deploy_files: tuple[str, ...]
    run_base: str | None
    start: str | None
    ports: tuple[PortSpec, ...]


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def read_setup(
    text: str, setup_name: str, *, service_base: str, operation: str = "BUILD_AND_DEPLOY"
) -> SetupSpec:
    """Validate ``text`` and return the setup named ``setup_name``; raises :class:`ApiFailure`."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        reason = " ".join(str(error).split())
        raise ApiFailure(
            400,
            "yamlValidationInvalidYaml",
            "zerops.yaml is not valid YAML.",
            field_meta("yamlValidationInvalidYaml", "Invalid YAML.", {"reason": [f"yaml: {reason}"]}),
        ) from None
    setups = document.get("zerops") if isinstance(document, dict) else None
    if not isinstance(setups, list) or not all(isinstance(s, dict) for s in setups):
        raise _invalid({"zerops": ["required: a list of setups, each with a setup name"]})
    setup = next((s for s in setups if s.get("setup") == setup_name), None)
    if setup is None:
        names = [str(s.get("setup")) for s in setups]
        raise ApiFailure(
            400,
            "zeropsYamlSetupNotFound",
            f"Setup {setup_name!r} not found in zerops.yaml (found: {', '.join(names) or 'none'}).",
            {"name": setup_name},
        )
    problems: dict[str, list[str]] = {}

    def problem(field: str, text: str) -> None:
        problems.setdefault(field, []).append(text)

    build = setup.get("build")
    run = setup.get("run") if isinstance(setup.get("run"), dict) else {}
    if setup.get("run") is not None and not isinstance(setup.get("run"), dict):
        problem("run", "must be a mapping")
    build_bases: tuple[str, ...] = ()
    build_commands: tuple[str, ...] = ()
    deploy_files: tuple[str, ...] = ()
    if operation == "BUILD_AND_DEPLOY":
        if not isinstance(build, dict):
            problem("build", "required for a build and deploy")
        else:
            bases = _strings(build.get("base"))
            if bases is None:
                problem("build.base", "required: a base such as nodejs@22")
            else:
                build_bases = bases
                for base in bases:
                    if not find_base(base):
                        problem("build.base", f"unknown base {base}")
            files = _strings(build.get("deployFiles"))
            if files is None:
                problem("build.deployFiles", "required: the files or folders to deploy")
            else:
                deploy_files = files
            commands = build.get("buildCommands", [])
            parsed = _strings(commands) if commands else ()
            if parsed is None:
                problem("build.buildCommands", "must be a list of commands")
            else:
                build_commands = parsed
    run_base = run.get("base")
    if run_base is not None and (not isinstance(run_base, str) or not find_base(run_base)):
        problem("run.base", f"unknown base {run_base}")
    effective_base = run_base if isinstance(run_base, str) else service_base
    start = run.get("start")
    if start is not None and not isinstance(start, str):
        problem("run.start", "must be a command string")
    if start is None and not effective_base.startswith(_IMPLICIT_WEBSERVER):
        problem("run.start", f"required: {effective_base} has no built-in web server")
    ports = _ports(run.get("ports"), problem)
    if problems:
        raise _invalid(problems)
    return SetupSpec(
        name=setup_name,
        build_bases=build_bases,
        build_commands=build_commands,
        deploy_files=deploy_files,
        run_base=run_base if isinstance(run_base, str) else None,
        start=start if isinstance(start, str) else None,
        ports=ports,
    )


def _ports(value: Any, problem: Any) -> tuple[PortSpec, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        problem("run.ports", "must be a list")
        return ()
    specs = []
    for index, item in enumerate(value):
        where = f"run.ports[{index}]"
        if not isinstance(item, dict):
            problem(where, "must be a mapping with port")
            continue
        port = item.get("port")
        if not isinstance(port, int) or isinstance(port, bool) or not 10 <= port <= 65435:
            problem(f"{where}.port", "must be a whole number between 10 and 65435")
            continue
        protocol = str(item.get("protocol", "TCP")).lower()
        if protocol not in ("tcp", "udp"):
            problem(f"{where}.protocol", "Allowed values: [TCP, UDP]")
            continue
        http = item.get("httpSupport", False)
        if not isinstance(http, bool):
            problem(f"{where}.httpSupport", "must be a boolean")
            continue
        specs.append(PortSpec(port, protocol, http))
    return tuple(specs)


def _invalid(problems: dict[str, list[str]]) -> ApiFailure:
    return ApiFailure(
        400,
        "zeropsYamlInvalidParameter",
        "zerops.yaml has invalid parameters.",
        field_meta("zeropsYamlInvalidParameter", "Invalid parameter.", problems),
    )


def validate_request(body: Any) -> SetupSpec:
    """The ``POST /service-stack/zerops-yaml-validation`` endpoint, minus the service lookup."""
    from zcp.sandbox.failures import invalid_input

    if not isinstance(body, dict):
        raise invalid_input({"body": "must be a JSON object"})
    required = ("serviceStackName", "serviceStackTypeId", "serviceStackTypeVersionName", "zeropsYaml")
    missing = {
        name: "required string" for name in required if not isinstance(body.get(name), str) or not body[name]
    }
    operation = body.get("operation") or "BUILD_AND_DEPLOY"
    if operation not in ("BUILD_AND_DEPLOY", "DEPLOY"):
        missing["operation"] = "Allowed values: [BUILD_AND_DEPLOY, DEPLOY]"
    if missing:
        raise invalid_input(missing)
    setup = body.get("zeropsYamlSetup") or body["serviceStackName"]
    return read_setup(
        body["zeropsYaml"], setup, service_base=body["serviceStackTypeVersionName"], operation=operation
    )
