"""Run as a script: fork writers, SIGKILL them mid-write, and report whether any file was left torn.

Usage: ``python -m tests.state.crash_writer FOLDER RUNS SEED``. It prints one JSON line
``{"runs": N, "unreadable": K, "temps": T}``. The forking happens here, in a single-threaded process,
so the test process itself never forks.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
from pathlib import Path

from zcp.state.fs import atomic_write_json


def _writer(path: Path, out: int) -> None:
    n = 0
    while True:
        n += 1
        atomic_write_json(path, {"n": n, "fill": "x" * (32_768 + n % 4096)})
        os.write(out, b".")


def main() -> None:
    folder, runs, seed = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    unreadable = 0
    target = folder / "state.json"
    atomic_write_json(target, {"n": 0})
    for _ in range(runs):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the writer
            os.close(read_end)
            try:
                _writer(target, write_end)
            finally:
                os._exit(0)
        os.close(write_end)
        writes = rng.randint(1, 4)
        seen = 0
        while seen < writes:
            chunk = os.read(read_end, writes - seen)
            if not chunk:
                break
            seen += len(chunk)
        # Land the kill at a random point of the next write: spin a random number of steps first.
        for _ in range(rng.randint(0, 20_000)):
            pass
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read_end)
        try:
            data = json.loads(target.read_text(encoding="utf-8"))
            if not isinstance(data.get("n"), int):
                unreadable += 1
        except (OSError, ValueError):
            unreadable += 1
    temps = sum(1 for p in folder.iterdir() if p.name.endswith(".tmp"))
    print(json.dumps({"runs": runs, "unreadable": unreadable, "temps": temps}))


if __name__ == "__main__":
    main()
