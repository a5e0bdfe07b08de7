#include "duban/server/calendar_json.h"

#include <limits>
#include <set>
#include <vector>

#include "duban/core/workflow_timer_policy.h"
#include "duban/schemas/codec.h"

namespace duban::server {

using nlohmann::json;

Result<std::map<AssignmentKey, ProvisionalTimer>> ProvisionalDeadlines(const Engine& engine) {
  std::map<AssignmentKey, ProvisionalTimer> out;
  auto timers = engine.PendingTimers(std::numeric_limits<Instant>::max() - 1, std::numeric_limits<size_t>::max());
  if (!timers.ok()) return timers.status();
  for (const auto& t : *timers) {
    if (!t.timer.provisional) continue;
    // Timers come in due order: the first one seen is the earliest.
    out.try_emplace(AssignmentKey{t.plan_id, t.timer.task, t.timer.unit},
                    ProvisionalTimer{std::string(schemas::TimerKindName(t.timer.kind)), DayOf(t.due).ToString(),
                                     t.timer.calendar_version, t.timer.due_on});
  }
  return out;
}

Result<json> CalendarStatusJson(const Engine& engine) {
  const auto policy = engine.timer_policy();
  const auto* wp = dynamic_cast<const WorkflowTimerPolicy*>(policy.get());
  if (!wp) return Status::InvalidArgument("this engine counts no working-day calendar");
  const workflows::WorkCalendar& cal = wp->latest_calendar();
  auto prov = ProvisionalDeadlines(engine);
  if (!prov.ok()) return prov.status();
  json open = json::array();
  for (const auto& [k, p] : *prov)
    open.push_back({{"plan", std::get<0>(k)},
                    {"task", std::get<1>(k)},
                    {"unit", std::get<2>(k)},
                    {"due_on", p.due_on},
                    {"next_provisional_timer", p.kind},
                    {"fires_on", p.fire_on},
                    {"calendar_version", p.calendar_version}});
  json rec = json::array();
  for (const auto& n : engine.CalendarNotices())
    rec.push_back(
        {{"version", n.calendar + "/" + n.version}, {n.amends ? "amends" : "covers", n.year}, {"source", n.source}});
  const std::set<int>& years = cal.covered_years();
  return json{{"version", cal.version()},
              {"recorded_notices", std::move(rec)},
              {"covered_years", json(std::vector<int>(years.begin(), years.end()))},
              {"notices", cal.all_versions()},
              {"provisional_rule", kProvisionalRule},
              {"provisional_deadlines", std::move(open)}};
}

NoticeRecount CountRecount(const Outcome& outcome) {
  NoticeRecount n;
  for (const auto& e : outcome.events)
    if (const auto* rc = std::get_if<schemas::DeadlineRecounted>(&e.body)) {
      if (rc->unit.empty()) {
        ++n.tasks;
        n.redated += !rc->changes.empty();  // a task's only change is its date counted again
        continue;
      }
      ++n.assignments;
      n.moved += !rc->changes.empty();
    }
  return n;
}

json RecountChangesJson(const Outcome& outcome) {
  json out = json::array();
  for (const auto& e : outcome.events)
    if (const auto* rc = std::get_if<schemas::DeadlineRecounted>(&e.body); rc && !rc->changes.empty()) {
      json row = {{"plan", e.stream}, {"task", rc->task}, {"due_on", rc->due_on}, {"changes", rc->changes}};
      if (!rc->unit.empty()) row["unit"] = rc->unit;
      out.push_back(std::move(row));
    }
  return out;
}

std::string NoticeCommandId(const schemas::Actor& actor, std::string_view text) {
  std::string keyed = actor.id + '\0' + std::string(schemas::RoleName(actor.role)) + '\0';
  keyed.append(text);
  return "calendar:" + schemas::Sha256Hex(keyed).substr(0, 32);
}

}  // namespace duban::server
