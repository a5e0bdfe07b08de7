#!/usr/bin/python3
"""Two times on every record, through the CLI on a fresh real store, on the
machine's date (recorded_at is always the engine's clock):
- `plan import --issued-on DAY` enters a plan published earlier: the import
  takes effect that day (a back-entry with its reason) and a relative deadline
  (印发后20个工作日内) counts from it, as `duban deadline` counts it;
- a unit cannot backdate (--at beyond the skew), future-date, or call its act a
  back-entry; each refusal names its reason code;
- the office back-enters a unit's paper submission with --at and --back-entry;
  without a reason an earlier --at is refused;
- `history` and `as-of` show the back-entry as such (effective time, recorded
  time, reason); `as-of --as-recorded` shows the record as it stood then; `verify` is ok and `rebuild` gives the same digest twice.
Usage: cli_two_times_test.py PATH/TO/duban"""
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
issued = today - datetime.timedelta(days=60)      # the plan was published two months ago
due1 = today - datetime.timedelta(days=10)         # task 1 was due ten days ago
paper = due1 - datetime.timedelta(days=2)          # the unit's paper submission, before the deadline
PLAN = (f"韶关市{issued.year}年政务公开工作要点分工方案\n"
        "序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
        f"1\t推进决策公开\t市财政局\t市教育局\t{due1.year}年{due1.month}月{due1.day}日前\n"
        "2\t做好年度报告\t市公安局\t市教育局\t印发后20个工作日内\n")

