// Reads: plans, a task with its history, as-of, assignments, the office's
// queues, verify. A unit account sees its own assignments and those delegated
// down from them (core::FollowsAssignment), the task lists of plans it holds
// assignments in, and the queue of what waits for it on what it delegated;
// office and auditor see all.
#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <tuple>

#include "duban/accounts.h"
#include "duban/schemas/codec.h"
#include "duban/server/command_json.h"
#include "duban/server/row_json.h"
#include "server_impl.h"

namespace duban::server {

json EventJson(const schemas::Event& e) { return json::parse(schemas::EventToJson(e), nullptr, false); }

json RowJson(const AssignmentRow& r) { return AssignmentRowJson(r); }

namespace {

json TaskJson(const core::TaskState& t) {
  return {{"number", t.number},
          {"section", t.section},
          {"title", t.title},
          {"content", t.content},
          {"deadline", {{"text", t.deadline.text}, {"due_on", t.deadline.due_on}}},
          // The reporting schedule ("quarter:1", "" for none) and its year.
          {"schedule", {{"recurrence", t.deadline.recurrence}, {"year", t.schedule_year}}},
          {"cancelled", t.cancelled},
          {"completed", t.completed}};
}

bool HoldsIn(const core::PlanState& p, const std::string& unit, int32_t task = 0) {
  for (const auto& [k, a] : p.assignments)
    if (k.second == unit && (task == 0 || k.first == task)) return true;
  return false;
}

// The position at which each unit's current assignment on the task began:
// its last creation, reassignment to it, or delegation to it.
std::map<std::string, uint64_t> RecordStarts(const std::vector<HistoryEntry>& history) {
  std::map<std::string, uint64_t> since;
  for (const auto& h : history) {
    if (const auto* a = std::get_if<schemas::AssignmentCreated>(&h.event.body)) since[a->unit] = h.position;
    if (const auto* r = std::get_if<schemas::AssignmentReassigned>(&h.event.body)) since[r->to_unit] = h.position;
    if (const auto* d = std::get_if<schemas::AssignmentDelegated>(&h.event.body)) since[d->unit] = h.position;
  }
  return since;
}

// A unit account's rows matching `f`: its own, those delegated down from
// them, and the parts it consolidates as a task's lead, in the plans it holds
// assignments in (core::FollowsAssignment on each plan's state: a delegation
// chain runs through rows the filter leaves out, and the lead-unit mode is
// the plan's).
Result<std::vector<AssignmentRow>> FollowedRows(EngineHost& host, const std::string& viewer, const StatusFilter& f) {
  StatusFilter own;
  own.plan_id = f.plan_id;
  own.unit = viewer;
  auto mine = host.UseConcurrently([&](Engine& e) { return e.Assignments(own); });
  if (!mine.ok()) return mine.status();
  std::set<std::string> plans;
  for (const auto& r : *mine) plans.insert(r.plan_id);
  std::vector<AssignmentRow> out;
  for (const auto& plan : plans) {
    StatusFilter whole;
    whole.plan_id = plan;
    auto rows = host.UseConcurrently([&](Engine& e) { return e.Assignments(whole); });
    if (!rows.ok()) return rows.status();
    auto state = host.Use([&](Engine& e) { return e.Plan(plan); });
    if (!state.ok()) return state.status();
    for (auto& r : *rows)
      if ((f.unit.empty() || r.a.unit == f.unit) && f.Matches(r.a) &&
          core::FollowsAssignment(*state, r.task, r.a.unit, viewer))
        out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

// The plan for a reader, or the answer already given (404, or 403 for a unit
// holding nothing in it).
std::optional<core::PlanState> PlanFor(Ctx& c, EngineHost& host, const std::string& id, int32_t task) {
  auto p = host.Use([&](Engine& e) { return e.Plan(id); });
  if (!p.ok() || !p->exists) return c.Error(404, "plan_not_found", "no plan with id " + id), std::nullopt;
  if (c.IsUnit() && !HoldsIn(*p, c.account->unit, task))
    return c.Error(403, "not_assignee",
                   task ? "this unit holds no assignment on this task" : "this unit holds no assignment in this plan"),
           std::nullopt;
  return std::move(p).value();
}

void Answer(Ctx& c, const Status& st) {
  if (st.code() == Status::Code::kNotFound) return c.Error(404, "not_found", st.message());
  c.Error(500, "store_error", st.message());
}

void Server::Impl::ListPlans(Ctx& c) {
  std::set<std::string> mine;
  if (c.IsUnit()) {
    StatusFilter f;
    f.unit = c.account->unit;
    auto rows = host.UseConcurrently([&](Engine& e) { return e.Assignments(f); });
    if (!rows.ok()) return Answer(c, rows.status());
    for (const auto& r : *rows) mine.insert(r.plan_id);
  }
  json out = json::array();
  Status st = host.Use([&](Engine& e) {
    auto ids = e.PlanIds();
    if (!ids.ok()) return ids.status();
    for (const auto& id : *ids) {
      if (c.IsUnit() && !mine.count(id)) continue;
      auto p = e.Plan(id);
      if (!p.ok()) return p.status();
      out.push_back(PlanSummaryJson(id, *p));
    }
    return Status::Ok();
  });
  if (!st.ok()) return Answer(c, st);
  c.Json(200, out);
}

void Server::Impl::GetPlan(Ctx& c) {
  auto p = PlanFor(c, host, c.req.matches[1]);
  if (!p) return;
  json tasks = json::array();
  for (const auto& [n, t] : p->tasks) tasks.push_back(TaskJson(t));
  // Its units: imported with it, then added by the office (PlanUnitAdded), and
  // the sub-units each may delegate to.
  json sub_units = json::array();
  for (const auto& s : p->meta.sub_units) sub_units.push_back({{"name", s.name}, {"parent", s.parent}});
  c.Json(200, {{"id", p->id},
               {"title", p->meta.title},
               {"issuer", p->meta.issuer},
               {"doc_number", p->meta.doc_number},
               {"issued_on", p->meta.issued_on},
               {"year", p->meta.year},
               {"version", p->version},
               {"withdrawn", p->withdrawn},
               {"units", p->meta.units},
               {"sub_units", sub_units},
               {"tasks", tasks}});
}

void Server::Impl::GetTask(Ctx& c) {
  const std::string plan = c.req.matches[1], text = c.req.matches[2];
  int32_t task = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), task);
  if (ec != std::errc() || end != text.data() + text.size() || task < 1 || task > kMaxTaskNumber)
    return c.Error(400, "bad_request",
                   "path parameter 'task': must be a task number 1.." + std::to_string(kMaxTaskNumber));
  auto p = PlanFor(c, host, plan, task);
  if (!p) return;
  auto t = p->tasks.find(task);
  if (t == p->tasks.end()) return c.Error(404, "task_not_found", "plan " + plan + " has no task " + text);
  StatusFilter f;
  f.plan_id = plan;
  auto rows = c.IsUnit() ? FollowedRows(host, c.account->unit, f)
                         : host.UseConcurrently([&](Engine& e) { return e.Assignments(f); });
  auto history = host.Use([&](Engine& e) { return e.History(plan, task); });
  if (!rows.ok()) return Answer(c, rows.status());
  if (!history.ok()) return Answer(c, history.status());
  json assignments = json::array(), events = json::array();
  LightCalc lights = host.UseConcurrently([&](Engine& e) { return LightCalc(e, Now()); });
  for (const auto& r : *rows)
    if (r.task == task) assignments.push_back(lights.Row(r));
  const auto since = RecordStarts(*history);
  for (const auto& h : *history) {
    const std::string unit = schemas::UnitOf(h.event.body);
    // Another unit's part, unless it was delegated down from this unit's:
    // then only since its current record began (what the sub-unit did on
    // the task before, as the office's own assignee, is not the delegator's).
    if (c.IsUnit() && !unit.empty() && unit != c.account->unit) {
      if (!core::FollowsAssignment(*p, task, unit, c.account->unit)) continue;
      if (auto it = since.find(unit); it != since.end() && h.position < it->second) continue;
    }
    json e = EventJson(h.event);
    e["position"] = h.position;
    events.push_back(std::move(e));
  }
  c.Json(200, {{"plan", plan}, {"task", TaskJson(t->second)}, {"assignments", assignments}, {"history", events}});
}

void Server::Impl::PlanAsOf(Ctx& c) {
  const std::string plan = c.req.matches[1], date = c.req.get_param_value("date"),
                    basis = c.req.get_param_value("basis");
  auto t = ParseInstant(date);
  if (!t) return c.Error(400, "bad_request", "query parameter 'date': must be YYYY-MM-DD or YYYY-MM-DDTHH:MM");
  if (!basis.empty() && basis != "recorded" && basis != "effective")
    return c.Error(400, "bad_request", "query parameter 'basis': effective or recorded");
  Instant at = *t + (date.size() == 10 ? 86'400'000 - 1 : 0);  // a bare date: the end of that day
  if (!PlanFor(c, host, plan)) return;
  auto s = host.Use([&](Engine& e) {
    return e.PlanAsOf(plan, at, basis == "recorded" ? Engine::AsOf::kRecorded : Engine::AsOf::kEffective);
  });
  if (!s.ok()) return Answer(c, s.status());
  json rows = json::array();
  for (const auto& [k, a] : s->assignments) {
    if (c.IsUnit() && !core::FollowsAssignment(*s, k.first, k.second, c.account->unit)) continue;
    AssignmentRow r;
    r.plan_id = plan;
    r.task = k.first;
    r.a = a;
    if (auto ti = s->tasks.find(k.first); ti != s->tasks.end()) {
      r.task_title = ti->second.title;
      r.deadline_text = ti->second.deadline.text;
    }
    rows.push_back(RowJson(r));
  }
  c.Json(200, {{"plan", plan},
               {"as_of", FormatInstant(at)},
               {"basis", basis.empty() ? "effective" : basis},
               {"version", s->version},
               {"assignments", rows}});
}

void Server::Impl::ListAssignments(Ctx& c) {
  StatusFilter f;
  f.plan_id = c.req.get_param_value("plan");
  f.unit = c.req.get_param_value("unit");
  const std::string status = c.req.get_param_value("status");
  if (!status.empty()) {
    f.status = core::ParseStatus(status);
    if (!f.status) return c.Error(400, "bad_request", "query parameter 'status': not a status");
  }
  if (!c.Flag("overdue", &f.overdue_only)) return;
  auto rows = c.IsUnit() ? FollowedRows(host, c.account->unit, f)
                         : host.UseConcurrently([&](Engine& e) { return e.Assignments(f); });
  if (!rows.ok()) return Answer(c, rows.status());
  if (c.IsUnit() && !f.unit.empty() && f.unit != c.account->unit && rows->empty()) {
    StatusFilter any;  // followed at all, whatever its status now?
    any.plan_id = f.plan_id;
    any.unit = f.unit;
    auto followed = FollowedRows(host, c.account->unit, any);
    if (!followed.ok()) return Answer(c, followed.status());
    if (followed->empty())
      return c.Error(403, "not_assignee", "a unit reads its own assignments and those it delegated only");
  }
  LightCalc lights = host.UseConcurrently([&](Engine& e) { return LightCalc(e, Now()); });
  json out = json::array();
  for (const auto& r : *rows) out.push_back(lights.Row(r));
  c.Json(200, out);
}

namespace {

// Open assignments with an extension request pending, in the order of the
// rows (plan, task, unit). A pending request is part of an assignment's
// group in the counts, so they name the (plan, unit) pairs to read: the
// queue page reads those pairs' rows, not every row of the store. A store
// without counts yet (made before them) reads every row.
Result<std::vector<AssignmentRow>> PendingExtensions(Engine& e) {
  std::vector<AssignmentRow> out;
  auto keep = [&out](std::vector<AssignmentRow>& rows) {
    for (auto& r : rows)
      if (!r.a.pending_extension.empty() && core::IsOpen(r.a.status)) out.push_back(std::move(r));
  };
  auto counts = e.CountAssignments("");
  if (!counts.ok()) {
    if (counts.status().code() != Status::Code::kUnavailable) return counts.status();
    auto all = e.Assignments(StatusFilter{});
    if (!all.ok()) return all.status();
    keep(*all);
    return out;
  }
  std::set<std::pair<std::string, std::string>> pairs;
  for (const auto& gc : counts->groups)
    if (gc.group.extension_pending && core::IsOpen(gc.group.status)) pairs.emplace(gc.plan_id, gc.group.unit);
  for (const auto& [plan, unit] : pairs) {
    auto rows = e.Assignments({plan, unit, std::nullopt, false});
    if (!rows.ok()) return rows.status();
    keep(*rows);
  }
  std::sort(out.begin(), out.end(), [](const AssignmentRow& a, const AssignmentRow& b) {
    return std::tie(a.plan_id, a.task, a.a.unit) < std::tie(b.plan_id, b.task, b.a.unit);
  });
  return out;
}

}  // namespace

void Server::Impl::Queues(Ctx& c) {
  auto by = [&](core::AssignmentStatus s) {
    StatusFilter f;
    f.status = s;
    return host.UseConcurrently([&](Engine& e) { return e.Assignments(f); });
  };
  auto returned = by(core::AssignmentStatus::kReturned);
  auto submitted = by(core::AssignmentStatus::kSubmitted);
  if (!returned.ok()) return Answer(c, returned.status());
  if (!submitted.ok()) return Answer(c, submitted.status());
  auto pending = host.UseConcurrently([&](Engine& e) { return PendingExtensions(e); });
  if (!pending.ok()) return Answer(c, pending.status());
  const std::vector<AssignmentRow>& extensions = *pending;
  LightCalc lights = host.UseConcurrently([&](Engine& e) { return LightCalc(e, Now()); });
  auto with_lights = [&](const std::vector<AssignmentRow>& rows) {
    json a = json::array();
    for (const auto& r : rows) a.push_back(lights.Row(r));
    return a;
  };
  c.Json(200, {{"returns", with_lights(*returned)},
               {"extension_requests", with_lights(extensions)},
               {"submissions", with_lights(*submitted)}});
}

// GET /api/v1/queue/{kind}: core::Queue over one plan or all, the rows of
// `duban queue --json`: the office's, or (a unit account, or `for`) what
// waits for a unit on the assignments it delegated.
void Server::Impl::Queue(Ctx& c) {
  const std::string kind = c.req.matches[1];
  const auto k = core::ParseQueueKind(kind);
  if (!k) return c.Error(404, "not_found", "no queue '" + kind + "' (" + core::QueueKindNames() + ")");
  core::QueueOptions o;
  o.today = DayOf(Now());
  if (const std::string on = c.req.get_param_value("on"); !on.empty()) {
    auto d = Date::Parse(on);
    if (!d) return c.Error(400, "bad_request", "query parameter 'on': not a date (YYYY-MM-DD)");
    o.today = *d;
  }
  if (const std::string days = c.req.get_param_value("days"); !days.empty()) {
    int n = 0;
    auto [end, ec] = std::from_chars(days.data(), days.data() + days.size(), n);
    if (ec != std::errc() || end != days.data() + days.size() || n < 1 || n > 250)
      return c.Error(400, "bad_request", "query parameter 'days': a number of working days 1..250");
    o.silent_working_days = n;
  }
  o.delegator = c.IsUnit() ? c.account->unit : c.req.get_param_value("for");
  const std::string plan = c.req.get_param_value("plan");
  // A delegator's queue lives on the plans where it holds an assignment:
  // read only those (a unit account must not make the server load every plan).
  std::optional<std::set<std::string>> held;
  if (!o.delegator.empty()) {
    StatusFilter mine;
    mine.plan_id = plan;
    mine.unit = o.delegator;
    auto rows = host.UseConcurrently([&](Engine& e) { return e.Assignments(mine); });
    if (!rows.ok()) return Answer(c, rows.status());
    held.emplace();
    for (const auto& r : *rows) held->insert(r.plan_id);
  }
  // Plan() and CalendarNotices() fill and read the engine's caches: under
  // the engine's lock, never beside the committer.
  auto items = host.Use([&](Engine& e) -> Result<std::vector<core::QueueItem>> {
    auto cal = core::QueueCalendar(e.CalendarNotices());
    if (!cal.ok()) return cal.status();
    o.calendar = &*cal;
    std::vector<std::string> ids{plan};
    if (held) {
      ids.clear();
      for (const auto& id : *held) ids.push_back(id);
    } else if (plan.empty()) {
      auto all = e.PlanIds();
      if (!all.ok()) return all.status();
      ids = *all;
    }
    std::vector<core::QueueItem> out;
    for (const auto& id : ids) {
      auto p = e.Plan(id);
      if (!p.ok()) return p.status();
      auto some = core::Queue(*p, *k, o);
      out.insert(out.end(), some.begin(), some.end());
    }
    return out;
  });
  if (!items.ok()) return Answer(c, items.status());
  json out = json::array();
  for (const auto& i : *items) out.push_back(QueueItemJson(i));
  c.Json(200, out);
}

// The checks and, from the same hold of the engine (no commit between them),
// the heads an auditor compares with what they noted before: the log head at
// the log's end, each plan stream's last hash, and the newest signed
// checkpoint (null when the store is not anchored).
void Server::Impl::VerifyStore(Ctx& c) {
  struct Checked {
    VerifyReport report;
    json plans = json::array();
    json checkpoint;  // null
  };
  auto r = host.Use([](Engine& e) -> Result<Checked> {
    Checked out;
    auto v = e.Verify();
    if (!v.ok()) return v.status();
    out.report = std::move(v).value();
    auto ids = e.PlanIds();
    if (!ids.ok()) return ids.status();
    for (const auto& id : *ids) {
      auto p = e.Plan(id);
      if (!p.ok()) return p.status();
      out.plans.push_back(
          {{"id", id}, {"version", p->version}, {"last_hash", p->last_hash}, {"withdrawn", p->withdrawn}});
    }
    auto cp = e.LatestCheckpoint();
    if (!cp.ok()) return cp.status();
    if (cp->has_value()) {
      const anchor::Checkpoint& k = **cp;
      out.checkpoint = {{"log_end", k.log_end},
                        {"log_head", k.log_head},
                        {"signed_at", FormatInstant(k.signed_at)},
                        {"public_key", k.public_key},
                        {"signature_valid", k.SignatureValid()}};
    }
    return out;
  });
  if (!r.ok()) return Answer(c, r.status());
  auto ev = host.Use([&](Engine& e) { return evidence::CheckReferences(e, files_dir()); });
  if (!ev.ok()) return Answer(c, ev.status());
  auto rows = host.Use([](Engine& e) { return accounts::Accounts(e, nullptr).CompareRowsWithLog(); });
  if (!rows.ok()) return Answer(c, rows.status());
  const VerifyReport& v = r->report;
  std::vector<std::string> problems = v.problems;
  problems.insert(problems.end(), ev->problems.begin(), ev->problems.end());
  problems.insert(problems.end(), rows->begin(), rows->end());
  c.Json(200, {{"ok", problems.empty()},
               {"events", v.events},
               {"streams", v.streams},
               {"projection_keys", v.projection_keys},
               {"evidence_references", ev->references},
               {"log", {{"end", v.log_end}, {"head", v.log_head}}},
               {"plans", r->plans},
               {"checkpoint", r->checkpoint},
               {"problems", problems},
               {"notes", v.notes}});
}

}  // namespace duban::server
