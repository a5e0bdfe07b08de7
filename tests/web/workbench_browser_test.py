#!/usr/bin/python3
"""The workbench (web/) through a real browser: headless Debian chromium driven
by python3-selenium, against `duban serve` on a fresh store.

usage: workbench_browser_test.py DUBAN_BINARY SOURCE_DIR BUILD_DIR

A full cycle by clicks and typing: the office imports a plan (preview, then
import); a unit signs one task, returns another with a reason, reports progress
with an evidence file and submits; a second unit signs and submits; the office
re-assigns the returned task, approves one submission and rejects the other and
starts a review cycle; a unit delegates a task to its sub-unit (多级下发), which
signs and submits it, and the unit finds it under 下发事项 and approves it; a tick (`duban tick`, server stopped) makes a task whose
deadline has passed overdue and the dashboard shows it red; the office records
the year's holiday notice on the calendar page (a malformed one refused in
words first) while the server runs; an auditor opens a
task's history, an as-of view and verify with the chain heads (checked against
the log afterwards), and exports CSV. A unit that edits the URL to another
unit's task or opens its evidence file in a new tab gets a 403 page (无权查看)
with a link back. One unit signs in, signs (签收) a task and reports progress
with the keyboard alone (Tab, Enter, Space, Esc). Then `duban verify` is ok and
the log holds exactly the commands the clicks and keys sent (command ids
starting "web-"). Every control on every page has an accessible name; every
reason code the engine and server answer has Chinese words in the page. Every page is saved at 1366x768 and 390x844 under
BUILD_DIR/test-artifacts/web/; no page may log a console error or a failed
request other than the ones provoked on purpose; no page may be wider than the
phone. Exits 77 (skipped) when chromium, chromedriver or selenium is missing.
"""
import collections
import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

import workbench_harness as h  # exits 77 (skipped) when chromium, chromedriver or selenium is missing
from workbench_harness import (CHINA, CZJ, DCK, GOV, PASSWORDS, PLAN, SFJ, Browser, Keys, Select, Server, WebDriverWait, fetch,
                               focused, keys, log, office_action, plan_text, reason_codes, run, tab_to, unit_action)

# The paths (h.TMP, h.ART, h.DOWNLOADS) are set at run time by h.setup(): read them through h.


# ---- sign-in: wrong password, then the office --------------------------
def sign_in_and_refusal_words(b):
    b.go("")
    b.wait("#login-form")
    b.shot("login")
    b.allow(401, r"/api/v1/session$")
    b.sign_in("office", "not-the-password", expect_error="账号或密码不正确")
    b.shot("login-wrong-password")
    # Five failures lock a name out: the sixth try (even a right password would be) is 429.
    for _ in range(5):
        b.allow(401, r"/api/v1/session$")
        b.sign_in("nobody", "wrong-password-1", expect_error="账号或密码不正确")
    b.allow(429, r"/api/v1/session$")
    b.sign_in("nobody", "wrong-password-1", expect_error="已暂时锁定")
    b.shot("login-locked-out")
    b.sign_in("office")
    # Every refusal the engine or server can give has Chinese words in the page.
    known = set(b.d.execute_script("return Object.keys(Duban.REASON)"))
    missing = sorted(reason_codes() - known)
    assert not missing, f"reason codes without Chinese words in web/app.js REASON: {missing}"
    words = b.d.execute_script(
        "return [Duban.refusal({status: 422, data: {reason: 'something_new', message: 'why in English'}}),"
        " Duban.refusal({status: 409, data: {error: 'command_id_conflict', message: 'm'}})]")
    assert words[0] == "未被受理：此操作未被受理（why in English）", words
    assert words[1].startswith("操作失败（409）：该表单编号已用于另一项操作"), words


# ---- office: plan import, preview first ---------------------------------
def as_word_file(plan_file):
    """The same plan as a Word table (tests/plan_import/documents/make_plan_documents.py)."""
    make = os.path.join(h.SRC, "tests", "plan_import", "documents", "make_plan_documents.py")
    p = subprocess.run([h.DUBAN, "plan", "import", plan_file, "--dry-run", "--json"], capture_output=True, text=True)
    parse, model, out = (os.path.join(h.TMP, n) for n in ("parse.json", "model.json", "word"))
    with open(parse, "w", encoding="utf-8") as f:
        f.write(p.stdout)
    subprocess.run(["/usr/bin/python3", make, "--from-parse", parse, model], check=True)
    subprocess.run(["/usr/bin/python3", make, model, out], check=True)
    return os.path.join(out, "plan.docx")


