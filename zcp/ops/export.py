"""Export YAML with its secret values hidden unless the caller asked for them.

The platform's export is import YAML: re-importable, and so it carries ``envSecrets`` values and
project ``envVariables`` in clear text. :func:`hide_env_values` replaces every such value with a
placeholder (keys stay, so the shape is still readable) and reports how many it hid. The document is
re-emitted with PyYAML, keeping key order.
"""

from __future__ import annotations

from typing import Any, Final

import yaml

from zcp.errors import ApiError
from zcp.safe_yaml import YamlRefused, load_yaml

PLACEHOLDER: Final = "<hidden>"
#: Keys whose mapping values are env values: service secrets and env, project variables.
VALUE_MAPS: Final = frozenset({"envSecrets", "envVariables", "dotEnvSecrets"})
#: A whole project's export is still far smaller than this.
MAX_EXPORT_CHARS: Final = 5_000_000


def hide_env_values(text: str) -> tuple[str, int]:
    """``text`` with every env value replaced by :data:`PLACEHOLDER`, and how many were replaced.

    CPU work for a big project: async callers run it in a worker thread.
    """
    try:
        document = load_yaml(text, what="the platform's export", max_chars=MAX_EXPORT_CHARS)
    except YamlRefused as refused:
        raise ApiError(
            f"the platform's export did not load ({refused.reason}), so its secret values cannot be hidden",
            suggestion="Call zerops_export again with includeEnvValues=true to see it unmodified.",
        ) from None
    hidden = _hide(document)
    if not hidden:
        return text, 0
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=False), hidden


def _hide(node: Any) -> int:
    count = 0
    if isinstance(node, dict):
        for key, value in node.items():
            if key in VALUE_MAPS and isinstance(value, dict):
                for name in value:
                    value[name] = PLACEHOLDER
                    count += 1
            elif key in VALUE_MAPS and isinstance(value, str) and value:
                node[key] = PLACEHOLDER  # dotEnvSecrets may be one multi-line string
                count += 1
            else:
                count += _hide(value)
    elif isinstance(node, list):
        for item in node:
            count += _hide(item)
    return count
