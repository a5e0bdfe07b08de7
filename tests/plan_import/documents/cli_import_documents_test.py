#!/usr/bin/python3
"""`duban plan import --dry-run --json` on Word, Excel and web-page plans.

1. Round trip: each sample plan's text parse is re-published as .docx, .xlsx
   and .html (by make_plan_documents.py, with python-docx and openpyxl); each
   must give the same plan and tasks as the text, in the same JSON shape.
   LibreOffice re-writes each (a workbook with shared strings, as Excel
   writes; a Word file; Writer's HTML): the same tasks again.
2. Layouts the samples lack, in every format: a combined 牵头及责任单位
   column, 责任部门 with 配合单位 beside it, three-level sections, units
   merged down over rows beside a genuinely empty cell, a plan split over two
   tables with a heading between, numbered tasks in one cell's paragraphs.
3. Hostile and wrong files: a zip bomb, XML and HTML nested without end, a
   damaged package, an old .doc, a zip that is no plan: exit 1, a reason, no task.

Usage: cli_import_documents_test.py DUBAN SOURCE_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

DUBAN, SRC = sys.argv[1], sys.argv[2]
MAKE = os.path.join(SRC, "tests/plan_import/documents/make_plan_documents.py")
FORMATS = ("docx", "xlsx", "html")
CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])")


def dry_run(path):
    p = subprocess.run([DUBAN, "plan", "import", path, "--dry-run", "--json"], capture_output=True, text=True,
                       timeout=60)
    return p.returncode, (json.loads(p.stdout) if p.stdout.strip() else None), p.stderr


def norm(d):
    keep = ("number", "section", "title", "content", "lead_units", "responsible_units", "deadline")
    return {"plan": d["plan"], "tasks": [{k: t[k] for k in keep} for t in d["tasks"]]}


def publish(model, out):
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "model.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(model, f, ensure_ascii=False)
    subprocess.run(["/usr/bin/python3", MAKE, path, out], check=True)
    return {f: os.path.join(out, "plan." + f) for f in FORMATS}


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)


tmp = tempfile.mkdtemp(prefix="duban-docs-")

# 1. Round trip of the samples.
for name in ("yichun-2021", "shaoguan-2021", "chengzihe-2021"):
    rc, text, err = dry_run(os.path.join(SRC, "workflows/plans", name + ".txt"))
    check(rc == 0, name + " text: " + err)
    parse_path = os.path.join(tmp, name + ".parse.json")
    model_path = os.path.join(tmp, name + ".model.json")
    with open(parse_path, "w", encoding="utf-8") as f:
        json.dump(text, f, ensure_ascii=False)
    subprocess.run(["/usr/bin/python3", MAKE, "--from-parse", parse_path, model_path], check=True)
    with open(model_path, encoding="utf-8") as f:
        model = json.load(f)
    for fmt, path in publish(model, os.path.join(tmp, name)).items():
        rc, got, err = dry_run(path)
        check(rc == 0, "%s %s: exit %d %s" % (name, fmt, rc, err))
        # The published table has a 完成时限 column for every task: a task the
        # text gave no deadline sits over a blank cell there, which is the
        # doubt no_deadline (and only that) in the document.
        undated = {t["number"] for t in text["tasks"] if not t.get("deadline", {}).get("text")}
        added = {(t["number"], d) for t in got["tasks"] for d in t.get("doubts", [])} - \
            {(t["number"], d) for t in text["tasks"] for d in t.get("doubts", [])}
        check(all(d == "no_deadline" and n in undated for n, d in added),
              "%s %s: doubts the text did not have: %s" % (name, fmt, sorted(added)[:5]))
        check(set(got) - {"doubtful_tasks"} == set(text) - {"doubtful_tasks"},
              "%s %s: JSON keys %s vs %s" % (name, fmt, sorted(got), sorted(text)))
        a, b = norm(text), norm(got)
        if a != b:
            for x, y in zip(a["tasks"], b["tasks"]):
                if x != y:
                    print("first difference:", json.dumps(x, ensure_ascii=False), json.dumps(y, ensure_ascii=False))
                    break
            check(False, "%s %s: plan %s vs %s, %d vs %d tasks" % (name, fmt, a["plan"], b["plan"], len(a["tasks"]),
                                                                 len(b["tasks"])))
        check(got.get("doubtful_tasks", 0) == len({n for n, _ in added}),
              "%s %s: doubtful %s" % (name, fmt, got.get("doubtful_tasks")))
    # Files as another producer writes them: LibreOffice re-saves the workbook
    # (with shared strings, as Excel writes), the Word file, and the Word
    # file as a web page (Writer's HTML).
    lo_out = os.path.join(tmp, name, "libreoffice")
    for src, target in (("plan.xlsx", 'xlsx:Calc MS Excel 2007 XML'), ("plan.docx", "docx:MS Word 2007 XML"),
                        ("plan.docx", "html:HTML (StarWriter)")):
        p = subprocess.run(["soffice", "-env:UserInstallation=file://" + os.path.join(tmp, "lo-profile"), "--headless",
                            "--convert-to", target, "--outdir", os.path.join(lo_out, target.split(":")[0]),
                            os.path.join(tmp, name, src)], capture_output=True, text=True, timeout=180)
        out = os.path.join(lo_out, target.split(":")[0], "plan." + target.split(":")[0])
        check(p.returncode == 0 and os.path.exists(out), "LibreOffice %s: %s" % (target, p.stderr))
        rc, got, err = dry_run(out)
        want, have = norm(text), norm(got) if got else None
        if target.startswith("html"):
            # Writer wraps long source lines at a space; a line break between
            # Chinese characters is read as a wrap (the exporters' kind), so
            # such a space is lost ("办实事 政务公开" -> "办实事政务公开").
            # A title cut from the text (40 characters and "…") then ends a character later.
            want, have = (json.loads(CJK_SPACE.sub("", json.dumps(d, ensure_ascii=False))) for d in (want, have))
            for t in want["tasks"] + (have["tasks"] if have else []):
                if t["title"].endswith("…"):
                    t["title"] = "(cut from the content)"
        check(rc == 0 and have == want, "%s as LibreOffice writes %s: exit %d, %d tasks" % (
            name, target, rc, len(got["tasks"]) if got else 0))
    if name == "yichun-2021":
        with zipfile.ZipFile(os.path.join(lo_out, "xlsx", "plan.xlsx")) as z:
            check("xl/sharedStrings.xml" in z.namelist(), "LibreOffice's workbook has shared strings")
    print("round trip %s: %d tasks the same in docx, xlsx, html, and as LibreOffice re-writes them (xlsx with shared "
          "strings, docx, Writer's html)" % (name, len(text["tasks"])))

# 2. Layouts the samples lack.
TITLE = "2027年某市政务公开工作要点分工方案"
BEFORE = [TITLE, "某政办发〔2027〕3号"]
AFTER = ["某市人民政府办公室", "2027年3月1日"]


def layout(name, header, rows, expect, **extra):
    model = {"title": TITLE, "before": BEFORE, "after": AFTER, "header": header, "rows": rows}
    model.update(extra)
    for fmt, path in publish(model, os.path.join(tmp, name)).items():
        rc, got, err = dry_run(path)
        check(rc == 0, "%s %s: exit %d %s" % (name, fmt, rc, err))
        check(got["plan"]["title"] == TITLE and got["plan"]["doc_number"] == "某政办发〔2027〕3号" and
              got["plan"]["issued_on"] == "2027-03-01" and got["plan"]["issuer"] == "某市人民政府办公室",
              "%s %s: plan %s" % (name, fmt, got["plan"]))
        tasks = {t["number"]: t for t in got["tasks"]}
        check(sorted(tasks) == sorted(expect), "%s %s: tasks %s" % (name, fmt, sorted(tasks)))
        for n, want in expect.items():
            for k, v in want.items():
                have = tasks[n]["deadline"]["text"] if k == "deadline" else tasks[n][k]
                check(have == v, "%s %s task %d %s: %r, want %r" % (name, fmt, n, k, have, v))
        check("doubtful_tasks" not in got, "%s %s: doubtful %s" % (name, fmt, got.get("doubtful_tasks")))
    print("layout %s: %d tasks right in docx, xlsx, html" % (name, len(expect)))


layout("combined-unit-column", ["序号", "工作任务", "牵头及责任单位", "完成时限"], [
    ["1", "推进政务公开标准化。", "市发改局牵头，市财政局、市商务局配合", "6月底前"],
    ["2", "做好政策解读。", "市司法局、市财政局", "全年"],
], {1: {"lead_units": ["市发改局"], "responsible_units": ["市财政局", "市商务局"], "deadline": "6月底前"},
    2: {"lead_units": ["市司法局"], "responsible_units": ["市财政局"], "deadline": "全年"}})

layout("responsible-department-and-cooperating", ["序号", "重点任务", "责任部门", "配合单位", "完成时间"], [
    ["1", "加强教育领域信息公开。", "市教育局", "市财政局", "9月底前"],
    ["2", "公开医保基金运行情况。", "市医保局", None, "12月底前"],
], {1: {"responsible_units": ["市教育局", "市财政局"], "deadline": "9月底前"},
    2: {"responsible_units": ["市医保局"], "deadline": "12月底前"}})

SPAN = 5
layout("three-level-sections", ["序号", "工作任务", "牵头单位", "责任单位", "完成时限"], [
    [{"text": "第一部分 重点领域", "span": SPAN}],
    [{"text": "一、深化财政信息公开", "span": SPAN}],
    [{"text": "（一）预决算公开", "span": SPAN}],
    ["1", "按时公开部门预算。", "市财政局", "市直各单位", "3月底前"],
    [{"text": "（二）债务公开", "span": SPAN}],
    ["2", "公开政府债务限额。", "市财政局", None, "6月底前"],
    [{"text": "第二部分 保障措施", "span": SPAN}],
    ["3", "加强培训。", "市政府办公室", None, "全年"],
], {1: {"section": ["第一部分 重点领域", "一、深化财政信息公开", "（一）预决算公开"]},
    2: {"section": ["第一部分 重点领域", "一、深化财政信息公开", "（二）债务公开"], "lead_units": ["市财政局"],
        "responsible_units": []},
    3: {"section": ["第二部分 保障措施"]}})

layout("units-merged-down-beside-an-empty-cell", ["序号", "工作任务", "牵头单位", "责任单位", "完成时限"], [
    ["1", "公开A事项。", "市发改局", "各县（市、区）政府", "6月底前"],
    ["2", "公开B事项。", {"merge_up": True}, {"merge_up": True}, {"merge_up": True}],
    ["3", "公开C事项。", {"merge_up": True}, "市财政局", "全年"],
    ["4", "公开D事项。", None, "市商务局", "全年"],
], {1: {"lead_units": ["市发改局"], "responsible_units": ["各县（市、区）政府"], "deadline": "6月底前"},
    2: {"lead_units": ["市发改局"], "responsible_units": ["各县（市、区）政府"], "deadline": "6月底前"},
    3: {"lead_units": ["市发改局"], "responsible_units": ["市财政局"], "deadline": "全年"},
    4: {"lead_units": [], "responsible_units": ["市商务局"], "deadline": "全年"}})

layout("two-tables-heading-between", ["序号", "工作任务", "责任单位", "完成时限"], [
    [{"text": "一、第一项重点", "span": 4}],
    ["1", "做好A。", "市发改局", "6月底前"],
    ["2", "做好B。", "市财政局", "全年"],
    ["序号", "工作任务", "责任单位", "完成时限"],
    ["3", "做好C。", "市商务局", "全年"],
], {1: {"section": ["一、第一项重点"]}, 2: {"section": ["一、第一项重点"]},
    3: {"section": ["二、第二项重点"], "responsible_units": ["市商务局"]}},
    tables=[3], between={"3": ["二、第二项重点"]})

layout("numbered-tasks-in-one-cell", ["工作任务", "责任单位", "完成时限"], [
    ["1.做好A工作。\n2.做好B工作。", "市发改局", "6月底前"],
    ["工作任务", "责任单位", "完成时限"],
    ["3.做好C工作。", "市财政局", "全年"],
], {1: {"responsible_units": ["市发改局"], "content": "做好A工作。"},
    2: {"responsible_units": ["市发改局"], "content": "做好B工作。"},
    3: {"responsible_units": ["市财政局"], "deadline": "全年"}}, tables=[1])

# 2b. Found by trying unseen layouts: each was silent or wrong before.
import openpyxl  # noqa: E402 (Debian's python3-openpyxl)


def tasks_of(path):
    rc, got, err = dry_run(path)
    check(rc == 0, "%s: exit %d %s" % (path, rc, err))
    return {t["number"]: t for t in got["tasks"]}, [p["message"] for p in got["problems"]]


wb = openpyxl.Workbook()
hidden = wb.active
hidden.title = "旧表"
hidden.append(["序号", "工作任务", "责任单位", "完成时限"])
hidden.append([99, "隐藏表中的任务不应导入。", "市财政局", "全年"])
hidden.sheet_state = "hidden"
ws = wb.create_sheet("任务表")
other = wb.create_sheet("县区")
other.append(["序号", "工作任务", "责任单位", "完成时限"])
other.append([9, "县区任务。", "浈江区政府", "全年"])
wb.active = 1
ws.append([TITLE])
ws.append(["序号", "工作任务", "责任单位", None, "完成时限", "2026年责任单位"])
ws.append([None, None, "牵头", "配合", None, None])
ws.merge_cells("C2:D2")
for col in "ABE":
    ws.merge_cells("%s2:%s3" % (col, col))
ws.append([1, "推进A。", "市发改局", "市财政局、市商务局", "6月底前", "市审计局"])
ws.append([2, "（已取消）推进B。", "市司法局", "", "全年", ""])
ws.append([3, "推进C。", "市教育局", "市财政局", "全年", "市审计局"])
ws.row_dimensions[5].hidden = True
ws.column_dimensions["F"].hidden = True
xlsx = os.path.join(tmp, "two-row-header-hidden.xlsx")
wb.save(xlsx)
tasks, problems = tasks_of(xlsx)
check(sorted(tasks) == [1, 3], "xlsx: the visible active sheet only, the hidden row left out: %s" % sorted(tasks))
check(tasks[1]["lead_units"] == ["市发改局"] and tasks[1]["responsible_units"] == ["市财政局", "市商务局"],
      "xlsx: a header over two rows (责任单位 over 牵头 | 配合): %s" % tasks[1])
check(any("row 5 is hidden" in m for m in problems) and any("column F is hidden" in m for m in problems) and
      any("sheet '县区' is not read" in m for m in problems), "xlsx: hidden row, hidden column, other sheet said: %s" %
      problems)
print("layout two-row header, hidden sheet/row/column, another sheet: right and said")

utf16 = os.path.join(tmp, "unicode-text.txt")
with open(utf16, "w", encoding="utf-16") as f:
    f.write(TITLE + "\n序号\t工作任务\t责任单位\t完成时限\n1\t推进A。\t市发改局\t6月底前\n")
tasks, problems = tasks_of(utf16)
check(tasks[1]["responsible_units"] == ["市发改局"] and any("UTF-16" in m for m in problems),
      "UTF-16 text (Excel's Unicode text) is converted and said")

fonts = os.path.join(tmp, "unclosed-fonts.html")
with open(fonts, "w", encoding="utf-8") as f:
    f.write("<html><body><h1>%s</h1><table><tr><td>序号<td>工作任务<td>责任单位<td>完成时限" % TITLE +
            "".join("<tr><td><font size=2>%d<td><font size=2>推进第%d项。<td><font size=2>市财政局<td><font size=2>全年"
                    % (i, i) for i in range(1, 401)) + "</table></body></html>")
tasks, problems = tasks_of(fonts)
check(len(tasks) == 400, "html: 400 rows with <font> left open in every cell all read (%d)" % len(tasks))

prose = os.path.join(tmp, "prose.html")
with open(prose, "w", encoding="utf-8") as f:
    f.write("<!DOCTYPE html><html><body><h1>%s</h1><p>一、深化&ldquo;放管服&rdquo;改革</p>" % TITLE +
            "<p>1.推行告知承诺制。（市司法局牵头，市直各单位负责）</p><p>2.压减审批时限。（市发改局牵头）</p></body></html>")
tasks, problems = tasks_of(prose)
check(tasks[1]["lead_units"] == ["市司法局"] and tasks[2]["lead_units"] == ["市发改局"] and
      tasks[1]["section"] == ["一、深化“放管服”改革"], "html without a table: a prose plan, entities decoded: %s" % tasks)
print("layout UTF-16 text, unclosed <font> in cells, a prose web page: right")

import docx  # noqa: E402 (Debian's python3-docx)
d = docx.Document()
d.add_paragraph(TITLE)
for rows in ([["序号", "工作任务", "责任单位", "完成时限"], ["1", "推进A。", "市发改局", "6月底前"]],
             [["序号", "单位", "姓名", "联系电话"], ["1", "市财政局", "王五", "0751-8111111"]]):
    t = d.add_table(rows=0, cols=4)
    for r in rows:
        cells = t.add_row().cells
        for c, v in zip(cells, r):
            c.text = v
    d.add_paragraph("附件2：联系人名单")
contact = os.path.join(tmp, "plan-then-contacts.docx")
d.save(contact)
tasks, problems = tasks_of(contact)
check(list(tasks) == [1] and tasks[1]["responsible_units"] == ["市发改局"] and
      any("is not the plan's table" in m for m in problems), "docx: a contact list after the plan is not read, and said")

# The plan in two tables, the second with its unit columns swapped and no 备注 (a review lost its
# three tasks with one warning): read by its header words, and said.
d = docx.Document()
d.add_paragraph(TITLE)
for rows in ([["序号", "工作任务", "牵头单位", "责任单位", "完成时限", "备注"],
              ["1", "推进A。", "市发改局", "市财政局", "6月底前", "按省要求"]],
             [["序号", "工作任务", "责任单位", "牵头单位", "完成时限"],
              ["2", "推进B。", "市商务局", "市司法局", "9月底前"],
              ["3", "推进C。", "", "市教育局", "全年"]]):
    d.add_paragraph("二、第二部分" if rows[0][-1] == "完成时限" else "一、第一部分")
    t = d.add_table(rows=0, cols=len(rows[0]))
    for r in rows:
        cells = t.add_row().cells
        for c, v in zip(cells, r):
            c.text = v
# A third whose first row is its section heading merged across it, its header below (a review found
# such a table read in the first one's column order, 牵头 and 责任 silently swapped).
t = d.add_table(rows=0, cols=5)
for r in (["三、第三部分"] * 5, ["序号", "工作任务", "责任单位", "牵头单位", "完成时限"],
          ["4", "推进D。", "市民政局", "市公安局", "10月底前"]):
    cells = t.add_row().cells
    for c, v in zip(cells, r):
        c.text = v
t.cell(0, 0).merge(t.cell(0, 4)).text = "三、第三部分"
swapped = os.path.join(tmp, "two-tables-swapped.docx")
d.save(swapped)
tasks, problems = tasks_of(swapped)
check(sorted(tasks) == [1, 2, 3, 4], "docx: every table's tasks: %s" % sorted(tasks))
check(tasks[4]["lead_units"] == ["市公安局"] and tasks[4]["responsible_units"] == ["市民政局"] and
      tasks[4]["section"] == ["三、第三部分"], "docx: a header below a merged heading row: %s" % tasks.get(4))
check(tasks[2]["lead_units"] == ["市司法局"] and tasks[2]["responsible_units"] == ["市商务局"] and
      tasks[2]["deadline"]["text"] == "9月底前" and tasks[2]["section"] == ["二、第二部分"],
      "docx: the second table's columns by its own header: %s" % tasks.get(2))
check(tasks[3]["lead_units"] == ["市教育局"] and tasks[3]["responsible_units"] == [],
      "docx: an empty cell of the second table inherits nothing: %s" % tasks.get(3))
check(any("another order or number" in m for m in problems), "docx: the other column order is said: %s" % problems)
print("layout docx: a second table with the columns in another order is read by its header")

# 3. Hostile and wrong files: refused with the reason, nothing imported.


def refused(path, words, what):
    rc, got, err = dry_run(path)
    check(rc == 1, "%s: exit %d" % (what, rc))
    check(words in err, "%s: stderr %r lacks %r" % (what, err, words))
    if got is not None:
        check(got["tasks"] == [], what + ": tasks")
    print("refused %s: %s" % (what, [l.strip() for l in err.splitlines() if words in l][0]))


bomb = os.path.join(tmp, "bomb.docx")
with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", "<Types/>")
    with z.open("word/document.xml", "w") as f:
        chunk = b" " * (1 << 20)
        for _ in range(200):
            f.write(chunk)
check(os.path.getsize(bomb) < 2 << 20, "bomb is small")
refused(bomb, "inflates past 32 MiB", "a 200 MiB zip bomb in %d KiB" % (os.path.getsize(bomb) >> 10))

deep = os.path.join(tmp, "deep.docx")
with zipfile.ZipFile(deep, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("word/document.xml", "<w:document><w:body>" + "<w:p>" * 100000 + "</w:p>" * 100000 +
               "</w:body></w:document>")
refused(deep, "deeper than 256 levels", "XML nested 100000 deep")

deep_html = os.path.join(tmp, "deep.html")
with open(deep_html, "w") as f:
    f.write("<html><body>" + "<div>" * 200000 + "<table><tr><td>序号</td><td>牵头单位</td></tr></table></body></html>")
refused(deep_html, "nested deeper than", "HTML nested 200000 deep")

damaged = os.path.join(tmp, "damaged.docx")
with open(os.path.join(tmp, "yichun-2021", "plan.docx"), "rb") as f:
    whole = f.read()
with open(damaged, "wb") as f:
    f.write(whole[: len(whole) // 2])
refused(damaged, "a damaged zip package", "a Word file cut in half")

old_doc = os.path.join(tmp, "old.doc")
with open(old_doc, "wb") as f:
    f.write(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + b"\0" * 4096)
refused(old_doc, "save it as .docx or .xlsx", "a Word 97-2003 file")

other_zip = os.path.join(tmp, "photos.zip")
with zipfile.ZipFile(other_zip, "w") as z:
    z.writestr("a.jpg", "x")
refused(other_zip, "neither a Word", "a zip of photos")

print("cli_import_documents_test: ok")
