#!/usr/bin/env bash
# Installs what is missing, builds everything and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
ops/install-deps.sh
ops/build.sh
cd build
ctest --output-on-failure -j"${DUBAN_TEST_JOBS:-2}" --timeout 1500
