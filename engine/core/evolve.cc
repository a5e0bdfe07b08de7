// evolve(state, event) -> state: the Applier, one On() per event type,
// grouped by family; pure (the event carries its time). Replay runs only
// this. Its counterpart, decide, is in decide.cc; both are declared in
// duban/core/domain.h.
#include <algorithm>

#include "duban/core/schedule.h"
#include "duban/core/domain.h"
#include "duban/date.h"
#include "duban/schemas/deadline_recount.h"

namespace duban::core {
namespace {

using namespace schemas;

// A fresh assignment (created, or moved to another unit), replacing any earlier one of that unit.
AssignmentState& NewAssignment(PlanState& s, int32_t task, const std::string& unit, AssignmentRole role,
                               const std::string& due_on, Instant at) {
  AssignmentState a;
  a.task = task;
  a.unit = unit;
  a.role = role;
  a.due_on = due_on;
  a.due_set_at = at;
  a.assigned_at = at;
  return s.assignments[{task, unit}] = std::move(a);
}

AssignmentState* Find(PlanState& s, int32_t task, const std::string& unit) {
  auto it = s.assignments.find({task, unit});
  return it == s.assignments.end() ? nullptr : &it->second;
}

// A new due date from the office (a granted extension, a deadline set or
// changed): the deadline starts afresh, so its timers are re-armed from it
// (due_set_at is their arming) and what the old date caused is cleared. A
// pending request is answered by it.
void Redate(AssignmentState& a, const std::string& due_on, Instant at) {
  a.due_on = due_on;
  a.due_set_at = at;
  a.pending_extension.clear();
  a.overdue = false;
  a.reminded_days = 0;
  a.returns.clear();  // a new date is a new ladder
}

// Applies one event to a plan's state. Every event type has an On(); an
// event a plan state does not hold (PlanAmended, CommandRejected, ...) has
// an empty one, so a new event type fails to compile until it is handled.
class Applier {
 public:
  Applier(PlanState& s, const Event& e) : s_(s), e_(e), at_(e.occurred_at), by_person_(e.actor.role != Role::kSystem) {}

