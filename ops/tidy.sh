#!/usr/bin/env bash
# Runs the agreed clang-tidy checks (.clang-tidy) over every C++ file the build
# compiles, from the build's compile_commands.json (Debian's clang-tidy 14).
#   ops/tidy.sh [BUILD_DIR] [-j N] [FILE_REGEX]   (default: everything but tests/)
# BUILD_DIR defaults to build/ (configure it first: ops/build.sh); FILE_REGEX
# limits the run to matching files. Fails, naming each finding, when a check
# does not pass. About 16 CPU-seconds a file: ~20 minutes for the tree's 138 files on two idle cores.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build
jobs=$(nproc)
regex="$(pwd)/(engine|consumers|workflows|schemas)/"
while [ $# -gt 0 ]; do
  case "$1" in
    -j) jobs="$2"; shift 2 ;;
    -*) echo "usage: ops/tidy.sh [BUILD_DIR] [-j N] [FILE_REGEX]" >&2; exit 2 ;;
    *) if [ -d "$1" ]; then build="$1"; else regex="$1"; fi; shift ;;
  esac
done
if ! command -v run-clang-tidy >/dev/null; then
  echo "ops/tidy.sh: clang-tidy is not installed (ops/install-deps.sh installs it)" >&2
  exit 2
fi
if [ ! -f "$build/compile_commands.json" ]; then
  echo "ops/tidy.sh: no $build/compile_commands.json; configure the build first (ops/build.sh)" >&2
  exit 2
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# run-clang-tidy exits non-zero on any error (pipefail carries it through the
# sed); WarningsAsErrors makes every finding one. It colours its output even into a file, hence the sed.
if run-clang-tidy -quiet -j "$jobs" -p "$build" "$regex" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >"$log"; then
  echo "tidy: $(grep -c '^clang-tidy' "$log" || true) files pass the agreed checks"
  exit 0
fi
grep -E '(error|warning): .*\]$' "$log" | sort -u >&2 || tail -50 "$log" >&2
echo "ops/tidy.sh: $(grep -E '(error|warning): .*\]$' "$log" | sort -u | wc -l) findings" \
  "(the rest of each message: rerun with FILE_REGEX)" >&2
exit 1
