#!/usr/bin/python3
"""Bulk office steps (issue 20) through the CLI, on a fresh real store, on the
machine's date, as a clerk with a full queue and as a hostile unit would use
them:
- a unit's account gets every item refused (forbidden_role) and nothing changes;
- `bulk approve` of three items, one not submitted: two done, one refused with
  its reason, exit 1; the same bulk id again writes nothing twice;
- malformed lists (not TASK:UNIT, an item twice, items and --queue) are usage
  errors that write nothing;
- `bulk reject --queue --reason` sends back every submission still waiting;
- `bulk remind` urges units (NoteAdded kind urge, in the history) and refuses
  an item whose task does not exist; `--queue` with nothing silent says so;
- `verify` ok, and `rebuild` gives the same digest twice.
Usage: cli_bulk_test.py PATH/TO/duban"""
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
UNITS = ["市财政局", "市教育局", "市公安局", "市卫生健康局"]  # the last named by its alias 市卫健局 below
PLAN = (f"韶关市{today.year}年政务公开工作要点分工方案\n"
        "序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
        + "".join(f"{i + 1}\t推进第{i + 1}项工作\t{u}\t\t{due.year}年{due.month}月{due.day}日前\n"
                  for i, u in enumerate(UNITS)))

with tempfile.TemporaryDirectory() as tmp:
    data = os.path.join(tmp, "store")
    plan_file = os.path.join(tmp, "plan-bulk.tsv")
    with open(plan_file, "w", encoding="utf-8") as f:
        f.write(PLAN)
    check("init a real store", run(data, "init")[0] == 0, "")
    rc, out, err = run(data, "plan", "import", plan_file, "--id", "bk")
    check("plan import", rc == 0, out + err)
    ensure_account(DUBAN, data, "office", ["--role", "office"])
    for u in UNITS:
        ensure_account(DUBAN, data, u, ["--unit", u])
    office = ["--as", "office"]

    # Units 1..3 accept and submit; unit 4 only accepts.
    for task, u in enumerate(UNITS, start=1):
        rc, out, err = run(data, "--as", u, "accept", "--plan", "bk", str(task), "--unit", u)
        check(f"{u} accepts", rc == 0, out + err)
        if task < 4:
            rc, out, err = run(data, "--as", u, "submit", "--plan", "bk", str(task), "--unit", u, "--text", "已完成")
            check(f"{u} submits", rc == 0, out + err)

    status = lambda: json.loads(run(data, "--json", "status", "--plan", "bk")[1])  # noqa: E731
    before = status()
    log_start = run(data, "log")[1]
    rc, out, err = run(data, "--as", "市财政局", "--json", "bulk", "approve", "--plan", "bk", "1:市财政局", "2:市教育局")
    check("a unit's bulk approve is refused whole (forbidden_role), exit 1",
          rc == 1 and "refused (forbidden_role)" in err and not out.strip(), f"{rc} {out} {err}")
    rc, out, err = run(data, *office, "bulk", "remind", "--plan", "no-such-plan", "1:市财政局")
    check("a bulk on an unknown plan is refused whole, exit 1", rc == 1 and "no-such-plan" in err, f"{rc} {out} {err}")
    rc, out, err = run(data, *office, "bulk", "remind", "--plan", "bk", "1:市财\x1b[31m政局")
    check("a unit name with a control character is a usage error", rc == 2 and "not a unit name" in err, f"{rc} {err}")
    check("and nothing changed: not even a rejection is logged", run(data, "log")[1] == log_start, "")

    for args, why in ((["1-市财政局"], "an item not TASK:UNIT"),
                      (["1:市财政局", "1:市财政局"], "an item twice"),
                      (["1:市财政局", "--queue"], "items and --queue"),
                      ([], "neither items nor --queue")):
        rc, out, err = run(data, *office, "bulk", "approve", "--plan", "bk", *args)
        check(f"bulk approve refuses {why} (usage, exit 2)", rc == 2 and "duban bulk approve" in err, f"{rc} {err}")
    rc, out, err = run(data, *office, "bulk", "reject", "--plan", "bk", "--queue")
    check("bulk reject without a reason is a usage error", rc == 2, f"{rc} {err}")
    check("the malformed bulks changed nothing", status() == before, "")

    approve = ["bulk", "approve", "--plan", "bk", "--command-id", "weekly-review-1", "--comment", "同意销号",
               "1:市财政局", "2:市教育局", "4：市卫健局"]
    rc, out, err = run(data, *office, *approve)
    check("bulk approve: two done, the one not submitted refused, exit 1",
          rc == 1 and sum(line.endswith(" done") for line in out.splitlines()) == 2 and "refused (invalid_transition)" in out
          and "2 done (0 of them before), 1 refused, 0 command id conflicts, of 3" in out, f"{rc} {out} {err}")
    rows = {(r["task"], r["unit"]): r["status"] for r in status()}
    check("tasks 1 and 2 are completed, 3 still submitted, 4 accepted",
          rows == {(1, "市财政局"): "completed", (2, "市教育局"): "completed", (3, "市公安局"): "submitted",
                   (4, "市卫生健康局"): "accepted"}, str(rows))
    log_before = run(data, "log")[1]
    rc, out, err = run(data, *office, "--json", *approve[:8], "4:市卫健局", "2:市教育局", "1:市财政局")
    res = json.loads(out) if out.strip() else {}
    check("the same bulk id again, in another order: two already done, the refusal answered again",
          rc == 1 and res.get("duplicates") == 2 and res.get("accepted") == 2 and res.get("rejected") == 1
          and all(i["duplicate"] for i in res.get("items", [])), f"{rc} {out} {err}")
    log_after = run(data, "log")[1]
    check("nothing new is written: the log is as it was", log_before and log_after == log_before,
          f"{len(log_before)} -> {len(log_after)} bytes")
    rc, out, err = run(data, *office, "--json", *approve[:7], "另一意见", "1:市财政局")
    res = json.loads(out) if out.strip() else {}
    check("the same bulk id with another comment: a command id conflict, exit 3",
          rc == 3 and res.get("conflicts") == 1 and res["items"][0]["outcome"] == "conflict", f"{rc} {out} {err}")
    rows = {(r["task"], r["unit"]): r["status"] for r in status()}
    check("the states are as after the first bulk", rows[(1, "市财政局")] == "completed"
          and rows[(3, "市公安局")] == "submitted", str(rows))

    rc, out, err = run(data, *office, "--json", "bulk", "reject", "--plan", "bk", "--queue", "--reason", "佐证材料不全")
    res = json.loads(out) if out.strip() else {}
    check("bulk reject --queue sends back the one submission still waiting",
          rc == 0 and [(i["task"], i["unit"], i["outcome"]) for i in res.get("items", [])]
          == [(3, "市公安局", "accepted")], f"{rc} {out} {err}")
    check("it is in progress again", {(r["task"]): r["status"] for r in status()}[3] == "in_progress", "")
    rc, out, err = run(data, *office, "bulk", "approve", "--plan", "bk", "--queue")
    check("bulk approve --queue with nothing waiting says so", rc == 0 and "nothing waits" in out, f"{rc} {out} {err}")

    rc, out, err = run(data, *office, "--json", "bulk", "remind", "--plan", "bk", "--text", "请本周内报送进展。",
                       "3:市公安局", "4:市卫健局", "9:市卫健局", "1:市财政局")
    res = json.loads(out) if out.strip() else {}
    outcomes = [(i["task"], i["outcome"], i.get("reason")) for i in res.get("items", [])]
    check("bulk remind: the two open ones urged, an unknown task and a completed one refused",
          rc == 1 and outcomes == [(3, "accepted", None), (4, "accepted", None), (9, "rejected", "task_not_found"),
                                   (1, "rejected", "task_closed")], f"{rc} {out} {err}")
    urged = [e for i in res.get("items", []) for e in i.get("events", [])]
    check("each urging is a NoteAdded of kind urge with the office's words",
          [(e["type"], e["body"]["kind"], e["body"]["text"]) for e in urged]
          == [("NoteAdded", "urge", "请本周内报送进展。")] * 2, json.dumps(urged, ensure_ascii=False))
    rc, out, err = run(data, "history", "--plan", "bk", "4")
    check("history shows the urging", "NoteAdded" in out and "kind=urge" in out, out + err)
    rc, out, err = run(data, *office, "bulk", "remind", "--plan", "bk", "--queue")
    check("bulk remind --queue on a fresh plan: nothing silent yet", rc == 0 and "nothing waits in the silent" in out,
          f"{rc} {out} {err}")
    rc, out, err = run(data, *office, "note", "--plan", "bk", "4", "--unit", "市卫健局", "--kind", "urge")
    check("note --kind urge needs no text", rc == 0 and "NoteAdded" in out, out + err)

    rc, out, err = run(data, "verify")
    check("verify ok", rc == 0 and "verify: ok" in out, out + err)
    rc, out, err = run(data, "--json", "rebuild")
    first = json.loads(out).get("projection_digest") if rc == 0 else None
    rc, out, err = run(data, "--json", "rebuild")
    second = json.loads(out).get("projection_digest") if rc == 0 else None
    check("rebuild is deterministic", first is not None and first == second, out + err)

