// The units' scorecard (考核评分表) of a plan as of a date: per unit, its
// assignments, completed, completed on time or late, overdue now, the peak
// escalation level reached, progress reports and reminders received, the
// reports asked in review cycles (on time, late, missing), and a
// score by the rule of the workflow definition (`scorecard:`,
// duban/workflows/scorecard.h), so an office weights it as its assessment
// rules say. Built on the ledger's rows (as exact as the ledger) and on the
// events effective by the end of the date.
#pragma once

#include <string>
#include <vector>

#include "duban/reports/ledger.h"
#include "duban/workflows/scorecard.h"

namespace duban::reports {

struct UnitScore {
  std::string unit;
  int32_t assignments = 0;  // not cancelled
  int32_t completed = 0, completed_on_time = 0, completed_late = 0;
  int32_t overdue = 0;  // open, not submitted, past its due date on the date
  // Highest escalation level raised on any of its assignments; one a
  // calendar notice withdrew (the provisional calendar was wrong, the unit
  // not late) does not count.
  int32_t peak_escalation = 0;
  int32_t progress_reports = 0, reminders = 0;
  // Reports asked in review cycles (cycle_reports.h): on time, late, missing.
  int32_t reports_on_time = 0, reports_late = 0, reports_missing = 0;
  double completion_rate = 0, on_time_rate = 0;  // of its assignments
  double score = 0;
  bool operator==(const UnitScore&) const = default;
};

// The measures a definition's `scorecard:` rule may weight, each with its
// field: the one list the score, the json and the rule's names
// (workflows::ScorecardRule::Measures(), checked equal by a test) follow.
struct UnitMeasure {
  const char* name;
  int32_t UnitScore::*count;  // null for a rate
  double UnitScore::*rate;    // null for a count
  double Of(const UnitScore& u) const { return count ? u.*count : u.*rate; }
};
const std::vector<UnitMeasure>& UnitMeasures();

struct Scorecard {
  std::string plan_id, plan_title;
  Date as_of;
  workflows::ScorecardRule rule;
  std::vector<UnitScore> units;  // best score first, then by unit name
};

// Completed on time: submitted on or before its due date (or it has none).
// REQUIRES: `ledger` is ComputeLedger's for every unit of the plan as of the
// date, `plan` the plan's state as of the end of that date, `events` the
// plan's (those after EndOfDay(ledger.as_of) are ignored).
Scorecard ComputeScorecard(const Ledger& ledger, const core::PlanState& plan, const std::vector<schemas::Event>& events,
                           const workflows::ScorecardRule& rule);
Result<Scorecard> ScorecardAsOf(const Engine& engine, const std::string& plan_id, Date as_of,
                                const workflows::ScorecardRule& rule);

}  // namespace duban::reports
