"""Remote shell command lines, built only from quoted argv lists and fixed operators.

Every command zcp runs on a service over SSH is a :class:`Shell` value. There is exactly one way to
put a value into one: :func:`quote`, which turns an argv list into words a POSIX shell reads back as
exactly those arguments (``shlex.quote`` per word), refusing NUL bytes (a shell cannot carry them),
text that is not valid Unicode, and anything that is not a ``str``. The other functions here only combine :class:`Shell` values with
fixed operators (``&&``, ``||``, ``;``, redirections, background), and :func:`literal` admits fixed
snippets written in zcp's own source (a meta-test checks every call passes a string literal), so no
string a user or the API supplied ever reaches a shell unquoted.

Quoting stops shell injection, not option injection: a value starting with ``-`` is still read as an
option by the program that receives it. Builders in :mod:`zcp.remote.commands` therefore validate
names (ids, branches, remotes) and put ``--`` or ``--flag=value`` in front of free-form values.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from zcp.errors import InvalidParameter


@dataclass(frozen=True)
class Shell:
    """A remote command line that is safe to hand to ``sh -c`` (build it with :func:`quote`)."""

    text: str

    def __str__(self) -> str:
        return self.text


def _check_word(value: object, index: int) -> str:
    if not isinstance(value, str):
        raise TypeError(f"argv[{index}] is {type(value).__name__}, not str")
    if "\x00" in value:
        raise InvalidParameter(
            "A value contains a NUL byte, which no shell command can carry.",
            suggestion="Remove the NUL character from the value.",
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidParameter(
            "A value is not valid Unicode text (it holds a lone surrogate).",
            suggestion="Send the value as plain UTF-8 text.",
        ) from None
    return value


def quote(argv: Sequence[str]) -> Shell:
    """The one quoting function: ``argv`` as one shell command whose arguments arrive verbatim."""
    if isinstance(argv, str | bytes) or not isinstance(argv, Sequence):
        raise TypeError("quote() takes a list of arguments, not a single string")
    if not argv:
        raise ValueError("quote() needs at least the program name")
    return Shell(" ".join(shlex.quote(_check_word(word, i)) for i, word in enumerate(argv)))


def literal(text: str) -> Shell:
    """A fixed snippet from zcp's own source (``echo $!``); never pass data through here."""
    return Shell(text)


def all_of(*parts: Shell) -> Shell:
    """``a && b && c``: stop at the first failure."""
    return Shell(" && ".join(_texts(parts)))


def any_of(*parts: Shell) -> Shell:
    """``{ a || b; }``: the first that succeeds (grouped, so it composes inside ``&&`` chains)."""
    return Shell("{ " + " || ".join(_texts(parts)) + "; }")


def sequence(*parts: Shell) -> Shell:
    """``{ a; b; }``: run each regardless of the previous exit status (``a & b;`` after a background)."""
    text = ""
    for piece in _texts(parts):
        text += piece + (" " if piece.endswith(" &") else "; ")
    return Shell("{ " + text + "}")


def words(*parts: Shell) -> Shell:
    """``a b``: fragments side by side as separate words."""
    return Shell(" ".join(_texts(parts)))


def joined(*parts: Shell) -> Shell:
    """``ab``: fragments glued into one word (``-`` + ``"$(cat f)"`` → ``-"$(cat f)"``)."""
    return Shell("".join(_texts(parts)))


def output_of(part: Shell) -> Shell:
    """``"$(a 2>/dev/null)"``: the output of a command as one word, never re-split or re-parsed."""
    return Shell('"$(' + _texts([part])[0] + ' 2>/dev/null)"')


def negate(part: Shell) -> Shell:
    """``! a``."""
    return Shell(f"! {_texts([part])[0]}")


def to_file(part: Shell, path: str, *, append: bool = False, stderr: bool = True) -> Shell:
    """``a > path 2>&1`` (``>>`` with ``append``); stdout only when ``stderr`` is False."""
    target = quote([path]).text
    tail = " 2>&1" if stderr else ""
    return Shell(f"{part.text} {'>>' if append else '>'} {target}{tail}")


def quiet(part: Shell) -> Shell:
    """``a >/dev/null 2>&1``."""
    return Shell(f"{part.text} >/dev/null 2>&1")


def no_stdin(part: Shell) -> Shell:
    """``a < /dev/null``."""
    return Shell(f"{part.text} < /dev/null")


def background(part: Shell) -> Shell:
    """``a &`` (only meaningful inside :func:`sequence`)."""
    return Shell(f"{part.text} &")


def _texts(parts: Iterable[Shell]) -> list[str]:
    texts = []
    for part in parts:
        if not isinstance(part, Shell):
            raise TypeError(f"expected a Shell fragment, got {type(part).__name__}; build it with quote()")
        texts.append(part.text)
    if not texts:
        raise ValueError("nothing to combine")
    return texts
