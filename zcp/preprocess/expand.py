"""Expand ``<@...>`` expressions in one value or in a batch of values that share variables.

A value without ``<@`` is returned exactly as given (nothing in it is interpreted, not even
backslashes), so plain env values and YAML pass through untouched. Anything with ``<@`` is parsed
completely first (a syntax error leaves no stored variables behind) and then evaluated.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, MutableMapping
from datetime import UTC, datetime

from zcp.preprocess.context import CallContext
from zcp.preprocess.evaluate import Evaluator, Limits
from zcp.preprocess.problems import ExpressionProblem, Reason, expression_error
from zcp.preprocess.syntax import Template, parse

MARKER = "<@"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def needs_expansion(text: str) -> bool:
    """True when ``text`` holds a function call marker and would be parsed."""
    return MARKER in text


def compile_template(text: str, *, limits: Limits | None = None, key: str | None = None) -> Template:
    """Parse ``text`` without running it; raises :class:`zcp.errors.InvalidParameter`."""
    limits = limits or Limits()
    if len(text) > limits.max_input_chars:
        raise expression_error(
            text,
            limits.max_input_chars,
            Reason.INPUT_TOO_LONG,
            f"the input is longer than {limits.max_input_chars} characters",
            suggestion="Expand smaller pieces separately.",
            key=key,
        )
    try:
        return parse(text, max_depth=limits.max_depth)
    except ExpressionProblem as problem:
        raise problem.to_error(text, key=key) from None


def expand(
    text: str,
    *,
    rng: random.Random | None = None,
    variables: MutableMapping[str, str] | None = None,
    now: Callable[[], datetime] = _utc_now,
    limits: Limits | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    only_if_marked: bool = True,
) -> str:
    """``text`` with every expression replaced by its value.

    ``rng`` supplies all randomness (``random.SystemRandom()`` when omitted; pass a seeded
    ``random.Random`` for reproducible output). ``variables`` seeds the variable store and receives
    every variable the run sets. ``now`` is the wall clock for ``getDatetime``, ``generateJWT``
    and ``mercuryInRetrograde``. Errors raise :class:`zcp.errors.InvalidParameter` whose
    ``details`` hold ``reason``, ``line`` and ``column``. With ``only_if_marked=False`` the text
    is parsed even without ``<@`` (as the platform does with a whole import YAML file), so
    ``<literals>`` and escapes are resolved too.
    """
    if only_if_marked and not needs_expansion(text):
        return text
    return _run(
        {"": text},
        keyed=False,
        only_if_marked=only_if_marked,
        rng=rng,
        variables=variables,
        now=now,
        limits=limits,
        monotonic=monotonic,
    )[""]


def expand_batch(
    values: Mapping[str, str],
    *,
    rng: random.Random | None = None,
    variables: MutableMapping[str, str] | None = None,
    now: Callable[[], datetime] = _utc_now,
    limits: Limits | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    only_if_marked: bool = True,
) -> dict[str, str]:
    """Expand every value in order, sharing variables, the call budget and the deadline.

    A later value can read what an earlier one stored (``setVar`` in ``DB_PASSWORD``, ``getVar`` in
    ``DB_URL``). Keys keep their order in the result. An error names the key in its message and in
    ``details["key"]``.
    """
    return _run(
        values,
        keyed=True,
        only_if_marked=only_if_marked,
        rng=rng,
        variables=variables,
        now=now,
        limits=limits,
        monotonic=monotonic,
    )


def _run(
    values: Mapping[str, str],
    *,
    keyed: bool,
    only_if_marked: bool,
    rng: random.Random | None,
    variables: MutableMapping[str, str] | None,
    now: Callable[[], datetime],
    limits: Limits | None,
    monotonic: Callable[[], float],
) -> dict[str, str]:
    limits = limits or Limits()
    templates: dict[str, Template | None] = {}
    for key, text in values.items():
        label = key if keyed else None
        parse_it = needs_expansion(text) or not only_if_marked
        templates[key] = compile_template(text, limits=limits, key=label) if parse_it else None
    if all(template is None for template in templates.values()):
        return dict(values)

    store = {name: value.encode("utf-8", errors="surrogatepass") for name, value in (variables or {}).items()}
    ctx = CallContext(rng=rng if rng is not None else random.SystemRandom(), now=now, variables=store)
    evaluator = Evaluator(ctx, limits, monotonic=monotonic)
    out: dict[str, str] = {}
    for key, template in templates.items():
        if template is None:
            out[key] = values[key]
            continue
        try:
            rendered = evaluator.render(template)
        except ExpressionProblem as problem:
            raise problem.to_error(template.source, key=key if keyed else None) from None
        out[key] = rendered.decode("utf-8", errors="replace")
    if variables is not None:
        for name, value in store.items():
            variables[name] = value.decode("utf-8", errors="replace")
    return out