def office_imports_plan(b, plan_file):
    b.go("#/office/import")
    # A Word file goes up as it is; its table gives the same six tasks.
    b.wait("#import-file", visible=False).send_keys(as_word_file(plan_file))
    b.wait_text("#import-chosen", "plan.docx")
    b.q("#import-preview").click()
    summary = b.wait("#import-summary")
    assert "将生成交办" in summary.text and "6 项" in summary.text, summary.text
    assert len(b.qs("#import-result table tbody tr")) == 6
    b.shot("office-import-preview-docx")
    # Issued in December for next year, its title naming no year: 10月底前 read in
    # 2026 has passed. The preview says so and offers no import until the year is given.
    b.go("#/office")
    b.go("#/office/import")
    december = ("韶关市政务公开工作要点分工方案\n序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
                "1\t完成年度财政预算公开工作\t市财政局\t\t10月底前\n\n韶关市人民政府办公室\n2026年12月6日\n")
    text = b.q("#import-text")
    b.d.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))", text, december)
    b.q("#import-preview").click()
    b.wait_text("#import-result .msg.err", "如为2027年度方案")
    assert not b.q("#import-go").is_enabled(), "an import offered while its year is in doubt"
    assert "时限早于印发日期" in b.q("#import-result table tbody").text
    b.shot("office-import-year-in-doubt")
    b.q("#import-year").send_keys("2027")
    b.q("#import-preview").click()
    WebDriverWait(b.d, 10).until(lambda d: "2027-10-31" in b.q("#import-result table tbody").text)
    assert not b.qs("#import-result .msg.err") and b.q("#import-go").is_enabled()
    b.go("#/office")
    b.go("#/office/import")
    b.wait("#import-file", visible=False).send_keys(plan_file)  # drawn as its label (选择文件)
    WebDriverWait(b.d, 10).until(lambda d: "工作任务" in b.q("#import-text").get_attribute("value"))
    b.q("#import-id").send_keys(PLAN)
    assert not b.q("#import-go").is_enabled(), "import allowed before a preview"
    b.q("#import-preview").click()
    summary = b.wait("#import-summary")
    assert "将生成交办" in summary.text and "6 项" in summary.text, summary.text
    assert len(b.qs("#import-result table tbody tr")) == 6
    # The parse's problems (a deadline in a year no notice covers, when there is one) in Chinese.
    for li in b.qs("#import-problems li"):
        assert not re.search(r"deadline|warning|task \d|not covered", li.text), li.text
    b.shot("office-import-preview")
    b.q("#import-go").click()
    b.wait_text("#import-result .msg.ok", f"计划 {PLAN} 已导入")
    b.go("#/office")
    b.wait("#light-tiles")
    before = b.q(f"tr[data-unit='{CZJ}']")
    assert before.get_attribute("data-overdue") == "0", "overdue before any tick"
    b.shot("office-dashboard-imported")
    b.sign_out()


# ---- unit 市司法局: sign, return, report with evidence, submit -------------
def sfj_signs_returns_reports_submits(b, pdf, today, clicks):
    b.sign_in("sfj")
    b.wait("#tab-todo[aria-selected='true']")
    assert "3" in b.q("#tab-todo .count").text, b.q("#tab-todo").text
    light = b.q("tr[data-task='5'] .light")
    assert light.get_attribute("data-light") == "yellow" and "黄灯" in light.text, light.text
    assert b.q("tr[data-task='1'] .light").get_attribute("data-light") == "green"
    b.shot("unit-inbox")
    unit_action(b, 1, "accept", [], expect="已签收")
    clicks.append("AssignmentAccepted")
    # 退回 without a reason: the page asks for one and sends nothing.
    row = b.wait("tr[data-task='3']")
    b.q("button[data-action='return']", row).click()
    form = b.wait("form.panel[data-action='return']")
    b.q("button.confirm", form).click()
    b.wait_text("form.panel .msg.err", "请填写")
    b.shot("unit-return-form")
    b.fill(form, "reason", "该项工作属市发改局职责，建议改由市财政局牵头。")
    b.confirm(form, "任务 3：已退回")
    clicks.append("AssignmentReturned")
    unit_action(b, 1, "progress", [("text", "已完成目录梳理，正在更新发布。"), ("percent", "60"),
                                   ("reporter", "张伟"), ("contact", "0751-8888888")],
                tab="doing", expect="进度已报送", file=pdf)
    clicks.append("ProgressReported")
    b.q("#tab-doing").click()
    b.wait("tr[data-task='1']")
    b.shot("unit-inbox-doing")
    unit_action(b, 1, "submit", [("text", "目录已全部更新发布，请审核。")], tab="doing", expect="已提交办结")
    clicks.append("CompletionSubmitted")
    # An extension to a date before the deadline: the engine refuses it and the
    # page shows its words; corrected, the same form goes through (a new command).
    b.q("#tab-todo").click()
    row = b.wait("tr[data-task='5']")
    b.q("button[data-action='request_extension']", row).click()
    form = b.wait("form.panel[data-action='request_extension']")
    b.fill(form, "new_due_on", (today - datetime.timedelta(days=1)).isoformat())
    b.fill(form, "reason", "需等待省级标准出台后再开展自查。")
    b.allow(422, r"/api/v1/commands$")
    b.q("button.confirm", form).click()
    b.wait_text("form.panel .msg.err", "未被受理：填写的内容不符合要求（an extension must move the due date")
    clicks.append("CommandRejected")
    b.shot("unit-refused")
    b.fill(form, "new_due_on", (today + datetime.timedelta(days=30)).isoformat())
    b.confirm(form, "任务 5：延期申请已提交")
    clicks.append("ExtensionRequested")
    b.q("#tab-review").click()
    b.wait("tr[data-task='1']")
    # The task page: content, timeline, the evidence link.
    b.q("tr[data-task='1'] a").click()
    b.wait("#timeline")
    link = b.wait_text("#timeline a", "进度台账.pdf")
    sha = link.get_attribute("href").rsplit("/", 1)[1]
    assert re.fullmatch(r"[0-9a-f]{64}", sha), sha
    types = [li.get_attribute("data-type") for li in b.qs("#timeline li")]
    assert "ProgressReported" in types and "CompletionSubmitted" in types, types
    b.shot("unit-task")
    b.sign_out()
    return sha


