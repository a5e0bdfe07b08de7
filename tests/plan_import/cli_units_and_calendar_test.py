#!/usr/bin/python3
"""End-to-end checks of the CLI on a fresh store, as an office would use it in
December 2026 (the compiled-in calendar covers up to 2026):
- a unit named by its alias (市卫健局 for 市卫生健康局) is accepted on a write
  command and on `status --unit`;
- `status` for an unknown unit or plan is a not-found (exit 1), not an empty list;
- only the engine's clock ticks: an auditor or the office may not, and a real
  store is not ticked into the future; `simulate` refuses a store with real plans;
- a 年底前 deadline whose missed day falls in 2027 is armed provisionally:
  `calendar status` lists it, `status` flags it, and a tick into 2027 fires
  DeadlineMissed on 2027-01-04 (not on 元旦) marked provisional;
- `calendar add` records a 2027 notice (a test fixture, not the published
  one): a unit may not, the office may; the open 2027 deadline is recounted
  at once, `calendar status` lists the notice and no provisional deadline,
  the same file again writes nothing, and verify and rebuild agree.
Usage: cli_units_and_calendar_test.py PATH/TO/duban"""
import datetime
import json
import os
import subprocess
import sys
import tempfile

DUBAN = sys.argv[1]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from cli_checks import Checks  # noqa: E402

checks = Checks(DUBAN)
check, run, failures = checks.check, checks.run, checks.failures


PLAN = ("韶关市2026年政务公开工作要点分工方案\n"
        "序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
        "1\t推进决策公开\t市卫生健康局\t市教育局\t11月20日前\n"
        "2\t做好年度报告\t市财政局\t市公安局\t年底前\n")

