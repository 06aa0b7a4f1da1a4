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
    print(f"# zcp sandbox: scenario {args.seed!r}, time scale {args.time_scale:g}, listening on {url}")
    print("# point zcp at it with:")
    print(f"export ZCP_API_HOST={url}")
    print(f"export ZCP_API_KEY={token}")
    print(f"# read-only token: {token}{READ_ONLY_SUFFIX}   control API: {url}/_sandbox/health")
    print("# press Ctrl-C to stop", flush=True)
    server = uvicorn.Server(uvicorn_config(sandbox, SERVE_EXTENSIONS, log_level="warning"))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 0
