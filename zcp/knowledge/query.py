"""Free text → a query plan: the words that count, their alias variants as stems, named stacks.

Words are split off the text (punctuation and any query syntax dropped), question words and stop
words removed, and each word expanded through the Zerops alias table (:mod:`~.aliases`). Every
spelling becomes a tuple of index stems (a phrase such as "object storage" is two stems that must
occur together). The word as typed weighs most; aliases a little less, the later ones less again,
so "redis" ranks Valkey (the first alias) above KeyDB. A word that names a runtime or managed
service (``node``, ``django`` → python, ``postgres``; by itself or by its first alias) marks that
stack as *named*, which is how search picks the right page among per-runtime copies.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from zcp.knowledge.aliases import expand
from zcp.knowledge.analysis import analyze

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9+#@._/-]*")
#: Weight of the first alias relative to the typed word; each further alias weighs this much less.
ALIAS_WEIGHT = 0.85
ALIAS_DECAY = 0.7

#: Question words that carry no meaning for search (on top of the analyzer's stop words).
QUERY_STOPWORDS = frozenset(
    {
        *("how", "do", "does", "did", "i", "im", "i'm", "my", "me", "mine", "what", "whats", "why"),
        *("where", "which", "who", "whom", "should", "would", "could", "can", "cant", "there", "way"),
        *("want", "wants", "need", "needs", "please", "some", "any", "its", "it's", "so", "just"),
        *("only", "also", "get", "got", "am", "was", "were", "been", "being", "zerops"),
    }
)


def query_words(text: str) -> list[str]:
    """Lowercased words of a free-text query (punctuation and query syntax dropped)."""
    return [w.strip("._/-").lower() for w in _WORD.findall(text) if w.strip("._/-")]


@dataclass(frozen=True)
class Variant:
    """One spelling of a query word: its text, its index stems (all must match) and its weight."""

    text: str
    stems: tuple[str, ...]
    weight: float


@dataclass(frozen=True)
class QueryWord:
    """A word of the query and every spelling it is searched under."""

    word: str
    variants: tuple[Variant, ...]


@dataclass(frozen=True)
class QueryPlan:
    """What a search looks for."""

    words: tuple[QueryWord, ...]
    #: Stacks (``nodejs``, ``postgresql``) the query names, among those the index knows.
    stacks: frozenset[str]

    @property
    def variants(self) -> tuple[str, ...]:
        """Every spelling searched, in query order (the "expanded terms")."""
        return tuple(dict.fromkeys(v.text for w in self.words for v in w.variants))

    @property
    def stems(self) -> frozenset[str]:
        """Every stem searched (what snippets highlight)."""
        return frozenset(s for w in self.words for v in w.variants for s in v.stems)


def _named_stacks(word: str, spellings: tuple[str, ...], known: Collection[str]) -> set[str]:
    # The word itself (``nodejs@22`` names nodejs) or its first alias (``postgres`` → postgresql,
    # ``redis`` → valkey). Later aliases are looser relatives (redis → keydb) and name nothing.
    candidates = {word.split("@", 1)[0], *spellings[:2]}
    return {c for c in candidates if c in known}


def plan_query(text: str, known_stacks: Collection[str] = ()) -> QueryPlan:
    """The plan for free text; words without any indexable stem are dropped."""
    words: list[QueryWord] = []
    stacks: set[str] = set()
    for word in dict.fromkeys(w for w in query_words(text) if w not in QUERY_STOPWORDS):
        spellings = expand(word)
        variants: list[Variant] = []
        seen: set[tuple[str, ...]] = set()
        for n, spelling in enumerate(spellings):
            stems = tuple(dict.fromkeys(analyze(spelling)))
            if not stems or stems in seen:
                continue
            seen.add(stems)
            weight = 1.0 if n == 0 else ALIAS_WEIGHT * ALIAS_DECAY ** (n - 1)
            variants.append(Variant(spelling, stems, weight))
        if variants:
            words.append(QueryWord(word, tuple(variants)))
            stacks |= _named_stacks(word, spellings, known_stacks)
    return QueryPlan(tuple(words), frozenset(stacks))
