#!/usr/bin/python3
"""Delegation (多级下发, issue 20) through the CLI, on a real store with
accounts and today's clock, with next year's plan for 韶关 (the shipped unit
directory puts 新韶镇政府 under 浈江区政府 and 新韶镇党政办 under it):
- a unit that signed for its task delegates it to its sub-unit, due no later
  than its own; a unit not below it, a date after its own, and a unit's
  account acting for another are refused with their reasons;
- the tree grows to the third level; the unit in the middle cannot submit
  while its child is open; another unit cannot review the child; the tree is
  reviewed bottom-up, each level by the unit that delegated it, and the
  office approves the top;
- history shows the delegations; `verify` ok, before and after a `rebuild`.
Usage: cli_delegation_test.py PATH/TO/duban"""
import json
import os
import sys
import tempfile

DUBAN = sys.argv[1]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from cli_checks import Checks, ensure_account  # noqa: E402

checks = Checks(DUBAN)
check, run = checks.check, checks.run

PLAN = ("韶关市2027年政务公开工作要点分工方案\n"
        "序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
        "1\t推进基层政务公开标准化规范化\t浈江区政府\t\t2027年6月30日前\n"
        "2\t做好政策解读\t武江区政府\t\t2027年6月30日前\n")

TOWN, TOWN_OFFICE, DISTRICT = "新韶镇政府", "新韶镇党政办", "浈江区政府"


def history(data, plan, task):
    rc, out, err = run(data, "--json", "history", "--plan", plan, str(task))
    if rc != 0:
        return []
    rows = json.loads(out)
    return rows if isinstance(rows, list) else rows.get("events", [])


