"""The subdomain gateway: loopback subdomain URLs that answer from the service's state."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.plugins.sandbox import SandboxHandle
from zcp.sandbox import lifecycle
from zcp.sandbox.app import SERVE_EXTENSIONS
from zcp.sandbox.model import Grant


def _subdomain(handle: SandboxHandle, hostname: str) -> str:
    with handle.sandbox.lock:
        variable = handle.service(hostname).env_var("zeropsSubdomain")
        assert variable is not None
        return variable.content


def _grant(handle: SandboxHandle) -> Grant:
    grant = handle.sandbox.grant_for(handle.token)
    assert grant is not None
    return grant


@pytest.fixture
def served(sandbox_factory: Callable[..., SandboxHandle]) -> Callable[[str], SandboxHandle]:
    def start(seed: str) -> SandboxHandle:
        return sandbox_factory(seed, extensions=SERVE_EXTENSIONS)

    return start


def test_a_running_deployed_service_answers_200_on_its_loopback_subdomain(
    served: Callable[[str], SandboxHandle],
) -> None:
    handle = served("standard")
    url = _subdomain(handle, "appstage")
    assert url == f"{handle.url}/_subdomain/appstage-1df2-3000"
    reply = httpx.get(url, timeout=5)
    assert reply.status_code == 200 and reply.json()["service"] == "appstage"
    assert httpx.get(url + "/health?x=1", timeout=5).status_code == 200
    assert handle.hits("subdomain") == 2


def test_a_stopped_service_answers_502_and_a_restarting_one_503(
    served: Callable[[str], SandboxHandle],
) -> None:
    handle = served("standard")
    url = _subdomain(handle, "appstage")
    with handle.sandbox.lock:
        lifecycle.change_state(handle.sandbox, _grant(handle), handle.service("appstage").id, "restart")
    handle.advance(1)
    assert httpx.get(url, timeout=5).status_code == 503
    handle.advance(10)
    assert httpx.get(url, timeout=5).status_code == 200
    with handle.sandbox.lock:
        lifecycle.change_state(handle.sandbox, _grant(handle), handle.service("appstage").id, "stop")
    handle.advance(10)
    assert httpx.get(url, timeout=5).status_code == 502


def test_a_runtime_without_a_deployed_version_answers_502(served: Callable[[str], SandboxHandle]) -> None:
    handle = served("adoptable")
    reply = httpx.get(_subdomain(handle, "web"), timeout=5)
    assert reply.status_code == 502 and reply.json()["error"]["code"] == "badGateway"


def test_a_disabled_subdomain_or_an_unknown_label_answers_404(served: Callable[[str], SandboxHandle]) -> None:
    handle = served("standard")
    url = _subdomain(handle, "appstage")
    with handle.sandbox.lock:
        lifecycle.disable_subdomain(handle.sandbox, _grant(handle), handle.service("appstage").id)
    handle.advance(5)
    assert httpx.get(url, timeout=5).status_code == 404
    assert httpx.get(f"{handle.url}/_subdomain/nothing-here", timeout=5).status_code == 404


def test_a_subdomain_enabled_later_is_published_on_loopback(served: Callable[[str], SandboxHandle]) -> None:
    handle = served("standard")
    with handle.sandbox.lock:
        lifecycle.disable_subdomain(handle.sandbox, _grant(handle), handle.service("appstage").id)
    handle.advance(5)
    with handle.sandbox.lock:
        lifecycle.enable_subdomain(handle.sandbox, _grant(handle), handle.service("appstage").id)
    handle.advance(5)
    url = _subdomain(handle, "appstage")
    assert url.startswith(handle.url)
    assert httpx.get(url, timeout=5).status_code == 200


def test_faults_apply_to_the_subdomain_route(served: Callable[[str], SandboxHandle]) -> None:
    handle = served("standard")
    handle.fault("subdomain", status=503, times=1)
    url = _subdomain(handle, "appstage")
    assert httpx.get(url, timeout=5).status_code == 503
    assert httpx.get(url, timeout=5).status_code == 200


@pytest.mark.sandbox(seed="standard")
def test_without_the_gateway_subdomain_urls_keep_the_platform_form(sandbox: SandboxHandle) -> None:
    assert _subdomain(sandbox, "appstage") == "https://appstage-1df2-3000.prg1.zerops.app"
