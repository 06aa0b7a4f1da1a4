"""``zcp knowledge``, ``zcp index`` and ``zcp corpus``: the knowledge base from a terminal."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import Any

from zcp.cli import EXIT_ERROR, EXIT_OK


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the knowledge, index and corpus commands to the ``zcp`` parser."""
    knowledge = subparsers.add_parser(
        "knowledge",
        help="search the knowledge base (or read a document with --uri)",
        description="Search the Zerops knowledge base the way the zerops_knowledge tool does.",
    )
    knowledge.add_argument("query", nargs="*", help="words to search for")
    knowledge.add_argument(
        "--kind",
        action="append",
        choices=["themes", "bases", "recipes", "guides", "decisions", "atoms"],
        help="only this kind of document (repeatable)",
    )
    knowledge.add_argument("--limit", type=int, default=5, help="number of documents (default 5)")
    knowledge.add_argument("--uri", help="print this document or #section instead of searching")
    knowledge.add_argument("--json", action="store_true", help="machine-readable output")
    knowledge.set_defaults(handler=_knowledge)

    index = subparsers.add_parser("index", help="build or inspect the search index")
    index_sub = index.add_subparsers(dest="index_command", metavar="ACTION", required=True)
    build = index_sub.add_parser("build", help="build the index (incrementally when possible)")
    build.add_argument("--if-stale", action="store_true", help="only when the corpus changed (the default)")
    build.add_argument("--force", action="store_true", help="full rebuild even when up to date")
    build.set_defaults(handler=_index_build)
    stats = index_sub.add_parser("stats", help="show what the index holds")
    stats.set_defaults(handler=_index_stats)

    corpus = subparsers.add_parser("corpus", help="check the knowledge corpus")
    corpus_sub = corpus.add_subparsers(dest="corpus_command", metavar="ACTION", required=True)
    lint = corpus_sub.add_parser("lint", help="validate every corpus file; prints file:line: message")
    lint.set_defaults(handler=_corpus_lint)


def _paths() -> Any:
    from zcp.config import load_settings
    from zcp.knowledge.paths import resolve_paths

    return resolve_paths(load_settings())


def _knowledge(args: argparse.Namespace) -> int:
    from zcp.errors import InvalidParameter
    from zcp.knowledge.search import filters_from
    from zcp.knowledge.store import KnowledgeStore

    store = KnowledgeStore.open(_paths())
    if args.uri:
        page = store.fetch(args.uri)
        if args.json:
            print(json.dumps({"uri": page.uri, "title": page.document.title, "markdown": page.markdown}))
        else:
            _print_markdown(page.markdown)
        return EXIT_OK
    text = " ".join(args.query).strip()
    if not text:
        raise InvalidParameter(
            "nothing to search for", suggestion="Try: zcp knowledge postgres connection string"
        )
    results = store.search(text, limit=args.limit, filters=filters_from(kinds=args.kind))
    if args.json:
        print(json.dumps(_results_json(results), indent=2))
        return EXIT_OK
    _print_results(results)
    return EXIT_OK


def _results_json(results: Any) -> dict[str, Any]:
    return {
        "query": results.query,
        "total": results.total,
        "hits": [
            {
                "uri": h.uri,
                "title": h.title,
                "section": h.section,
                "kind": h.kind.value,
                "score": h.score,
                "snippet": h.snippet,
                "path": h.provenance.path,
                "upstream": (
                    {
                        "repo": h.provenance.upstream.repo,
                        "path": h.provenance.upstream.path,
                        "commit": h.provenance.upstream.commit,
                        "syncedAt": h.provenance.upstream.synced_at,
                    }
                    if h.provenance.upstream is not None
                    else None
                ),
            }
            for h in results.hits
        ],
        "suggestions": list(results.suggestions),
    }


