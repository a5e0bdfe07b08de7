// Field lists of every event and command struct, in wire order. One list
// drives the cereal binary layout, JSON output and decoding, so they cannot
// drift apart. Internal to schemas/. Appending a field to a struct here is a
// NEW VERSION of its layout: add the old list as a legacy struct and an
// upcaster in codec.cc, and a golden-bytes test.
#pragma once

#include "duban/schemas/commands.h"
#include "duban/schemas/events.h"

namespace duban::schemas {

#define DUBAN_FIELDS(T, ...)       \
  template <class F>               \
  void Fields(F&& f, T& e) {       \
    __VA_ARGS__;                   \
  }                                \
  template <class F>               \
  void Fields(F&& f, const T& e) { \
    Fields(f, const_cast<T&>(e));  \
  }
#define FLD(name) f(#name, e.name)

DUBAN_FIELDS(Actor, FLD(id), FLD(role), FLD(name))
DUBAN_FIELDS(Deadline, FLD(text), FLD(due_on), FLD(recurrence), FLD(unresolved), FLD(calendar_version))
DUBAN_FIELDS(SubUnit, FLD(name), FLD(parent))
DUBAN_FIELDS(PlanImported, FLD(title), FLD(issuer), FLD(doc_number), FLD(issued_on), FLD(year), FLD(source_digest),
             FLD(units), FLD(sub_units))
DUBAN_FIELDS(PlanAmended, FLD(field), FLD(value), FLD(reason))
DUBAN_FIELDS(PlanUnitAdded, FLD(name), FLD(sub_units), FLD(reason))
DUBAN_FIELDS(PlanWithdrawn, FLD(reason))
DUBAN_FIELDS(TaskAdded, FLD(number), FLD(section), FLD(title), FLD(content), FLD(deadline))
DUBAN_FIELDS(TaskAmended, FLD(number), FLD(field), FLD(value), FLD(reason))
DUBAN_FIELDS(TaskCancelled, FLD(number), FLD(reason))
DUBAN_FIELDS(TaskCompleted, FLD(number))
DUBAN_FIELDS(AssignmentCreated, FLD(task), FLD(unit), FLD(role), FLD(due_on))
DUBAN_FIELDS(AssignmentAccepted, FLD(task), FLD(unit))
DUBAN_FIELDS(AssignmentReturned, FLD(task), FLD(unit), FLD(reason))
DUBAN_FIELDS(AssignmentReassigned, FLD(task), FLD(from_unit), FLD(to_unit), FLD(reason), FLD(due_on))
DUBAN_FIELDS(ProgressReported, FLD(task), FLD(unit), FLD(percent), FLD(text), FLD(evidence), FLD(reporter),
             FLD(contact))
DUBAN_FIELDS(CompletionSubmitted, FLD(task), FLD(unit), FLD(text), FLD(evidence))
DUBAN_FIELDS(CompletionApproved, FLD(task), FLD(unit), FLD(comment))
DUBAN_FIELDS(CompletionRejected, FLD(task), FLD(unit), FLD(reason))
DUBAN_FIELDS(ExtensionRequested, FLD(task), FLD(unit), FLD(new_due_on), FLD(reason))
DUBAN_FIELDS(ExtensionGranted, FLD(task), FLD(unit), FLD(new_due_on))
DUBAN_FIELDS(ExtensionDenied, FLD(task), FLD(unit), FLD(reason))
DUBAN_FIELDS(DeadlineApproaching, FLD(task), FLD(unit), FLD(due_on), FLD(working_days_left), FLD(calendar_version),
             FLD(provisional))
DUBAN_FIELDS(DeadlineMissed, FLD(task), FLD(unit), FLD(due_on), FLD(calendar_version), FLD(provisional))
DUBAN_FIELDS(EscalationRaised, FLD(task), FLD(unit), FLD(level), FLD(step), FLD(notify), FLD(calendar_version),
             FLD(provisional))
DUBAN_FIELDS(AcceptanceOverdue, FLD(task), FLD(unit), FLD(assigned_on), FLD(due_on), FLD(notify), FLD(calendar_version),
             FLD(provisional))
DUBAN_FIELDS(ReviewOverdue, FLD(task), FLD(unit), FLD(submitted_on), FLD(due_on), FLD(notify), FLD(calendar_version),
             FLD(provisional))
DUBAN_FIELDS(DeadlineRecounted, FLD(task), FLD(unit), FLD(due_on), FLD(old_calendar_version), FLD(calendar_version),
             FLD(changes), FLD(provisional))
DUBAN_FIELDS(CalendarNoticeAdded, FLD(calendar), FLD(version), FLD(year), FLD(amends), FLD(source), FLD(text))
DUBAN_FIELDS(AccountChanged, FLD(account), FLD(change), FLD(kind), FLD(role), FLD(unit), FLD(display_name), FLD(reason),
             FLD(generation))
DUBAN_FIELDS(EscalationCleared, FLD(task), FLD(unit), FLD(level), FLD(reason))
DUBAN_FIELDS(ReviewCycleStarted, FLD(cycle_id), FLD(scope), FLD(kind), FLD(due_on))
DUBAN_FIELDS(ProgressReportRequested, FLD(cycle_id), FLD(task), FLD(unit), FLD(due_on))
DUBAN_FIELDS(ReviewCycleClosed, FLD(cycle_id), FLD(answered), FLD(late), FLD(silent))
DUBAN_FIELDS(ReportOverdue, FLD(cycle_id), FLD(task), FLD(unit), FLD(due_on), FLD(level), FLD(step), FLD(notify),
             FLD(calendar_version), FLD(provisional))
DUBAN_FIELDS(AssignmentReopened, FLD(task), FLD(unit), FLD(reason), FLD(cycle_id), FLD(due_on))
DUBAN_FIELDS(DeadlineChanged, FLD(task), FLD(unit), FLD(old_due_on), FLD(new_due_on), FLD(reason))
DUBAN_FIELDS(AssignmentCancelled, FLD(task), FLD(unit), FLD(reason))
DUBAN_FIELDS(AssignmentMerged, FLD(task), FLD(from_unit), FLD(to_unit), FLD(reason), FLD(role))
DUBAN_FIELDS(NoteAdded, FLD(task), FLD(unit), FLD(kind), FLD(text))
DUBAN_FIELDS(ScheduleSet, FLD(task), FLD(old_recurrence), FLD(recurrence), FLD(year), FLD(reason))
DUBAN_FIELDS(AssignmentDelegated, FLD(task), FLD(parent_unit), FLD(unit), FLD(due_on), FLD(note))
DUBAN_FIELDS(CommandRejected, FLD(command_type), FLD(reason), FLD(message))
// Only so generic visitors compile; codec.cc never writes or prints these fields.
DUBAN_FIELDS(UnknownEvent, FLD(type), FLD(version), FLD(bytes))

// Legacy layouts, kept to decode what older builds wrote.
struct ProgressReportedV1 {
  int32_t task = 0;
  std::string unit;
  int32_t percent = 0;
  std::string text;
};
DUBAN_FIELDS(ProgressReportedV1, FLD(task), FLD(unit), FLD(percent), FLD(text))
// v1 of the clock's events, before calendar_version and provisional.
struct DeadlineApproachingV1 {
  int32_t task = 0;
  std::string unit, due_on;
  int32_t working_days_left = 0;
};
DUBAN_FIELDS(DeadlineApproachingV1, FLD(task), FLD(unit), FLD(due_on), FLD(working_days_left))
struct DeadlineMissedV1 {
  int32_t task = 0;
  std::string unit, due_on;
};
DUBAN_FIELDS(DeadlineMissedV1, FLD(task), FLD(unit), FLD(due_on))
struct EscalationRaisedV1 {
  int32_t task = 0;
  std::string unit;
  int32_t level = 0;
  std::string step;
  std::vector<std::string> notify;
};
DUBAN_FIELDS(EscalationRaisedV1, FLD(task), FLD(unit), FLD(level), FLD(step), FLD(notify))
struct ReportOverdueV1 {
  std::string cycle_id;
  int32_t task = 0;
  std::string unit, due_on;
  int32_t level = 0;
  std::string step;
  std::vector<std::string> notify;
};
DUBAN_FIELDS(ReportOverdueV1, FLD(cycle_id), FLD(task), FLD(unit), FLD(due_on), FLD(level), FLD(step), FLD(notify))

// v1 of AssignmentReassigned, before due_on.
struct AssignmentReassignedV1 {
  int32_t task = 0;
  std::string from_unit, to_unit, reason;
};
DUBAN_FIELDS(AssignmentReassignedV1, FLD(task), FLD(from_unit), FLD(to_unit), FLD(reason))
// Reassign and ResolveReturn in command formats 1 to 3, before due_on.
struct ReassignV1 {
  int32_t task = 0;
  std::string from_unit, to_unit, reason;
};
DUBAN_FIELDS(ReassignV1, FLD(task), FLD(from_unit), FLD(to_unit), FLD(reason))
struct ResolveReturnV1 {
  int32_t task = 0;
  std::string unit, to_unit, reason;
};
DUBAN_FIELDS(ResolveReturnV1, FLD(task), FLD(unit), FLD(to_unit), FLD(reason))
// Assign in command formats 1 to 4, before due_on.
struct AssignV1 {
  int32_t task = 0;
  std::string unit;
  AssignmentRole role = AssignmentRole::kResponsible;
};
DUBAN_FIELDS(AssignV1, FLD(task), FLD(unit), FLD(role))
// v1 of PlanImported, before sub_units; also the plan inside an ImportPlan
// command of command formats 1 and 2.
struct PlanImportedV1 {
  std::string title, issuer, doc_number, issued_on;
  int32_t year = 0;
  std::string source_digest;
  std::vector<std::string> units;
};
DUBAN_FIELDS(PlanImportedV1, FLD(title), FLD(issuer), FLD(doc_number), FLD(issued_on), FLD(year), FLD(source_digest),
             FLD(units))

// Commands.
DUBAN_FIELDS(ImportTask, FLD(number), FLD(section), FLD(title), FLD(content), FLD(deadline), FLD(lead_units),
             FLD(responsible_units))
DUBAN_FIELDS(ImportPlan, FLD(plan), FLD(tasks))
DUBAN_FIELDS(AddTask, FLD(task))
DUBAN_FIELDS(CancelTask, FLD(task), FLD(reason))
DUBAN_FIELDS(WithdrawPlan, FLD(reason))
DUBAN_FIELDS(Assign, FLD(task), FLD(unit), FLD(role), FLD(due_on))
DUBAN_FIELDS(Accept, FLD(task), FLD(unit))
DUBAN_FIELDS(Return, FLD(task), FLD(unit), FLD(reason))
DUBAN_FIELDS(Reassign, FLD(task), FLD(from_unit), FLD(to_unit), FLD(reason), FLD(due_on))
DUBAN_FIELDS(ReportProgress, FLD(task), FLD(unit), FLD(percent), FLD(text), FLD(evidence), FLD(reporter), FLD(contact))
DUBAN_FIELDS(Submit, FLD(task), FLD(unit), FLD(text), FLD(evidence))
DUBAN_FIELDS(Approve, FLD(task), FLD(unit), FLD(comment))
DUBAN_FIELDS(Reject, FLD(task), FLD(unit), FLD(reason))
DUBAN_FIELDS(RequestExtension, FLD(task), FLD(unit), FLD(new_due_on), FLD(reason))
DUBAN_FIELDS(GrantExtension, FLD(task), FLD(unit), FLD(new_due_on))
DUBAN_FIELDS(DenyExtension, FLD(task), FLD(unit), FLD(reason))
// FireTimer's calendar_version and provisional are not on the command wire
// (command format 1 is unchanged): timers are armed and fired inside one
// engine, which keeps them in its timer index (engine/core/records.cc).
DUBAN_FIELDS(FireTimer, FLD(task), FLD(unit), FLD(kind), FLD(due_on), FLD(level), FLD(step), FLD(working_days_left),
             FLD(notify), FLD(cycle_id), FLD(armed_at))
DUBAN_FIELDS(StartReviewCycle, FLD(cycle_id), FLD(scope), FLD(kind), FLD(due_on), FLD(unit))
DUBAN_FIELDS(CloseReviewCycle, FLD(cycle_id))
DUBAN_FIELDS(ReopenAssignment, FLD(task), FLD(unit), FLD(reason), FLD(cycle_id), FLD(new_due_on))
DUBAN_FIELDS(SetDeadline, FLD(task), FLD(unit), FLD(due_on), FLD(reason))
DUBAN_FIELDS(CancelAssignment, FLD(task), FLD(unit), FLD(reason))
DUBAN_FIELDS(ResolveReturn, FLD(task), FLD(unit), FLD(to_unit), FLD(reason), FLD(due_on))
DUBAN_FIELDS(AddNote, FLD(task), FLD(unit), FLD(kind), FLD(text))
DUBAN_FIELDS(SetSchedule, FLD(task), FLD(recurrence), FLD(reason), FLD(year))
DUBAN_FIELDS(Delegate, FLD(task), FLD(unit), FLD(to_unit), FLD(due_on), FLD(note))
DUBAN_FIELDS(SetConsolidation, FLD(mode), FLD(reason))
DUBAN_FIELDS(AddUnit, FLD(name), FLD(sub_units), FLD(reason))

#undef FLD

template <class T, class = void>
struct HasFields : std::false_type {};
template <class T>
struct HasFields<T, std::void_t<decltype(Fields(std::declval<int (*)(const char*, int&)>(), std::declval<T&>()))>>
    : std::true_type {};

}  // namespace duban::schemas
