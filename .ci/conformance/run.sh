#!/usr/bin/env bash
# The official MCP conformance suite against `zcp serve --http` on a free loopback port.
# Usage: .ci/conformance/run.sh NODE_BIN_DIR   (the folder .ci/node-tools.sh prints)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$1"
export PATH="$bin:$PATH"   # the tools' `#!/usr/bin/env node` must find node 22, not the machine's
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Knowledge-only zcp (no credentials): every protocol feature is there; platform tools answer AUTH_REQUIRED.
env -i PATH="$PATH" HOME="$work" XDG_CACHE_HOME="$work/cache" ZCP_INDEX_DIR="$work/index" \
  "$root/.venv/bin/zcp" serve --http 127.0.0.1:0 2>"$work/server.log" &
server_pid=$!
url=""
for _ in $(seq 1 300); do   # up to 30 s for the first start (it may build the index)
  url="$(sed -n 's/^zcp serving MCP over streamable HTTP at //p' "$work/server.log" | head -n1)"
  [ -n "$url" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then cat "$work/server.log" >&2; exit 1; fi
  sleep 0.1
done
if [ -z "$url" ]; then echo "zcp serve --http did not start" >&2; cat "$work/server.log" >&2; exit 1; fi
echo "conformance against $url"
cd "$work"
conformance server --url "$url" --expected-failures "$root/.ci/conformance/expected-failures.yml" \
  -o "$work/results" >"$work/conformance.log" 2>&1 && status=0 || status=$?
# The per-scenario chatter is long; the summary and whatever follows it is what matters.
sed -n '/=== SUMMARY ===/,$p' "$work/conformance.log"
if [ "$status" -ne 0 ]; then
  echo "conformance failed (exit $status); its output:" >&2
  tail -c 6000 "$work/conformance.log" >&2
  echo "server log:" >&2
  tail -n 50 "$work/server.log" >&2
fi
exit "$status"
