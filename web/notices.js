// 通知: the signed-in account's notifications from the reminders consumer
// (GET /api/v1/notifications), unread first in weight, each marked read by
// the reader; the navigation shows how many are unread.
"use strict";

(() => {
  const { h, msg, fmtTime, api, refusal, toast } = Duban;
  // The tag says what kind of notice it is; an urgent one says so first.
  const KIND = {
    reminder: "提醒", overdue: "逾期", escalation: "督办", report_request: "报送", report_overdue: "报送逾期",
    completion_rejected: "退回", completion_approved: "办结通过", extension_granted: "延期批准", extension_denied: "延期未批准",
    acceptance_overdue: "签收超时", review_overdue: "审核超时",
    deadline_changed: "时限调整", overdue_withdrawn: "逾期撤销", overdue_stands: "仍属逾期", instruction: "批示", comment: "意见", urge: "催办", schedule_set: "报送安排", digest: "汇总",
    cancelled: "撤销", escalation_cleared: "督办撤销", reassigned: "改派", assigned: "新交办", delegated: "下发",
  };
  const tagOf = (n) => (n.level === "urgent" ? "紧急" : KIND[n.kind] || "通知");

  // The unread count beside 通知 in the navigation (after each page's render).
  async function showUnread() {
    const link = document.querySelector('#nav a[href="#/notices"]');
    if (!link) return;
    try {
      const r = await api("GET", "/api/v1/notifications?limit=1&unread=1");
      const n = r.enabled ? r.unread : 0;
      link.textContent = n ? `通知（${n}）` : "通知";
      link.setAttribute("aria-label", n ? `通知，${n} 条未读` : "通知");
    } catch (e) { /* the page itself says what went wrong */ }
  }
  Duban.showUnread = showUnread;  // called by layout() on every page

  function item(n, onRead) {
    const li = h("li", { class: `notice ${n.read ? "read" : "unread"} ${n.level || ""}`, "data-id": n.id },
      h("div", { class: "notice-head" },
        h("span", { class: "tag" }, tagOf(n)),
        h("strong", {}, n.title),
        h("span", { class: "muted" }, fmtTime(n.at)),
        // A unit account also sees what went to its leaders (…主要负责同志): say to whom.
        Duban.state.account.role === "unit" && n.recipient !== Duban.state.account.unit
          ? h("span", { class: "muted" }, `致：${n.recipient}`) : ""),
      h("p", { class: "notice-text" }, n.text));
    if (n.plan && n.task) li.append(h("p", {}, h("a", { href: `#/task/${encodeURIComponent(n.plan)}/${n.task}` }, "查看任务")));
    if (!n.read) {
      li.append(h("button", { type: "button", class: "secondary mark-read", onclick: () => onRead([n.id]) }, "标为已读"));
    }
    return li;
  }

  Duban.pages["/notices"] = async (view, q) => {
    const unreadOnly = q && q.unread === "1";
    const r = await api("GET", `/api/v1/notifications?limit=200${unreadOnly ? "&unread=1" : ""}`);
    view.append(h("h1", {}, "通知"));
    if (!r.enabled) {
      view.append(msg("info", "本工作台未开启提醒通知：请管理员以 duban serve --reminders 配置文件 启动服务。"));
      return;
    }
    const status = h("div", { class: "outcome" });
    async function markRead(ids) {
      try {
        // 全部标为已读 marks what this page showed and older, not what came since.
        const body = ids ? { ids } : (r.notifications.length ? { all: true, through: r.notifications[0].id } : { all: true });
        const done = await api("POST", "/api/v1/notifications/read", body);
        toast(done.marked ? `已标为已读 ${done.marked} 条。` : "没有未读通知。");
        Duban.render();
      } catch (e) {
        status.replaceChildren(msg("err", refusal(e)));
      }
    }
    view.append(h("p", { id: "notice-summary" }, `共 ${r.total} 条，未读 ${r.unread} 条。`),
      h("p", {},
        h("a", { href: unreadOnly ? "#/notices" : "#/notices?unread=1" }, unreadOnly ? "显示全部" : "只看未读"), " ",
        r.unread ? h("button", { type: "button", id: "mark-all", onclick: () => markRead(null) }, "全部标为已读") : ""),
      status);
    if (!r.notifications.length) {
      view.append(h("p", { class: "muted", id: "notices-empty" }, unreadOnly ? "没有未读通知。" : "还没有通知。"));
      return;
    }
    view.append(h("ul", { class: "notices", id: "notices" }, ...r.notifications.map((n) => item(n, markRead))));
    if (r.notifications.length < (unreadOnly ? r.unread : r.total))
      view.append(h("p", { class: "muted" }, `只列出最近 ${r.notifications.length} 条。`));
  };
})();
