"""zcp's own ``zcli push``: deploy a folder through the push API, so a laptop needs no zcli.

The sequence is zcli's (``zerops-api.md`` §13.1): read the service; read ``zerops.yaml`` (or
``zerops.yml``) from the folder and choose the setup; have the platform validate it for the service;
create an app version; stream the gzip tar to its upload URL; start build-and-deploy. :func:`push`
returns the new app version and its ``stack.build`` process — waiting for the build is the caller's
(:class:`~zcp.platform.polling.ProcessPoller` on the process, or
:class:`~zcp.platform.builds.BuildPoller` on the service's app versions), so a tool can report
progress, honour cancellation and bound the wait. The sandbox's ``zcli`` stand-in runs this too.

Setup choice: an explicit ``setup`` wins; else the setup named like the service's hostname; else the
only setup in the file. Anything else is INVALID_PARAMETER naming the setups the file has.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import anyio.to_thread

from zcp.errors import InvalidParameter, InvalidZeropsYaml, NotFoundError
from zcp.ops.archive import ArchiveOptions, ArchiveStats, check_archive, stream_archive
from zcp.ops.dotenv import MAX_YAML_BYTES, ZEROPS_YAML_NAMES

if TYPE_CHECKING:
    from zcp.platform.client import ZeropsClient
    from zcp.platform.models import Process, ServiceStack
    from zcp.platform.push import PostAppVersion

Stage = Literal["validating", "creating", "uploading", "deploying"]
OnStage = Callable[[Stage], Awaitable[None]]
STAGES: Final[tuple[Stage, ...]] = ("validating", "creating", "uploading", "deploying")


@dataclass(frozen=True)
class PushRequest:
    """What to deploy where."""

    service_id: str
    working_dir: Path
    setup: str | None = None
    archive: ArchiveOptions = field(default_factory=ArchiveOptions)
    version_name: str | None = None
    validate: bool = True


@dataclass(frozen=True)
class PushResult:
    """A started deploy: poll ``process`` (or the service's app versions) for the outcome."""

    service: ServiceStack
    app_version: PostAppVersion
    process: Process
    setup: str
    zerops_yaml_path: Path
    archive: ArchiveStats


def read_zerops_yaml(working_dir: Path) -> tuple[Path, str]:
    """``zerops.yaml`` (else ``zerops.yml``) in ``working_dir`` and its text."""
    for name in ZEROPS_YAML_NAMES:
        path = working_dir / name
        if path.is_file():
            if path.stat().st_size > MAX_YAML_BYTES:
                raise InvalidZeropsYaml(
                    f"{path} is larger than {MAX_YAML_BYTES} bytes", suggestion="Trim the file."
                )
            return path, path.read_text(encoding="utf-8")
    raise NotFoundError(
        f"no zerops.yaml or zerops.yml in {working_dir}",
        suggestion="Write the zerops.yaml at the root of the folder being deployed (or pass workingDir=).",
    )


def setup_names(text: str) -> list[str]:
    """The setup names in a zerops.yaml, in file order (INVALID_ZEROPS_YML when it has none).

    CPU work for a big file: :func:`push` runs it in a worker thread.
    """
    from zcp.safe_yaml import YamlRefused, load_yaml

    try:
        document: Any = load_yaml(text, what="zerops.yaml", max_chars=MAX_YAML_BYTES)
    except YamlRefused as refused:
        raise InvalidZeropsYaml(refused.message, suggestion="Fix the YAML syntax.") from None
    entries = document.get("zerops") if isinstance(document, dict) else None
    names = [str(e["setup"]) for e in entries or [] if isinstance(e, dict) and e.get("setup")]
    if not isinstance(entries, list) or not names:
        raise InvalidZeropsYaml(
            "zerops.yaml has no `zerops:` list of setups",
            suggestion='See zerops_knowledge query="zerops.yaml".',
        )
    return names


def choose_setup(names: list[str], *, requested: str | None, hostname: str) -> str:
    """The setup to build (see the module docstring for the order)."""
    if requested:
        if requested not in names:
            raise InvalidParameter(
                f"zerops.yaml has no setup {requested!r}",
                suggestion=f"Setups in the file: {', '.join(names)}.",
                details={"available": names},
            )
        return requested
    if hostname in names:
        return hostname
    if len(names) == 1:
        return names[0]
    raise InvalidParameter(
        f"zerops.yaml has several setups and none is named {hostname!r}",
        suggestion=f"Pass setup= one of: {', '.join(names)}.",
        details={"available": names},
    )


async def _noop(stage: Stage) -> None:
    return None


async def push(client: ZeropsClient, request: PushRequest, *, on_stage: OnStage = _noop) -> PushResult:
    """Deploy ``request.working_dir`` to the service; returns once the build has started."""
    from zcp.platform.requests import ZeropsYamlValidation

    working_dir = Path(request.working_dir)
    if not working_dir.is_dir():
        raise InvalidParameter(f"{working_dir} is not a directory", suggestion="Pass the folder to deploy.")
    path, text = await anyio.to_thread.run_sync(read_zerops_yaml, working_dir)
    check_archive(working_dir, request.archive)
    service = await client.get_service(request.service_id)
    names = await anyio.to_thread.run_sync(setup_names, text)
    setup = choose_setup(names, requested=request.setup, hostname=service.name)
    if request.validate:
        await on_stage("validating")
        await client.validate_zerops_yaml(
            ZeropsYamlValidation(
                service_stack_name=service.name,
                service_stack_type_id=service.service_stack_type_id or "",
                service_stack_type_version_name=service.type_version,
                zerops_yaml=text,
                zerops_yaml_setup=setup,
            )
        )
    await on_stage("creating")
    version = await client.create_app_version(service.id, name=request.version_name)
    await on_stage("uploading")
    stats = ArchiveStats()
    await client.upload_archive(version.upload_url, stream_archive(working_dir, request.archive, stats=stats))
    await on_stage("deploying")
    process = await client.build_and_deploy(version.id, text, setup=setup)
    return PushResult(
        service=service,
        app_version=version,
        process=process,
        setup=setup,
        zerops_yaml_path=path,
        archive=stats,
    )
