#!/usr/bin/python3
"""End-to-end check of `duban plan import` with groups of units: a group a task
names (各县（市、区）政府) is assigned to each of its member units, nested groups
too, a unit named twice is assigned once (as lead first), and --keep-groups
keeps the group as one assignee. A file refused for an unknown unit is
taken when imported again with --accept-unknown-units (the refusal is not
the answer to every later import of that file).
Usage: cli_import_groups_test.py PATH/TO/duban SOURCE_DIR"""
import json
import os
import sys
import tempfile

DUBAN, SOURCE = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from cli_checks import Checks  # noqa: E402

checks = Checks(DUBAN)
check, run, failures = checks.check, checks.run, checks.failures


def assignments(data, plan):
    rc, out, err = run(data, "--json", "status", "--plan", plan)
    if rc != 0:
        failures.append(f"status {plan}: exit {rc}: {err}")
        return {}
    by_task = {}
    for a in json.loads(out):
        by_task.setdefault(a["task"], {})[a["unit"]] = a["role"]
    return by_task


UNITS = """directory: testcity
title: 测试市
match: [测试市]
units:
  - name: 甲局
  - name: 乙局
  - name: 丙县政府
  - name: 丁县政府
groups:
  - name: 各县政府
    members: [丙县政府, 丁县政府]
  - name: 各单位
    members: [各县政府, 甲局, 乙局]
"""
PLAN = """测试市2021年任务分解表
序号,任务内容,牵头单位,责任单位,完成时限
1,建立台账。,甲局,各单位,10月底前
2,清理文件。,各县政府,乙局,全年
"""

with tempfile.TemporaryDirectory() as tmp:
    units = os.path.join(tmp, "units.yaml")
    plan = os.path.join(tmp, "testcity-2021.csv")
    with open(units, "w", encoding="utf-8") as f:
        f.write(UNITS)
    with open(plan, "w", encoding="utf-8") as f:
        f.write(PLAN)

    rc, out, err = run(os.path.join(tmp, "none"), "plan", "import", plan, "--units", units, "--dry-run")
    check("dry run lists the groups and the assignments an import makes",
          rc == 0 and "各单位 (4): 丙县政府、丁县政府、甲局、乙局" in out and "an import would create 7 assignment(s)" in out,
          out + err)
    check("dry run writes nothing", not os.path.exists(os.path.join(tmp, "none", "CURRENT")), "")

    data = os.path.join(tmp, "expanded")
    rc, out, err = run(data, "plan", "import", plan, "--units", units)
    check("import with groups", rc == 0, out + err)
    check("summary names the nested group", "各单位: assigned to each of its 4 member unit(s)" in out, out)
    got = assignments(data, "testcity-2021")
    check("task 1: lead once, the nested group's members responsible",
          got.get(1) == {"甲局": "lead", "乙局": "responsible", "丙县政府": "responsible", "丁县政府": "responsible"},
          got.get(1))
    check("task 2: a group as lead makes each member lead",
          got.get(2) == {"丙县政府": "lead", "丁县政府": "lead", "乙局": "responsible"}, got.get(2))

    data = os.path.join(tmp, "kept")
    rc, out, err = run(data, "plan", "import", plan, "--units", units, "--keep-groups")
    check("import --keep-groups", rc == 0 and "member unit" not in out, out + err)
    got = assignments(data, "testcity-2021")
    check("--keep-groups: the group is one assignee",
          got.get(1) == {"甲局": "lead", "各单位": "responsible"} and
          got.get(2) == {"各县政府": "lead", "乙局": "responsible"}, got)

    # An unknown unit: refused, then taken with --accept-unknown-units, then
    # the same import again is the same command and writes nothing.
    unknown_plan = os.path.join(tmp, "testcity-extra-2021.csv")
    with open(unknown_plan, "w", encoding="utf-8") as f:
        f.write(PLAN.replace("2,清理文件。,各县政府,乙局", "2,清理文件。,各县政府,戊局"))
    data = os.path.join(tmp, "unknown")
    rc, out, err = run(data, "plan", "import", unknown_plan, "--units", units)
    check("an unknown unit is refused", rc == 1 and "unknown_unit" in err and "--accept-unknown-units" in err,
          f"rc {rc}: {out}{err}")
    rc, out, err = run(data, "plan", "import", unknown_plan, "--units", units, "--accept-unknown-units")
    check("--accept-unknown-units after a refusal imports the plan", rc == 0 and "imported plan" in out,
          f"rc {rc}: {out}{err}")
    got = assignments(data, "testcity-extra-2021")
    check("the unknown unit is assigned", got.get(2, {}).get("戊局") == "responsible", got)
    rc, out, err = run(data, "plan", "import", unknown_plan, "--units", units, "--accept-unknown-units")
    check("the same import again writes nothing", rc == 1 and "already imported" in err, f"rc {rc}: {out}{err}")

    # A sub-office in brackets the directory does not list is its office's work: assigned to the office
    # (a review found 甲局（安委办） imported unchecked, no account able to act on it).
    sub_plan = os.path.join(tmp, "testcity-sub-2021.csv")
    with open(sub_plan, "w", encoding="utf-8") as f:
        f.write(PLAN.replace("2,清理文件。,各县政府,乙局", "2,清理文件。,甲局（安委办）,乙局（法规科）、甲局") +
                "3,两个单位。,甲局（乙局）,各县政府（含开发区）,全年\n")
    data = os.path.join(tmp, "sub")
    rc, out, err = run(data, "plan", "import", sub_plan, "--units", units, "--dry-run")
    check("dry run says where a sub-office goes", rc == 0 and "甲局（安委办） (1): 甲局" in out, out + err)
    rc, out, err = run(data, "plan", "import", sub_plan, "--units", units)
    check("import with sub-offices", rc == 0 and "甲局（安委办）: a sub-office, assigned to its office 甲局" in out,
          out + err)
    got = assignments(data, "testcity-sub-2021")
    check("the sub-offices' tasks are their offices' (a unit named twice once, as lead first)",
          got.get(2) == {"甲局": "lead", "乙局": "responsible"}, got.get(2))
    check("brackets naming a unit of its own stay as written; a group qualified in brackets is its members",
          got.get(3) == {"甲局（乙局）": "lead", "丙县政府": "responsible", "丁县政府": "responsible"}, got.get(3))

    # A published plan with the shipped directory: every county answers for itself.
    data = os.path.join(tmp, "shaoguan")
    rc, out, err = run(data, "plan", "import", os.path.join(SOURCE, "workflows/plans/shaoguan-2021.txt"))
    check("shaoguan import", rc == 0, out + err)
    check("shaoguan summary", "各县（市、区）政府: assigned to each of its 10 member unit(s)" in out, out)
    got = assignments(data, "shaoguan-2021")
    units_named = {u for t in got.values() for u in t}
    check("no group left as an assignee", not any(u.startswith("各") or u.startswith("市直各") for u in units_named),
          sorted(units_named))
    check("task 1 reaches every county and city department", len(got.get(1, {})) == 34
          and "乳源瑶族自治县政府" in got.get(1, {}) and "市政府办公室" in got.get(1, {}), sorted(got.get(1, {})))

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("ok")
