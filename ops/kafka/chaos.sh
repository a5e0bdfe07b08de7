#!/usr/bin/env bash
# Chaos on a three-node Apache Kafka cluster: under a steady load of commands,
# kill -9 at random an engine (of two), the reminder consumer or a broker node,
# restart it, and after each round check what must hold:
#   - every acknowledged command's events exactly once in duban.events
#     (read_committed; no record repeated, none missing, no event id with two
#     hashes);
#   - the read model (`duban project`, incremental) verifies: hash chains intact
#     and projections identical to a rebuild (`duban verify`), and it holds as
#     many events as duban.events;
#   - no reminder delivered twice (and, at the end, every reminder event of
#     duban.events delivered).
# Stops by itself after --kills kills and prints the counts.
#
#   ops/kafka/chaos.sh [--kills 100] [--dir DIR] [--seed N] [--build DIR] [--keep]
#
# Needs java + mvn (broker.sh), kcat, /usr/bin/python3, and a build (default
# ./build) with bin/duban and bin/duban-reminders. Exit 0 when every check
# passed, 1 when one failed (DIR is kept then), 77 when something is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
kills=100 dir="" seed=$$ build="$root/build" keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --kills) kills=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "chaos.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
duban="$build/bin/duban" reminders="$build/bin/duban-reminders" py=/usr/bin/python3
for f in "$duban" "$reminders"; do [ -x "$f" ] || { echo "chaos.sh: $f is not built" >&2; exit 77; }; done
command -v kcat >/dev/null || { echo "chaos.sh: kcat is missing" >&2; exit 77; }
[ -x "$py" ] || py=python3
[ -n "$dir" ] || dir=$(mktemp -d /tmp/duban-chaos-XXXXXX)
mkdir -p "$dir"
RANDOM=$seed
log() { echo "chaos: $*" >&2; }

"$here/broker.sh" start --dir "$dir/broker" --nodes 3 --owner $$ >/dev/null
bootstrap=$(cat "$dir/broker/bootstrap")
declare -A pid
cleanup() {
  touch "$dir/stop"
  for k in "${!pid[@]}"; do kill -9 "${pid[$k]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$here/broker.sh" stop --dir "$dir/broker" >/dev/null 2>&1 || true
}
trap cleanup EXIT
"$duban" topics create --bootstrap "$bootstrap" --partitions 4 --replication-factor 3 >"$dir/topics.log" 2>&1

start() {  # start engine1|engine2|reminders
  case "$1" in
    engine*)
      # Ticks every second on the system clock: the sample plans' 2021
      # deadlines are past, so timers fire and give the reminder consumer work.
      "$duban" --data "$dir/$1" engine --bootstrap "$bootstrap" --session-timeout-ms 3000 --tick-interval 1 \
        --status-interval 5 >>"$dir/$1.log" 2>&1 &
      ;;
    reminders)
      "$reminders" --bootstrap "$bootstrap" --data "$dir/reminders" --outbox "$dir/outbox.jsonl" \
        --webhook "http://127.0.0.1:$(cat "$dir/hook.port")/hook" --session-timeout-ms 3000 \
        >>"$dir/reminders.log" 2>&1 &
      ;;
  esac
  pid[$1]=$!
}
# A webhook receiver that counts POSTs per Idempotency-Key (the outbox dedupes
# itself by notification id; the webhook shows what a receiver really got).
"$py" "$here/chaos_tool.py" hook --dir "$dir" >>"$dir/hook.err" 2>&1 &
pid[hook]=$!
for _ in $(seq 1 50); do [ -f "$dir/hook.port" ] && break; sleep 0.1; done
for p in engine1 engine2 reminders; do start "$p"; done
plans=("$root"/workflows/plans/*.txt)  # the sample plans in the repository
"$py" "$here/chaos_tool.py" load --duban "$duban" --bootstrap "$bootstrap" --dir "$dir" --seed "$seed" \
  --plans "${plans[@]}" >>"$dir/load.log" 2>&1 &
pid[load]=$!

check() {  # check [--final]: prints the counts line, fails on a broken guarantee
  local counts ok=0
  counts=$("$py" "$here/chaos_tool.py" check --duban "$duban" --bootstrap "$bootstrap" --dir "$dir" "$@") || ok=1
  "$duban" --data "$dir/read" project --bootstrap "$bootstrap" >"$dir/project.log" 2>&1 || ok=1
  local verify
  verify=$("$duban" --data "$dir/read" verify 2>&1) || ok=1
  local read_events
  read_events=$(echo "$verify" | sed -n 's/^events: \([0-9]*\) in .*/\1/p')
  local log_events
  log_events=$(echo "$counts" | sed -n 's/.* events=\([0-9]*\) .*/\1/p')
  # duban.events was read first and grows meanwhile: the read model holds at
  # least as much; once the load stopped (--final), exactly as much.
  if [ -z "$read_events" ] || [ -z "$log_events" ] || [ "$read_events" -lt "$log_events" ] ||
     { [ "${1:-}" = --final ] && [ "$read_events" != "$log_events" ]; }; then
    log "the read model holds ${read_events:-?} events, duban.events ${log_events:-?}"; ok=1
  fi
  echo "$verify" | grep -q "^verify: ok" || { log "read model: $verify"; ok=1; }
  echo "$counts read_model_events=${read_events:-?}"
  return $ok
}

