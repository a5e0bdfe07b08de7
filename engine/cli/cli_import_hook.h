// The seam between `duban plan import` (engine/cli/cmd_plan_import.cc, which
// parses) and the engine (which writes): ImportParsedPlan turns a parsed plan
// into PlanImported, TaskAdded and AssignmentCreated events. It is implemented
// by the engine's CLI code; cmd_plan_import.cc calls it only when built with
// DUBAN_HAVE_ENGINE_IMPORT defined.
#pragma once

#include "cli_registry.h"

namespace duban::plan_import {
struct ParsedPlan;
}

namespace duban::cli {

// Imports `plan` into the store at globals.data_dir as globals.actor.
// Importing a plan already imported is refused with a clear message on
// stderr (exit code 1) unless `new_version` is set, which records a new
// version of the plan. Prints the outcome (JSON with --json) on stdout and
// returns the exit code (kExitOk, kExitRejected).
int ImportParsedPlan(Globals& globals, const plan_import::ParsedPlan& plan, bool new_version);

}  // namespace duban::cli
