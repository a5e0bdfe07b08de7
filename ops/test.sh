#!/usr/bin/env bash
# Installs what is missing, checks the C++ formatting, builds everything and
# runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
ops/install-deps.sh
ops/format.sh --check
ops/build.sh
cd build
ctest --output-on-failure -j"${DUBAN_TEST_JOBS:-2}" --timeout 1500