# ---- unit 市财政局 by keyboard alone: sign in, 签收 task 4, report progress --
def czj_by_keyboard(b, clicks):
    b.go("#/login")
    b.wait("#login-user")
    assert focused(b, "#login-user"), "the sign-in page does not start in the name field"
    keys(b, "czj", Keys.TAB, PASSWORDS["czj"], Keys.ENTER)
    b.wait_text("main h1", "我的任务")
    tab_to(b, "tr[data-task='4'] button[data-action='accept']")
    keys(b, Keys.ENTER)
    b.wait("form.panel[data-action='accept']")
    assert focused(b, "form.panel button.confirm"), "the opened form does not take the focus"
    keys(b, Keys.ESCAPE)  # Esc cancels the form; the focus goes back to its button
    WebDriverWait(b.d, 5).until(lambda d: not b.qs("form.panel"))
    assert focused(b, "tr[data-task='4'] button[data-action='accept']"), "Esc lost the focus"
    keys(b, Keys.ENTER)
    b.wait("form.panel[data-action='accept']")
    b.shot("unit-keyboard-accept")
    keys(b, Keys.SPACE)  # the focused 确认签收 button
    b.wait_text(".msg.ok", "任务 4：已签收")
    clicks.append("AssignmentAccepted")
    tab_to(b, "#tab-doing")
    keys(b, Keys.ENTER)
    b.wait("#tab-doing[aria-selected='true']")
    tab_to(b, "tr[data-task='4'] button[data-action='progress']")
    keys(b, Keys.ENTER)
    b.wait("form.panel[data-action='progress']")
    assert focused(b, "form.panel textarea[name=text]"), "the progress form does not start in its first field"
    keys(b, "已完成自查，正在整理公开材料。", Keys.TAB, "30", Keys.TAB, "李娜", Keys.TAB, "0751-6666666")
    b.shot("unit-keyboard-progress")
    keys(b, Keys.ENTER)  # Enter in a field submits the form
    b.wait_text(".msg.ok", "任务 4：进度已报送")
    clicks.append("ProgressReported")
    row = b.wait("tr[data-task='4']")
    assert "30%" in row.text, row.text


