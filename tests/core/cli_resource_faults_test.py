#!/usr/bin/python3
"""Bad luck from the machine, with the real CLI on real file systems: a full
disk (a small tmpfs filled up), a read-only mount, and too few file
descriptors (`ulimit -n`). Each row: the command that meets it exits with a
plain-words message (never an abort, rc 134), leaves no scratch store, and
loses nothing: once the fault is gone the same command works and the store
verifies with every earlier write in it. Mounting needs root (CAP_SYS_ADMIN):
without it the mount rows are skipped and say so (exit 77 if nothing ran).
Usage: cli_resource_faults_test.py PATH/TO/duban SOURCE_DIR"""
import json
import os
import resource
import subprocess
import sys
import tempfile

DUBAN, SOURCE = sys.argv[1], sys.argv[2]
PLAN = os.path.join(SOURCE, "workflows/plans/shaoguan-2021.txt")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from cli_checks import Checks  # noqa: E402

checks = Checks(DUBAN)
check, run = checks.check, checks.run
UNIT = "市政务服务数据管理局"
ran = []


def progress(data, n, preexec=None):
    p = subprocess.run([DUBAN, "--data", data, "--as", UNIT, "progress", "--plan", "shaoguan-2021", "1", "--unit", UNIT,
                        "--percent", str(n), "--text", f"进展 {n}", "--command-id", f"progress-{n}"],
                       capture_output=True, text=True, preexec_fn=preexec)
    return p.returncode, p.stdout, p.stderr


def report_count(data):
    rc, out, err = run(data, "--json", "history", "--plan", "shaoguan-2021", "1")
    return sum(e.get("type") == "ProgressReported" for e in json.loads(out)) if rc == 0 else -1


def scratch_left(data):
    return [n for n in os.listdir(data) if n.startswith("verify-scratch")]


def new_store(data):
    rc, out, err = run(data, "plan", "import", PLAN)
    check("import", rc == 0, out + err)
    rc, out, err = run(data, "accept", "--plan", "shaoguan-2021", "1", "--unit", UNIT)
    check("accept", rc == 0, out + err)
    rc, out, err = progress(data, 1)
    check("first progress report", rc == 0, out + err)


def mount(point, *opts):
    return subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(opts), "tmpfs", point],
                           capture_output=True, text=True)


def row(name, rc, err, *words):
    ok = rc not in (0, 134, -6) and all(w in err for w in words) and "Traceback" not in err
    print(f"{name:<28} rc {rc}: {err.strip().splitlines()[-1] if err.strip() else '(no message)'}")
    check(name, ok, f"rc {rc}: {err}")


with tempfile.TemporaryDirectory() as tmp:
    point = os.path.join(tmp, "disk")
    os.makedirs(point)
    m = mount(point, "size=96m")
    if m.returncode != 0:
        print(f"SKIP disk-full and read-only rows: cannot mount a tmpfs here ({m.stderr.strip()})")
    else:
        try:
            # --- disk full ------------------------------------------------
            data = os.path.join(point, "store")
            new_store(data)
            before = report_count(data)
            filler = os.path.join(point, "filler")
            with open(filler, "wb") as f:
                try:
                    while True:
                        f.write(b"\0" * (1 << 20))
                        f.flush()
                except OSError:
                    pass
            # the last few KiB too
            try:
                with open(filler, "ab") as f:
                    while True:
                        f.write(b"\0" * 512)
                        f.flush()
            except OSError:
                pass
            ran.append("disk-full")
            rc, out, err = progress(data, 2)
            row("disk-full: progress", rc, err, "space")
            rc, out, err = run(data, "verify")
            row("disk-full: verify", rc, err, "space")
            check("disk-full: verify leaves no scratch store", not scratch_left(data), scratch_left(data))
            rc, out, err = run(data, "status")
            check("disk-full: status still reads", rc == 0, f"rc {rc}: {err}")
            os.remove(filler)
            rc, out, err = progress(data, 2)
            check("disk-full: the same command works once space returns", rc == 0, f"rc {rc}: {out}{err}")
            check("disk-full: nothing lost, nothing doubled", report_count(data) == before + 1,
                  f"{report_count(data)} reports, {before} before")
            rc, out, err = run(data, "verify")
            check("disk-full: the store verifies", rc == 0, out + err)

            # --- read-only mount -----------------------------------------
            r = subprocess.run(["mount", "-o", "remount,ro", point], capture_output=True, text=True)
            check("remount read-only", r.returncode == 0, r.stderr)
            if r.returncode == 0:
                ran.append("read-only")
                before = report_count(data)
                check("read-only: history still reads", before > 0, before)
                rc, out, err = progress(data, 3)
                row("read-only: progress", rc, err, "mounted read-only")
                rc, out, err = run(data, "verify")
                check("read-only: verify works on a read-only copy (its scratch store goes to the temporary "
                      "directory)", rc == 0, f"rc {rc}: {out}{err}")
                rc, out, err = run(data, "status")
                check("read-only: status still reads", rc == 0, f"rc {rc}: {err}")
                subprocess.run(["mount", "-o", "remount,rw", point], check=True)
                rc, out, err = progress(data, 3)
                check("read-only: the same command works once writable", rc == 0, f"rc {rc}: {out}{err}")
                check("read-only: nothing lost", report_count(data) == before + 1,
                      f"{report_count(data)} reports, {before} before")
                rc, out, err = run(data, "verify")
                check("read-only: the store verifies", rc == 0, out + err)
        finally:
            subprocess.run(["umount", "-l", point])

    # --- too few file descriptors ---------------------------------------------
    data = os.path.join(tmp, "fd-store")
    new_store(data)
    before = report_count(data)

    def few_fds():
        resource.setrlimit(resource.RLIMIT_NOFILE, (8, 8))

    ran.append("fd-limit")
    rc, out, err = progress(data, 4, few_fds)
    row("fd-limit (ulimit -n 8): progress", rc, err, "may not open enough files", "ulimit -n is 8")
    rc, out, err = progress(data, 4)
    check("fd-limit: the same command works with the usual limit", rc == 0, f"rc {rc}: {out}{err}")
    check("fd-limit: nothing lost, nothing doubled", report_count(data) == before + 1,
          f"{report_count(data)} reports, {before} before")
    rc, out, err = run(data, "verify")
    check("fd-limit: the store verifies", rc == 0, out + err)

checks.finish(f"resource faults ({', '.join(ran)}): all checks passed")
