"""The live workflow engine behind ``zerops_workflow``: envelope from the API and the state files,
bootstrap and develop sessions, delivery configuration, export and cicd (see :mod:`.dispatch`)."""
