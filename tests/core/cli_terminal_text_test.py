#!/usr/bin/python3
"""Stored text with control characters (ESC, CR, BEL, a C1 CSI) and a bidi
override (U+202E) is shown escaped in the CLI's human output (history, log,
a rejection's message) and kept, JSON-escaped, in --json output.
Usage: cli_terminal_text_test.py PATH/TO/duban SOURCE_DIR"""
import json
import os
import sys
import tempfile

DUBAN, SOURCE = sys.argv[1], sys.argv[2]
PLAN = os.path.join(SOURCE, "workflows/plans/shaoguan-2021.txt")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from cli_checks import Checks  # noqa: E402

checks = Checks(DUBAN)
check, run = checks.check, checks.run
UNIT = "市政务服务数据管理局"
NASTY = "ok\x1b[2J\x1b[31mRED\rover\x07\u009b1m\u202etxt.exe"
ESCAPED = "ok\\x1b[2J\\x1b[31mRED\\rover\\x07\\u009b1m\\u202etxt.exe"
RAW = ["\x1b", "\r", "\x07", "\u009b", "\u202e"]


def clean(text):
    return not any(c in text for c in RAW)


with tempfile.TemporaryDirectory() as tmp:
    data = os.path.join(tmp, "store")
    rc, out, err = run(data, "plan", "import", PLAN)
    check("import", rc == 0, out + err)
    rc, out, err = run(data, "accept", "--plan", "shaoguan-2021", "1", "--unit", UNIT)
    check("accept", rc == 0, out + err)
    rc, out, err = run(data, "progress", "--plan", "shaoguan-2021", "1", "--unit", UNIT, "--percent", "10",
                       "--text", NASTY)
    check("progress with control characters is stored", rc == 0, f"rc {rc}: {err}")
    check("... and its echo is escaped", clean(out) and ESCAPED in out, repr(out))
    for args in (["history", "--plan", "shaoguan-2021", "1"], ["log"]):
        rc, out, err = run(data, *args)
        check(f"{args[0]}: no raw control character", rc == 0 and clean(out), repr(out[-400:]))
        check(f"{args[0]}: the text shown escaped", ESCAPED in out, repr(out[-400:]))
    rc, out, err = run(data, "--json", "history", "--plan", "shaoguan-2021", "1")
    # JSON escapes what it must (C0: \u001b, \r, \u0007); other characters travel as UTF-8.
    check("--json history: no raw C0 character on the wire", rc == 0 and not any(c in out for c in RAW[:3]),
          repr(out[-400:]))
    events = json.loads(out) if rc == 0 else []
    check("--json history keeps the text exactly",
          any(e.get("body", {}).get("text") == NASTY for e in events), repr(out[-400:]))
    rc, out, err = run(data, "accept", "--plan", "shaoguan-2021", "1", "--unit", "市\u202e局")
    check("a rejection naming a unit with a bidi override is escaped", rc != 0 and clean(err) and "\\u202e" in err,
          repr(err))

    # A plan file whose name and text carry them: the dry-run preview is
    # escaped, and the plan id taken from the file name keeps none of them.
    with open(PLAN, encoding="utf-8") as f:
        text = f.read()
    nasty_plan = os.path.join(tmp, "计划\u202etxt.exe\x1b[2J.txt")
    first_task = text.index("1.")
    with open(nasty_plan, "w", encoding="utf-8") as f:
        f.write(text[:first_task + 2] + "\x1b[2J\u202e" + text[first_task + 2:])
    rc, out, err = run(data, "plan", "import", nasty_plan, "--dry-run")
    check("dry-run preview: no raw control character", rc == 0 and clean(out) and clean(err), repr(out[:400]))
    # (the parser drops the ESC and the bidi override itself: nothing in a
    # plan's text may turn a line of a page around)
    check("dry-run preview: the text read without them", "[2J县级" in out and "u202e" not in out, repr(out[:600]))
    rc, out, err = run(data, "plan", "import", nasty_plan)
    check("import of the file", rc == 0, f"rc {rc}: {out}{err}")
    rc, out, err = run(data, "--json", "plans")
    ids = [p.get("plan_id", p.get("id", "")) for p in json.loads(out)] if rc == 0 else []
    check("a plan id from a file name holds no control or bidi character",
          rc == 0 and any(i.startswith("计划_txt.exe_[2J") for i in ids) and all(clean(i) for i in ids), ids)
    rc, out, err = run(data, "history", "--plan", "x\u202ey", "1")
    check("'no history' names the plan escaped", rc != 0 and clean(err) and "\\u202e" in err, repr(err))

checks.finish("terminal text: all checks passed")
