"""A ``zcli`` stand-in for the sandbox's services: ``zcli login`` and ``zcli push``, through the sandbox API.

The sandbox puts it on every service's PATH. It speaks the same API sequence as zcli, by running
zcp's own push (:func:`zcp.ops.push.push`), then waits for the build process and prints the build
log as it arrives, exiting non-zero when the pipeline fails — the way ``zcli push`` behaves.

* ``zcli login [-- TOKEN]`` takes the token as real zcli does, but a token on a command line is
  visible to ``ps``, so it also reads it from ``ZEROPS_TOKEN`` or, failing that, from the first line
  of stdin. It asks the region list (``$ZCP_SANDBOX_API/api/rest/public/region/zcli``, standing in for
  zcli's built-in region URL) for the default region, checks the token (``GET /user/info``) and stores
  it with the region in ``$XDG_CONFIG_HOME/zerops/cli.data`` (else ``~/.config/…``), owner-only.
* ``zcli push --service-id ID [--setup S] [-g] [--working-dir D] [--no-git] [--workspace-state
  all|staged|clean] [--project-id P] [--version-name N] [--disable-logs]`` uses ``ZEROPS_TOKEN`` when
  set (that is how zcp passes its token: through the session environment, never the command line),
  else the stored login.

Only these two commands exist; anything else exits 2 with a note.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Final

ZCLI_POLL_ENV: Final = "ZCP_ZCLI_POLL_INTERVAL"
TERMINAL_OK: Final = ("FINISHED", "DONE")


class _Fail(Exception):
    """Exit with a message (code 1)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zcli", description="zcli stand-in of the zcp sandbox")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    login = commands.add_parser("login", help="store a token")
    login.add_argument("token", nargs="?", help="the token (prefer ZEROPS_TOKEN or stdin)")
    login.add_argument("--region-url", default=None)
    login.add_argument("--region", default=None)
    push = commands.add_parser("push", aliases=["service-push"], help="build and deploy the working dir")
    push.add_argument("--service-id", "-S", required=True)
    push.add_argument("--project-id", "-P", default=None)
    push.add_argument("--setup", default=None)
    push.add_argument("--working-dir", default=".")
    push.add_argument("--deploy-git-folder", "-g", action="store_true")
    push.add_argument("--no-git", action="store_true")
    push.add_argument("--workspace-state", choices=("all", "staged", "clean"), default="all")
    push.add_argument("--version-name", default=None)
    push.add_argument("--disable-logs", action="store_true")
    push.add_argument("--zerops-yaml-path", default=None)
    return parser


