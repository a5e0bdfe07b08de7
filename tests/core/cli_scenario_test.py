#!/usr/bin/python3
"""`duban scenario` (issue 20's scripted year) on a fresh store:
- it exits 0 and says every step turned out as the rules say; each
  capability's line is there (deadline, instruction, schedule, returns,
  cancel, three-level delegation with refusals, extension, a task
  consolidated by its lead unit, bulk twice);
- the store it leaves is sound by the commands a user runs afterwards:
  `verify` ok, `rebuild` then `verify` ok, `history` of the delegated task
  shows the tree, `queue silent` names one assignment; plain `status` flags
  lateness on finished or cancelled rows as a record (was-overdue);
- on a directory that already holds the plan it refuses and writes nothing;
  a simulated store whose clock was moved is refused.
Usage: cli_scenario_test.py PATH/TO/duban"""
import json
import os
import re
import sys
import tempfile

DUBAN = sys.argv[1]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from cli_checks import Checks  # noqa: E402

checks = Checks(DUBAN)
check, run = checks.check, checks.run

with tempfile.TemporaryDirectory() as tmp:
    data = os.path.join(tmp, "store")
    rc, out, err = run(data, "scenario")
    check("the scenario runs through", rc == 0, out[-3000:] + err)
    check("no step surprised it", "!!" not in out and "every step turned out as the rules say" in out, out[-3000:])
    for words in ("due 2021-06-30 with a reason", "mayor's instruction", "report every quarter",
                  "drops one return", "merges the other", "cancels", "新韶镇党政办", "delegation_open",
                  "queue extensions: 1", "sent again:", "verify: ok", "projections identical",
                  "consolidation_open", "consolidated_review", "the lead's queue: 2", "closes 3 assignments (its own and both parts) and the task"):
        check("the scenario shows: " + words, words in out, out[-3000:])
    m = re.search(r"approves \(销号\) (\d+) submissions in pages of 500; sent again: (\d+) duplicates", out)
    check("the bulk approved many and answered all of them again as duplicates",
          m is not None and int(m.group(1)) > 500 and m.group(1) == m.group(2), out[-2000:])
    m = re.search(r"asked on: ([0-9-, ]+) \(stopped", out)
    days = m.group(1).split(", ") if m else []
    check("the schedule asked more than once, never after it was stopped",
          len(days) >= 2 and all(d < "2021-09-20" for d in days), out[-1500:])

    rc, out, err = run(data, "verify")
    check("verify afterwards: ok", rc == 0 and "verify: ok" in out, out + err)
    rc, out, err = run(data, "rebuild")
    check("rebuild afterwards", rc == 0, out + err)
    rc, out, err = run(data, "verify")
    check("verify after the rebuild: ok", rc == 0 and "verify: ok" in out, out + err)

    rc, out, err = run(data, "--json", "queue", "silent", "--plan", "shaoguan-2021", "--on", "2022-01-10")
    rows = json.loads(out) if rc == 0 else []
    check("queue silent names the one unit that never signed", rc == 0 and len(rows) == 1, out + err)

    rc, out, err = run(data, "--json", "status", "--plan", "shaoguan-2021", "--unit", "新韶镇党政办")
    rows = json.loads(out) if rc == 0 and out.strip() else []
    check("the third level's part is on record, completed",
          rc == 0 and len(rows) == 1 and rows[0].get("status") == "completed", out + err)

    # Plain status: lateness on finished or cancelled rows is a record (was-),
    # not work late now; the one unit that never signed is late now.
    rc, out, err = run(data, "status", "--plan", "shaoguan-2021")
    rows = [line.split() for line in out.splitlines() if line.startswith("shaoguan-2021")]
    closed = [r for r in rows if len(r) > 4 and r[4] in ("completed", "cancelled")]
    check("plain status: no closed row is flagged late now",
          rc == 0 and closed and not any(f in ("overdue", "unsigned-past-limit") or f.startswith("escalation:")
                                         for r in closed for f in r[7:]), out[-2000:] + err)
    check("plain status: the cancelled part keeps how late it was",
          any(r[4] == "cancelled" and "was-overdue" in r and any(f.startswith("was-escalation:") for f in r)
              for r in closed), out[-2000:])
    check("plain status: the open late row is flagged late now",
          any(r[4] == "assigned" and "overdue" in r[7:] for r in rows), out[-2000:])

    def events():
        m = re.search(r"events: (\d+) in", run(data, "verify")[1])
        return int(m.group(1)) if m else -1

    before = events()
    rc, out, err = run(data, "scenario")
    check("a second run on the same store is refused", rc == 1 and "already holds the sample plan" in err, out + err)
    check("and it wrote no event", before > 0 and events() == before, f"{before} -> {events()}")

    # A simulated store whose clock was moved is not the scripted year's to write into.
    moved = os.path.join(tmp, "moved")
    run(moved, "init", "--simulated")
    run(moved, "tick", "--now", "2027-01-01")
    rc, out, err = run(moved, "scenario")
    check("a scripted year refuses a store whose clock was moved",
          rc == 1 and "has its clock moved to 2027-01-01" in err and "fresh --data" in err, out + err)

checks.finish("cli_scenario_test: ok")
