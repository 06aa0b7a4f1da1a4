"""Corpus lints for atoms: the real corpus is clean, every atom is reachable, and each lint fires."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from tests.plugins.workflow import AtomFactory
from zcp.cli import main
from zcp.errors import CorpusError
from zcp.knowledge.corpus import Corpus, corpus_from_documents
from zcp.knowledge.documents import Kind
from zcp.knowledge.parsing import parse_document
from zcp.tools.vocabulary import registry_vocabulary
from zcp.workflow.atoms import AtomSet, compile_atoms
from zcp.workflow.lint import lint_atom_documents, lint_atoms, reachability_problems
from zcp.workflow.pipeline import status_report
from zcp.workflow.scenarios import Scenario


def test_the_real_atom_corpus_has_no_lint_problems(real_corpus: Corpus) -> None:
    assert [str(p) for p in lint_atoms(real_corpus, registry_vocabulary())] == []
    assert [str(p) for p in real_corpus.problems if str(p).startswith("atoms/")] == []


def test_every_atom_is_reached_by_a_scenario_or_says_why_not(
    real_atoms: AtomSet, scenarios: tuple[Scenario, ...]
) -> None:
    reached: dict[str, set[str]] = defaultdict(set)
    for scenario in scenarios:
        for atom_id in status_report(scenario.envelope, real_atoms).atom_ids:
            reached[atom_id].add(scenario.name)
    assert [str(p) for p in reachability_problems(real_atoms, reached)] == []


def test_an_atom_no_scenario_reaches_is_reported(make_atom: AtomFactory) -> None:
    atoms = compile_atoms([make_atom("lonely")])
    problems = reachability_problems(atoms, {})
    assert [str(p) for p in problems] == [
        "atoms/lonely.md:1: no scenario reaches this atom: add a scenario under tests/workflow/scenarios/ "
        "(`zcp preview --explain` shows what excludes it) or a coverageExempt reason"
    ]


def test_a_justified_exemption_silences_reachability_and_a_stale_one_is_reported(
    make_atom: AtomFactory,
) -> None:
    atoms = compile_atoms([make_atom("exempt", coverageExempt="only reachable with a live recipe session")])
    assert reachability_problems(atoms, {}) == []
    stale = reachability_problems(atoms, {"exempt": ["idle-empty"]})
    assert [p.message for p in stale] == [
        "coverageExempt, but scenario idle-empty reaches this atom: drop the exemption"
    ]


def test_an_unknown_placeholder_is_reported_with_file_and_line(make_atom: AtomFactory) -> None:
    doc = make_atom("leaky", "first\nsecond {port}\n")
    problems = lint_atom_documents([doc])
    assert len(problems) == 1
    assert problems[0].path == "atoms/leaky.md"
    assert problems[0].line == doc.body_line + 1
    assert problems[0].message.startswith("unknown placeholder {port}")


def test_duplicate_atom_ids_are_reported(make_atom: AtomFactory) -> None:
    problems = lint_atom_documents([make_atom("twin"), make_atom("twin")])
    assert [p.message for p in problems] == ["id: duplicate atom id 'twin' (also in atoms/twin.md)"]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ('`zerops_teleport service="x"`', "unknown tool zerops_teleport"),
        ('`zerops_deploy target="{hostname}"`', "zerops_deploy has no argument 'target'"),
        ('`zerops_workflow action="finish"`', "zerops_workflow has no action 'finish'"),
        ('`zerops_workflow workflow="recipe"`', "zerops_workflow has no workflow 'recipe'"),
    ],
)
def test_tool_calls_in_atoms_must_exist(make_atom: AtomFactory, code: str, message: str) -> None:
    problems = lint_atom_documents([make_atom("caller", f"Call {code} now.")], registry_vocabulary())
    assert [p.message for p in problems] == [message]


def test_real_tool_calls_with_json_and_unquoted_values_pass(make_atom: AtomFactory) -> None:
    body = (
        '`zerops_discover service="db" includeEnvs=true` and '
        '`zerops_workflow action="close-mode" closeMode={"{hostname}": "auto"}` and '
        '`zerops_env action="set" serviceHostname="{hostname}" variables=["A=1"]`\n'
        "```sh\nzerops_teleport inside a fence is not checked\n```\n"
    )
    assert lint_atom_documents([make_atom("fine", body)], registry_vocabulary()) == []


def test_an_unknown_axis_value_fails_when_the_atom_is_parsed() -> None:
    text = "---\nid: bad\ntitle: Bad\nphases: [develop-active]\nmodes: [prod]\n---\nbody\n"
    with pytest.raises(CorpusError) as caught:
        parse_document("atoms/bad.md", Kind.ATOM, "bad", text)
    assert str(caught.value).startswith("atoms/bad.md:5: modes.0: unknown value 'prod'")


def test_an_unknown_axis_key_fails_when_the_atom_is_parsed() -> None:
    text = "---\nid: bad\ntitle: Bad\nphases: [develop-active]\nstrategies: [push]\n---\nbody\n"
    with pytest.raises(CorpusError) as caught:
        parse_document("atoms/bad.md", Kind.ATOM, "bad", text)
    assert str(caught.value).startswith("atoms/bad.md:5: strategies: unknown key")


def test_corpus_lint_reports_atom_problems_and_dangling_references(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    atoms = tmp_path / "corpus" / "atoms"
    atoms.mkdir(parents=True)
    (atoms / "pointer.md").write_text(
        "---\nid: pointer\ntitle: Points away\nphases: [idle]\nreferencesAtoms: [missing-atom]\n---\n"
        "Use {hostname} and {nope}.\n",
        encoding="utf-8",
        newline="\n",
    )
    monkeypatch.setenv("ZCP_CORPUS_DIR", str(tmp_path / "corpus"))
    code = main(["corpus", "lint"])
    out = capsys.readouterr().out
    assert code == 1
    assert "atoms/pointer.md:7: unknown placeholder {nope}" in out
    assert "atoms/pointer.md:2: referencesAtoms: no atom with id 'missing-atom'" in out


def test_lint_accepts_a_corpus_built_from_documents(make_atom: AtomFactory) -> None:
    corpus = corpus_from_documents([make_atom("one"), make_atom("two", "{hostname}")])
    assert lint_atoms(corpus) == []
