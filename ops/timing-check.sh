#!/usr/bin/env bash
# Runs tests on a machine made slower than it is, to catch tests that wait for
# time where they should wait for progress: a test must pass whether the
# machine is twice as fast or twice as slow as the one it was written on.
# Not part of CI (it takes several times the suite's time); run it after
# changing a test that starts processes, kills them or waits for them.
#
#   ops/timing-check.sh crash [N]   the crash test N times alone (default 20),
#                                   then 5 times pinned to core 0 with the other
#                                   cores loaded
#   ops/timing-check.sh suite       the whole suite alone, pinned to core 0, and
#                                   with every core loaded
#
# Uses the build in ./build (ops/build.sh first) and stress-ng for the load
# (installed from Debian when missing). Each mode prints its result line.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v stress-ng >/dev/null; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get install -y -q stress-ng >/dev/null || { $SUDO apt-get update -q && $SUDO apt-get install -y -q stress-ng; }
fi
cores=$(nproc)
others=$((cores - 1))
stress_pid=""
stop_load() {
  if [ -n "$stress_pid" ]; then
    kill "$stress_pid" 2>/dev/null || true
    wait "$stress_pid" 2>/dev/null || true
    stress_pid=""
  fi
}
trap stop_load EXIT
# load FIRST LAST: one busy-looping worker per core FIRST..LAST.
load() {
  local cpus=$1
  [ "$2" -gt "$1" ] && cpus="$1-$2"
  stress-ng --cpu $(($2 - $1 + 1)) --taskset "$cpus" --timeout 0 --quiet &
  stress_pid=$!
  sleep 1
  kill -0 "$stress_pid" 2>/dev/null || { echo "stress-ng did not start" >&2; exit 1; }
}

crash_once() {  # crash_once LABEL [taskset prefix...]
  local label=$1
  shift
  local out
  out=$("$@" build/bin/crash_test --gtest_brief=1 2>&1) || { echo "$out"; echo "$label: FAILED"; return 1; }
  echo "$label: $(grep -o 'crash test: [0-9]* kills ([^)]*)' <<<"$out" | tail -1) - passed"
}

case "${1:-}" in
  crash)
    n=${2:-20}
    for i in $(seq 1 "$n"); do crash_once "alone $i/$n"; done
    if [ "$others" -gt 0 ]; then
      load 1 "$others"
      for i in 1 2 3 4 5; do crash_once "core 0, other cores loaded, $i/5" taskset -c 0; done
      stop_load
    fi
    ;;
  suite)
    (cd build && ctest -j"$cores" --timeout 1500 --output-on-failure >/tmp/duban-timing-alone.log 2>&1) || true
    echo "alone: $(grep -E 'tests passed|tests failed' /tmp/duban-timing-alone.log) (log /tmp/duban-timing-alone.log)"
    (cd build && taskset -c 0 ctest -j"$cores" --timeout 1500 --output-on-failure >/tmp/duban-timing-pinned.log 2>&1) || true
    echo "pinned to core 0: $(grep -E 'tests passed|tests failed' /tmp/duban-timing-pinned.log) (log /tmp/duban-timing-pinned.log)"
    load 0 "$others"
    (cd build && ctest -j"$cores" --timeout 1500 --output-on-failure >/tmp/duban-timing-loaded.log 2>&1) || true
    stop_load
    echo "every core loaded: $(grep -E 'tests passed|tests failed' /tmp/duban-timing-loaded.log) (log /tmp/duban-timing-loaded.log)"
    for mode in alone pinned loaded; do grep -q '100% tests passed' "/tmp/duban-timing-$mode.log" || exit 1; done
    ;;
  *)
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
