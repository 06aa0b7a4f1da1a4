"""zcp's files on disk: one atomic write, one lock, and the workflow state under ``.zcp/state``.

:mod:`zcp.state.fs` holds the two persistence primitives every writer in zcp uses (the index, the
docs sync, the schema cache, ``.env`` files and the workflow state); the other modules are the
state files themselves (service metas, bootstrap sessions, develop work sessions, the registry).
"""