def _config_file(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "zerops" / "cli.data"


def _api_root(env: Mapping[str, str]) -> str:
    api = env.get("ZCP_SANDBOX_API")
    if not api:
        raise _Fail("ZCP_SANDBOX_API is not set: this zcli only works inside the zcp sandbox")
    return api.rstrip("/")


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    environ = os.environ if env is None else env
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.command is None:
        _parser().print_help(sys.stderr)
        return 2
    import anyio

    try:
        if args.command == "login":
            anyio.run(_login, args, environ, sys.stdin)
            return 0
        return int(anyio.run(_push, args, environ))
    except _Fail as failure:
        print(f"✗ {failure}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 130


async def _login(args: argparse.Namespace, env: Mapping[str, str], stdin: IO[str]) -> None:
    import httpx

    token = (args.token or env.get("ZEROPS_TOKEN") or stdin.readline()).strip()
    if not token:
        raise _Fail("no token: pass it on stdin or in ZEROPS_TOKEN")
    region_url = args.region_url or f"{_api_root(env)}/api/rest/public/region/zcli"
    async with httpx.AsyncClient(timeout=30) as http:
        regions = (await http.get(region_url)).json().get("items") or []
        region = next(
            (
                r
                for r in regions
                if (args.region and r.get("name") == args.region) or (not args.region and r.get("isDefault"))
            ),
            None,
        )
        if region is None:
            raise _Fail(f"region {args.region or '(default)'} not found")
        scheme = "http" if region_url.startswith("http://") else "https"
        address = f"{scheme}://{region['address']}" if scheme == "http" else str(region["address"])
        reply = await http.get(
            f"{address if '://' in address else 'https://' + address}/api/rest/public/user/info",
            headers={"Authorization": f"Bearer {token}"},
        )
    if reply.status_code != 200:
        raise _Fail(f"the token was refused (HTTP {reply.status_code})")
    user = reply.json()
    path = _config_file(env)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"Token": token, "RegionData": {**region, "address": address}}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    print(f"✓ Welcome to Zerops, {user.get('fullName') or user.get('email')}!", flush=True)


def _credentials(env: Mapping[str, str]) -> tuple[str, str]:
    """(token, API base URL): ZEROPS_TOKEN with the sandbox API, else the stored login."""
    token = env.get("ZEROPS_TOKEN", "").strip()
    if token:
        return token, _api_root(env)
    try:
        data: Any = json.loads(_config_file(env).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise _Fail("not logged in: run `zcli login` first (or set ZEROPS_TOKEN)") from None
    address = str((data.get("RegionData") or {}).get("address") or "")
    if not data.get("Token") or not address:
        raise _Fail("the stored login is incomplete: run `zcli login` again")
    return str(data["Token"]), address if "://" in address else f"https://{address}"


async def _push(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    import anyio
    import httpx

    from zcp.errors import ZcpError
    from zcp.ops.archive import ArchiveOptions
    from zcp.ops.push import PushRequest, Stage, push
    from zcp.platform.client import ZeropsClient
    from zcp.platform.logs import LogQuery

    if args.no_git and args.deploy_git_folder:
        raise _Fail("--no-git cannot be combined with -g")
    token, base_url = _credentials(env)
    if args.no_git:
        archive = ArchiveOptions(source="files")
    elif args.workspace_state == "clean":
        archive = ArchiveOptions(source="git", include_git=args.deploy_git_folder)
    elif args.workspace_state == "staged":
        archive = ArchiveOptions(source="git", git_ref="index", include_git=args.deploy_git_folder)
    else:
        archive = ArchiveOptions(source="worktree", include_git=args.deploy_git_folder)
    interval = float(env.get(ZCLI_POLL_ENV) or 1.0)
    labels = {
        "validating": "Validating zerops.yaml",
        "creating": "Creating package",
        "uploading": "Uploading package",
        "deploying": "Deploying service",
    }

    async def stage(name: Stage) -> None:
        print(f"• {labels[name]}", flush=True)

    async with httpx.AsyncClient(timeout=60) as http:
        client = ZeropsClient(http, base_url=base_url, token=token)
        try:
            started = await push(
                client,
                PushRequest(
                    service_id=args.service_id,
                    working_dir=Path(args.working_dir),
                    setup=args.setup,
                    archive=archive,
                    version_name=args.version_name,
                ),
                on_stage=stage,
            )
        except ZcpError as error:
            raise _Fail(f"{error.message} ({error.code})") from None
        print(
            f"  package: {started.archive.files} files, {started.archive.bytes_out / 1_048_576:.1f} MB; "
            f"setup {started.setup}; app version {started.app_version.id}",
            flush=True,
        )
        seen: set[str] = set()
        project_id = started.service.project_id
        tag = f"zbuilder@{started.app_version.id}"
        while True:
            process = await client.get_process(started.process.id)
            if not args.disable_logs:
                for entry in await client.fetch_logs(
                    project_id, LogQuery(tags=(tag,), limit=1000, facility=None)
                ):
                    if entry.id not in seen:
                        seen.add(entry.id)
                        print(f"  {entry.message}", flush=True)
            status = process.status.upper()
            if status in TERMINAL_OK:
                print("✓ Deploying service - finished", flush=True)
                return 0
            if status not in ("PENDING", "RUNNING"):
                reason = (process.public_meta or {}).get("failReason") or status
                print(f"✗ Deploying service - {status.lower()}: {reason}", file=sys.stderr, flush=True)
                return 1
            await anyio.sleep(interval)


if __name__ == "__main__":
    raise SystemExit(main())
