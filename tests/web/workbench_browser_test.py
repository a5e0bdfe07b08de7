#!/usr/bin/python3
"""The workbench (web/) through a real browser: headless Debian chromium driven
by python3-selenium, against `duban serve` on a fresh store.

usage: workbench_browser_test.py DUBAN_BINARY SOURCE_DIR BUILD_DIR

A full cycle by clicks and typing: the office imports a plan (preview, then
import); a unit signs one task, returns another with a reason, reports progress
with an evidence file and submits; a second unit signs and submits; the office
re-assigns the returned task, approves one submission and rejects the other and
starts a review cycle; a tick (`duban tick`, server stopped) makes a task whose
deadline has passed overdue and the dashboard shows it red; an auditor opens a
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
import base64
import collections
import datetime
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def skip(why):
    print(f"SKIP: {why} (ops/install-deps.sh installs chromium, chromium-driver, python3-selenium)")
    sys.exit(77)


try:
    from selenium import webdriver
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:
    skip(f"python module selenium not found by {sys.executable}")
for exe in (CHROMIUM, CHROMEDRIVER):
    if not os.access(exe, os.X_OK):
        skip(f"{exe} not found")

if len(sys.argv) != 4:
    print(__doc__)
    sys.exit(2)
DUBAN, SRC, BUILD = sys.argv[1:4]
ART = os.path.join(BUILD, "test-artifacts", "web")
PLAN = "sg-web"
SFJ, CZJ = "市司法局", "市财政局"
PASSWORDS = {"office": "office-pass-2026", "sfj": "sfj-unit-pass-1", "czj": "czj-unit-pass-1", "audit": "audit-pass-2026"}
CHINA = datetime.timezone(datetime.timedelta(hours=8))


def log(*a):
    print(*a, flush=True)


def run(*args, stdin=None, check=True):
    p = subprocess.run([DUBAN, "--data", DATA, *args], input=stdin, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"duban {' '.join(args)} exited {p.returncode}: {p.stdout}{p.stderr}")
    return p


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cn_date(d):
    return f"{d.year}年{d.month}月{d.day}日前"


def plan_text(today):
    """A plan in the text-export layout of workflows/plans/*.txt (a tab starts
    a cell, a blank line ends a row), its deadlines relative to today."""
    later = today + datetime.timedelta(days=40)
    soon = today + datetime.timedelta(days=2)
    past = today - datetime.timedelta(days=6)
    rows = [
        ("一、深化政务公开", None),
        ("1.完善市级政务公开目录，及时更新发布。", (SFJ, SFJ, later)),
        ("2.推进政务服务事项标准化公开。", (CZJ, CZJ, later)),
        ("3.做好重大建设项目信息公开。", (SFJ, SFJ, later)),
        ("二、加强预算管理", None),
        ("4.做好部门预算决算公开工作。", (CZJ, CZJ, past)),
        ("5.开展行政执法信息公示自查。", (SFJ, SFJ, soon)),
    ]
    out = [f"韶关市{today.year}年政务公开重点工作任务分工方案", "\t工作任务", "\t牵头单位", "\t责任单位", "\t时限要求", ""]
    for text, units in rows:
        out.append("\t" + text)
        if units:
            out += ["\t" + units[0], "\t" + units[1], "\t" + cn_date(units[2])]
        out.append("")
    return "\n".join(out) + "\n"


class Server:
    def __init__(self):
        self.proc = None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self):
        self.errlog = open(os.path.join(TMP, f"serve-{time.time():.0f}.log"), "w")
        self.proc = subprocess.Popen([DUBAN, "--data", DATA, "serve", "--listen", f"127.0.0.1:{self.port}",
                                      "--tick-interval", "0"], stdout=self.errlog, stderr=subprocess.STDOUT)
        for _ in range(200):
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
            if self.proc.poll() is not None:
                raise AssertionError(f"duban serve exited {self.proc.returncode}")
        raise AssertionError("duban serve did not answer /healthz")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class Browser:
    """The driver plus the checks every page gets: screenshots at both widths,
    nothing wider than the phone, no console error or failed request."""

    def __init__(self, base):
        self.base = base
        o = webdriver.ChromeOptions()
        o.binary_location = CHROMIUM
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--window-size=1366,768", "--lang=zh-CN", "--no-first-run", "--disable-extensions"):
            o.add_argument(a)
        o.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        self.d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=o)
        self.d.set_page_load_timeout(30)
        self.d.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": DOWNLOADS})
        self.shots = []
        self.allowed = []  # (status, url regex) provoked on purpose
        self.problems = []

    def size(self, w, h, mobile):
        self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": mobile})

    def go(self, hash_):
        self.d.get(self.base + "/" + hash_)

    def wait(self, css, timeout=15, visible=True):
        cond = EC.visibility_of_element_located if visible else EC.presence_of_element_located
        try:
            return WebDriverWait(self.d, timeout).until(cond((By.CSS_SELECTOR, css)))
        except TimeoutException:
            self.shot("FAILED-wait")
            raise AssertionError(f"timed out waiting for {css} at {self.d.current_url}; page says: "
                                 f"{self.d.find_element(By.TAG_NAME, 'main').text[:600]}")

    def wait_text(self, css, text, timeout=15):
        found = []

        def seen(d):
            try:
                found[:] = [e for e in d.find_elements(By.CSS_SELECTOR, css) if text in e.text]
            except StaleElementReferenceException:  # the page re-rendered meanwhile: look again
                return False
            return bool(found)
        try:
            WebDriverWait(self.d, timeout).until(seen)
        except TimeoutException:
            self.shot("FAILED-wait-text")
            raise AssertionError(f"timed out waiting for {text!r} in {css} at {self.d.current_url}; page says: "
                                 f"{self.d.find_element(By.TAG_NAME, 'main').text[:600]}")
        return found[0]

    def q(self, css, root=None):
        return (root or self.d).find_element(By.CSS_SELECTOR, css)

    def qs(self, css, root=None):
        return (root or self.d).find_elements(By.CSS_SELECTOR, css)

    def shot(self, name):
        """Saves NAME-1366.png and NAME-390.png (full page) and checks the phone width."""
        for w, h, mobile in ((1366, 768, False), (390, 844, True)):
            self.size(w, h, mobile)
            time.sleep(0.25)
            if mobile:
                wide = self.d.execute_script(
                    "return [document.documentElement.scrollWidth, window.innerWidth, "
                    "Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && getComputedStyle(e).position !== 'fixed' && !e.closest('.table-wrap') && e.getClientRects().length).slice(0, 3).map(e => e.tagName + '.' + e.className + ':' + (e.textContent || '').slice(0, 30))]")
                if wide[0] > wide[1] + 1 and not name.startswith("FAILED"):
                    self.problems.append(f"{name}: page {wide[0]}px wide at {wide[1]}px: {wide[2]}")
            m = self.d.execute_cdp_cmd("Page.getLayoutMetrics", {})
            cs = m.get("cssContentSize") or m["contentSize"]
            png = self.d.execute_cdp_cmd("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": w, "height": max(h, min(cs["height"], 6000)), "scale": 1}})
            path = os.path.join(ART, f"{name}-{w}.png")
            with open(path, "wb") as f:
                f.write(base64.b64decode(png["data"]))
            self.shots.append(path)
        self.size(1366, 768, False)
        self.check_names(name)
        self.check_logs(name)

    def check_names(self, where):
        """Every rendered input, select, textarea and button has an accessible
        name, as chromium's accessibility tree computes it (label for=,
        aria-label, its text)."""
        els = self.d.execute_script(
            "return Array.from(document.querySelectorAll('input, select, textarea, button'))"
            ".filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')")
        for el in els:
            if not (el.accessible_name or "").strip():
                self.problems.append(f"{where}: a control without an accessible name: "
                                     f"{el.get_attribute('outerHTML')[:160]}")

    def allow(self, status, url_re):
        self.allowed.append((status, re.compile(url_re)))

    def check_logs(self, where):
        """Console errors and failed requests since the last check. A failure
        provoked on purpose (allow) is expected once; the browser's console
        line for it ("URL - Failed to load resource: ...") is then no error."""
        expected = set()
        for e in self.d.get_log("performance"):
            m = json.loads(e["message"])["message"]
            if m.get("method") != "Network.responseReceived":
                continue
            r = m["params"]["response"]
            if r["status"] < 400:
                continue
            ok = [a for a in self.allowed if a[0] == r["status"] and a[1].search(r["url"])]
            if ok:
                self.allowed.remove(ok[0])
                expected.add(r["url"])
            else:
                self.problems.append(f"{where}: request failed {r['status']} {r['url']}")
        for e in self.d.get_log("browser"):
            if e["level"] != "SEVERE":
                continue
            if "Failed to load resource" in e["message"] and e["message"].split(" ")[0] in expected:
                continue
            self.problems.append(f"{where}: console: {e['message']}")

    def sign_in(self, user, password=None, expect_error=None):
        self.go("#/login")
        u = self.wait("#login-user")
        u.clear()
        u.send_keys(user)
        p = self.q("#login-password")
        p.clear()
        p.send_keys(password or PASSWORDS[user], Keys.ENTER)  # the keyboard submits the form
        if expect_error:
            return self.wait_text("#login-msg .msg", expect_error)
        self.wait("#top:not([hidden]) #who")
        self.wait("main h1")

    def sign_out(self):
        self.q("#signout").click()
        self.wait_text("#login-msg .msg", "您已退出登录")

    def fill(self, form, name, value):
        el = self.q(f"[name={name}]", form)
        if el.get_attribute("type") == "date":
            # Chromium's date input takes the digits as typed in its locale's order:
            # set it the way a picker does and tell the page.
            self.d.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))", el, value)
        elif el.tag_name == "select":
            Select(el).select_by_value(value)
        else:
            el.clear()
            el.send_keys(value)


def unit_action(b, task, action, fields, tab=None, expect="", file=None):
    if tab:
        b.q(f"#tab-{tab}").click()
        b.wait(f"#tab-{tab}[aria-selected='true']")
    row = b.wait(f"tr[data-task='{task}']")
    b.q(f"button[data-action='{action}']", row).click()
    form = b.wait(f"form.panel[data-action='{action}']")
    for k, v in fields:
        b.fill(form, k, v)
    if file:
        b.q("input[type=file]", form).send_keys(file)
    b.q("button.confirm", form).click()
    return b.wait_text(".msg.ok", f"任务 {task}：{expect}")


def office_action(b, queue, task, unit, label, action, fields, expect="已办理"):
    row = b.wait(f"#{queue} tr[data-task='{task}'][data-unit='{unit}']")
    [x for x in b.qs("button", row) if x.text == label][0].click()
    form = b.wait(f"form.panel[data-action='{action}']")
    for k, v in fields:
        b.fill(form, k, v)
    b.q("button.confirm", form).click()
    b.wait_text(".msg.ok", expect)


# Fetches a URL from the page (its session cookie): status, headers, first bytes, text.
FETCH_JS = """
const done = arguments[arguments.length - 1];
fetch(arguments[0], {credentials: "same-origin"}).then(async (r) => {
  const bytes = new Uint8Array(await r.arrayBuffer());
  done({status: r.status, type: r.headers.get("content-type"), disposition: r.headers.get("content-disposition"),
        head: Array.from(bytes.slice(0, 4)), size: bytes.length, text: new TextDecoder().decode(bytes)});
}).catch((e) => done({status: 0, text: String(e)}));
"""


def fetch(b, url):
    return b.d.execute_async_script(FETCH_JS, url)


def keys(b, *k):
    """Presses keys where the focus is: no element is clicked or addressed."""
    ActionChains(b.d).send_keys(*k).perform()


def focused(b, css):
    return b.d.execute_script("return !!document.activeElement && document.activeElement.matches(arguments[0])", css)


def tab_to(b, css, limit=80):
    """Presses Tab until the focus is on CSS (in the page's own tab order),
    checking on the way that every focused control shows a focus ring."""
    for _ in range(limit):
        keys(b, Keys.TAB)
        ring = b.d.execute_script(
            "const e = document.activeElement, s = getComputedStyle(e);"
            "return [e.tagName + (e.id ? '#' + e.id : '') + ':' + (e.textContent || '').trim().slice(0, 20),"
            " s.outlineStyle, parseFloat(s.outlineWidth) || 0]")
        if ring[1] == "none" or ring[2] < 2:
            b.problems.append(f"keyboard: no visible focus on {ring[0]} (outline {ring[1]} {ring[2]}px)")
        if focused(b, css):
            return
    b.shot("FAILED-tab")
    raise AssertionError(f"{limit} presses of Tab never reached {css}")


def reason_codes():
    """Every reason/error code the engine and the server can answer, read
    from the sources: the reason namespaces (duban/core/domain.h,
    duban/accounts.h), Status::Rejected("..."), c.Error(NNN, "...") and
    {"error", "..."}, and the few written through a ternary."""
    codes = set()
    for top in ("engine", "workflows"):
        for dirpath, _, files in os.walk(os.path.join(SRC, top)):
            for f in files:
                if not f.endswith((".cc", ".h")):
                    continue
                with open(os.path.join(dirpath, f), encoding="utf-8") as fh:
                    text = fh.read()
                codes |= set(re.findall(r'Rejected\("([a-z_]+)"', text))
                codes |= set(re.findall(r'Error\(\d{3}, "([a-z_]+)"', text))
                codes |= set(re.findall(r'\{"error", "([a-z_]+)"\}', text))
                for block in re.findall(r"namespace reason \{(.*?)\}", text, re.S):
                    codes |= set(re.findall(r'= "([a-z_]+)";', block))
    ternary = {"engine/server/server.cc": ("no_route", "too_large", "bad_request"),
               "engine/server/handlers_commands.cc": ("command_id_conflict", "error")}
    for path, names in ternary.items():
        with open(os.path.join(SRC, path), encoding="utf-8") as fh:
            text = fh.read()
        for n in names:
            assert f'"{n}"' in text, f"{path} no longer writes the code {n}: update reason_codes()"
            codes.add(n)
    assert len(codes) > 30, codes
    return codes


def main():
    today = datetime.datetime.now(CHINA).date()
    for name, role, unit in (("office", "office", None), ("sfj", "unit", SFJ), ("czj", "unit", CZJ), ("audit", "auditor", None)):
        run("user", "add", name, "--role", role, *(["--unit", unit] if unit else []), "--password-stdin",
            stdin=PASSWORDS[name] + "\n")
    plan_file = os.path.join(TMP, "韶关市政务公开分工方案.txt")
    with open(plan_file, "w", encoding="utf-8") as f:
        f.write(plan_text(today))
    pdf = os.path.join(TMP, "进度台账.pdf")
    with open(pdf, "wb") as f:
        f.write(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

    srv = Server()
    srv.start()
    b = Browser(srv.url)
    clicks = []  # the event type each confirmed command asks for, in order
    try:
        # ---- sign-in: wrong password, then the office --------------------------
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
        b.go("#/office/import")
        b.wait("#import-file", visible=False).send_keys(plan_file)  # drawn as its label (选择文件)
        WebDriverWait(b.d, 10).until(lambda d: "工作任务" in b.q("#import-text").get_attribute("value"))
        b.q("#import-id").send_keys(PLAN)
        assert not b.q("#import-go").is_enabled(), "import allowed before a preview"
        b.q("#import-preview").click()
        summary = b.wait("#import-summary")
        assert "将生成交办" in summary.text and "5 项" in summary.text, summary.text
        assert len(b.qs("#import-result table tbody tr")) == 5
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
        b.q("button.confirm", form).click()
        b.wait_text(".msg.ok", "任务 3：已退回")
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
        b.q("button.confirm", form).click()
        b.wait_text(".msg.ok", "任务 5：延期申请已提交")
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

        # ---- unit 市财政局 by keyboard alone: sign in, 签收 task 4, report progress --
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

        # ---- office: the queues ----------------------------------------------
        b.sign_in("office")
        b.wait("#q-returns")
        b.shot("office-dashboard")
        office_action(b, "q-returns", 3, SFJ, "改派", "reassign",
                      [("to_unit", CZJ), ("reason", "按职责调整由市财政局办理。")])
        clicks.append("AssignmentReassigned")
        office_action(b, "q-submissions", 1, SFJ, "销号", "approve", [("comment", "材料齐全，同意销号。")])
        clicks.append("CompletionApproved")
        office_action(b, "q-submissions", 2, CZJ, "驳回", "reject", [("reason", "缺少公开事项清单，请补充后重新提交。")])
        clicks.append("CompletionRejected")
        office_action(b, "q-extensions", 5, SFJ, "批准延期", "grant_extension", [])
        clicks.append("ExtensionGranted")
        b.shot("office-dashboard-after")
        b.go("#/office/cycle")
        form = b.wait("#cycle-start form")
        b.fill(form, "plan", PLAN)
        b.fill(form, "cycle_id", f"{today:%Y-%m}-月度调度")
        b.fill(form, "due_on", (today + datetime.timedelta(days=10)).isoformat())
        b.shot("office-cycle")
        b.q("button.confirm", form).click()
        b.wait_text(".msg.ok", "调度已启动")
        clicks.append("ReviewCycleStarted")
        # The cycle's results by unit: every open assignment's unit was asked
        # and nobody has answered yet, so each unit's row shows what it owes.
        b.wait(f'#cycle-results tr[data-cycle="{today:%Y-%m}-月度调度"]')
        silent = {r.get_attribute("data-unit"): int(r.get_attribute("data-silent"))
                  for r in b.d.find_elements("css selector", f'#cycle-results tr[data-cycle="{today:%Y-%m}-月度调度"]')}
        assert silent and all(n > 0 for n in silent.values()), silent
        b.shot("office-cycle-results")

        # ---- a tick: the past deadline becomes overdue; the dashboard shows red --
        srv.stop()
        t = run("tick")
        log("duban tick:", t.stdout.strip().replace("\n", " | "))
        assert "DeadlineMissed task 4" in t.stdout, t.stdout
        srv.start()
        # The restart ended every session: the open page's next reads are 401, and
        # it says so and sends back to sign-in.
        for read in ("dashboard", "queues", "plans"):
            b.allow(401, rf"/api/v1/{read}$")
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
        # The unit sees it too: 已逾期, a red light that says so in words, escalation level 1.
        b.sign_in("czj")
        b.q("#tab-late").click()
        row = b.wait("tr[data-task='4']")
        light = b.q(".light", row)
        assert light.get_attribute("data-light") == "red" and "红灯·已逾期" in light.text, light.text
        assert "1 级" in row.text, row.text
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
        b.sign_out()

        # ---- auditor: history, as of, verify, CSV --------------------------------
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
            csvs = [f for f in os.listdir(DOWNLOADS) if f.endswith(".csv")]
            if len(csvs) == 2:
                break
            time.sleep(0.1)
        assert len(csvs) == 2, os.listdir(DOWNLOADS)
        for f in csvs:
            shutil.copy(os.path.join(DOWNLOADS, f), ART)
            with open(os.path.join(DOWNLOADS, f), encoding="utf-8-sig") as fh:
                text = fh.read()
            assert "任务" in text or "事件" in text, text[:200]
        b.go(f"#/task/{PLAN}/3")
        b.wait("#timeline")
        assert "AssignmentReassigned" in [li.get_attribute("data-type") for li in b.qs("#timeline li")]
        b.shot("audit-task")
        b.sign_out()
        b.check_logs("end")
        if b.allowed:
            b.problems.append(f"provoked failures that did not happen: {b.allowed}")
    finally:
        try:
            b.d.quit()
        finally:
            srv.stop()

    # ---- the store after the cycle -----------------------------------------
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
    log(f"screenshots ({len(b.shots)}) in {ART}:")
    for s in b.shots:
        log("  " + os.path.basename(s))
    log("OK: the workbench's full cycle passed")


if __name__ == "__main__":
    os.makedirs(ART, exist_ok=True)
    for f in os.listdir(ART):
        os.remove(os.path.join(ART, f))
    TMP = tempfile.mkdtemp(prefix="duban-web-")
    DATA = os.path.join(TMP, "data")
    DOWNLOADS = os.path.join(TMP, "downloads")
    os.makedirs(DOWNLOADS)
    try:
        main()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
