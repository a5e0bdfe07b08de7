#!/usr/bin/python3
"""`duban report bulletin` read back by readers duban did not write, on a
scripted store: a seven-task plan (tests/reports/bulletin-plan-2021.txt)
whose units, over 2021, finish on time (区财政局), finish late (区市场监管局),
stay late at different escalation levels (区发改局 and 区教育局 约谈, 区司法局
通报批评, 区教育局's second task 督促整改), stay silent in the 2021-Q3 review
cycle (区发改局, 区教育局, 区住建局) or answer it late (区教育局):
- json against the engine's own query (`as-of --json`): every late task is an
  open, unsubmitted assignment the clock marked overdue, at its escalation
  level, each unit under its highest level, the levels named as the compiled-in
  definition names them; the on-time units are those whose every assignment
  is completed on time (the scorecard's json); and the values worked out by
  hand on the 2021 calendar;
- the .docx with python-docx: the 文号 line, the title, the four section
  headings (黑体 Heading 1), the level sub-headings (楷体 Heading 2), a
  numbered paragraph per unit of the json with its tasks, the signature; A4
  portrait with GB/T 9704 margins; 仿宋 三号 text;
- a plan whose title holds < > & " still gives a docx python-docx opens, the
  title intact;
- a date before the plan existed: exit 1, a plain message; a malformed date:
  exit 2;
- the .docx printed to PDF by LibreOffice headless (A4 portrait, a CJK font)
  and to PNG by pdftoppm; the first page of the bulletin as of 2021-12-20 and
  of today's (the store ticked on to today) kept in ARTIFACTS for a look.
Exits 77 (skipped) when python3-docx, soffice or pdftoppm is missing.
Usage: bulletin_files_test.py PATH/TO/duban SOURCE_DIR ARTIFACTS_DIR"""
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

DUBAN, SOURCE, ARTIFACTS = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    import docx
    from docx.shared import Mm, Pt
except ImportError:
    print("SKIP: python3-docx is missing (ops/install-deps.sh installs it); run with /usr/bin/python3")
    sys.exit(77)
for tool, pkg in (("soffice", "libreoffice-writer-nogui"), ("pdftoppm", "poppler-utils"), ("pdfinfo", "poppler-utils")):
    if not shutil.which(tool):
        print(f"SKIP: {tool} is missing (Debian package {pkg}; ops/install-deps.sh installs it)")
        sys.exit(77)

PLAN = "bulletin-plan-2021"
AS_OF = "2021-12-20"
# Today in China, where the store's clock dates its records: a fixed date here
# would leave the plan imported in this run "not yet existing" on it from the
# next day on (and, between 16:00 and 24:00 UTC, already on the day it is).
TODAY = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date().isoformat()
OPEN = {"assigned", "accepted", "in_progress"}
LADDER = {1: "督促整改", 2: "通报批评", 3: "约谈"}
SECTIONS = ["一、按时完成的单位", "二、逾期未完成的单位", "三、未按时报送进度的单位", "四、下一步要求"]
OFFICE = ["--actor", "督查室", "--role", "supervisor"]
failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f"\n     {detail}"))
    if not cond:
        failures.append(name)


def run(data, *args):
    p = subprocess.run([DUBAN, "--data", data, *args], capture_output=True, timeout=600)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def date_cn(iso):
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{y}年{m}月{d}日"


def east_asia_font(style):
    rpr = style.element.rPr
    if rpr is None or rpr.rFonts is None:
        return None
    return rpr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")


