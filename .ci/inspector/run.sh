#!/usr/bin/env bash
# MCP Inspector CLI smoke test over STDIO, the way a host spawns `zcp serve`:
# tools/list with --strict (schema portability), resources/read of a #section URI, prompts/list
# and one knowledge call. Each answer is checked, not just the exit code.
# Usage: .ci/inspector/run.sh NODE_BIN_DIR   (the folder .ci/node-tools.sh prints)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export PATH="$1:$PATH"   # node 22 for the Inspector's `#!/usr/bin/env node`
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python="$root/.venv/bin/python"
export HOME="$work" XDG_CACHE_HOME="$work/cache"   # the Inspector keeps its catalog under HOME
zcp=(-e "ZCP_INDEX_DIR=$work/index" -e "XDG_CACHE_HOME=$work/cache" -- "$python" -m zcp serve)

check() {  # check NAME PYTHON-ASSERTION -- inspector args…
  local name="$1" assertion="$2"; shift 3
  if ! inspector --cli "$@" >"$work/out.json" 2>"$work/err.txt"; then
    echo "inspector $name: exit $?" >&2; cat "$work/err.txt" >&2; head -c 2000 "$work/out.json" >&2; return 1
  fi
  "$python" -c "import json,sys; r=json.load(open(sys.argv[1])); assert $assertion, sys.argv[2]" \
    "$work/out.json" "$name: unexpected answer" || { head -c 2000 "$work/out.json" >&2; return 1; }
  echo "ok  $name"
}

check "tools/list --strict" 'any(t["name"] == "zerops_knowledge" for t in r["tools"])' -- \
  --method tools/list --strict "${zcp[@]}"
if [ -s "$work/err.txt" ]; then echo "tools/list --strict reported:" >&2; cat "$work/err.txt" >&2; exit 1; fi
check "resources/read zerops://themes/services#valkey" \
  'r["contents"][0]["text"].startswith("## Valkey") and r["contents"][0]["mimeType"] == "text/markdown"' -- \
  --method resources/read --uri 'zerops://themes/services#valkey' "${zcp[@]}"
check "prompts/list" '{"bootstrap-stack", "diagnose-failed-deploy", "promote-dev-to-stage"} <= {p["name"] for p in r["prompts"]}' -- \
  --method prompts/list "${zcp[@]}"
check "tools/call zerops_knowledge" \
  'not r.get("isError") and r["structuredContent"]["hits"][0]["uri"] == "zerops://themes/services#postgresql"' -- \
  --method tools/call --tool-name zerops_knowledge --tool-arg query=postgresql limit=3 "${zcp[@]}"
