// 我的任务 (a unit's inbox, and 下发事项: what it delegated to its sub-units,
// with the review steps that are its own there) and the task page (every
// role reads it; a unit sees its own part and what it delegated, another
// unit's task answers 403: 无权查看).
"use strict";

(() => {
  const { h, field, msg, table, lightEl, deadlineText, fmtTime, statusName, api, command, uploadAll, randomId } = Duban;

  const TABS = [
    ["todo", "待签收", (r) => r.status === "assigned"],
    ["doing", "办理中", (r) => r.status === "accepted" || r.status === "in_progress"],
    ["review", "待审核", (r) => r.status === "submitted"],
    ["done", "已办结", (r) => r.status === "completed"],
    // Late work not yet done, as the API's overdue=1: work finished late is in 已办结, reassigned away in 撤销.
    ["late", "已逾期", (r) => (r.overdue || r.light === "red") && !["completed", "cancelled", "returned"].includes(r.status)],
    ["other", "已退回/撤销", (r) => r.status === "returned" || r.status === "cancelled"],
  ];
  const ESC = (n) => (n ? `${n} 级` : "—");

  // The forms of a unit's steps. Each answers the command body's extra fields
  // (uploading evidence first) or throws a message for the user.
  const ACTIONS = {
    accept: { label: "签收", states: ["assigned"], fields: [] },
    return: { label: "退回", states: ["assigned"], fields: [["reason", "退回理由（必填）", "textarea", true]] },
    progress: {
      label: "报送进度", states: ["accepted", "in_progress"], fields: [
        ["text", "进展情况（必填）", "textarea", true], ["percent", "完成进度（0–100%）", "number", true],
        ["reporter", "填报人", "text"], ["contact", "联系电话", "text"], ["evidence", "佐证材料（可多选）", "file"]],
    },
    request_extension: {
      label: "申请延期", states: ["assigned", "accepted", "in_progress"],
      fields: [["new_due_on", "申请延期至", "date", true], ["reason", "延期理由（必填）", "textarea", true]],
    },
    // 多级下发: to a sub-unit the unit directory puts below this unit.
    delegate: {
      label: "下发", states: ["accepted", "in_progress"],
      fields: [["to_unit", "下发至（下级单位全称）", "text", true], ["due_on", "下级完成时限（不晚于本单位时限，空则相同）", "date"],
        ["note", "工作要求", "textarea"]],
    },
    submit: {
      label: "提交办结", states: ["accepted", "in_progress"],
      fields: [["text", "办结情况说明", "textarea"], ["evidence", "佐证材料（可多选）", "file"]],
    },
  };
  const DONE_WORDS = {
    accept: "已签收，任务进入办理。", return: "已退回，等待督查室改派。", progress: "进度已报送。",
    request_extension: "延期申请已提交，等待督查室审批。", submit: "已提交办结，等待督查室审核销号。",
    delegate: "已下发，下级单位签收后办理；下级办结并经本单位审核后，本单位方可提交办结。",
  };

  // The steps a unit takes on an assignment it delegated (the workflow
  // definition's delegating_unit steps): review its sub-unit's submission,
  // answer its extension request, call it back. Only on its direct children.
  // `all`: rows holding this unit's own (a lead acts only while its own part is open).
  Duban.delegatorTools = (r, open, all = []) => {
    const me = Duban.state.account && Duban.state.account.unit;
    if (!me || r.unit === me) return [];
    // A part this unit consolidates as the task's lead (牵头单位汇总): it may send it back.
    if (!r.delegated_by) {
      const leading = all.some((o) => o.unit === me && o.plan === r.plan && String(o.task) === String(r.task) &&
        ["assigned", "accepted", "in_progress", "submitted"].includes(o.status));
      return leading && r.status === "submitted" ? [h("button", {
        type: "button", class: "danger", "data-action": "reject", "aria-label": `退回重办：任务 ${r.task} ${r.unit}`,
        onclick: () => open(`退回重办：任务 ${r.task} ${r.unit}`, "reject", { plan: r.plan, task: Number(r.task), unit: r.unit },
          [["reason", "退回理由（必填）", "textarea", true]]),
      }, "退回重办")] : [];
    }
    if (r.delegated_by !== me) return [];
    const base = { plan: r.plan, task: Number(r.task), unit: r.unit };
    const btn = (text, cls, type, title, fields) => h("button", {
      type: "button", class: cls, "data-action": type, "aria-label": `${text}：任务 ${r.task} ${r.unit}`,
      onclick: () => open(`${title}：任务 ${r.task} ${r.unit}`, type, base, fields),
    }, text);
    const pending = r.pending_extension && ["assigned", "accepted", "in_progress"].includes(r.status);
    return [
      r.status === "submitted" ? btn("审核通过", "secondary", "approve", "审核通过", [["comment", "审核意见", "textarea", false]]) : null,
      r.status === "submitted" ? btn("退回重办", "danger", "reject", "退回重办", [["reason", "退回理由（必填）", "textarea", true]]) : null,
      pending ? btn("批准延期", "secondary", "grant_extension", "批准延期",
        [["new_due_on", "新时限", "date", false, /^\d{4}-\d{2}-\d{2}$/.test(r.pending_extension) ? r.pending_extension : ""]]) : null,
      pending ? btn("不予延期", "danger", "deny_extension", "不予延期", [["reason", "理由（必填）", "textarea", true]]) : null,
      !["completed", "cancelled"].includes(r.status)
        ? btn("收回", "danger", "cancel_assignment", "收回下发", [["reason", "收回理由（必填）", "textarea", true]]) : null,
    ].filter(Boolean);
  };

  // One open form: its command id is kept for every retry of this submission.
  function actionPanel(row, type, done) {
    const spec = ACTIONS[type];
    let cid = randomId();  // one id for every retry of this submission, until the engine decides it
    const controls = {};
    const form = h("form", { class: "panel", "data-action": type, novalidate: true, "aria-label": `${spec.label}：任务 ${row.task}` },
      h("h3", {}, `${spec.label}：${row.task}. ${row.title}`));
    for (const [name, label, kind, required] of spec.fields) {
      let c;
      if (kind === "textarea") c = h("textarea", { name, required });
      else if (kind === "file") c = h("input", { type: "file", name, multiple: true, accept: ".pdf,.doc,.docx,.xls,.xlsx,.zip,.jpg,.jpeg,.png" });
      else c = h("input", { type: kind, name, required, min: kind === "number" ? 0 : null, max: kind === "number" ? 100 : null });
      c.id = Duban.nextId(`${type}-${name}`);
      controls[name] = c;
      form.append(field(label, c));
    }
    const out = h("div", { class: "outcome" });
    const ok = h("button", { type: "submit", class: "confirm" }, `确认${spec.label}`);
    const cancel = h("button", { type: "button", class: "secondary cancel", onclick: () => done(null) }, "取消");
    form.append(out, h("div", { class: "actions" }, ok, cancel));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      out.replaceChildren();
      const body = { type, plan: row.plan, task: row.task, unit: row.unit };
      for (const [name, label, kind, required] of spec.fields) {
        const c = controls[name];
        if (kind === "file") continue;
        const v = c.value.trim();
        if (required && !v) { out.append(msg("err", `请填写“${label.replace(/（.*）/, "")}”。`)); c.focus(); return; }
        if (!v) continue;
        if (kind === "number") {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 0 || n > 100) { out.append(msg("err", "进度须为 0 到 100 的整数。")); c.focus(); return; }
          body[name] = n;
        } else body[name] = v;
      }
      ok.disabled = true;
      try {
        if (controls.evidence && controls.evidence.files.length) {
          out.append(msg("info", `正在上传 ${controls.evidence.files.length} 个文件……`));
          body.evidence = await uploadAll(controls.evidence.files);
          out.replaceChildren();
        }
      } catch (e) {
        out.replaceChildren(msg("err", `文件上传失败：${Duban.refusal(e)}`));
        ok.disabled = false;
        return;
      }
      const r = await command(body, cid);
      ok.disabled = false;
      if (r.ok) return done(DONE_WORDS[type] + (r.duplicate ? "（此前已提交过，未重复记录）" : ""));
      if (r.decided) cid = randomId();  // decided (refused): a corrected form is a new command
      out.append(msg("err", r.text));
    });
    return form;
  }

  // 下发事项: the sub-units' assignments delegated down from this unit's,
  // their state, and the steps that wait for this unit.
  function delegatedCard(rows, slot, done, all) {
    const open = (title, type, base, fields) => Duban.openPanel(slot, Duban.stepPanel(title, type, base, fields, done));
    // Only what this unit itself must decide: its direct children's
    // submissions and open extension requests (not its sub-units' sub-units).
    const me = Duban.state.account && Duban.state.account.unit;
    // A part it consolidates as the task's lead: a submission to read (and send back if need be).
    const waiting = rows.filter((r) => (!r.delegated_by && Duban.delegatorTools(r, open, all).length) || r.delegated_by === me && (r.status === "submitted" ||
      (r.pending_extension && ["assigned", "accepted", "in_progress"].includes(r.status)))).length;
    return h("section", { class: "card", id: "delegated" },
      h("h2", {}, "下发事项", waiting ? h("span", { class: "count", id: "delegated-waiting" }, `${waiting} 项待本单位审核`) : null),
      table([
        { label: "任务", cell: (r) => h("a", { href: `#/task/${encodeURIComponent(r.plan)}/${r.task}` }, `${r.task}. ${r.title}`) },
        { label: "下级单位", cell: (r) => r.unit },
        { label: "下发单位", cell: (r) => r.delegated_by || "本单位牵头汇总" },
        { label: "状态", cell: (r) => `${statusName(r.status)}${r.percent ? `（${r.percent}%）` : ""}${r.pending_extension ? " · 延期待批" : ""}` },
        { label: "时限", cell: (r) => deadlineText(r) },
        { label: "亮灯", cell: (r) => lightEl(r) },
        { label: "本单位操作", cell: (r) => h("div", { class: "actions" }, Duban.delegatorTools(r, open, all)) },
      ], rows, { rowAttrs: (r) => ({ "data-task": r.task, "data-unit": r.unit, "data-status": r.status }) }));
  }

  Duban.pages["/unit"] = async (view, p) => {
    const a = Duban.state.account;
    const all = await api("GET", "/api/v1/assignments");
    // Its own in the tabs; what it delegated (and its sub-units passed on) apart.
    const rows = all.filter((r) => r.unit === a.unit);
    const delegated = all.filter((r) => r.unit !== a.unit);
    const tab = TABS.find((t) => t[0] === p.tab) || TABS[0];
    view.append(h("h1", {}, `我的任务${a.unit ? " · " + a.unit : ""}`));
    if (p.done) view.append(msg("ok", p.done));
    const tabs = h("div", { class: "tabs", role: "tablist", "aria-label": "任务分类" });
    for (const [key, name, pred] of TABS) {
      const n = rows.filter(pred).length;
      tabs.append(h("button", {
        type: "button", role: "tab", id: `tab-${key}`, "aria-selected": String(key === tab[0]),
        onclick: () => { location.hash = `#/unit?tab=${key}`; },
      }, name, h("span", { class: "count" }, n)));
    }
    view.append(tabs);
    const mine = rows.filter(tab[2]);
    const slot = h("div", { id: "action-slot" });
    const stepDone = (words) => {
      if (!words) { Duban.closePanel(slot); return; }
      slot.replaceChildren();
      const next = `#/unit?tab=${tab[0]}&done=${encodeURIComponent(words)}`;
      if (location.hash === next) Duban.render(); else location.hash = next;
    };
    const delegatedSection = delegated.length ? delegatedCard(delegated, slot, stepDone, all) : null;
    // The unit's own 工作台账, which its plans ask it to keep and report.
    const plans = Array.from(new Set(rows.map((r) => r.plan))).map((id) => [id, id]);
    const reports = plans.length ? Duban.reportsCard(plans, ["ledger", "ledger_csv"]) : null;
    if (!mine.length) {
      view.append(h("p", { class: "muted", id: "inbox-empty" }, `没有${tab[1]}的任务。`), slot);
      if (delegatedSection) view.append(delegatedSection);
      if (reports) view.append(reports);
      return;
    }
    const openAction = (row, type) => {
      Duban.openPanel(slot, actionPanel(row, type, (words) => {
        if (!words) { Duban.closePanel(slot); return; }
        slot.replaceChildren();
        const next = `#/unit?tab=${tab[0]}&done=${encodeURIComponent(`任务 ${row.task}：${words}`)}`;
        if (location.hash === next) Duban.render(); else location.hash = next;
      }));
    };
    view.append(table([
      { label: "任务", cell: (r) => h("a", { href: `#/task/${encodeURIComponent(r.plan)}/${r.task}` }, `${r.task}. ${r.title}`) },
      { label: "计划", cell: (r) => r.plan },
      { label: "状态", cell: (r) => `${statusName(r.status)}${r.percent ? `（${r.percent}%）` : ""}${r.pending_extension ? " · 延期待批" : ""}` },
      { label: "时限", cell: (r) => deadlineText(r) },
      { label: "亮灯", cell: (r) => lightEl(r) },
      { label: "督办级别", cell: (r) => ESC(r.escalation_level) },
      { label: "最近更新", cell: (r) => fmtTime(r.updated_at) },
      {
        label: "操作", cell: (r) => h("div", { class: "actions" }, Object.entries(ACTIONS)
          .filter(([type, s]) => s.states.includes(r.status) && !(type === "request_extension" && r.pending_extension))
          .map(([type, s]) => h("button", {
            type: "button", class: type === "return" ? "danger" : "secondary", "data-action": type,
            "aria-label": `${s.label}：任务 ${r.task}`, onclick: () => openAction(r, type),
          }, s.label))),
      },
    ], mine, { rowAttrs: (r) => ({ "data-task": r.task, "data-plan": r.plan }) }), slot);
    if (delegatedSection) view.append(delegatedSection);
    if (reports) view.append(reports);
  };

  // ---- the task page ------------------------------------------------------
  function evidenceFiles(ev) {
    let list = ev;
    if (typeof ev === "string") { try { list = JSON.parse(ev); } catch (e) { list = []; } }
    return Array.isArray(list) ? list : [];
  }
  Duban.evidenceNames = (ev) => evidenceFiles(ev).map((f) => `${f.name}（sha256 ${String(f.sha256).slice(0, 12)}…）`).join("、");
  function evidenceList(ev) {
    const list = evidenceFiles(ev);
    if (!Array.isArray(list) || !list.length) return null;
    return h("ul", { class: "evidence" }, list.map((f) => h("li", {},
      h("a", { href: `/api/v1/evidence/${encodeURIComponent(f.sha256)}`, download: f.name || true }, `下载：${f.name || f.sha256}`),
      f.size ? h("span", { class: "muted" }, `（${Math.ceil(f.size / 1024)} KB）`) : null)));
  }
  function eventDetails(body) {
    const parts = [];
    for (const [k, v] of Object.entries(body || {})) {
      if (["task", "number", "evidence", "plan", "title", "content", "section", "calendar_version", "notify"].includes(k)) continue;
      if (v === "" || v === null || v === false || (Array.isArray(v) && !v.length) || typeof v === "object") continue;
      if (k === "unit") { parts.push(`单位：${v}`); continue; }
      if (k === "role") { parts.push(`角色：${Duban.ASSIGN_ROLE[v] || v}`); continue; }
      if (k === "recurrence" || k === "old_recurrence") { parts.push(`${Duban.FIELD[k]}：${Duban.recurrenceText(v)}`); continue; }
      if (k === "kind" && Duban.NOTE_KIND[v]) continue;  // the entry's heading names the note's kind
      parts.push(`${Duban.FIELD[k] || k}：${v}`);
    }
    return Duban.joinParts(parts);
  }
  Duban.actorText = actorText;
  function actorText(a) {
    if (!a) return "";
    const roles = { supervisor: "督查室", office: "督查室", unit: "单位", auditor: "审计", system: "系统", clock: "系统时钟", admin: "管理员" };
    return `${a.name || a.id}（${roles[a.role] || a.role}）`;
  }
  Duban.timeline = (history) => h("ol", { class: "timeline", id: "timeline" }, history.map((e) => h("li", { "data-type": e.type },
    h("div", {}, h("strong", {}, (e.type === "NoteAdded" && Duban.NOTE_KIND[e.body && e.body.kind]) || Duban.EVENT[e.type] || e.type),
      " · ", actorText(e.actor)),
    h("div", { class: "when" }, `记录于 ${fmtTime(e.recorded_at)}；生效于 ${fmtTime(e.occurred_at)}`,
      e.back_entry_reason ? `；补录：${e.back_entry_reason}` : ""),
    eventDetails(e.body) ? h("div", {}, eventDetails(e.body)) : null,
    evidenceList(e.body && e.body.evidence))));

  // The office's tools on a task (issue 20): per assignment, 催办 (urge),
  // a new deadline, a comment, cancelling it; for the task, a leader's
  // instruction and a new deadline for every open assignment. Which buttons a
  // row shows follows the workflow definition's states (default.yaml); the
  // engine decides, so a stale page is refused with the reason.
  const OPEN = ["assigned", "accepted", "in_progress"];
  // A task's reporting schedule (set_schedule): each checkpoint's report is
  // asked of its units before it, on the working-day calendar.
  const SCHEDULES = [["month:1", "每月一次"], ["quarter:1", "每季度一次"], ["half_year:1", "每半年一次"], ["year:1", "每年一次"], ["", "停止定期报送"]];
  const scheduleText = (s) => (s && s.recurrence ? `${Duban.recurrenceText(s.recurrence)}（${s.year} 年，节点前通知报送）` : "—");
  Duban.pages.task = async (view, plan, task, p) => {
    const t = await api("GET", `/api/v1/plans/${encodeURIComponent(plan)}/tasks/${encodeURIComponent(task)}`);
    const k = t.task;
    const schedule = k.schedule || {};
    const office = Duban.state.account && Duban.state.account.role === "office" && !k.cancelled && !k.completed;
    // A unit's steps on the sub-units' assignments it delegated here.
    const delegator = !office && !k.cancelled && !k.completed && t.assignments.some((r) => Duban.delegatorTools(r, () => {}, t.assignments).length);
    const slot = h("div", { id: "task-slot" });
    // The plan's units, offered as the office types one (增派单位).
    const planUnits = office ? await api("GET", `/api/v1/plans/${encodeURIComponent(plan)}`).then((r) => r.units || []) : [];
    const unitList = h("datalist", { id: "plan-units" }, planUnits.map((u) => h("option", { value: u })));
    const done = (words) => {
      if (!words) { Duban.closePanel(slot); return; }
      slot.replaceChildren();
      const next = `#/task/${encodeURIComponent(plan)}/${encodeURIComponent(task)}?done=${encodeURIComponent(words)}`;
      if (location.hash === next) Duban.render(); else location.hash = next;
    };
    const today = Duban.chinaToday();
    const base = (r) => ({ plan, task: Number(task), unit: r.unit });
    const btn = (text, cls, action, label, onclick) => h("button", { type: "button", class: cls, "data-action": action, "aria-label": label, onclick }, text);
    const open = (title, type, b, fields) => Duban.openPanel(slot, Duban.stepPanel(title, type, b, fields, done));
    const officeTools = (r) => [
      OPEN.includes(r.status) ? btn("催办", "secondary", "urge", `催办：${r.unit}`, () => open(`催办：任务 ${task} ${r.unit}`, "add_note",
        Object.assign(base(r), { kind: "urge" }), [["text", "催办内容（可不填）", "textarea", false]])) : null,
      OPEN.concat(["submitted"]).includes(r.status) ? btn("调整时限", "secondary", "set_deadline", `调整时限：${r.unit}`, () => open(
        `调整时限：任务 ${task} ${r.unit}`, "set_deadline", base(r),
        [["due_on", "新时限", "date", true, r.due_on && r.due_on >= today ? r.due_on : ""], ["reason", "调整理由（必填）", "textarea", true]])) : null,
      btn("意见", "secondary", "comment", `督查室意见：${r.unit}`, () => open(`督查室意见：任务 ${task} ${r.unit}`, "add_note",
        Object.assign(base(r), { kind: "comment" }), [["text", "意见（必填）", "textarea", true]])),
      r.status !== "completed" && r.status !== "cancelled" ? btn("撤销交办", "danger", "cancel_assignment", `撤销交办：${r.unit}`, () => open(
        `撤销交办：任务 ${task} ${r.unit}`, "cancel_assignment", base(r), [["reason", "撤销理由（必填）", "textarea", true]])) : null,
    ].filter(Boolean);
    const taskTools = () => [
      btn("录入领导批示", "secondary", "instruction", "录入领导批示", () => open(`领导批示：任务 ${task}`, "add_note",
        { plan, task: Number(task), kind: "instruction" }, [["text", "批示内容（必填）", "textarea", true]])),
      btn("调整任务时限", "secondary", "set_task_deadline", "调整任务时限", () => open(`调整时限：任务 ${task} 及其在办单位`, "set_deadline",
        { plan, task: Number(task) }, [["due_on", "新时限", "date", true], ["reason", "调整理由（必填）", "textarea", true]])),
      btn("增派单位", "secondary", "assign", "增派单位", () => open(`增派单位：任务 ${task}`, "assign",
        { plan, task: Number(task) }, [["unit", "单位（须为本方案的承办单位）", "text", true, "", "plan-units"],
          ["role", "分工", "select", true, "responsible", [["responsible", "责任单位"], ["lead", "牵头单位"]]],
          ["due_on", "完成时限（不填为任务时限；任务时限已过须填）", "date", false]])),
      btn("增加承办单位", "secondary", "add_unit", "增加承办单位", () => open(`增加承办单位：计划 ${plan}`, "add_unit",
        { plan }, [["name", "单位名称（方案原未列明的单位）", "text", true], ["reason", "理由（必填）", "textarea", true],
          ["accept_unknown", "按所填名称增加（单位名录中没有时）", "checkbox", false]])),
      btn("报送安排", "secondary", "set_schedule", "报送安排", () => open(`报送安排：任务 ${task}`, "set_schedule",
        { plan, task: Number(task) }, [["recurrence", "定期报送", "select", true, schedule.recurrence || "quarter:1", SCHEDULES],
          ["reason", "理由（必填）", "textarea", true]])),
    ];
    const section = Array.isArray(k.section) ? k.section.join(" / ") : (k.section || "");
    const calOf = (b) => (b && (b.calendar_version || (b.deadline && b.deadline.calendar_version))) || "";
    const cal = calOf((t.history.slice().reverse().find((e) => calOf(e.body)) || {}).body);
    view.append(...[
      h("p", {}, h("a", { href: "#/", id: "back" }, "← 返回")),
      h("h1", { id: "task-title" }, `${k.number}. ${k.title}`),
      h("div", { class: "card" }, h("dl", { class: "kv" },
        h("dt", {}, "计划"), h("dd", {}, t.plan),
        h("dt", {}, "所属部分"), h("dd", {}, section || "—"),
        h("dt", {}, "任务内容"), h("dd", { id: "task-content" }, k.content),
        h("dt", {}, "时限要求"), h("dd", {}, `${k.deadline.text || "—"}${k.deadline.due_on ? `（${k.deadline.due_on}）` : ""}`),
        h("dt", {}, "工作日历"), h("dd", {}, cal || "—"),
        h("dt", {}, "报送安排"), h("dd", { id: "task-schedule" }, scheduleText(schedule)),
        h("dt", {}, "任务状态"), h("dd", {}, k.cancelled ? "已撤销" : (k.completed ? "已办结" : "办理中")))),
      h("h2", {}, "承办单位"),
      table([
        { label: "单位", cell: (r) => (r.delegated_by ? `${r.unit}（${r.delegated_by}下发）` : r.unit) },
        { label: "分工", cell: (r) => Duban.ASSIGN_ROLE[r.role] || r.role },
        { label: "状态", cell: (r) => `${statusName(r.status)}${r.percent ? `（${r.percent}%）` : ""}` },
        { label: "时限", cell: (r) => deadlineText(r) },
        { label: "亮灯", cell: (r) => lightEl(r) },
        { label: "督办级别", cell: (r) => (r.escalation_level ? `${r.escalation_level} 级` : "—") },
      ].concat(office ? [{ label: "督查室操作", cell: (r) => h("div", { class: "actions" }, officeTools(r)) }] : [])
        .concat(delegator ? [{ label: "本单位操作", cell: (r) => h("div", { class: "actions" }, Duban.delegatorTools(r, open, t.assignments)) }] : []),
      t.assignments,
      { rowAttrs: (r) => ({ "data-unit": r.unit, "data-status": r.status }) }),
      office ? h("div", { class: "actions", id: "task-tools" }, taskTools()) : null,
      office ? unitList : null,
      slot,
      h("h2", {}, "办理记录"),
      t.history.length ? Duban.timeline(t.history) : h("p", { class: "muted" }, "暂无记录。"),
    ].filter(Boolean));
    if (p.done) view.insertBefore(Duban.msg("ok", p.done), view.querySelector("#task-title").nextSibling);
    view.querySelector("#back").addEventListener("click", (ev) => { ev.preventDefault(); history.back(); });
  };
})();
