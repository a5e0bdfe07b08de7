#!/usr/bin/env bash
# A real Apache Kafka broker (KRaft, no ZooKeeper, no Docker) on loopback for
# tests, benchmarks and trying Kafka mode by hand: Apache's own jars, resolved
# from Maven Central by broker/pom.xml, run with the machine's Java 17.
#
#   ops/kafka/broker.sh fetch                      resolve the jars (once; cached)
#   ops/kafka/broker.sh start --dir DIR [--nodes 1|3] [--owner PID]
#                                                   fresh storage under DIR, start, wait until
#                                                   ready; prints the bootstrap and writes it
#                                                   to DIR/bootstrap; with --owner, the nodes
#                                                   are killed when process PID ends (a test
#                                                   killed by a timeout leaves no broker behind)
#   ops/kafka/broker.sh stop --dir DIR             stop the nodes started in DIR (by their pids)
#   ops/kafka/broker.sh status --dir DIR           which nodes run, exit 1 when none
#   ops/kafka/broker.sh kill --dir DIR --node N    kill -9 one node (fault tests)
#   ops/kafka/broker.sh restart --dir DIR --node N start a killed node again on its storage
#
# Exit 77 when Java or Maven is missing (tests report that as skipped). The
# settings are the single-node ones ops/kafka/README.md explains; the jars go
# to $DUBAN_KAFKA_LIB (default ~/.cache/duban/kafka-<version>).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/broker/pom.xml")
lib=${DUBAN_KAFKA_LIB:-$HOME/.cache/duban/kafka-$version}

die() { echo "broker.sh: $*" >&2; exit 1; }
need() {
  command -v "$1" >/dev/null 2>&1 || { echo "broker.sh: $1 is missing ($2)" >&2; exit 77; }
}

fetch() {
  if [ -f "$lib/.complete" ]; then return 0; fi
  need java "Debian's openjdk-17-jre-headless"
  need mvn "Debian's maven"
  mkdir -p "$lib"
  echo "broker.sh: resolving Apache Kafka $version into $lib" >&2
  if ! mvn -B -q -f "$here/broker/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$lib" >&2; then
    die "could not resolve Apache Kafka $version from Maven Central (is the network up?)"
  fi
  ls "$lib"/kafka_2.13-"$version".jar >/dev/null || die "resolved, but kafka_2.13-$version.jar is missing in $lib"
  touch "$lib/.complete"
}

# N distinct free loopback ports, all held at once while chosen (ports picked
# one at a time may repeat, and a node whose listener and controller share a
# port does not start). They are drawn at random below the kernel's ephemeral
# range (net.ipv4.ip_local_port_range, 32768 and up by default): a port from
# that range can be taken by any outgoing connection between its choice and
# the node's bind, or while a killed node waits to be restarted on it.
free_ports() {
  local py
  py=$(command -v /usr/bin/python3 || command -v python3)
  "$py" -c 'import random, socket, sys
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
top = low if low > 12000 else 65536
held = []
for port in random.sample(range(10000, top), min(4000, top - 10000)):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        s.close()
        continue
    held.append(s)
    if len(held) == int(sys.argv[1]):
        break
print(" ".join(str(s.getsockname()[1]) for s in held))' "$1"
}

java_cmd() {  # java_cmd NODE_DIR MAINCLASS ARGS...
  local node_dir=$1; shift
  java -Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$node_dir/log4j.properties" \
    -Dkafka.logs.dir="$node_dir" -cp "$lib/*" "$@"
}

write_node() {  # write_node DIR N NODES VOTERS
  local dir=$1 n=$2 nodes=$3 voters=$4
  local node_dir="$dir/node-$n"
  local rf=$(( nodes >= 3 ? 3 : 1 ))
  local isr=$(( nodes >= 3 ? 2 : 1 ))
  mkdir -p "$node_dir/data"
  cat >"$node_dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$(cat "$node_dir/port"),CONTROLLER://127.0.0.1:$(cat "$node_dir/controller-port")
advertised.listeners=PLAINTEXT://127.0.0.1:$(cat "$node_dir/port")
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$node_dir/data
num.partitions=1
default.replication.factor=$rf
min.insync.replicas=$isr
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000
auto.create.topics.enable=false
log.cleaner.dedupe.buffer.size=33554432
log.retention.hours=-1
PROPS
  cat >"$node_dir/log4j.properties" <<PROPS
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$node_dir/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
PROPS
}

start_node() {  # start_node DIR N
  local node_dir="$1/node-$2"
  : >"$node_dir/server.log"
  # setsid: the node outlives this script and a terminal's hang-up; its pid is java's own.
  setsid java -Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$node_dir/log4j.properties" -Dkafka.logs.dir="$node_dir" \
    -cp "$lib/*" kafka.Kafka "$node_dir/server.properties" >"$node_dir/stdout.log" 2>&1 </dev/null &
  echo $! >"$node_dir/pid"
}

wait_ready() {  # wait_ready DIR N; 3 when the node found a port taken
  local node_dir="$1/node-$2" deadline=$(( SECONDS + ${DUBAN_KAFKA_START_SECONDS:-180} ))
  until grep -q "Kafka Server started" "$node_dir/server.log" 2>/dev/null; do
    if ! kill -0 "$(cat "$node_dir/pid")" 2>/dev/null; then
      if grep -qs "Address already in use" "$node_dir/stdout.log" "$node_dir/server.log"; then return 3; fi
      tail -n 30 "$node_dir/stdout.log" "$node_dir/server.log" >&2 || true
      die "node $2 exited while starting (logs in $node_dir)"
    fi
    [ $SECONDS -lt $deadline ] || die "node $2 not ready after ${DUBAN_KAFKA_START_SECONDS:-180} s (logs in $node_dir)"
    sleep 0.5
  done
}

start() {
  local dir=$1 nodes=$2
  [ "$nodes" = 1 ] || [ "$nodes" = 3 ] || die "--nodes is 1 or 3"
  need java "Debian's openjdk-17-jre-headless"
  fetch
  if [ -d "$dir" ] && ls "$dir"/node-*/pid >/dev/null 2>&1; then
    for p in "$dir"/node-*/pid; do
      kill -0 "$(cat "$p")" 2>/dev/null && die "a broker started in $dir is still running: stop it first"
    done
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  if [ -n "$owner" ]; then
    # The watcher holds no terminal and outlives this script; it stops with the nodes.
    setsid bash -c "while kill -0 $owner 2>/dev/null; do sleep 1; done; \
      for p in '$dir'/node-*/pid; do [ -f \"\$p\" ] && kill -KILL \"\$(cat \"\$p\")\" 2>/dev/null; done" \
      </dev/null >/dev/null 2>&1 &
  fi
  # Another program may still bind a chosen port before the node does (a
  # second broker started at the same moment): then fresh ports, twice more.
  local attempt bootstrap rc
  for attempt in 1 2 3; do
    rc=0
    bootstrap=$(start_cluster "$dir" "$nodes") || rc=$?
    if [ "$rc" = 0 ]; then
      echo "$bootstrap" >"$dir/bootstrap"
      echo "$bootstrap"
      return 0
    fi
    stop "$dir"
    [ "$rc" = 3 ] || exit "$rc"
    rm -rf "$dir"/node-*
    echo "broker.sh: a chosen port was taken while the broker started (attempt $attempt); choosing others" >&2
  done
  die "no free ports held long enough for the broker to start, in 3 attempts"
}