with tempfile.TemporaryDirectory() as tmp:
    data = os.path.join(tmp, "store")
    plan_file = os.path.join(tmp, "plan-tt.tsv")
    with open(plan_file, "w", encoding="utf-8") as f:
        f.write(PLAN)
    rc, out, err = run(data, "init")
    check("init a real store", rc == 0 and "real" in out, out + err)

    ensure_account(DUBAN, data, "市财政局", ["--unit", "市财政局"])
    rc, out, err = run(data, "--as", "市财政局", "plan", "import", plan_file,
                       "--issued-on", issued.isoformat())
    check("a unit cannot enter a plan with an earlier date",
          rc == 1 and "rejected (forbidden_role)" in err and "only the office" in err,
          f"{rc} {out} {err}")
    rc, out, err = run(data, "plan", "import", plan_file, "--issued-on", issued.isoformat())
    check("plan import --issued-on", rc == 0 and "imported plan plan-tt" in out, out + err)

    rc, out, err = run(data, "--json", "history", "--plan", "plan-tt", "0")
    events = json.loads(out) if rc == 0 else []
    imported = [e for e in events if e["type"] == "PlanImported"]
    check("the import takes effect on the publication day, recorded now, as a back-entry",
          len(imported) == 1 and imported[0]["occurred_at"].startswith(issued.isoformat())
          and imported[0]["recorded_at"].startswith(today.isoformat())
          and imported[0]["body"]["issued_on"] == issued.isoformat()
          and issued.isoformat() in imported[0].get("back_entry_reason", ""), out + err)

    rc, out, err = run(data, "deadline", "印发后20个工作日内", "--issued", issued.isoformat())
    expected_due = next((w for w in out.split() if len(w) == 10 and w[4] == "-" and w[:4].isdigit()), None)
    rc2, out2, err2 = run(data, "--json", "status", "--plan", "plan-tt")
    rows = json.loads(out2) if rc2 == 0 else []
    due2 = [r["due_on"] for r in rows if r["task"] == 2]
    check("the relative deadline counts from the publication day",
          rc == 0 and expected_due is not None and len(due2) == 2 and set(due2) == {expected_due} and expected_due < today.isoformat(),
          f"{out} {err} {out2} {err2}")

    unit = ("--as", "市财政局")
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    signed = paper - datetime.timedelta(days=5)    # the paper receipt (签收回执)
    rc, out, err = run(data, *unit, "accept", "--plan", "plan-tt", "1", "--unit", "市财政局", "--at", signed.isoformat())
    check("a unit's backdated acceptance is refused with its reason",
          rc == 1 and "rejected (backdated)" in err and "engine's clock" in err, f"{rc} {out} {err}")
    rc, out, err = run(data, *unit, "accept", "--plan", "plan-tt", "1", "--unit", "市财政局", "--at", tomorrow)
    check("a unit cannot future-date", rc == 1 and "rejected (time_in_future)" in err, f"{rc} {out} {err}")
    rc, out, err = run(data, *unit, "accept", "--plan", "plan-tt", "1", "--unit", "市财政局",
                       "--at", signed.isoformat(), "--back-entry", "我单位补录")
    check("a unit cannot call its act a back-entry", rc == 1 and "rejected (forbidden_role)" in err,
          f"{rc} {out} {err}")
    rc, out, err = run(data, "accept", "--plan", "plan-tt", "1", "--unit", "市财政局",
                       "--at", signed.isoformat(), "--back-entry", "签收回执")
    check("the office back-enters the unit's paper receipt", rc == 0 and "AssignmentAccepted" in out, out + err)

    rc, out, err = run(data, *unit, "submit", "--plan", "plan-tt", "1", "--unit", "市财政局", "--text", "完成",
                       "--at", paper.isoformat())
    check("a unit's backdated submission is refused with its reason",
          rc == 1 and "rejected (backdated)" in err and "engine's clock" in err, f"{rc} {out} {err}")
    rc, out, err = run(data, "--json", "status", "--plan", "plan-tt")
    st = {(r["task"], r["unit"]): r["status"] for r in json.loads(out)} if rc == 0 else {}
    check("nothing refused changed the state", st.get((1, "市财政局")) == "accepted", out + err)

    rc, out, err = run(data, "submit", "--plan", "plan-tt", "1", "--unit", "市财政局", "--text", "完成",
                       "--at", paper.isoformat())
    check("the office does not back-date without a reason", rc == 1 and "rejected (" in err, f"{rc} {out} {err}")
    rc, out, err = run(data, "submit", "--plan", "plan-tt", "1", "--unit", "市财政局", "--text", "完成",
                       "--at", (signed - datetime.timedelta(days=1)).isoformat(), "--back-entry", "纸质件")
    check("nor before the last act recorded on the assignment", rc == 1 and "rejected (backdated)" in err,
          f"{rc} {out} {err}")
    reason = f"{paper.month}月{paper.day}日纸质报送件（收文登记第12号）"
    rc, out, err = run(data, "submit", "--plan", "plan-tt", "1", "--unit", "市财政局", "--text", "完成",
                       "--at", paper.isoformat(), "--back-entry", reason)
    check("the office back-enters the paper submission", rc == 0 and "CompletionSubmitted" in out, out + err)
    rc, out, err = run(data, "approve", "--plan", "plan-tt", "1", "--unit", "市财政局", "--at", paper.isoformat())
    check("an office record with an earlier time needs a reason",
          rc == 1 and "rejected (back_entry_needs_reason)" in err, f"{rc} {out} {err}")

    rc, out, err = run(data, "history", "--plan", "plan-tt", "1")
    lines = [l for l in out.splitlines() if "CompletionSubmitted" in l]
    check("history shows the back-entry at its effective time, with when it was recorded and why",
          rc == 0 and len(lines) == 1 and lines[0].startswith(paper.isoformat()) and "back-entry, recorded "
          + today.isoformat() in lines[0] and reason in lines[0], out + err)

    rc, out, err = run(data, "as-of", paper.isoformat(), "--plan", "plan-tt")
    check("as-of the paper day shows the submission and says it was entered later",
          rc == 0 and "submitted" in out and "entered later by the office" in out and reason in out
          and "more event(s) of it" in out, out + err)
    rc, out, err = run(data, "--json", "as-of", paper.isoformat(), "--plan", "plan-tt", "--task", "1")
    rows = [r for r in json.loads(out) if r["unit"] == "市财政局"] if rc == 0 else []
    check("as-of --json carries the back-entries on their assignment (made, signed, submitted)",
          len(rows) == 1 and rows[0]["status"] == "submitted"
          and [b["type"] for b in rows[0]["back_entries"]] == ["AssignmentCreated", "AssignmentAccepted",
                                                                "CompletionSubmitted"]
          and rows[0]["back_entries"][2]["back_entry_reason"] == reason, out + err)
    rc, out, err = run(data, "as-of", (paper - datetime.timedelta(days=1)).isoformat(), "--plan", "plan-tt",
                       "--task", "1")
    check("the day before the paper date it was accepted, not yet submitted",
          rc == 0 and "accepted" in out and "submitted" not in out and reason not in out, out + err)

    check("as-of says the record then did not show what was entered later",
          "were entered after" in run(data, "as-of", paper.isoformat(), "--plan", "plan-tt")[1], "")
    rc, out, err = run(data, "as-of", paper.isoformat(), "--plan", "plan-tt", "--as-recorded")
    check("as recorded on the paper day, the plan was not yet on record", rc == 1 and "did not exist" in err,
          f"{rc} {out} {err}")
    rc, out, err = run(data, "--json", "as-of", today.isoformat(), "--plan", "plan-tt", "--task", "1", "--as-recorded")
    rows = [r for r in json.loads(out) if r["unit"] == "市财政局"] if rc == 0 else []
    check("as recorded by the end of today, the back-entered submission is on record",
          len(rows) == 1 and rows[0]["status"] == "submitted", out + err)

    rc, out, err = run(data, "verify")
    check("verify ok", rc == 0 and "verify: ok" in out, out + err)
    rc, out, err = run(data, "--json", "rebuild")
    first = json.loads(out).get("projection_digest") if rc == 0 else None
    rc, out, err = run(data, "--json", "rebuild")
    second = json.loads(out).get("projection_digest") if rc == 0 else None
    check("rebuild is deterministic", first is not None and first == second, out + err)
    rc, out, err = run(data, "verify")
    check("verify ok after rebuild", rc == 0 and "verify: ok" in out, out + err)

    # Task 2 fell due weeks ago and no clock ran since the plan was entered:
    # the tick fires its miss now, dated when it fell due, and history says so.
    rc, out, err = run(data, "tick")
    check("the catch-up tick fires the old miss", rc == 0 and "DeadlineMissed" in out, out + err)
    rc, out, err = run(data, "history", "--plan", "plan-tt", "2")
    late = [l for l in out.splitlines() if "DeadlineMissed" in l]
    check("history marks a clock event fired days after it fell due",
          rc == 0 and late and all("[fired late: the clock caught up at " + today.isoformat() in l for l in late),
          out + err)

checks.finish("two times: backdating refused, back-entries shown, import dated, verify ok")