  // ---- plan
  void On(const PlanImported& b) {
    s_.exists = true;
    s_.id = e_.stream;
    s_.meta = b;
    s_.units = std::set<std::string>(b.units.begin(), b.units.end());
  }
  void On(const PlanAmended& b) {
    if (b.field == "consolidation") s_.consolidation = b.value;
  }
  void On(const PlanUnitAdded& b) {
    if (s_.units.insert(b.name).second) s_.meta.units.push_back(b.name);
    for (const auto& sub : b.sub_units)
      if (std::none_of(s_.meta.sub_units.begin(), s_.meta.sub_units.end(),
                       [&](const schemas::SubUnit& known) { return known.name == sub.name; }))
        s_.meta.sub_units.push_back(sub);
  }
  void On(const PlanWithdrawn&) {
    s_.withdrawn = true;
    for (auto& [k, a] : s_.assignments)
      if (IsOpen(a.status) || a.status == AssignmentStatus::kSubmitted) {
        a.status = AssignmentStatus::kCancelled;
        Touch(&a);
      }
  }
  // ---- tasks
  void On(const TaskAdded& b) {
    TaskState t;
    t.number = b.number;
    t.section = b.section;
    t.title = b.title;
    t.content = b.content;
    t.deadline = b.deadline;
    t.updated_at = at_;
    if (!t.deadline.recurrence.empty()) {
      t.schedule_year = ScheduleYear(s_, at_);
      t.schedule_set_at = at_;
    }
    s_.tasks[b.number] = std::move(t);
  }
  void On(const TaskAmended&) {}
  void On(const TaskCancelled& b) {
    auto& t = s_.tasks[b.number];
    t.cancelled = true;
    t.updated_at = at_;
    for (auto it = s_.assignments.lower_bound({b.number, ""});
         it != s_.assignments.end() && it->first.first == b.number; ++it) {
      if (it->second.status != AssignmentStatus::kCompleted) {
        it->second.status = AssignmentStatus::kCancelled;
        Touch(&it->second);
      }
    }
  }
  void On(const TaskCompleted& b) {
    auto& t = s_.tasks[b.number];
    t.completed = true;
    t.updated_at = at_;
  }
  // ---- assignments: created, accepted (签收), returned (退回), reassigned, progress, submitted, closed out (销号)
  void On(const AssignmentCreated& b) {
    AssignmentState& a = NewAssignment(s_, b.task, b.unit, b.role, b.due_on, at_);
    // v2: a unit signs for work it can see, so the acceptance limit counts
    // from the record when the office entered the work late (events.h).
    if (e_.type_version >= 2) a.assigned_at = std::max(e_.occurred_at, e_.recorded_at);
    Touch(&a);
  }
  void On(const AssignmentAccepted& b) {
    if (auto* a = Touch(Find(s_, b.task, b.unit))) {
      a->status = AssignmentStatus::kAccepted;
      a->acceptance_overdue = false;
    }
  }
  void On(const AssignmentReturned& b) {
    if (auto* a = Touch(Find(s_, b.task, b.unit))) {
      a->status = AssignmentStatus::kReturned;
      a->last_reason = b.reason;
      a->acceptance_overdue = false;
    }
  }
  void On(const AssignmentReassigned& b) {
    AssignmentState moved;
    if (auto* from = Touch(Find(s_, b.task, b.from_unit))) {
      moved = *from;
      from->status = AssignmentStatus::kCancelled;
      from->last_reason = b.reason;
    }
    AssignmentState& to =
        NewAssignment(s_, b.task, b.to_unit, moved.role, b.due_on.empty() ? moved.due_on : b.due_on, at_);
    // v3: the unit it moves to signs for work it can see (as AssignmentCreated v2).
    if (e_.type_version >= 3) to.assigned_at = std::max(e_.occurred_at, e_.recorded_at);
    Touch(&to);
  }
  void On(const ProgressReported& b) {
    if (auto* a = Touch(Find(s_, b.task, b.unit))) {
      a->status = AssignmentStatus::kInProgress;
      a->percent = b.percent;
      a->reports += 1;
    }
    for (auto& [id, c] : s_.cycles) {
      if (c.closed || !c.requested.count({b.task, b.unit})) continue;
      if (c.answered.insert({b.task, b.unit}).second && DayOf(at_).ToString() > c.due_on)
        c.late.insert({b.task, b.unit});
    }
  }
  void On(const CompletionSubmitted& b) {
    if (auto* a = Touch(Find(s_, b.task, b.unit))) {
      a->status = AssignmentStatus::kSubmitted;
      a->submitted_at = at_;
      a->review_overdue = false;
      // Entered by the office as made on or before the due date: it was on time.
      if (IsBackEntry(e_) && !a->due_on.empty() && DayOf(at_).ToString() <= a->due_on) a->overdue = false;
    }
  }
  void On(const CompletionApproved& b) {
    if (auto* a = Touch(Find(s_, b.task, b.unit))) {
      a->status = AssignmentStatus::kCompleted;
      a->percent = 100;
      a->review_overdue = false;
    }
  }
  void On(const CompletionRejected& b) {
    if (auto* a = Touch(Find(s_, b.task, b.unit))) {
      a->status = AssignmentStatus::kInProgress;
      a->last_reason = b.reason;
      a->review_overdue = false;
      a->returns.push_back({a->submitted_at, at_});
    }
  }
  // ---- deadlines: extensions, reminders, misses, the escalation ladder
  void On(const ExtensionRequested& b) {
    if (auto* a = Touch(Find(s_, b.task, b.unit))) a->pending_extension = b.new_due_on;
  }
  void On(const ExtensionGranted& b) {
    if (auto* a = Touch(Find(s_, b.task, b.unit))) Redate(*a, b.new_due_on, at_);
  }
  void On(const ExtensionDenied& b) {
    if (auto* a = Touch(Find(s_, b.task, b.unit))) {
      a->pending_extension.clear();
      a->last_reason = b.reason;
    }
  }
  void On(const DeadlineApproaching& b) {
    if (auto* a = Touch(Find(s_, b.task, b.unit))) {
      a->reminded_days = b.working_days_left;
      if (a->reminders >= 0) ++a->reminders;
    }
  }
  void On(const DeadlineMissed& b) {
    if (auto* a = Touch(Find(s_, b.task, b.unit))) {
      if (a->due_on == b.due_on) a->overdue = true;
    }
  }
  void On(const EscalationRaised& b) {
    if (auto* a = Touch(Find(s_, b.task, b.unit))) a->escalation_level = b.level;
  }
  void On(const EscalationCleared& b) {
    if (auto* a = Touch(Find(s_, b.task, b.unit))) a->escalation_level = 0;
  }
  // ---- review cycles and the look-back
  void On(const ReviewCycleStarted& b) {
    CycleState c;
    c.kind = b.kind;
    c.scope = b.scope;
    c.due_on = b.due_on;
    s_.cycles[b.cycle_id] = std::move(c);
  }
  void On(const ProgressReportRequested& b) { s_.cycles[b.cycle_id].requested.insert({b.task, b.unit}); }
  void On(const ReviewCycleClosed& b) { s_.cycles[b.cycle_id].closed = true; }
  void On(const ReportOverdue& b) { s_.cycles[b.cycle_id].overdue[{b.task, b.unit}] = b.level; }
  void On(const AssignmentReopened& b) {
    if (auto* a = Touch(Find(s_, b.task, b.unit))) {
      a->status = AssignmentStatus::kInProgress;
      a->due_on = b.due_on;
      a->due_set_at = at_;
      a->overdue = false;
      a->reminded_days = 0;
      a->escalation_level = 0;
      a->last_reason = b.reason;
      // A new arming (due_set_at), its lateness and level cleared: counted
      // from the reopening as work handed in on time.
      a->returns.assign(1, {0, at_});
    }
    auto t = s_.tasks.find(b.task);
    if (t != s_.tasks.end()) {
      t->second.completed = false;
      t->second.updated_at = at_;
    }
  }
  // ---- the clock's other flags
  void On(const AcceptanceOverdue& b) {
    if (auto* a = Touch(Find(s_, b.task, b.unit))) a->acceptance_overdue = true;
  }
  void On(const ReviewOverdue& b) {
    if (auto* a = Touch(Find(s_, b.task, b.unit))) a->review_overdue = true;
  }
  // Unit empty: the task's date, which later assignments of it count on.
  // A first change "due A -> B": the date counted again on the notice (a
  // working-day count the provisional rule had made); the assignment's
  // reminders and lateness start over as for a new date (the lateness
  // stays when a second change "overdue stands" says the new date has
  // passed too); a pending extension request stays the office's to
  // answer. (Recounts written before dates were counted again never name
  // such a change.)
  // The first change says whether the state changes (deadline_recount.h).
  void On(const DeadlineRecounted& b) {
    const bool redated = schemas::RecountMovesDate(b);
    if (b.unit.empty()) {
      if (auto t = s_.tasks.find(b.task); t != s_.tasks.end()) {
        t->second.deadline.calendar_version = b.calendar_version;
        if (redated) t->second.deadline.due_on = b.due_on;
      }
      return;
    }
    if (auto* a = Touch(Find(s_, b.task, b.unit))) {
      a->calendar_version = b.calendar_version;
      if (schemas::RecountWithdrawsOverdue(b)) {
        a->overdue = false;
        a->due_set_at = at_;  // reminders of days already past are moot, as for a new date
      }
      if (redated && b.due_on != a->due_on) {
        a->due_on = b.due_on;
        a->due_set_at = at_;
        // "overdue stands" is written for late work: overdue already, or
        // handed in after its old date with the miss not yet fired (the
        // clock had not run), which the change makes late at once.
        a->overdue = schemas::RecountKeepsOverdue(b);
        a->reminded_days = 0;
      }
    }
  }
  // ---- office tools
  // Unit empty: the task's own date, which later assignments of it start
  // with; the plan's words stay as written (deadline.text), and the date is
  // no longer one computed from them on a calendar version.
  void On(const DeadlineChanged& b) {
    if (b.unit.empty()) {
      auto t = s_.tasks.find(b.task);
      if (t == s_.tasks.end()) return;
      t->second.deadline.due_on = b.new_due_on;
      t->second.deadline.unresolved = false;
      t->second.deadline.calendar_version.clear();
      t->second.updated_at = at_;
      return;
    }
    if (auto* a = Touch(Find(s_, b.task, b.unit))) Redate(*a, b.new_due_on, at_);
  }
  void On(const AssignmentCancelled& b) {
    if (auto* a = Touch(Find(s_, b.task, b.unit))) Close(*a, b.reason);
  }
  void On(const AssignmentMerged& b) {
    if (auto* from = Touch(Find(s_, b.task, b.from_unit))) Close(*from, b.reason);
    if (auto* to = Touch(Find(s_, b.task, b.to_unit))) to->role = b.role;
  }
  // A note changes no state: it is a record in the task's history.
  // An urging (催办) is the office's act on the assignment: its silence
  // (the silent queue) counts again from it. Other notes change nothing.
  void On(const NoteAdded& b) {
    if (b.kind == "urge") Touch(Find(s_, b.task, b.unit));
  }
  // The child is a new assignment with its own lifecycle; delegating is the
  // parent unit's act on its own (its silence counts again from it).
  void On(const AssignmentDelegated& b) {
    AssignmentState& child = NewAssignment(s_, b.task, b.unit, AssignmentRole::kResponsible, b.due_on, at_);
    // v2: the sub-unit signs for work it can see (as AssignmentCreated v2).
    if (e_.type_version >= 2) child.assigned_at = std::max(e_.occurred_at, e_.recorded_at);
    child.parent = b.parent_unit;
    Touch(&child);
    Touch(Find(s_, b.task, b.parent_unit));
  }
  void On(const ScheduleSet& b) {
    auto t = s_.tasks.find(b.task);
    if (t == s_.tasks.end()) return;
    t->second.deadline.recurrence = b.recurrence;
    t->second.schedule_year = b.recurrence.empty() ? 0 : b.year;
    t->second.schedule_set_at = b.recurrence.empty() ? 0 : at_;
    t->second.updated_at = at_;
  }
  // Recorded in the stream "!calendar", never in a plan's: the engine
  // hands it to its timer policy, not to a plan state.
  void On(const CalendarNoticeAdded&) {}
  void On(const schemas::AccountChanged&) {}
  void On(const CommandRejected&) {}
  void On(const UnknownEvent&) {}

