"""Readable names for platform process actions, and which actions are platform-internal.

The API names processes ``stack.start``, ``stack.userDataFile``, ``zL7Master.…``; agents and people
read ``start``, ``env-update``. The mapping covers the action names seen live; anything else keeps its
last dotted part, turned from camelCase into kebab-case, so a new action still reads well.
"""

from __future__ import annotations

import re
from typing import Final

#: API action name → label.
ACTION_LABELS: Final = {
    "stack.start": "start",
    "stack.stop": "stop",
    "stack.restart": "restart",
    "stack.reload": "reload",
    "stack.autoscaling": "scale",
    "stack.updateAutoscaling": "scale",
    "stack.import": "import",
    "stack.delete": "delete",
    "stack.build": "build",
    "stack.userDataFile": "env-update",
    "stack.enableSubdomainAccess": "subdomain-enable",
    "stack.disableSubdomainAccess": "subdomain-disable",
    "stack.sharedStorageConnect": "storage-connect",
    "stack.sharedStorageDisconnect": "storage-disconnect",
    "project.envCreate": "project-env-set",
    "project.envDelete": "project-env-delete",
}
#: Actions of the platform's own machinery (balancer configuration…): never shown on a timeline.
INTERNAL_PREFIXES: Final = ("zL7Master.",)

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def action_label(action_name: str) -> str:
    """``stack.userDataFile`` → ``env-update``; unknown names → their last part in kebab-case."""
    if action_name in ACTION_LABELS:
        return ACTION_LABELS[action_name]
    tail = action_name.rsplit(".", 1)[-1].strip()
    return _CAMEL.sub("-", tail).lower() or "process"


def is_internal(action_name: str) -> bool:
    """True for platform-internal actions that a timeline hides."""
    return action_name.startswith(INTERNAL_PREFIXES)
