"""Corpus lint: every problem a reader of the corpus would trip over, as ``file:line: message``.

Per-file problems (unreadable files, invalid frontmatter) come from loading; this module adds the
checks that need the whole corpus: recipe companions, atom cross-references, the services theme's
cards. Atom body checks (placeholders) live with the synthesizer in ``zcp.workflow``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from zcp.knowledge.corpus import COMPANION_SUFFIX, Corpus
from zcp.knowledge.documents import AtomMeta, Kind
from zcp.safe_yaml import YamlRefused, load_yaml

#: Managed-service cards the briefing looks up in ``themes/services`` by anchor.
REQUIRED_SERVICE_CARDS = (
    "postgresql",
    "mariadb",
    "valkey",
    "keydb",
    "nats",
    "kafka",
    "rabbitmq",
    "elasticsearch",
    "meilisearch",
    "typesense",
    "clickhouse",
    "qdrant",
    "object-storage",
    "shared-storage",
)


@dataclass(frozen=True, order=True)
class LintProblem:
    """One problem, printable as ``path:line: message``."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def lint_corpus(corpus: Corpus, root: Path | None = None) -> list[LintProblem]:
    """Whole-corpus checks (the corpus's own load problems are included first)."""
    problems = [_from_error(str(p)) for p in corpus.problems]
    atom_ids = {d.name for d in corpus.of_kind(Kind.ATOM)}
    for doc in corpus:
        path = doc.provenance.path
        if doc.kind is Kind.RECIPE:
            if doc.companion is None:
                problems.append(LintProblem(path, 1, f"recipe has no companion {doc.name}{COMPANION_SUFFIX}"))
            else:
                problems.extend(_check_companion(path, doc.name, doc.companion))
        if isinstance(doc.meta, AtomMeta):
            for ref in doc.meta.referencesAtoms:
                if ref not in atom_ids:
                    problems.append(LintProblem(path, 2, f"referencesAtoms: no atom with id {ref!r}"))
        if not doc.body.lstrip().startswith("# ") and doc.kind is not Kind.ATOM:
            problems.append(LintProblem(path, doc.body_line, "document should start with an H1 title"))
    services = corpus.get("zerops://themes/services")
    if services is not None:
        anchors = {s.anchor for s in services.sections}
        for card in REQUIRED_SERVICE_CARDS:
            if card not in anchors:
                problems.append(
                    LintProblem(services.provenance.path, 1, f"missing managed-service card '## {card}'")
                )
    if root is not None:
        problems.extend(_orphan_companions(corpus, root))
    return sorted(set(problems))


def _from_error(text: str) -> LintProblem:
    head, _, message = text.partition(": ")
    path, _, line = head.rpartition(":")
    if path and line.isdigit():
        return LintProblem(path, int(line), message)
    return LintProblem(head, 0, message)


def _check_companion(recipe_path: str, name: str, text: str) -> list[LintProblem]:
    companion = recipe_path.rsplit("/", 1)[0] + f"/{name}{COMPANION_SUFFIX}"
    try:
        data = load_yaml(text, what=companion)
    except YamlRefused as refused:
        detail = refused.detail
        return [LintProblem(companion, refused.line or 1, f"import YAML does not parse: {detail}")]
    if not isinstance(data, dict) or not isinstance(data.get("services"), list) or not data["services"]:
        return [LintProblem(companion, 1, "import YAML needs a non-empty 'services' list")]
    problems = []
    for n, service in enumerate(data["services"]):
        if not isinstance(service, dict) or not service.get("hostname") or not service.get("type"):
            problems.append(LintProblem(companion, 1, f"services[{n}] needs hostname and type"))
    if problems:
        return problems
    # Against the bundled import schema; recipes teach the current form, so a legacy managed
    # type (postgresql@17 + mode) is a problem here although the platform still accepts it.
    from zcp.schema import validate_import_yaml

    report = validate_import_yaml(text)
    for problem in report.problems:
        hint = f" ({problem.suggestion})" if problem.suggestion else ""
        problems.append(LintProblem(companion, problem.line or 1, f"{problem.path}: {problem.message}{hint}"))
    for note in report.notes:
        problems.append(LintProblem(companion, 1, f"write the current form: {note}"))
    return problems


def _orphan_companions(corpus: Corpus, root: Path) -> list[LintProblem]:
    folder = root / Kind.RECIPE.value
    if not folder.is_dir():
        return []
    recipes = {d.name for d in corpus.of_kind(Kind.RECIPE)}
    problems = []
    for companion in sorted(folder.rglob(f"*{COMPANION_SUFFIX}")):
        name = companion.relative_to(folder).as_posix().removesuffix(COMPANION_SUFFIX)
        if name not in recipes:
            rel = companion.relative_to(root).as_posix()
            problems.append(LintProblem(rel, 1, f"import YAML without a recipe {name}.md"))
    return problems