def script(data):
    """The plan's 2021 on a simulated clock: each step ticks the clock to its day, then acts."""
    steps = [
        ("2021-03-01", OFFICE + ["plan", "import", os.path.join(SOURCE, "tests", "reports", "bulletin-plan-2021.txt"),
                                 "--issued-on", "2021-03-01"]),
        ("2021-03-02", ["unit:区财政局", "accept", "--plan", PLAN, "2", "--unit", "区财政局"]),
        ("2021-03-02", ["unit:区财政局", "accept", "--plan", PLAN, "7", "--unit", "区财政局"]),
        ("2021-03-02", ["unit:区发改局", "accept", "--plan", PLAN, "1", "--unit", "区发改局"]),
        ("2021-03-02", ["unit:区教育局", "accept", "--plan", PLAN, "1", "--unit", "区教育局"]),
        ("2021-03-02", ["unit:区教育局", "accept", "--plan", PLAN, "3", "--unit", "区教育局"]),
        ("2021-03-02", ["unit:区司法局", "accept", "--plan", PLAN, "4", "--unit", "区司法局"]),
        ("2021-03-02", ["unit:区住建局", "accept", "--plan", PLAN, "5", "--unit", "区住建局"]),
        ("2021-03-02", ["unit:区市场监管局", "accept", "--plan", PLAN, "6", "--unit", "区市场监管局"]),
        ("2021-07-20", ["unit:区财政局", "progress", "--plan", PLAN, "2", "--unit", "区财政局", "--percent", "40",
                        "--text", "已完成初稿"]),
        ("2021-08-20", ["unit:区市场监管局", "submit", "--plan", PLAN, "6", "--unit", "区市场监管局", "--text", "已公开"]),
        ("2021-08-23", OFFICE + ["approve", "--plan", PLAN, "6", "--unit", "区市场监管局"]),
        ("2021-09-15", OFFICE + ["cycle", "start", "--plan", PLAN, "--id", "2021-Q3", "--kind", "quarterly",
                                 "--due", "2021-09-30"]),
        ("2021-09-28", ["unit:区财政局", "progress", "--plan", PLAN, "2", "--unit", "区财政局", "--percent", "80",
                        "--text", "已报审"]),
        ("2021-09-28", ["unit:区财政局", "progress", "--plan", PLAN, "7", "--unit", "区财政局", "--percent", "50",
                        "--text", "推进中"]),
        ("2021-09-28", ["unit:区司法局", "progress", "--plan", PLAN, "4", "--unit", "区司法局", "--percent", "30",
                        "--text", "推进中"]),
        ("2021-10-12", ["unit:区教育局", "progress", "--plan", PLAN, "3", "--unit", "区教育局", "--percent", "20",
                        "--text", "已部署"]),
        ("2021-10-25", ["unit:区财政局", "submit", "--plan", PLAN, "7", "--unit", "区财政局", "--text", "已公开"]),
        ("2021-10-26", OFFICE + ["approve", "--plan", PLAN, "7", "--unit", "区财政局"]),
        ("2021-11-10", ["unit:区财政局", "submit", "--plan", PLAN, "2", "--unit", "区财政局", "--text", "已公开"]),
        ("2021-11-11", OFFICE + ["approve", "--plan", PLAN, "2", "--unit", "区财政局"]),
    ]
    rc, _, err = run(data, "init", "--simulated")
    if rc != 0:
        return err
    clock = ""
    minute = 0
    for day, args in steps:
        if day != clock:
            rc, _, err = run(data, "tick", "--now", day)
            if rc != 0:
                return f"tick {day}: {err}"
            clock, minute = day, 0
        if args[0].startswith("unit:"):
            args = ["--actor", args[0][5:], "--role", "unit"] + args[1:]
        if "import" not in args:  # acts at 10:00 of the day on the simulated clock, in order
            args = args + ["--at", f"{day}T10:{minute:02d}"]
            minute += 1
        rc, _, err = run(data, *args)
        if rc != 0:
            return f"{day} {args}: {err}"
    rc, _, err = run(data, "tick", "--now", AS_OF)
    return "" if rc == 0 else err


def find(groups, unit):
    for g in groups:
        for u in g["units"]:
            if u["unit"] == unit:
                return g, u
    return None, None


def render(path, stem, tmp):
    """The .docx printed by LibreOffice and pdftoppm; returns the PDF's text."""
    profile = os.path.join(tmp, "lo-profile")
    p = subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", tmp, path], capture_output=True, timeout=300)
    pdf = os.path.splitext(path)[0] + ".pdf"
    check(f"LibreOffice prints {stem} to PDF", p.returncode == 0 and os.path.exists(pdf), p.stderr.decode()[-500:])
    if not os.path.exists(pdf):
        return ""
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout
    pages = int(next((l.split()[-1] for l in info.splitlines() if l.startswith("Pages:")), "0"))
    size = next((l for l in info.splitlines() if l.startswith("Page size:")), "")
    w, h = (float(x) for x in size.split()[2:5:2]) if size else (0, 0)
    check(f"{stem}: pages were produced, A4 portrait (595 x 842 pt)",
          pages >= 1 and abs(w - 595) < 3 and abs(h - 842) < 3, f"{pages} pages, {size}")
    shutil.copy(pdf, os.path.join(ARTIFACTS, stem + ".pdf"))
    prefix = os.path.join(ARTIFACTS, stem + "-page")
    for old in os.listdir(ARTIFACTS):
        if old.startswith(stem + "-page"):
            os.remove(os.path.join(ARTIFACTS, old))
    p = subprocess.run(["pdftoppm", "-png", "-r", "110", pdf, prefix], capture_output=True, timeout=300)
    pngs = sorted(f for f in os.listdir(ARTIFACTS) if f.startswith(stem + "-page") and f.endswith(".png"))
    check(f"{stem}: pdftoppm renders every page to PNG", p.returncode == 0 and len(pngs) == pages, f"{pngs} {pages}")
    if pngs:
        print("first page:", os.path.join(ARTIFACTS, pngs[0]))
    fonts = subprocess.run(["pdffonts", pdf], capture_output=True, text=True).stdout
    check(f"{stem}: the PDF embeds a CJK font (Chinese renders)", "CJK" in fonts or "Noto" in fonts, fonts)
    return subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True).stdout