# A real plan's silent queue is longer than one bulk: the oldest 500 are
# urged, the rest said to wait; an urging restarts an assignment's silence, so
# the same command again takes the next 500, until nothing waits.
with tempfile.TemporaryDirectory() as tmp:
    data = os.path.join(tmp, "sim")
    check("init a simulated store", run(data, "init", "--simulated")[0] == 0, "")
    long_ago = (today - datetime.timedelta(days=60)).isoformat()
    # The sample plan, as that year's: an issue date after the plan's own year is refused as a typo.
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "workflows", "plans",
                           "shaoguan-2021.txt"), encoding="utf-8") as f:
        text = f.read().replace("2021", long_ago[:4])
    sample = os.path.join(tmp, f"shaoguan-{long_ago[:4]}.txt")
    with open(sample, "w", encoding="utf-8") as f:
        f.write(text)
    rc, out, err = run(data, "plan", "import", sample, "--id", "sg", "--at", long_ago)
    check("the sample plan imported two months ago", rc == 0, out + err)
    rc, out, err = run(data, "--json", "queue", "silent", "--plan", "sg")
    waiting = len(json.loads(out)) if rc == 0 else 0
    check("more than one bulk's worth is silent", waiting > 500, f"{waiting} {err}")
    urged, runs = 0, 0
    while runs < 10:
        runs += 1
        rc, out, err = run(data, "--json", "bulk", "remind", "--plan", "sg", "--queue", "--text", "请抓紧签收")
        res = json.loads(out) if out.strip() else {}
        if not res.get("items"):
            break
        check(f"run {runs}: at most 500 urged, the rest said to wait",
              rc == 0 and res["accepted"] == len(res["items"]) <= 500
              and res["more_waiting"] == waiting - urged - res["accepted"], f"{rc} {err} {str(res)[:300]}")
        urged += res["accepted"]
    check("every silent assignment urged once, in as many runs as 500s", urged == waiting
          and runs == -(-waiting // 500) + 1, f"{urged} of {waiting} in {runs} runs")
    print(f"silent queue of the sample plan: {waiting} assignments urged in {runs - 1} bulks of at most 500")
    rc, out, err = run(data, "queue", "silent", "--plan", "sg")
    check("nothing is silent now: each urging restarted the count", rc == 0 and "0 waiting" in out, out + err)
    rc, out, err = run(data, "verify")
    check("verify ok", rc == 0 and "verify: ok" in out, out + err)

checks.finish("bulk approve/reject/remind: per-item outcomes, retries write nothing twice, units refused, verify ok")
