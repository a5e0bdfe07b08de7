// The scorecard as files: json, and xlsx (libxlsxwriter) with the units'
// table (best first), the rule it was scored by written under it, and a bar
// chart of the scores; A4 landscape like the ledger.
#pragma once

#include <string>
#include <vector>

#include "duban/reports/scorecard.h"
#include "duban/status.h"

namespace duban::reports {

const std::vector<std::string>& ScorecardHeaders();
std::string ScorecardJson(const Scorecard& card);
Status WriteScorecardXlsx(const Scorecard& card, const std::string& path);

}  // namespace duban::reports
