#!/usr/bin/python3
"""End-to-end check of `duban deadline`: JSON shape, dates and exit codes.
Usage: cli_deadline_test.py PATH/TO/duban"""
import json
import subprocess
import sys

DUBAN = sys.argv[1]
failures = []


def run(*args):
    p = subprocess.run([DUBAN, "deadline", *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def check(name, cond, detail=""):
    if not cond:
        failures.append(f"{name}: {detail}")


rc, out, _ = run("10月底前", "--year", "2021", "--json")
doc = json.loads(out)
check("month end resolves", rc == 0 and doc["due_on"] == "2021-10-31", out)
check("sunday moves to monday", doc["effective_due_on"] == "2021-11-01", out)
check("recurrence null for a date", doc["recurrence"] is None, out)
check("calendar version recorded", doc["calendar_version"].startswith("cn-mainland/"), out)

rc, out, _ = run("2021年\n12月10日前", "--year", "2021", "--json")
check("split line phrase", rc == 0 and json.loads(out)["due_on"] == "2021-12-10", out)

rc, out, _ = run("每季度听取一次", "--year", "2021", "--json")
doc = json.loads(out)
check("recurrence", rc == 0 and doc["recurrence"]["period"] == "quarter"
      and len(doc["recurrence"]["checkpoints"]) == 4 and doc["due_on"] == "2021-12-31", out)

rc, out, _ = run("印发后20个工作日内", "--year", "2021", "--issued", "2021-09-10")
check("working days text output", rc == 0 and out.splitlines()[0] == "2021-10-14", out)

rc, out, err = run("2024年4月31日前", "--year", "2024", "--json")
doc = json.loads(out)
check("impossible date exits 1 with null due", rc == 1 and doc["due_on"] is None
      and doc["unresolved"] is True and "2024-04-31" in err, out + err)

rc, _, _ = run("印发后20个工作日内", "--issued", "2021-02-30")
check("bad --issued is a usage error", rc == 2, str(rc))

rc, out, _ = run("10月底前", "--year", "2030", "--json")
check("uncovered year exits 1", rc == 1 and json.loads(out)["due_on"] is None, out)
rc, out, err = run("10月底前", "--year", "2030", "--provisional", "--json")
check("provisional resolves with a warning", rc == 0 and json.loads(out)["due_on"] == "2030-10-31"
      and "provisional" in err and json.loads(out)["calendar_version"].endswith("+provisional"), out + err)
rc, out, err = run("2030年1月1日前", "--weekends-only", "--json")
check("--weekends-only is the old name of --provisional; 元旦 is a rest day",
      rc == 0 and json.loads(out)["effective_due_on"] == "2030-01-02", out + err)

# A sentence of a task's text: the deadline phrase in it, as the importer reads it.
rc, out, _ = run("分管领导一季度听取一次", "--year", "2026", "--json")
doc = json.loads(out)
check("a sentence resolves by the phrase in it", rc == 0 and doc["recurrence"]["period"] == "quarter"
      and doc["found_in_text"] == "一季度听取一次" and doc["recurrence"]["checkpoints"][0] == "2026-03-31", out)
rc, out, _ = run("分管领导一季度听取一次", "--year", "2026")
check("and says which words it read", rc == 0 and "read from the sentence: 一季度听取一次" in out, out)
rc, out, _ = run("10月底前", "--year", "2021", "--json")
check("a whole phrase is not a sentence", json.loads(out)["found_in_text"] is None, out)
rc, out, _ = run("认真做好有关工作", "--year", "2026", "--json")
check("a sentence without a deadline is unresolved", rc == 1 and json.loads(out)["found_in_text"] is None, out)

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("duban deadline: all checks passed")
