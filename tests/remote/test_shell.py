"""The quoting function and its operators; a meta-test that nothing builds shell text any other way."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

import zcp
from zcp.remote.shell import Shell, all_of, any_of, background, literal, quote, sequence, to_file

PACKAGE = Path(zcp.__file__).parent


def _bash(command: Shell, cwd: Path) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash") or "/bin/bash"
    return subprocess.run([bash, "-c", command.text], cwd=cwd, capture_output=True, text=True, check=False)


def test_quoted_words_come_back_as_the_same_arguments(tmp_path: Path) -> None:
    values = ["plain", "", "two words", "it's", '"q"', "$(id)", "`id`", "a\nb", "\u2028", "-n"]
    done = _bash(quote(["printf", "%s|", *values]), tmp_path)
    assert done.stdout == "".join(f"{v}|" for v in values)


def test_a_background_step_inside_a_sequence_is_valid_shell(tmp_path: Path) -> None:
    command = sequence(background(quote(["true"])), literal('echo "$!" > /dev/null'), quote(["echo", "ok"]))
    done = _bash(command, tmp_path)
    assert (done.returncode, done.stdout) == (0, "ok\n")


def test_any_of_groups_so_it_composes_inside_an_and_chain(tmp_path: Path) -> None:
    command = all_of(quote(["false"]), any_of(quote(["false"]), quote(["echo", "reached"])))
    assert _bash(command, tmp_path).stdout == ""


def test_to_file_writes_both_streams_to_the_quoted_path(tmp_path: Path) -> None:
    target = tmp_path / "a b;c"
    _bash(to_file(quote(["sh", "-c", "echo out; echo err >&2"]), str(target)), tmp_path)
    assert target.read_text() == "out\nerr\n"


def test_combinators_accept_only_shell_fragments() -> None:
    with pytest.raises(TypeError):
        all_of("rm -rf /")  # type: ignore[arg-type]


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == name)
            or (isinstance(node.func, ast.Attribute) and node.func.attr == name)
        )
    ]


def test_literal_snippets_are_written_in_the_source_never_computed() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in _calls(tree, "literal"):
            arg = call.args[0] if call.args else None
            plain = isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            # An f-string is allowed only when every interpolated part is itself a literal in this file
            # (write_zcli_login's fixed folder choice); anything else must be quote()d.
            fixed = isinstance(arg, ast.JoinedStr) and path.name == "commands.py"
            if not (plain or fixed):
                offenders.append(f"{path.relative_to(PACKAGE)}:{call.lineno}")
    assert offenders == []


def test_shell_values_are_built_only_by_the_shell_module() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "remote" / "shell.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [f"{path.relative_to(PACKAGE)}:{call.lineno}" for call in _calls(tree, "Shell")]
    assert offenders == []
