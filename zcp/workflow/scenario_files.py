"""Reading scenario files: where they are and how they load (the shell around :mod:`.scenarios`).

In a source checkout the scenarios are the test fixtures in ``tests/workflow/scenarios/``; an
installed wheel carries the same files as ``zcp/_scenarios/`` (see ``pyproject.toml``), so
``zcp preview --list`` and the README's preview example work from either.
"""

from __future__ import annotations

from pathlib import Path

from zcp.errors import InvalidParameter
from zcp.workflow.scenarios import Scenario, check_scenario_name, parse_scenario

__all__ = ["default_scenarios_dir", "load_scenario_file", "load_scenarios"]

_PACKAGE_DIR = Path(__file__).resolve().parents[1]


def default_scenarios_dir() -> Path | None:
    """``tests/workflow/scenarios`` of a checkout, else the copy shipped in the wheel (``None`` if neither)."""
    from zcp.knowledge.paths import checkout_root

    root = checkout_root()
    candidates = [root / "tests" / "workflow" / "scenarios"] if root is not None else []
    candidates.append(_PACKAGE_DIR / "_scenarios")
    return next((folder for folder in candidates if folder.is_dir()), None)


def load_scenario_file(path: Path, *, source: str | None = None) -> Scenario:
    """Load one scenario (or any envelope file); errors name the file, line and field."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidParameter(
            f"cannot read envelope file {path}: {exc.strerror or exc}",
            suggestion="Pass an existing YAML file, or a scenario name (`zcp preview --list`).",
        ) from None
    return parse_scenario(path, text, source=source)


def load_scenarios(folder: Path) -> tuple[Scenario, ...]:
    """Every ``*.yaml`` scenario in ``folder``, sorted by name."""
    scenarios = []
    for path in sorted(folder.glob("*.yaml"), key=lambda p: p.stem):
        check_scenario_name(path)
        scenarios.append(load_scenario_file(path, source=path.name))
    return tuple(scenarios)
