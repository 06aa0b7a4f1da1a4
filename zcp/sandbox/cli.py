"""``zcp sandbox …``: run the local Zerops API emulator from a terminal.

``zcp sandbox serve`` prints the environment variables that point ``zcp serve`` (or anything else that
speaks the Zerops API) at it, then serves until interrupted. This is not the MCP server, so printing to
stdout is fine here.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from zcp.errors import InvalidParameter


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add this package's subcommands to the `zcp` parser."""
    parser = subparsers.add_parser("sandbox", help="run the local Zerops API emulator")
    commands = parser.add_subparsers(dest="sandbox_command", metavar="SUBCOMMAND")

    serve = commands.add_parser("serve", help="serve the emulated API on loopback until interrupted")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
    serve.add_argument(
        "--seed", default="standard", metavar="SCENARIO", help="starting state (default standard)"
    )
    serve.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="multiplier on how long processes and builds take (0 = instant, default 1)",
    )
    serve.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="inject a fault, e.g. 'get_process:status=503,times=2' or '*:latency=0.05' (repeatable)",
    )
    serve.add_argument(
        "--token", default=None, help="the API token to accept (default: a fixed sandbox token)"
    )
    serve.add_argument(
        "--ssh",
        action="store_true",
        help="give runtime services file trees and an SSH server (with a zcli stand-in on their PATH)",
    )
    serve.add_argument(
        "--run-code",
        action="store_true",
        help="really build and start deployed code on this machine (loopback only; implies --ssh)",
    )
    serve.add_argument(
        "--container",
        action="store_true",
        help="add a 'zcp' service and print the exports that make `zcp serve` act as it (implies --ssh)",
    )
    serve.add_argument(
        "--data-dir", default=None, help="where service trees live (default: a temporary folder)"
    )
    serve.add_argument("--ssh-port", type=int, default=0, help="SSH port (default: any free port)")
    serve.set_defaults(handler=run_serve)

    scenarios = commands.add_parser("scenarios", help="list the seed scenarios")
    scenarios.set_defaults(handler=run_scenarios)
    parser.set_defaults(handler=lambda args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def run_scenarios(args: argparse.Namespace) -> int:
    from zcp.sandbox.scenarios import SCENARIOS, describe

    for name in SCENARIOS:
        print(f"{name:<14} {describe(name)}")
    return 0


def _print_exports(values: dict[str, str]) -> None:
    import shlex

    print("# point zcp at it with:")
    for key, value in values.items():
        print(f"export {key}={shlex.quote(value)}")


def _container_host(args: argparse.Namespace, sandbox: Any) -> Any:
    """The containers extension; it prints the exports once SSH is listening."""
    from pathlib import Path

    from zcp.sandbox.containers import ContainerHost
    from zcp.sandbox.scenarios import READ_ONLY_SUFFIX

    if args.container and not sandbox.state.projects:
        raise InvalidParameter(
            f"Scenario {args.seed!r} has no project to add zcp's service to.",
            suggestion="Use another --seed.",
        )

    def started(host: ContainerHost) -> None:
        assert host.endpoint is not None
        values = {"ZCP_API_HOST": sandbox.served_at, "ZCP_API_KEY": sandbox.token}
        if args.container:
            from zcp.sandbox.scenarios import add_zcp_service

            with sandbox.lock:
                project = next(iter(sandbox.state.projects.values()))
                values = host.exports(add_zcp_service(sandbox, project))
        else:
            values.update(
                {
                    "ZCP_SSH_HOST": host.endpoint.host,
                    "ZCP_SSH_PORT": str(host.endpoint.port),
                    "ZCP_SSH_USER": host.endpoint.user_template,
                    "ZCP_SSH_KEY": str(host.endpoint.client_key_path),
                    "ZCP_SSH_KNOWN_HOSTS": str(host.endpoint.known_hosts_path),
                }
            )
        _print_exports(values)
        print(
            f"# SSH: ssh -p {host.endpoint.port} -i {host.endpoint.client_key_path} <hostname>@{host.endpoint.host}"
        )
        print(f"# host key {host.endpoint.host_public_key} ({host.endpoint.host_fingerprint})")
        print(f"# service trees: {host.trees.services}   read-only token: {sandbox.token}{READ_ONLY_SUFFIX}")
        print("# press Ctrl-C to stop", flush=True)

    return ContainerHost(
        run_code=args.run_code,
        data_dir=Path(args.data_dir) if args.data_dir else None,
        ssh_address=args.host,
        ssh_port=args.ssh_port,
        on_started=started,
    )


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from zcp.sandbox.app import SERVE_EXTENSIONS
    from zcp.sandbox.clock import SystemClock
    from zcp.sandbox.faults import FaultRule
    from zcp.sandbox.sandbox import DEFAULT_TOKEN, Sandbox
    from zcp.sandbox.scenarios import READ_ONLY_SUFFIX, SCENARIOS
    from zcp.sandbox.server import bind_socket, uvicorn_config

    if args.seed not in SCENARIOS:
        raise InvalidParameter(
            f"Unknown scenario {args.seed!r}.", suggestion=f"Use one of: {', '.join(SCENARIOS)}."
        )
    if args.time_scale < 0:
        raise InvalidParameter(
            "--time-scale must not be negative.", suggestion="Use 0 for instant, 1 for realistic."
        )
    try:
        faults = [FaultRule.parse(spec) for spec in args.fault]
    except (TypeError, ValueError) as error:
        raise InvalidParameter(
            f"Bad --fault: {error}.", suggestion="Write it as endpoint:key=value,key=value."
        ) from None
    containers = args.ssh or args.run_code or args.container
    from zcp.server.http import is_loopback

    if containers and not is_loopback(args.host):
        # The SSH endpoint runs commands on this machine (and --run-code runs deployed code): never
        # offer that beyond loopback.
        raise InvalidParameter(
            f"--ssh, --run-code and --container listen on loopback only; --host {args.host} is not loopback.",
            suggestion="Drop --host (the default is 127.0.0.1), or serve the plain API without those flags.",
        )
    token = args.token or DEFAULT_TOKEN
    sandbox = Sandbox(clock=SystemClock(), time_scale=args.time_scale, token=token, scenario=args.seed)
    for rule in faults:
        sandbox.faults.add(rule)
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as error:
        raise InvalidParameter(
            f"Cannot listen on {args.host}:{args.port} ({error.strerror}).", suggestion="Pick another --port."
        ) from None
    url = f"http://{args.host}:{sock.getsockname()[1]}"
    sandbox.served_at = url
    extensions: tuple[Any, ...] = SERVE_EXTENSIONS
    print(f"# zcp sandbox: scenario {args.seed!r}, time scale {args.time_scale:g}, listening on {url}")
    if args.run_code:
        print(
            "# --run-code: deployed code is built and run on THIS machine; the gateway and SSH listen on"
            " loopback, but an app that binds 0.0.0.0 is reachable from your network"
        )
    if containers:
        extensions = (*SERVE_EXTENSIONS, _container_host(args, sandbox))
    else:
        _print_exports({"ZCP_API_HOST": url, "ZCP_API_KEY": token})
        print(f"# read-only token: {token}{READ_ONLY_SUFFIX}   control API: {url}/_sandbox/health")
        print("# press Ctrl-C to stop", flush=True)
    server = uvicorn.Server(uvicorn_config(sandbox, extensions, log_level="warning"))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 0
