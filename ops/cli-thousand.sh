#!/usr/bin/env bash
# Runs 1,000 real CLI commands against a fresh store (one process each, under
# `ulimit -n 256`) and prints the files the store held at most and the mean
# time per command over the first and the last 100 (flat means the store
# does not slow down as short processes pile up). Uses the build in ./build.
#   ops/cli-thousand.sh [COMMANDS]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/bin/duban ] || { echo "build first: ops/build.sh" >&2; exit 2; }
exec /usr/bin/python3 tests/core/cli_thousand_commands_test.py build/bin/duban . "${1:-1000}"