# ---- unit 市财政局: sign and submit; no way into the other unit's work ----
def czj_submits_and_is_kept_out(b, srv, sha, clicks):
    unit_action(b, 2, "accept", [], tab="todo", expect="已签收")
    clicks.append("AssignmentAccepted")
    unit_action(b, 2, "submit", [("text", "已按标准化要求公开全部事项。")], tab="doing", expect="已提交办结")
    clicks.append("CompletionSubmitted")
    b.allow(403, rf"/api/v1/plans/{PLAN}/tasks/1$")
    b.go(f"#/task/{PLAN}/1")
    b.wait_text("#forbidden h1", "无权查看")
    assert "完善市级政务公开目录" not in b.q("main").text, "another unit's task shown"
    b.shot("unit-forbidden")
    b.q("#forbidden a").click()  # its link back
    b.wait_text("main h1", "我的任务")
    # The other unit's evidence file opened in a new tab (as from a link or a
    # pasted address): a page in Chinese, not the file and not raw JSON, with
    # a link back into the workbench, signed in.
    workbench = b.d.current_window_handle
    b.d.switch_to.new_window("tab")
    b.allow(403, rf"/api/v1/evidence/{sha}$")
    b.d.get(f"{srv.url}/api/v1/evidence/{sha}")
    b.wait_text("#forbidden h1", "无权查看")
    body = b.q("body").text
    assert "%PDF" not in body and '"error"' not in body and "不属于您的单位" in body, body[:300]
    b.shot("unit-evidence-forbidden")
    b.q("#back-home").click()
    b.wait_text("main h1", "我的任务")
    b.check_logs("unit-evidence-403")
    b.d.close()
    b.d.switch_to.window(workbench)
    b.sign_out()


# ---- 多级下发: 市政府办公室 passes task 6 to its 督查科 and reviews it -----
def gov_delegates_and_reviews(b, clicks):
    b.sign_in("gov")
    unit_action(b, 6, "accept", [], expect="已签收")
    clicks.append("AssignmentAccepted")
    unit_action(b, 6, "delegate", [("to_unit", DCK), ("note", "请督查科建立台账并按月更新。")], tab="doing", expect="已下发")
    clicks.append("AssignmentDelegated")
    row = b.wait(f"#delegated tr[data-task='6'][data-unit='{DCK}']")
    labels = [x.text for x in b.qs("button", row)]
    assert "待签收" in row.text and labels == ["收回"], (row.text, labels)
    b.sign_out()
    b.sign_in("dck")
    unit_action(b, 6, "accept", [], expect="已签收")
    clicks.append("AssignmentAccepted")
    unit_action(b, 6, "submit", [("text", "督查台账已建立。")], tab="doing", expect="已提交办结")
    clicks.append("CompletionSubmitted")
    assert not b.qs("#delegated"), "a sub-unit delegated nothing"
    b.sign_out()
    b.sign_in("gov")
    b.wait_text("#delegated-waiting", "1 项待本单位审核")
    row = b.wait(f"#delegated tr[data-task='6'][data-unit='{DCK}'][data-status='submitted']")
    b.shot("unit-delegated")
    # Its own part cannot be submitted before the sub-unit's is reviewed.
    [x for x in b.qs("button", row) if x.text == "审核通过"][0].click()
    form = b.wait("form.panel[data-action='approve']")
    b.fill(form, "comment", "台账完整，同意。")
    b.confirm(form, "已办理")
    clicks.append("CompletionApproved")
    b.wait(f"#delegated tr[data-task='6'][data-unit='{DCK}'][data-status='completed']")
    # The task page shows the sub-unit's part and its history to the unit that delegated it.
    b.go(f"#/task/{PLAN}/6")
    b.wait(f"tr[data-unit='{DCK}']")
    types = [li.get_attribute("data-type") for li in b.qs("#timeline li")]
    assert "AssignmentDelegated" in types and "CompletionApproved" in types, types
    b.shot("unit-delegated-task")
    b.sign_out()


