#include "duban/reports/cycle_reports.h"

namespace duban::reports {

bool ReportMissing(const core::PlanState& plan, const core::CycleState& cycle,
                   const std::pair<int32_t, std::string>& request, Date day) {
  if (cycle.answered.count(request)) return false;
  const std::optional<Date> due = Date::Parse(cycle.due_on);
  if (!due || !(*due < day)) return false;
  if (cycle.overdue.count(request)) return true;
  auto a = plan.assignments.find(request);
  return a != plan.assignments.end() && core::IsOpen(a->second.status) &&
         a->second.status != core::AssignmentStatus::kSubmitted;
}

std::map<std::string, CycleReports> CycleReportsByUnit(const core::PlanState& plan, Date day) {
  std::map<std::string, CycleReports> units;
  for (const auto& [_, cycle] : plan.cycles) {
    for (const auto& k : cycle.answered) {
      CycleReports& u = units[k.second];
      ++(cycle.late.count(k) ? u.late : u.on_time);
    }
    for (const auto& k : cycle.requested)
      if (ReportMissing(plan, cycle, k, day)) ++units[k.second].missing;
  }
  return units;
}

}  // namespace duban::reports
