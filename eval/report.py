"""The eval's output: a table per scenario, the details of each failure, a JSON report, the closing line."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.runner import Result

__all__ = ["closing_line", "failure_details", "table", "write_json"]

_TOOL_PREFIX = "zerops_"
#: Lines of a failing answer printed (the whole answer is in the JSON report).
ANSWER_LINES = 30


def _tools(result: Result) -> str:
    return ", ".join(f"{name.removeprefix(_TOOL_PREFIX)}×{count}" for name, count in result.tools.items())


def table(results: Sequence[Result]) -> str:
    """One row per scenario: result, turns, time, the tools called."""
    width = max([len(r.id) for r in results] + [8])
    lines = [f"{'scenario':<{width}}  result  turns   time  tools", "-" * (width + 40)]
    for r in results:
        lines.append(f"{r.id:<{width}}  {r.mark:<6}  {len(r.turns):>5}  {r.seconds:>5.1f}s  {_tools(r)}")
    return "\n".join(lines)


def failure_details(result: Result, command: str = "make eval") -> str:
    """What went wrong in a failed scenario, and how to run it alone."""
    lines = [f"✗ {result.id}"]
    if result.failure:
        lines.append(f"  failure: {result.failure}")
    for problem in result.unmet:
        lines.append(f"  unmet: {problem}")
    if result.failing_turn is not None:
        lines.append(f"  first failing turn #{result.failing_turn}: {result.failing_call}")
    if result.failing_answer:
        answer = result.failing_answer.rstrip().splitlines()
        lines.append("  its answer:")
        lines += [textwrap.indent("\n".join(answer[:ANSWER_LINES]), "    ")]
        if len(answer) > ANSWER_LINES:
            lines.append(f"    … ({len(answer) - ANSWER_LINES} more lines in the JSON report)")
    if result.suggested_call:
        lines.append(f"  which suggested next: {result.suggested_call}")
    recent = result.turns[-6:]
    if recent:
        lines.append("  last turns:")
        for turn in recent:
            args = json.dumps(turn.args, ensure_ascii=False)
            lines.append(f"    #{turn.number} {turn.tool} {args[:140]} → {turn.outcome[:120]}")
            lines += [f"        {note}" for note in turn.notes]
    lines.append(f"  logs and files: {result.run_dir}")
    lines.append(f"  reproduce: {command} SCENARIO={result.id}")
    return "\n".join(lines)


def closing_line(results: Sequence[Result]) -> str:
    """``eval: N/M scenarios passed``."""
    return f"eval: {sum(r.passed for r in results)}/{len(results)} scenarios passed"


def write_json(results: Sequence[Result], path: Path, *, meta: dict[str, Any]) -> None:
    """The whole run (every transcript) as JSON, written atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        **meta,
        "passed": sum(r.passed for r in results),
        "total": len(results),
        "scenarios": [r.wire() for r in results],
    }
    temp = path.with_suffix(".tmp")
    temp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8", newline="\n")
    temp.replace(path)
