"""The live workflow engine behind ``zerops_workflow``: envelope from the API and the state files,
bootstrap and develop sessions, delivery configuration, export and cicd.

:mod:`.dispatch` takes one call (:mod:`.request`), routes it to its handler (:mod:`.handlers`, which
shape the :mod:`.answer`), and the handlers run the operations: :mod:`.bootstrap` (a package, one
module a step), :mod:`.develop`, :mod:`.delivery`, :mod:`.export`, over the live snapshot of
:mod:`.live`."""
