"""The ledger judges work handed in as the clock does (engine/reports/ledger.cc, light.cc).

On a simulated store, a 2027 plan whose two tasks are due 印发后20个工作日内 (issued
2027-01-04, counted provisionally to 2027-02-01):
- work handed in on time and still awaiting review once its date has passed is lit
  green, with no overdue working day (it was red: the date passing while the office
  reviewed read as the unit's lateness);
- work handed in late, the clock having not run between the date and the hand-in, is
  recorded late by the next tick: status overdue, the ledger red with its working days;
- a calendar notice that counts the date again, earlier and into the past, after an
  on-time hand-in leaves that work on time in the ledger, as in the engine's state (the
  ledger counted it two working days late while the status said on time); after a late
  hand-in whose miss had not fired yet it keeps the work late (it disarmed the miss, and
  the work read on time everywhere).
"""
import json
import os
import sys
import tempfile

DUBAN = sys.argv[1]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from cli_checks import Checks  # noqa: E402

checks = Checks(DUBAN)
check, run = checks.check, checks.run

PLAN = ("测试市2027年政务公开工作要点分工方案\n"
        "序号\t任务\t牵头单位\t责任单位\t完成时限\n"
        "1\t推进政务公开标准化建设\t市财政局\t\t印发后20个工作日内\n"
        "2\t完善政策解读机制\t市教育局\t\t印发后20个工作日内\n"
        "3\t做好依申请公开\t市公安局\t\t印发后20个工作日内\n"
        "4\t规范政府网站\t市民政局\t\t印发后20个工作日内\n")
NOTICE = ("calendar: cn-mainland\nnotices:\n  - version: 2027-02-02\n    source: 测试通知\n    covers: 2027\n"
          "    holidays:\n      - {name: 元旦, from: 2027-01-01, to: 2027-01-01}\n"
          "      - {name: 春节, from: 2027-02-09, to: 2027-02-15}\n"
          "      - {name: 清明节, from: 2027-04-03, to: 2027-04-05}\n"
          "      - {name: 端午节, from: 2027-06-09, to: 2027-06-09}\n"
          "      - {name: 中秋节, from: 2027-09-15, to: 2027-09-15}\n"
          "      - {name: 劳动节, from: 2027-05-01, to: 2027-05-05}\n"
          "      - {name: 国庆节, from: 2027-10-01, to: 2027-10-07}\n"
          "    workdays: [2027-01-09, 2027-01-16]\n")
OFFICE = ("--actor", "office", "--role", "supervisor")


def unit(name):
    return ("--actor", name, "--role", "unit")


def ledger_rows(store, as_of):
    rc, out, err = run(store, "report", "ledger", "--plan", "p", "--as-of", as_of, "--format", "json")
    if rc != 0:
        return {}
    return {(r["task"], r["unit"]): r for r in json.loads(out)["rows"]}


