#!/usr/bin/env bash
# Installs what is missing, checks the C++ formatting, builds everything, runs
# the whole test suite and the agreed clang-tidy checks (ops/tidy.sh).
# clang-tidy runs beside the tests at the lowest CPU priority, so it takes the
# CPU they leave idle (they wait on brokers, browsers and timers): in CI on two
# cores it did a quarter of its files during the tests and added ~9 minutes
# after them, not its whole 20. DUBAN_TIDY=0 leaves it out of a local run.
set -euo pipefail
cd "$(dirname "$0")/.."
ops/install-deps.sh
ops/format.sh --check
ops/build.sh
tidy_pid=
if [ "${DUBAN_TIDY:-1}" != 0 ]; then
  nice -n 19 ops/tidy.sh build >build/tidy.log 2>&1 &
  tidy_pid=$!
fi
tests_rc=0
(cd build && ctest --output-on-failure -j"${DUBAN_TEST_JOBS:-2}" --timeout 1500) || tests_rc=$?
tidy_rc=0
if [ -n "$tidy_pid" ]; then
  wait "$tidy_pid" || tidy_rc=$?
  cat build/tidy.log
fi
if [ "$tests_rc" != 0 ] || [ "$tidy_rc" != 0 ]; then
  echo "ops/test.sh: tests rc=$tests_rc, clang-tidy rc=$tidy_rc" >&2
  exit 1
fi
