// The JSON shape of an assignment row, one definition for the HTTP API's
// reads and the CLI's `--json` (status, as-of): the same fields, names and
// formats wherever a tool reads an assignment. Likewise a queue item (what
// waits for the office: `duban queue --json`, GET /api/v1/queue/{kind}), and
// a plan's summary line (`duban plans --json`, GET /api/v1/plans), and a
// command's outcome (the CLI's `--json` answer, POST /api/v1/commands, and
// each item of a bulk step).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "duban/core/queue.h"
#include "duban/engine.h"

namespace duban::server {

nlohmann::json AssignmentRowJson(const AssignmentRow& r);
nlohmann::json QueueItemJson(const core::QueueItem& item);
// `id` is the id the plan is listed under (the store's key), not read from `plan`.
nlohmann::json PlanSummaryJson(const std::string& id, const core::PlanState& plan);
// {"command_id", "outcome": accepted | rejected | conflict | error, "duplicate",
//  "reason" and "message" (not accepted), "events": [...]}.
nlohmann::json OutcomeJson(const Outcome& o);

}  // namespace duban::server
