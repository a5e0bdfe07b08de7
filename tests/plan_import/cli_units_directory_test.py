#!/usr/bin/python3
"""`duban units export|import|learn` and suggestions for unknown units.

- A shipped directory exported as .xlsx (read back with openpyxl) and .csv,
  each imported back into YAML: `plan import --units` with it gives the same
  parse as the shipped directory.
- An office's own table (columns reordered, contacts, a group) imports; bad
  tables are refused naming the row: an empty name, a name twice, an unknown
  member, a bad mobile number, an unknown column. -o never replaces a file
  without --force.
- `units learn` drafts a directory from a plan's units: with it, the plan
  imports with no unknown unit; the draft says it needs review.
- An unknown unit close to a known one is reported with "did you mean".

Usage: cli_units_directory_test.py DUBAN SOURCE_DIR
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

DUBAN, SRC = sys.argv[1], sys.argv[2]
tmp = tempfile.mkdtemp(prefix="duban-units-")
PLAN = os.path.join(SRC, "workflows", "plans", "shaoguan-2021.txt")


def run(*args, stdin=None):
    p = subprocess.run([DUBAN, *args], capture_output=True, text=True, input=stdin, timeout=60)
    return p.returncode, p.stdout, p.stderr


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)
    print("ok  ", what)


def parse(plan, units=None):
    rc, out, err = run("plan", "import", plan, "--dry-run", "--json", *(["--units", units] if units else []))
    check(rc == 0, "dry run of %s: %s" % (os.path.basename(plan), err[-300:]))
    return json.loads(out)


shipped = parse(PLAN)

# Export, read back, import, use.
xlsx = os.path.join(tmp, "shaoguan.xlsx")
rc, out, err = run("units", "export", "--directory", "shaoguan", "-o", xlsx)
check(rc == 0 and os.path.exists(xlsx) and "written to" in err, "export shaoguan as .xlsx: " + err.strip())
import openpyxl  # noqa: E402 (Debian's python3-openpyxl)
ws = openpyxl.load_workbook(xlsx).active
rows = [[c.value for c in r] for r in ws.iter_rows()]
check(rows[0][:5] == ["类型", "名称", "别名", "上级单位", "成员"], "openpyxl reads the header: %s" % rows[0][:5])
check(any(r[1] == "市政府办公室" and "市府办" in (r[2] or "") for r in rows), "a unit with its short name and aliases")
check(any(r[0] == "分组" and r[4] for r in rows), "groups with their members")
rc, out, err = run("units", "export", "--directory", "shaoguan", "-o", xlsx)
check(rc == 2 and "--force" in err, "export does not replace a file without --force")

csv_path = os.path.join(tmp, "shaoguan.csv")
rc, out, err = run("units", "export", "--directory", "shaoguan", "-o", csv_path)
check(rc == 0, "export shaoguan as .csv")
for src in (xlsx, csv_path):
    yaml = os.path.join(tmp, os.path.basename(src) + ".yaml")
    rc, out, err = run("units", "import", src, "--id", "shaoguan", "--title", "韶关市", "--match", "韶关", "-o", yaml)
    check(rc == 0 and "units" in err, "import %s back: %s" % (os.path.basename(src), err.strip()))
    again = parse(PLAN, yaml)
    check(again["tasks"] == shipped["tasks"] and again.get("unknown_units") == shipped.get("unknown_units"),
          "plan import --units %s gives the shipped directory's parse" % os.path.basename(yaml))

# An office's own table: columns reordered, contacts, a group.
own = os.path.join(tmp, "office.csv")
with open(own, "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f)
    w.writerow(["名称", "类型", "别名", "联络员", "联络员手机", "成员", "上级单位"])
    w.writerow(["市财政局", "单位", "财政局、市财政", "张三", "13800000001", "", ""])
    w.writerow(["市教育局", "", "", "", "", "", ""])
    w.writerow(["市教育局办公室", "单位", "", "", "", "", "市教育局"])
    w.writerow(["市直各单位", "分组", "", "", "", "市财政局、市教育局", ""])
yaml = os.path.join(tmp, "office.yaml")
rc, out, err = run("units", "import", own, "-o", yaml)
check(rc == 0, "an office's own table imports: " + err.strip())
text = open(yaml, encoding="utf-8").read()
check("directory: office" in text and "13800000001" in text and "parent: 市教育局" in text and "members: [市财政局, 市教育局]" in text,
      "its YAML has the id from the file name, the contact, the parent and the group")


def bad(rows, words, what):
    path = os.path.join(tmp, "bad.csv")
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    rc, out, err = run("units", "import", path, "--id", "x")
    check(rc == 1 and words in err and not out, "refused: %s (%s)" % (what, err.strip()))


HEAD = ["类型", "名称", "成员", "联络员", "联络员手机"]
bad([HEAD, ["单位", "", "", "", ""]], "row 2: 名称 is empty", "a row without a name")
bad([HEAD, ["单位", "市财政局", "", "", ""], ["单位", "市财政局", "", "", ""]], "row 3: \"市财政局\" is listed twice",
    "a name twice")
bad([HEAD, ["单位", "市财政局", "", "", ""], ["分组", "各部门", "市财政局、市税务局", "", ""]], "unknown member '市税务局'",
    "a group naming an unknown member")
bad([HEAD, ["单位", "市财政局", "", "张三", "见通讯录"]], "row 2: 市财政局", "a bad mobile number names its row")
bad([["类型", "名称", "电话号码"], ["单位", "市财政局", "1"]], "unknown column \"电话号码\"", "an unknown column")
bad([["编号", "单位"], ["1", "市财政局"]], "no header row naming 名称", "a table without 名称")

# Learn a draft from a plan, then import with it.
draft = os.path.join(tmp, "chengzihe-draft.yaml")
plan2 = os.path.join(SRC, "workflows", "plans", "chengzihe-2021.txt")
rc, out, err = run("units", "learn", plan2, "-o", draft, "--id", "chengzihe-draft")
check(rc == 0 and "review it" in err, "learn a draft: " + err.strip())
text = open(draft, encoding="utf-8").read()
check("Review it before use" in text and "区财政局" in text, "the draft says it needs review and names the plan's units")
learned = parse(plan2, draft)
check(not learned.get("unknown_units"), "with the draft the plan has no unknown unit")

# Suggestions for a name the directory does not know.
typo = os.path.join(tmp, "typo.txt")
with open(PLAN, encoding="utf-8") as f:
    body = f.read()
with open(typo, "w", encoding="utf-8") as f:
    f.write(body.replace("市财政局", "韶关市财政局", 1).replace("市教育局", "市教肓局", 1))
got = parse(typo)
msgs = [p["message"] for p in got["problems"]] + [p["message_zh"] for p in got["problems"]]
check(any("unknown unit '韶关市财政局'" in m and "did you mean 市财政局" in m for m in msgs),
      "a longer form of a known name: 'did you mean 市财政局?'")
check(any("市教肓局" in m and "did you mean 市教育局" in m for m in msgs), "a typo: 'did you mean 市教育局?'")
check(any("是否为“市教育局”" in m for m in msgs), "and in Chinese")
print("cli_units_directory_test: ok")
