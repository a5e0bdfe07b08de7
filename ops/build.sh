#!/usr/bin/env bash
# Configures and builds duban into ./build (Ninja, RelWithDebInfo, -j2 by default).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${DUBAN_JOBS:-2}"
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
fi
cmake --build build -j"$jobs" ${DUBAN_TARGETS:+--target $DUBAN_TARGETS}
