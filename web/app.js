// 督办工作台: the shell every desk shares. Router on location.hash, the API
// client (cookie session + X-CSRF-Token on writes), sign-in and the layout.
// The desks (unit.js, office.js, audit.js) register their pages in Duban.pages.
// No innerHTML with data: every node is built with h(), so nothing the server
// returns is ever parsed as markup. No inline scripts, styles or handlers (CSP).
"use strict";

const Duban = (() => {
  const state = { account: null, csrf: "" };
  const pages = {};

  // ---- DOM helpers --------------------------------------------------------
  // A bidirectional embedding, override or isolate shown as written turns the
  // rest of a line around (填报人：局政财市…): texts written before the API
  // refused them are shown with the character named instead.
  const BIDI = /[\u202A-\u202E\u2066-\u2069]/g;
  const shown = (s) => String(s).replace(BIDI, (ch) => `[U+${ch.codePointAt(0).toString(16).toUpperCase()}]`);
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
      else if (k === "class") el.className = v;
      else if (k === "text") el.textContent = shown(v);
      else if (v === true) el.setAttribute(k, "");
      else el.setAttribute(k, String(v));
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(shown(c)));
    }
    return el;
  }
  let uid = 0;
  const nextId = (p) => `${p || "f"}-${++uid}`;

  // A labelled control: <div class=field><label for>…</label><control id>…</div>.
  // A file input is drawn as a button and the chosen names in Chinese (the
  // browser's own "Choose Files" is in the browser's language); the input
  // itself stays in the tab order, its focus ring drawn on the button.
  function field(labelText, control) {
    if (!control.id) control.id = nextId("f");
    const parts = [h("label", { for: control.id }, labelText), control];
    if (control.type === "file") {
      control.classList.add("file-input");
      const names = h("span", { class: "file-names" }, "未选择文件");
      control.addEventListener("change", () => {
        names.textContent = control.files.length ? Array.from(control.files, (f) => f.name).join("、") : "未选择文件";
      });
      parts.push(h("label", { for: control.id, class: "file-button" }, control.multiple ? "选择文件（可多个）" : "选择文件"), names);
    }
    return h("div", { class: "field" }, parts);
  }
  // Field values joined into one line: "内容：…；单位：…" without "。；".
  const joinParts = (parts) => parts.map((p) => String(p).replace(/[。；;]+$/, "")).join("；");

  // An inline form (退回, 报送进度, 改派 …) opened by a button into a slot:
  // focus goes to its first field, Esc cancels it (as its 取消 button), and
  // a cancelled form gives the focus back to the button that opened it.
  function openPanel(slot, panel) {
    const opener = document.activeElement;
    slot.replaceChildren(panel);
    slot.opener = opener && opener !== document.body ? opener : null;
    panel.addEventListener("keydown", (ev) => {
      if (ev.key !== "Escape") return;
      const cancel = panel.querySelector("button.cancel");
      if (!cancel) return;
      ev.preventDefault();
      cancel.click();
    });
    const first = panel.querySelector("textarea, input, select");
    (first || panel.querySelector("button.confirm")).focus();
    slot.scrollIntoView({ block: "nearest" });
  }
  function closePanel(slot) {
    const opener = slot.opener;
    slot.opener = null;
    slot.replaceChildren();
    if (opener && opener.isConnected) opener.focus();
  }

  function msg(kind, text) { return h("div", { class: `msg ${kind}`, role: kind === "err" ? "alert" : "status" }, text); }

  let toastTimer = 0;
  function toast(text) {
    const t = document.getElementById("toast");
    t.textContent = text;
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.hidden = true; }, 4000);
  }

  // ---- words --------------------------------------------------------------
  const STATUS = {
    assigned: "待签收", accepted: "已签收", in_progress: "办理中", submitted: "待审核",
    completed: "已办结", returned: "已退回", cancelled: "已撤销",
  };
  const LIGHT = { red: "红灯", yellow: "黄灯", green: "绿灯", done: "已办结", none: "无" };
  const ROLE = { office: "督查室", unit: "责任单位", auditor: "审计", admin: "管理员" };
  const ASSIGN_ROLE = { lead: "牵头", responsible: "责任", support: "配合" };
  const EVENT = {
    PlanImported: "计划导入", PlanAmended: "计划修订", PlanWithdrawn: "计划撤回", PlanUnitAdded: "增加承办单位", TaskAdded: "新增任务",
    TaskAmended: "任务修订", TaskCancelled: "任务撤销", TaskCompleted: "任务办结", AssignmentCreated: "交办",
    AssignmentAccepted: "签收", AssignmentReturned: "退回", AssignmentReassigned: "改派",
    ProgressReported: "报送进度", CompletionSubmitted: "提交办结", CompletionApproved: "审核通过（销号）",
    CompletionRejected: "审核驳回", AssignmentReopened: "重新办理", ExtensionRequested: "申请延期",
    ExtensionGranted: "批准延期", ExtensionDenied: "驳回延期", DeadlineApproaching: "临期提醒",
    DeadlineMissed: "逾期", EscalationRaised: "升级督办", EscalationCleared: "解除督办",
    AcceptanceOverdue: "签收超时", ReviewOverdue: "审核超时", DeadlineRecounted: "时限重算",
    ReviewCycleStarted: "启动调度", ProgressReportRequested: "要求报送", ReviewCycleClosed: "结束调度",
    ReportOverdue: "报送逾期", CalendarNoticeAdded: "节假日通知", AccountChanged: "账号变更",
    CommandRejected: "操作被拒绝", DeadlineChanged: "时限调整", AssignmentCancelled: "撤销交办",
    AssignmentMerged: "合并办理", NoteAdded: "批示与意见", ScheduleSet: "报送安排",
    AssignmentDelegated: "下发",
  };
  // A note's kind (NoteAdded): the timeline names it by what it is.
  const NOTE_KIND = { instruction: "领导批示", comment: "督查室意见", urge: "催办" };
  // A reporting schedule as tasks record it ("quarter:1") in words: 每季度1次.
  const PERIOD = { month: "每月", quarter: "每季度", half_year: "每半年", year: "每年" };
  const recurrenceText = (r) => {
    const [period, times] = String(r || "").split(":");
    return PERIOD[period] ? `${PERIOD[period]}${times || 1}次` : (r || "");
  };
  const FIELD = {
    reason: "理由", text: "内容", percent: "进度%", reporter: "填报人", contact: "联系方式", comment: "意见",
    new_due_on: "新时限", due_on: "时限", to_unit: "改派给", from_unit: "原单位", level: "级别", step: "措施",
    cycle_id: "调度轮次", kind: "类型", summary: "摘要", role: "角色", message: "说明",
    deadline: "时限", section: "所属部分", title: "标题", content: "任务内容", evidence: "佐证材料",
    calendar_version: "工作日历", notify: "通知", provisional: "暂定", old_due_on: "原时限",
    recurrence: "报送周期", old_recurrence: "原报送周期", year: "年度", parent_unit: "下发单位", note: "工作要求",
  };
  const statusName = (s) => STATUS[s] || s || "";

  function lightEl(row) {
    const l = row.light || "none";
    let text = LIGHT[l] || l;
    if (l === "red") text += row.overdue ? "·已逾期" : (row.acceptance_overdue ? "·签收超时" : (row.review_overdue ? "·审核超时" : "·已过时限"));
    else if (l === "yellow") text += "·临期";
    else if (l === "green") text += "·正常";
    return h("span", { class: `light ${l}`, "data-light": l }, text);
  }
  function deadlineText(row) {
    if (!row.due_on) return row.deadline_text || "无时限";
    const d = row.working_days_left;
    let left = "";
    if (d !== null && d !== undefined && !["completed", "cancelled"].includes(row.status))
      left = d >= 0 ? `（剩 ${d} 个工作日）` : `（已超 ${-d} 个工作日）`;
    return `${row.due_on}${left}`;
  }
  function fmtTime(t) { return t ? String(t).replace("T", " ").replace(/\+08:00$/, "") : ""; }

  // A table whose rows turn into labelled cards on a phone. cols: [{label, cell(row) -> node|string}]
  function table(cols, rows, opts) {
    const o = opts || {};
    const thead = h("thead", {}, h("tr", {}, cols.map((c) => h("th", { scope: "col" }, c.label))));
    const tbody = h("tbody", {}, rows.map((r) => h("tr", o.rowAttrs ? o.rowAttrs(r) : {},
      cols.map((c) => h("td", { "data-label": c.label }, c.cell(r))))));
    const t = h("table", { class: "cards" }, o.caption ? h("caption", { class: "muted" }, o.caption) : null, thead, tbody);
    return h("div", { class: "table-wrap" }, t);
  }

  // The table on screen as CSV (UTF-8 with BOM so a spreadsheet opens Chinese), a Blob download.
  function tableCsv(tableEl) {
    const q = (s) => { const v = String(s).replace(/\s+/g, " ").trim(); return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v; };
    return Array.from(tableEl.querySelectorAll("tr"))
      .map((tr) => Array.from(tr.children).map((c) => q(c.textContent)).join(",")).join("\r\n") + "\r\n";
  }
  function downloadCsv(tableEl, name) {
    const blob = new Blob(["\ufeff" + tableCsv(tableEl)], { type: "text/csv;charset=utf-8" });
    const a = h("a", { href: URL.createObjectURL(blob), download: name });
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  // Downloads of the office's paperwork (GET /api/v1/reports/...) for one
  // plan as of a chosen day: today at most (the server refuses later days).
  const REPORTS = {
    ledger: ["ledger", "xlsx", "工作台账（Excel）"],
    ledger_csv: ["ledger", "csv", "工作台账（CSV）"],
    scorecard: ["scorecard", "xlsx", "考核评分表（Excel）"],
    bulletin: ["bulletin", "docx", "通报草稿（Word）"],
  };
  const chinaToday = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
  // plans: [[id, label], ...]; with more than one, a choice of plan.
  function reportsCard(plans, kinds, today) {
    today = today || chinaToday();
    const date = h("input", { type: "date", value: today, max: today, id: nextId("report-date") });
    const pick = plans.length > 1 ? h("select", { id: nextId("report-plan") }, plans.map(([v, t]) => h("option", { value: v }, t))) : null;
    const links = kinds.map((k) => h("a", { class: "download", "data-report": k, download: "" }, REPORTS[k][2]));
    const update = () => {
      const plan = pick ? pick.value : plans[0][0];
      const day = date.value && date.value <= today ? date.value : today;
      links.forEach((a, i) => {
        const [kind, format] = REPORTS[kinds[i]];
        a.href = `/api/v1/reports/${kind}?plan=${encodeURIComponent(plan)}&format=${format}&as_of=${day}`;
      });
    };
    date.addEventListener("change", update);
    if (pick) pick.addEventListener("change", update);
    update();
    return h("div", { class: "card", id: "reports" }, h("h2", {}, "报表下载"),
      h("div", { class: "inline" }, pick ? field("计划", pick) : null, field("统计截至（不晚于今天）", date),
        h("div", { class: "actions" }, links)),
      h("p", { class: "muted" }, "按所选日期当天结束时的记录生成，与命令行 duban report 所出文件一致。"));
  }

  // ---- API client ---------------------------------------------------------
  function randomId() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return "web-" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }
  class ApiError extends Error {
    constructor(status, data) {
      super((data && (data.message || data.error)) || `HTTP ${status}`);
      this.status = status;
      this.data = data || {};
    }
  }
  // Returns the parsed JSON of a 2xx answer; throws ApiError otherwise. A 401
  // on anything but the sign-in itself ends the session: back to sign-in.
  async function api(method, path, body, opts) {
    const o = opts || {};
    const headers = {};
    let payload;
    if (method !== "GET") headers["X-CSRF-Token"] = state.csrf;
    if (body instanceof Blob || typeof body === "string") {
      headers["Content-Type"] = o.type || "application/octet-stream";
      payload = body;
    } else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
    } catch (e) {
      throw new ApiError(0, { message: "无法连接服务器，请检查网络后重试。" });
    }
    let data = null;
    const text = await res.text();
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = { message: text }; }
    if (res.status === 401 && !o.signIn) {
      expired();
      throw new ApiError(401, { message: "登录已过期，请重新登录。" });
    }
    if (!res.ok) {
      if (res.status === 429 && o.signIn) data = Object.assign({}, data, { retry_after: res.headers.get("Retry-After") });
      throw new ApiError(res.status, data);
    }
    return data;
  }
  // A command: the same command_id for every retry of one submission (idFor
  // keeps it until the engine has decided). Answers {ok, text}.
  async function command(body, cid) {
    const c = Object.assign({ command_id: cid || randomId() }, body);
    try {
      const r = await api("POST", "/api/v1/commands", c);
      if (r.outcome === "accepted") return { ok: true, decided: true, data: r, duplicate: !!r.duplicate };
      return { ok: false, decided: true, text: refusal({ status: 422, data: r, message: r.message || "" }) };
    } catch (e) {
      const decided = e.status === 403 || e.status === 422 || e.status === 409 || e.status === 400;
      return { ok: false, decided, text: refusal(e) };
    }
  }
  // Every reason code the engine (duban/core/domain.h, accounts.h) and the
  // server (engine/server: error codes, rejections) can answer, in words;
  // the browser test checks this list against the sources. The server's
  // message (English) follows in brackets as said.
  const REASON = {
    // the domain (decide)
    invalid_transition: "当前状态不允许此操作", invalid_argument: "填写的内容不符合要求",
    not_in_kafka_mode: "Kafka 模式下不能在此记录节假日通知",
    not_assignee: "这不是本单位的任务", forbidden_role: "您的角色不能做此操作",
    plan_not_found: "没有这个计划", plan_exists: "该计划编号已存在", plan_withdrawn: "该计划已撤回",
    task_not_found: "没有这项任务", task_exists: "该任务序号已存在", task_closed: "该任务已办结或已撤销",
    assignment_not_found: "该单位在这项任务上没有交办", assignment_exists: "该单位已承办这项任务",
    unknown_unit: "该单位不在本方案的单位名单中（可在任务页先“增加承办单位”）", version_conflict: "内容已被他人更新，请刷新后重试",
    cycle_not_found: "没有这一轮调度", cycle_exists: "该轮次编号已存在",
    time_in_future: "填写的时间晚于当前时间", backdated: "填写的时间早于允许补录的范围",
    back_entry_needs_reason: "补录须说明理由",
    not_sub_unit: "只能下发给本单位的下级单位", delegation_too_deep: "下发层级已达上限",
    delegation_open: "下级单位尚未办结，不能提交",
    consolidation_open: "责任单位尚未全部报送，牵头单位暂不能汇总提交",
    consolidated_review: "该部分随牵头单位汇总报告一并审核销号",
    // the workflow definition's own checks
    unknown_action: "流程中没有这个步骤", role_not_allowed: "您的角色不能做此步骤", invalid_state: "当前状态不允许此操作",
    // accounts and sessions
    unauthenticated: "登录已过期或账号、密码不正确", account_disabled: "账号已停用", account_exists: "账号已存在",
    account_not_found: "没有这个账号", weak_password: "密码太简单（至少 10 个字符，不能与账号相同）",
    cannot_disable_self: "不能停用自己的账号", locked_out: "尝试次数过多，账号已暂时锁定",
    // the server
    bad_request: "提交的内容格式不正确", not_found: "未找到", no_route: "没有这个接口", method_not_allowed: "该接口不支持此请求方式",
    no_tasks: "文件中没有找到任务", not_in_directory: "单位名录中查不到这个名称，或它是一组单位（须逐个增加）：请核对名称；确认无误可勾选“按所填名称增加”", year_in_doubt: "方案未写明年度，且有任务时限早于印发日期：请填写方案年度（或勾选跨年度执行）后再预览、导入", impossible_deadline: "有任务的时限不是实际存在的日期（如2月30日），请在文件中更正后再导入", rows_not_imported: "有写明单位和工作内容的行没有任务序号，导入将遗漏这些工作：请在序号列为其编号后再导入", issued_after_its_year: "印发日期晚于方案年度，请核对印发日期", too_large: "内容或文件过大", unsupported_type: "文件类型不允许",
    evidence_invalid: "佐证材料无效", quota_exceeded: "今天的上传量已用完，请明天再传或联系督查室",
    csrf: "页面已过期，请刷新后重试", cross_origin: "请求来源不正确",
    command_id_conflict: "该表单编号已用于另一项操作，请重新打开表单", store_error: "数据存储出错，请联系管理员",
    busy: "服务器正在生成其他报表，请稍候几秒再试", report_failed: "报表文件未能在服务器上生成（原因见服务器日志），请联系管理员",
    internal: "服务器内部出错，已记录", error: "服务器未能处理此操作",
  };
  // What a status says when the code is one this page does not know.
  const STATUS_WORDS = {
    400: "提交的内容格式不正确", 401: "登录已过期，请重新登录", 403: "您无权做此操作", 404: "要找的内容不存在",
    409: "此操作与先前提交的内容冲突", 413: "内容或文件过大", 415: "文件类型不允许", 422: "此操作未被受理",
    429: "操作过于频繁，请稍后再试", 500: "服务器内部出错，请稍后重试", 503: "服务器暂时不可用，请稍后用同一表单重试",
  };
  function refusal(e) {
    // The server's own Chinese words when it has them (a plan import's year, its issue date).
    const m = (e.data && (e.data.message_zh || e.data.message)) || e.message || "";
    if (e.status === 0) return m;
    const code = e.data && (e.data.reason || e.data.error);
    const why = REASON[code] || STATUS_WORDS[e.status] || "操作未能完成";
    const said = m && m !== why ? `${why}（${m}）` : why;
    if (e.status === 403) return `无权操作：${said}`;
    if (e.status === 422) return `未被受理：${said}`;
    return `操作失败（${e.status}）：${said}`;
  }
  // Uploads each file, answers [{sha256, name}] to cite in a command.
  async function uploadAll(files) {
    const out = [];
    for (const f of Array.from(files || [])) {
      const r = await api("POST", `/api/v1/evidence?name=${encodeURIComponent(f.name)}`, f, { type: "application/octet-stream" });
      out.push({ sha256: r.sha256, name: r.name });
    }
    return out;
  }

  // ---- session ------------------------------------------------------------
  let note = "";
  let wanted = "";  // the page asked for before sign-in (an address typed or opened in a new tab)
  function expired() {
    const had = !!state.account;
    state.account = null;
    state.csrf = "";
    localStorage.removeItem("duban.signed_in");
    if (had) note = "登录已过期或已在别处退出，请重新登录。";
    if (location.hash !== "#/login") location.hash = "#/login";  // its hashchange shows the sign-in page
    else if (had) render();
  }
  async function loadMe() {
    if (!localStorage.getItem("duban.signed_in")) return false;  // no cookie to try: no 401 in the console
    try {
      const me = await api("GET", "/api/v1/me", undefined, { signIn: true });
      state.account = me.account || me;
      state.csrf = me.csrf_token || "";
      return true;
    } catch (e) {
      localStorage.removeItem("duban.signed_in");
      if (e.status === 401) note = "登录已过期，请重新登录。";
      return false;
    }
  }
  function home() {
    const r = state.account && state.account.role;
    return r === "unit" ? "#/unit" : r === "office" ? "#/office" : r === "auditor" ? "#/audit" : "#/none";
  }

  function signInPage(main) {
    const user = h("input", { type: "text", id: "login-user", autocomplete: "username", required: true });
    const pass = h("input", { type: "password", id: "login-password", autocomplete: "current-password", required: true });
    const out = h("div", { id: "login-msg" });
    if (note) out.append(msg("info", note));  // kept until the next sign-in succeeds
    const btn = h("button", { type: "submit", id: "login-submit" }, "登录");
    const form = h("form", { class: "card signin", id: "login-form", novalidate: true },
      h("h1", {}, "督办工作台 · 登录"),
      field("账号", user), field("密码", pass), out, btn);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      out.replaceChildren();
      if (!user.value.trim() || !pass.value) { out.append(msg("err", "请输入账号和密码。")); return; }
      btn.disabled = true;
      try {
        const r = await api("POST", "/api/v1/session", { user: user.value.trim(), password: pass.value }, { signIn: true });
        state.account = r.account;
        state.csrf = r.csrf_token;
        localStorage.setItem("duban.signed_in", "1");
        note = "";
        const next = wanted;
        wanted = "";
        location.hash = next || home();
      } catch (e) {
        out.replaceChildren();
        if (e.status === 401) out.append(msg("err", "账号或密码不正确。连续输错 5 次将锁定 15 分钟。"));
        else if (e.status === 429) {
          const s = Number(e.data.retry_after || 0);
          out.append(msg("err", `尝试次数过多，账号已暂时锁定，请 ${s ? Math.ceil(s / 60) + " 分钟" : "稍"}后再试。`));
        } else out.append(msg("err", refusal(e)));
        pass.value = "";
        pass.focus();
      } finally { btn.disabled = false; }
    });
    main.replaceChildren(form);
    user.focus();
  }

  async function signOut() {
    try { await api("DELETE", "/api/v1/session"); } catch (e) { /* signed out either way */ }
    state.account = null;
    state.csrf = "";
    localStorage.removeItem("duban.signed_in");
    wanted = "";
    note = "您已退出登录。";
    location.hash = "#/login";
  }

  // ---- layout and router --------------------------------------------------
  const NAV = {
    unit: [["#/unit", "我的任务"], ["#/notices", "通知"]],
    office: [["#/office", "督查室"], ["#/office/import", "计划导入"], ["#/office/cycle", "调度"], ["#/office/calendar", "工作日历"],
      ["#/audit", "审计"], ["#/notices", "通知"]],
    auditor: [["#/audit", "审计"]],
    admin: [],
  };
  function layout() {
    const top = document.getElementById("top");
    const a = state.account;
    top.hidden = !a;
    if (!a) return;
    const cur = location.hash.split("?")[0];
    document.getElementById("nav").replaceChildren(...(NAV[a.role] || []).map(([href, t]) =>
      h("a", { href, "aria-current": cur === href ? "page" : null }, t)));
    document.getElementById("who").textContent =
      `${a.display_name || a.name}（${ROLE[a.role] || a.role}${a.unit ? "·" + a.unit : ""}）`;
    if (Duban.showUnread) Duban.showUnread();  // notices.js: the unread count on 通知
  }
  function params() {
    const q = location.hash.split("?")[1] || "";
    return Object.fromEntries(new URLSearchParams(q));
  }

  let renderSeq = 0;
  async function render() {
    const seq = ++renderSeq;
    const main = document.getElementById("main");
    // An earlier render left for another (a 401 sends the page to sign-in)
    // clears its own mark only if it is still the latest: this one clears it.
    main.removeAttribute("aria-busy");
    const route = (location.hash || "#/").split("?")[0].replace(/^#/, "");
    if (route === "/login" || !state.account) {
      if (!state.account && route !== "/login") {
        if (route !== "/" && route !== "") wanted = location.hash;
        location.hash = "#/login";
        return;
      }
      layout();
      document.title = "登录 · 督办工作台";
      return signInPage(main);
    }
    layout();
    const parts = route.split("/").filter(Boolean).map(decodeURIComponent);
    let page = null, args = [];
    if (parts[0] === "task" && parts.length === 3) { page = pages.task; args = [parts[1], parts[2]]; }
    else page = pages["/" + parts.join("/")];
    if (!page) {
      if (route === "/" || route === "") { location.hash = home(); return; }
      main.replaceChildren(h("h1", {}, "没有这个页面"), h("p", {}, h("a", { href: home() }, "返回首页")));
      return;
    }
    main.replaceChildren(h("p", { class: "muted" }, "正在加载……"));
    // Busy until the page is whole: a screen reader waits for it, and so can a test.
    main.setAttribute("aria-busy", "true");
    try {
      const view = h("div", {});
      await page(view, ...args, params());
      if (seq !== renderSeq) return;  // the user moved on meanwhile
      main.replaceChildren(view);
      main.focus({ preventScroll: true });
    } catch (e) {
      if (seq !== renderSeq || e.status === 401) return;
      main.replaceChildren(errorPage(e));
    } finally {
      if (seq === renderSeq) main.removeAttribute("aria-busy");
    }
  }
  function errorPage(e) {
    if (e.status === 403)
      return h("div", { class: "card", id: "forbidden" }, h("h1", {}, "无权查看"),
        h("p", {}, "这项内容不属于您的单位，或您的角色不能查看。"), h("p", { class: "muted" }, `服务器说明：${e.message}`),
        h("p", {}, h("a", { href: home() }, "返回首页")));
    if (e.status === 404)
      return h("div", { class: "card", id: "notfound" }, h("h1", {}, "未找到"), h("p", {}, "要找的内容不存在，或地址有误。"),
        h("p", { class: "muted" }, `服务器说明：${e.message}`),
        h("p", {}, h("a", { href: home() }, "返回首页")));
    return h("div", { class: "card" }, h("h1", {}, "出错了"), msg("err", refusal(e)), h("p", {}, h("a", { href: home() }, "返回首页")));
  }

  async function start() {
    document.getElementById("signout").addEventListener("click", signOut);
    window.addEventListener("hashchange", render);
    await loadMe();
    render();
  }
  document.addEventListener("DOMContentLoaded", start);

  pages["/none"] = async (view) => {
    view.append(h("h1", {}, "工作台"), h("p", {}, "管理员账号在命令行或账号接口中管理账号，工作台没有管理员页面。"));
  };

  return {
    state, pages, h, field, msg, toast, table, downloadCsv, lightEl, deadlineText, fmtTime, statusName,
    api, command, uploadAll, randomId, refusal, errorPage, render, STATUS, LIGHT, EVENT, FIELD, ASSIGN_ROLE, NOTE_KIND, recurrenceText,
    nextId, openPanel, closePanel, REASON, joinParts, reportsCard, chinaToday,
  };
})();
