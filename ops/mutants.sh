#!/usr/bin/env bash
# Mutation check: do the tests catch the bugs that matter most? Not part of CI.
#
#   ops/mutants.sh [NAME_REGEX]     (all mutants of ops/mutants/catalog.sh, or those matching)
#
# Copies the working tree (tracked and untracked, not ignored files) to a
# scratch directory with its own build directory, kept between runs so
# rebuilds stay incremental (DUBAN_MUTANTS_DIR, default /tmp/duban-mutants-<id>).
# Builds every target the catalog names and runs all the catalog's tests on
# the unchanged copy first: they must pass, and every filter must select tests.
# Then, for each mutant: applies its sed expression to its file, rebuilds its
# targets, runs its tests (ctest -R), restores the file. A mutant is killed
# when a test fails; the tests that failed are printed. Ends with
# "N killed, M survived" and exits non-zero if any survived, a patch no
# longer applies, or a mutant does not compile.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${DUBAN_MUTANTS_DIR:-/tmp/duban-mutants-$(printf '%s' "$root" | md5sum | cut -c1-8)}"
src="$work/src"
build="$work/build"
logs="$work/logs"
jobs="${DUBAN_JOBS:-2}"
only="${1:-}"
start=$SECONDS

names=() files=() exprs=() targets=() filters=() abouts=()
mutant() {
  [ -n "$only" ] && ! [[ "$1" =~ $only ]] && return 0
  names+=("$1") files+=("$2") exprs+=("$3") targets+=("$4") filters+=("$5") abouts+=("$6")
}
# shellcheck source=mutants/catalog.sh
source "$root/ops/mutants/catalog.sh"
if [ ${#names[@]} -eq 0 ]; then
  echo "no mutant matches '$only'" >&2
  exit 2
fi
mkdir -p "$src" "$logs"

# Copy what changed since the last run (unchanged files keep their mtimes, so
# ninja rebuilds only what differs).
echo "copying $root to $src"
(cd "$root" && git ls-files -co --exclude-standard -z) | while IFS= read -r -d '' f; do
  [ -f "$root/$f" ] || continue
  if ! cmp -s "$root/$f" "$src/$f"; then
    mkdir -p "$(dirname "$src/$f")"
    cp -p "$root/$f" "$src/$f"
    touch "$src/$f"
  fi
done

if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$logs/configure.log" 2>&1 ||
    { cat "$logs/configure.log"; exit 2; }
fi
all_targets=$(printf '%s\n' "${targets[@]}" | tr ' ' '\n' | sort -u | tr '\n' ' ')
all_filters=$(printf '%s|' "${filters[@]}")
all_filters="${all_filters%|}"

echo "building the unchanged copy: $all_targets"
if ! cmake --build "$build" -j"$jobs" --target $all_targets > "$logs/baseline-build.log" 2>&1; then
  tail -30 "$logs/baseline-build.log"
  echo "the unchanged copy does not build" >&2
  exit 2
fi
for i in "${!names[@]}"; do
  n=$(cd "$build" && ctest -N -R "${filters[$i]}" | sed -n 's/^Total Tests: //p')
  if [ "${n:-0}" -eq 0 ]; then
    echo "mutant ${names[$i]}: its filter '${filters[$i]}' selects no test" >&2
    exit 2
  fi
done
echo "running the catalog's tests on the unchanged copy"
if ! (cd "$build" && ctest -R "$all_filters" -j"$jobs" --timeout 300 > "$logs/baseline-tests.log" 2>&1); then
  sed -n '/The following tests FAILED/,$p' "$logs/baseline-tests.log"
  echo "the tests fail without any mutant: fix them first" >&2
  exit 2
fi
echo "baseline: $(grep -E 'tests passed' "$logs/baseline-tests.log")"

killed=0 survived=0 broken=0
summary=()
for i in "${!names[@]}"; do
  name="${names[$i]}" file="${files[$i]}"
  t0=$SECONDS
  cp -p "$src/$file" "$work/original"
  sed -i -e "${exprs[$i]}" "$src/$file"
  changed=$(diff "$work/original" "$src/$file" | grep -c '^>')
  restore() { cp "$work/original" "$src/$file" && touch "$src/$file"; }
  if [ "$changed" -eq 0 ]; then
    restore
    broken=$((broken + 1))
    summary+=("STALE     $name: the expression no longer changes $file")
    echo "${summary[-1]}"
    continue
  fi
  diff "$work/original" "$src/$file" > "$logs/$name.diff"
  if ! cmake --build "$build" -j"$jobs" --target ${targets[$i]} > "$logs/$name.build.log" 2>&1; then
    restore
    broken=$((broken + 1))
    summary+=("NOBUILD   $name: does not compile (see $logs/$name.build.log)")
    echo "${summary[-1]}"
    continue
  fi
  (cd "$build" && ctest -R "${filters[$i]}" -j"$jobs" --timeout 300 > "$logs/$name.tests.log" 2>&1)
  rc=$?
  restore
  if [ $rc -ne 0 ]; then
    killed=$((killed + 1))
    by=$(sed -n '/The following tests FAILED/,$p' "$logs/$name.tests.log" |
         sed -n 's/^[[:space:]]*[0-9]* - \(.*\) (.*)$/\1/p' | head -3 | paste -sd, -)
    summary+=("killed    $name ($((SECONDS - t0))s, $changed line): ${abouts[$i]} <- ${by:-ctest exit $rc}")
  else
    survived=$((survived + 1))
    summary+=("SURVIVED  $name ($((SECONDS - t0))s): ${abouts[$i]}; tests '${filters[$i]}' all passed")
  fi
  echo "${summary[-1]}"
done

echo
echo "---- mutants (${#names[@]}) ----"
printf '%s\n' "${summary[@]}"
echo "$killed killed, $survived survived$([ $broken -gt 0 ] && echo ", $broken stale or not compiling") in $((SECONDS - start))s (logs: $logs)"
[ $survived -eq 0 ] && [ $broken -eq 0 ]
