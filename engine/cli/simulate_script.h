// The parts of `duban simulate` (simulate.h), internal to the CLI:
//   simulate_script.cc  who does what when: the scripted units and the office
//   simulate_report.cc  what happened: the timeline and each unit's standing, printed
//   cmd_simulate.cc     the command and the run (import, the clock day by day, replay check)
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "duban/core/workflow_timer_policy.h"
#include "duban/date.h"
#include "duban/engine.h"
#include "duban/schemas/commands.h"
#include "duban/schemas/events.h"

namespace duban::cli::sim {

// ---- simulate_script.cc --------------------------------------------------------------

// Stable per-assignment behaviour in 0..99 (the same hash as the demo's script).
int Behaviour(int task, const std::string& unit);

// Of the on-time units (4..59), these finish early.
constexpr int kEarly = 20;

// How a scripted unit behaves with one assignment, by Behaviour: returns it (0..3),
// finishes on time (4..59), late (60..74), after an extension (75..84), after
// being sent back once (85..89), or stays silent (90..99).
enum class Group { kReturned, kOnTime, kLate, kExtended, kSentBack, kSilent };
Group GroupOf(int b);

using Assignment = std::pair<int32_t, std::string>;  // (task, unit)

// One scripted step: on `day` at `hour`, if the assignment is in one of
// `need` (empty: always), `make` gives the command body.
struct Step {
  Date day;
  int hour = 10;
  uint64_t seq = 0;
  schemas::Role role = schemas::Role::kUnit;
  std::string actor;
  Assignment assignment;  // task 0: not about one assignment
  std::vector<core::AssignmentStatus> need;
  std::string cycle;  // the step answers this cycle: only if it asked and had no answer
  std::function<schemas::CommandBody(const core::PlanState&)> make;
};

// The script of a year: the steps in the order written (seq), the review
// cycles it starts, the assignment the look-back reopens, units per group.
struct Script {
  std::vector<Step> steps;
  std::vector<std::string> cycle_ids;
  Assignment reopen{0, ""};
  std::map<Group, int> groups;
};

// Writes the script for `plan` (as imported on `import_day`) over `year`.
Script WriteScript(int year, Date import_day, const core::PlanState& plan, const WorkflowTimerPolicy& policy);

// ---- simulate_report.cc ---------------------------------------------------------------

struct TimelineEntry {
  Date day;
  std::string label;  // grouping key within the day
  std::string item;   // "市财政局 #7"
};

// The timeline line of an event worth showing (reminders, misses, the ladder,
// review cycles, the office's decisions), or nullopt.
std::optional<TimelineEntry> TimelineEntryOf(const schemas::Event& e);

// What a run found, for the report.
struct RunSummary {
  std::string data_dir, plan_id, title;
  int year = 0;
  std::map<Group, int> groups;
  int script_rejected = 0;
  std::vector<TimelineEntry> timeline;
  std::vector<schemas::Event> all_events;  // kept with --detail or --json
  std::map<std::string, int> reminders;    // unit -> reminders it was sent
  std::map<std::string, int> max_level;    // unit -> highest escalation level
  Instant last_tick = 0;
  std::string digest;
  bool rebuilt_identical = false, verify_ok = false;
  size_t second_tick_events = 0;
  uint64_t events = 0;
};

// Prints the run: one JSON document (`json`), else the rules, the timeline
// (unless !print_timeline; one line per event with `detail`, else per day
// and kind, at most `max_lines`) and the final standing per unit.
void PrintReport(const RunSummary& r, const core::PlanState& final_plan, const WorkflowTimerPolicy& policy, bool json,
                 bool print_timeline, bool detail, size_t max_lines);

}  // namespace duban::cli::sim
