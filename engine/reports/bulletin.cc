#include "duban/reports/bulletin.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "duban/core/workflow_timer_policy.h"
#include "duban/engine.h"
#include "duban/reports/cycle_reports.h"
#include "duban/reports/light.h"

namespace duban::reports {

std::string Bulletin::Title() const { return "关于" + PlanNameOf(plan_title) + "落实情况的通报"; }

namespace {

using Key = std::pair<int32_t, std::string>;

struct Ladder {
  const std::vector<workflows::EscalationStep>& steps;
  std::map<int32_t, std::string> recorded;  // level -> the step the records gave it

  std::string Name(int32_t level) const {
    if (level <= 0) return "";
    for (const auto& s : steps)
      if (s.level == level) return s.name;
    if (auto it = recorded.find(level); it != recorded.end() && !it->second.empty()) return it->second;
    return "第" + std::to_string(level) + "级";
  }
};

bool ByWeight(const BulletinUnit& a, const BulletinUnit& b) {
  if (a.tasks.size() != b.tasks.size()) return a.tasks.size() > b.tasks.size();
  return a.unit < b.unit;
}

// The units of `tasks_by_unit`, each in the group of its highest level.
std::vector<BulletinGroup> Group(std::map<std::string, BulletinUnit> units, const Ladder& ladder) {
  std::map<int32_t, BulletinGroup> by_level;
  for (auto& entry : units) {
    BulletinUnit& u = entry.second;
    std::sort(u.tasks.begin(), u.tasks.end(), [](const BulletinTask& a, const BulletinTask& b) {
      return std::tie(a.task, a.cycle) < std::tie(b.task, b.cycle);
    });
    u.level = 0;
    for (const auto& t : u.tasks) u.level = std::max(u.level, t.level);
    by_level[u.level].units.push_back(std::move(u));
  }
  std::vector<BulletinGroup> out;
  auto take = [&](int32_t level) {
    BulletinGroup g;
    g.level = level;
    g.name = level == 0 ? kNotEscalatedName : ladder.Name(level);
    if (auto it = by_level.find(level); it != by_level.end()) {
      g.units = std::move(it->second.units);
      by_level.erase(it);
    }
    std::sort(g.units.begin(), g.units.end(), ByWeight);
    out.push_back(std::move(g));
  };
  if (by_level.count(0)) take(0);
  for (const auto& s : ladder.steps) take(s.level);
  while (!by_level.empty()) take(by_level.begin()->first);
  return out;
}

}  // namespace

namespace {

// Per unit: its totals, and whether everything it holds was completed on time.
struct Tally {
  int32_t assignments = 0, completed = 0, on_time = 0;
};

// The ledger's totals into `b` and `tally`; the open, unsubmitted, overdue
// assignments into `late`, by unit.
void TallyLedger(const Ledger& ledger, const Ladder& ladder, Bulletin& b, std::map<std::string, Tally>& tally,
                 std::map<std::string, BulletinUnit>& late) {
  using S = core::AssignmentStatus;
  std::set<int32_t> tasks;
  for (const auto& r : ledger.rows) {
    if (r.status == S::kCancelled) continue;
    tasks.insert(r.task);
    Tally& t = tally[r.unit];
    ++t.assignments;
    ++b.assignments;
    if (r.status == S::kCompleted) {
      ++t.completed;
      ++b.completed;
      // As the scorecard counts it: submitted by its effective due date (or it has none).
      if (SubmittedOnTime(r)) {
        ++t.on_time;
        ++b.completed_on_time;
      }
    }
    if (core::IsOpen(r.status) && r.status != S::kSubmitted && r.overdue_working_days > 0) {
      BulletinUnit& u = late[r.unit];
      u.unit = r.unit;
      u.tasks.push_back(BulletinTask{r.task, r.title, r.due_on, r.overdue_working_days, r.escalation_level,
                                     ladder.Name(r.escalation_level), "", ""});
      ++b.late_assignments;
    }
  }
  b.tasks = static_cast<int32_t>(tasks.size());
  b.units = static_cast<int32_t>(tally.size());
  for (const auto& [name, t] : tally) {
    if (t.assignments > 0 && t.on_time == t.assignments)
      b.on_time.push_back(BulletinUnit{name, t.assignments, t.completed, 0, {}});
  }
}

// Silence in review cycles, from the plan as of the date: the requests not
// answered, by unit, into `silent`; how often each unit answered late.
void FindSilence(const Ledger& ledger, const core::PlanState& plan, const Ladder& ladder,
                 const workflows::WorkCalendar* calendar, Bulletin& b, std::map<std::string, BulletinUnit>& silent,
                 std::map<std::string, int32_t>& answered_late) {
  auto title = [&](int32_t task) {
    auto t = plan.tasks.find(task);
    return t == plan.tasks.end() ? std::string() : t->second.title;
  };
  for (const auto& [id, c] : plan.cycles) {
    for (const Key& k : c.late) ++answered_late[k.second];
    const std::optional<Date> due = Date::Parse(c.due_on);
    if (!due) continue;
    for (const Key& k : c.requested) {
      if (!ReportMissing(plan, c, k, ledger.as_of)) continue;
      auto ov = c.overdue.find(k);
      const int32_t level = ov == c.overdue.end() ? 0 : ov->second;
      BulletinUnit& u = silent[k.second];
      u.unit = k.second;
      u.tasks.push_back(BulletinTask{k.first, title(k.first), c.due_on,
                                     -WorkingDaysBetween(calendar, ledger.as_of, *due, kUncapped), level,
                                     ladder.Name(level), id, c.kind});
      ++b.silent_requests;
    }
  }
}

}  // namespace

Bulletin ComputeBulletin(const Ledger& ledger, const core::PlanState& plan,
                         const std::vector<workflows::EscalationStep>& ladder_steps,
                         const workflows::WorkCalendar* calendar) {
  Bulletin b;
  b.plan_id = ledger.plan_id;
  b.plan_title = ledger.plan_title;
  b.issuer = ledger.issuer;
  b.as_of = ledger.as_of;
  Ladder ladder{ladder_steps, {}};
  for (const auto& r : ledger.rows)
    if (r.escalation_level > 0 && !r.escalation_step.empty()) ladder.recorded[r.escalation_level] = r.escalation_step;

  std::map<std::string, Tally> tally;
  std::map<std::string, BulletinUnit> late;
  TallyLedger(ledger, ladder, b, tally, late);
  std::map<std::string, BulletinUnit> silent;
  std::map<std::string, int32_t> answered_late;
  FindSilence(ledger, plan, ladder, calendar, b, silent, answered_late);
  for (auto* units : {&late, &silent}) {
    for (auto& [name, u] : *units) {
      if (auto t = tally.find(name); t != tally.end()) {
        u.assignments = t->second.assignments;
        u.completed = t->second.completed;
      }
    }
  }
  b.late_units = static_cast<int32_t>(late.size());
  b.silent_units = static_cast<int32_t>(silent.size());
  b.late = Group(std::move(late), ladder);
  b.silent = Group(std::move(silent), ladder);
  for (const auto& [name, n] : answered_late) b.answered_late.push_back(LateReporter{name, n});
  std::stable_sort(b.answered_late.begin(), b.answered_late.end(),
                   [](const LateReporter& x, const LateReporter& y) { return x.times > y.times; });
  return b;
}

Result<Bulletin> BulletinAsOf(const Engine& engine, const std::string& plan_id, Date as_of,
                              const workflows::WorkflowDefinition* definition) {
  auto rec = ReadPlanAsOf(engine, plan_id, as_of);
  if (!rec.ok()) return rec.status();
  if (!definition) {
    if (auto* p = dynamic_cast<const WorkflowTimerPolicy*>(engine.timer_policy().get())) definition = &p->definition();
  }
  std::optional<workflows::WorkflowDefinition> fallback;
  if (!definition) {
    auto d = workflows::WorkflowDefinition::Default();
    if (!d.ok()) return d.status();
    fallback = std::move(d).value();
    definition = &*fallback;
  }
  const auto policy = engine.timer_policy();
  const Ledger ledger = ComputeLedger(rec->plan, rec->events, as_of, policy.get());
  return ComputeBulletin(ledger, rec->plan, definition->escalation, PolicyCalendar(policy.get()));
}

}  // namespace duban::reports
