"""``make e2e``: the scenarios marked ``e2e: true`` against a real Zerops project (opt-in, never in CI).

It runs only with ``ZCP_API_KEY`` set (a token that sees exactly one project, or is scoped to one;
``ZCP_API_HOST`` for another region) and skips with a message otherwise. Every hostname of a scenario
gets a prefix unique to the run (``e2e`` + 4 random characters, so ``web`` becomes ``e2ek3f9web``),
rewritten everywhere the scenario names it, env references in its files included. When the scenario
ends — passed, failed, broken or interrupted (Ctrl-C, SIGTERM) — every service whose hostname starts
with the prefix is deleted and the deletes are waited for. Only the local environment can run live
(zcp would have to run inside the project for the container one).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import string
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import anyio
import httpx

from eval.scenario import Scenario
from eval.world import World

__all__ = ["LiveSettings", "LiveWorld", "live_settings", "live_worlds", "prefixed"]

DEFAULT_API_HOST = "https://api.app-prg1.zerops.io"
#: How long the cleanup waits for the deletes to finish.
DELETE_WAIT = 300.0


@dataclass(frozen=True)
class LiveSettings:
    api_key: str
    api_host: str
    #: Seconds between polls of a delete process during cleanup (tests against the sandbox use less).
    delete_poll_seconds: float = 2.0


def live_settings(env: dict[str, str] | None = None) -> LiveSettings | None:
    """The live target from the environment, ``None`` when ``ZCP_API_KEY`` is not set."""
    source = os.environ if env is None else env
    key = (source.get("ZCP_API_KEY") or "").strip()
    if not key:
        return None
    return LiveSettings(key, (source.get("ZCP_API_HOST") or DEFAULT_API_HOST).rstrip("/"))


def new_prefix() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "e2e" + "".join(secrets.choice(alphabet) for _ in range(4))


def _hostnames(scenario: Scenario) -> set[str]:
    hosts: set[str] = set()
    for target in scenario.answers.plan or []:
        runtime = target.get("runtime")
        if isinstance(runtime, dict):
            hosts |= {str(runtime[k]) for k in ("devHostname", "stageHostname") if runtime.get(k)}
        for dependency in target.get("dependencies") or []:  # type: ignore[union-attr]
            if isinstance(dependency, dict) and dependency.get("hostname"):
                hosts.add(str(dependency["hostname"]))
    return hosts


def prefixed(scenario: Scenario, prefix: str) -> Scenario:
    """The scenario with every hostname it plans renamed ``<prefix><hostname>`` wherever it appears
    (keys and whole string values, ``${host_key}`` references in its files)."""
    hosts = _hostnames(scenario)
    if not hosts:
        return scenario
    names = {h: prefix + h for h in hosts}
    reference = re.compile(r"\$\{(" + "|".join(sorted(map(re.escape, hosts), key=len, reverse=True)) + r")_")

    def rename(value: Any) -> Any:
        if isinstance(value, dict):
            return {names.get(k, k) if isinstance(k, str) else k: rename(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rename(v) for v in value]
        if isinstance(value, str):
            return names.get(value, reference.sub(lambda m: "${" + names[m.group(1)] + "_", value))
        return value

    data = rename(scenario.model_dump(by_alias=True, exclude={"path"}))
    data["id"] = scenario.id
    data["intent"], data["request"], data["title"] = scenario.intent, scenario.request, scenario.title
    renamed = Scenario.model_validate(data)
    renamed.path = scenario.path
    return renamed


class LiveWorld(World):
    """A real project: the scenario's services are created with a unique prefix and always deleted."""

    patience = 900.0
    poll_seconds = 10.0

    def __init__(self, settings: LiveSettings, scenario: Scenario, run_dir: Path) -> None:
        if scenario.environment != "local":
            raise ValueError(f"{scenario.id}: only local scenarios run live")
        self.settings = settings
        self.prefix = new_prefix()
        self.scenario = prefixed(scenario, self.prefix)
        self.run_dir = run_dir
        self.env = {"ZCP_API_KEY": settings.api_key, "ZCP_API_HOST": settings.api_host}
        self._http: httpx.AsyncClient | None = None
        self._client: Any = None
        self._project_id = ""
        self.deleted: list[str] = []

    async def __aenter__(self) -> LiveWorld:
        from zcp.auth import Credentials, discover_project
        from zcp.platform.client import ZeropsClient
        from zcp.secrets import SecretToken

        self._http = httpx.AsyncClient(timeout=30.0)
        token = SecretToken(self.settings.api_key)
        self._client = ZeropsClient(self._http, base_url=self.settings.api_host, token=token)
        credentials = Credentials(token=token, api_host=self.settings.api_host, region="", source="env")
        try:
            found = await discover_project(self._client, credentials)
        except BaseException:
            await self._http.aclose()  # __aexit__ does not run when __aenter__ fails
            self._http = None
            raise
        self._project_id = found.project.id
        return self

    async def __aexit__(self, *exc: object) -> None:
        with anyio.CancelScope(shield=True):
            try:
                await self.cleanup()
            finally:
                if self._http is not None:
                    await self._http.aclose()

    async def cleanup(self) -> None:
        """Delete every service of this run (its prefix) and wait for the deletes."""
        from zcp.platform.polling import PollSchedule, ProcessPoller

        services = await self._client.list_services(self._project_id)
        mine = [s for s in services if s.name.startswith(self.prefix) and not s.is_system_service]
        processes = []
        for service in mine:
            if service.status.upper() in ("DELETING", "DELETED"):
                continue
            processes.append(await self._client.delete_service(service.id))
            self.deleted.append(service.name)
        every = self.settings.delete_poll_seconds
        poller = ProcessPoller(self._client, PollSchedule(interval=every, max_interval=max(every, 5.0)))
        with anyio.move_on_after(DELETE_WAIT):
            for process in processes:
                await poller.wait(process)
        (self.run_dir / "cleanup.json").write_text(
            json.dumps({"prefix": self.prefix, "deleted": self.deleted}) + "\n", encoding="utf-8"
        )

    def hits(self, route: str) -> int:
        return 0  # no request log on the real API: interrupts never fire live

    async def services(self) -> dict[str, str]:
        services = await self._client.list_services(self._project_id)
        return {
            s.name: s.status
            for s in sorted(services, key=lambda s: s.name)
            if s.name.startswith(self.prefix) and not s.is_system_service
        }

    async def fetch(self, hostname: str) -> tuple[int, str]:
        services = {s.name: s for s in await self._client.list_services(self._project_id)}
        service = services.get(hostname)
        if service is None:
            return 0, f"no service {hostname}"
        env = {e.key: e.content for e in await self._client.get_service_env(service.id)}
        url = env.get("zeropsSubdomain")
        if not url:
            return 0, f"{hostname} has no public subdomain"
        assert self._http is not None
        try:
            response = await self._http.get(url, follow_redirects=True)
        except httpx.HTTPError as error:
            return 0, f"{url}: {error}"
        return response.status_code, response.text


def _interrupt_to_exception(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # unwinds through every world's cleanup


def live_worlds(settings: LiveSettings) -> Callable[[Scenario, Path], AbstractAsyncContextManager[World]]:
    """A world factory for the runner; SIGTERM is turned into an interrupt so cleanups run."""
    signal.signal(signal.SIGTERM, _interrupt_to_exception)

    @asynccontextmanager
    async def world(scenario: Scenario, run_dir: Path) -> AsyncIterator[World]:
        async with LiveWorld(settings, scenario, run_dir) as live:
            yield live

    return world
