#!/usr/bin/python3
"""The compose file (ops/kafka/docker-compose.yml) cannot run on the test
machines (no Docker engine), so this runs what it would run: each duban
service's command line, as written there, against `duban dev-broker` on
loopback (only the broker address and the data paths are swapped for local
ones). It catches a compose file that drifts from the CLI: a renamed flag, a
removed subcommand, an example config the reminder consumer no longer reads.
Usage: ops_compose_commands_test.py PATH/TO/duban PATH/TO/duban-reminders SOURCE_DIR"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import yaml

DUBAN, REMINDERS, SOURCE = sys.argv[1], sys.argv[2], sys.argv[3]
COMPOSE = os.path.join(SOURCE, "ops/kafka/docker-compose.yml")
failures = []


def check(name, cond, detail=""):
    if not cond:
        failures.append(f"{name}: {detail}")


def swap(args, bootstrap, paths):
    """The service's arguments with the in-cluster broker and container paths
    replaced by the dev broker's address and local directories."""
    out = []
    for a in args:
        a = a.replace("kafka:9092", bootstrap)
        for container, local in paths.items():
            if a == container or a.startswith(container + "/"):
                a = local + a[len(container):]
        out.append(a)
    return out


with open(COMPOSE, encoding="utf-8") as f:
    compose = yaml.safe_load(f)
services = compose.get("services", {})
for name in ("kafka", "topics", "engine", "reminders"):
    check("services", name in services, f"no service {name} in {COMPOSE}")
if failures:
    print("\n".join(failures))
    sys.exit(1)

# The reminders service mounts the example config from the compose file's folder.
mounts = {}
for v in services["reminders"].get("volumes", []):
    src, dst = v.split(":")[:2]
    if src.startswith("./"):
        mounts[dst] = os.path.normpath(os.path.join(os.path.dirname(COMPOSE), src))
for dst, src in mounts.items():
    check("reminders volume", os.path.isfile(src), f"{src} (mounted at {dst}) does not exist")
entry = services["reminders"].get("entrypoint", [])
check("reminders entrypoint", entry and os.path.basename(entry[0]) == "duban-reminders",
      f"entrypoint {entry} is not duban-reminders")
with open(os.path.join(SOURCE, "ops/kafka/Dockerfile"), encoding="utf-8") as f:
    dockerfile = f.read()
for path in [entry[0] if entry else "", "duban"]:
    check("Dockerfile", os.path.basename(path) in dockerfile, f"the image does not install {path}")

# The mock cluster has no CreateTopics API (librdkafka 2.0.2): the dev broker
# makes the two topics, with the compose file's partition count, and the
# `topics` one-shot takes its idempotent path (the topics are there as asked).
partitions = "12"
tc = services["topics"]["command"]
if "--partitions" in tc:
    partitions = tc[tc.index("--partitions") + 1]
broker = subprocess.Popen([DUBAN, "dev-broker", "--partitions", partitions], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
try:
    line = broker.stdout.readline()
    m = re.fullmatch(r"(\S+:\d+(?:,\S+:\d+)*)", line.strip())  # its first line: the bootstrap servers
    if not m:
        print(f"dev broker did not start: {line!r} {broker.stderr.read() if broker.poll() is not None else ''}")
        sys.exit(1)
    bootstrap = m.group(1)
    with tempfile.TemporaryDirectory() as tmp:
        paths = {"/var/lib/duban": os.path.join(tmp, "engine"),
                 "/var/lib/duban-reminders": os.path.join(tmp, "reminders"),
                 **mounts}

        # topics: a one-shot that must succeed, and again (it is idempotent).
        args = swap(services["topics"]["command"], bootstrap, paths)
        for attempt in (1, 2):
            p = subprocess.run([DUBAN, *args], capture_output=True, text=True, timeout=120)
            check(f"topics (run {attempt})", p.returncode == 0,
                  f"`duban {' '.join(args)}` exited {p.returncode}: {p.stderr.strip()}")

        # engine: a long-running service; it must start, own partitions and stop cleanly on SIGTERM.
        args = swap(services["engine"]["command"], bootstrap, paths)
        # It has started once it owns partitions: each assigned partition opens
        # its store directory. Waited for, not slept for; the limit only catches a hang.
        # Its output goes to a file: a pipe nobody reads while we wait could fill and block it.
        eng_log_path = os.path.join(tmp, "engine.log")
        eng_log = open(eng_log_path, "w", encoding="utf-8")
        eng = subprocess.Popen([DUBAN, *args], stdout=eng_log, stderr=subprocess.STDOUT, text=True)
        def eng_output():
            with open(eng_log_path, encoding="utf-8", errors="replace") as f:
                return f.read().strip()
        store = paths["/var/lib/duban"]
        deadline = time.monotonic() + 120
        def owns_partitions():
            return os.path.isdir(store) and any(d.startswith("partition-") for d in os.listdir(store))
        while eng.poll() is None and not owns_partitions() and time.monotonic() < deadline:
            time.sleep(0.05)
        check("engine", eng.poll() is None,
              f"`duban {' '.join(args)}` stopped before stopping was asked: {eng_output() if eng.poll() is not None else ''}")
        check("engine store", eng.poll() is not None or owns_partitions(),
              f"no partition store under {store} after 120 s")
        if eng.poll() is None:
            eng.send_signal(signal.SIGTERM)
            try:
                eng.wait(timeout=60)
                check("engine stop", eng.returncode == 0, f"exit {eng.returncode} after SIGTERM: {eng_output()}")
            except subprocess.TimeoutExpired:
                eng.kill()
                check("engine stop", False, "did not stop within 60 s of SIGTERM")
        eng_log.close()

        # reminders: the example config as mounted, with the compose flags. The
        # outbox path in the example is a container path: overridden by a flag,
        # as flags override the file. With nothing on duban.events it goes idle.
        args = swap(services["reminders"]["command"], bootstrap, paths)
        os.makedirs(paths["/var/lib/duban-reminders"], exist_ok=True)
        outbox = os.path.join(paths["/var/lib/duban-reminders"], "outbox.jsonl")
        p = subprocess.run([REMINDERS, *args, "--outbox", outbox, "--exit-when-idle", "--idle-poll-ms", "500"],
                           capture_output=True, text=True, timeout=120)
        check("reminders", p.returncode == 0,
              f"`duban-reminders {' '.join(args)}` exited {p.returncode}: {p.stderr.strip()}")
        # The example's kafka: and reminders: keys are the ones the loader reads.
        with open(mounts.get("/etc/duban/duban.kafka.yaml", ""), encoding="utf-8") as f:
            example = yaml.safe_load(f)
        check("example config", example.get("kafka", {}).get("events_topic") == "duban.events",
              "kafka.events_topic is not duban.events")
        check("example config", "group_id" in example.get("reminders", {}), "reminders.group_id missing")
finally:
    broker.terminate()
    try:
        broker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        broker.kill()

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("compose commands ok: topics create, engine, reminders run as written against the dev broker")
