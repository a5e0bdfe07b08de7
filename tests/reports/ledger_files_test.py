#!/usr/bin/python3
"""`duban report ledger` read back by readers duban did not write, on the
demo's store (the Shaoguan 2021 plan and its scripted year):
- xlsx with openpyxl: title and 填报单位 / 填报日期 lines, the Chinese headers,
  one row per assignment of `as-of --json` (the engine's own query) with the
  same task, unit, state and escalation level, the section and task columns
  merged down, the header frozen, A4 landscape, one page wide, title and
  header rows repeated, the state cell coloured by the light;
- csv with the csv module: a UTF-8 BOM, the same headers and cells as the xlsx;
- json: the same rows;
- a unit's ledger holds only its rows; a date before the plan existed is
  exit 1 with a plain message;
- the xlsx printed to PDF by LibreOffice headless and to PNG by pdftoppm:
  pages are produced; the first page is kept in ARTIFACTS for a look;
- `report scorecard`: the xlsx read back (one row per unit, counts equal to
  the engine's rows, scores as the json says, a chart in the file), printed
  the same way; its json against the engine's rows.
Exits 77 (skipped) when openpyxl, soffice or pdftoppm is missing.
Usage: ledger_files_test.py PATH/TO/duban ARTIFACTS_DIR"""
import csv
import collections
import datetime
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile

DUBAN, ARTIFACTS = sys.argv[1], sys.argv[2]
try:
    import openpyxl
except ImportError:
    print("SKIP: python3-openpyxl is missing (ops/install-deps.sh installs it); run with /usr/bin/python3")
    sys.exit(77)
for tool, pkg in (("soffice", "libreoffice-calc-nogui"), ("pdftoppm", "poppler-utils"), ("pdfinfo", "poppler-utils")):
    if not shutil.which(tool):
        print(f"SKIP: {tool} is missing (Debian package {pkg}; ops/install-deps.sh installs it)")
        sys.exit(77)

PLAN = "shaoguan-2021"
AS_OF = "2022-01-20"  # past the year-end deadlines: done, red, green and escalated rows
HEADERS = ["序号", "所属部分", "工作任务", "牵头单位", "责任单位", "落实单位", "完成时限", "截止日期", "办理状态",
           "具体工作事项进度", "进度（%）", "填报人", "联系方式（手机）", "提交日期", "销号日期", "逾期工作日", "督办等级", "亮灯"]
STATE = {"assigned": "待签收", "accepted": "已签收", "in_progress": "办理中", "submitted": "待审核",
         "completed": "已办结", "returned": "已退回", "cancelled": "已撤销"}
FILLS = {"red": "FFC7CE", "yellow": "FFEB9C", "green": "C6EFCE", "done": "C6EFCE"}
failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f"\n     {detail}"))
    if not cond:
        failures.append(name)


def run(data, *args):
    p = subprocess.run([DUBAN, "--data", data, *args], capture_output=True, timeout=600)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def col(name):
    return HEADERS.index(name) + 1


