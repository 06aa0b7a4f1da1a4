"""Text analysis shared by the index and by queries: words → lowercase stems.

The words are those of Whoosh's ``StemmingAnalyzer`` (the same tokenizer pattern, stop words and
Porter stemmer), with one addition for a docs corpus full of identifiers: a compound word such as
``readinessCheck``, ``PHP_INI_memory_limit`` or ``deployFiles`` also yields its parts
(``readiness``, ``check``), so "readiness check" finds ``readinessCheck`` and "php ini" finds
``PHP_INI_*``. The whole word is kept too, so typing the identifier still matches it exactly.
Capitalised names (``PostgreSQL``, ``JavaScript``) are not split.

Indexing runs through :class:`StemmedText`, a ``TEXT`` field that counts stems in one pass
instead of Whoosh's token-object pipeline (several times faster, same postings); queries call
:func:`analyze` directly. Both share one stem cache, which stays small (a few thousand words).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import STOP_WORDS, Analyzer, Token
from whoosh.fields import TEXT
from whoosh.lang.porter import stem as porter_stem
from whoosh.system import pack_uint

#: Whoosh's default tokenizer pattern (``whoosh.analysis.tokenizers.default_pattern``), without a
#: capturing group so ``findall`` returns whole words.
_WORD = re.compile(r"[\w*]+(?:\.?[\w*]+)*")
#: Where a compound identifier splits: underscores, and lower→upper or letter→digit boundaries.
_PARTS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_MIN_SIZE = 2
STOPWORDS: frozenset[str] = frozenset(STOP_WORDS)
_stems: dict[str, str] = {}


def stem(word: str) -> str:
    """The Porter stem of a lowercase word (cached for the process lifetime)."""
    found = _stems.get(word)
    if found is None:
        found = _stems[word] = porter_stem(word)
    return found


def _is_compound(word: str) -> bool:
    # Identifiers only: snake_case and camelCase. Capitalised names (PostgreSQL, JavaScript,
    # KeyDB) stay whole, or "java" would find JavaScript and "key" KeyDB.
    return "_" in word.strip("_") or (word[:1].islower() and not word.islower())


def _parts(word: str) -> list[str]:
    """The pieces of a dotted name (``Node.js``) or an identifier, lowercased."""
    parts: list[str] = []
    for piece in word.split("."):
        if _is_compound(piece):
            parts.extend(p.lower() for p in _PARTS.findall(piece))
        else:
            parts.append(piece.lower())
    return parts


def analyze(text: str) -> list[str]:
    """Every indexed word of ``text``, in order: lowercased, stop words dropped, stemmed.

    A dotted name or a compound identifier contributes its whole form first, then its parts.
    """
    out: list[str] = []
    for word in _WORD.findall(text):
        lower = word.lower()
        if len(lower) >= _MIN_SIZE and lower not in STOPWORDS:
            out.append(stem(lower))
        if "." in word or _is_compound(word):
            for part in _parts(word):
                if len(part) >= _MIN_SIZE and part not in STOPWORDS and part != lower:
                    out.append(stem(part))
    return out


class ZeropsAnalyzer(Analyzer):  # type: ignore[misc]
    """:func:`analyze` as a Whoosh analyzer, for anything in Whoosh that asks a field for tokens."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ZeropsAnalyzer)

    def __hash__(self) -> int:
        return hash(ZeropsAnalyzer)

    def __call__(self, value: str, **kwargs: Any) -> Iterator[Token]:
        token = Token(
            **{k: v for k, v in kwargs.items() if k in ("positions", "chars", "removestops", "mode")}
        )
        for pos, text in enumerate(analyze(value)):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            token.pos = pos
            yield token


class StemmedText(TEXT):  # type: ignore[misc]
    """A scored text field (frequencies only, no positions) indexed with :func:`analyze`."""

    def __init__(self, stored: bool = False) -> None:
        super().__init__(analyzer=ZeropsAnalyzer(), stored=stored, phrase=False)

    def index(self, value: str, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        """``(term bytes, frequency, weight, encoded value)`` per distinct stem, as Whoosh expects."""
        boost = float(self.format.field_boost)
        for word, freq in Counter(analyze(value)).items():
            yield word.encode("utf-8"), freq, freq * boost, pack_uint(freq)
