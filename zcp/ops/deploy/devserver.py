"""Dev servers on dev services: a long-running process started over SSH, watched until it answers.

A dev service runs no app after a deploy (its ``run.start`` is usually a no-op): the agent starts
the dev command (``npm run dev``, ``flask run``…) with :func:`start`. Every command is a builder of
:mod:`zcp.remote.commands`: the process is started detached in its own session (``setsid``), output
to ``logFile``, its pid next to it, so ``stop`` ends its whole process group.

``start`` (and ``restart``: the same, said differently) stops a server already recorded at that log
file, spawns the command, then within ``waitSeconds`` checks it stays alive and — unless
``noHttpProbe`` — that ``http://127.0.0.1:<port><healthPath>`` on the service answers below 400. When
it does not, ``running`` says whether the process lives and ``reason`` says why:

* ``spawn_timeout`` — the spawn command itself did not return in time;
* ``spawn_error`` — it could not be launched (wrong ``workDir``, no shell), or printed no pid;
* ``post_spawn_exit`` — it started and exited (a crash, a missing module, a wrong command);
* ``liveness_check_error`` — checking it failed (the service stopped answering SSH);
* ``health_probe_timeout`` — it runs but nothing answered on the port within ``waitSeconds``;
* ``health_probe_status`` — it answered with an HTTP error (``healthStatus``);
* ``health_probe_error`` — the probe could not run on the service.

Failures carry the log tail. Not reaching the service at all raises SSH_FAILED.

After a deploy, :func:`start_after_deploy` tells whether the deployed setup started an app at all:
a dynamic runtime whose ``run.start`` is ``zsc noop`` (or missing) serves nothing until its dev
server runs, so ``zerops_deploy`` makes that start its primary next action. The port is the first
``run.ports`` entry; the command is left for the agent (``<start command>``): zerops.yaml has no
field for it, and a dev setup's ``run.start`` is exactly what does not start it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

from zcp.axes import RuntimeClass, runtime_class_for, starts_no_app
from zcp.calls import ToolCall
from zcp.errors import SshError
from zcp.remote import commands
from zcp.remote.shell import Shell

if TYPE_CHECKING:
    from zcp.app import App
    from zcp.remote.runner import RemoteResult

__all__ = [
    "COMMAND_PLACEHOLDER",
    "DevServerReport",
    "DevServerSpec",
    "logs",
    "start",
    "start_after_deploy",
    "status",
    "stop",
]

SPAWN_TIMEOUT: Final = 10.0
CHECK_TIMEOUT: Final = 10.0
PROBE_TIMEOUT: Final = 3.0
#: How long a process without an HTTP probe must stay alive to count as started.
NO_PROBE_GRACE: Final = 1.5
FAILURE_TAIL: Final = 40
#: The argument an agent fills when zcp cannot know the dev command.
COMMAND_PLACEHOLDER: Final = "<start command>"

Reason = Literal[
    "spawn_timeout",
    "spawn_error",
    "post_spawn_exit",
    "liveness_check_error",
    "health_probe_timeout",
    "health_probe_status",
    "health_probe_error",
    "not_running",
]


@dataclass(frozen=True)
class DevServerSpec:
    hostname: str
    command: str | None = None
    port: int | None = None
    health_path: str = "/"
    log_file: str = commands.DEFAULT_DEV_LOG
    work_dir: str = commands.DEFAULT_WORK_DIR
    wait_seconds: float = 15.0
    log_lines: int = 40
    process_match: str | None = None
    no_http_probe: bool = False


@dataclass
class DevServerReport:
    action: str
    hostname: str
    running: bool
    message: str
    port: int | None = None
    health_path: str | None = None
    health_status: int | None = None
    start_millis: int | None = None
    pid: int | None = None
    log_file: str | None = None
    log_tail: list[str] | None = None
    reason: Reason | None = None
    next_actions: list[ToolCall] = field(default_factory=list)


async def _run(app: App, host: str, command: Shell, timeout: float) -> RemoteResult:
    return await app.remote().run(host, command, timeout=timeout)


async def _tail(app: App, spec: DevServerSpec, lines: int) -> list[str]:
    try:
        result = await _run(app, spec.hostname, commands.log_tail(spec.log_file, lines=lines), CHECK_TIMEOUT)
    except SshError:
        return []
    return result.stdout.splitlines() if result.ok else []


async def _alive(app: App, spec: DevServerSpec) -> bool:
    return (
        await _run(app, spec.hostname, commands.dev_server_status(log_file=spec.log_file), CHECK_TIMEOUT)
    ).ok


async def _probe(app: App, spec: DevServerSpec) -> int | None:
    """The HTTP status the health path answers with; 0 when nothing answers; None when the probe fails."""
    assert spec.port is not None
    result = await _run(
        app,
        spec.hostname,
        commands.http_status(spec.port, spec.health_path, timeout=PROBE_TIMEOUT),
        CHECK_TIMEOUT,
    )
    text = result.stdout.strip()
    if not text.isdigit():
        return None
    return int(text)


def _report(spec: DevServerSpec, action: str) -> DevServerReport:
    return DevServerReport(
        action=action,
        hostname=spec.hostname,
        running=False,
        message="",
        port=spec.port,
        health_path=spec.health_path if spec.port is not None and not spec.no_http_probe else None,
        log_file=spec.log_file,
    )


def _first_port(run: Mapping[str, Any]) -> int | None:
    ports = run.get("ports")
    for entry in ports if isinstance(ports, list) else []:
        port = entry.get("port") if isinstance(entry, dict) else None
        if isinstance(port, int) and not isinstance(port, bool) and 1 <= port <= 65535:
            return port
    return None


def start_after_deploy(hostname: str, type_version: str, entry: Mapping[str, Any]) -> ToolCall | None:
    """The ``zerops_dev_server`` start that a deploy of ``entry`` (one zerops.yaml setup) leaves to the
    agent, or ``None`` when the deploy started the app itself.

    Only a dynamic runtime (by the service type, else ``run.base``) whose ``run.start`` is ``zsc noop``
    or absent needs one: a built-in web server serves on its own, and any other start command is the
    app. The call carries the first ``run.ports`` port (without one: no HTTP probe).
    """
    run = entry.get("run")
    run = run if isinstance(run, Mapping) else {}
    kind = runtime_class_for(type_version or str(run.get("base") or ""))
    if kind is not RuntimeClass.DYNAMIC:
        return None
    if not starts_no_app(run.get("start")):
        return None
    port = _first_port(run)
    probe: dict[str, Any] = {"port": port} if port is not None else {"noHttpProbe": True}
    return ToolCall.of(
        "zerops_dev_server", action="start", hostname=hostname, command=COMMAND_PLACEHOLDER, **probe
    )


def _again(spec: DevServerSpec) -> ToolCall:
    return ToolCall.of("zerops_dev_server", action="logs", hostname=spec.hostname, logLines=100)


async def start(app: App, spec: DevServerSpec, *, action: str = "start") -> DevServerReport:
    """Start (or restart) the dev server and wait until it answers (see the module docstring)."""
    clock = app.clock
    report = _report(spec, action)
    assert spec.command is not None
    began = clock.monotonic()
    stopped = await _run(app, spec.hostname, commands.dev_server_stop(log_file=spec.log_file), CHECK_TIMEOUT)
    replaced = " (the one running before was stopped)" if stopped.ok else ""
    spawn = await _run(
        app,
        spec.hostname,
        commands.dev_server_start(spec.command, work_dir=spec.work_dir, log_file=spec.log_file),
        SPAWN_TIMEOUT,
    )
    if spawn.timed_out:
        return await _failed(app, spec, report, "spawn_timeout", "the start command did not return in time")
    pid_text = spawn.stdout.strip().splitlines()[-1:] if spawn.stdout.strip() else []
    if not spawn.ok or not pid_text or not pid_text[0].isdigit():
        detail = spawn.tail(3) or f"exit {spawn.exit_status}"
        return await _failed(app, spec, report, "spawn_error", f"the command could not be started: {detail}")
    report.pid = int(pid_text[0])
    deadline = began + spec.wait_seconds
    interval = max(0.05, min(app.settings.poll_interval, 0.5))
    last_status: int | None = None
    while True:
        try:
            alive = await _alive(app, spec)
        except SshError as error:
            return await _failed(app, spec, report, "liveness_check_error", error.message)
        if not alive:
            return await _failed(
                app, spec, report, "post_spawn_exit", "the process exited right after it started"
            )
        elapsed = clock.monotonic() - began
        if spec.no_http_probe or spec.port is None:
            if elapsed >= min(NO_PROBE_GRACE, spec.wait_seconds):
                report.running = True
                report.start_millis = int(elapsed * 1000)
                report.message = (
                    f"{spec.hostname}: dev server running (pid {report.pid}){replaced}; no HTTP probe."
                )
                return report
        else:
            try:
                code = await _probe(app, spec)
            except SshError as error:
                return await _failed(app, spec, report, "liveness_check_error", error.message)
            if code is None:  # the process lives (just checked); only the probe could not run
                return await _failed(
                    app,
                    spec,
                    report,
                    "health_probe_error",
                    "the HTTP probe could not run (curl?)",
                    running=True,
                )
            if 200 <= code < 400:
                report.running = True
                report.health_status = code
                report.start_millis = int((clock.monotonic() - began) * 1000)
                report.message = (
                    f"{spec.hostname}: dev server answers {code} on port {spec.port}{spec.health_path} "
                    f"after {report.start_millis} ms (pid {report.pid}){replaced}."
                )
                report.next_actions = [ToolCall.of("zerops_verify", serviceHostname=spec.hostname)]
                return report
            if code:
                last_status = code
        if clock.monotonic() >= deadline:
            break
        await clock.sleep(min(interval, max(0.0, deadline - clock.monotonic())))
    report.running = True
    if last_status:
        report.health_status = last_status
        return await _failed(
            app,
            spec,
            report,
            "health_probe_status",
            f"the process runs but {spec.health_path} answers HTTP {last_status}",
            running=True,
        )
    return await _failed(
        app,
        spec,
        report,
        "health_probe_timeout",
        f"the process runs but nothing answered on port {spec.port} within {spec.wait_seconds:g}s "
        "(another port? bound to localhost instead of 0.0.0.0? still compiling?)",
        running=True,
    )


async def _failed(
    app: App, spec: DevServerSpec, report: DevServerReport, reason: Reason, why: str, *, running: bool = False
) -> DevServerReport:
    report.running = running
    report.reason = reason
    report.log_tail = await _tail(app, spec, FAILURE_TAIL) or None
    report.message = f"{spec.hostname}: {why}."
    report.next_actions = [_again(spec)]
    return report


async def status(app: App, spec: DevServerSpec) -> DevServerReport:
    """Whether the dev server lives, and (with ``port``) what its health path answers."""
    report = _report(spec, "status")
    report.running = await _alive(app, spec)
    if not report.running:
        report.reason = "not_running"
        report.message = f"{spec.hostname}: no dev server is running (recorded at {spec.log_file})."
        report.next_actions = [
            ToolCall.of(
                "zerops_dev_server",
                action="start",
                hostname=spec.hostname,
                command=COMMAND_PLACEHOLDER,
                port="<port>",
            )
        ]
        return report
    report.message = f"{spec.hostname}: the dev server runs"
    if spec.port is not None and not spec.no_http_probe:
        code = await _probe(app, spec)
        report.health_status = code or None
        report.message += (
            f"; {spec.health_path} answers {code}" if code else f"; nothing answers on port {spec.port}"
        )
    report.message += "."
    return report


async def logs(app: App, spec: DevServerSpec) -> DevServerReport:
    """The last ``logLines`` lines of the dev server's log."""
    report = _report(spec, "logs")
    report.running = await _alive(app, spec)
    lines = await _tail(app, spec, spec.log_lines)
    report.log_tail = lines or None
    report.message = (
        f"{spec.hostname}: last {len(lines)} line(s) of {spec.log_file}"
        if lines
        else f"{spec.hostname}: {spec.log_file} is empty or missing"
    ) + ("" if report.running else " (not running)")
    return report


async def stop(app: App, spec: DevServerSpec) -> DevServerReport:
    """Stop the dev server's whole process group (and ``processMatch`` processes, when given)."""
    report = _report(spec, "stop")
    result = await _run(
        app,
        spec.hostname,
        commands.dev_server_stop(log_file=spec.log_file, process_match=spec.process_match),
        CHECK_TIMEOUT,
    )
    report.running = False
    report.message = (
        f"{spec.hostname}: dev server stopped."
        if result.ok
        else f"{spec.hostname}: no dev server was running."
    )
    return report
