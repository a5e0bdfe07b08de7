#include "duban/reports/cycle_reports.h"

namespace duban::reports {

std::map<std::string, CycleReports> CycleReportsByUnit(const core::PlanState& plan) {
  std::map<std::string, CycleReports> units;
  for (const auto& [_, cycle] : plan.cycles) {
    for (const auto& k : cycle.answered) {
      CycleReports& u = units[k.second];
      ++(cycle.late.count(k) ? u.late : u.on_time);
    }
    for (const auto& [k, level] : cycle.overdue)
      if (!cycle.answered.count(k)) ++units[k.second].missing;
  }
  return units;
}

}  // namespace duban::reports
