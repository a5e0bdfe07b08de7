#!/usr/bin/env bash
# Formats duban's C++ sources with .clang-format (Debian's clang-format 14).
#   ops/format.sh           rewrites the files in place
#   ops/format.sh --check   changes nothing; names each file that differs and fails
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null; then
  echo "ops/format.sh: clang-format is not installed (ops/install-deps.sh installs it)" >&2
  exit 2
fi
if [ -d .git ] || [ -f .git ]; then
  mapfile -t files < <(git ls-files '*.cc' '*.h')
else
  mapfile -t files < <(find engine consumers schemas tests workflows -name '*.cc' -o -name '*.h' 2>/dev/null | sort)
fi
if [ "${1:-}" = "--check" ]; then
  report=$(mktemp)
  trap 'rm -f "$report"' EXIT
  if ! clang-format --dry-run --Werror "${files[@]}" 2>"$report"; then
    grep -o '^[^:]*\.\(cc\|h\)' "$report" | sort -u | sed 's/^/not formatted: /' >&2
    echo "ops/format.sh --check: run ops/format.sh to format them" >&2
    exit 1
  fi
  echo "format: ${#files[@]} files as .clang-format says"
  exit 0
fi
clang-format -i "${files[@]}"
