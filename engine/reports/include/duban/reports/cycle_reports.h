// Progress reports the office asked for in review cycles (调度), counted per
// unit: answered on time, answered late, and missing (asked, unanswered, and
// past the cycle's due date: the clock recorded ReportOverdue). The one
// definition the dashboard's columns and the scorecard's measures share, so
// a unit's counts are the same on the page and on paper. Pure: from a plan's
// state (the current one, or one replayed as of a date).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "duban/core/domain.h"

namespace duban::reports {

struct CycleReports {
  int32_t on_time = 0, late = 0, missing = 0;
  bool operator==(const CycleReports&) const = default;
};

// Per unit, over every cycle of the plan (closed ones too); a unit never
// asked has no entry.
std::map<std::string, CycleReports> CycleReportsByUnit(const core::PlanState& plan);

}  // namespace duban::reports
