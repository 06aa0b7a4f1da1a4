"""Run a parsed template: call functions, apply modifiers, enforce the limits.

One :class:`Evaluator` serves one run (a single value or a whole batch): the variables, the call
budget and the deadline are shared by everything it renders.
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from zcp.preprocess.context import ArgumentError, CallContext
from zcp.preprocess.functions import ALIASES, FUNCTIONS, lookup_function
from zcp.preprocess.modifiers import MODIFIERS
from zcp.preprocess.problems import ExpressionProblem, Reason
from zcp.preprocess.syntax import Call, Literal, Modifier, Node, Param, Template, Text, VarRef


@dataclass(frozen=True)
class Limits:
    """Bounds that keep any input cheap: the platform's 200 calls and 15 s, plus size guards."""

    max_calls: int = 200
    timeout: float = 15.0
    max_depth: int = 64
    max_input_chars: int = 1_000_000
    max_output_bytes: int = 8 * 1024 * 1024


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate most similar to ``name``, if any is reasonably close."""
    found = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return found[0] if found else None


class Evaluator:
    """Evaluates templates against one :class:`CallContext` under one set of :class:`Limits`."""

    def __init__(
        self, ctx: CallContext, limits: Limits, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.ctx = ctx
        self.limits = limits
        self.calls = 0
        self._monotonic = monotonic
        self._deadline = monotonic() + limits.timeout

    def render(self, template: Template) -> bytes:
        """The output of ``template``; raises :class:`ExpressionProblem`."""
        return self._join(template.nodes, 0)

    # --- nodes ---------------------------------------------------------------------------------

    def _join(self, nodes: Iterable[Node], offset: int) -> bytes:
        out = bytearray()
        for node in nodes:
            out += self._node(node)
            if len(out) > self.limits.max_output_bytes:
                raise ExpressionProblem(
                    getattr(node, "offset", offset),
                    Reason.OUTPUT_TOO_LARGE,
                    f"the expansion grew beyond {self.limits.max_output_bytes} bytes",
                    "Check for values that repeatedly double themselves through setVar/getVar.",
                )
        return bytes(out)

    def _node(self, node: Node) -> bytes:
        if isinstance(node, Text):
            return node.value.encode("utf-8", errors="surrogatepass")
        if isinstance(node, Literal):
            return self._modify(self._join(node.parts, node.offset), node.modifiers)
        return self._call(node)

    def _call(self, call: Call) -> bytes:
        spec = lookup_function(call.name)
        if spec is None:
            guess = closest(call.name, [*FUNCTIONS, *ALIASES])
            raise ExpressionProblem(
                call.offset + 2,
                Reason.UNKNOWN_FUNCTION,
                f"unknown function {call.name!r}",
                f"Did you mean {guess}?" if guess else f"Known functions: {', '.join(sorted(FUNCTIONS))}.",
            )
        count = len(call.params)
        if count < spec.min_args or (spec.max_args is not None and count > spec.max_args):
            if spec.max_args is None:
                expected = f"at least {spec.min_args}"
            elif spec.min_args == spec.max_args:
                expected = str(spec.min_args)
            else:
                expected = f"{spec.min_args} to {spec.max_args}"
            noun = "parameter" if expected == "1" else "parameters"
            raise ExpressionProblem(
                call.offset,
                Reason.PARAMETER_COUNT,
                f"{spec.name} takes {expected} {noun}, got {count}",
                f"Call it as <@{spec.name}({spec.signature})>.",
            )
        args = [self._param(param) for param in call.params]
        self._tick(call.offset)
        try:
            value = spec.impl(self.ctx, args)
        except ArgumentError as exc:
            at = call.params[exc.index].offset if exc.index is not None else call.offset
            raise ExpressionProblem(
                at, Reason.BAD_ARGUMENT, f"{spec.name}: {exc.message}", exc.suggestion
            ) from None
        return self._modify(value, call.modifiers)

    def _param(self, param: Param) -> bytes:
        if isinstance(param.value, VarRef):
            ref = param.value
            if ref.name not in self.ctx.variables:
                guess = closest(ref.name, self.ctx.variables)
                hint = (
                    f"Did you mean {guess}?"
                    if guess
                    else f"Store it first with <@setVar(<{ref.name}>, <value>)>, or write a <literal>."
                )
                raise ExpressionProblem(
                    ref.offset, Reason.UNKNOWN_VARIABLE, f"variable {ref.name!r} is not set", hint
                )
            return self.ctx.variables[ref.name]
        return self._join(param.value, param.offset)

    def _modify(self, value: bytes, modifiers: tuple[Modifier, ...]) -> bytes:
        for modifier in modifiers:
            spec = MODIFIERS.get(modifier.name)
            if spec is None:
                guess = closest(modifier.name, MODIFIERS)
                raise ExpressionProblem(
                    modifier.offset,
                    Reason.UNKNOWN_MODIFIER,
                    f"unknown modifier {modifier.name!r}",
                    f"Did you mean {guess}?" if guess else f"Known modifiers: {', '.join(MODIFIERS)}.",
                )
            self._tick(modifier.offset)
            try:
                value = spec.impl(self.ctx, value)
            except ArgumentError as exc:
                raise ExpressionProblem(
                    modifier.offset, Reason.BAD_ARGUMENT, f"{spec.name}: {exc.message}", exc.suggestion
                ) from None
        return value

    def _tick(self, offset: int) -> None:
        """Count one function call or modifier application and check the deadline."""
        self.calls += 1
        if self.calls > self.limits.max_calls:
            raise ExpressionProblem(
                offset,
                Reason.CALL_LIMIT,
                f"more than {self.limits.max_calls} function calls and modifiers in one run",
                "Split the work into several runs, or reuse values with setVar/getVar.",
            )
        if self._monotonic() > self._deadline:
            raise ExpressionProblem(
                offset,
                Reason.TIMEOUT,
                f"the expansion took longer than {self.limits.timeout:g} s",
                "Use fewer slow modifiers (bcrypt, argon2id) or RSA keys in one run.",
            )