# ---- office: the queues ----------------------------------------------
def office_works_the_queues(b, today, clicks):
    b.sign_in("office")
    b.wait("#q-returns")
    b.shot("office-dashboard")
    office_action(b, "q-returns", 3, SFJ, "改派", "reassign",
                  [("to_unit", CZJ), ("reason", "按职责调整由市财政局办理。")])
    clicks.append("AssignmentReassigned")
    # 批量销号: nothing chosen is refused on the page; one row chosen is approved
    # through POST /api/v1/bulk (its command one of the bulk's).
    b.q("#q-submissions-bulk button[data-bulk='approve']").click()
    b.wait_text("#q-submissions-bulk [role=status]", "请先勾选")
    b.q(f"#q-submissions tr[data-task='1'][data-unit='{SFJ}'] input.pick").click()
    b.q("#q-submissions-bulk button[data-bulk='approve']").click()
    form = b.wait("form.panel[data-action='bulk-approve']")
    assert "任务 1" in form.text and SFJ in form.text, form.text
    b.fill(form, "comment", "材料齐全，同意销号。")
    b.shot("office-bulk-approve")
    b.confirm(form, "已办理 1 项")
    clicks.append("CompletionApproved")
    office_action(b, "q-submissions", 2, CZJ, "驳回", "reject", [("reason", "缺少公开事项清单，请补充后重新提交。")])
    clicks.append("CompletionRejected")
    office_action(b, "q-extensions", 5, SFJ, "批准延期", "grant_extension", [])
    clicks.append("ExtensionGranted")
    b.shot("office-dashboard-after")
    # The office's tools on a task page: 催办 the unit task 3 was moved to,
    # and a leader's instruction on the task; both in its history by name.
    b.go(f"#/task/{PLAN}/3")
    row = b.wait(f"tr[data-unit='{CZJ}']")
    b.q("button[data-action='urge']", row).click()
    form = b.wait("form.panel[data-action='add_note']")
    b.fill(form, "text", "请于三日内签收并报送工作计划。")
    b.confirm(form, "已办理")
    clicks.append("NoteAdded")
    b.q("#task-tools button[data-action='instruction']").click()
    form = b.wait("form.panel[data-action='add_note']")
    b.q("button.confirm", form).click()
    b.wait_text("form.panel .msg.err", "请填写")
    b.fill(form, "text", "此项工作要高度重视，按时保质完成。")
    b.confirm(form, "已办理")
    clicks.append("NoteAdded")
    WebDriverWait(b.d, 10).until(lambda d: len(b.qs("#timeline li[data-type='NoteAdded']")) == 2)
    notes = [li.text for li in b.qs("#timeline li[data-type='NoteAdded']")]
    assert len(notes) == 2 and notes[0].startswith("催办") and notes[1].startswith("领导批示"), notes
    # A reporting schedule for the task (报送安排): quarterly, on its page and in its history.
    assert b.q("#task-schedule").text == "—", b.q("#task-schedule").text
    b.q("#task-tools button[data-action='set_schedule']").click()
    form = b.wait("form.panel[data-action='set_schedule']")
    b.fill(form, "reason", "按方案每季度听取一次工作汇报。")
    b.confirm(form, "已办理")
    clicks.append("ScheduleSet")
    b.wait_text("#task-schedule", "每季度1次")
    b.wait("#timeline li[data-type='ScheduleSet']")
    b.shot("office-task-tools")
    # 职责调整: the plan never named 浈江区政府. Assigning it is refused until
    # the office adds it; a misspelt name is answered with the directory's.
    b.allow(422, r"/api/v1/commands$")  # the refused assign
    b.allow(422, r"/api/v1/commands$")  # the misspelt name
    b.q("#task-tools button[data-action='assign']").click()
    form = b.wait("form.panel[data-action='assign']")
    b.fill(form, "unit", "浈江区政府")
    b.q("button.confirm", form).click()
    b.wait_text("form.panel .msg.err", "增加承办单位")
    clicks.append("CommandRejected")  # decided, so recorded: the log keeps refusals too
    b.q("button.cancel", form).click()
    b.q("#task-tools button[data-action='add_unit']").click()
    form = b.wait("form.panel[data-action='add_unit']")
    b.fill(form, "name", "浈江区正府")
    b.fill(form, "reason", "按市政府常务会议决定，由浈江区政府协同办理。")
    b.q("button.confirm", form).click()
    b.wait_text("form.panel .msg.err", "单位名录中查不到")
    assert "浈江区政府" in b.q("form.panel .msg.err").text, b.q("form.panel .msg.err").text
    b.fill(form, "name", "浈江区政府")
    b.confirm(form, "已办理")
    clicks.append("PlanUnitAdded")
    b.q("#task-tools button[data-action='assign']").click()
    form = b.wait("form.panel[data-action='assign']")
    b.fill(form, "unit", "浈江区政府")
    b.confirm(form, "已办理")
    clicks.append("AssignmentCreated")
    b.wait("tr[data-unit='浈江区政府'][data-status='assigned']")
    b.shot("office-unit-added")
    b.go("#/office/cycle")
    form = b.wait("#cycle-start form")
    b.fill(form, "plan", PLAN)
    b.fill(form, "cycle_id", f"{today:%Y-%m}-月度调度")
    b.fill(form, "due_on", (today + datetime.timedelta(days=10)).isoformat())
    b.shot("office-cycle")
    b.confirm(form, "调度已启动")
    clicks.append("ReviewCycleStarted")
    # The cycle's results by unit: every open assignment's unit was asked
    # and nobody has answered yet, so each unit's row shows what it owes.
    b.wait(f'#cycle-results tr[data-cycle="{today:%Y-%m}-月度调度"]')
    silent = {r.get_attribute("data-unit"): int(r.get_attribute("data-silent"))
              for r in b.d.find_elements("css selector", f'#cycle-results tr[data-cycle="{today:%Y-%m}-月度调度"]')}
    assert silent and all(n > 0 for n in silent.values()), silent
    b.shot("office-cycle-results")


