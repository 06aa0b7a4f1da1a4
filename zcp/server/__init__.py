"""MCP wiring: build the server, instructions, resources; no business logic."""
