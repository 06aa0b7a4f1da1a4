"""`zcp sandbox`: list scenarios, refuse bad options, and serve while printing how to connect."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from zcp.cli import main


def test_scenarios_are_listed_with_a_description(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "scenarios"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("empty ")
    assert "standard" in out


@pytest.mark.parametrize(
    "args",
    [
        ["--seed", "nope"],
        ["--time-scale", "-1"],
        ["--fault", "get_process:status=abc"],
        ["--fault", "x:bogus=1"],
        ["--run-code", "--host", "0.0.0.0"],
        ["--ssh", "--host", "192.168.1.5"],
        ["--container", "--host", "example.com"],
    ],
)
def test_bad_serve_options_fail_with_exit_1_and_a_hint(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sandbox", "serve", *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "hint: " in err


def _read_until(process: subprocess.Popen[bytes], marker: str, timeout: float = 20.0) -> list[str]:
    """Lines printed so far, once ``marker`` appeared (read from the raw pipe: no buffering surprises)."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    text = ""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while marker not in text and time.monotonic() < deadline:
            if not selector.select(timeout=deadline - time.monotonic()):
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            text += chunk.decode("utf-8")
    assert marker in text, f"{marker!r} never printed; got {text!r}"
    return text.splitlines()


@pytest.mark.slow
def test_serve_prints_the_variables_that_point_zcp_at_it_and_stops_on_interrupt() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zcp",
            "sandbox",
            "serve",
            "--seed",
            "standard",
            "--time-scale",
            "0",
            "--fault",
            "*:latency=0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        lines = _read_until(process, "Ctrl-C")
        exports = dict(
            line.removeprefix("export ").split("=", 1) for line in lines if line.startswith("export ")
        )
        assert set(exports) == {"ZCP_API_HOST", "ZCP_API_KEY"}
        reply = httpx.get(
            f"{exports['ZCP_API_HOST']}/api/rest/public/user/info",
            headers={"Authorization": f"Bearer {exports['ZCP_API_KEY']}"},
            timeout=5,
        )
        assert reply.json()["email"] == "jane@example.com"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 130  # zcp's exit code for an interrupt
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _exports(lines: list[str]) -> dict[str, str]:
    import shlex

    pairs = [shlex.split(line.removeprefix("export "))[0] for line in lines if line.startswith("export ")]
    return dict(pair.split("=", 1) for pair in pairs)


@pytest.mark.slow
def test_container_mode_prints_what_makes_zcp_act_as_its_own_service(tmp_path: Path) -> None:
    import anyio

    from zcp.config import load_settings
    from zcp.errors import SelfServiceBlocked
    from zcp.remote.hostkeys import HostKeyStore
    from zcp.remote.mounts import LinkMounter, mounter_for
    from zcp.remote.runner import SshOptions, SshRunner
    from zcp.remote.shell import quote
    from zcp.runtime import detect_runtime
    from zcp.sandbox.children import marked

    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zcp",
            "sandbox",
            "serve",
            "--container",
            "--run-code",
            "--seed",
            "standard",
            "--time-scale",
            "0",
            "--data-dir",
            str(tmp_path / "data"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = _read_until(process, "Ctrl-C")
        assert any("runs deployed code" in line or "THIS machine" in line for line in lines)
        exports = _exports(lines)
        settings = load_settings(exports, cwd=tmp_path)
        runtime = detect_runtime(settings)
        assert (runtime.in_container, runtime.hostname) == (True, "zcp")
        info = httpx.get(
            f"{settings.api_host}/api/rest/public/service-stack/{exports['serviceId']}",
            headers={"Authorization": f"Bearer {settings.api_key}"},
            timeout=5,
        ).json()
        assert (info["name"], info["projectId"]) == ("zcp", exports["projectId"])
        assert settings.ssh_known_hosts is not None and settings.ssh_known_hosts.is_file()

        async def reach() -> str:
            runner = SshRunner(
                SshOptions.from_settings(settings), HostKeyStore.for_project(settings, exports["projectId"])
            )
            try:
                result = await runner.run("appdev", quote(["sh", "-c", 'echo "$hostname"']), timeout=20)
            finally:
                await runner.aclose()
            mounter = mounter_for(settings)
            assert isinstance(mounter, LinkMounter)
            status = await mounter.mount("appdev")
            assert status.writable
            with pytest.raises(SelfServiceBlocked):
                await mounter.mount("zcp")
            return result.stdout

        assert anyio.run(reach) == "appdev\n"
        assert (Path(exports["ZCP_MOUNT_ROOT"]) / "appdev").resolve().is_dir()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 130
        owner = f"ZCP_SANDBOX_OWNER={process.pid}".encode()
        assert marked(owner) == [], "every service process ended with the sandbox"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
