// A parsed plan turned into the engine's ImportPlan command: shared by every
// door through which a plan comes in (`duban plan import`, `duban demo`, and
// `POST /api/v1/plans/import` of `duban serve`), so they assign the same units
// and derive the same command id from the same file and options.
//
// Guarantees: pure (no I/O, no clock); the same plan and request give the
// same body and, for the same actor, the same derived command id.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "duban/date.h"
#include "duban/schemas/commands.h"

namespace duban::workflows {
class WorkCalendar;
}

namespace duban::plan_import {

struct ParsedPlan;
class UnitDirectory;

struct ImportRequest {
  std::string plan_id;                // stream id; default derived from the file name
  std::string source_bytes;           // the file as read, for its digest
  bool new_version = false;           // import under the next free "<id>.vN" when the id is taken
  bool accept_unknown_units = false;  // add units the directory lacks to the plan's directory
  std::optional<Date> default_due;    // for tasks whose plan names no deadline
  // A group a task names ("各县（市、区）政府", "市直各单位") is assigned to each
  // of its member units as this directory lists them (nested groups too), so
  // each county or department answers for its own part. Null, or
  // keep_groups: the group is one assignee, as written.
  const UnitDirectory* directory = nullptr;
  bool keep_groups = false;
  // The store's calendar (compiled-in + recorded notices) that computed
  // deadlines record as their version; null: the compiled-in calendar.
  const workflows::WorkCalendar* calendar = nullptr;
  // plan import --issued-on: the plan was published on this day (the office
  // enters it late), so the import's effective time is that day, a
  // back-entry with `back_entry` as its reason (default: says so).
  std::optional<Date> issued_on;
  std::string back_entry;
};

// The ImportPlan body for a parsed plan: the plan's unit directory is every
// known unit its tasks name (plus the unknown ones when accepted), groups
// replaced by their members (see ImportRequest::directory). When given,
// `expanded` receives each group assigned to its members -> those members.
schemas::ImportPlan BuildImportPlan(const ParsedPlan& plan, const ImportRequest& req,
                                    std::map<std::string, std::vector<std::string>>* expanded = nullptr);

// How many assignments the body creates (a unit named twice in a task counts once).
size_t AssignmentsOf(const schemas::ImportPlan& body);

// The command id of an import when none is given: "import:PLAN:" and a digest
// of everything that makes the command what it is (plan id, actor and the
// whole ImportPlan body, which holds the file's digest), not of the file
// alone. So the same file imported twice the same way is one command, while
// the same file with other options (--accept-unknown-units, --keep-groups,
// another unit directory) is another: it used to get the first attempt's
// cached rejection back.
std::string DerivedImportId(const schemas::Command& cmd);

}  // namespace duban::plan_import
