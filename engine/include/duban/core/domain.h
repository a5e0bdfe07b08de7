// The pure domain core: plan, task and assignment state, and the two functions
// everything else is built around:
//   Decide(state, command) -> events | rejection   (reads state, writes nothing)
//   Evolve(state, event)                            (the only way state changes)
// No I/O, no clock, no randomness: time arrives inside commands, so replaying
// the log through Evolve reproduces the state exactly. The lifecycle's
// transitions and roles come from the workflow definition (data passed in).
//
// Rejections carry a stable reason code (see RejectReason below); the codes
// are part of the CLI and HTTP contract and are never renamed.
#pragma once

#include <compare>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "duban/schemas/commands.h"
#include "duban/schemas/events.h"
#include "duban/status.h"
#include "duban/workflows/definition.h"

namespace duban::core {

using schemas::AssignmentRole;
using schemas::Command;
using schemas::Event;
using schemas::EventBody;

enum class AssignmentStatus : uint8_t {
  kAssigned = 1,
  kAccepted = 2,
  kInProgress = 3,
  kSubmitted = 4,
  kCompleted = 5,
  kReturned = 6,
  kCancelled = 7,  // task cancelled, plan withdrawn, or moved to another unit
};
const char* StatusName(AssignmentStatus s);
std::optional<AssignmentStatus> ParseStatus(std::string_view s);
inline bool IsOpen(AssignmentStatus s) {
  return s != AssignmentStatus::kCompleted && s != AssignmentStatus::kCancelled && s != AssignmentStatus::kReturned;
}

struct AssignmentState {
  int32_t task = 0;
  std::string unit;
  AssignmentRole role = AssignmentRole::kResponsible;
  AssignmentStatus status = AssignmentStatus::kAssigned;
  int32_t percent = 0;
  std::string due_on;             // effective due date (after extensions), may be empty
  std::string pending_extension;  // requested new due date awaiting the office
  Instant due_set_at = 0;         // when due_on was last set (creation, extension): reminders before it are moot
  int32_t reminded_days = 0;      // working days left at the last reminder sent (0: none yet)
  bool overdue = false;
  int32_t escalation_level = 0;
  Instant assigned_at =
      0;  // created (when recorded, if later: AssignmentCreated v2) or moved here: the acceptance limit counts from it
  Instant submitted_at = 0;         // last completion submitted: the review limit counts from it
  bool acceptance_overdue = false;  // AcceptanceOverdue fired and not yet accepted or returned
  bool review_overdue = false;      // ReviewOverdue fired and the submission not yet reviewed
  // The calendar version its timers are counted on since a recorded notice
  // recounted it (DeadlineRecounted; every open assignment at the notice);
  // empty: the task's (for the task's date) or the latest.
  std::string calendar_version;
  std::string last_reason;  // of the last return / rejection
  int32_t reports = 0;
  // Reminders sent for it (DeadlineApproaching). -1: not known, the row was
  // projected before format 4 counted them; `duban rebuild` counts them.
  int32_t reminders = 0;
  Instant updated_at = 0;
  uint64_t updated_seq = 0;
  // The latest effective time of an event a person made on it (unit or
  // office, not the clock): no later record of a person may claim an earlier
  // time (TimeRules). Format 3 of the assignment row.
  Instant last_act_at = 0;
  // The unit that delegated it (AssignmentDelegated); empty: the office
  // assigned it. Format 5 of the assignment row.
  std::string parent;
  // Each time its work came back to it out of the office's hands since its
  // date was last set, in order: when it had been handed in (0: a reopened
  // close-out, counted as handed in on time) and when it came back (a
  // rejected submission, a look-back reopening). Rungs of its deadline ladder
  // that passed while the office held the work do not fire at once
  // (WorkflowTimerPolicy). Format 7 of the assignment row.
  struct Return {
    Instant handed_in = 0;
    Instant back = 0;
    bool operator==(const Return&) const = default;
  };
  std::vector<Return> returns;
  bool operator==(const AssignmentState&) const = default;
};

// What the office's dashboard tells apart in an assignment: its unit,
// status, red flags, a pending extension request, escalation level and
// deadline. Assignments of one plan alike in all of these are counted
// together in the `counts` projection (records.h), so a dashboard reads a
// few counts per unit, not every row. GroupOf is the one definition of it.
struct AssignmentGroup {
  std::string unit;
  AssignmentStatus status = AssignmentStatus::kAssigned;
  bool overdue = false;
  bool acceptance_overdue = false;
  bool review_overdue = false;
  bool extension_pending = false;
  int32_t escalation_level = 0;
  std::string due_on;
  bool operator==(const AssignmentGroup&) const = default;
  auto operator<=>(const AssignmentGroup&) const = default;
};
AssignmentGroup GroupOf(const AssignmentState& a);

struct TaskState {
  int32_t number = 0;
  std::vector<std::string> section;
  std::string title, content;
  schemas::Deadline deadline;
  bool cancelled = false;
  bool completed = false;
  Instant updated_at = 0;
  // The reporting schedule (deadline.recurrence, "quarter:1"; empty: none):
  // the year its checkpoints fall in and when it was set (the task's
  // TaskAdded, or the office's last ScheduleSet). Reports are asked only
  // for checkpoints whose asking day is on or after that day (ScheduledReports).
  int32_t schedule_year = 0;
  Instant schedule_set_at = 0;
  bool operator==(const TaskState&) const = default;
};

struct CycleState {
  std::string kind, scope, due_on;
  bool closed = false;
  std::set<std::pair<int32_t, std::string>> requested, answered, late;
  // Requests whose due date passed unanswered (ReportOverdue), with the
  // escalation level their silence reached (0: overdue, not yet escalated).
  std::map<std::pair<int32_t, std::string>, int32_t> overdue;
  bool operator==(const CycleState&) const = default;
};

struct PlanState {
  std::string id;
  bool exists = false;
  schemas::PlanImported meta;
  bool withdrawn = false;
  uint64_t version = 0;  // stream_seq of the last event applied
  std::string last_hash;
  Instant updated_at = 0;
  // The latest effective and recorded times of the events applied: a
  // snapshot of this state serves the plan as of any time at or after them
  // (records.h, `snapshots`).
  Instant max_occurred_at = 0, max_recorded_at = 0;
  // The earliest effective and recorded times among the events applied to
  // this object since it was loaded from a snapshot or last snapshotted
  // (the engine resets it when it writes one). A snapshot keeps them, so an
  // as-of read skips the stretches of log whose events all happened later.
  // Bookkeeping of this object's history, not of the plan: two equal plan
  // states (one replayed whole, one from a snapshot) differ here, so it
  // always compares equal.
  struct SinceSnapshot {
    Instant min_occurred_at = std::numeric_limits<Instant>::max();
    Instant min_recorded_at = std::numeric_limits<Instant>::max();
    bool operator==(const SinceSnapshot&) const { return true; }
  } since_snapshot;
  std::set<std::string> units;
  std::map<int32_t, TaskState> tasks;
  std::map<std::pair<int32_t, std::string>, AssignmentState> assignments;
  std::map<std::string, CycleState> cycles;
  // The office's choice of lead-unit consolidation ("per_unit" | "lead"; "":
  // not chosen, the workflow definition's), duban/core/consolidation.h.
  std::string consolidation;
  bool operator==(const PlanState&) const = default;
};

// Whether `viewer` follows `unit`'s assignment on a task: it is its own, or
// it was delegated down from it (a county follows what its towns, and their
// offices, do with what it passed on), or it is a part the viewer, the
// task's lead, consolidates (`consolidator`, duban/core/consolidation.h).
// `parent_of(unit)` is the unit that delegated that unit's assignment ("":
// the office assigned it). One definition for every reader (API, web, CLI)
// of what a unit account sees.
template <class ParentOf>
bool FollowsAssignment(const std::string& viewer, const std::string& unit, ParentOf&& parent_of,
                       const std::string& consolidator = "") {
  std::string at = unit;
  // A tree is at most a few levels deep (workflow `delegation.max_levels`);
  // the bound only guards against a damaged projection's loop.
  for (int hops = 0; hops < 16 && !at.empty(); ++hops) {
    if (at == viewer) return true;
    std::string up = parent_of(at);
    if (up.empty()) return !consolidator.empty() && consolidator == viewer;
    at = std::move(up);
  }
  return false;
}
bool FollowsAssignment(const PlanState& plan, int32_t task, const std::string& unit, const std::string& viewer);

// Stable rejection reason codes.
namespace reason {
inline constexpr const char* kForbiddenRole = "forbidden_role";
inline constexpr const char* kNotAssignee = "not_assignee";
inline constexpr const char* kPlanNotFound = "plan_not_found";
inline constexpr const char* kPlanExists = "plan_exists";
inline constexpr const char* kPlanWithdrawn = "plan_withdrawn";
inline constexpr const char* kTaskNotFound = "task_not_found";
inline constexpr const char* kTaskExists = "task_exists";
inline constexpr const char* kTaskClosed = "task_closed";
inline constexpr const char* kAssignmentNotFound = "assignment_not_found";
inline constexpr const char* kAssignmentExists = "assignment_exists";
inline constexpr const char* kUnknownUnit = "unknown_unit";
inline constexpr const char* kInvalidTransition = "invalid_transition";
inline constexpr const char* kInvalidArgument = "invalid_argument";
inline constexpr const char* kVersionConflict = "version_conflict";
inline constexpr const char* kCycleNotFound = "cycle_not_found";
inline constexpr const char* kCycleExists = "cycle_exists";
// The two times (TimeRules): a claimed time later than the engine's clock; a
// claimed time earlier than the rules allow (a unit's, or before the
// assignment's last record); an office back-entry without its reason.
inline constexpr const char* kTimeInFuture = "time_in_future";
inline constexpr const char* kBackdated = "backdated";
inline constexpr const char* kBackEntryNeedsReason = "back_entry_needs_reason";
// Delegation: the sub-unit is not below the delegating unit in the plan's
// unit directory, or the tree would be deeper than the definition allows; a
// unit submits while an assignment it delegated is still open.
inline constexpr const char* kNotSubUnit = "not_sub_unit";
inline constexpr const char* kDelegationTooDeep = "delegation_too_deep";
inline constexpr const char* kDelegationOpen = "delegation_open";
// Lead-unit consolidation: the lead submits while a part it consolidates is
// still being worked on; the office approves such a part alone, not with the
// lead's report.
inline constexpr const char* kConsolidationOpen = "consolidation_open";
inline constexpr const char* kConsolidatedReview = "consolidated_review";
}  // namespace reason

// The workflow definition decide consults for the assignment lifecycle: which
// states each step (accept, submit, reassign, request_extension, ...) starts
// from and which roles may take it. The compiled-in one
// (workflows/definitions/default.yaml, WorkflowDefinition::Default()), loaded
// once; it is the only place those transitions are written down.
const workflows::WorkflowDefinition& Definition();

// How far a writer's claimed (effective) time may differ from the engine's
// clock (the command's issued_at). Loaded from the workflow definition
// (`times:` in workflows/definitions/default.yaml); the defaults are its values.
//  - Nobody claims a time later than issued_at + max_skew.
//  - A unit claims no time earlier than issued_at - max_skew, nor earlier than
//    its assignment's last event: its acts happen now.
//  - The office may claim an earlier time (a paper record entered late) only
//    with a reason (Command::back_entry_reason), and not earlier than the
//    assignment's last act of a person (the clock's own judgements, such as
//    DeadlineMissed, may be overtaken: that is what a back-entry corrects).
//  - The clock (role system) is exempt: a timer's effective time is its due time.
struct TimeRules {
  Instant max_skew_ms = Instant{5} * 60 * 1000;
  bool office_back_entry = true;  // false: no one enters records after the fact
};

// Whether `role` may act with effective time `effective` on a command the
// engine took at `issued`, before any state is looked at (used by decide and
// by edges that refuse early, e.g. `tick --now`). Ok or kRejected.
Status CheckClaimedTime(const TimeRules& rules, schemas::Role role, Instant issued, Instant effective,
                        const std::string& back_entry_reason);

// Decides a command against the current state of its plan. On success the
// returned events (possibly none, e.g. a stale timer) are to be appended in
// order; on failure the Status is kRejected with a reason code. Claimed times
// are judged by `rules`; lifecycle steps (which states a step starts from,
// which roles may take it) by `definition`. The checks that are about neither
// (the unit's own assignment, a pending request, an open look-back) are
// decide's own.
Result<std::vector<EventBody>> Decide(const PlanState& state, const Command& command,
                                      const TimeRules& rules = TimeRules{},
                                      const workflows::WorkflowDefinition& definition = Definition());

// Applies one event of the plan's stream. Unknown events only advance the version.
void Evolve(PlanState& state, const Event& event);

}  // namespace duban::core
