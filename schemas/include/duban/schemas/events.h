// The event catalogue: every fact duban records, as plain structs. This header
// is the schema's source of truth for field meaning; the byte layout of each
// (type, version) lives in codec.cc and is frozen by golden-bytes tests.
//
// Rules (docs/ARCHITECTURE.md, "Schemas evolve"):
//  - EventType values are written to disk: never renumber, never reuse a retired one.
//  - A released (type, version) layout is never edited. A change adds version N+1
//    and an upcaster from N; the structs below always hold the newest version.
//  - A type this build does not know is kept in the log and skipped by projections.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "duban/date.h"

namespace duban::schemas {

// kAdmin manages accounts (duban/accounts.h) and acts on no plan.
enum class Role : uint8_t { kSupervisor = 1, kUnit = 2, kAuditor = 3, kSystem = 4, kAdmin = 5 };
const char* RoleName(Role r);
std::optional<Role> ParseRole(std::string_view s);

enum class AssignmentRole : uint8_t { kLead = 1, kResponsible = 2 };
const char* AssignmentRoleName(AssignmentRole r);

struct Actor {
  std::string id;  // unit name for units, office or person id otherwise
  Role role = Role::kSystem;
  std::string name;
  bool operator==(const Actor&) const = default;
};

// ---- plan ---------------------------------------------------------------
// A unit below another in the unit directory (a town under its district, a
// section of an office): the units a plan's unit may delegate to.
struct SubUnit {
  std::string name, parent;
  bool operator==(const SubUnit&) const = default;
};
// Version history: v1 without sub_units.
struct PlanImported {
  std::string title, issuer, doc_number;
  std::string issued_on;  // YYYY-MM-DD or empty
  int32_t year = 0;
  std::string source_digest;       // sha256 hex of the imported file
  std::vector<std::string> units;  // the unit directory in force for this plan
  // The directory's units below the plan's units, parents before children.
  std::vector<SubUnit> sub_units;
  bool operator==(const PlanImported&) const = default;
};
struct PlanAmended {
  std::string field, value, reason;
  bool operator==(const PlanAmended&) const = default;
};
// The office adds a unit to a live plan (职责调整: work goes to a unit the
// plan never named), with the directory's units below it where it may
// delegate (parents before children, as PlanImported.sub_units).
struct PlanUnitAdded {
  std::string name;  // not `unit`: a plan's event, no assignment's (schemas::UnitOf)
  std::vector<SubUnit> sub_units;
  std::string reason;
  bool operator==(const PlanUnitAdded&) const = default;
};
struct PlanWithdrawn {
  std::string reason;
  bool operator==(const PlanWithdrawn&) const = default;
};

// ---- task ---------------------------------------------------------------
struct Deadline {
  std::string text;        // the words of the plan
  std::string due_on;      // YYYY-MM-DD, empty when unresolved or recurring-only
  std::string recurrence;  // e.g. "quarter:1", empty when none
  bool unresolved = false;
  std::string calendar_version;
  bool operator==(const Deadline&) const = default;
};
struct TaskAdded {
  int32_t number = 0;
  std::vector<std::string> section;
  std::string title, content;
  Deadline deadline;
  bool operator==(const TaskAdded&) const = default;
};
struct TaskAmended {
  int32_t number = 0;
  std::string field, value, reason;
  bool operator==(const TaskAmended&) const = default;
};
struct TaskCancelled {
  int32_t number = 0;
  std::string reason;
  bool operator==(const TaskCancelled&) const = default;
};
struct TaskCompleted {
  int32_t number = 0;
  bool operator==(const TaskCompleted&) const = default;
};

// ---- assignment (task x unit) ------------------------------------------
// Version history: v1 and v2 have the same fields. From v2 the acceptance
// limit (签收时限) counts from the later of when the assignment took effect
// and when it was recorded: a plan entered days after its issue date would
// otherwise make every unit late to sign before it could see the work.
// v1 events keep counting from when they took effect (replay is exact).
struct AssignmentCreated {
  int32_t task = 0;
  std::string unit;
  AssignmentRole role = AssignmentRole::kResponsible;
  std::string due_on;  // effective due date for this unit, may be empty
  bool operator==(const AssignmentCreated&) const = default;
};
struct AssignmentAccepted {
  int32_t task = 0;
  std::string unit;
  bool operator==(const AssignmentAccepted&) const = default;
};
struct AssignmentReturned {
  int32_t task = 0;
  std::string unit, reason;
  bool operator==(const AssignmentReturned&) const = default;
};
// Version history: v1 {task, from_unit, to_unit, reason}; v2 adds due_on, the
// date the work is due with its new unit (empty: the date it had); v3 has
// v2's fields, and the new unit's acceptance limit counts from the later of
// when the move took effect and when it was recorded (a back-entered move,
// as AssignmentCreated v2; v1 and v2 events count as they did).
struct AssignmentReassigned {
  int32_t task = 0;
  std::string from_unit, to_unit, reason, due_on;
  bool operator==(const AssignmentReassigned&) const = default;
};
// Version history: v1 {task, unit, percent, text}; v2 adds evidence, reporter, contact.
struct ProgressReported {
  int32_t task = 0;
  std::string unit;
  int32_t percent = 0;
  std::string text, evidence, reporter, contact;
  bool operator==(const ProgressReported&) const = default;
};
struct CompletionSubmitted {
  int32_t task = 0;
  std::string unit, text, evidence;
  bool operator==(const CompletionSubmitted&) const = default;
};
struct CompletionApproved {
  int32_t task = 0;
  std::string unit, comment;
  bool operator==(const CompletionApproved&) const = default;
};
struct CompletionRejected {
  int32_t task = 0;
  std::string unit, reason;
  bool operator==(const CompletionRejected&) const = default;
};

// ---- deadlines ----------------------------------------------------------
struct ExtensionRequested {
  int32_t task = 0;
  std::string unit, new_due_on, reason;
  bool operator==(const ExtensionRequested&) const = default;
};
struct ExtensionGranted {
  int32_t task = 0;
  std::string unit, new_due_on;
  bool operator==(const ExtensionGranted&) const = default;
};
struct ExtensionDenied {
  int32_t task = 0;
  std::string unit, reason;
  bool operator==(const ExtensionDenied&) const = default;
};
// The clock's events below (and ReportOverdue) record the working-day
// calendar their day was counted on. Version history of each: v1 without
// calendar_version and provisional; v2 adds them (a v1 event reads as
// calendar_version "" and provisional false: it predates the marking).
//   calendar_version: e.g. "cn-mainland/2025-11-04", with "+provisional"
//     appended when the count crossed a year that version does not cover;
//   provisional: that day followed the provisional rule (weekdays minus the
//     fixed-date holidays, workflows/include/duban/workflows/calendar.h).
struct DeadlineApproaching {
  int32_t task = 0;
  std::string unit, due_on;
  int32_t working_days_left = 0;
  std::string calendar_version;
  bool provisional = false;
  bool operator==(const DeadlineApproaching&) const = default;
};
struct DeadlineMissed {
  int32_t task = 0;
  std::string unit, due_on;
  std::string calendar_version;
  bool provisional = false;
  bool operator==(const DeadlineMissed&) const = default;
};
struct EscalationRaised {
  int32_t task = 0;
  std::string unit;
  int32_t level = 0;
  std::string step;  // 督促整改 / 通报批评 / 约谈
  std::vector<std::string> notify;
  std::string calendar_version;
  bool provisional = false;
  bool operator==(const EscalationRaised&) const = default;
};
// The unit neither accepted (签收) nor returned an assignment within the
// definition's acceptance limit (acceptance_working_days working days after
// it was assigned on assigned_on; the limit's last day is due_on): fired on
// the first working day after it. Told to `notify` (the definition's
// acceptance_overdue_notify). Flags the assignment until it is accepted or
// returned; the deadline's own ladder is untouched.
struct AcceptanceOverdue {
  int32_t task = 0;
  std::string unit, assigned_on, due_on;
  std::vector<std::string> notify;
  std::string calendar_version;
  bool provisional = false;
  bool operator==(const AcceptanceOverdue&) const = default;
};
// The office neither approved nor rejected a submission within the review
// limit (review_working_days after submitted_on; the last day is due_on).
struct ReviewOverdue {
  int32_t task = 0;
  std::string unit, submitted_on, due_on;
  std::vector<std::string> notify;
  std::string calendar_version;
  bool provisional = false;
  bool operator==(const ReviewOverdue&) const = default;
};
// A calendar notice recorded while an assignment was open: the assignment is
// now counted on `calendar_version` (the version of the newest notice then
// recorded) and its armed timers were re-armed on it (`changes` may be empty:
// what it arms later counts on the notice too). `unit` empty: the task's own
// date (TaskState's deadline.calendar_version, what an assignment made later
// counts on); `provisional` with the "+provisional" suffix when the new
// calendar does not cover the date's year. A first change "due 2027-02-08
// -> 2027-02-15" (and `due_on` the new date): a date the import counted in
// working days from the issue date by the provisional rule, counted again on
// the notice; the task's date and each open assignment's still due on it
// move (reminders and lateness start over; an EscalationCleared follows for
// an escalated one; a pending extension request stays). Only an event with
// such a change moves a date. `old_calendar_version` is what its timers
// carried before ("...+provisional" when they used the provisional rule);
// `changes` lists the timers whose day moved ("missed 2027-05-11 -> 2027-05-11",
// "reminder 10 2027-04-26 -> 2027-04-23", an armed or disarmed one with "-");
// `provisional`: some of its timers still fall in a year no notice covers.
// What already fired keeps the calendar it was counted on (events are facts).
struct DeadlineRecounted {
  int32_t task = 0;
  std::string unit, due_on, old_calendar_version, calendar_version;
  std::vector<std::string> changes;
  bool provisional = false;
  bool operator==(const DeadlineRecounted&) const = default;
};
struct EscalationCleared {
  int32_t task = 0;
  std::string unit;
  int32_t level = 0;
  std::string reason;
  bool operator==(const EscalationCleared&) const = default;
};
// EscalationCleared's reason when the office entered a paper hand-in made by
// the due date (decide): the one clearing the unit hears of by itself (the
// others come with a new date, an approval or a recount). Its level is 0 when
// the work was recorded late but not yet escalated (since 2026-12; before, no
// event withdrew such a miss). Written to disk.
inline constexpr const char* kClearedByBackEnteredHandIn = "submitted on time (back-entered)";

// ---- review cycles ------------------------------------------------------
struct ReviewCycleStarted {
  std::string cycle_id, scope, kind, due_on;
  bool operator==(const ReviewCycleStarted&) const = default;
};
struct ProgressReportRequested {
  std::string cycle_id;
  int32_t task = 0;
  std::string unit, due_on;
  bool operator==(const ProgressReportRequested&) const = default;
};
struct ReviewCycleClosed {
  std::string cycle_id;
  int32_t answered = 0, late = 0, silent = 0;
  bool operator==(const ReviewCycleClosed&) const = default;
};
// A requested progress report was not given by its due date (level 0, the
// first working day after it), or that silence went up the escalation ladder
// (level >= 1, with the step and who is told). Concerns the cycle's request
// only: the assignment's own deadline, overdue flag and level are untouched.
struct ReportOverdue {
  std::string cycle_id;
  int32_t task = 0;
  std::string unit, due_on;
  int32_t level = 0;
  std::string step;
  std::vector<std::string> notify;
  std::string calendar_version;  // v2, as for DeadlineMissed
  bool provisional = false;      // v2
  bool operator==(const ReportOverdue&) const = default;
};
// A completed assignment found not done (e.g. by the look-back 回头看) goes back
// to in_progress with a new due date, into the normal reminder/escalation ladder.
struct AssignmentReopened {
  int32_t task = 0;
  std::string unit, reason, cycle_id, due_on;
  bool operator==(const AssignmentReopened&) const = default;
};

// ---- calendar -----------------------------------------------------------
// A State Council holiday notice recorded by the office (`duban calendar add`),
// in the stream "!calendar". `text` is the notice file as given (the format of
// workflows/calendars/cn-mainland.yaml, exactly one notice), so the effective
// calendar (compiled-in notices + recorded ones) is rebuilt from the log alone.
// `amends`: the notice corrects a year already covered (else it covers `year`).
struct CalendarNoticeAdded {
  std::string calendar, version;
  int32_t year = 0;
  bool amends = false;
  std::string source, text;
  bool operator==(const CalendarNoticeAdded&) const = default;
};

// ---- accounts -----------------------------------------------------------
// A change to an account (duban/accounts.h), in the stream "!accounts": who
// changed which account, when, and what it became. Never a secret: the
// password hash or token digest stays in the store's account row.
// change: created | disabled | enabled | password_reset | token_created.
struct AccountChanged {
  std::string account, change;
  std::string kind;  // person | token
  std::string role;  // office | unit | auditor | admin
  std::string unit, display_name, reason;
  uint32_t generation = 0;
  bool operator==(const AccountChanged&) const = default;
};

// ---- office tools (issue 20) ---------------------------------------------
// The office set or changed a deadline, with its reason. `unit` empty: the
// task's own deadline (what a later assignment of the task starts with); one
// DeadlineChanged per open assignment follows it in the same command. An
// assignment's new date re-arms its timers as a granted extension does.
// `old_due_on` empty: there was no date (most plan tasks name none).
struct DeadlineChanged {
  int32_t task = 0;
  std::string unit, old_due_on, new_due_on, reason;
  bool operator==(const DeadlineChanged&) const = default;
};
// The office cancelled one assignment (a return accepted by dropping it, or
// work no longer the unit's), with its reason. The task's other assignments
// are untouched.
struct AssignmentCancelled {
  int32_t task = 0;
  std::string unit, reason;
  bool operator==(const AssignmentCancelled&) const = default;
};
// The office moved a returned assignment to a unit that already holds an
// open assignment of the task: the two are merged. The returned one is
// cancelled; the unit's own assignment keeps its state, due date and
// timers, and becomes the lead when either was (`role`: its role after).
struct AssignmentMerged {
  int32_t task = 0;
  std::string from_unit, to_unit, reason;
  AssignmentRole role = AssignmentRole::kResponsible;
  bool operator==(const AssignmentMerged&) const = default;
};
// A leader's instruction (领导批示, kind "instruction") or an office comment
// (办公室意见, kind "comment") on a task (`unit` empty) or one assignment.
// Who wrote it is the event's actor (the authenticated account).
struct NoteAdded {
  int32_t task = 0;
  std::string unit, kind, text;
  bool operator==(const NoteAdded&) const = default;
};
// The office set, changed or (recurrence empty) stopped a task's reporting
// schedule. From the day of this event, each open assignment of the task is
// asked for a progress report (a review cycle "schedule:<task>:<checkpoint>")
// the definition's notice days before each checkpoint of `year` whose asking
// day is still to come. The task's first schedule is its deadline's
// recurrence (TaskAdded), in the plan's year.
struct ScheduleSet {
  int32_t task = 0;
  std::string old_recurrence, recurrence;
  int32_t year = 0;
  std::string reason;
  bool operator==(const ScheduleSet&) const = default;
};

// A unit delegated its assignment of a task one level down (多级下发) to
// `unit`, one of its sub-units (PlanImported.sub_units), due no later than
// its own. The child is an assignment of the task with its own lifecycle and
// timers; the parent unit reviews its submission and may cancel it with a
// reason, and cannot submit its own while a child is open.
// Version history: v2 has v1's fields; from v2 the child's acceptance limit
// counts from the later of when the delegation took effect and when it was
// recorded (as AssignmentCreated v2; v1 events count as they did).
struct AssignmentDelegated {
  int32_t task = 0;
  std::string parent_unit, unit, due_on, note;
  bool operator==(const AssignmentDelegated&) const = default;
};

// ---- engine bookkeeping -------------------------------------------------
// A refused command. Logged (outside any plan's stream) so the command-id
// index can be rebuilt from the log and a retried command gets the same answer.
struct CommandRejected {
  std::string command_type, reason, message;
  bool operator==(const CommandRejected&) const = default;
};

// An event type this build cannot decode: kept as bytes, skipped by projections.
struct UnknownEvent {
  uint16_t type = 0;
  uint16_t version = 0;
  std::string bytes;
  bool operator==(const UnknownEvent&) const = default;
};

using EventBody =
    std::variant<PlanImported, PlanAmended, PlanUnitAdded, PlanWithdrawn, TaskAdded, TaskAmended, TaskCancelled,
                 TaskCompleted, AssignmentCreated, AssignmentAccepted, AssignmentReturned, AssignmentReassigned,
                 ProgressReported, CompletionSubmitted, CompletionApproved, CompletionRejected, ExtensionRequested,
                 ExtensionGranted, ExtensionDenied, DeadlineApproaching, DeadlineMissed, EscalationRaised,
                 EscalationCleared, ReviewCycleStarted, ProgressReportRequested, ReviewCycleClosed, ReportOverdue,
                 AssignmentReopened, AcceptanceOverdue, ReviewOverdue, DeadlineRecounted, CalendarNoticeAdded,
                 AccountChanged, DeadlineChanged, AssignmentCancelled, AssignmentMerged, NoteAdded, ScheduleSet,
                 AssignmentDelegated, CommandRejected, UnknownEvent>;

// Stable on-disk type ids. Written to disk: never change a value.
enum class EventType : uint16_t {
  kPlanImported = 1,
  kPlanAmended = 2,
  kPlanWithdrawn = 3,
  kPlanUnitAdded = 4,
  kTaskAdded = 10,
  kTaskAmended = 11,
  kTaskCancelled = 12,
  kTaskCompleted = 13,
  kAssignmentCreated = 20,
  kAssignmentAccepted = 21,
  kAssignmentReturned = 22,
  kAssignmentReassigned = 23,
  kProgressReported = 24,
  kCompletionSubmitted = 25,
  kCompletionApproved = 26,
  kCompletionRejected = 27,
  kAssignmentReopened = 28,
  kExtensionRequested = 30,
  kExtensionGranted = 31,
  kExtensionDenied = 32,
  kDeadlineApproaching = 33,
  kDeadlineMissed = 34,
  kEscalationRaised = 35,
  kEscalationCleared = 36,
  kAcceptanceOverdue = 37,
  kReviewOverdue = 38,
  kDeadlineRecounted = 39,
  kReviewCycleStarted = 40,
  kProgressReportRequested = 41,
  kReviewCycleClosed = 42,
  kReportOverdue = 43,
  kCalendarNoticeAdded = 50,
  kAccountChanged = 60,
  kDeadlineChanged = 70,
  kAssignmentCancelled = 71,
  kAssignmentMerged = 72,
  kNoteAdded = 73,
  kScheduleSet = 74,
  kAssignmentDelegated = 75,
  kCommandRejected = 90,
};

EventType TypeOf(const EventBody& body);  // REQUIRES: not UnknownEvent
const char* EventTypeName(uint16_t type);
// The version this build writes for a type.
uint16_t CurrentVersion(EventType type);

// Envelope formats (the first byte of an event's encoding). Written to disk:
// format 1 ends ... prev_hash | body | hash; format 2 (current) adds
// back_entry_reason between body and hash. An event keeps the format it was
// written with, so an old event re-encodes to its old bytes and its hash
// still verifies.
inline constexpr uint8_t kEnvelopeFormatV1 = 1;
inline constexpr uint8_t kEnvelopeFormatCurrent = 2;

// The envelope every event travels in. Two times (docs/ARCHITECTURE.md, "Two
// times"): recorded_at is the engine's clock when it accepted the command;
// occurred_at is the effective time the writer claimed (the same unless the
// command said otherwise, within the rules decide enforces). Everything the
// domain judges (deadlines, as-of) reads occurred_at.
struct Event {
  std::string event_id;  // hex, derived from (command_id, index): deterministic
  std::string stream;    // plan id; "!rejected" for CommandRejected
  uint64_t stream_seq = 0;
  uint16_t type = 0;
  uint16_t type_version = 0;
  Instant occurred_at = 0;  // effective time: what the writer claimed, bounded by decide
  Instant recorded_at = 0;  // the engine's clock when it accepted the command
  Actor actor;
  std::string command_id;
  std::string correlation_id;
  std::string prev_hash;  // hex sha256 of the previous event of the stream, "" for the first
  std::string hash;       // hex sha256 over prev_hash and this event's canonical bytes
  EventBody body;
  // Envelope format 2: why the office entered this record with an effective
  // time earlier than recorded_at (a paper record entered late); empty for
  // a record made when it happened. Empty in every format-1 event.
  std::string back_entry_reason;
  uint8_t envelope_format = kEnvelopeFormatCurrent;  // the layout it was read from / is written in
};
// A record the office entered after the fact (occurred_at earlier than recorded_at, with a reason).
inline bool IsBackEntry(const Event& e) { return !e.back_entry_reason.empty(); }

// Task number of events that concern a task (0 for plan-level events).
int32_t TaskOf(const EventBody& body);
// Unit of events that concern an assignment ("" otherwise).
std::string UnitOf(const EventBody& body);

}  // namespace duban::schemas
