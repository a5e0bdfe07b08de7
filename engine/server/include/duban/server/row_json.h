// The JSON shape of an assignment row, one definition for the HTTP API's
// reads and the CLI's `--json` (status, as-of): the same fields, names and
// formats wherever a tool reads an assignment. Likewise a queue item (what
// waits for the office: `duban queue --json`, GET /api/v1/queue/{kind}).
#pragma once

#include <nlohmann/json.hpp>

#include "duban/core/queue.h"
#include "duban/engine.h"

namespace duban::server {

nlohmann::json AssignmentRowJson(const AssignmentRow& r);
nlohmann::json QueueItemJson(const core::QueueItem& item);

}  // namespace duban::server
