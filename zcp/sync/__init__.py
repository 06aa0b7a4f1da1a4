"""zcp.sync."""
