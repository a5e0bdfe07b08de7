#!/usr/bin/python3
"""The office's tools (issue 20) through the CLI, on a fresh real store, on the
machine's date, as a clerk and as a hostile unit would use them:
- a unit's account is refused every office tool (forbidden_role), and nothing
  of the plan changes;
- `set-deadline` gives a task that names no date one (its assignment's timers
  armed), changes one assignment's date, refuses a past, impossible or
  unchanged date, an unknown task or unit; `history` shows old -> new;
- a unit returns its share; `queue returns` lists it; `accept-return --to` a
  unit already on the task merges it; `cancel-assignment` drops one;
- `note` records an instruction and a comment, shown in `history`;
- `queue silent --on` a day two weeks on names the assignments nobody signed;
- `verify` ok and `rebuild` gives the same digest twice.
Usage: cli_office_tools_test.py PATH/TO/duban"""
import datetime
import json
import os
import sys
import tempfile

DUBAN = sys.argv[1]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from cli_checks import Checks, ensure_account  # noqa: E402

checks = Checks(DUBAN)
check, run = checks.check, checks.run

CST = datetime.timezone(datetime.timedelta(hours=8))
today = datetime.datetime.now(CST).date()
due = today + datetime.timedelta(days=40)
PLAN = (f"韶关市{today.year}年政务公开工作要点分工方案\n"
        "序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
        f"1\t推进决策公开\t市财政局\t市教育局\t{due.year}年{due.month}月{due.day}日前\n"
        "2\t做好政策解读\t市公安局\t\t持续推进\n")

