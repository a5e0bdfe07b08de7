#!/usr/bin/env bash
# The main job: install what is missing, build, and run `duban demo` on a
# fresh embedded store (no broker, no server).
set -euo pipefail
cd "$(dirname "$0")/.."
ops/install-deps.sh
DUBAN_TARGETS=duban ops/build.sh
data="${DUBAN_DEMO_DATA:-$(mktemp -d /tmp/duban-demo.XXXXXX)}"
echo "data directory: $data" >&2
exec build/bin/duban --data "$data" demo "$@"
