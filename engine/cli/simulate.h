// `duban simulate`: a plan's year fast-forwarded on a simulated clock, with
// scripted unit behaviour, so the workflow rules (reminders, the escalation
// ladder, review cycles and their silence, the look-back) can be watched end
// to end. Shared by `duban simulate` and `duban demo`; the command and the run
// are in engine/cli/cmd_simulate.cc, its parts in simulate_script.h.
//
// Deterministic: the script is a hash of (task, unit), the clock is the
// plan's calendar days; the same plan gives the same timeline and digest.
#pragma once

#include <string>
#include <vector>

#include "cli_registry.h"

namespace duban::cli {

struct SimulateOptions {
  std::string data_dir;   // a fresh store (refused when it already holds the plan)
  std::string plan_file;  // empty: the sample plan compiled into the binary
  int year = 0;           // 0: the plan's own year (else 2021)
  bool print_timeline = true;
  bool detail = false;   // one line per reminder as well (default: reminders counted per day)
  size_t max_lines = 0;  // 0: no limit on timeline lines (the demo caps it)
};

// Runs the simulation and prints it (text, or one JSON document with
// g.json). Sets and returns g.exit_code.
int RunSimulation(Globals& g, const SimulateOptions& options);

}  // namespace duban::cli
