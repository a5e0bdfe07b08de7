// Turning a parsed plan into the engine's ImportPlan command, shared by
// `duban plan import` and `duban demo`.
#pragma once

#include <optional>
#include <string>

#include "duban/date.h"
#include "duban/schemas/commands.h"

namespace duban::plan_import {
struct ParsedPlan;
}

namespace duban::cli {

struct ImportRequest {
  std::string plan_id;        // stream id; default derived from the file name
  std::string source_bytes;   // the file as read, for its digest
  bool new_version = false;   // import under the next free "<id>.vN" when the id is taken
  bool accept_unknown_units = false;  // add units the directory lacks to the plan's directory
  std::optional<Date> default_due;    // for tasks whose plan names no deadline
};

// The ImportPlan body for a parsed plan: the plan's unit directory is every
// known unit its tasks name (plus the unknown ones when accepted).
schemas::ImportPlan BuildImportPlan(const plan_import::ParsedPlan& plan, const ImportRequest& req);

// "workflows/plans/shaoguan-2021.txt" -> "shaoguan-2021"
std::string PlanIdFromPath(const std::string& path);

}  // namespace duban::cli
