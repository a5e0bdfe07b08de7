// Commands: what an actor asks the engine to do. A command is a request, not
// a fact; the engine decides it into events or a rejection. Every command
// carries its own id (for idempotency), the plan it addresses (the stream and
// partition key), who acts, and its two times (the domain reads no clock:
// time arrives inside commands): issued_at, the engine's clock when it takes
// the command (it becomes recorded_at), and the effective time the writer
// claims, if any (effective_at; it becomes occurred_at once decide has
// checked it against the time rules, core::TimeRules).
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "duban/schemas/events.h"
#include "duban/schemas/timer_kind.h"

namespace duban::schemas {

struct ImportTask {
  int32_t number = 0;
  std::vector<std::string> section;
  std::string title, content;
  Deadline deadline;
  std::vector<std::string> lead_units, responsible_units;
};
struct ImportPlan {
  PlanImported plan;  // meta and the unit directory in force
  std::vector<ImportTask> tasks;
};
struct AddTask {
  ImportTask task;
};
struct CancelTask {
  int32_t task = 0;
  std::string reason;
};
struct WithdrawPlan {
  std::string reason;
};
// The office gives a task to a unit of the plan. due_on (command format 5):
// the unit's own date; empty: the task's, which must not have passed.
struct Assign {
  int32_t task = 0;
  std::string unit;
  AssignmentRole role = AssignmentRole::kResponsible;
  std::string due_on;
};
struct Accept {
  int32_t task = 0;
  std::string unit;
};
struct Return {
  int32_t task = 0;
  std::string unit, reason;
};
// due_on (command format 4): the date the work is due with its new unit;
// empty keeps the one it had, which must not have passed.
struct Reassign {
  int32_t task = 0;
  std::string from_unit, to_unit, reason, due_on;
};
struct ReportProgress {
  int32_t task = 0;
  std::string unit;
  int32_t percent = 0;
  std::string text, evidence, reporter, contact;
};
struct Submit {
  int32_t task = 0;
  std::string unit, text, evidence;
};
struct Approve {
  int32_t task = 0;
  std::string unit, comment;
};
struct Reject {
  int32_t task = 0;
  std::string unit, reason;
};
struct RequestExtension {
  int32_t task = 0;
  std::string unit, new_due_on, reason;
};
struct GrantExtension {
  int32_t task = 0;
  std::string unit, new_due_on;
};
struct DenyExtension {
  int32_t task = 0;
  std::string unit, reason;
};
// A timer came due: issued by the clock (role system) with the timer's key.
// The decision of what it means runs in decide like any command (timers only notice).
struct FireTimer {
  int32_t task = 0;
  std::string unit;
  TimerKind kind = TimerKind::kMissed;  // on the wire as its name (timer_kind.h)
  std::string due_on;
  int32_t level = 0;
  std::string step;
  int32_t working_days_left = 0;
  std::vector<std::string> notify;
  std::string cycle_id;
  Instant armed_at = 0;  // when the state that armed it arose: each arming fires once
  // The calendar the fire day was counted on, and whether the count used the
  // provisional rule; copied into the event it fires. Kept in the timer
  // index, not on the command wire (see schemas/src/fields.h).
  std::string calendar_version;
  bool provisional = false;
};
struct StartReviewCycle {
  std::string cycle_id, scope, kind, due_on;
  std::string unit;
};
struct CloseReviewCycle {
  std::string cycle_id;
};
// The office reopens a completed assignment found not done during a look-back
// cycle; an empty new_due_on keeps the assignment's due date.
struct ReopenAssignment {
  int32_t task = 0;
  std::string unit, reason, cycle_id, new_due_on;
};

// Office tools (issue 20). Appended to CommandBody: a command's wire form
// names its body by index.
// Sets or changes a deadline, with a reason: of the assignment to `unit`, or
// (unit empty) of the task and each of its open assignments.
struct SetDeadline {
  int32_t task = 0;
  std::string unit, due_on, reason;
};
// Cancels one assignment (any state but completed), with a reason.
struct CancelAssignment {
  int32_t task = 0;
  std::string unit, reason;
};
// Accepts a unit's return (退回): drops the returned assignment (to_unit
// empty) or moves it to to_unit, merged into to_unit's own assignment of the
// task if it holds an open one.
struct ResolveReturn {
  int32_t task = 0;
  std::string unit, to_unit, reason, due_on;  // due_on: as Reassign's, when the work moves
};
// Attaches a leader's instruction or an office comment (kind "instruction" |
// "comment") to a task (unit empty) or one of its assignments.
struct AddNote {
  int32_t task = 0;
  std::string unit, kind, text;
};
// Sets, changes or (recurrence empty) stops a task's reporting schedule
// (每季度报送: "quarter:1", workflows::RecurrenceText), with a reason; `year`
// is the year its checkpoints fall in, 0 for the plan's year.
struct SetSchedule {
  int32_t task = 0;
  std::string recurrence, reason;
  int32_t year = 0;
};

// A unit delegates its assignment of a task to one of its sub-units, due no
// later than its own (due_on empty: its own due date), with a note.
struct Delegate {
  int32_t task = 0;
  std::string unit, to_unit, due_on, note;
};

// The office chooses how the plan's tasks answer to it (牵头单位汇总): mode
// "lead" or "per_unit" (duban/core/consolidation.h), with a reason. Recorded
// as PlanAmended{field "consolidation"}.
struct SetConsolidation {
  std::string mode, reason;
};

// The office adds a unit to the plan (PlanUnitAdded), with the units below
// it in the unit directory (sub_units, parents before children: the CLI and
// the server fill them from the directory, plan_import/unit_addition.h).
struct AddUnit {
  std::string name;  // not `unit`: the plan's, no assignment's
  std::vector<SubUnit> sub_units;
  std::string reason;
};

using CommandBody =
    std::variant<ImportPlan, AddTask, CancelTask, WithdrawPlan, Assign, Accept, Return, Reassign, ReportProgress,
                 Submit, Approve, Reject, RequestExtension, GrantExtension, DenyExtension, FireTimer, StartReviewCycle,
                 CloseReviewCycle, ReopenAssignment, SetDeadline, CancelAssignment, ResolveReturn, AddNote, SetSchedule,
                 Delegate, SetConsolidation, AddUnit>;

const char* CommandName(const CommandBody& body);

struct Command {
  std::string command_id;
  std::string plan_id;
  std::optional<uint64_t> expected_version;  // optimistic concurrency on the plan stream
  Actor actor;
  Instant issued_at = 0;  // the engine's clock; an engine with a Clock overwrites it (engine.h)
  std::string correlation_id;
  CommandBody body;
  // Command format 2. The time the writer claims the act happened; 0: none
  // (it happened at issued_at).
  Instant effective_at = 0;
  // Why the office enters this record with an earlier effective time (a
  // paper record entered late). Required for the office's back-entries and
  // for the office acting on a unit's assignment; recorded on the events.
  std::string back_entry_reason;
  // The time the events will say it happened.
  Instant EffectiveAt() const { return effective_at ? effective_at : issued_at; }
};

}  // namespace duban::schemas
