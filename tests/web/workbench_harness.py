"""What tests/web/workbench_browser_test.py drives the workbench with: the
selenium imports (a missing chromium, chromedriver or selenium exits 77, skipped,
on import), the store's accounts and plan, `duban` on the test's store (run),
`duban serve` (Server), the browser with the checks every page gets (Browser),
the inbox's and the office queues' forms (unit_action, office_action), a fetch
from the page's session, the keyboard (keys, focused, tab_to) and every reason
code the sources answer (reason_codes).

The paths come from the command line and a fresh temporary directory at run
time: setup() sets DUBAN, SRC, BUILD, ART, TMP, DATA and DOWNLOADS here, and
the test reads them as workbench_harness.NAME (not copied by a from-import).
"""
import base64
import datetime
import json
import os
import re
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

PLAN = "sg-web"
SFJ, CZJ = "市司法局", "市财政局"
# 多级下发: the shipped unit directory puts 督查科 below 市政府办公室.
GOV, DCK = "市政府办公室", "市政府办公室督查科"
PASSWORDS = {"office": "office-pass-2026", "sfj": "sfj-unit-pass-1", "czj": "czj-unit-pass-1", "audit": "audit-pass-2026",
             "gov": "gov-unit-pass-1", "dck": "dck-unit-pass-1"}
CHINA = datetime.timezone(datetime.timedelta(hours=8))

# Set by setup() at run time.
DUBAN = SRC = BUILD = None  # the binary, the source tree, the build tree (the command line)
ART = None                  # BUILD/test-artifacts/web: screenshots and downloaded CSV
TMP = DATA = DOWNLOADS = None  # a fresh temporary directory, the store in it, the browser's downloads


def setup(duban, src, build):
    """Sets the paths: the command line's, an emptied ART, a fresh TMP with
    DOWNLOADS in it (DATA is made by the first `duban user add`)."""
    global DUBAN, SRC, BUILD, ART, TMP, DATA, DOWNLOADS
    DUBAN, SRC, BUILD = duban, src, build
    ART = os.path.join(BUILD, "test-artifacts", "web")
    os.makedirs(ART, exist_ok=True)
    for f in os.listdir(ART):
        os.remove(os.path.join(ART, f))
    TMP = tempfile.mkdtemp(prefix="duban-web-")
    DATA = os.path.join(TMP, "data")
    DOWNLOADS = os.path.join(TMP, "downloads")
    os.makedirs(DOWNLOADS)


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
        ("三、强化督查落实", None),
        ("6.建立重点工作督查台账。", (GOV, GOV, later)),
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
        # The reminders consumer runs as the server's thread: the 通知 page lists what it told.
        reminders = os.path.join(TMP, "reminders.yaml")
        with open(reminders, "w", encoding="utf-8") as f:
            f.write("reminders:\n  poll_ms: 100\n")
        self.proc = subprocess.Popen([DUBAN, "--data", DATA, "serve", "--listen", f"127.0.0.1:{self.port}",
                                      "--tick-interval", "0", "--reminders", reminders],
                                     stdout=self.errlog, stderr=subprocess.STDOUT)
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
        self.settled(timeout)
        return found[0]

    def settled(self, timeout=15):
        """Waits until the page has finished rendering (#main is not aria-busy)."""
        WebDriverWait(self.d, timeout).until(
            lambda d: d.find_element(By.ID, "main").get_attribute("aria-busy") != "true")

    def confirm(self, form, expect, timeout=15):
        """Sends FORM and waits for EXPECT on the page that replaces it. The
        page may still show an earlier step's answer with the same words (its
        address keeps ?done=...), so the form must go first, then the new page
        must be whole before anything on it is clicked."""
        self.q("button.confirm", form).click()
        try:
            WebDriverWait(self.d, timeout).until(EC.staleness_of(form))
        except TimeoutException:
            self.shot("FAILED-confirm")
            raise AssertionError(f"the form stayed open waiting for {expect!r}; it says: {form.text[:600]}")
        found = self.wait_text(".msg.ok", expect, timeout)
        self.settled(timeout)
        return found

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
    return b.confirm(form, f"任务 {task}：{expect}")


def office_action(b, queue, task, unit, label, action, fields, expect="已办理"):
    row = b.wait(f"#{queue} tr[data-task='{task}'][data-unit='{unit}']")
    [x for x in b.qs("button", row) if x.text == label][0].click()
    form = b.wait(f"form.panel[data-action='{action}']")
    for k, v in fields:
        b.fill(form, k, v)
    b.confirm(form, expect)


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
    ternary = {"engine/server/server.cc": ("no_route", "method_not_allowed", "too_large", "bad_request"),
               "engine/server/row_json.cc": ("command_id_conflict", "error")}
    for path, names in ternary.items():
        with open(os.path.join(SRC, path), encoding="utf-8") as fh:
            text = fh.read()
        for n in names:
            assert f'"{n}"' in text, f"{path} no longer writes the code {n}: update reason_codes()"
            codes.add(n)
    assert len(codes) > 30, codes
    return codes
