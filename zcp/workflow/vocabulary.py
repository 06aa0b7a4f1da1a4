"""The tool calls guidance may name: tool names, their argument names, and workflow actions.

Plans (:mod:`zcp.workflow.plan`) and atom bodies (:mod:`zcp.workflow.lint`) are checked against
this table so that guidance never tells an agent to call something that does not exist. The names
follow ``mcp-tools.md``; when the MCP tools land, a meta-test pins this table to their input models.
"""

from __future__ import annotations

__all__ = ["TOOL_ARGUMENTS", "WORKFLOW_ACTIONS", "WORKFLOW_NAMES"]

#: Argument names per tool.
TOOL_ARGUMENTS: dict[str, frozenset[str]] = {
    "zerops_workflow": frozenset(
        {
            "action",
            "workflow",
            "intent",
            "scope",
            "force",
            "route",
            "sessionId",
            "step",
            "plan",
            "attestation",
            "reason",
            "closeMode",
            "service",
            "remoteUrl",
            "integration",
            "targetService",
            "variant",
            "envClassifications",
        }
    ),
    "zerops_discover": frozenset({"service", "includeEnvs", "includeEnvValues"}),
    "zerops_knowledge": frozenset(
        {"query", "limit", "runtime", "services", "scope", "recipe", "uri", "mode"}
    ),
    "zerops_logs": frozenset({"serviceHostname", "severity", "since", "limit", "search"}),
    "zerops_events": frozenset({"serviceHostname", "limit"}),
    "zerops_process": frozenset({"processId", "action"}),
    "zerops_verify": frozenset({"serviceHostname"}),
    "zerops_deploy": frozenset(
        {"targetService", "sourceService", "setup", "workingDir", "strategy", "remoteUrl", "branch"}
    ),
    "zerops_dev_server": frozenset(
        {
            "action",
            "hostname",
            "command",
            "port",
            "healthPath",
            "logFile",
            "waitSeconds",
            "logLines",
            "workDir",
            "processMatch",
            "noHttpProbe",
        }
    ),
    "zerops_env": frozenset({"action", "serviceHostname", "project", "variables", "skipRestart"}),
    "zerops_manage": frozenset({"action", "serviceHostname", "storageHostname"}),
    "zerops_scale": frozenset(
        {
            "serviceHostname",
            "cpuMode",
            "minCpu",
            "maxCpu",
            "startCpu",
            "minContainers",
            "maxContainers",
            "minRam",
            "maxRam",
            "minDisk",
            "maxDisk",
            "minFreeRamGB",
            "minFreeRamPercent",
            "minFreeCpuCores",
            "minFreeCpuPercent",
        }
    ),
    "zerops_subdomain": frozenset({"serviceHostname", "action"}),
    "zerops_import": frozenset({"content", "filePath", "override", "confirm"}),
    "zerops_delete": frozenset({"serviceHostname", "confirm"}),
    "zerops_export": frozenset({"service"}),
    "zerops_mount": frozenset({"action", "serviceHostname"}),
    "zerops_browser": frozenset({"url", "commands", "timeoutSeconds", "forceReset"}),
    "zerops_preprocess": frozenset({"input", "inputs", "order"}),
}

#: ``zerops_workflow action=…`` values.
WORKFLOW_ACTIONS: frozenset[str] = frozenset(
    {
        "start",
        "status",
        "complete",
        "skip",
        "iterate",
        "reset",
        "resume",
        "close",
        "list",
        "route",
        "close-mode",
        "git-push-setup",
        "build-integration",
        "record-deploy",
        "adopt-local",
    }
)

#: ``zerops_workflow workflow=…`` values.
WORKFLOW_NAMES: frozenset[str] = frozenset({"bootstrap", "develop", "export", "cicd"})
