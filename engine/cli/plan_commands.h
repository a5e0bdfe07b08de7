// Reading plan files and naming plans for `duban plan import` and `duban demo`;
// turning a parsed plan into the ImportPlan command is shared with `duban serve`
// (duban/plan_import/import_command.h).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "duban/date.h"
#include "duban/plan_import/import_command.h"
#include "duban/schemas/commands.h"
#include "duban/status.h"

namespace duban::plan_import {
struct ParsedPlan;
class UnitDirectory;
}  // namespace duban::plan_import
namespace duban::workflows {
class WorkCalendar;
}
namespace CLI {
class App;
}

namespace duban::cli {

// Shared with `duban serve` (duban/plan_import/import_command.h).
using plan_import::AssignmentsOf;
using plan_import::BuildImportPlan;
using plan_import::DerivedImportId;
using plan_import::ImportRequest;

// The `plan` command its subcommands (import, add-unit) hang on: made by
// the first file that registers one, found by the others.
CLI::App* PlanCommand(CLI::App& app);

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