start_cluster() {  # start_cluster DIR NODES: prints the bootstrap; 3 when a port was taken
  local dir=$1 nodes=$2
  local voters="" bootstrap="" ports
  read -r -a ports <<<"$(free_ports $((2 * nodes)))"
  for n in $(seq 1 "$nodes"); do
    mkdir -p "$dir/node-$n"
    echo "${ports[$((2 * n - 2))]}" >"$dir/node-$n/port"
    echo "${ports[$((2 * n - 1))]}" >"$dir/node-$n/controller-port"
    voters+="${voters:+,}$n@127.0.0.1:$(cat "$dir/node-$n/controller-port")"
    bootstrap+="${bootstrap:+,}127.0.0.1:$(cat "$dir/node-$n/port")"
  done
  local cluster_id
  cluster_id=$(java_cmd "$dir" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
  for n in $(seq 1 "$nodes"); do
    write_node "$dir" "$n" "$nodes" "$voters"
    java_cmd "$dir/node-$n" kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$dir/node-$n/server.properties" >"$dir/node-$n/format.log" 2>&1 ||
      { cat "$dir/node-$n/format.log" >&2; die "formatting node $n failed"; }
    start_node "$dir" "$n"
  done
  for n in $(seq 1 "$nodes"); do wait_ready "$dir" "$n" || return $?; done
  echo "$bootstrap"
}

stop_node() {  # stop_node DIR N SIGNAL
  local pidfile="$1/node-$2/pid"
  [ -f "$pidfile" ] || return 0
  local pid
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "-$3" "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  # A killed node keeps its pid file, so status names it as stopped.
  [ "$3" = KILL ] || rm -f "$pidfile"
}

stop() {
  local dir=$1
  [ -d "$dir" ] || return 0
  for d in "$dir"/node-*; do
    [ -d "$d" ] && stop_node "$dir" "${d##*/node-}" TERM
  done
  return 0
}

status() {
  local dir=$1 up=0
  for d in "$dir"/node-*; do
    [ -f "$d/pid" ] || continue
    if kill -0 "$(cat "$d/pid")" 2>/dev/null; then
      echo "node ${d##*/node-}: running (pid $(cat "$d/pid"), 127.0.0.1:$(cat "$d/port"))"
      up=$((up + 1))
    else
      echo "node ${d##*/node-}: stopped"
    fi
  done
  [ $up -gt 0 ] || { echo "no broker running in $dir"; return 1; }
}

cmd=${1:-}
[ $# -gt 0 ] && shift
dir="" nodes=1 node="" owner=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --nodes) nodes=$2; shift 2 ;;
    --node) node=$2; shift 2 ;;
    --owner) owner=$2; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
case "$cmd" in
  fetch) fetch ;;
  start) [ -n "$dir" ] || die "start needs --dir DIR"; start "$dir" "$nodes" ;;
  stop) [ -n "$dir" ] || die "stop needs --dir DIR"; stop "$dir" ;;
  status) [ -n "$dir" ] || die "status needs --dir DIR"; status "$dir" ;;
  kill) [ -n "$dir" ] && [ -n "$node" ] || die "kill needs --dir DIR --node N"; stop_node "$dir" "$node" KILL ;;
  restart)
    [ -n "$dir" ] && [ -n "$node" ] || die "restart needs --dir DIR --node N"
    start_node "$dir" "$node"
    wait_ready "$dir" "$node" || die "node $node could not bind its ports again (another program holds one)" ;;
  *) sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; [ -z "$cmd" ] || exit 2 ;;
esac
