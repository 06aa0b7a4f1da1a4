"""``zcp preprocess`` driven through argparse."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from zcp.errors import InvalidParameter, InvalidUsage
from zcp.preprocess.cli import register


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="zcp")
    register(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    result: int = args.handler(args)
    return result


def test_a_seeded_expansion_is_printed_and_reproducible(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("preprocess", "<@generateRandomString(<12>)>", "--seed", "5") == 0
    first = capsys.readouterr().out
    run_cli("preprocess", "<@generateRandomString(<12>)>", "--seed", "5")
    assert capsys.readouterr().out == first
    assert len(first.strip()) == 12


def test_preset_variables_are_readable(capsys: pytest.CaptureFixture[str]) -> None:
    run_cli("preprocess", "<@getVar(region) | upper>", "--var", "region=eu")
    assert capsys.readouterr().out == "EU\n"


def test_a_bad_var_flag_is_a_usage_error() -> None:
    with pytest.raises(InvalidUsage):
        run_cli("preprocess", "x", "--var", "novalue")


def test_a_file_is_expanded_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "import.yml"
    path.write_text("#yamlPreprocessor=on\nname: <shop| upper>\n", encoding="utf-8")
    assert run_cli("preprocess", "--file", str(path)) == 0
    assert capsys.readouterr().out == "#yamlPreprocessor=on\nname: SHOP\n"


def test_an_error_prints_the_caret_diagnostic_then_raises(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InvalidParameter):
        run_cli("preprocess", "<@getVar(x")
    assert capsys.readouterr().err == "<@getVar(x\n^\n"