# ---- a tick: the past deadline becomes overdue; the dashboard shows red --
def tick_turns_it_red(b, srv, today):
    srv.stop()
    t = run("tick")
    log("duban tick:", t.stdout.strip().replace("\n", " | "))
    assert "DeadlineMissed task 4" in t.stdout, t.stdout
    srv.start()
    # The restart ended every session: the open page's next reads are 401, and
    # it says so and sends back to sign-in.
    for read in ("dashboard", "queues", "plans"):
        b.allow(401, rf"/api/v1/{read}$")
    b.allow(401, r"/api/v1/notifications\?")  # the 通知 count in the navigation asks too
    b.go("#/office")
    b.wait_text("#login-msg .msg", "登录已过期")
    b.shot("login-expired")
    b.sign_in("office")
    b.go(f"#/office?plan={PLAN}")
    row = b.wait(f"tr[data-unit='{CZJ}']")
    assert row.get_attribute("data-overdue") == "1", row.text
    assert int(row.get_attribute("data-red")) >= 1, row.text
    assert int(b.q("#light-tiles .tile.red .n").text) >= 1
    assert "红" in row.text
    b.q("#progress-draw").click()
    b.wait("#progress-chart svg circle", visible=False)  # one point when the plan came in today
    assert len(b.qs("#progress-chart tbody tr")) >= 1
    b.shot("office-dashboard-red")
    # The office's paperwork from the dashboard: each link answers its file, as of today.
    b.d.set_script_timeout(60)
    links = {a.get_attribute("data-report"): a.get_attribute("href") for a in b.qs("#reports a.download")}
    assert set(links) == {"ledger", "ledger_csv", "scorecard", "bulletin"}, links
    for kind, href in links.items():
        assert f"as_of={today.isoformat()}" in href and f"plan={PLAN}" in href, href
        got = fetch(b, href)
        assert got["status"] == 200, (kind, got["status"], got["text"][:300])
        assert "attachment" in (got["disposition"] or ""), (kind, got["disposition"])
        if kind == "ledger_csv":
            assert got["head"][:3] == [0xEF, 0xBB, 0xBF], (kind, got["head"])
        else:
            assert got["head"][:2] == [0x50, 0x4B] and got["size"] > 3000, (kind, got["head"], got["size"])
    log("office report downloads:", ", ".join(sorted(links)))
    b.sign_out()
    # The unit sees it too: 已逾期, a red light that says so in words, the
    # days late counted from the date. Its date had passed when the plan came
    # in today: late from the import, its 督促整改 a whole working day on, so
    # no escalation level yet.
    b.sign_in("czj")
    b.q("#tab-late").click()
    row = b.wait("tr[data-task='4']")
    light = b.q(".light", row)
    assert light.get_attribute("data-light") == "red" and "红灯·已逾期" in light.text, light.text
    assert "已超" in row.text and " 级" not in row.text, row.text
    b.shot("unit-inbox-overdue")
    # The unit's own ledger from its inbox: its rows only; the scorecard is not its to fetch.
    links = {a.get_attribute("data-report"): a.get_attribute("href") for a in b.qs("#reports a.download")}
    assert set(links) == {"ledger", "ledger_csv"}, links
    got = fetch(b, links["ledger_csv"])
    assert got["status"] == 200, got["text"][:300]
    import csv as csvmod
    lines = list(csvmod.reader(got["text"].lstrip("\ufeff").splitlines()))
    unit_col = lines[0].index("落实单位")
    assert len(lines) > 1 and all(r[unit_col] == CZJ for r in lines[1:]), lines[:3]
    b.allow(403, r"/api/v1/reports/scorecard")
    assert fetch(b, links["ledger"].replace("/ledger?", "/scorecard?").replace("format=xlsx", "format=json"))["status"] == 403
    # The server's reminders thread told the unit of it in the workbench: 通知, unread, then read.
    b.go("#/notices")
    for _ in range(150):  # the thread read the tick's events at the server's start; a slow machine may lag
        if b.qs("#notices li.notice"):
            break
        time.sleep(0.2)
        b.d.execute_script("Duban.render()")
    b.wait_text("#notices", "逾期提醒：第4项任务")
    nav = b.q('#nav a[href="#/notices"]')
    assert "通知（" in nav.text, nav.text
    assert b.qs("#notices li.notice.unread"), b.q("#notices").text
    b.shot("unit-notices")
    # 全部标为已读 marks what the page listed: a notice the thread wrote since
    # stays unread, and the page (re-rendered) offers the button again.
    for _ in range(10):
        try:
            b.q("#mark-all").click()
            time.sleep(0.5)
            if "未读 0 条" in b.q("#notice-summary").text:
                break
        except h.StaleElementReferenceException:  # the page re-rendered under the click: look again
            time.sleep(0.2)
    b.wait_text("#notice-summary", "未读 0 条")
    b.wait_text('#nav a[href="#/notices"]', "通知")
    assert not b.qs("#notices li.notice.unread")
    assert b.q('#nav a[href="#/notices"]').text == "通知"
    log("unit notices:", b.q("#notice-summary").text)
    b.sign_out()


