"""Bootstrap sessions: the route menu, the three steps (discover → provision → close), resume, reset.

A bootstrap creates (or adopts) the project's infrastructure and records it in service metas; code
and deploys belong to develop. The session lives in ``sessions/{id}.json`` and is registered under
this process's pid, so the envelope shows ``bootstrap-active`` for this process only; another zcp
process may bootstrap other hostnames at the same time (a hostname is locked by the session that
plans it while that session's process lives).

* **start** (:mod:`.start`) — the ranked route menu (classic, adopt, recipe, resume) and opening a
  session on one route.
* **discover** (:mod:`.discover`) — ``complete step="discover" plan=[…]``: the plan is validated
  against the live catalogue and services (:func:`zcp.workflow.bootstrap_plan.validate_plan`) and
  stored.
* **provision** (:mod:`.provision`) — ``complete step="provision"``: zcp writes the import YAML for
  what the plan still lacks (the recipe's YAML on the recipe route), imports it, waits with
  progress, checks that every planned service is up, and records the managed services' env var
  names. It is single-shot: a failed check answers with what failed and how to fix it; the session
  stays at provision and can be resumed. On success, provisional metas are written and, inside a
  Zerops container, the dev services are mounted.
* **close** (:mod:`.close`) — writes the complete metas and ends the session. A pure adoption
  skips it.
* **resume, iterate, reset** (:mod:`.lifecycle`) — take over a session whose process is gone, send
  a session back to discover, drop this process's workflow state.

:mod:`.session` holds what they share: reading, guarding and advancing the session's steps, and
registering it.

Differences from the original (``workflow-engine.md`` §12): zcp writes the import YAML instead of
asking the agent to; attestations are optional (zcp records what it checked); ``iterate`` sends the
session back to discover with its plan kept, until ``Settings.max_iterations``.
"""
