"""What the tools do, composed from the platform client: one module per operation.

Nothing here knows about MCP: operations take a :class:`~zcp.auth.PlatformConnection` and plain
values, raise :mod:`zcp.errors` classes and return platform models or small dataclasses. The tools
layer validates input, waits for processes and shapes the output.
"""