# ---- office: the year's holiday notice, recorded while the server runs ----
def office_records_the_holiday_notice(b):
    """The office reads the calendar page, is refused a malformed notice in
    words, then uploads the 2027 notice file: the page says what was recounted
    and lists the notice. (`duban calendar add` is refused while the server
    holds the store; this is the office's way then.)"""
    b.sign_in("office")
    b.go("#/office/calendar")
    b.wait("#calendar-version")
    before = int(b.q("#calendar-provisional-count").text)
    b.shot("office-calendar-before-notice")
    b.q("#notice-text").send_keys("calendar: [not a notice")
    b.allow(422, r"/api/v1/calendar/notices")
    b.q("#notice-go").click()
    b.wait_text("#calendar-result .msg.err", "未记录")
    assert "填写的内容不符合要求" in b.q("#calendar-result .msg.err").text, b.q("#calendar-result").text
    b.q("#notice-text").clear()
    notice = os.path.join(h.TMP, "2027年节假日安排.yaml")
    shutil.copyfile(os.path.join(h.SRC, "tests", "workflow_engine", "data", "cn-mainland-2027.TEST-FIXTURE.yaml"), notice)
    b.wait("#notice-file", visible=False).send_keys(notice)
    WebDriverWait(b.d, 10).until(lambda d: "covers: 2027" in b.q("#notice-text").get_attribute("value"))
    b.q("#notice-go").click()
    ok = b.wait_text("#calendar-result .msg.ok", "已记录，日历现为 cn-mainland/2026-11-10")
    b.wait_text("#calendar-version", "cn-mainland/2026-11-10")
    assert "2027年节假日安排.yaml" in b.q("#calendar-status").text, b.q("#calendar-status").text
    after = int(b.q("#calendar-provisional-count").text)
    assert after <= before, (before, after)
    log("calendar notice:", b.q("#calendar-result .msg.ok").text, f"provisional deadlines {before} -> {after}")
    b.shot("office-calendar-notice-recorded")
    b.sign_out()


# ---- auditor: history, as of, verify, CSV --------------------------------
def auditor_checks(b, today):
    b.sign_in("audit")
    b.wait("#hist-form")
    Select(b.q("#hist-plan")).select_by_value(PLAN)
    b.q("#hist-task").send_keys("1")
    b.q("#hist-form button[type=submit]").click()
    b.wait("#hist-result table")
    hist = [tr.get_attribute("data-type") for tr in b.qs("#hist-result tbody tr")]
    for want in ("AssignmentCreated", "AssignmentAccepted", "ProgressReported", "CompletionSubmitted", "CompletionApproved"):
        assert want in hist, (want, hist)
    b.q("#hist-csv").click()
    Select(b.q("#asof-plan")).select_by_value(PLAN)
    b.d.execute_script("arguments[0].value = arguments[1]", b.q("#asof-date"), today.isoformat())
    b.q("#asof-unit").send_keys(CZJ)
    b.q("#asof-form button[type=submit]").click()
    b.wait("#asof-result table")
    asof = [tr.text for tr in b.qs("#asof-result tbody tr")]
    assert len(asof) >= 3 and all(CZJ in r for r in asof) and any(r.startswith("3.") for r in asof), asof
    # The auditor's desk offers every plan's reports too.
    assert {a.get_attribute("data-report") for a in b.qs("#reports a.download")} == {
        "ledger", "ledger_csv", "scorecard", "bulletin"}
    for pick in b.qs("#reports select"):  # a choice only when the store holds several plans
        Select(pick).select_by_value(PLAN)
    got = fetch(b, b.q("#reports a[data-report='bulletin']").get_attribute("href"))
    assert got["status"] == 200 and got["head"][:2] == [0x50, 0x4B], (got["status"], got["text"][:200])
    b.q("#verify-run").click()
    b.wait_text("#verify-result .msg.ok", "校验通过", timeout=60)
    page_heads = {"log_end": int(b.q("#log-end").text), "log_head": b.q("#log-head").text,
                  "plan": b.q(f"#verify-plans tr[data-plan='{PLAN}'] .hash").text}
    assert re.fullmatch(r"[0-9a-f]{64}", page_heads["log_head"]), page_heads
    assert "尚未启用" in b.q("#verify-checkpoint").text, b.q("#verify-checkpoint").text
    b.shot("audit")
    b.q("#asof-csv").click()
    for _ in range(50):
        csvs = [f for f in os.listdir(h.DOWNLOADS) if f.endswith(".csv")]
        if len(csvs) == 2:
            break
        time.sleep(0.1)
    assert len(csvs) == 2, os.listdir(h.DOWNLOADS)
    for f in csvs:
        shutil.copy(os.path.join(h.DOWNLOADS, f), h.ART)
        with open(os.path.join(h.DOWNLOADS, f), encoding="utf-8-sig") as fh:
            text = fh.read()
        assert "任务" in text or "事件" in text, text[:200]
    b.go(f"#/task/{PLAN}/3")
    b.wait("#timeline")
    assert "AssignmentReassigned" in [li.get_attribute("data-type") for li in b.qs("#timeline li")]
    b.shot("audit-task")
    b.sign_out()
    return page_heads