with tempfile.TemporaryDirectory() as tmp:
    real = os.path.join(tmp, "real")
    rc, out, err = run(real, "init")
    check("init a real store", rc == 0 and "real" in out, out + err)
    rc, out, err = run(real, "--role", "auditor", "tick")
    check("an auditor may not tick", rc == 1 and "only the engine's clock" in err, f"{rc} {out} {err}")
    rc, out, err = run(real, "tick", "--now", "2030-01-01")
    check("a real store is not ticked into the future", rc == 1 and "clock_ahead" in err, f"{rc} {out} {err}")
    rc, out, err = run(real, "--role", "supervisor", "tick")
    check("the office may not tick a real store", rc == 1, f"{rc} {out} {err}")

    # The rest runs on a simulated clock, as the office's trial store would.
    data = os.path.join(tmp, "store")
    rc, out, err = run(data, "init", "--simulated")
    check("init a simulated store", rc == 0 and "simulated" in out, out + err)
    plan_file = os.path.join(tmp, "plan-2026.tsv")
    with open(plan_file, "w", encoding="utf-8") as f:
        f.write(PLAN)
    rc, out, err = run(data, "plan", "import", plan_file, "--year", "2026")
    check("import", rc == 0, out + err)

    rc, out, err = run(data, "accept", "--plan", "plan-2026", "1", "--unit", "市卫健局")
    check("an alias is accepted on a write command", rc == 0 and "AssignmentAccepted task 1 市卫生健康局" in out,
          out + err)
    rc, out, err = run(data, "--json", "status", "--unit", "市卫健局")
    rows = json.loads(out) if rc == 0 else []
    check("status --unit takes an alias", rc == 0 and len(rows) == 1 and rows[0]["status"] == "accepted", out + err)

    rc, out, err = run(data, "status", "--unit", "市不存在局")
    check("status for an unknown unit is not found", rc == 1 and "市不存在局" in err, f"{rc} {out} {err}")
    rc, out, err = run(data, "status", "--plan", "no-such-plan")
    check("status for an unknown plan is not found", rc == 1 and "no-such-plan" in err, f"{rc} {out} {err}")

    rc, out, err = run(data, "--json", "calendar", "status")
    doc = json.loads(out) if rc == 0 else {}
    prov = doc.get("provisional_deadlines", [])
    check("calendar status lists the 年底前 deadline as provisional",
          rc == 0 and 2026 in doc.get("covered_years", []) and 2027 not in doc.get("covered_years", [])
          and {(p["task"], p["fires_on"]) for p in prov} == {(2, "2027-01-04")}, out + err)
    rc, out, err = run(data, "--json", "status", "--plan", "plan-2026")
    flagged = {(r["task"], r["unit"]) for r in json.loads(out) if r["provisional"]} if rc == 0 else set()
    check("status flags the provisional deadline", flagged == {(2, "市财政局"), (2, "市公安局")}, out + err)

    rc, out, err = run(data, "--json", "tick", "--now", "2027-01-31")
    events = json.loads(out) if rc == 0 else []
    missed = [e for e in events if e["type"] == "DeadlineMissed" and e["body"]["task"] == 2]
    check("the 年底前 task is missed on 2027-01-04, provisionally",
          len(missed) == 2 and all(e["occurred_at"].startswith("2027-01-04") and e["body"]["provisional"]
                                   for e in missed), out + err)
    check("tick warns about provisional days", "provisionally" in err, err)
    rc, out, err = run(data, "verify")
    check("verify", rc == 0, out + err)

    plan27 = os.path.join(tmp, "plan-2027.tsv")
    with open(plan27, "w", encoding="utf-8") as f:
        f.write("韶关市2027年政务公开工作要点分工方案\n序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
                "1\t推进政策解读\t市财政局\t\t5月10日前\n")
    rc, out, err = run(data, "plan", "import", plan27, "--year", "2027")
    check("import a 2027 plan", rc == 0, out + err)
    rc, out, err = run(data, "--json", "calendar", "status")
    prov = json.loads(out).get("provisional_deadlines", []) if rc == 0 else []
    check("its deadline is provisional before the notice", [p["plan"] for p in prov] == ["plan-2027"], out + err)
    notice = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "workflow_engine", "data",
                          "cn-mainland-2027.TEST-FIXTURE.yaml")
    rc, out, err = run(data, "--role", "unit", "--actor", "市财政局", "calendar", "add", notice)
    check("a unit may not record a calendar notice", rc == 1 and "forbidden_role" in err, f"{rc} {out} {err}")
    rc, out, err = run(data, "calendar", "add", notice)
    check("the office records the 2027 notice and the open deadline is recounted",
          rc == 0 and "CalendarNoticeAdded" in out and "DeadlineRecounted task 1 市财政局" in out
          and "calendar now cn-mainland/2026-11-10; 5 open assignment(s) recounted on it, 1 with timers moved; "
          "3 task deadline(s) counted on it for assignments made later, 0 of them a working-day date counted again"
          in out, out + err)
    rc, out, err = run(data, "deadline", "2027年2月14日前", "--json")
    doc = json.loads(out) if rc == 0 and out.strip() else {}
    check("`duban deadline` counts on the notice the store recorded: 2027-02-14 is a working Sunday there",
          doc.get("effective_due_on") == "2027-02-14" and doc.get("calendar_version") == "cn-mainland/2026-11-10",
          f"{rc} {out} {err}")
    rc, out, err = run(data, "calendar", "add", notice)
    check("the same notice again writes nothing", rc == 0 and "already" in out + err, out + err)
    rc, out, err = run(data, "--json", "calendar", "status")
    doc = json.loads(out) if rc == 0 else {}
    check("calendar status: 2027 covered by the recorded notice, nothing provisional",
          2027 in doc.get("covered_years", []) and doc.get("provisional_deadlines") == []
          and [n["version"] for n in doc.get("recorded_notices", [])] == ["cn-mainland/2026-11-10"], out + err)
    bad = os.path.join(tmp, "again-2027.yaml")
    with open(bad, "w", encoding="utf-8") as f:
        f.write("calendar: cn-mainland\nnotices:\n  - version: 2026-12-01\n    covers: 2027\n")
    rc, out, err = run(data, "calendar", "add", bad)
    check("a second notice covering 2027 is refused with its file and line",
          rc == 1 and "again-2027.yaml:4" in err and "amends" in err, f"{rc} {out} {err}")
    plan27b = os.path.join(tmp, "plan-2027b.tsv")
    with open(plan27b, "w", encoding="utf-8") as f:
        f.write("韶关市2027年第二批任务分工方案\n序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
                "1\t推进数据开放\t市财政局\t\t9月底前\n")
    rc, out, err = run(data, "plan", "import", plan27b, "--year", "2027")
    rc2, out2, err2 = run(data, "--json", "history", "--plan", "plan-2027b", "1")
    added = [e["body"]["deadline"] for e in json.loads(out2) if e["type"] == "TaskAdded"] if rc2 == 0 else []
    check("a plan imported after the notice counts 2027 on it: no provisional warning, the new version recorded",
          rc == 0 and "provisional" not in err
          and [d["calendar_version"] for d in added] == ["cn-mainland/2026-11-10"], out + err + out2 + err2)
    rc, out, err = run(data, "verify")
    check("verify after the notice", rc == 0, out + err)
    rc, out, err = run(data, "rebuild")
    rc2, out2, err2 = run(data, "verify")
    check("rebuild after the notice, then verify", rc == 0 and rc2 == 0, out + err + out2 + err2)
    rc, out, err = run(data, "init", "--simulated")
    check("init again on a store with plans: still simulated, nothing changed", rc == 0, out + err)
    rc, out, err = run(os.path.join(tmp, "real2"), "plan", "import", plan_file, "--year", "2026")
    rc, out, err = run(os.path.join(tmp, "real2"), "simulate")
    check("simulate refuses a store that holds real plans", rc == 1 and "holds real plans" in err,
          f"{rc} {out} {err}")

    # A --id used before for another command is a conflict for `calendar add`
    # too (exit 3), not that command's outcome replayed as "already done".
    first = run(data, "accept", "--plan", "plan-2026", "1", "--unit", "市教育局", "--command-id", "office-accept-1")
    rc, out, err = run(data, "calendar", "add", notice, "--id", "office-accept-1")
    check("calendar add under an id used for an accept is a conflict (exit 3), not 'already done'",
          rc == 3 and "conflict: the command id office-accept-1 was used before" in err
          and "already" not in out + err, f"{first} {rc} {out} {err}")

    # Only a regular notice file of a sane size is read.
    rc, out, err = run(data, "calendar", "add", tmp)
    check("calendar add refuses a directory", rc == 2 and "is a directory" in err, f"{rc} {out} {err}")
    fifo = os.path.join(tmp, "notice.fifo")
    os.mkfifo(fifo)
    try:
        p = subprocess.run([DUBAN, "--data", data, "calendar", "add", fifo], capture_output=True, text=True,
                           timeout=20)
        check("calendar add refuses a FIFO without waiting on it",
              p.returncode == 2 and "not a regular file" in p.stderr, f"{p.returncode} {p.stdout} {p.stderr}")
    except subprocess.TimeoutExpired:
        check("calendar add refuses a FIFO without waiting on it", False, "it hung")
    big = os.path.join(tmp, "big.yaml")
    with open(big, "w", encoding="utf-8") as f:
        f.write("calendar: cn-mainland\n" + "# padding\n" * 8000)
    rc, out, err = run(data, "calendar", "add", big)
    check("calendar add refuses a file over 64 KiB, exit 1", rc == 1 and "larger than 64 KiB" in err,
          f"{rc} {out} {err}")

    # A notice dated after today (a mistyped year) is refused on a real store.
    later = datetime.date.today() + datetime.timedelta(days=400)
    typo = os.path.join(tmp, "typo.yaml")
    with open(typo, "w", encoding="utf-8") as f:
        f.write(f"calendar: cn-mainland\nnotices:\n  - version: {later.isoformat()}\n    covers: {later.year + 5}\n")
    rc, out, err = run(os.path.join(tmp, "real"), "calendar", "add", typo)
    check("a notice dated after today is refused (time_in_future), naming the date",
          rc == 1 and "time_in_future" in err and later.isoformat() in err, f"{rc} {out} {err}")
    # --at is a simulated store's time: a real store records a notice now.
    rc, out, err = run(os.path.join(tmp, "real"), "calendar", "add", notice, "--at", "2027-02-10")
    check("calendar add --at is refused on a real store (exit 2), nothing recorded",
          rc == 2 and "--at is for a simulated store" in err and "CalendarNoticeAdded" not in out, f"{rc} {out} {err}")
    # On a simulated store it is the notice's time: a 2027-02-05 date missed on 02-08 by the provisional
    # rule is withdrawn when the notice is recorded on 02-10 (春节: due 02-14), not on 02-15 (02-14 has
    # passed; the clock last ticked on 02-09, so only --at says so).
    stated = os.path.join(tmp, "stated.tsv")
    with open(stated, "w", encoding="utf-8") as f:
        f.write("序号\t工作任务\t牵头单位\t责任单位\t完成时限\n1\t春节前完成\t市财政局\t\t2027年2月5日前\n")
    for when, withdrawn in (("2027-02-10", True), ("2027-02-15", False)):
        sim = os.path.join(tmp, "sim-at-" + when)
        run(sim, "init", "--simulated")
        rc, out, err = run(sim, "plan", "import", stated, "--accept-unknown-units", "--year", "2027",
                           "--issued-on", "2026-12-06")
        for day in ("2027-01-20", "2027-02-08", "2027-02-09"):
            run(sim, "tick", "--now", day + "T09:00")
        rc, out, err = run(sim, "calendar", "add", notice, "--at", when + "T10:00")
        check(f"a notice recorded --at {when} " + ("withdraws" if withdrawn else "keeps") + " the 02-05 miss",
              rc == 0 and ("overdue withdrawn: due 2027-02-05 counts as 2027-02-14" in out) == withdrawn,
              f"{rc} {out} {err}")

    # plan import --issued-on: a day to come is refused on a real store, like a future --at
    # (a plan of that day's year: one issued after its own year is refused as a typo first).
    later_plan = os.path.join(tmp, "plan-later.tsv")
    with open(later_plan, "w", encoding="utf-8") as f:
        f.write(PLAN.replace("2026", str(later.year)))
    rc, out, err = run(data, "plan", "import", plan_file, "--issued-on", "2027-01-04")
    check("an issue date after the plan's own year is refused as a likely typo, exit 2",
          rc == 2 and "after the plan's year 2026 ended" in err, f"{rc} {out} {err}")
    rc, out, err = run(data, "plan", "import", plan_file, "--issued-on", "2027-01-04", "--dry-run")
    check("... and its preview says so", rc == 0 and "after the plan's year 2026 ended" in out, f"{rc} {out} {err}")
    # A plan for several years (三年行动计划, 十四五) is issued within its range.
    ranged = os.path.join(tmp, "ranged.tsv")
    with open(ranged, "w", encoding="utf-8") as f:
        f.write(PLAN.replace("韶关市2026年政务公开工作要点分工方案", "韶关市政务公开三年行动计划（2025—2027年）分工方案")
                .replace("11月20日前", "2027年6月底前").replace("年底前", "2027年底前"))
    rc, out, err = run(os.path.join(tmp, "ranged-store"), "init", "--simulated")
    rc, out, err = run(os.path.join(tmp, "ranged-store"), "plan", "import", ranged, "--issued-on", "2026-03-02",
                       "--accept-unknown-units")
    check("a plan for 2025—2027 issued in 2026 is imported", rc == 0, f"{rc} {out} {err}")
    rc, out, err = run(os.path.join(tmp, "ranged-store"), "plan", "import", ranged, "--id", "r2", "--issued-on",
                       "2028-03-01", "--accept-unknown-units")
    check("... one issued after its range is refused", rc == 2 and "after the plan's year 2027 ended" in err,
          f"{rc} {out} {err}")
    wide = os.path.join(tmp, "wide.tsv")
    with open(wide, "w", encoding="utf-8") as f:
        f.write(PLAN.replace("韶关市2026年政务公开工作要点分工方案", "韶关市政务公开三年行动计划（２０２５—２０２７年）分工方案")
                .replace("11月20日前", "2027年6月底前").replace("年底前", "2027年底前"))
    rc, out, err = run(os.path.join(tmp, "ranged-store"), "plan", "import", wide, "--id", "r4", "--issued-on",
                       "2026-03-02", "--accept-unknown-units", "--dry-run")
    check("... a range in full-width digits too", rc == 0 and "after the plan's year" not in out, f"{rc} {out} {err}")
    vision = os.path.join(tmp, "vision.tsv")
    with open(vision, "w", encoding="utf-8") as f:
        f.write(PLAN.replace("韶关市2026年政务公开工作要点分工方案", "韶关市2026年政务公开工作要点分工方案（对标2035年远景目标）"))
    rc, out, err = run(os.path.join(tmp, "ranged-store"), "plan", "import", vision, "--id", "r5", "--issued-on",
                       "2027-01-04", "--accept-unknown-units")
    check("a later year the title only mentions is no range: a 2026 plan issued in 2027 is refused",
          rc == 2 and "after the plan's year 2026 ended" in err, f"{rc} {out} {err}")
    rc, out, err = run(os.path.join(tmp, "ranged-store"), "plan", "import", ranged, "--id", "r3",
                       "--back-entry", "据纸质文件补录", "--accept-unknown-units")
    check("a --back-entry for an import made on its own day says it is not recorded",
          rc == 0 and "no reason is recorded" in err, f"{rc} {out} {err}")
    real3 = os.path.join(tmp, "real3")
    rc, out, err = run(real3, "plan", "import", later_plan, "--issued-on", later.isoformat())
    check("plan import --issued-on a future day is refused on a real store",
          rc == 1 and "time_in_future" in err and "--issued-on" in err, f"{rc} {out} {err}")
    rc, out, err = run(real3, "status", "--plan", "plan-later")
    check("... and no plan was imported", rc == 1, f"{rc} {out} {err}")
    sim3 = os.path.join(tmp, "sim3")
    rc, out, err = run(sim3, "init", "--simulated")
    rc, out, err = run(sim3, "plan", "import", later_plan, "--issued-on", later.isoformat())
    check("a simulated store keeps its own clock: a future --issued-on is taken", rc == 0, f"{rc} {out} {err}")

    # An explicit --year is the plan year; --issued-on still anchors 印发后N个工作日内.
    noyear = os.path.join(tmp, "noyear.tsv")
    with open(noyear, "w", encoding="utf-8") as f:
        f.write("韶关市政务公开工作要点分工方案\n序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
                "1\t做好年度报告\t市财政局\t\t12月底前\n"
                "2\t推进决策公开\t市财政局\t\t印发后5个工作日内\n")
    rc, out, err = run(data, "plan", "import", noyear, "--issued-on", "2020-01-01", "--year", "2026",
                       "--dry-run", "--json")
    doc = json.loads(out) if rc == 0 else {}
    dues = [t["deadline"]["due_on"] for t in doc.get("tasks", [])]
    check("--year wins over the year of --issued-on; the issue date anchors relative deadlines",
          doc.get("plan", {}).get("year") == 2026 and dues == ["2026-12-31", "2020-01-08"], f"{rc} {out} {err}")
    rc, out, err = run(data, "plan", "import", plan_file, "--year", "2027", "--dry-run")
    check("--year other than the year the title names is refused", rc == 2 and "is not one the plan's title names (2026;" in err,
          f"{rc} {out} {err}")

    # Issued in December for next year, no year anywhere: 10月底前 read in 2026 is already past.
    december = os.path.join(tmp, "december.tsv")
    with open(december, "w", encoding="utf-8") as f:
        f.write("韶关市政务公开工作要点分工方案\n序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
                "1\t完成年度财政预算公开工作\t市财政局\t\t10月底前\n")
    dec = os.path.join(tmp, "dec")
    run(dec, "init", "--simulated")
    rc, out, err = run(dec, "plan", "import", december, "--issued-on", "2026-12-06")
    check("a plan whose dates precede its issue, its year only guessed, is refused until a year is given",
          rc == 2 and "--year 2027" in err and "imported" not in out, f"{rc} {out} {err}")
    rc, out, err = run(dec, "--json", "status")
    check("nothing was imported", rc == 0 and json.loads(out) == [], f"{rc} {out} {err}")
    rc, out, err = run(dec, "plan", "import", december, "--issued-on", "2026-12-06", "--year", "2027")
    check("with --year 2027 it imports, due 2027-10-31", rc == 0 and "imported plan december" in out, f"{rc} {out} {err}")
    rc, out, err = run(dec, "--json", "status")
    check("its date is next year's", rc == 0 and [r["due_on"] for r in json.loads(out)] == ["2027-10-31"], out + err)

    # Issued in December and run across the turn of the year: 12月底前 this December, 1月底前 next January.
    across = os.path.join(tmp, "across.tsv")
    with open(across, "w", encoding="utf-8") as f:
        f.write("韶关市关于做好元旦春节期间工作的分工方案\n序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
                "1\t做好元旦期间安全生产工作\t市财政局\t\t12月底前\n2\t做好春节期间保供稳价工作\t市财政局\t\t1月底前\n")
    acr = os.path.join(tmp, "acr")
    run(acr, "init", "--simulated")
    rc, out, err = run(acr, "plan", "import", across, "--issued-on", "2026-12-06")
    check("a plan across the year end is refused, the refusal offering --dates-after-issue",
          rc == 2 and "--dates-after-issue" in err, f"{rc} {out} {err}")
    rc, out, err = run(acr, "plan", "import", across, "--dates-after-issue")
    check("--dates-after-issue without an issue date is refused", rc == 2 and "--issued-on" in err, f"{rc} {out} {err}")
    rc, out, err = run(acr, "plan", "import", across, "--issued-on", "2026-12-06", "--dates-after-issue")
    check("with --dates-after-issue it imports", rc == 0 and "imported plan across" in out, f"{rc} {out} {err}")
    rc, out, err = run(acr, "--json", "status")
    check("12月底前 is this December, 1月底前 next January",
          rc == 0 and sorted(r["due_on"] for r in json.loads(out)) == ["2026-12-31", "2027-01-31"], out + err)

    # A day that does not exist is a typo: refused, nothing written.
    typo = os.path.join(tmp, "typo.tsv")
    with open(typo, "w", encoding="utf-8") as f:
        f.write("韶关市2026年政务公开工作要点分工方案\n序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
                "1\t完成年度财政预算公开工作\t市财政局\t\t2026年2月30日前\n")
    rc, out, err = run(acr, "plan", "import", typo, "--issued-on", "2026-01-06")
    check("a deadline naming a day that does not exist refuses the import",
          rc == 2 and "does not exist" in err and "imported" not in out, f"{rc} {out} {err}")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("CLI units and calendar: all checks passed")
