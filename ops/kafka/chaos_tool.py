#!/usr/bin/python3
"""Helper of ops/kafka/chaos.sh (Debian's python3, standard library only).

  chaos_tool.py load  --duban BIN --bootstrap B --dir D --plans F... [--workers 2]
      Imports each plan file (plan ids chaos-0, chaos-1, ...), then submits
      accept / progress commands for random assignments through
      `duban --json submit-kafka`, until D/stop exists. Every command whose
      outcome came back (accepted or rejected) is appended to D/acked.jsonl as
      {"command_id", "events": n}; one that timed out to D/unacked.jsonl.

  chaos_tool.py hook --dir D
      A webhook receiver on a free loopback port (written to D/hook.port):
      answers 200 to every POST and appends its Idempotency-Key to D/hook.log.

  chaos_tool.py check --duban BIN --bootstrap B --dir D [--final]
      Reads duban.events (read_committed, kcat | duban decode --json) and
      D/acked.jsonl, D/outbox.jsonl, D/hook.log and prints one line of counts:
      commands= events= duplicates= missing= wrong= conflicts= reminder_events=
      reminders= webhook_posts= webhook_redelivered= reminders_twice=
      reminders_missing= (reminders: notifications in the outbox; twice: ids
      found twice in the outbox; webhook_redelivered: Idempotency-Keys POSTed
      more than once; missing: reminder events with no notification in the
      outbox). Exit 1 when any
      duplicate, missing, wrong or conflict is found, or a notification was
      delivered twice, or (--final) a reminder event has no notification.
"""
import argparse
import collections
import json
import os
import random
import subprocess
import sys
import threading
import time

REMINDER_TYPES = {"DeadlineApproaching", "DeadlineMissed", "EscalationRaised", "ProgressReportRequested",
                  "CompletionRejected", "ReportOverdue"}


def submit(duban, bootstrap, args, timeout_ms=20000):
    cmd = [duban, "--json", "submit-kafka", "--bootstrap", bootstrap, "--timeout-ms", str(timeout_ms)] + args
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_ms / 1000 + 30)
    except subprocess.TimeoutExpired:
        return None
    for line in p.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                pass
    return None


