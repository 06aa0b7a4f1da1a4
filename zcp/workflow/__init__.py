"""zcp.workflow."""
