"""The ``zerops_workflow`` actions, one module a workflow: each takes the validated request and the
live project, runs the operation (:mod:`zcp.ops.workflow.bootstrap`, :mod:`~zcp.ops.workflow.develop`,
:mod:`~zcp.ops.workflow.delivery`, :mod:`~zcp.ops.workflow.export`) and shapes its
:class:`~zcp.ops.workflow.answer.WorkflowAnswer`. :mod:`zcp.ops.workflow.dispatch` routes to them."""
