"""zcp.sandbox."""
