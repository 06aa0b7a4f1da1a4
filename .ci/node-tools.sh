#!/usr/bin/env bash
# Install the pinned Node tools (node 22, the MCP conformance suite, the MCP Inspector) into
# .ci/node/node_modules from .ci/node/package-lock.json. The machine's own node (20) only runs npm;
# every tool then runs on the node 22 from the registry. Prints the bin folder to put on PATH.
set -euo pipefail
cd "$(dirname "$0")/node"
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is needed to install the CI's Node tools (apt-get install npm)" >&2
  exit 1
fi
# node_modules/.zcp-installed is a copy of the lock it was installed from: reinstall when they differ.
if [ ! -x node_modules/.bin/node ] || ! cmp -s package-lock.json node_modules/.zcp-installed 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error >&2
  cp package-lock.json node_modules/.zcp-installed
fi
echo "$PWD/node_modules/.bin"