 private:
  // An assignment the office takes off its unit (cancelled, or merged into
  // another): closed, with why; its limits no longer run.
  static void Close(AssignmentState& a, const std::string& reason) {
    a.status = AssignmentStatus::kCancelled;
    a.last_reason = reason;
    a.acceptance_overdue = false;
    a.review_overdue = false;
  }

  // Marks an assignment changed by this event (a person's act also moves
  // last_act_at); passes null through.
  AssignmentState* Touch(AssignmentState* a) {
    if (!a) return a;
    a->updated_at = at_;
    a->updated_seq = e_.stream_seq;
    if (by_person_) a->last_act_at = std::max(a->last_act_at, at_);
    return a;
  }

  PlanState& s_;
  const Event& e_;
  const Instant at_;
  const bool by_person_;
};

}  // namespace

void Evolve(PlanState& s, const Event& e) {
  s.version = e.stream_seq;
  s.last_hash = e.hash;
  s.updated_at = e.occurred_at;
  s.max_occurred_at = std::max(s.max_occurred_at, e.occurred_at);
  s.max_recorded_at = std::max(s.max_recorded_at, e.recorded_at);
  s.since_snapshot.min_occurred_at = std::min(s.since_snapshot.min_occurred_at, e.occurred_at);
  s.since_snapshot.min_recorded_at = std::min(s.since_snapshot.min_recorded_at, e.recorded_at);
  Applier applier(s, e);
  std::visit([&](const auto& b) { applier.On(b); }, e.body);
}

}  // namespace duban::core
