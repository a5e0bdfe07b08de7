#!/usr/bin/env bash
# The main job: install what is missing, build, and run `duban demo` on a
# fresh embedded store (no broker, no server); then deliver the reminders and
# escalations its clock wrote with `duban-reminders` into a JSONL outbox and
# show a few of them, as a unit would read them, and the office's record of
# who was told when.
set -euo pipefail
cd "$(dirname "$0")/.."
ops/install-deps.sh
DUBAN_TARGETS="duban duban-reminders" ops/build.sh
data="${DUBAN_DEMO_DATA:-$(mktemp -d /tmp/duban-demo.XXXXXX)}"
echo "data directory: $data" >&2
build/bin/duban --data "$data" demo "$@"
# `demo --help` and the like make no store: nothing to deliver then.
[ -n "$(ls -A "$data" 2>/dev/null)" ] || exit 0

# Reminders are only events in the log until a consumer reads them. The
# consumer keeps its own state (cursor, delivered ids) beside the store.
reminders="$data.reminders"
outbox="$reminders/outbox.jsonl"
echo
echo "== reminders: build/bin/duban-reminders --store $data --data $reminders --outbox $outbox --exit-when-idle"
build/bin/duban-reminders --store "$data" --data "$reminders" --outbox "$outbox" --exit-when-idle
echo "$(wc -l < "$outbox") notifications in $outbox; the first of each kind:"
python3 - "$outbox" <<'PY'
import json, sys
seen = set()
for line in open(sys.argv[1], encoding="utf-8"):
    n = json.loads(line)
    if n["channel"] in seen:
        continue
    seen.add(n["channel"])
    print(f"  [{n['channel']}] to {n['recipient']}: {n['text']}")
PY
# What an office asks next: was this unit told, and when? (delivered.log's receipts)
first_unit=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1], encoding="utf-8").readline())["recipient"])' "$outbox")
echo
echo "== who was told: build/bin/duban-reminders receipts --data $reminders --recipient $first_unit (first 5)"
told=$(build/bin/duban-reminders receipts --data "$reminders" --recipient "$first_unit")
sed -n '1,6p;$p' <<<"$told"
