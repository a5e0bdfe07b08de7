// 审计 (the auditor; the office may read it too): any task's full history, a
// plan as of a chosen date, the verify result, and the table on screen as CSV.
"use strict";

(() => {
  const { h, field, msg, table, fmtTime, statusName, api, downloadCsv } = Duban;

  function csvButton(container, name, id) {
    return h("button", {
      type: "button", class: "secondary", id, onclick: () => {
        const t = container.querySelector("table");
        if (t) downloadCsv(t, name);
      },
    }, "导出 CSV");
  }

  Duban.pages["/audit"] = async (view, p) => {
    const plans = await api("GET", "/api/v1/plans");
    view.append(h("h1", {}, "审计"));
    if (!plans.length) { view.append(h("p", { class: "muted" }, "库中还没有计划。")); return; }
    const opts = () => plans.map((x) => h("option", { value: x.id }, `${x.title || x.id}（${x.id}）`));

    // A task's full history.
    const hPlan = h("select", { id: "hist-plan" }, opts());
    const hTask = h("input", { type: "number", id: "hist-task", min: 1 });
    const hOut = h("div", { id: "hist-result" });
    const hForm = h("form", { class: "card inline", id: "hist-form" }, field("计划", hPlan), field("任务序号", hTask),
      h("button", { type: "submit" }, "查看办理记录"));
    // A plan as of a date.
    const aPlan = h("select", { id: "asof-plan" }, opts());
    const aDate = h("input", { type: "date", id: "asof-date" });
    const aBasis = h("select", { id: "asof-basis" }, h("option", { value: "effective" }, "按生效时间"), h("option", { value: "recorded" }, "按记录时间"));
    const aUnit = h("input", { type: "text", id: "asof-unit", placeholder: "全部单位" });
    const aOut = h("div", { id: "asof-result" });
    const aForm = h("form", { class: "card inline", id: "asof-form" }, field("计划", aPlan), field("截至日期", aDate), field("口径", aBasis),
      field("单位（可不填）", aUnit),
      h("button", { type: "submit" }, "查看当时状态"));
    // Verify.
    const vBtn = h("button", { type: "button", id: "verify-run" }, "校验日志与投影");
    const vOut = h("div", { id: "verify-result" });
    view.append(h("h2", {}, "任务办理记录"), hForm, hOut, h("h2", {}, "计划历史状态（as-of）"), aForm, aOut,
      h("h2", {}, "完整性校验"), h("div", { class: "card" }, h("p", { class: "muted" }, "重算哈希链并与投影比对；校验期间其他请求需稍候。"), vBtn, vOut),
      Duban.reportsCard(plans.map((x) => [x.id, `${x.title || x.id}（${x.id}）`]), ["ledger", "ledger_csv", "scorecard", "bulletin"]));

    if (p.plan) { hPlan.value = p.plan; aPlan.value = p.plan; }
    if (p.task) hTask.value = p.task;
    aDate.value = p.date || Duban.chinaToday();  // China's day, not UTC's (08:00 apart)

    hForm.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      hOut.replaceChildren();
      const n = Number(hTask.value);
      if (!Number.isInteger(n) || n < 1) { hOut.append(msg("err", "请输入任务序号。")); hTask.focus(); return; }
      try {
        const t = await api("GET", `/api/v1/plans/${encodeURIComponent(hPlan.value)}/tasks/${n}`);
        const rows = t.history;
        hOut.append(h("p", {}, h("strong", {}, `${t.task.number}. ${t.task.title}`), " ",
          h("a", { href: `#/task/${encodeURIComponent(t.plan)}/${n}` }, "打开任务页")),
          h("div", { class: "actions" }, csvButton(hOut, `history-${t.plan}-${n}.csv`, "hist-csv")),
          table([
            { label: "序号", cell: (e) => e.position },
            { label: "事件", cell: (e) => Duban.EVENT[e.type] || e.type },
            { label: "操作人", cell: (e) => Duban.actorText(e.actor) },
            { label: "记录时间", cell: (e) => fmtTime(e.recorded_at) },
            { label: "生效时间", cell: (e) => fmtTime(e.occurred_at) },
            { label: "单位", cell: (e) => (e.body && e.body.unit) || "" },
            { label: "内容", cell: (e) => detail(e.body) },
            { label: "命令编号", cell: (e) => e.command_id },
          ], rows, { rowAttrs: (e) => ({ "data-type": e.type }) }));
      } catch (e) {
        if (e.status !== 401) hOut.append(msg("err", e.status === 404 ? `未找到这项任务（${e.message}）` : Duban.refusal(e)));
      }
    });
    aForm.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      aOut.replaceChildren();
      if (!aDate.value) { aOut.append(msg("err", "请选择日期。")); aDate.focus(); return; }
      try {
        const s = await api("GET", `/api/v1/plans/${encodeURIComponent(aPlan.value)}/as-of?date=${aDate.value}&basis=${aBasis.value}`);
        const unit = aUnit.value.trim();
        if (unit) s.assignments = s.assignments.filter((r) => r.unit === unit);
        aOut.append(h("p", {}, `${s.plan}${unit ? " · " + unit : ""} 截至 ${fmtTime(s.as_of)}（${s.basis === "recorded" ? "按记录时间" : "按生效时间"}），计划版本 ${s.version}`),
          h("div", { class: "actions" }, csvButton(aOut, `asof-${s.plan}-${aDate.value}.csv`, "asof-csv")),
          s.assignments.length ? table([
            { label: "任务", cell: (r) => `${r.task}. ${r.title}` },
            { label: "单位", cell: (r) => r.unit },
            { label: "状态", cell: (r) => statusName(r.status) },
            { label: "进度", cell: (r) => `${r.percent}%` },
            { label: "时限", cell: (r) => r.due_on || r.deadline_text || "—" },
            { label: "逾期", cell: (r) => (r.overdue ? "是" : "否") },
            { label: "督办级别", cell: (r) => r.escalation_level || "—" },
            { label: "最近更新", cell: (r) => fmtTime(r.updated_at) },
          ], s.assignments) : h("p", { class: "muted" }, "当时还没有交办。"));
      } catch (e) {
        if (e.status !== 401) aOut.append(msg("err", Duban.refusal(e)));
      }
    });
    vBtn.addEventListener("click", async () => {
      vOut.replaceChildren(h("p", { class: "muted" }, "正在校验……"));
      vBtn.disabled = true;
      try {
        const v = await api("GET", "/api/v1/verify");
        // China time, as every other time on these pages.
        const when = new Date().toLocaleString("sv-SE", { timeZone: "Asia/Shanghai", hour12: false });
        vOut.replaceChildren(msg(v.ok ? "ok" : "err", v.ok ? "校验通过：哈希链完整，投影与重算一致，佐证材料齐全。" : `校验发现 ${v.problems.length} 个问题。`),
          h("ul", { id: "verify-problems", hidden: !v.problems.length }, v.problems.map((x) => h("li", {}, x))),
          h("dl", { class: "kv", id: "verify-facts" },
            h("dt", {}, "校验时间"), h("dd", {}, when),
            h("dt", {}, "事件数"), h("dd", {}, v.events), h("dt", {}, "事件流"), h("dd", {}, v.streams),
            h("dt", {}, "投影键"), h("dd", {}, v.projection_keys), h("dt", {}, "引用的佐证材料"), h("dd", {}, v.evidence_references)),
          h("h3", {}, "链头（请记下，下次校验时比对）"),
          h("p", { class: "muted" }, "日志链头是全部日志记录的哈希链在日志末尾的值；其前的任何记录被改动、删除或调换顺序，它都会改变。"),
          h("dl", { class: "kv", id: "verify-log-head" },
            h("dt", {}, "日志末位"), h("dd", { id: "log-end" }, v.log.end),
            h("dt", {}, "日志链头"), h("dd", { class: "hash", id: "log-head" }, v.log.head || "（空日志）")),
          h("h3", {}, "签名检查点"),
          checkpointEl(v.checkpoint, v.log.end),
          h("h3", {}, "各计划事件流的最后哈希"),
          v.plans.length ? h("div", { id: "verify-plans" }, table([
            { label: "计划", cell: (x) => `${x.id}${x.withdrawn ? "（已撤回）" : ""}` },
            { label: "版本（事件序号）", cell: (x) => x.version },
            { label: "最后哈希", cell: (x) => h("span", { class: "hash" }, x.last_hash) },
          ], v.plans, { rowAttrs: (x) => ({ "data-plan": x.id, "data-version": x.version }) })) : h("p", { class: "muted" }, "库中还没有计划。"),
          h("div", { class: "actions" }, csvButton(vOut, "verify-heads.csv", "verify-csv")));
      } catch (e) {
        if (e.status !== 401) vOut.replaceChildren(msg("err", Duban.refusal(e)));
      } finally { vBtn.disabled = false; }
    });
  };

  // The newest signed checkpoint (duban anchor), or why there is none.
  function checkpointEl(cp, logEnd) {
    if (!cp) return h("p", { class: "muted", id: "verify-checkpoint" }, "本库尚未启用签名检查点（duban anchor），日志链头只能与您此前记下的值比对。");
    const behind = logEnd - cp.log_end;
    return h("dl", { class: "kv", id: "verify-checkpoint" },
      h("dt", {}, "覆盖至日志位置"), h("dd", {}, `${cp.log_end}${behind > 0 ? `（其后还有 ${behind} 条未签名）` : "（即日志末位）"}`),
      h("dt", {}, "签名时的链头"), h("dd", { class: "hash" }, cp.log_head),
      h("dt", {}, "签名时间"), h("dd", {}, fmtTime(cp.signed_at)),
      h("dt", {}, "签名公钥"), h("dd", { class: "hash" }, cp.public_key),
      h("dt", {}, "签名"), h("dd", {}, cp.signature_valid ? "有效" : "无效（检查点被伪造或损坏）"));
  }

  function detail(body) {
    const parts = [];
    for (const [k, v] of Object.entries(body || {})) {
      if (["task", "unit", "number"].includes(k) || v === "" || v === null || v === false) continue;
      if (Array.isArray(v) && !v.length) continue;
      let text = typeof v === "object" ? JSON.stringify(v) : v;
      if (k === "evidence") text = Duban.evidenceNames(v);
      else if (k === "deadline" && v && typeof v === "object") text = `${v.text || ""}${v.due_on ? `（${v.due_on}）` : ""}${v.calendar_version ? `，日历 ${v.calendar_version}` : ""}`;
      else if (k === "section" && Array.isArray(v)) text = v.join(" / ");
      else if (k === "recurrence" || k === "old_recurrence") text = Duban.recurrenceText(v);
      parts.push(`${Duban.FIELD[k] || k}：${text}`);
    }
    return Duban.joinParts(parts);
  }
})();
