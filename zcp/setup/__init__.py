"""First-run set-up of a project folder: ``zcp init`` and the standing instructions it writes."""