with tempfile.TemporaryDirectory() as tmp:
    data = os.path.join(tmp, "store")
    plan_file = os.path.join(tmp, "plan-ot.tsv")
    with open(plan_file, "w", encoding="utf-8") as f:
        f.write(PLAN)
    rc, out, err = run(data, "init")
    check("init a real store", rc == 0, out + err)
    rc, out, err = run(data, "plan", "import", plan_file, "--id", "ot")
    check("plan import", rc == 0, out + err)
    ensure_account(DUBAN, data, "office", ["--role", "office"])
    ensure_account(DUBAN, data, "市教育局", ["--unit", "市教育局"])
    office = ["--as", "office"]
    unit = ["--as", "市教育局"]

    new_due = (today + datetime.timedelta(days=30)).isoformat()
    before = run(data, "--json", "status", "--plan", "ot")[1]
    for args in (["set-deadline", "--plan", "ot", "2", "--due", new_due, "--reason", "自定"],
                 ["set-deadline", "--plan", "ot", "1", "--unit", "市教育局", "--due", new_due, "--reason", "自定"],
                 ["cancel-assignment", "--plan", "ot", "1", "--unit", "市教育局", "--reason", "不想做"],
                 ["accept-return", "--plan", "ot", "1", "--unit", "市教育局", "--drop", "--reason", "同意"],
                 ["note", "--plan", "ot", "1", "--kind", "instruction", "--text", "冒充领导批示"]):
        rc, out, err = run(data, *unit, *args)
        check(f"a unit's account is refused {args[0]}", rc == 1 and "rejected (forbidden_role)" in err
              and "only the office" in err, f"{rc} {out} {err}")
    check("the refusals changed nothing", run(data, "--json", "status", "--plan", "ot")[1] == before, "")

    # Task 2 (持续推进) names no date: the office sets one.
    rc, out, err = run(data, *office, "set-deadline", "--plan", "ot", "2", "--due", new_due,
                       "--reason", "常务会议明确时限")
    check("the office sets a deadline where there was none", rc == 0, out + err)
    rows = json.loads(run(data, "--json", "status", "--plan", "ot")[1])
    task2 = [r for r in rows if r["task"] == 2]  # 公安, and 教育 (the importer carries a blank cell down)
    check("its assignments are due then", task2 and all(r["due_on"] == new_due for r in task2), str(task2))
    rc, out, err = run(data, "history", "--plan", "ot", "2")
    check("history shows none -> the new date and the reason",
          f"deadline none -> {new_due}" in out and "常务会议明确时限" in out, out + err)

    for args, code, why in (
            (["--due", (today - datetime.timedelta(days=1)).isoformat()], "invalid_argument", "a past date"),
            (["--due", f"{today.year}-02-30"], "invalid_argument", "an impossible date"),
            (["--due", new_due], "invalid_argument", "the date already set")):
        rc, out, err = run(data, *office, "set-deadline", "--plan", "ot", "2", *args, "--reason", "再议")
        check(f"set-deadline refuses {why}", rc == 1 and f"rejected ({code})" in err, f"{rc} {out} {err}")
    rc, out, err = run(data, *office, "set-deadline", "--plan", "ot", "99", "--due", new_due, "--reason", "x y")
    check("set-deadline refuses an unknown task", rc == 1 and "rejected (task_not_found)" in err, err)
    rc, out, err = run(data, *office, "set-deadline", "--plan", "ot", "1", "--unit", "市外单位", "--due", new_due,
                       "--reason", "x y")
    check("set-deadline refuses a unit not on the task", rc == 1 and "rejected (assignment_not_found)" in err, err)
    rc, out, err = run(data, *office, "set-deadline", "--plan", "ot", "1", "--unit", "市财政局", "--due", new_due,
                       "--reason", "牵头单位先行")
    check("the office moves one assignment's date", rc == 0, out + err)

    # A return, its queue, and the office moving it onto the lead (merged).
    rc, out, err = run(data, *unit, "return", "--plan", "ot", "1", "--unit", "市教育局", "--reason", "应由牵头单位统筹")
    check("the unit returns its share", rc == 0, out + err)
    rc, out, err = run(data, "queue", "returns")
    check("queue returns lists it with its reason", rc == 0 and "市教育局" in out and "应由牵头单位统筹" in out
          and "1 waiting" in out, out + err)
    rc, out, err = run(data, *office, "accept-return", "--plan", "ot", "1", "--unit", "市教育局", "--reason", "并入")
    check("accept-return needs --to or --drop", rc == 2 and "--drop" in err, f"{rc} {err}")
    rc, out, err = run(data, *office, "--json", "accept-return", "--plan", "ot", "1", "--unit", "市教育局",
                       "--to", "市财政局", "--reason", "并入牵头单位")
    events = json.loads(out).get("events", []) if rc == 0 else []
    check("accept-return onto the lead merges", [e["type"] for e in events] == ["AssignmentMerged"], out + err)
    check("the returns queue is empty now", "0 waiting" in run(data, "queue", "returns", "--plan", "ot")[1], "")

    rc, out, err = run(data, *office, "note", "--plan", "ot", "1", "--kind", "instruction",
                       "--text", "请抓紧推进。——张副市长")
    check("an instruction on the task", rc == 0, out + err)
    rc, out, err = run(data, *office, "note", "--plan", "ot", "1", "--unit", "市财政局", "--text", "请补充佐证材料")
    check("a comment on an assignment", rc == 0, out + err)
    rc, out, err = run(data, "history", "--plan", "ot", "1")
    check("history shows the merge and both notes", "AssignmentMerged" in out and "张副市长" in out
          and "kind=comment" in out, out + err)

    # assign: --lead makes the unit lead; --as after the subcommand is still who acts.
    rc, out, err = run(data, "assign", "--plan", "ot", "2", "--unit", "市财政局", "--lead", "--as", "office")
    check("assign --lead, the account named after the subcommand", rc == 0, out + err)
    rows = json.loads(run(data, "--json", "status", "--plan", "ot")[1])
    check("市财政局 leads task 2", [(r["unit"], r["role"]) for r in rows if r["task"] == 2 and r["unit"] == "市财政局"]
          == [("市财政局", "lead")], str(rows))

    later = (today + datetime.timedelta(days=21)).isoformat()
    rc, out, err = run(data, "--json", "queue", "silent", "--on", later)
    silent = json.loads(out) if rc == 0 else []
    check("three weeks on, the assignments nobody signed are silent",
          sorted((r["task"], r["unit"]) for r in silent)
          == [(1, "市财政局"), (2, "市公安局"), (2, "市教育局"), (2, "市财政局")], out + err)
    rc, out, err = run(data, "queue", "unheard-of")
    check("an unknown queue is a usage error", rc == 2, f"{rc} {err}")

    rc, out, err = run(data, *office, "cancel-assignment", "--plan", "ot", "2", "--unit", "市公安局",
                       "--reason", "职能划转")
    check("the office cancels the lead's assignment of task 2", rc == 0, out + err)
    rows = json.loads(run(data, "--json", "status", "--plan", "ot")[1])
    check("it alone is cancelled", sorted((r["unit"], r["status"]) for r in rows if r["task"] == 2)
          == [("市公安局", "cancelled"), ("市教育局", "assigned"), ("市财政局", "assigned")], str(rows))

    rc, out, err = run(data, "verify")
    check("verify ok", rc == 0 and "verify: ok" in out, out + err)
    rc, out, err = run(data, "--json", "rebuild")
    first = json.loads(out).get("projection_digest") if rc == 0 else None
    rc, out, err = run(data, "--json", "rebuild")
    second = json.loads(out).get("projection_digest") if rc == 0 else None
    check("rebuild is deterministic", first is not None and first == second, out + err)

checks.finish("office tools: units refused, deadlines set and shown, returns merged, notes, queues, verify ok")
