#include "duban/engine.h"
#include "duban/reports/scorecard.h"

#include <algorithm>
#include <map>
#include <variant>

#include "duban/reports/cycle_reports.h"
#include "duban/reports/light.h"
#include "duban/schemas/deadline_recount.h"

namespace duban::reports {

const std::vector<UnitMeasure>& UnitMeasures() {
  static const std::vector<UnitMeasure> kMeasures = {
      {"assignments", &UnitScore::assignments, nullptr},
      {"completed", &UnitScore::completed, nullptr},
      {"completed_on_time", &UnitScore::completed_on_time, nullptr},
      {"completed_late", &UnitScore::completed_late, nullptr},
      {"overdue", &UnitScore::overdue, nullptr},
      {"peak_escalation", &UnitScore::peak_escalation, nullptr},
      {"progress_reports", &UnitScore::progress_reports, nullptr},
      {"reminders", &UnitScore::reminders, nullptr},
      {"reports_on_time", &UnitScore::reports_on_time, nullptr},
      {"reports_late", &UnitScore::reports_late, nullptr},
      {"reports_missing", &UnitScore::reports_missing, nullptr},
      {"completion_rate", nullptr, &UnitScore::completion_rate},
      {"on_time_rate", nullptr, &UnitScore::on_time_rate},
  };
  return kMeasures;
}

Scorecard ComputeScorecard(const Ledger& ledger, const core::PlanState& plan, const std::vector<schemas::Event>& events,
                           const workflows::ScorecardRule& rule) {
  Scorecard card;
  card.plan_id = ledger.plan_id;
  card.plan_title = ledger.plan_title;
  card.as_of = ledger.as_of;
  card.rule = rule;
  std::map<std::string, UnitScore> units;
  for (const auto& r : ledger.rows) {
    if (r.status == core::AssignmentStatus::kCancelled) continue;
    UnitScore& u = units[r.unit];
    u.unit = r.unit;
    ++u.assignments;
    if (r.status == core::AssignmentStatus::kCompleted) {
      ++u.completed;
      const bool on_time = SubmittedOnTime(r);
      ++(on_time ? u.completed_on_time : u.completed_late);
    }
    if (core::IsOpen(r.status) && r.status != core::AssignmentStatus::kSubmitted && r.overdue_working_days > 0)
      ++u.overdue;
    u.peak_escalation = std::max(u.peak_escalation, r.escalation_level);
  }
  const Instant cut = EndOfDay(ledger.as_of);
  // Escalations raised on an assignment since a calendar notice last
  // withdrew its escalation (the provisional calendar was wrong, not the
  // unit late): those withdrawn are not the unit's peak; one cleared
  // otherwise (the office set a new date) stood while it lasted.
  std::map<std::pair<int32_t, std::string>, int32_t> raised;
  auto stood = [&](const std::pair<int32_t, std::string>& k, int32_t level) {
    if (auto it = units.find(k.second); it != units.end())
      it->second.peak_escalation = std::max(it->second.peak_escalation, level);
  };
  for (const auto& e : events) {
    if (e.stream != ledger.plan_id || e.occurred_at > cut) continue;
    std::visit(
        [&](const auto& b) {
          using T = std::decay_t<decltype(b)>;
          auto unit = [&](const std::string& name) -> UnitScore* {
            auto it = units.find(name);
            return it == units.end() ? nullptr : &it->second;
          };
          if constexpr (std::is_same_v<T, schemas::ProgressReported>) {
            if (auto* u = unit(b.unit)) ++u->progress_reports;
          } else if constexpr (std::is_same_v<T, schemas::DeadlineApproaching>) {
            if (auto* u = unit(b.unit)) ++u->reminders;
          } else if constexpr (std::is_same_v<T, schemas::EscalationRaised>) {
            int32_t& level = raised[{b.task, b.unit}];
            level = std::max(level, b.level);
          } else if constexpr (std::is_same_v<T, schemas::EscalationCleared>) {
            auto it = raised.find({b.task, b.unit});
            if (it == raised.end()) return;
            if (!schemas::ByCalendarNotice(e.actor)) stood(it->first, it->second);
            raised.erase(it);
          }
        },
        e.body);
  }
  for (const auto& [k, level] : raised) stood(k, level);
  for (const auto& [name, n] : CycleReportsByUnit(plan, ledger.as_of)) {
    auto it = units.find(name);
    if (it == units.end()) continue;  // asked, but every assignment of it since cancelled
    it->second.reports_on_time = n.on_time;
    it->second.reports_late = n.late;
    it->second.reports_missing = n.missing;
  }
  for (auto& [name, u] : units) {
    if (u.assignments) {
      u.completion_rate = static_cast<double>(u.completed) / u.assignments;
      u.on_time_rate = static_cast<double>(u.completed_on_time) / u.assignments;
    }
    std::map<std::string, double> measures;
    for (const UnitMeasure& m : UnitMeasures()) measures[m.name] = m.Of(u);
    u.score = rule.Score(measures);
    card.units.push_back(u);
  }
  std::stable_sort(card.units.begin(), card.units.end(),
                   [](const UnitScore& a, const UnitScore& b) { return a.score > b.score; });
  return card;
}

Result<Scorecard> ScorecardAsOf(const Engine& engine, const std::string& plan_id, Date as_of,
                                const workflows::ScorecardRule& rule) {
  auto rec = ReadPlanAsOf(engine, plan_id, as_of);
  if (!rec.ok()) return rec.status();
  const Ledger ledger = ComputeLedger(rec->plan, rec->events, as_of, engine.timer_policy().get());
  return ComputeScorecard(ledger, rec->plan, rec->events, rule);
}

}  // namespace duban::reports
