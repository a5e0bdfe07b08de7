#!/usr/bin/python3
"""Reporting schedules (每季度报送, issue 20) through the CLI, as an office
would meet them with next year's plan on the machine's date:
- a plan whose 时限 cell says 每季度 is imported with that schedule recorded
  (its TaskAdded carries the recurrence, in the plan's year);
- `schedule` takes the plan's words for a recurrence (每月, 一季度一次) or
  month|quarter|half_year|year:N; words naming no recurring duty (每月25日前:
  a day of the month, not a period end), twice a quarter, or a single date,
  are refused with what to say instead; the same schedule twice, a task
  that does not exist and a unit's account are refused; `--stop` stops it;
- on a simulated store the clock asks both units of the quarterly task for
  their report ten working days before 2027-03-31 (on 03-17, not 03-16), and
  a stopped schedule asks nothing more; a tick that catches up months prints
  what it fired in date order; a write given no --at afterwards happens on
  the store's clock (the tick's), not the machine's date; a later --at moves
  that clock, an earlier one is a back-entry recorded on it, and so is a
  plan import (its --issued-on day, later or earlier); `queue` reads on
  that clock; a tick or --at
  more than ten years ahead is refused (the clock never moves back);
  `simulate` leaves the clock at its year's end and refuses a store whose
  clock was moved, or a year past the ten;
- `verify` ok, before and after a `rebuild`.
Usage: cli_schedule_test.py PATH/TO/duban"""
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
        "1\t分管领导听取政务公开工作汇报\t市财政局\t市教育局\t每季度\n"
        "2\t做好政策解读\t市公安局\t\t2027年6月30日前\n")


def history_types(data, plan, task):
    rc, out, err = run(data, "--json", "history", "--plan", plan, str(task))
    if rc != 0:
        return []
    rows = json.loads(out)
    return rows if isinstance(rows, list) else rows.get("events", [])