def _print_results(results: Any) -> None:
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.markdown import Markdown

        console = Console()
        if not results.hits:
            console.print(f"[bold]No results for[/] {results.query!r}.")
            if results.suggestions:
                console.print("Try: " + ", ".join(results.suggestions))
            return
        console.print(
            f"[bold]{len(results.hits)}[/] of {results.total} documents for [cyan]{results.query}[/]\n"
        )
        for n, hit in enumerate(results.hits, 1):
            where = f"{hit.title} › {hit.section}" if hit.section else hit.title
            console.print(f"[bold]{n}. {where}[/]  [dim]{hit.kind.value} · score {hit.score:g}[/]")
            console.print(f"   [blue]{hit.uri}[/]")
            console.print(Markdown(hit.snippet), width=min(console.width, 100))
            up = hit.provenance.upstream
            if up is not None:
                console.print(
                    f"   [dim]source: {up.repo}/{up.path} @ {up.commit[:10]}, synced {up.synced_at}[/]"
                )
            console.print()
        return
    if not results.hits:
        print(f"No results for {results.query!r}.")
        if results.suggestions:
            print("Try: " + ", ".join(results.suggestions))
        return
    for n, hit in enumerate(results.hits, 1):
        where = f"{hit.title} › {hit.section}" if hit.section else hit.title
        print(f"{n}. {where}\t{hit.uri}\t{hit.score:g}")
        print(f"   {hit.snippet}")
        up = hit.provenance.upstream
        if up is not None:
            print(f"   source: {up.repo}/{up.path} @ {up.commit[:10]}, synced {up.synced_at}")


def _print_markdown(markdown: str) -> None:
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(markdown))
    else:
        sys.stdout.write(markdown)


def _index_build(args: argparse.Namespace) -> int:
    import time

    from zcp.knowledge.corpus import load_corpus
    from zcp.knowledge.index import ensure_index

    paths = _paths()
    started = time.perf_counter()
    corpus = load_corpus(paths.corpus_dir, paths.manifest_file)
    for problem in corpus.problems:
        print(f"warning: left out: {problem}", file=sys.stderr)
    index, status = ensure_index(paths, corpus, force=args.force)
    index.close()
    elapsed = time.perf_counter() - started
    if status.action == "fresh":
        print(
            f"index is up to date ({status.documents} documents, {status.entries} entries) in {paths.index_dir}"
        )
    else:
        detail = f", {status.changed} changed, {status.removed} removed" if status.action == "updated" else ""
        print(
            f"index {status.action} ({status.reason}{detail}): {status.documents} documents, "
            f"{status.entries} entries in {elapsed:.2f}s → {paths.index_dir / status.generation}"
        )
    return EXIT_OK


def _index_stats(args: argparse.Namespace) -> int:
    from collections import Counter

    from zcp.knowledge.corpus import fingerprint_files
    from zcp.knowledge.index import open_index

    paths = _paths()
    index = open_index(paths.index_dir)
    if index is None:
        print(f"no usable index in {paths.index_dir}; run `zcp index build`", file=sys.stderr)
        return EXIT_ERROR
    fresh = index.fingerprint == fingerprint_files(paths.corpus_dir, paths.manifest_file)
    kinds = Counter(uri.split("/")[2] for uri in index.doc_hashes)
    print(f"location:   {index.location}")
    print(f"documents:  {len(index.doc_hashes)}  ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))})")
    print(f"entries:    {index.entry_count}  (documents + sections)")
    print(f"corpus:     {paths.corpus_dir}")
    print(f"up to date: {'yes' if fresh else 'no — run `zcp index build`'}")
    index.close()
    return EXIT_OK


def _corpus_lint(args: argparse.Namespace) -> int:
    from zcp.knowledge.corpus import load_corpus
    from zcp.knowledge.lint import lint_corpus

    paths = _paths()
    corpus = load_corpus(paths.corpus_dir, paths.manifest_file)
    problems = [str(p) for p in lint_corpus(corpus, paths.corpus_dir)]
    try:  # atom body checks (placeholders) belong to the synthesizer
        workflow_lint: Any = importlib.import_module("zcp.workflow.lint")
    except ImportError:
        workflow_lint = None
    if workflow_lint is not None and hasattr(workflow_lint, "lint_atoms"):
        from zcp.tools.vocabulary import registry_vocabulary

        problems.extend(str(p) for p in workflow_lint.lint_atoms(corpus, registry_vocabulary()))
    for problem in problems:
        print(problem)
    summary = f"{len(corpus)} documents checked, {len(problems)} problem(s)"
    print(summary, file=sys.stderr)
    return EXIT_ERROR if problems else EXIT_OK