with tempfile.TemporaryDirectory(prefix="duban-report-") as tmp:
    data = os.path.join(tmp, "store")
    rc, out, err = run(data, "demo")
    check("duban demo makes the store", rc == 0, err)

    rc, out, err = run(data, "--json", "as-of", AS_OF, "--plan", PLAN)
    engine_rows = json.loads(out) if rc == 0 else []
    check("as-of --json answers", rc == 0 and len(engine_rows) > 40, err)
    by_key = {(r["task"], r["unit"]): r for r in engine_rows}

    # ---- xlsx ----
    xlsx = os.path.join(tmp, "ledger.xlsx")
    rc, out, err = run(data, "report", "ledger", "--plan", PLAN, "--as-of", AS_OF, "--format", "xlsx", "-o", xlsx)
    check("report ledger --format xlsx", rc == 0 and os.path.getsize(xlsx) > 0, err)
    wb = openpyxl.load_workbook(xlsx)
    ws = wb.active
    check("the sheet is named 工作台账", ws.title == "工作台账", ws.title)
    check("title row: the plan's name + 工作台账",
          isinstance(ws["A1"].value, str) and ws["A1"].value.endswith("工作台账") and "韶关市" in ws["A1"].value,
          repr(ws["A1"].value))
    check("填报单位（盖章） and 填报日期 lines",
          str(ws["A2"].value).startswith("填报单位（盖章）") and "填报日期：2022年1月20日" in str(ws.cell(2, col("具体工作事项进度")).value),
          f"{ws['A2'].value!r} {ws.cell(2, col('具体工作事项进度')).value!r}")
    headers = [ws.cell(3, c).value for c in range(1, len(HEADERS) + 1)]
    check("Chinese headers in the form's order", headers == HEADERS, repr(headers))

    data_rows = []
    r = 4
    while ws.cell(r, col("落实单位")).value:
        data_rows.append(r)
        r += 1
    check("one row per assignment, as the engine's as-of query has them",
          len(data_rows) == len(engine_rows), f"{len(data_rows)} rows vs {len(engine_rows)}")
    check("the foot: 填报人 and 联系方式（手机）",
          str(ws.cell(r + 1, 1).value).startswith("填报人") and
          str(ws.cell(r + 1, col("具体工作事项进度")).value).startswith("联系方式（手机）"),
          f"{ws.cell(r + 1, 1).value!r}")

    merged = [str(m) for m in ws.merged_cells.ranges]
    check("the title is merged across the table", "A1:R1" in merged, merged[:5])
    # The task number as of the merged range's top cell, for every data row.
    top = {}
    for m in ws.merged_cells.ranges:
        for rr in range(m.min_row, m.max_row + 1):
            for cc in range(m.min_col, m.max_col + 1):
                top[(rr, cc)] = (m.min_row, m.min_col)

    def value(rr, cc):
        return ws.cell(*top.get((rr, cc), (rr, cc))).value

    vertical = [m for m in ws.merged_cells.ranges if m.min_row >= 4 and m.max_row > m.min_row]
    check("section and task columns are merged down over their rows",
          any(m.min_col == col("所属部分") for m in vertical) and any(m.min_col == col("序号") for m in vertical)
          and any(m.min_col == col("工作任务") for m in vertical), merged[:20])
    mismatch = []
    fill_wrong = []
    sheet_cells = []
    for rr in data_rows:
        task, unit = value(rr, col("序号")), value(rr, col("落实单位"))
        e = by_key.get((task, unit))
        state = value(rr, col("办理状态"))
        if e is None or STATE[e["status"]] != state or e["title"] != value(rr, col("工作任务")) \
                or (e["escalation_level"] > 0) != bool(value(rr, col("督办等级"))):
            mismatch.append((rr, task, unit, state, e and e["status"]))
        light = {"红灯": "red", "黄灯": "yellow", "绿灯": "green", "已办结": "done"}.get(value(rr, col("亮灯")))
        rgb = ws.cell(rr, col("办理状态")).fill.fgColor.rgb
        if light and not str(rgb).endswith(FILLS[light]):
            fill_wrong.append((rr, light, rgb))
        if not light and ws.cell(rr, col("办理状态")).fill.fill_type:
            fill_wrong.append((rr, "none", rgb))
        sheet_cells.append([value(rr, c) for c in range(1, len(HEADERS) + 1)])
    check("every row's task, unit, state, title and escalation agree with the engine", not mismatch, mismatch[:5])
    check("state cells are coloured by the light", not fill_wrong, fill_wrong[:5])
    lights = {value(rr, col("亮灯")) for rr in data_rows}
    check("the demo's January has red, green and done rows", {"红灯", "绿灯", "已办结"} <= lights, lights)
    overdue = [value(rr, col("逾期工作日")) for rr in data_rows if value(rr, col("逾期工作日"))]
    check("some rows count overdue working days", overdue and all(isinstance(v, (int, float)) and v > 0 for v in overdue),
          overdue[:5])
    check("the header is frozen below row 3", ws.freeze_panes == "A4", ws.freeze_panes)
    check("A4 landscape", ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9",
          f"{ws.page_setup.orientation} {ws.page_setup.paperSize}")
    # fitToWidth absent means 1 (ECMA-376); fitToHeight 0: as many pages down as needed.
    check("one page wide, as many down as needed",
          ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1, "1")
          and ws.page_setup.fitToHeight in (0, "0"), f"{ws.page_setup.fitToWidth} {ws.page_setup.fitToHeight}")
    check("title and header rows repeat on every page", ws.print_title_rows in ("1:3", "$1:$3"),
          repr(ws.print_title_rows))
    check("columns have widths (工作任务 wide, 序号 narrow)",
          ws.column_dimensions["C"].width > 25 and ws.column_dimensions["A"].width < 8,
          f"{ws.column_dimensions['C'].width} {ws.column_dimensions['A'].width}")
    check("long text wraps", ws.cell(4, col("工作任务")).alignment.wrap_text is True)

    # ---- csv ----
    csv_path = os.path.join(tmp, "ledger.csv")
    rc, out, err = run(data, "report", "ledger", "--plan", PLAN, "--as-of", AS_OF, "--format", "csv", "-o", csv_path)
    raw = open(csv_path, "rb").read()
    check("csv starts with a UTF-8 BOM", rc == 0 and raw.startswith(b"\xef\xbb\xbf"), err)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    check("csv headers", rows and rows[0] == HEADERS, rows[:1])
    check("csv has the xlsx's rows", len(rows) - 1 == len(sheet_cells), f"{len(rows) - 1} vs {len(sheet_cells)}")

    def text(v):
        return "" if v is None else str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
    differ = [(i, a, b) for i, (a, b) in enumerate(zip(rows[1:], sheet_cells)) if a != [text(v) for v in b]]
    check("csv cells equal the xlsx cells", not differ, differ[:2])

    # ---- json, one unit, errors ----
    rc, out, err = run(data, "report", "ledger", "--plan", PLAN, "--as-of", AS_OF, "--format", "json")
    doc = json.loads(out) if rc == 0 else {}
    check("json rows", rc == 0 and len(doc.get("rows", [])) == len(engine_rows) and doc["as_of"] == AS_OF, err)
    check("json states equal the engine's",
          all(by_key[(x["task"], x["unit"])]["status"] == x["status"] for x in doc.get("rows", [])))
    # 截止日期: the stated date; a date on a rest day also the working day it is met on.
    due_cells = {(int(c[col("序号") - 1]), c[col("落实单位") - 1]): c[col("截止日期") - 1] for c in sheet_cells}
    due_wrong, moved = [], 0
    for x in doc.get("rows", []):
        want, eff = x["due_on"], x["effective_due_on"]
        if eff and eff != want:
            moved += 1
            want = f"{want}（顺延至{eff[5:] if eff[:4] == want[:4] else eff}）"
        if (due_cells.get((x["task"], x["unit"])) or None) != want:
            due_wrong.append((x["task"], x["unit"], due_cells.get((x["task"], x["unit"])), want))
    check("截止日期 is the stated date, with 顺延至 the day it is met on when that is a rest day",
          not due_wrong and moved > 0, f"{moved} moved; {due_wrong[:3]}")
    unit = "市财政局"
    rc, out, err = run(data, "report", "ledger", "--plan", PLAN, "--unit", unit, "--as-of", AS_OF, "--format", "json")
    mine = json.loads(out)["rows"] if rc == 0 else []
    check("a unit's ledger holds its rows only",
          rc == 0 and mine and all(x["unit"] == unit for x in mine)
          and len(mine) == sum(1 for r in engine_rows if r["unit"] == unit), err)
    rc, out, err = run(data, "report", "ledger", "--plan", PLAN, "--as-of", "2020-12-31", "--format", "json")
    check("a date before the plan existed: exit 1, a plain message, nothing on stdout",
          rc == 1 and "did not exist on 2020-12-31" in err and not out, f"{rc} {err!r}")
    rc, out, err = run(data, "report", "ledger", "--plan", PLAN, "--as-of", "2021-13-01")
    check("a malformed date is a usage error", rc == 2 and "not a date" in err, f"{rc} {err!r}")
    # Paperwork of a day no one has reached would name units late on it.
    ahead = (datetime.date.today() + datetime.timedelta(days=400)).isoformat()
    for kind in ("ledger", "scorecard", "bulletin"):
        rc, out, err = run(data, "report", kind, "--plan", PLAN, "--as-of", ahead, "-o", os.path.join(tmp, "x"))
        check(f"a {kind} of a day to come is refused", rc == 2 and "has not come yet" in err
              and not os.path.exists(os.path.join(tmp, "x")), f"{rc} {err!r}")

    # ---- printed: LibreOffice headless -> PDF -> PNG ----
    os.makedirs(ARTIFACTS, exist_ok=True)
    profile = os.path.join(tmp, "lo-profile")
    p = subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", tmp, xlsx], capture_output=True, timeout=300)
    pdf = os.path.join(tmp, "ledger.pdf")
    check("LibreOffice prints the xlsx to PDF", p.returncode == 0 and os.path.exists(pdf), p.stderr.decode()[-500:])
    if os.path.exists(pdf):
        info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout
        pages = int(next((l.split()[-1] for l in info.splitlines() if l.startswith("Pages:")), "0"))
        size = next((l for l in info.splitlines() if l.startswith("Page size:")), "")
        w, h = (float(x) for x in size.split()[2:5:2]) if size else (0, 0)
        check("pages were produced, A4 landscape (842 x 595 pt)", pages >= 1 and abs(w - 842) < 3 and abs(h - 595) < 3,
              f"{pages} pages, {size}")
        shutil.copy(pdf, os.path.join(ARTIFACTS, "ledger.pdf"))
        prefix = os.path.join(ARTIFACTS, "ledger-page")
        for old in os.listdir(ARTIFACTS):
            if old.startswith("ledger-page"):
                os.remove(os.path.join(ARTIFACTS, old))
        p = subprocess.run(["pdftoppm", "-png", "-r", "110", pdf, prefix], capture_output=True, timeout=300)
        pngs = sorted(f for f in os.listdir(ARTIFACTS) if f.startswith("ledger-page") and f.endswith(".png"))
        check("pdftoppm renders every page to PNG", p.returncode == 0 and len(pngs) == pages, f"{pngs} {pages}")
        if pngs:
            print("first page:", os.path.join(ARTIFACTS, pngs[0]))
        fonts = subprocess.run(["pdffonts", pdf], capture_output=True, text=True).stdout
        check("the PDF embeds a CJK font (Chinese renders)", "CJK" in fonts or "Noto" in fonts, fonts)

    # ---- scorecard ----
    per_unit = collections.defaultdict(collections.Counter)
    for e in engine_rows:
        if e["status"] != "cancelled":
            per_unit[e["unit"]]["assignments"] += 1
            per_unit[e["unit"]]["completed"] += e["status"] == "completed"
    rc, out, err = run(data, "report", "scorecard", "--plan", PLAN, "--as-of", AS_OF, "--format", "json")
    card = json.loads(out) if rc == 0 else {}
    units = card.get("units", [])
    check("scorecard json: one entry per unit with assignments", rc == 0 and len(units) == len(per_unit), err)
    wrong = [u["unit"] for u in units if u["assignments"] != per_unit[u["unit"]]["assignments"]
             or u["completed"] != per_unit[u["unit"]]["completed"]]
    check("scorecard counts equal the engine's rows", not wrong, wrong[:5])
    check("best score first", [u["score"] for u in units] == sorted((u["score"] for u in units), reverse=True))
    check("the rule is the definition's", card.get("rule", {}).get("base") == 60 and "on_time_rate" in card["rule"]["weights"],
          card.get("rule"))
    card_xlsx = os.path.join(tmp, "scorecard.xlsx")
    rc, out, err = run(data, "report", "scorecard", "--plan", PLAN, "--as-of", AS_OF, "-o", card_xlsx)
    check("report scorecard writes xlsx", rc == 0 and os.path.exists(card_xlsx), err)
    wb2 = openpyxl.load_workbook(card_xlsx)
    ws2 = wb2.active
    check("scorecard title", str(ws2["A1"].value).endswith("考核评分表"), ws2["A1"].value)
    head2 = [ws2.cell(3, c).value for c in range(1, ws2.max_column + 1)]
    while head2 and head2[-1] is None:
        head2.pop()
    check("scorecard headers", head2[:3] == ["排名", "单位", "任务数"] and head2[-1] == "得分"
          and head2[-6:-3] == ["调度按时报送", "调度迟报", "调度未报"], head2)
    score_col = len(head2)
    sheet_units = []
    rr = 4
    while ws2.cell(rr, 2).value:
        sheet_units.append((ws2.cell(rr, 2).value, ws2.cell(rr, 3).value, ws2.cell(rr, score_col).value))
        missing_col = head2.index("调度未报") + 1
        json_unit = next((u for u in units if u["unit"] == ws2.cell(rr, 2).value), {})
        check(f"{ws2.cell(rr, 2).value}: the sheet's missing reports are the json's",
              ws2.cell(rr, missing_col).value == json_unit.get("reports_missing"))
        rr += 1
    check("one sheet row per unit, as the json has them, scores equal",
          [(u["unit"], u["assignments"]) for u in units] == [(n, a) for n, a, _ in sheet_units]
          and all(abs(u["score"] - s) < 1e-9 for u, (_, _, s) in zip(units, sheet_units)),
          f"{sheet_units[:3]} vs {units[:3]}")
    import zipfile
    with zipfile.ZipFile(card_xlsx) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        chart_xml = z.read(charts[0]).decode() if charts else ""
    check("the xlsx holds a bar chart of the scores over the units",
          len(charts) == 1 and "<c:barChart>" in chart_xml and f"${chr(64 + score_col)}$4:${chr(64 + score_col)}${rr - 1}" in chart_xml,
          charts)
    p = subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", tmp, card_xlsx], capture_output=True, timeout=300)
    card_pdf = os.path.join(tmp, "scorecard.pdf")
    check("LibreOffice prints the scorecard", p.returncode == 0 and os.path.exists(card_pdf), p.stderr.decode()[-300:])
    if os.path.exists(card_pdf):
        prefix = os.path.join(ARTIFACTS, "scorecard-page")
        for old in os.listdir(ARTIFACTS):
            if old.startswith("scorecard-page"):
                os.remove(os.path.join(ARTIFACTS, old))
        p = subprocess.run(["pdftoppm", "-png", "-r", "110", card_pdf, prefix], capture_output=True, timeout=300)
        pngs = sorted(f for f in os.listdir(ARTIFACTS) if f.startswith("scorecard-page") and f.endswith(".png"))
        check("pdftoppm renders the scorecard's pages", p.returncode == 0 and len(pngs) >= 1, pngs)
        if pngs:
            print("scorecard first page:", os.path.join(ARTIFACTS, pngs[0]))
    rc, out, err = run(data, "report", "scorecard", "--plan", PLAN, "--as-of", "2020-12-31", "--format", "json")
    check("a scorecard before the plan existed: exit 1", rc == 1 and "did not exist" in err, err)

    # A progress report longer than an Excel cell holds (32,767 characters): libxlsxwriter wrote
    # nothing, leaving the cell blank; it is cut there and says so, the CSV keeps it whole.
    big = os.path.join(tmp, "big")
    plan = os.path.join(tmp, "long.tsv")
    with open(plan, "w", encoding="utf-8") as f:
        f.write("测试市2026年重点工作分工方案\n序号\t工作任务\t牵头单位\t责任单位\t完成时限\n1\t推进A\t市财政局\t\t12月31日前\n")
    run(big, "init", "--simulated")
    rc, out, err = run(big, "plan", "import", plan, "--accept-unknown-units", "--issued-on", "2026-03-01")
    check("import the one-task plan", rc == 0, err)
    unit = ["--actor", "市财政局", "--role", "unit"]
    run(big, *unit, "accept", "--plan", "long", "1", "--unit", "市财政局", "--at", "2026-03-02T10:00")
    long_text = "按计划推进各项工作。" * 3901  # 39,010 characters
    rc, out, err = run(big, *unit, "progress", "--plan", "long", "1", "--unit", "市财政局", "--percent", "50",
                       "--text", long_text, "--at", "2026-03-03T10:00")
    check("a 39,010-character progress report is taken", rc == 0, err[-300:])
    long_xlsx = os.path.join(tmp, "long.xlsx")
    rc, out, err = run(big, "report", "ledger", "--plan", "long", "--as-of", "2026-03-03", "--format", "xlsx",
                       "-o", long_xlsx)
    cell = openpyxl.load_workbook(long_xlsx).active.cell(4, col("具体工作事项进度")).value if rc == 0 else None
    check("the xlsx cell holds the report cut at Excel's limit, saying so",
          isinstance(cell, str) and len(cell) == 32767 and cell.startswith("按计划推进") and cell.endswith("全文见CSV或JSON文件）"),
          f"{rc} {err[-200:]} {len(cell or '')}")
    rc, out, err = run(big, "report", "ledger", "--plan", "long", "--as-of", "2026-03-03", "--format", "csv")
    check("the CSV keeps it whole", rc == 0 and long_text in out.decode("utf-8"), err[-200:])

if failures:
    print(f"{len(failures)} check(s) failed: {failures}")
    sys.exit(1)
print("ledger files: all checks passed")