with tempfile.TemporaryDirectory() as tmp:
    plan_file = os.path.join(tmp, "plan-2027.tsv")
    with open(plan_file, "w", encoding="utf-8") as f:
        f.write(PLAN)

    # ---- a real store, on today's clock
    data = os.path.join(tmp, "store")
    rc, out, err = run(data, "init")
    check("init a real store", rc == 0, out + err)
    rc, out, err = run(data, "plan", "import", plan_file, "--id", "sg27")
    check("import next year's plan", rc == 0, out + err)
    history = history_types(data, "sg27", 1)
    added = [e for e in history if e.get("type") == "TaskAdded"]
    check("the imported task records its schedule from the plan's 每季度",
          added and added[0]["body"]["deadline"].get("recurrence") == "quarter:1", json.dumps(added, ensure_ascii=False))
    ensure_account(DUBAN, data, "office", ["--role", "office"])
    ensure_account(DUBAN, data, "市公安局", ["--unit", "市公安局"])
    office = ["--as", "office"]

    rc, out, err = run(data, "--as", "市公安局", "schedule", "--plan", "sg27", "2", "--every", "每月", "--reason", "自定")
    check("a unit's account cannot set a schedule", rc == 1 and "rejected (forbidden_role)" in err, f"{rc} {out} {err}")
    rc, out, err = run(data, *office, "schedule", "--plan", "sg27", "2", "--every", "每月听取一次",
                       "--reason", "分管领导要求每月听取")
    check("the plan's words set a monthly schedule in the plan's year",
          rc == 0 and "ScheduleSet task 2" in out and "recurrence=month:1" in out and "year=2027" in out, out + err)
    rc, out, err = run(data, *office, "schedule", "--plan", "sg27", "2", "--every", "month:1", "--reason", "再设")
    check("the same schedule twice is refused", rc == 1 and "already reports on month:1 in 2027" in err, out + err)
    for words, says in (("每周", "names no recurring duty"), ("quarter:0", "not a recurrence"),
                        ("quarter:2", "do not split it into whole months"), ("每季度两次", "whole months"),
                        ("每月25日前", "names no recurring duty"), ("每季度结束后5个工作日内", "names no recurring duty"),
                        ("10月底前", "use `duban set-deadline`")):
        rc, out, err = run(data, *office, "schedule", "--plan", "sg27", "2", "--every", words, "--reason", "试")
        check(f"'{words}' is refused with what to say", rc == 2 and says in err, f"{rc} {out} {err}")
    rc, out, err = run(data, *office, "schedule", "--plan", "sg27", "9", "--every", "每季度", "--reason", "试")
    check("a task that does not exist", rc == 1 and "task_not_found" in err, out + err)
    rc, out, err = run(data, *office, "schedule", "--plan", "sg27", "1", "--stop", "--reason", "改由年终总结")
    check("--stop stops the imported schedule",
          rc == 0 and "ScheduleSet task 1" in out and "old_recurrence=quarter:1" in out, out + err)
    rc, out, err = run(data, *office, "schedule", "--plan", "sg27", "1", "--stop", "--reason", "再停")
    check("stopping twice is refused", rc == 1 and "has no schedule to stop" in err, out + err)
    types = [e.get("type") for e in history_types(data, "sg27", 2)]
    check("history shows the schedule", "ScheduleSet" in types, types)
    rc, out, err = run(data, "verify")
    check("verify ok", rc == 0 and "verify: ok" in out, out + err)

    # ---- a simulated store: the clock asks before the first quarter's end
    sim = os.path.join(tmp, "sim")
    rc, out, err = run(sim, "init", "--simulated")
    check("init a simulated store", rc == 0, out + err)
    office_sim = ["--actor", "督查室", "--role", "supervisor"]
    rc, out, err = run(sim, *office_sim, "plan", "import", plan_file, "--id", "sg27", "--at", "2027-01-05")
    check("import in the simulated January", rc == 0, out + err)
    made = [e for e in history_types(sim, "sg27", 1) if e.get("type") == "AssignmentCreated"]
    check("a simulated store's import of a plan published later is made on its publication day",
          len(made) == 2 and all(str(e.get("recorded_at", "")).startswith("2027-01-05") for e in made), str(made))
    rc, out, err = run(sim, "tick", "--now", "2027-03-16T23:00")
    check("nothing asked on 03-16", rc == 0 and "ProgressReportRequested" not in out, out + err)
    rc, out, err = run(sim, "tick", "--now", "2027-03-17T08:00")
    asked = [line for line in out.splitlines() if "ProgressReportRequested" in line]
    check("both units asked on 03-17, ten working days before 03-31",
          rc == 0 and len(asked) == 2 and all("schedule:1:2027-03-31" in line for line in asked)
          and "ReviewCycleStarted" in out and "scope=task:1" in out, out + err)
    rc, out, err = run(sim, *office_sim, "schedule", "--plan", "sg27", "1", "--stop", "--reason", "改由年终总结",
                       "--at", "2027-03-20T09:00")
    check("stopped in March", rc == 0, out + err)
    rc, out, err = run(sim, "tick", "--now", "2027-12-31T08:00")
    check("a stopped schedule asks nothing more", rc == 0 and "ProgressReportRequested" not in out, out + err)
    # That tick caught up nine months in rounds (each miss arms its 督促整改 for
    # the next round); it prints what it fired by date all the same.
    days = [line[:10] for line in out.splitlines() if line[:4] == "2027" and line[4:5] == "-"]
    check("the catch-up tick prints its events in date order",
          len(set(days)) >= 3 and "EscalationRaised" in out and days == sorted(days), out + err)
    rc, out, err = run(sim, "tick", "--now", "2027-06-01")
    check("a tick before the store's clock says the clock does not move back",
          rc == 0 and "0 timer(s) fired" in out and "is before this simulated store's clock" in err
          and "2027-12-31T08:00" in err, out + err)
    # The store's clock is now the tick's: a write given no --at happens then,
    # so a date before 12-31 is past (not counted from the machine's date).
    rc, out, err = run(sim, *office_sim, "set-deadline", "--plan", "sg27", "2", "--due", "2027-11-30",
                       "--reason", "调整")
    check("after the tick a write without --at is on the store's clock",
          rc != 0 and "2027-11-30 is already past (today is 2027-12-31)" in err, out + err)
    # A later --at moves that clock; an earlier one is a claim, as on a real
    # store: the office's back-entry keeps its reason and is recorded now.
    rc, out, err = run(sim, *office_sim, "set-deadline", "--plan", "sg27", "2", "--due", "2028-03-31",
                       "--reason", "调整", "--at", "2028-01-05T09:00")
    rc2, out2, err2 = run(sim, *office_sim, "set-deadline", "--plan", "sg27", "2", "--due", "2028-01-04",
                          "--reason", "调整")
    check("a write at a later --at moves the store's clock",
          rc == 0 and rc2 != 0 and "is already past (today is 2028-01-05)" in err2, out + err + out2 + err2)
    rc, out, err = run(sim, *office_sim, "set-deadline", "--plan", "sg27", "2", "--due", "2028-06-30",
                       "--reason", "纸质通知", "--at", "2028-01-02T10:00", "--back-entry", "补录纸质通知")
    last = history_types(sim, "sg27", 2)[-1:] if rc == 0 else []
    check("an earlier --at is a back-entry recorded on the store's clock",
          rc == 0 and last and last[0].get("back_entry_reason") == "补录纸质通知"
          and str(last[0].get("recorded_at", "")).startswith("2028-01-05")
          and str(last[0].get("occurred_at", "")).startswith("2028-01-02"), out + err + str(last))
    # Reads count from the store's clock too: on 2028-01-05 the units have
    # been silent for months (on the machine's date, before 2027, not yet).
    rc, out, err = run(sim, "--json", "queue", "silent", "--plan", "sg27")
    silent = json.loads(out) if rc == 0 else []
    rc2, out2, err2 = run(sim, "--json", "queue", "silent", "--plan", "sg27", "--on", "2027-01-06")
    check("queue silent without --on reads on the store's clock",
          rc == 0 and len(silent) >= 2 and rc2 == 0 and json.loads(out2) == [], out + err + out2 + err2)
    # The clock never moves back: a date typed for "the end of time" is
    # refused, by tick and by --at alike, and the clock stays where it was.
    rc, out, err = run(sim, "tick", "--now", "9999-12-31")
    rc2, out2, err2 = run(sim, *office_sim, "set-deadline", "--plan", "sg27", "2", "--due", "9999-12-31",
                          "--reason", "调整", "--at", "9999-12-30")
    rc3, out3, err3 = run(sim, *office_sim, "set-deadline", "--plan", "sg27", "2", "--due", "2028-01-04",
                          "--reason", "调整")
    check("a simulated clock is not driven past ten years ahead, and stays put",
          rc == 1 and "--now 9999-12-31 is more than 10 years after today" in err
          and rc2 == 1 and "--at 9999-12-30 is more than 10 years after today" in err2
          and rc3 != 0 and "is already past (today is 2028-01-05)" in err3,
          out + err + out2 + err2 + out3 + err3)
    rc, out, err = run(sim, "tick", "--now", "2028-13-01")
    check("a tick's date that is no date names --now", rc == 2 and "--now '2028-13-01' is not a date" in err,
          out + err)
    rc, out, err = run(sim, *office_sim, "plan", "import", plan_file, "--id", "sg27c", "--issued-on", "2030-08-01")
    check("an issue date after the plan's own year is refused as a likely typo",
          rc == 2 and "is after the plan's year 2027 ended" in err, out + err)
    # A plan published before the store's clock is entered later: a back-entry.
    rc, out, err = run(sim, *office_sim, "plan", "import", plan_file, "--id", "sg27b", "--issued-on", "2027-06-01")
    made = [e for e in history_types(sim, "sg27b", 2) if e.get("type") == "AssignmentCreated"]
    check("an import published before the store's clock is a back-entry recorded on it",
          rc == 0 and made and all(str(e.get("occurred_at", "")).startswith("2027-06-01")
                                   and str(e.get("recorded_at", "")).startswith("2028-01-05")
                                   and "entered later" in e.get("back_entry_reason", "") for e in made),
          out + err + str(made))
    # `simulate` of next year leaves the store's clock where its year ended
    # (February after it): a write that follows is recorded then, not back
    # on the machine's date before the year's events.
    year = os.path.join(tmp, "year")
    rc, out, err = run(year, "simulate", "--plan-file", plan_file, "--year", "2027")
    last_day = run(year, "log")[1].strip().splitlines()[-1].split()[1][:10] if rc == 0 else ""
    rc2, out2, err2 = run(year, *office_sim, "note", "--plan", "plan-2027-sim", "1", "--text", "复盘")
    note_day = run(year, "log")[1].strip().splitlines()[-1].split()[1][:10]
    rc3, out3, err3 = run(year, "simulate", "--plan-file", plan_file, "--year", "2028")
    rc4, out4, err4 = run(os.path.join(tmp, "far"), "simulate", "--plan-file", plan_file, "--year", "2040")
    check("simulate leaves the clock on the last day it ran to, refuses a second year and one past ten years",
          rc == 0 and last_day >= "2028-01-01" and rc2 == 0 and note_day == "2028-02-28"
          and rc3 == 1 and "has its clock moved to 2028" in err3
          and rc4 == 1 and "more than 10 years past today" in err4,
          f"{last_day} {note_day} " + err + out2 + err2 + err3 + err4)
    rc, out, err = run(sim, "verify")
    check("verify ok (simulated)", rc == 0 and "verify: ok" in out, out + err)
    rc, out, err = run(sim, "rebuild")
    rc2, out2, err2 = run(sim, "verify")
    check("after a rebuild verify is still ok", rc == 0 and rc2 == 0 and "verify: ok" in out2, out + err + out2 + err2)

checks.finish("cli_schedule_test: all checks passed")
