// Turning a parsed plan into the engine's ImportPlan command, shared by
// `duban plan import` and `duban demo`.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "duban/date.h"
#include "duban/schemas/commands.h"
#include "duban/status.h"

namespace duban::plan_import {
struct ParsedPlan;
class UnitDirectory;
}
namespace duban::workflows {
class WorkCalendar;
}

namespace duban::cli {

struct ImportRequest {
  std::string plan_id;        // stream id; default derived from the file name
  std::string source_bytes;   // the file as read, for its digest
  bool new_version = false;   // import under the next free "<id>.vN" when the id is taken
  bool accept_unknown_units = false;  // add units the directory lacks to the plan's directory
  std::optional<Date> default_due;    // for tasks whose plan names no deadline
  // A group a task names ("各县（市、区）政府", "市直各单位") is assigned to each
  // of its member units as this directory lists them (nested groups too), so
  // each county or department answers for its own part. Null, or
  // keep_groups: the group is one assignee, as written.
  const plan_import::UnitDirectory* directory = nullptr;
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
schemas::ImportPlan BuildImportPlan(const plan_import::ParsedPlan& plan, const ImportRequest& req,
                                    std::map<std::string, std::vector<std::string>>* expanded = nullptr);

// The command id of an import when none is given: "import:PLAN:" and a digest
// of everything that makes the command what it is (plan id, actor and the
// whole ImportPlan body, which holds the file's digest), not of the file
// alone. So the same file imported twice the same way is one command, while
// the same file with other options (--accept-unknown-units, --keep-groups,
// another unit directory) is another: it used to get the first attempt's
// cached rejection back.
std::string DerivedImportId(const schemas::Command& cmd);

// The largest plan file read: published plans are tens to hundreds of KB,
// and a file past this is refused before it is read whole (a device such as
// /dev/zero included), far below what a record may hold.
inline constexpr size_t kMaxPlanFileBytes = size_t{8} << 20;

// A plan file's bytes, or why not (cannot be read, or larger than
// kMaxPlanFileBytes), in words to print after the command's name.
Result<std::string> ReadPlanFile(const std::string& path);
// The same for any input file: at most max_bytes, else InvalidArgument
// "PATH is larger than " + too_large.
Result<std::string> ReadBoundedFile(const std::string& path, size_t max_bytes, const std::string& too_large);

// "workflows/plans/shaoguan-2021.txt" -> "shaoguan-2021"
std::string PlanIdFromPath(const std::string& path);

}  // namespace duban::cli
