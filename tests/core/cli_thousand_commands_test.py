#!/usr/bin/python3
"""1,000 real CLI commands (one `duban progress` process each, under
`ulimit -n 256`) leave a bounded number of files in the store and lose no
write; prints the mean time per command over the first and the last 100, so
a reader sees whether it stays flat (a figure, not asserted: speed targets
live in benchmarks, and this machine may be shared). Before the store stopped
flushing per process, 1,000 commands left 2,036 .sst files, each command
slowed from 50 to 120 ms, and under `ulimit -n 1024` every command failed.
Usage: cli_thousand_commands_test.py PATH/TO/duban SOURCE_DIR [COMMANDS]
(ops/cli-thousand.sh runs it on the build)"""
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

DUBAN, SOURCE = sys.argv[1], sys.argv[2]
COMMANDS = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
PLAN = os.path.join(SOURCE, "workflows/plans/shaoguan-2021.txt")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from cli_checks import Checks  # noqa: E402

checks = Checks(DUBAN)
check, run = checks.check, checks.run
UNIT = "市政务服务数据管理局"
FD_LIMIT = 256


def few_fds():
    resource.setrlimit(resource.RLIMIT_NOFILE, (FD_LIMIT, FD_LIMIT))


def count(data):
    names = os.listdir(data)
    return (sum(n.endswith(".sst") for n in names), sum(n.endswith(".log") for n in names), len(names))


with tempfile.TemporaryDirectory() as tmp:
    data = os.path.join(tmp, "store")
    rc, out, err = run(data, "plan", "import", PLAN)
    check("import", rc == 0, out + err)
    rc, out, err = run(data, "accept", "--plan", "shaoguan-2021", "1", "--unit", UNIT)
    check("accept", rc == 0, out + err)
    most = [0, 0, 0]
    times = []
    failed = 0
    for i in range(COMMANDS):
        t0 = time.monotonic()
        p = subprocess.run([DUBAN, "--data", data, "--as", UNIT, "progress", "--plan", "shaoguan-2021", "1", "--unit", UNIT,
                            "--percent", str(i * 100 // COMMANDS), "--text", f"进展 {i}"],
                           capture_output=True, text=True, preexec_fn=few_fds)
        times.append(time.monotonic() - t0)
        if p.returncode != 0:
            failed += 1
            if failed <= 3:
                check(f"command {i} under ulimit -n {FD_LIMIT}", False, p.stderr)
        most = [max(a, b) for a, b in zip(most, count(data))]
    end = count(data)
    n = min(100, COMMANDS)
    first, last = sum(times[:n]) / n * 1000, sum(times[-n:]) / n * 1000
    print(f"{COMMANDS} CLI commands: at most {most[0]} .sst, {most[1]} WAL, {most[2]} files in all "
          f"(at the end {end[0]}, {end[1]}, {end[2]}); mean per command {first:.1f} ms over the first {n}, "
          f"{last:.1f} ms over the last {n} (ratio {last / first:.2f})")
    check("every command succeeded", failed == 0, f"{failed} failed")
    # As tests/core/store_files_test.cc: 13 column families with at most 8
    # small files each before they are merged, plus at most 8 live WALs.
    check("a bounded number of .sst files", most[0] <= 60, most)
    check("a bounded number of WAL files", most[1] <= 10, most)
    check("a bounded number of files", most[2] <= 80, most)
    rc, out, err = run(data, "--json", "history", "--plan", "shaoguan-2021", "1")
    reports = sum(e.get("type") == "ProgressReported" for e in json.loads(out)) if rc == 0 else -1
    check("no write was lost", reports == COMMANDS, f"{reports} progress reports for {COMMANDS} commands")
    rc, out, err = run(data, "verify")
    check("the store verifies", rc == 0, out + err)

checks.finish("1,000 CLI commands: all checks passed")
