// The seam between `duban plan import` (engine/cli/cmd_plan_import.cc, which
// parses) and the engine (which writes): ImportParsedPlan turns a parsed plan
// into PlanImported, TaskAdded and AssignmentCreated events. It is implemented
// by the engine's CLI code (cmd_import_engine.cc).
#pragma once

#include "cli_registry.h"
#include "plan_commands.h"

namespace duban::plan_import {
struct ParsedPlan;
}

namespace duban::cli {

// Imports `plan` into the store at globals.data_dir as globals.actor (default
// role supervisor). Importing a plan already imported is refused with a clear
// message on stderr (exit code 1) unless `request.new_version` is set, which
// imports it under the next free id "<id>.vN". Unknown units refuse the import
// (reason unknown_unit) unless request.accept_unknown_units. Prints the
// outcome (JSON with --json) on stdout and returns the exit code.
int ImportParsedPlan(Globals& globals, const plan_import::ParsedPlan& plan, const ImportRequest& request);

}  // namespace duban::cli
