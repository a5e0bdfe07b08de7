// The bulletin (通报) of a plan as of a date: what an office names in the
// 通报 it issues on a plan's progress. Late units (an assignment open, not
// submitted, past its due date: overdue working days > 0) and units silent in
// review cycles (a progress report requested and not given by the cycle's
// reply date) are grouped by escalation level, each level named as the
// workflow definition's ladder names it (督促整改, 通报批评, 约谈 in the
// compiled-in one); each unit with its counts and the tasks concerned. Also
// the units that finished everything on time (every assignment completed,
// submitted on or before its due date).
//
// As-of is exact, as the ledger is (ledger.h): computed from the ledger of
// the date and the plan as it stood at its end, never from current
// projections. ComputeBulletin is pure; BulletinAsOf reads from an engine.
// No file I/O here: bulletin_files.h writes the .docx and json.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "duban/reports/ledger.h"
#include "duban/workflows/definition.h"

namespace duban::reports {

// One task a unit is named for.
struct BulletinTask {
  int32_t task = 0;   // the plan's task number
  std::string title;  // 工作任务
  // The date it was due by: the assignment's due date (late), or the review
  // cycle's reply date (silent).
  std::string due_on;
  int32_t overdue_working_days = 0;  // working days after due_on, up to the date
  int32_t level = 0;                 // escalation level of this assignment / this silence (0: not escalated)
  std::string level_name;            // the definition's name of `level` ("" for 0)
  std::string cycle, cycle_kind;     // silent only: the review cycle's id and kind (monthly, quarterly, ...)
  bool operator==(const BulletinTask&) const = default;
};

struct BulletinUnit {
  std::string unit;
  int32_t assignments = 0;  // its assignments, cancelled ones not counted
  int32_t completed = 0;
  int32_t level = 0;                // the highest level among `tasks` (the group it is listed in)
  std::vector<BulletinTask> tasks;  // late or silent ones (none for an on-time unit); by task number
  bool operator==(const BulletinUnit&) const = default;
};

// The units whose highest level is `level`. Level 0: late or silent, not
// (yet) escalated.
struct BulletinGroup {
  int32_t level = 0;
  std::string name;                 // the definition's name of the level; level 0: kNotEscalatedName
  std::vector<BulletinUnit> units;  // most tasks first, then by name
  bool operator==(const BulletinGroup&) const = default;
};

inline constexpr const char* kNotEscalatedName = "已逾期、尚未督办";

// A unit that answered a review cycle after its reply date, and how often.
struct LateReporter {
  std::string unit;
  int32_t times = 0;
  bool operator==(const LateReporter&) const = default;
};

struct Bulletin {
  std::string plan_id, plan_title, issuer;
  Date as_of;
  // Totals as of the date (cancelled assignments not counted).
  int32_t tasks = 0, units = 0, assignments = 0, completed = 0, completed_on_time = 0;
  int32_t late_assignments = 0, late_units = 0;   // open, not submitted, past due
  int32_t silent_requests = 0, silent_units = 0;  // requested reports not given past the reply date
  std::vector<BulletinUnit> on_time;              // every assignment completed on time; by name
  // Late units by level: level 0 (only when it has units), then every level
  // of the definition's ladder in its order (empty ones too), then levels the
  // records hold beyond the ladder.
  std::vector<BulletinGroup> late;
  std::vector<BulletinGroup> silent;        // likewise, for silence in review cycles
  std::vector<LateReporter> answered_late;  // most times first, then by name
  bool operator==(const Bulletin&) const = default;

  // 关于<plan title>落实情况的通报
  std::string Title() const;
};

// REQUIRES: `ledger` is ComputeLedger's for every unit of the plan as of
// ledger.as_of, `plan` the plan as it stood at EndOfDay(ledger.as_of).
// `ladder` names the levels (a level missing from it is named by the step the
// record gave it, else "第N级"). `calendar` null: Monday to Friday.
//
// Silent: a request of a cycle whose reply date is before the date, not
// answered by the end of it, and either marked overdue by the engine's clock
// (ReportOverdue) or still open and not submitted (the engine stops pursuing
// a request once the assignment is submitted, completed or cancelled, and so
// does the bulletin unless the clock already found it silent).
Bulletin ComputeBulletin(const Ledger& ledger, const core::PlanState& plan,
                         const std::vector<workflows::EscalationStep>& ladder, const workflows::WorkCalendar* calendar);

// From the store, counted on the engine's timer policy calendar. `definition`
// null: the ladder of the engine's timer policy (else the compiled-in
// definition's). NotFound as LedgerAsOf says: the plan does not exist, or did
// not yet at the end of that day.
Result<Bulletin> BulletinAsOf(const Engine& engine, const std::string& plan_id, Date as_of,
                              const workflows::WorkflowDefinition* definition = nullptr);

}  // namespace duban::reports
