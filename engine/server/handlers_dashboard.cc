// The office's dashboard (GET /api/v1/dashboard) and the traffic light (亮灯)
// every assignment row of the API carries: what the workbench's pages show.
//
// The light of an assignment, on today's date in China (CST) and the
// working-day calendar of the timer policy: the rule is shared with the
// reports (engine/reports/include/duban/reports/light.h says what each colour
// means). working_days_left counts the working days after today up to the
// deadline (negative: working days past it), capped at +-400.
#include <algorithm>
#include <cstring>
#include <map>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "duban/date.h"
#include "duban/reports/cycle_reports.h"
#include "duban/reports/light.h"
#include "duban/workflows/calendar.h"
#include "server_impl.h"

namespace duban::server {

LightCalc::LightCalc(const Engine& engine, Instant now)
    : today_(DayOf(now)), policy_(engine.timer_policy()), calendar_(reports::PolicyCalendar(policy_.get())) {}

std::optional<int> LightCalc::WorkingDaysLeft(const std::string& due_on) {
  auto due = Date::Parse(due_on);
  if (!due) return std::nullopt;
  const int64_t key = due->ToDays();
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  const int n = reports::WorkingDaysBetween(calendar_, today_, *due);
  cache_[key] = n;
  return n;
}

bool LightCalc::Past(const std::string& due_on) const {
  auto due = Date::Parse(due_on);
  return due && due->ToDays() < today_.ToDays();
}

bool LightCalc::Provisional(const std::string& due_on) const {
  auto due = Date::Parse(due_on);
  return due && calendar_ && calendar_->SpanIsProvisional(today_, *due);
}

const char* LightCalc::Light(const AssignmentRow& r, std::optional<int> left, bool past) {
  return reports::TrafficLight(r.a, left, past);
}

json LightCalc::Row(const AssignmentRow& r) {
  json j = RowJson(r);
  const bool open = core::IsOpen(r.a.status);
  const std::optional<int> left = r.a.due_on.empty() || !open ? std::nullopt : WorkingDaysLeft(r.a.due_on);
  j["light"] = Light(r, left, !r.a.due_on.empty() && Past(r.a.due_on));
  j["working_days_left"] = left ? json(*left) : json(nullptr);
  // Counted on the provisional rule (a year the calendar does not cover yet).
  j["working_days_provisional"] = left.has_value() && Provisional(r.a.due_on);
  return j;
}

namespace {

// One unit's line on the dashboard.
struct UnitLine {
  int64_t assignments = 0, done = 0, open = 0, overdue = 0, submitted = 0, returned = 0, extension_requests = 0;
  int64_t red = 0, yellow = 0, green = 0;
  int32_t max_escalation = 0;
  int64_t reminders = 0;
  bool reminders_unknown = false;  // a row projected before they were counted (format 4)
  Instant last_update = 0;
};

const char* const kLights[] = {"green", "yellow", "red", "done", "none"};

// The dashboard's sums over the projection's assignment groups.
struct DashboardTotals {
  std::map<std::string, UnitLine> units;
  int64_t by_light[5] = {};
  int64_t assignments = 0, returns = 0, extensions = 0, submissions = 0;
};

// Progress reports the office asked for in review cycles, per unit, over one
// plan (or all when `plan_id` is empty).
Status SumCycleReports(EngineHost& host, const std::string& plan_id, Date today,
                       std::map<std::string, reports::CycleReports>* reports) {
  std::vector<std::string> ids;
  if (!plan_id.empty()) {
    ids.push_back(plan_id);
  } else {
    auto all = host.Use([](Engine& e) { return e.PlanIds(); });
    if (!all.ok()) return all.status();
    ids = std::move(all).value();
  }
  for (const auto& id : ids) {
    auto p = host.Use([&](Engine& e) { return e.Plan(id); });
    if (!p.ok()) return p.status();
    for (const auto& [unit, n] : reports::CycleReportsByUnit(*p, today)) {
      reports::CycleReports& u = (*reports)[unit];
      u.on_time += n.on_time, u.late += n.late, u.missing += n.missing;
    }
  }
  return Status::Ok();
}

void AddGroup(const GroupCount& gc, LightCalc& lights, DashboardTotals& t) {
  const core::AssignmentGroup& g = gc.group;
  const int64_t n = gc.count;
  t.assignments += n;
  const bool open = core::IsOpen(g.status);
  // The light takes the fields a group shares (TrafficLight reads no other).
  core::AssignmentState a;
  a.status = g.status;
  a.overdue = g.overdue, a.acceptance_overdue = g.acceptance_overdue, a.review_overdue = g.review_overdue;
  std::optional<int> left;
  if (!g.due_on.empty() && open) left = lights.WorkingDaysLeft(g.due_on);
  const char* light = reports::TrafficLight(a, left, !g.due_on.empty() && lights.Past(g.due_on));
  for (int i = 0; i < 5; ++i)
    if (std::strcmp(light, kLights[i]) == 0) t.by_light[i] += n;
  UnitLine& u = t.units[g.unit];
  u.assignments += n;
  using S = core::AssignmentStatus;
  if (g.status == S::kCompleted) u.done += n;
  if (open) u.open += n;
  if (open && g.overdue) u.overdue += n;
  if (g.status == S::kSubmitted) u.submitted += n, t.submissions += n;
  if (g.status == S::kReturned) u.returned += n, t.returns += n;
  if (open && g.extension_pending) u.extension_requests += n, t.extensions += n;
  if (std::strcmp(light, "red") == 0) u.red += n;
  if (std::strcmp(light, "yellow") == 0) u.yellow += n;
  if (std::strcmp(light, "green") == 0) u.green += n;
  if (open) u.max_escalation = std::max(u.max_escalation, g.escalation_level);
  if (gc.reminders_unknown > 0) u.reminders_unknown = true;
  u.reminders += gc.reminders;
}

DashboardTotals SumCounts(const AssignmentCounts& counts, LightCalc& lights) {
  DashboardTotals t;
  for (const GroupCount& gc : counts.groups) AddGroup(gc, lights, t);
  for (const auto& [key, when] : counts.last_update) {
    UnitLine& u = t.units[key.second];
    u.last_update = std::max(u.last_update, when);
  }
  return t;
}

json UnitLineJson(const std::string& name, const UnitLine& u, const reports::CycleReports& r) {
  return {{"unit", name},
          {"assignments", u.assignments},
          {"done", u.done},
          {"open", u.open},
          {"overdue", u.overdue},
          {"red", u.red},
          {"yellow", u.yellow},
          {"green", u.green},
          {"max_escalation", u.max_escalation},
          {"submitted", u.submitted},
          {"returned", u.returned},
          {"extension_requests", u.extension_requests},
          {"reminders", u.reminders_unknown ? json(nullptr) : json(u.reminders)},
          {"last_update", u.last_update ? json(FormatInstant(u.last_update)) : json(nullptr)},
          {"reports_on_time", r.on_time},
          {"reports_late", r.late},
          {"reports_missing", r.missing}};
}

// The units that need the office first: most red, then most overdue.
json UnitLinesByUrgency(const DashboardTotals& t, std::map<std::string, reports::CycleReports>& reports) {
  json list = json::array();
  for (const auto& [name, u] : t.units) list.push_back(UnitLineJson(name, u, reports[name]));
  std::stable_sort(list.begin(), list.end(), [](const json& a, const json& b) {
    return std::make_pair(a["red"].get<int64_t>(), a["overdue"].get<int64_t>()) >
           std::make_pair(b["red"].get<int64_t>(), b["overdue"].get<int64_t>());
  });
  return list;
}

}  // namespace

void Server::Impl::Dashboard(Ctx& c) {
  StatusFilter f;
  f.plan_id = c.req.get_param_value("plan");
  if (!f.plan_id.empty() && !PlanFor(c, host, f.plan_id)) return;
  // The projection's counts, not the rows: a few keys per unit and deadline.
  auto counts = host.UseConcurrently([&](Engine& e) { return e.CountAssignments(f.plan_id); });
  if (!counts.ok()) return Answer(c, counts.status());
  LightCalc lights = host.UseConcurrently([&](Engine& e) { return LightCalc(e, Now()); });
  std::map<std::string, reports::CycleReports> reports;
  if (Status st = SumCycleReports(host, f.plan_id, DayOf(Now()), &reports); !st.ok()) return Answer(c, st);
  const DashboardTotals t = SumCounts(*counts, lights);
  json list = UnitLinesByUrgency(t, reports);
  c.Json(200,
         {{"today", DayOf(Now()).ToString()},
          {"plan", f.plan_id.empty() ? json(nullptr) : json(f.plan_id)},
          {"assignments", t.assignments},
          {"lights",
           {{kLights[0], t.by_light[0]},
            {kLights[1], t.by_light[1]},
            {kLights[2], t.by_light[2]},
            {kLights[3], t.by_light[3]},
            {kLights[4], t.by_light[4]}}},
          {"queues", {{"returns", t.returns}, {"extension_requests", t.extensions}, {"submissions", t.submissions}}},
          {"units", list}});
}

// GET /api/v1/plans/{plan}/cycles: each review cycle and, per unit, who
// answered (on time or late), who is silent and how far silence escalated.
void Server::Impl::PlanCycles(Ctx& c) {
  auto p = PlanFor(c, host, c.req.matches[1]);
  if (!p) return;
  json cycles = json::array();
  for (const auto& [id, cycle] : p->cycles) {
    std::map<std::string, json> units;
    auto line = [&](const std::string& unit) -> json& {
      json& u = units[unit];
      if (u.is_null())
        u = {{"unit", unit}, {"requested", 0}, {"answered", 0},         {"late", 0},
             {"silent", 0},  {"overdue", 0},   {"escalation_level", 0}, {"silent_tasks", json::array()}};
      return u;
    };
    for (const auto& k : cycle.requested) {
      json& u = line(k.second);
      u["requested"] = u["requested"].get<int64_t>() + 1;
      if (!cycle.answered.count(k)) {
        u["silent"] = u["silent"].get<int64_t>() + 1;
        u["silent_tasks"].push_back(k.first);
      }
    }
    for (const auto& k : cycle.answered) {
      json& u = line(k.second);
      u["answered"] = u["answered"].get<int64_t>() + 1;
      if (cycle.late.count(k)) u["late"] = u["late"].get<int64_t>() + 1;
    }
    for (const auto& [k, level] : cycle.overdue) {
      json& u = line(k.second);
      if (!cycle.answered.count(k)) u["overdue"] = u["overdue"].get<int64_t>() + 1;
      u["escalation_level"] = std::max(u["escalation_level"].get<int32_t>(), level);
    }
    json list = json::array();
    for (auto& [_, u] : units) list.push_back(std::move(u));
    cycles.push_back({{"cycle_id", id},
                      {"kind", cycle.kind},
                      {"scope", cycle.scope},
                      {"due_on", cycle.due_on},
                      {"closed", cycle.closed},
                      {"units", list}});
  }
  c.Json(200, {{"plan", p->id}, {"cycles", cycles}});
}

}  // namespace duban::server
