"""The ``<@...>`` expression language of Zerops import YAML and env values.

``expand`` / ``expand_batch`` replace expressions with their values; ``compile_template`` only
checks the syntax. The language is documented in ``docs/preprocess.md``.
"""

from __future__ import annotations

from zcp.preprocess.evaluate import Limits
from zcp.preprocess.expand import compile_template, expand, expand_batch, needs_expansion
from zcp.preprocess.functions import FUNCTIONS, FunctionSpec
from zcp.preprocess.modifiers import MODIFIERS, ModifierSpec
from zcp.preprocess.problems import Reason

__all__ = [
    "FUNCTIONS",
    "MODIFIERS",
    "FunctionSpec",
    "Limits",
    "ModifierSpec",
    "Reason",
    "compile_template",
    "expand",
    "expand_batch",
    "needs_expansion",
]