with tempfile.TemporaryDirectory(prefix="duban-bulletin-") as tmp:
    os.makedirs(ARTIFACTS, exist_ok=True)
    data = os.path.join(tmp, "store")
    err = script(data)
    check("the scripted 2021 runs", not err, err)

    rc, out, err = run(data, "--json", "as-of", AS_OF, "--plan", PLAN)
    engine_rows = json.loads(out) if rc == 0 else []
    check("as-of --json answers", rc == 0 and len(engine_rows) == 8, err)

    # ---- json against the engine's rows ----
    rc, out, err = run(data, "report", "bulletin", "--plan", PLAN, "--as-of", AS_OF, "--format", "json")
    b = json.loads(out) if rc == 0 else {"late": [], "silent": [], "on_time": [], "counts": {}}
    check("report bulletin --format json", rc == 0 and b.get("as_of") == AS_OF, err)
    check("the title", b.get("title") == "关于城子河区2021年政务公开工作台账落实情况的通报", b.get("title"))
    check("the levels are the definition's ladder, in order",
          [g["name"] for g in b["late"] if g["level"] > 0] == [LADDER[1], LADDER[2], LADDER[3]],
          [g["name"] for g in b["late"]])
    named = {}
    unit_levels = {}
    misplaced = []
    for g in b["late"]:
        for u in g["units"]:
            unit_levels[u["unit"]] = g["level"]
            if not u["level"] == g["level"] == max(t["level"] for t in u["tasks"]):
                misplaced.append(u["unit"])
            for t in u["tasks"]:
                named[(t["task"], u["unit"])] = t
    check("each late unit is listed under its highest level", not misplaced, misplaced)
    # The engine marks an assignment overdue when its deadline passes: open, unsubmitted, past due.
    want = {(r["task"], r["unit"]): r for r in engine_rows if r["status"] in OPEN and r["overdue"]}
    check("the late tasks are the engine's overdue open assignments", set(named) == set(want) and named,
          f"only bulletin: {sorted(set(named) - set(want))} only engine: {sorted(set(want) - set(named))}")
    wrong = [k for k, t in named.items() if k in want and (t["level"] != want[k]["escalation_level"]
                                                           or t["due_on"] != want[k]["due_on"]
                                                           or t["title"] != want[k]["title"])]
    check("each late task: its level, due date and title as the engine has them", not wrong, wrong)
    # Worked out by hand on the 2021 calendar: 区发改局 (due 07-31) and 区教育局 (task 1 due 07-31) reached 约谈
    # long ago; 区司法局 (due 12-01: missed 12-02, 督促整改 12-03, 通报批评 12-10) is at 通报批评; 区教育局's task 3
    # (due 12-10: missed 12-13, 督促整改 12-14) at 督促整改, listed under the unit's 约谈.
    check("late units by level, as worked out by hand",
          unit_levels == {"区发改局": 3, "区教育局": 3, "区司法局": 2}, unit_levels)
    _, edu = find(b["late"], "区教育局")
    # Task 1's 07-31 is a Saturday: the work is due Monday 08-02 (Civil Code art. 203, as the engine's
    # missed timer counts it), so the days late count from 08-02.
    check("区教育局: both tasks, each at its own level, working days late counted",
          edu is not None and [(t["task"], t["level_name"], t["overdue_working_days"]) for t in edu["tasks"]]
          == [(1, "约谈", 96), (3, "督促整改", 6)], edu and edu["tasks"])
    check("counts agree with the groups",
          b["counts"].get("late_units") == 3 and b["counts"].get("late_assignments") == 4
          and b["counts"].get("assignments") == 8 and b["counts"].get("completed") == 3, b["counts"])
    rc, out, err = run(data, "report", "scorecard", "--plan", PLAN, "--as-of", AS_OF, "--format", "json")
    card = json.loads(out) if rc == 0 else {"units": []}
    on_time_want = sorted(u["unit"] for u in card["units"] if u["assignments"] and u["completed_on_time"] == u["assignments"])
    check("on-time units: every assignment completed on time (the scorecard's counts): 区财政局 only",
          [u["unit"] for u in b["on_time"]] == on_time_want == ["区财政局"], f"{b['on_time']} vs {on_time_want}")
    silent_units = sorted(u["unit"] for g in b["silent"] for u in g["units"])
    check("silent in 2021-Q3: 区发改局, 区教育局 (task 1), 区住建局; each at 约谈",
          silent_units == sorted(["区发改局", "区教育局", "区住建局"])
          and all(g["level"] == 3 for g in b["silent"] if g["units"]), b["silent"])
    silent = [(u["unit"], t) for g in b["silent"] for u in g["units"] for t in u["tasks"]]
    check("silent requests name their cycle, due before the date",
          all(t.get("cycle") == "2021-Q3" and t["due_on"] == "2021-09-30" for _, t in silent), silent)
    check("区教育局 answered task 3 late", b.get("answered_late") == [{"unit": "区教育局", "times": 1}], b.get("answered_late"))
    counts = b["counts"]

    # ---- the .docx ----
    path = os.path.join(tmp, "bulletin.docx")
    rc, out, err = run(data, "report", "bulletin", "--plan", PLAN, "--as-of", AS_OF, "-o", path)
    check("report bulletin writes the docx", rc == 0 and os.path.exists(path) and "wrote" in err, err)
    d = docx.Document(path)
    paras = [(p.style.name, p.text) for p in d.paragraphs]
    texts = [t for _, t in paras]
    check("the 文号 line, then the title", texts[0] == "××〔2021〕××号" and texts[1] == b["title"], texts[:2])
    check("the addressee and the opening with the date and counts",
          texts[2] == "各有关单位：" and texts[3].startswith("截至" + date_cn(AS_OF))
          and f"逾期未完成{counts.get('late_assignments')}项" in texts[3], texts[2:4])
    headings = [t for s, t in paras if s == "Heading 1"]
    check("the four sections, as Heading 1", headings == SECTIONS, headings)
    check("the headings are 黑体, the title 方正小标宋简体, the text 仿宋 三号",
          east_asia_font(d.styles["Heading 1"]) == "黑体" and east_asia_font(d.styles["Heading 2"]) == "楷体_GB2312"
          and east_asia_font(d.styles["Bulletin Title"]) == "方正小标宋简体"
          and d.styles["Normal"].font.size is None and d.styles.element.xpath("//w:rPrDefault//w:sz/@w:val") == ["32"]
          and d.styles.element.xpath("//w:rPrDefault//w:rFonts/@w:eastAsia") == ["仿宋_GB2312"],
          [east_asia_font(d.styles["Heading 1"]), east_asia_font(d.styles["Bulletin Title"])])
    sub = [t for s, t in paras if s == "Heading 2"]
    late_groups = [g for g in b["late"] if g["units"]]
    check("one 楷体 sub-heading per non-empty level, named and counted",
          len(late_groups) == 2 and sub[:len(late_groups)] == [f"（{'一二三四五'[i]}）{g['name']}（{len(g['units'])}个单位）"
                                     for i, g in enumerate(late_groups)], (sub, [g["name"] for g in late_groups]))
    # Section 二 between its heading and 三: a numbered paragraph per unit with its tasks.
    i2, i3 = texts.index(SECTIONS[1]), texts.index(SECTIONS[2])
    unit_paras = [t for t in texts[i2:i3] if re.match(r"^\d+\. ", t)]
    json_units = [u for g in late_groups for u in g["units"]]
    mism = []
    for t, u in zip(unit_paras, json_units):
        if not t.split(". ", 1)[1].startswith(u["unit"] + "："):
            mism.append((t[:30], u["unit"]))
        for task in u["tasks"]:
            if f"第{task['task']}项“{task['title']}”（截止{date_cn(task['due_on'])}，逾期{task['overdue_working_days']}个工作日" not in t:
                mism.append((u["unit"], task["task"]))
    check("section 二: the json's units in order, each with its tasks, due dates and working days late",
          len(unit_paras) == len(json_units) and not mism, f"{len(unit_paras)} vs {len(json_units)}: {mism[:5]}")
    i4 = texts.index(SECTIONS[3])
    silent_paras = [t for t in texts[i3:i4] if re.match(r"^\d+\. ", t)]
    check("section 三: a paragraph per silent unit, with the cycle and its reply date",
          len(silent_paras) == 3 and all("2021-Q3季度调度，应于2021年9月30日前报送" in t for t in silent_paras),
          silent_paras)
    check("section 三 names the unit that answered late",
          any(t == "另有1个单位超过时限后报送进度：区教育局（1次）。" for t in texts[i3:i4]), texts[i3:i4])
    on_time_para = texts[texts.index(SECTIONS[0]) + 1]
    check("section 一 names every on-time unit", all(u["unit"] in on_time_para for u in b["on_time"]), on_time_para)
    check("the signature block: the issuer and the date, right-aligned",
          paras[-1] == ("Signature Block", date_cn(AS_OF)) and paras[-2][0] == "Signature Block" and paras[-2][1],
          paras[-2:])
    sec = d.sections[0]
    check("A4 portrait, margins top 37 bottom 35 left 28 right 26 mm",
          abs(sec.page_width - Mm(210)) < Mm(1) and abs(sec.page_height - Mm(297)) < Mm(1)
          and abs(sec.top_margin - Mm(37)) < Mm(0.5) and abs(sec.bottom_margin - Mm(35)) < Mm(0.5)
          and abs(sec.left_margin - Mm(28)) < Mm(0.5) and abs(sec.right_margin - Mm(26)) < Mm(0.5),
          (sec.page_width, sec.page_height, sec.top_margin, sec.left_margin))
    check("the page number in the footer", "PAGE" in sec.footer._element.xml, sec.footer._element.xml[:200])

    # ---- errors ----
    rc, out, err = run(data, "report", "bulletin", "--plan", PLAN, "--as-of", "2020-12-31", "--format", "json")
    check("a date before the plan existed: exit 1, a plain message, nothing on stdout",
          rc == 1 and "did not exist on 2020-12-31" in err and not out, f"{rc} {err!r}")
    rc, out, err = run(data, "report", "bulletin", "--plan", PLAN, "--as-of", "2021-02-30")
    check("a malformed date is a usage error", rc == 2 and "not a date" in err, f"{rc} {err!r}")

    # ---- a title with markup ----
    src = open(os.path.join(SOURCE, "workflows", "plans", "chengzihe-2021.txt"), encoding="utf-8").read()
    odd_title = "城子河区2021年政务公开<工作>&\"台账\""
    odd = os.path.join(tmp, "odd-2021.txt")
    with open(odd, "w", encoding="utf-8") as f:
        f.write(src.replace("城子河区2021年政务公开工作台账", odd_title, 1))
    rc, out, err = run(data, "--actor", "office", "--role", "supervisor", "plan", "import", odd, "--id", "odd-2021")
    check("a plan titled with < > & \" imports", rc == 0, err[-400:])
    odd_docx = os.path.join(tmp, "odd.docx")
    rc, out, err = run(data, "report", "bulletin", "--plan", "odd-2021", "--as-of", TODAY, "-o", odd_docx)
    check("its bulletin is written", rc == 0, err)
    if rc == 0:
        try:
            od = docx.Document(odd_docx)
            title = od.paragraphs[1].text
        except Exception as e:  # a malformed part: python-docx's XML parser refuses it
            title = f"unreadable: {e}"
        check("python-docx opens it and the title is intact", title == f"关于{odd_title}落实情况的通报", title)

    # ---- printed: LibreOffice headless -> PDF -> PNG, as of 2021-12-20 and today ----
    text = render(path, "bulletin", tmp)
    check("the printed text holds the sections", all(x in text for x in SECTIONS), text[:300])
    rc, _, err = run(data, "tick", "--now", TODAY)
    check("the clock ticks on to today", rc == 0, err)
    today = os.path.join(tmp, "bulletin-today.docx")
    rc, out, err = run(data, "report", "bulletin", "--plan", PLAN, "--as-of", TODAY, "-o", today)
    check("today's bulletin is written", rc == 0, err)
    rc, out, err = run(data, "report", "bulletin", "--plan", PLAN, "--as-of", AS_OF, "--format", "json")
    check("the 2021-12-20 bulletin is the same after the clock moved on (as-of is exact)",
          rc == 0 and json.loads(out) == b, err)
    if os.path.exists(today):
        render(today, "bulletin-today", tmp)

if failures:
    print(f"{len(failures)} check(s) failed: {failures}")
    sys.exit(1)
print("bulletin files: all checks passed")
