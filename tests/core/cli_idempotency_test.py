#!/usr/bin/python3
"""Honest idempotency through the CLI: a --command-id repeated for the same
command is "already done" (exit 0, nothing written); the same id for another
command or by another actor is a conflict (exit 3, "conflict: ...", JSON
outcome "conflict"), and nothing is written; an auditor's refused import does
not block the office's import of the same file (derived ids differ by actor).
Usage: cli_idempotency_test.py PATH/TO/duban SOURCE_DIR"""
import json
import os
import sys
import tempfile

DUBAN, SOURCE = sys.argv[1], sys.argv[2]
PLAN = os.path.join(SOURCE, "workflows/plans/shaoguan-2021.txt")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from cli_checks import Checks, ensure_account  # noqa: E402

checks = Checks(DUBAN)
check, run = checks.check, checks.run
UNIT = "市政务服务数据管理局"


def log_of(data):
    rc, out, err = run(data, "--json", "log")
    return out if rc == 0 else f"rc {rc}: {err}"


with tempfile.TemporaryDirectory() as tmp:
    data = os.path.join(tmp, "store")
    ensure_account(DUBAN, data, "审计组", ["--role", "auditor"])
    rc, out, err = run(data, "--as", "审计组", "plan", "import", PLAN)
    check("an auditor's import is refused", rc == 1 and "forbidden_role" in err, f"rc {rc}: {out}{err}")
    rc, out, err = run(data, "plan", "import", PLAN)
    check("... and does not block the office's import of the same file", rc == 0, f"rc {rc}: {out}{err}")

    accept = ["accept", "--plan", "shaoguan-2021", "1", "--unit", UNIT, "--command-id", "k1"]
    rc, out, err = run(data, *accept)
    check("accept", rc == 0, f"rc {rc}: {out}{err}")
    ensure_account(DUBAN, data, "市财政局", ["--unit", "市财政局"])  # another unit's account, made before
    before = log_of(data)
    rc, out, err = run(data, *accept)
    check("the same command again is already done", rc == 0 and "already done" in out, f"rc {rc}: {out}{err}")
    progress = ["progress", "--plan", "shaoguan-2021", "1", "--unit", UNIT, "--percent", "10", "--text", "开始",
                "--command-id", "k1"]
    rc, out, err = run(data, *progress)
    check("the same id for another command is a conflict (exit 3)",
          rc == 3 and err.startswith("conflict:") and "already done" not in out, f"rc {rc}: {out}{err}")
    rc, out, err = run(data, "--json", *progress)
    j = json.loads(out) if out.strip() else {}
    check("JSON says conflict", rc == 3 and j.get("outcome") == "conflict", f"rc {rc}: {out}{err}")
    rc, out, err = run(data, "--as", "市财政局", *accept)
    check("the same id by another actor is a conflict", rc == 3 and "conflict" in err, f"rc {rc}: {out}{err}")
    check("nothing was written by the conflicts", log_of(data) == before, "log changed")

checks.finish("idempotency through the CLI: all checks passed")
