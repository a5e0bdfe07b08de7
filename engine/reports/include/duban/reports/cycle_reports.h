// Progress reports the office asked for in review cycles (调度), counted per
// unit: answered on time, answered late, and missing. The one definition the
// dashboard's columns, the scorecard's measures and the bulletin's silent
// units share, so a unit is counted the same on the page and on paper.
//
// A request is missing on day D when it is unanswered, its cycle's due date
// is before D, and either the clock recorded it overdue (ReportOverdue) or
// its assignment is still open and not submitted (the engine still chases
// it: a tick that has not run yet does not make a silent unit look fine).
// Pure: from a plan's state (the current one, or one replayed as of D).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "duban/core/domain.h"
#include "duban/date.h"

namespace duban::reports {

struct CycleReports {
  int32_t on_time = 0, late = 0, missing = 0;
  bool operator==(const CycleReports&) const = default;
};

// Whether `request` (task, unit) of `cycle` is missing on `day` (above).
bool ReportMissing(const core::PlanState& plan, const core::CycleState& cycle,
                   const std::pair<int32_t, std::string>& request, Date day);

// Per unit, over every cycle of the plan (closed ones too), on `day`; a unit
// never asked has no entry.
std::map<std::string, CycleReports> CycleReportsByUnit(const core::PlanState& plan, Date day);

}  // namespace duban::reports
