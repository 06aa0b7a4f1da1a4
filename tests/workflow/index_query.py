"""Atom matching expressed as a Whoosh query over the knowledge index.

The index stores each atom's axes as keyword fields, with :data:`~zcp.axes.ANY_VALUE` for an axis
the atom leaves empty. The query is the synthesizer's rule in index terms: every envelope-wide axis
holds (its value or ``_any``), and either the atom is service-agnostic (every per-service axis is
``_any``) or one candidate service satisfies every per-service axis. The test suite proves that
this selects exactly the atoms :func:`~zcp.workflow.synthesis.synthesize` renders.
"""

from __future__ import annotations

from typing import Any

from zcp.axes import ANY_VALUE, AXES
from zcp.workflow.envelope import StateEnvelope
from zcp.workflow.matching import EnvelopeView

__all__ = ["atom_ids_from_index", "atom_query"]


def atom_query(envelope: StateEnvelope) -> Any:
    """The Whoosh query selecting the doc-level entries of every atom that matches ``envelope``."""
    from whoosh.query import And, Or, Term

    view = EnvelopeView(envelope)

    def axis(key: str, values: list[str]) -> Any:
        return Or([Term(key, ANY_VALUE), *(Term(key, v) for v in sorted(set(values)))])

    gates: list[Any] = [Term("kind", "atoms"), Term("entry", "doc")]
    for ax in AXES:
        if ax.per_service:
            continue
        if ax.key == "envelopeDeployStates":
            gates.append(axis(ax.key, sorted(view.deploy_states)))
        else:
            value = view.envelope_value(ax.key)
            gates.append(axis(ax.key, [value] if value else []))
    service_keys = [ax.key for ax in AXES if ax.per_service]
    agnostic = And([Term(key, ANY_VALUE) for key in service_keys])
    per_service = [
        And([axis(key, [v] if (v := values[key]) else []) for key in service_keys])
        for _, values in view.candidates
    ]
    gates.append(Or([agnostic, *per_service]))
    return And(gates)


def atom_ids_from_index(searcher: Any, envelope: StateEnvelope) -> set[str]:
    """Ids of the atoms a Whoosh searcher finds for ``envelope``."""
    results = searcher.search(atom_query(envelope), limit=None)
    return {str(hit["doc_uri"]).rsplit("/", 1)[-1] for hit in results}
