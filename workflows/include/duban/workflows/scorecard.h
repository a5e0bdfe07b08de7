// The `scorecard:` section of a workflow definition: how the office scores
// each unit in an assessment (`duban report scorecard`, engine/reports).
//
//   score = base + sum of weight x measure, held within [min, max]
//
// Measures, per unit as of the date: assignments, completed,
// completed_on_time, completed_late, overdue (open, not submitted, past its
// due date), peak_escalation (highest level reached), progress_reports,
// reminders (reminders received), reports_on_time, reports_late and
// reports_missing (progress reports asked in review cycles: answered by the
// cycle's due date, after it, or not at all past it), completion_rate and on_time_rate (0..1, of
// its assignments that are not cancelled). An office weights them as its
// assessment rules say, in its own definition file.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "duban/status.h"

namespace duban::workflows {

struct ScorecardRule {
  double base = 0;
  std::vector<std::pair<std::string, double>> weights;  // in the file's order
  double min = 0, max = 100;
  std::string source;  // the definition it came from

  static const std::vector<std::string>& Measures();
  // The section of a definition's YAML text (absent: base 0, no weights).
  // InvalidArgument "source:line: message" for an unknown measure, a weight
  // that is not a number, or min above max.
  static Result<ScorecardRule> FromDefinition(std::string_view text, std::string_view source);
  // The compiled-in definition's (workflows/definitions/default.yaml).
  static Result<ScorecardRule> Default();
  // REQUIRES: every measure named in weights is in `measures` (missing: 0).
  double Score(const std::map<std::string, double>& measures) const;
};

}  // namespace duban::workflows