def load(a):
    out = open(os.path.join(a.dir, "acked.jsonl"), "a", buffering=1)
    lost = open(os.path.join(a.dir, "unacked.jsonl"), "a", buffering=1)
    lock = threading.Lock()
    assignments = []  # (plan, task, unit, accepted)

    def record(res, what):
        with lock:
            if res is None or "command_id" not in res:
                lost.write(json.dumps({"what": what}) + "\n")
                return None
            n = len(res.get("events", [])) if res.get("outcome") == "accepted" else 1
            if res.get("duplicate"):
                n = None  # same id seen before: its first outcome counts
            out.write(json.dumps({"command_id": res["command_id"], "events": n, "outcome": res.get("outcome")}) + "\n")
            return res

    for i, f in enumerate(a.plans):
        plan = "chaos-%d" % i
        res = None
        while res is None and not os.path.exists(os.path.join(a.dir, "stop")):
            res = record(submit(a.duban, a.bootstrap, ["--kind", "import", "--file", f, "--plan", plan,
                                                       "--id", "chaos-import-%d" % i]), "import " + plan)
        if res is None:
            break
        for ev in res.get("events", []):
            if ev.get("type") == "AssignmentCreated":
                b = ev.get("body", {})
                if b.get("task") and b.get("unit"):
                    assignments.append([plan, int(b["task"]), b["unit"], False])
    if not assignments:
        print("chaos load: no assignments imported", file=sys.stderr)
        return 1
    rnd = random.Random(a.seed)
    counter = [0]

    def worker(w):
        while not os.path.exists(os.path.join(a.dir, "stop")):
            with lock:
                asg = rnd.choice(assignments)
                counter[0] += 1
                n = counter[0]
            plan, task, unit, accepted = asg
            kind = "progress" if accepted else "accept"
            args = ["--kind", kind, "--plan", plan, "--task", str(task), "--unit", unit,
                    "--id", "chaos-%d-%d" % (w, n)]
            if kind == "progress":
                args += ["--percent", str(n % 100), "--text", "进展%d" % n]
            res = record(submit(a.duban, a.bootstrap, args), " ".join(args))
            if res is not None and kind == "accept":
                asg[3] = True

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(a.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return 0


def read_events(duban, bootstrap):
    kcat = subprocess.Popen(["kcat", "-b", bootstrap, "-C", "-t", "duban.events", "-o", "beginning", "-e", "-q",
                             "-X", "isolation.level=read_committed", "-f", "%R%s"], stdout=subprocess.PIPE)
    dec = subprocess.run([duban, "decode", "--json"], stdin=kcat.stdout, capture_output=True, text=True)
    kcat.wait()
    if kcat.returncode != 0 or dec.returncode != 0:
        raise RuntimeError("kcat | duban decode failed: %s" % dec.stderr[-500:])
    return [json.loads(l) for l in dec.stdout.splitlines() if l.startswith("{")]


def check(a):
    # Acknowledged commands first: each must then be in what is read after.
    acked = {}
    path = os.path.join(a.dir, "acked.jsonl")
    if os.path.exists(path):
        for line in open(path):
            r = json.loads(line)
            if r["events"] is not None:
                acked.setdefault(r["command_id"], r["events"])
    events = read_events(a.duban, a.bootstrap)
    seen = {}
    duplicates = conflicts = 0
    per_command = collections.Counter()
    reminder_events = set()
    for e in events:
        prev = seen.get(e["event_id"])
        if prev is not None:
            duplicates += 1
            if prev != e["hash"]:
                conflicts += 1
            continue
        seen[e["event_id"]] = e["hash"]
        per_command[e["command_id"]] += 1
        if e["type"] in REMINDER_TYPES:
            reminder_events.add(e["event_id"])
    missing = sum(1 for c in acked if per_command[c] == 0)
    wrong = sum(1 for c, n in acked.items() if per_command[c] not in (0, n))
    notes = collections.Counter()
    path = os.path.join(a.dir, "outbox.jsonl")
    if os.path.exists(path):
        for line in open(path):
            try:
                notes[json.loads(line)["notification_id"]] += 1
            except (ValueError, KeyError):
                pass
    posts = collections.Counter()
    path = os.path.join(a.dir, "hook.log")
    if os.path.exists(path):
        for line in open(path):
            posts[line.strip()] += 1
    # The outbox is an exactly-once sink: an id there twice is a failure. The
    # webhook is at-least-once with a stable Idempotency-Key (a crash after its
    # 2xx and before delivered.log is fsynced sends it again, as
    # consumers/README.md says): counted, for a receiver to dedupe.
    twice = sum(1 for n in notes.values() if n > 1)
    redelivered = sum(1 for n in posts.values() if n > 1)
    noted_events = {nid.split(":", 1)[0] for nid in notes}
    reminders_missing = len(reminder_events - noted_events)
    print("commands=%d events=%d duplicates=%d missing=%d wrong=%d conflicts=%d reminder_events=%d reminders=%d "
          "webhook_posts=%d webhook_redelivered=%d reminders_twice=%d reminders_missing=%d"
          % (len(acked), len(seen), duplicates, missing, wrong, conflicts, len(reminder_events), len(notes),
             sum(posts.values()), redelivered, twice, reminders_missing))
    bad = duplicates or missing or wrong or conflicts or twice or (a.final and reminders_missing)
    return 1 if bad else 0


def hook(a):
    import http.server
    log = open(os.path.join(a.dir, "hook.log"), "a", buffering=1)
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            self.rfile.read(n)
            with lock:
                log.write(self.headers.get("Idempotency-Key", "") + "\n")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(os.path.join(a.dir, "hook.port.tmp"), "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(os.path.join(a.dir, "hook.port.tmp"), os.path.join(a.dir, "hook.port"))
    srv.serve_forever()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["load", "check", "hook"])
    ap.add_argument("--duban")
    ap.add_argument("--bootstrap")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--plans", nargs="*", default=[])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--final", action="store_true")
    a = ap.parse_args()
    if a.mode == "hook":
        return hook(a)
    return load(a) if a.mode == "load" else check(a)


if __name__ == "__main__":
    sys.exit(main())
