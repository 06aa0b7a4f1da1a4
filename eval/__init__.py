"""``make eval``: a plan-following agent drives zcp through whole user stories.

The agent (:mod:`eval.agent`) knows nothing of Zerops: it makes the primary next action zcp suggests,
filling only what the user supplies from the scenario (:mod:`eval.scenario`, files in
``eval/scenarios/``). The runner (:mod:`eval.runner`) spawns ``zcp serve`` over STDIO per scenario
(:mod:`eval.zcp_server`) against a sandbox world on loopback (:mod:`eval.world`) or a real project
(:mod:`eval.live`, ``make e2e``), and checks what must hold at the end (:mod:`eval.expect`).
"""
