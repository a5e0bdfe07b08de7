// 督查室 (the office): the dashboard with its work queues and their steps,
// review cycles (调度), plan import with the parse previewed first, and the
// working-day calendar with the year's holiday notice (工作日历).
"use strict";

(() => {
  const { h, field, msg, table, lightEl, deadlineText, fmtTime, statusName, api, command, randomId } = Duban;

  // A form for one office step on one assignment. fields: [name, label, kind, required, value]
  function stepPanel(title, type, base, fields, done) {
    let cid = randomId();  // one id for every retry of this submission, until the engine decides it
    const controls = {};
    const form = h("form", { class: "panel", "data-action": type, novalidate: true, "aria-label": title }, h("h3", {}, title));
    for (const [name, label, kind, required, value, list] of fields) {
      let c;
      if (kind === "textarea") c = h("textarea", { name, required });
      else if (kind === "select") c = h("select", { name }, list.map(([v, t]) => h("option", { value: v }, t)));
      else if (kind === "checkbox") c = h("input", { type: "checkbox", name });
      else c = h("input", { type: kind, name, required, list: list ? list : null });
      if (value) c.value = value;
      c.id = Duban.nextId(`${type}-${name}`);
      controls[name] = c;
      form.append(field(label, c));
    }
    const out = h("div", { class: "outcome" });
    const ok = h("button", { type: "submit", class: "confirm" }, "确认");
    form.append(out, h("div", { class: "actions" }, ok,
      h("button", { type: "button", class: "secondary cancel", onclick: () => done(null) }, "取消")));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      out.replaceChildren();
      const body = Object.assign({ type }, base);
      for (const [name, label, kind, required] of fields) {
        if (kind === "checkbox") { if (controls[name].checked) body[name] = true; continue; }
        const v = controls[name].value.trim();
        // A choice is sent as chosen: an empty option means something (停止定期报送).
        if (required && !v && kind !== "select") { out.append(msg("err", `请填写“${label.replace(/（.*）/, "")}”。`)); controls[name].focus(); return; }
        if (v || kind === "select") body[name] = v;
      }
      ok.disabled = true;
      const r = await command(body, cid);
      ok.disabled = false;
      if (r.ok) return done(r.duplicate ? "此前已提交过，未重复记录。" : "已办理。");
      if (r.decided) cid = randomId();  // decided (refused): a corrected form is a new command
      out.append(msg("err", r.text));
    });
    return form;
  }
  Duban.stepPanel = stepPanel;  // the task page's office tools use it too
  const openIn = (slot, panel) => Duban.openPanel(slot, panel);

  // One step on the rows chosen (POST /api/v1/bulk): each row its own
  // command, so the answer lists what was done and what was refused, and why.
  function bulkPanel(title, type, plan, rows, textField, done) {
    let cid = randomId();  // the same id for a retry: rows already done are not done twice
    let left = rows;       // the rows not yet done: a corrected form sends only these, as a new bulk
    let doneCount = 0;
    const form = h("form", { class: "panel", "data-action": `bulk-${type}`, novalidate: true, "aria-label": title },
      h("h3", {}, title), h("p", { class: "muted" }, rows.map((r) => `任务 ${r.task} ${r.unit}`).join("；")));
    const text = h("textarea", { name: textField[0], id: Duban.nextId(`bulk-${type}`) });
    form.append(field(textField[1], text));
    const out = h("div", { class: "outcome" });
    const ok = h("button", { type: "submit", class: "confirm" }, "确认");
    form.append(out, h("div", { class: "actions" }, ok,
      h("button", { type: "button", class: "secondary cancel", onclick: () => done(null) }, "取消")));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      out.replaceChildren();
      const words = text.value.trim();
      if (textField[2] && !words) { out.append(msg("err", `请填写“${textField[1].replace(/（.*）/, "")}”。`)); text.focus(); return; }
      const body = { type, plan, command_id: cid, items: left.map((r) => ({ task: r.task, unit: r.unit })) };
      if (words) body[textField[0]] = words;
      ok.disabled = true;
      try {
        const r = await api("POST", "/api/v1/bulk", body);
        doneCount += r.accepted;
        const refused = r.items.filter((i) => i.outcome !== "accepted");
        if (!refused.length) return done(`已办理 ${doneCount} 项。`);
        // The decided ones are done (or refused for good with this text): a
        // corrected form is a new bulk of the rows still left.
        left = left.filter((row) => refused.some((i) => i.task === row.task && i.unit === row.unit));
        cid = randomId();
        out.append(...[msg(doneCount ? "ok" : "err", `已办理 ${doneCount} 项，${refused.length} 项未被受理：`),
          h("ul", { class: "bulk-refused" }, refused.map((i) => h("li", { "data-task": i.task, "data-unit": i.unit },
            `任务 ${i.task} ${i.unit}：${Duban.refusal({ status: 422, data: i, message: i.message || "" })}`))),
          doneCount ? h("button", { type: "button", class: "secondary", onclick: () => done(`已办理 ${doneCount} 项。`) }, "完成") : null,
        ].filter(Boolean));
      } catch (e) {
        out.append(msg("err", Duban.refusal(e)));
      } finally { ok.disabled = false; }
    });
    return form;
  }
  function reloadWith(words) {
    const base = location.hash.split("?")[0];
    const q = new URLSearchParams(location.hash.split("?")[1] || "");
    q.set("done", words);
    const next = `${base}?${q}`;
    if (location.hash === next) Duban.render(); else location.hash = next;
  }
  async function planOptions() {
    const plans = await api("GET", "/api/v1/plans");
    return plans.map((p) => [p.id, `${p.title || p.id}（${p.id}）`]);
  }
  function planSelect(options, value, id) {
    const s = h("select", { id }, h("option", { value: "" }, "全部计划"), options.map(([v, t]) => h("option", { value: v }, t)));
    s.value = value || "";
    return s;
  }

  Duban.pages["/office"] = async (view, p) => {
    const plan = p.plan || "";
    const [d, q, plans] = await Promise.all([
      api("GET", `/api/v1/dashboard${plan ? "?plan=" + encodeURIComponent(plan) : ""}`),
      api("GET", "/api/v1/queues"),
      planOptions(),
    ]);
    view.append(h("h1", {}, "督查室 · 督办总览"));
    if (p.done) view.append(msg("ok", p.done));
    const sel = planSelect(plans, plan, "dash-plan");
    sel.addEventListener("change", () => { location.hash = sel.value ? `#/office?plan=${encodeURIComponent(sel.value)}` : "#/office"; });
    view.append(h("div", { class: "inline card" }, field("计划", sel), h("p", { class: "muted" }, `统计日期：${d.today}；共 ${d.assignments} 项交办`)));
    const L = d.lights || {};
    view.append(h("div", { class: "tiles", id: "light-tiles" }, [
      ["red", "红灯（逾期）"], ["yellow", "黄灯（临期）"], ["green", "绿灯（正常）"], ["done", "已办结"], ["none", "无时限/退回/撤销"],
    ].map(([k, t]) => h("div", { class: `tile ${k}`, "data-light": k }, h("div", { class: "n" }, L[k] || 0), h("div", {}, t)))));

    if (plan) view.append(progressChart(plan), Duban.reportsCard([[plan, plan]], ["ledger", "ledger_csv", "scorecard", "bulletin"], d.today));
    view.append(h("h2", {}, "各单位情况"));
    view.append(table([
      { label: "单位", cell: (u) => u.unit },
      { label: "任务", cell: (u) => u.assignments },
      { label: "已办结", cell: (u) => u.done },
      { label: "在办", cell: (u) => u.open },
      { label: "逾期", cell: (u) => h("span", { class: "overdue-count" }, u.overdue) },
      { label: "亮灯", cell: (u) => h("span", {}, h("span", { class: "light red" }, `红 ${u.red}`), " ", h("span", { class: "light yellow" }, `黄 ${u.yellow}`), " ", h("span", { class: "light green" }, `绿 ${u.green}`)) },
      { label: "督办级别", cell: (u) => (u.max_escalation ? `${u.max_escalation} 级` : "—") },
      { label: "待审核", cell: (u) => u.submitted },
      { label: "退回", cell: (u) => u.returned },
      { label: "延期申请", cell: (u) => u.extension_requests },
      { label: "催办提醒", cell: (u) => (u.reminders === null || u.reminders === undefined ? "—" : u.reminders) },
      { label: "调度报送（按时/迟报/未报）", cell: (u) => `${u.reports_on_time || 0} / ${u.reports_late || 0} / ${u.reports_missing || 0}` },
      { label: "最近更新", cell: (u) => fmtTime(u.last_update) || "—" },
    ], d.units, { rowAttrs: (u) => ({ "data-unit": u.unit, "data-red": u.red, "data-overdue": u.overdue }) }));

    const units = Array.from(new Set(d.units.map((u) => u.unit)));
    const datalist = h("datalist", { id: "unit-list" }, units.map((u) => h("option", { value: u })));
    view.append(datalist);
    const slot = h("div", { id: "queue-slot" });
    const done = (words) => { if (words) { slot.replaceChildren(); reloadWith(words); } else Duban.closePanel(slot); };
    const base = (r) => ({ plan: r.plan, task: r.task, unit: r.unit });
    const rowCols = [
      { label: "任务", cell: (r) => h("a", { href: `#/task/${encodeURIComponent(r.plan)}/${r.task}` }, `${r.task}. ${r.title}`) },
      { label: "计划", cell: (r) => r.plan },
      { label: "单位", cell: (r) => r.unit },
      { label: "时限", cell: (r) => deadlineText(r) },
      { label: "亮灯", cell: (r) => lightEl(r) },
    ];
    const btn = (text, cls, r, onclick) => h("button", { type: "button", class: cls, "aria-label": `${text}：任务 ${r.task} ${r.unit}`, onclick }, text);
    // bulk: [[label, type, [textField, label, required], class]]: rows are chosen
    // with a box each, one plan at a time (a bulk step acts on one plan).
    const queue = (title, id, rows, extra, actions, bulk) => {
      view.append(h("h2", {}, `${title}`, h("span", { class: "count" }, rows.length)));
      if (!rows.length) { view.append(h("p", { class: "muted", id: `${id}-empty` }, "暂无。")); return; }
      const chosen = new Set();
      const pick = bulk ? [{ label: "选择", cell: (r) => {
        const box = h("input", { type: "checkbox", class: "pick", "aria-label": `选择：任务 ${r.task} ${r.unit}` });
        box.addEventListener("change", () => { if (box.checked) chosen.add(r); else chosen.delete(r); });
        return box;
      } }] : [];
      view.append(h("div", { id }, table(pick.concat(rowCols, extra, [{ label: "操作", cell: (r) => h("div", { class: "actions" }, actions(r)) }]), rows,
        { rowAttrs: (r) => ({ "data-task": r.task, "data-unit": r.unit }) })));
      if (!bulk) return;
      const note = h("span", { class: "muted", role: "status" });
      view.append(h("div", { class: "actions bulk", id: `${id}-bulk` }, bulk.map(([label, type, textField, cls]) =>
        h("button", { type: "button", class: cls, "data-bulk": type, onclick: () => {
          const picked = rows.filter((r) => chosen.has(r));
          const plans = new Set(picked.map((r) => r.plan));
          if (!picked.length) { note.textContent = "请先勾选要办理的事项。"; return; }
          if (plans.size > 1) { note.textContent = "批量办理一次只能针对一个计划，请只勾选同一计划的事项。"; return; }
          note.textContent = "";
          openIn(slot, bulkPanel(`${label}（${picked.length} 项）`, type, picked[0].plan, picked, textField, done));
        } }, label)), note));
    };
    queue("退回待改派", "q-returns", q.returns, [], (r) => [
      btn("改派", "secondary", r, () => openIn(slot, stepPanel(`改派：任务 ${r.task}（原 ${r.unit}）`, "reassign", base(r),
        [["to_unit", "改派给（单位全称）", "text", true, "", "unit-list"], ["reason", "改派说明（填写完成时限时必填）", "textarea", false],
          ["due_on", "完成时限（不填沿用原时限；原时限已过须填）", "date", false]], done))),
    ]);
    queue("延期申请", "q-extensions", q.extension_requests, [{ label: "申请延至", cell: (r) => r.pending_extension }], (r) => [
      btn("批准延期", "secondary", r, () => openIn(slot, stepPanel(`批准延期：任务 ${r.task} ${r.unit}`, "grant_extension", base(r),
        [["new_due_on", "新时限", "date", false, /^\d{4}-\d{2}-\d{2}$/.test(r.pending_extension) ? r.pending_extension : ""]], done))),
      btn("驳回延期", "danger", r, () => openIn(slot, stepPanel(`驳回延期：任务 ${r.task} ${r.unit}`, "deny_extension", base(r),
        [["reason", "驳回理由（必填）", "textarea", true]], done))),
    ]);
    queue("待审核（销号）", "q-submissions", q.submissions, [{ label: "进度", cell: (r) => `${r.percent}%` }], (r) => [
      btn("销号", "secondary", r, () => openIn(slot, stepPanel(`审核通过并销号：任务 ${r.task} ${r.unit}`, "approve", base(r),
        [["comment", "审核意见", "textarea", false]], done))),
      btn("驳回", "danger", r, () => openIn(slot, stepPanel(`驳回办结：任务 ${r.task} ${r.unit}`, "reject", base(r),
        [["reason", "驳回理由（必填）", "textarea", true]], done))),
    ], [["批量销号", "approve", ["comment", "审核意见", false], "secondary"],
        ["批量驳回", "reject", ["reason", "驳回理由（必填）", true], "danger"]]);
    view.append(slot);
  };

  // Plan progress over time: the share of assignments done (and overdue) at
  // the end of each of the last eight weeks and today, read from the as-of
  // view (one read per point, so it is drawn on request). Inline SVG.
  function progressChart(plan) {
    const box = h("div", { class: "card", id: "progress-chart" });
    const btn = h("button", { type: "button", class: "secondary", id: "progress-draw" }, "显示进度曲线");
    box.append(h("h2", {}, "计划进度"), btn);
    btn.addEventListener("click", async () => {
      btn.disabled = true;
      try {
        // From the day the plan came in (its first task's first event) to today, at most nine points.
        const detail = await api("GET", `/api/v1/plans/${encodeURIComponent(plan)}`);
        const first = detail.tasks.length
          ? await api("GET", `/api/v1/plans/${encodeURIComponent(plan)}/tasks/${detail.tasks[0].number}`) : null;
        const today = Duban.chinaToday();
        const from = first && first.history.length ? first.history[0].occurred_at.slice(0, 10) : today;
        const t0 = Date.parse(from), t1 = Date.parse(today);
        const days = Array.from(new Set(Array.from({ length: 9 }, (_, i) =>
          new Date(t0 + ((t1 - t0) * i) / 8).toISOString().slice(0, 10))));
        const points = [];
        for (const d of days) {
          const s = await api("GET", `/api/v1/plans/${encodeURIComponent(plan)}/as-of?date=${d}`);
          const live = s.assignments.filter((r) => r.status !== "cancelled" && r.status !== "returned");
          points.push({ d, n: live.length, done: live.filter((r) => r.status === "completed").length,
            late: live.filter((r) => r.overdue && r.status !== "completed").length });
        }
        btn.remove();
        box.append(svgChart(points), table([
          { label: "日期", cell: (x) => x.d }, { label: "交办", cell: (x) => x.n },
          { label: "已办结", cell: (x) => `${x.done}（${x.n ? Math.round((100 * x.done) / x.n) : 0}%）` },
          { label: "逾期未结", cell: (x) => x.late },
        ], points));
      } catch (e) {
        btn.disabled = false;
        if (e.status !== 401) box.append(msg("err", Duban.refusal(e)));
      }
    });
    return box;
  }
  function svgChart(points) {
    const NS = "http://www.w3.org/2000/svg";
    const W = 640, H = 200, L = 40, B = 24, T = 10;
    const el = (tag, attrs, text) => {
      const e = document.createElementNS(NS, tag);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
      if (text !== undefined) e.textContent = text;
      return e;
    };
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": "计划办结率与逾期数随时间的变化" });
    const x = (i) => L + (i * (W - L - 10)) / Math.max(1, points.length - 1);
    const y = (pct) => T + ((100 - pct) * (H - T - B)) / 100;
    for (const pct of [0, 50, 100]) {
      svg.append(el("line", { x1: L, x2: W - 10, y1: y(pct), y2: y(pct), stroke: "#d8dce2" }));
      svg.append(el("text", { x: L - 6, y: y(pct) + 4, "text-anchor": "end", "font-size": 11, fill: "#5b6470" }, `${pct}%`));
    }
    const pctOf = (p, k) => (p.n ? (100 * p[k]) / p.n : 0);
    const line = (k, color) => {
      svg.append(el("polyline", { points: points.map((p, i) => `${x(i)},${y(pctOf(p, k))}`).join(" "), fill: "none", stroke: color, "stroke-width": 2.5 }));
      points.forEach((p, i) => svg.append(el("circle", { cx: x(i), cy: y(pctOf(p, k)), r: 3.5, fill: color })));
    };
    line("done", "#2e7d32");
    line("late", "#c62828");
    points.forEach((p, i) => { if (i % 2 === 0 || i === points.length - 1) svg.append(el("text", { x: x(i), y: H - 6, "text-anchor": "middle", "font-size": 11, fill: "#5b6470" }, p.d.slice(5))); });
    const legend = h("p", { class: "legend" }, h("span", { class: "light green" }, "办结率"), " ", h("span", { class: "light red" }, "逾期未结占比"));
    return h("div", { class: "chart-wrap" }, svg, legend);
  }

  // ---- review cycles (调度) -------------------------------------------------
  Duban.pages["/office/cycle"] = async (view, p) => {
    const plans = await planOptions();
    view.append(h("h1", {}, "调度 · 进度报送轮次"));
    if (p.done) view.append(msg("ok", p.done));
    if (!plans.length) { view.append(h("p", { class: "muted" }, "还没有计划，请先导入。")); return; }
    const today = new Date();
    const ym = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}`;
    const start = h("div", { class: "card", id: "cycle-start" });
    const close = h("div", { class: "card", id: "cycle-close" });
    view.append(h("h2", {}, "启动一轮调度"), h("p", { class: "muted" }, "启动后，各责任单位须在截止日前报送进度；未报送的单位记为逾期。"), start,
      h("h2", {}, "结束一轮调度"), close);
    start.append(stepPanel("启动调度", "start_cycle", {}, [
      ["plan", "计划", "select", true, plans[0][0], plans],
      ["cycle_id", "轮次编号", "text", true, `${ym}-月度调度`],
      ["kind", "类型", "select", true, "monthly", [["monthly", "月度调度"], ["quarterly", "季度调度"], ["lookback", "年终回头看"]]],
      ["due_on", "报送截止日", "date", true],
      ["unit", "只调度一个单位（可不填）", "text", false],
    ], (w) => { if (w) reloadWith(`调度已启动。${w}`); }));
    close.append(stepPanel("结束调度", "close_cycle", {}, [
      ["plan", "计划", "select", true, plans[0][0], plans],
      ["cycle_id", "轮次编号", "text", true],
    ], (w) => { if (w) reloadWith(`调度已结束。${w}`); }));
    for (const b of view.querySelectorAll("form.panel button.cancel")) b.remove();  // nothing to cancel here

    // Each cycle's results by unit: who answered (on time or late), who is silent.
    view.append(h("h2", {}, "各轮调度结果"));
    const results = h("div", { id: "cycle-results" });
    view.append(results);
    for (const [planId, planLabel] of plans) {
      const r = await api("GET", `/api/v1/plans/${encodeURIComponent(planId)}/cycles`);
      for (const c of r.cycles) {
        const kind = { monthly: "月度调度", quarterly: "季度调度", lookback: "年终回头看" }[c.kind] || c.kind;
        results.append(h("h3", {}, `${planLabel} · ${c.cycle_id}（${kind}，截止 ${c.due_on}${c.closed ? "，已结束" : ""}）`));
        if (!c.units.length) { results.append(h("p", { class: "muted" }, "本轮没有应报送的单位。")); continue; }
        results.append(table([
          { label: "单位", cell: (u) => u.unit },
          { label: "应报", cell: (u) => u.requested },
          { label: "已报", cell: (u) => u.answered },
          { label: "其中迟报", cell: (u) => u.late },
          { label: "未报", cell: (u) => (u.silent ? h("span", { class: "light red" }, String(u.silent)) : "0") },
          { label: "督办级别", cell: (u) => (u.escalation_level ? `${u.escalation_level} 级` : "—") },
          { label: "未报任务", cell: (u) => (u.silent_tasks.length ? u.silent_tasks.map((t) => `${t}`).join("、") : "—") },
        ], c.units, { rowAttrs: (u) => ({ "data-cycle": c.cycle_id, "data-unit": u.unit, "data-silent": u.silent }) }));
      }
    }
    if (!results.childNodes.length) results.append(h("p", { class: "muted" }, "还没有调度轮次。"));
  };

  // ---- plan import ---------------------------------------------------------
  Duban.pages["/office/import"] = async (view, p) => {
    view.append(h("h1", {}, "计划导入"));
    if (p.done) view.append(msg("ok", p.done));
    view.append(h("p", { class: "muted" }, "上传分工方案（Word .docx、Excel .xlsx、网页 .html、文本导出、CSV、TSV）或粘贴文本。先预览解析结果和问题，确认无误后再导入。"));
    const file = h("input", { type: "file", id: "import-file", accept: ".docx,.xlsx,.html,.htm,.txt,.csv,.tsv,text/plain" });
    // Word, Excel and web pages go up as the file's own bytes (the server reads their tables); text is shown to edit.
    let chosen = null;
    const chosenNote = h("p", { class: "muted", id: "import-chosen" });
    const text = h("textarea", { id: "import-text", rows: 10 });
    const id = h("input", { type: "text", id: "import-id", placeholder: "例如 shaoguan-2026" });
    // The plan year and the publication day, as `plan import --year/--issued-on`: a December plan
    // for next year without a year in its title needs the year (the server refuses it otherwise).
    const year = h("input", { type: "number", id: "import-year", min: 2000, max: 2099, placeholder: "标题未写年度或有多个年份时填写，如 2027" });
    const issuedOn = h("input", { type: "date", id: "import-issued-on" });
    // A plan across the turn of the year (issued in December: 12月底前 this December, 1月底前 next January).
    const afterIssue = h("input", { type: "checkbox", id: "import-after-issue" });
    const params = () => `${year.value.trim() ? `&year=${encodeURIComponent(year.value.trim())}` : ""}` +
      `${issuedOn.value ? `&issued_on=${encodeURIComponent(issuedOn.value)}` : ""}` +
      `${afterIssue.checked ? "&dates_after_issue=1" : ""}`;
    for (const el of [year, issuedOn, afterIssue]) el.addEventListener("input", () => { importBtn.disabled = true; });
    const previewBtn = h("button", { type: "button", id: "import-preview" }, "预览");
    const importBtn = h("button", { type: "button", id: "import-go", disabled: true }, "确认导入");
    const out = h("div", { id: "import-result" });
    file.addEventListener("change", async () => {
      const f = file.files[0];
      chosen = null;
      chosenNote.textContent = "";
      if (f && /\.(docx|xlsx|html?)$/i.test(f.name)) {
        chosen = f;
        text.value = "";
        chosenNote.textContent = `已选择文件：${f.name}（按文件中的表格解析）`;
      } else if (f) {
        text.value = await f.text();
      }
      importBtn.disabled = true;
    });
    text.addEventListener("input", () => { chosen = null; chosenNote.textContent = ""; importBtn.disabled = true; });
    const body = () => chosen || text.value;
    const bodyType = () => (chosen ? "application/octet-stream" : "text/plain; charset=utf-8");
    view.append(h("div", { class: "card" }, field("计划文件", file), chosenNote, field("或粘贴计划文本", text), field("计划编号（导入时必填）", id),
      field("方案年度（可选）", year), field("印发日期（可选，“印发后N个工作日内”由此起算）", issuedOn),
      field("跨年度执行（可选）：未写年份且早于印发日期的时限按下一年计，如12月印发的方案，“1月底前”指次年1月", afterIssue),
      h("div", { class: "actions" }, previewBtn, importBtn)), out);
    previewBtn.addEventListener("click", async () => {
      out.replaceChildren();
      if (!chosen && !text.value.trim()) { out.append(msg("err", "请先选择文件或粘贴计划文本。")); return; }
      previewBtn.disabled = true;
      try {
        const r = await api("POST", `/api/v1/plans/import?dry_run=1${params()}`, body(), { type: bodyType() });
        const pv = r.preview || {};
        const meta = pv.plan || {};
        out.append(h("h2", {}, "解析预览"), h("div", { class: "card", id: "import-summary" }, h("dl", { class: "kv" },
          h("dt", {}, "标题"), h("dd", {}, meta.title || "—"),
          h("dt", {}, "年度"), h("dd", {}, meta.year || "—"),
          h("dt", {}, "文号"), h("dd", {}, meta.doc_number || "—"),
          h("dt", {}, "任务数"), h("dd", {}, (pv.tasks || []).length),
          h("dt", {}, "存疑任务"), h("dd", { id: "import-doubtful" }, pv.doubtful_tasks || 0),
          h("dt", {}, "将生成交办"), h("dd", {}, `${r.assignments} 项`))));
        if (pv.year_in_doubt) out.append(msg("err", pv.year_in_doubt.message_zh));
        if (pv.issued_after_its_year) out.append(msg("err", pv.issued_after_its_year.message_zh));
        if (pv.impossible_deadline) out.append(msg("err", pv.impossible_deadline.message_zh));
        if (pv.rows_not_imported) out.append(msg("err", pv.rows_not_imported.message_zh));
        const problems = pv.problems || [];
        out.append(h("h2", {}, "问题", h("span", { class: "count" }, problems.length)));
        out.append(problems.length
          ? h("ul", { id: "import-problems" }, problems.map((x) => h("li", {}, typeof x === "string" ? x : `${x.line ? "第 " + x.line + " 行：" : ""}${x.message_zh || x.message || JSON.stringify(x)}`)))
          : h("p", { class: "muted", id: "import-problems" }, "没有发现问题。"));
        // The importer's doubts (plan_parser.h): the office checks these rows before importing.
        const doubtWords = { no_unit: "未写单位", number_out_of_sequence: "序号不连续", number_repeated: "序号重复", units_from_row_below: "下一行的单位已并入", row_below_joined: "下一行（合并序号）已并入",
          units_from_other_row: "单位取自其他行", units_from_row_above: "单位单元格为空，沿用上一行", deadline_from_row_above: "时限单元格为空，沿用上一行", deadline_from_other_row: "时限取自其他行", unplaced_cell: "有单元格无法对应到列", no_deadline_cell: "该行缺少时限单元格", no_deadline: "未写明完成时限",
          due_before_issue: "时限早于印发日期" };
        out.append(h("h2", {}, "任务"), table([
          { label: "序号", cell: (t) => (!t.number_in_document ? t.number : t.numbering === "section" ? `${t.number}（本部分第${t.number_in_document}项）` : `${t.number}（原序号${t.number_in_document}）`) },
          { label: "存疑", cell: (t) => (t.doubts || []).map((d) => doubtWords[d] || d).join("；") },
          { label: "部分", cell: (t) => (t.section || []).join(" / ") },
          { label: "任务", cell: (t) => t.title },
          { label: "牵头", cell: (t) => (t.lead_units || []).join("、") },
          { label: "责任", cell: (t) => (t.responsible_units || []).join("、") },
          { label: "时限", cell: (t) => `${(t.deadline || {}).text || ""}${(t.deadline || {}).due_on ? `（${t.deadline.due_on}）` : ""}` },
        ], pv.tasks || []));
        importBtn.disabled = Boolean(pv.year_in_doubt || pv.issued_after_its_year || pv.impossible_deadline || pv.rows_not_imported);
      } catch (e) {
        if (e.status !== 401) out.append(msg("err", `无法解析：${Duban.refusal(e)}`));
      } finally { previewBtn.disabled = false; }
    });
    importBtn.addEventListener("click", async () => {
      if (!id.value.trim()) { out.prepend(msg("err", "请填写计划编号。")); id.focus(); return; }
      importBtn.disabled = true;
      try {
        const r = await api("POST", `/api/v1/plans/import?id=${encodeURIComponent(id.value.trim())}${params()}`, body(), { type: bodyType() });
        if (r.outcome === "accepted") {
          out.replaceChildren(msg("ok", r.duplicate ? `计划 ${r.plan} 此前已导入，未重复记录。` : `计划 ${r.plan} 已导入，共记录 ${r.event_count} 个事件。`),
            h("p", {}, h("a", { href: `#/office?plan=${encodeURIComponent(r.plan)}` }, "查看督办总览")));
        } else {
          out.prepend(msg("err", `未导入：${Duban.refusal({ status: 422, data: r, message: r.message || "" })}`));
          importBtn.disabled = false;
        }
      } catch (e) {
        if (e.status !== 401) out.prepend(msg("err", `未导入：${Duban.refusal(e)}`));
        importBtn.disabled = false;
      }
    });
  };
  // ---- the working-day calendar: the year's holiday notice ----------------
  // GET /api/v1/calendar and POST /api/v1/calendar/notices (docs/API.md): what
  // the calendar covers, the deadlines counted provisionally for lack of a
  // notice, and the office recording the State Council's notice while the
  // server runs (the CLI's `duban calendar add` is refused then).
  const TIMER_KIND = { reminder: "临期提醒", missed: "逾期", escalation: "升级督办", report_overdue: "报送逾期",
    acceptance_overdue: "签收超时", review_overdue: "审核超时", report_due: "报送提醒", scheduled_report: "定期报送" };
  // A recount's change (engine/core/calendar_notices.cc; the first two change
  // the state: schemas/deadline_recount.h) in words; one not recognised stays as sent.
  function changeText(c) {
    let m = /^due (\S+) -> ([0-9-]+)(?:, handed in (\S+))?$/.exec(c);
    if (m) return `时限 ${m[1]} → ${m[2]}${m[3] ? `（已于 ${m[3]} 报送办结）` : ""}`;
    m = /^overdue stands: due (\S+) has passed too$/.exec(c);
    if (m) return `新时限 ${m[1]} 也已过，仍属逾期`;
    m = /^overdue withdrawn: due (\S+) counts as ([0-9-]+)(?:, handed in (\S+))?$/.exec(c);
    if (m) return `撤销逾期：${m[1]} 为休息日，顺延至 ${m[2]}${m[3] ? `（已于 ${m[3]} 报送办结）` : ""}`;
    m = /^([a-z_]+)(?: (\d+))?(?: \((.+)\))? (\S+) -> (\S+)$/.exec(c);
    if (!m || !TIMER_KIND[m[1]]) return c;
    const what = m[1] === "reminder" && m[2] ? `${TIMER_KIND.reminder}（剩 ${m[2]} 个工作日）`
      : m[1] === "escalation" && m[2] ? `${TIMER_KIND.escalation} ${m[2]} 级` : TIMER_KIND[m[1]];
    const day = (d) => (d === "-" ? "无" : d);
    return `${what}${m[3] ? `（${m[3]}）` : ""} ${day(m[4])} → ${day(m[5])}`;
  }
  Duban.pages["/office/calendar"] = async (view) => {
    view.append(h("h1", {}, "工作日历"));
    const status = h("div", { id: "calendar-status" });
    const out = h("div", { id: "calendar-result" });
    async function load() {
      const c = await api("GET", "/api/v1/calendar");
      const years = c.covered_years || [];
      const recorded = c.recorded_notices || [];
      const prov = c.provisional_deadlines || [];
      status.replaceChildren(
        h("div", { class: "card" }, h("dl", { class: "kv" },
          h("dt", {}, "当前日历"), h("dd", { id: "calendar-version" }, c.version || "—"),
          h("dt", {}, "已覆盖年度"), h("dd", { id: "calendar-years" }, years.length ? `${years[0]}–${years[years.length - 1]} 年` : "—"),
          h("dt", {}, "本库记录的通知"), h("dd", {}, recorded.length
            ? recorded.map((n) => `${n.version}（${n.amends ? `修订 ${n.amends}` : `${n.covers}`} 年，${n.source}）`).join("；")
            : "无（使用程序内置日历）"),
          h("dt", {}, "未覆盖年度"), h("dd", { class: "muted" }, "暂按周一至周五计工作日（扣除元旦、劳动节、国庆节），春节等假期和调休待国务院通知公布后重算。"))),
        h("h2", {}, "按暂定规则计时的时限", h("span", { class: "count", id: "calendar-provisional-count" }, prov.length)),
        prov.length
          ? table([
            { label: "计划", cell: (r) => r.plan },
            { label: "任务", cell: (r) => h("a", { href: `#/task/${encodeURIComponent(r.plan)}/${r.task}` }, String(r.task)) },
            { label: "单位", cell: (r) => r.unit },
            { label: "时限", cell: (r) => r.due_on || "—" },
            { label: "下一节点", cell: (r) => `${TIMER_KIND[r.next_provisional_timer] || r.next_provisional_timer}（${r.fires_on}）` },
          ], prov, { rowAttrs: (r) => ({ "data-plan": r.plan, "data-task": r.task }) })
          : h("p", { class: "muted", id: "calendar-provisional-none" }, "没有按暂定规则计时的时限。"));
    }
    const file = h("input", { type: "file", id: "notice-file", accept: ".yaml,.yml,.txt,text/plain" });
    const text = h("textarea", { id: "notice-text", rows: 12, spellcheck: "false" });
    let source = "notice.yaml";
    file.addEventListener("change", async () => {
      const f = file.files[0];
      if (!f) return;
      source = f.name;
      text.value = await f.text();
    });
    const go = h("button", { type: "button", id: "notice-go" }, "记录通知并重算时限");
    go.addEventListener("click", async () => {
      out.replaceChildren();
      if (!text.value.trim()) { out.append(msg("err", "请先选择通知文件或粘贴其内容。")); return; }
      go.disabled = true;
      try {
        const r = await api("POST", `/api/v1/calendar/notices?source=${encodeURIComponent(source)}`, text.value,
          { type: "text/plain; charset=utf-8" });
        out.append(msg("ok", r.duplicate
          ? "此通知此前已记录，未重复记录。"
          : `已记录，日历现为 ${r.calendar_version}：重算在办交办 ${r.recounted_assignments} 项（其中 ${r.assignments_with_timers_moved} 项提醒或督办节点变动），任务时限 ${r.task_deadlines} 项（其中 ${r.task_deadlines_moved} 项按工作日计算的时限顺延或提前）。`));
        const moved = (r.changes || []).filter((c) => c.unit);
        if (moved.length)
          out.append(h("h2", {}, "变动的交办"), table([
            { label: "计划", cell: (c) => c.plan },
            { label: "任务", cell: (c) => h("a", { href: `#/task/${encodeURIComponent(c.plan)}/${c.task}` }, String(c.task)) },
            { label: "单位", cell: (c) => c.unit },
            { label: "时限", cell: (c) => c.due_on || "—" },
            { label: "变动", cell: (c) => c.changes.map(changeText).join("；") },
          ], moved, { rowAttrs: () => ({ class: "notice-moved" }) }));
        await load();
      } catch (e) {
        if (e.status !== 401) out.append(msg("err", `未记录：${Duban.refusal(e)}`));
      } finally { go.disabled = false; }
    });
    view.append(status,
      h("h2", {}, "记录国务院节假日安排通知"),
      h("p", { class: "muted" }, "通知按 workflows/calendars/cn-mainland.yaml 的格式写成一个通知（version 为发布日期，covers 为年度，holidays、workdays）。记录后所有在办时限按新日历重算，并通知时限变动的单位。"),
      h("div", { class: "card" }, field("通知文件", file), field("或粘贴通知内容", text), h("div", { class: "actions" }, go)), out);
    try { await load(); } catch (e) { if (e.status !== 401) status.append(msg("err", `无法读取日历：${Duban.refusal(e)}`)); }
  };
})();