with tempfile.TemporaryDirectory() as tmp:
    plan_file = os.path.join(tmp, "plan-2027.tsv")
    with open(plan_file, "w", encoding="utf-8") as f:
        f.write(PLAN)
    data = os.path.join(tmp, "store")
    rc, out, err = run(data, "init")
    check("init a real store", rc == 0, out + err)
    rc, out, err = run(data, "plan", "import", plan_file, "--id", "sg27")
    check("import next year's plan", rc == 0, out + err)
    ensure_account(DUBAN, data, "office", ["--role", "office"])
    for unit in (DISTRICT, TOWN, TOWN_OFFICE, "武江区政府", "犁市镇政府"):
        ensure_account(DUBAN, data, unit, ["--unit", unit])

    def act(who, *args):
        return run(data, "--as", who, *args)

    rc, out, err = act(DISTRICT, "delegate", "--plan", "sg27", "1", "--unit", DISTRICT, "--to", TOWN)
    check("a unit delegates only what it signed for", rc == 1 and "invalid_transition" in err, out + err)
    rc, out, err = act(DISTRICT, "accept", "--plan", "sg27", "1", "--unit", DISTRICT)
    check("the district signs for task 1", rc == 0, out + err)
    rc, out, err = act(DISTRICT, "delegate", "--plan", "sg27", "1", "--unit", DISTRICT, "--to", "马坝镇政府")
    check("a town of another district is refused", rc == 1 and "not_sub_unit" in err, out + err)
    rc, out, err = act(DISTRICT, "delegate", "--plan", "sg27", "1", "--unit", DISTRICT, "--to", "犁市镇政府",
                       "--due", "2027-07-31")
    check("a date after the district's own is refused", rc == 1 and "no later than" in err, out + err)
    rc, out, err = act("武江区政府", "delegate", "--plan", "sg27", "1", "--unit", DISTRICT, "--to", TOWN)
    check("another unit's account cannot delegate it", rc == 1 and "not_assignee" in err, out + err)
    rc, out, err = act(DISTRICT, "delegate", "--plan", "sg27", "1", "--unit", DISTRICT, "--to", TOWN,
                       "--due", "2027-05-31", "--note", "请新韶镇先行试点")
    check("the district delegates to its town", rc == 0 and "AssignmentDelegated task 1" in out, out + err)

    rc, out, err = act(TOWN, "accept", "--plan", "sg27", "1", "--unit", TOWN)
    check("the town signs for it", rc == 0, out + err)
    rc, out, err = act(TOWN, "delegate", "--plan", "sg27", "1", "--unit", TOWN, "--to", TOWN_OFFICE,
                       "--due", "2027-05-15")
    check("the town delegates to its office: the third level", rc == 0, out + err)
    rc, out, err = act(TOWN_OFFICE, "accept", "--plan", "sg27", "1", "--unit", TOWN_OFFICE)
    check("the town's office signs for it", rc == 0, out + err)

    rc, out, err = act(DISTRICT, "progress", "--plan", "sg27", "1", "--unit", DISTRICT, "--percent", "50",
                       "--text", "已部署")
    check("the district reports progress", rc == 0, out + err)
    rc, out, err = act(DISTRICT, "submit", "--plan", "sg27", "1", "--unit", DISTRICT, "--text", "完成")
    check("the district cannot submit while its town is open",
          rc == 1 and "delegation_open" in err and TOWN in err, out + err)

    rc, out, err = act(TOWN_OFFICE, "progress", "--plan", "sg27", "1", "--unit", TOWN_OFFICE, "--percent", "100",
                       "--text", "目录已梳理")
    rc2, out2, err2 = act(TOWN_OFFICE, "submit", "--plan", "sg27", "1", "--unit", TOWN_OFFICE, "--text", "完成")
    check("the town's office submits", rc == 0 and rc2 == 0, out + err + out2 + err2)
    rc, out, err = act("武江区政府", "approve", "--plan", "sg27", "1", "--unit", TOWN_OFFICE)
    check("a unit that did not delegate it cannot approve it", rc == 1 and "forbidden_role" in err, out + err)
    rc, out, err = act(DISTRICT, "approve", "--plan", "sg27", "1", "--unit", TOWN_OFFICE)
    check("nor can the level above its parent", rc == 1 and "forbidden_role" in err, out + err)
    rc, out, err = act(TOWN, "approve", "--plan", "sg27", "1", "--unit", TOWN_OFFICE, "--comment", "同意")
    check("the town approves its office's work", rc == 0 and "CompletionApproved" in out, out + err)
    rc, out, err = act(TOWN, "progress", "--plan", "sg27", "1", "--unit", TOWN, "--percent", "100", "--text", "试点完成")
    rc2, out2, err2 = act(TOWN, "submit", "--plan", "sg27", "1", "--unit", TOWN, "--text", "完成")
    check("the town submits once its child is done", rc == 0 and rc2 == 0, out + err + out2 + err2)
    rc, out, err = act(DISTRICT, "reject", "--plan", "sg27", "1", "--unit", TOWN, "--reason", "缺少佐证")
    check("the district sends it back", rc == 0 and "CompletionRejected" in out, out + err)
    rc2, out2, err2 = act(TOWN, "submit", "--plan", "sg27", "1", "--unit", TOWN, "--text", "补充佐证后完成")
    rc, out, err = act(DISTRICT, "approve", "--plan", "sg27", "1", "--unit", TOWN)
    check("the town resubmits and the district approves", rc == 0 and rc2 == 0, out + err + out2 + err2)
    rc, out, err = act(DISTRICT, "submit", "--plan", "sg27", "1", "--unit", DISTRICT, "--text", "全区完成")
    check("the district submits now", rc == 0, out + err)
    rc, out, err = act("office", "approve", "--plan", "sg27", "1", "--unit", DISTRICT)
    check("the office approves the top, and the task completes",
          rc == 0 and "TaskCompleted" in out, out + err)

    types = [e.get("type") for e in history(data, "sg27", 1)]
    check("history shows both delegations", types.count("AssignmentDelegated") == 2, types)
    rc, out, err = run(data, "verify")
    check("verify ok", rc == 0 and "verify: ok" in out, out + err)
    rc, out, err = run(data, "rebuild")
    rc2, out2, err2 = run(data, "verify")
    check("after a rebuild verify is still ok", rc == 0 and rc2 == 0 and "verify: ok" in out2, out + err + out2 + err2)

checks.finish("cli_delegation_test: all checks passed")
