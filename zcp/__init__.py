"""zcp: the Zerops Control Plane, an MCP server that gives an agent guided control of one Zerops project."""

__version__ = "0.1.0"
