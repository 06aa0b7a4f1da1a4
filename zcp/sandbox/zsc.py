"""A ``zsc`` stand-in for the sandbox's services: ``zsc noop`` keeps a start command alive.

``run.start: zsc noop --silent`` is how dev services stay up without an app (the agent then starts a
dev server over SSH). Only ``noop`` is modelled; every other zsc command exits 2 saying so.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["noop"]:
        if "-s" not in args and "--silent" not in args:
            print("zsc noop: keeping the container alive", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while True:
            signal.pause()
    print(f"zsc {' '.join(args)}: not available in the zcp sandbox (only `zsc noop`)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