with tempfile.TemporaryDirectory() as tmp:
    plan_file, notice = os.path.join(tmp, "p.tsv"), os.path.join(tmp, "notice.yaml")
    with open(plan_file, "w", encoding="utf-8") as f:
        f.write(PLAN)
    with open(notice, "w", encoding="utf-8") as f:
        f.write(NOTICE)
    s = os.path.join(tmp, "s")
    run(s, "init", "--simulated")
    rc, out, err = run(s, *OFFICE, "plan", "import", plan_file, "--id", "p", "--accept-unknown-units",
                       "--issued-on", "2027-01-04")
    check("import", rc == 0, out + err)
    for task, name in ((1, "市财政局"), (2, "市教育局"), (3, "市公安局"), (4, "市民政局")):
        run(s, *unit(name), "accept", str(task), "--plan", "p", "--unit", name, "--at", "2027-01-05")
    rc, out, err = run(s, *unit("市财政局"), "submit", "1", "--plan", "p", "--unit", "市财政局", "--text", "已完成",
                       "--at", "2027-01-29")
    check("task 1 handed in on time", rc == 0, out + err)
    rc, out, err = run(s, *unit("市教育局"), "submit", "2", "--plan", "p", "--unit", "市教育局", "--text", "已完成",
                       "--at", "2027-02-01T17:00")
    check("task 2 handed in on its due day", rc == 0, out + err)
    # The clock does not run: a write moves it past the date, then the unit hands in late.
    run(s, *OFFICE, "note", "3", "--plan", "p", "--text", "请抓紧", "--at", "2027-02-04")
    rc, out, err = run(s, *unit("市公安局"), "submit", "3", "--plan", "p", "--unit", "市公安局", "--text", "已完成")
    check("task 3 handed in late, no tick having run", rc == 0, out + err)
    before = ledger_rows(s, "2027-02-04").get((3, "市公安局"), {})
    check("before the tick records it, the ledger lights the late hand-in red beside its days",
          before.get("light") == "red" and before.get("overdue_working_days", 0) >= 2, json.dumps(before))
    rc, out, err = run(s, "tick", "--now", "2027-02-05")
    check("the tick records the late hand-in's miss, and no other",
          rc == 0 and "DeadlineMissed task 3" in out and "DeadlineMissed task 1" not in out
          and "DeadlineMissed task 2" not in out, out + err)
    rc, out, err = run(s, "status", "--plan", "p")
    flags = {ln.split()[1]: ln.split()[7:] for ln in out.splitlines() if ln.startswith("p ")}
    check("status: only the late hand-in is overdue",
          "overdue" in flags.get("3", []) and "overdue" not in flags.get("1", []) + flags.get("2", []), out + err)
    # As of 02-03, the date passed and the office's review not yet late.
    on_time = ledger_rows(s, "2027-02-03").get((1, "市财政局"), {})
    late = ledger_rows(s, "2027-02-05").get((3, "市公安局"), {})
    check("the ledger lights work handed in on time and awaiting review green, 0 days late",
          on_time.get("light") == "green" and on_time.get("overdue_working_days") == 0, json.dumps(on_time))
    check("... and the late hand-in red, with its working days",
          late.get("light") == "red" and late.get("overdue_working_days", 0) >= 2, json.dumps(late))
    # The notice makes two Saturdays working days: the date counts to 01-28, past already.
    rc, out, err = run(s, "calendar", "add", notice, "--at", "2027-02-05T10:00")
    check("the notice counts task 2's date again, earlier", rc == 0 and "2027-01-28" in out, out + err)
    run(s, "tick", "--now", "2027-02-08")
    rc, out, err = run(s, "status", "--plan", "p")
    flags = {ln.split()[1]: ln.split()[7:] for ln in out.splitlines() if ln.startswith("p ")}
    check("status: task 2 handed in before its date was counted earlier is on time",
          "2" in flags and "overdue" not in flags["2"], out + err)
    row = ledger_rows(s, "2027-02-08").get((2, "市教育局"), {})
    check("... and so in the ledger", row.get("overdue_working_days") == 0 and row.get("light") != "red",
          json.dumps(row))
    rc, out, err = run(s, *OFFICE, "approve", "2", "--plan", "p", "--unit", "市教育局")
    check("approved", rc == 0, out + err)
    rc, out, err = run(s, "report", "scorecard", "--plan", "p", "--as-of", "2027-02-08", "--format", "json")
    score = {u["unit"]: u for u in json.loads(out)["units"]} if rc == 0 else {}
    check("the scorecard counts it completed on time, as the ledger does",
          score.get("市教育局", {}).get("completed_on_time") == 1 and score["市教育局"].get("completed_late") == 0,
          out[:600] + err)

    # Handed in late with no tick since the plan's import, then the notice counts the date
    # earlier: late on either date, it stays late (the notice disarmed the miss that would
    # have recorded it, and the work read on time everywhere).
    s2 = os.path.join(tmp, "s2")
    run(s2, "init", "--simulated")
    run(s2, *OFFICE, "plan", "import", plan_file, "--id", "p", "--accept-unknown-units", "--issued-on", "2027-01-04")
    run(s2, *unit("市民政局"), "accept", "4", "--plan", "p", "--unit", "市民政局", "--at", "2027-01-05")
    rc, out, err = run(s2, *unit("市民政局"), "submit", "4", "--plan", "p", "--unit", "市民政局", "--text", "已完成",
                       "--at", "2027-02-03T10:00")
    check("task 4 handed in late, no tick having run", rc == 0, out + err)
    rc, out, err = run(s2, "calendar", "add", notice, "--at", "2027-02-04T09:00")
    check("the notice keeps it late", rc == 0 and "overdue stands" in out, out + err)
    run(s2, "tick", "--now", "2027-02-08")
    rc, out, err = run(s2, "status", "--plan", "p")
    flags = {ln.split()[1]: ln.split()[7:] for ln in out.splitlines() if ln.startswith("p ")}
    check("status: task 4 is overdue", "overdue" in flags.get("4", []), out + err)
    row = ledger_rows(s2, "2027-02-08").get((4, "市民政局"), {})
    check("... and so in the ledger", row.get("overdue_working_days", 0) >= 4 and row.get("light") == "red",
          json.dumps(row))
    rc, out, err = run(s2, "verify")
    check("verify ok", rc == 0 and "verify: ok" in out, out + err)
    rc, out, err = run(s, "verify")
    check("verify ok", rc == 0 and "verify: ok" in out, out + err)

checks.finish("ledger judges hand-ins as the clock does: all checks passed")