n_kills=0 broker_kills=0 engine_kills=0 reminder_kills=0 failed=0
sleep 5
while [ "$n_kills" -lt "$kills" ]; do
  sleep $(( 1 + RANDOM % 3 ))
  case $(( RANDOM % 4 )) in
    0) victim=engine1 ;;
    1) victim=engine2 ;;
    2) victim=reminders ;;
    3) victim=broker ;;
  esac
  if [ "$victim" = broker ]; then
    node=$(( 1 + RANDOM % 3 ))
    "$here/broker.sh" kill --dir "$dir/broker" --node "$node" >/dev/null 2>&1
    broker_kills=$((broker_kills + 1))
    sleep $(( 1 + RANDOM % 3 ))
    "$here/broker.sh" restart --dir "$dir/broker" --node "$node" >/dev/null
    what="broker node $node"
  else
    kill -9 "${pid[$victim]}" 2>/dev/null || true
    wait "${pid[$victim]}" 2>/dev/null || true
    case $victim in engine*) engine_kills=$((engine_kills + 1)) ;; *) reminder_kills=$((reminder_kills + 1)) ;; esac
    sleep $(( 1 + RANDOM % 2 ))
    start "$victim"
    what=$victim
  fi
  n_kills=$((n_kills + 1))
  # A command is acknowledged once its transaction's EndTxn returns, but the
  # coordinator writes the commit markers after answering; a read_committed
  # reader sees the events only when the marker lands, which after a broker
  # kill waits for the partition's new leader. So an acknowledged command may
  # be missing for a few seconds: a check is retried for up to 30 s before it
  # counts as failed (a duplicate, a conflict or a repeated reminder never
  # heals, so retrying hides none of them).
  tries=1 passed=0
  while :; do
    if line=$(check); then passed=1; break; fi
    [ "$tries" -ge 15 ] && break
    tries=$((tries + 1))
    sleep 2
  done
  if [ "$passed" = 1 ]; then
    [ "$tries" = 1 ] || line="$line settled_after_tries=$tries"
    log "kill $n_kills ($what): $line"
  else
    log "kill $n_kills ($what): CHECK FAILED: $line"
    failed=1
    break
  fi
done

# Stop the load, let everything settle, then the final check: every reminder
# event delivered too.
touch "$dir/stop"
wait "${pid[load]}" 2>/dev/null || true
unset 'pid[load]'
final=""
for _ in $(seq 1 30); do
  if final=$(check --final); then break; fi
  sleep 2
done
check --final >/dev/null 2>&1 || { log "final check failed: $final"; failed=1; }
unacked=$(wc -l <"$dir/unacked.jsonl" 2>/dev/null || echo 0)
echo "kills=$n_kills engine_kills=$engine_kills reminder_kills=$reminder_kills broker_kills=$broker_kills" \
  "unacknowledged=$unacked $final"
if [ "$failed" = 0 ] && [ "$keep" = 0 ]; then
  trap - EXIT
  cleanup
  rm -rf "$dir"
else
  log "kept $dir"
fi
exit "$failed"