# ---- the store after the cycle -----------------------------------------
def check_the_store(b, clicks, page_heads):
    v = run("verify")
    log("duban verify:", v.stdout.strip().splitlines()[-1] if v.stdout.strip() else "")
    events = [json.loads(line) for line in run("--json", "log").stdout.splitlines() if line.strip()]
    by_cmd = collections.OrderedDict()
    for e in events:
        if e.get("command_id", "").startswith("web-"):
            by_cmd.setdefault(e["command_id"], []).append(e["type"])
    log("commands from the pages:", len(by_cmd))
    for cid, types in by_cmd.items():
        log(f"  {cid}: {', '.join(types)}")
    # The heads the auditor saw are the log's: the chain over every record
    # (duban/anchor.h: head = sha256(head | position, 8 bytes big-endian | hash))
    # and the plan stream's last event. Nothing was written after verify.
    head, pos, plan_last = "", 0, ""
    for e in events:
        pos += 1
        head = hashlib.sha256(head.encode() + pos.to_bytes(8, "big") + e["hash"].encode()).hexdigest()
        if e.get("stream") == PLAN:
            plan_last = e["hash"]
    assert page_heads == {"log_end": pos, "log_head": head, "plan": plan_last}, (page_heads, pos, head, plan_last)
    firsts = [t[0] for t in by_cmd.values()]
    assert firsts == clicks, f"the log's commands {firsts} are not the clicks {clicks}"
    assert sum(1 for e in events if e["type"] == "PlanImported") == 1
    assert len(b.problems) == 0, "problems:\n  " + "\n  ".join(b.problems)
    log(f"screenshots ({len(b.shots)}) in {h.ART}:")
    for s in b.shots:
        log("  " + os.path.basename(s))
    log("OK: the workbench's full cycle passed")


def main():
    today = datetime.datetime.now(CHINA).date()
    for name, role, unit in (("office", "office", None), ("sfj", "unit", SFJ), ("czj", "unit", CZJ), ("audit", "auditor", None),
                             ("gov", "unit", GOV), ("dck", "unit", DCK)):
        run("user", "add", name, "--role", role, *(["--unit", unit] if unit else []), "--password-stdin",
            stdin=PASSWORDS[name] + "\n")
    plan_file = os.path.join(h.TMP, "韶关市政务公开分工方案.txt")
    with open(plan_file, "w", encoding="utf-8") as f:
        f.write(plan_text(today))
    pdf = os.path.join(h.TMP, "进度台账.pdf")
    with open(pdf, "wb") as f:
        f.write(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

    srv = Server()
    srv.start()
    b = Browser(srv.url)
    clicks = []  # the event type each confirmed command asks for, in order
    try:
        sign_in_and_refusal_words(b)
        office_imports_plan(b, plan_file)
        sha = sfj_signs_returns_reports_submits(b, pdf, today, clicks)
        czj_by_keyboard(b, clicks)
        czj_submits_and_is_kept_out(b, srv, sha, clicks)
        gov_delegates_and_reviews(b, clicks)
        office_works_the_queues(b, today, clicks)
        tick_turns_it_red(b, srv, today)
        office_records_the_holiday_notice(b)
        page_heads = auditor_checks(b, today)
        b.check_logs("end")
        if b.allowed:
            b.problems.append(f"provoked failures that did not happen: {b.allowed}")
    finally:
        try:
            b.d.quit()
        finally:
            srv.stop()

    check_the_store(b, clicks, page_heads)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__)
        sys.exit(2)
    h.setup(*sys.argv[1:4])
    try:
        main()
    finally:
        shutil.rmtree(h.TMP, ignore_errors=True)
