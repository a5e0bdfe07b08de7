// decide(state, command) -> events | rejection: the Decider's handlers for
// the plan, its tasks and assignments, extensions, the clock's timers and
// reopening (the office's tools are in decide_office_tools.cc; the class and
// the checks they share in decider.h), then CheckClaimedTime and Decide.
// Pure (no I/O, no clock: time arrives inside the command). Its counterpart,
// evolve, is in evolve.cc; both are declared in duban/core/domain.h.
#include "decider.h"

namespace duban::core {
namespace decide_internal {

R Decider::On(const ImportPlan& b) {
  if (auto st = NeedRole(Role::kSupervisor, "import a plan"); !st.ok()) return st;
  if (s_.exists)
    return Refuse(reason::kPlanExists,
                  "plan " + c_.plan_id + " was already imported; import it under a new plan id to make a new version");
  if (b.plan.title.empty()) return Refuse(reason::kInvalidArgument, "a plan needs a title");
  if (!b.plan.issued_on.empty() && !Date::Parse(b.plan.issued_on))
    return Refuse(reason::kInvalidArgument, "impossible issue date " + b.plan.issued_on);
  std::set<std::string> known(b.plan.units.begin(), b.plan.units.end());
  std::set<int32_t> numbers;
  for (const auto& t : b.tasks) {
    if (auto st = CheckTask(t); !st.ok()) return st;
    if (!numbers.insert(t.number).second)
      return Refuse(reason::kTaskExists, TaskLabel(t.number) + " appears twice in the plan");
    if (auto st = CheckUnits(known, t.lead_units, true); !st.ok()) return st;
    if (auto st = CheckUnits(known, t.responsible_units, true); !st.ok()) return st;
  }
  std::vector<EventBody> out;
  out.push_back(b.plan);
  for (const auto& t : b.tasks) EmitTask(t, out);
  // The definition's consolidation, recorded so the log alone says how the
  // plan's tasks answer (a later build's default changes no plan).
  if (def_.consolidation != kConsolidationPerUnit)
    out.push_back(PlanAmended{"consolidation", def_.consolidation, "the workflow definition's consolidation"});
  return out;
}

R Decider::On(const AddTask& b) {
  if (auto st = NeedRole(Role::kSupervisor, "add a task"); !st.ok()) return st;
  if (auto st = CheckTask(b.task); !st.ok()) return st;
  if (s_.tasks.count(b.task.number)) return Refuse(reason::kTaskExists, "plan already has " + TaskLabel(b.task.number));
  if (auto st = CheckUnits(s_.units, b.task.lead_units); !st.ok()) return st;
  if (auto st = CheckUnits(s_.units, b.task.responsible_units); !st.ok()) return st;
  std::vector<EventBody> out;
  EmitTask(b.task, out);
  return out;
}

R Decider::On(const CancelTask& b) {
  if (auto st = NeedRoleFor("cancel", "cancel a task"); !st.ok()) return st;
  auto t = s_.tasks.find(b.task);
  if (t == s_.tasks.end()) return Refuse(reason::kTaskNotFound, "plan " + c_.plan_id + " has no " + TaskLabel(b.task));
  if (t->second.cancelled || t->second.completed)
    return Refuse(reason::kTaskClosed, TaskLabel(b.task) + " is already closed");
  if (auto st = NeedText(b.reason, "the reason for cancelling"); !st.ok()) return st;
  return std::vector<EventBody>{TaskCancelled{b.task, b.reason}};
}

R Decider::On(const WithdrawPlan& b) {
  if (auto st = NeedRole(Role::kSupervisor, "withdraw a plan"); !st.ok()) return st;
  if (auto st = NeedText(b.reason, "the reason for withdrawing"); !st.ok()) return st;
  return std::vector<EventBody>{PlanWithdrawn{b.reason}};
}

R Decider::On(const Assign& b) {
  if (auto st = NeedRole(Role::kSupervisor, "assign tasks"); !st.ok()) return st;
  auto t = s_.tasks.find(b.task);
  if (t == s_.tasks.end()) return Refuse(reason::kTaskNotFound, "plan " + c_.plan_id + " has no " + TaskLabel(b.task));
  if (t->second.cancelled || t->second.completed) return Refuse(reason::kTaskClosed, TaskLabel(b.task) + " is closed");
  if (auto st = CheckUnits(s_.units, {b.unit}); !st.ok()) return st;
  auto it = s_.assignments.find({b.task, b.unit});
  if (it != s_.assignments.end() && it->second.status != AssignmentStatus::kCancelled &&
      it->second.status != AssignmentStatus::kReturned)
    return Refuse(reason::kAssignmentExists, b.unit + " already holds " + TaskLabel(b.task));
  if (auto st = NotBeforeIssue("work is assigned"); !st.ok()) return st;
  if (auto st = OneLeadWhenConsolidated(b.task, b.unit, b.role); !st.ok()) return st;
  // A unit given work whose date has passed would be late at the next tick, before it could sign for it.
  const std::string& task_due = t->second.deadline.due_on;
  if (b.due_on.empty()) {
    if (!task_due.empty())
      if (auto st =
              NotPastWhenReceived(task_due, "the task's date",
                                  "the unit would be late at once: give it a day to come (--due; due_on over the API)");
          !st.ok())
        return st;
    return std::vector<EventBody>{AssignmentCreated{b.task, b.unit, b.role, task_due}};
  }
  if (!Date::Parse(b.due_on))
    return Refuse(reason::kInvalidArgument, "not a valid date: '" + b.due_on + "' (YYYY-MM-DD)");
  if (auto st = NotPastWhenReceived(b.due_on, "the unit's date", "give a day to come"); !st.ok()) return st;
  return std::vector<EventBody>{AssignmentCreated{b.task, b.unit, b.role, b.due_on}};
}

R Decider::On(const Accept& b) {
  auto a = OwnAssignment(b.task, b.unit, "accept", "accept an assignment");
  if (!a.ok()) return a.status();
  if (auto st = Transition(**a, "accept", "accept"); !st.ok()) return st;
  return std::vector<EventBody>{AssignmentAccepted{b.task, b.unit}};
}

R Decider::On(const Return& b) {
  auto a = OwnAssignment(b.task, b.unit, "return", "return an assignment");
  if (!a.ok()) return a.status();
  if (auto st = Transition(**a, "return", "return"); !st.ok()) return st;
  if (auto st = NeedText(b.reason, "the reason for returning"); !st.ok()) return st;
  return std::vector<EventBody>{AssignmentReturned{b.task, b.unit, b.reason}};
}

R Decider::On(const Reassign& b) {
  if (auto st = NeedRoleFor("reassign", "reassign tasks"); !st.ok()) return st;
  auto it = s_.assignments.find({b.task, b.from_unit});
  if (it == s_.assignments.end() || it->second.status == AssignmentStatus::kCancelled)
    return Refuse(reason::kAssignmentNotFound, "task " + std::to_string(b.task) + " is not assigned to " + b.from_unit);
  if (auto st = Transition(it->second, "reassign", "reassign"); !st.ok()) return st;
  if (auto st = CheckUnits(s_.units, {b.to_unit}); !st.ok()) return st;
  auto to = s_.assignments.find({b.task, b.to_unit});
  if (b.to_unit == b.from_unit || (to != s_.assignments.end() && IsOpen(to->second.status)))
    return Refuse(reason::kAssignmentExists, b.to_unit + " already holds " + TaskLabel(b.task));
  if (auto st = NotOntoClosedPart(b.task, b.to_unit); !st.ok()) return st;
  // A new date is a deadline set: with its reason, as set_deadline's.
  if (!b.due_on.empty())
    if (auto st = NeedText(b.reason, "the reason for moving the work with a new date"); !st.ok()) return st;
  auto due = MovedDue(it->second, b.due_on);
  if (!due.ok()) return due.status();
  std::vector<EventBody> out{AssignmentReassigned{b.task, b.from_unit, b.to_unit, b.reason, *due}};
  CancelDelegated(b.task, b.from_unit, b.reason, out);
  return out;
}

R Decider::On(const ReportProgress& b) {
  auto a = OwnAssignment(b.task, b.unit, "report_progress", "report progress");
  if (!a.ok()) return a.status();
  if (auto st = Transition(**a, "report_progress", "report progress on"); !st.ok()) return st;
  if (b.percent < 0 || b.percent > 100)
    return Refuse(reason::kInvalidArgument, "percent must be between 0 and 100, got " + std::to_string(b.percent));
  if (auto st = NeedText(b.text, "the progress text"); !st.ok()) return st;
  return std::vector<EventBody>{ProgressReported{b.task, b.unit, b.percent, b.text, b.evidence, b.reporter, b.contact}};
}

R Decider::On(const Submit& b) {
  auto a = OwnAssignment(b.task, b.unit, "submit", "submit completion");
  if (!a.ok()) return a.status();
  if (auto st = Transition(**a, "submit", "submit"); !st.ok()) return st;
  if (const auto open = OpenDelegated(b.task, b.unit); !open.empty()) {
    std::string list;
    for (const auto& u : open) list += (list.empty() ? "" : "、") + u;
    return Refuse(reason::kDelegationOpen,
                  b.unit + " delegated " + TaskLabel(b.task) + " to " + list +
                      ", not settled: approve their submissions, or cancel them (returned ones "
                      "too) with a reason, before submitting");
  }
  if (const auto open = OpenConsolidated(b.task, b.unit); !open.empty()) {
    std::string list;
    for (const auto& u : open) list += (list.empty() ? "" : "、") + u;
    return Refuse(reason::kConsolidationOpen,
                  b.unit + " consolidates " + TaskLabel(b.task) + " (lead unit); " + list +
                      " still work on their parts (or returned them): they submit first (the office resolves a return "
                      "or cancels a part), then the lead submits the task's report");
  }
  std::vector<EventBody> out{CompletionSubmitted{b.task, b.unit, b.text, b.evidence}};
  // A paper submission the office enters as made on or before the due date
  // was on time: the clock's lateness for it is withdrawn (the overdue flag
  // is cleared when the submission is applied, see Evolve). Recorded for a
  // miss with no escalation yet too (level 0), so the unit told it was late
  // hears that it was not.
  if (!c_.back_entry_reason.empty() && ((*a)->escalation_level > 0 || (*a)->overdue) && !(*a)->due_on.empty() &&
      DayOf(c_.EffectiveAt()).ToString() <= (*a)->due_on)
    out.push_back(EscalationCleared{b.task, b.unit, (*a)->escalation_level, kClearedByBackEnteredHandIn});
  return out;
}

R Decider::On(const Approve& b) {
  if (auto st = NeedRoleOrDelegator("approve", "approve completion", b.task, b.unit); !st.ok()) return st;
  auto a = FindAssignment(b.task, b.unit);
  if (!a.ok()) return a.status();
  if (auto st = Transition(**a, "approve", "approve"); !st.ok()) return st;
  if (const std::string lead = ConsolidatorOf(s_, b.task, b.unit); !lead.empty()) {
    auto l = s_.assignments.find({b.task, lead});
    if (l != s_.assignments.end() && IsOpen(l->second.status))
      return Refuse(reason::kConsolidatedReview,
                    AssignmentLabel(b.task, b.unit) + " is consolidated by the lead unit " + lead + ": " + lead +
                        " submits the task's report, and approving that report closes this part with it");
  }
  std::vector<EventBody> out{CompletionApproved{b.task, b.unit, b.comment}};
  ClearEscalation(**a, "completed", out);
  // The lead's report closes the submitted parts it consolidates.
  std::set<std::string> closing;
  for (const auto& u : ConsolidatedUnits(s_, b.task, b.unit)) {
    const AssignmentState& part = s_.assignments.at({b.task, u});
    // Only what the lead's report consolidated: a part submitted after it
    // (sent back and resubmitted, or assigned later) is reviewed on its own.
    if (part.status != AssignmentStatus::kSubmitted || part.submitted_at > (*a)->submitted_at) continue;
    out.push_back(CompletionApproved{b.task, u, "随牵头单位" + b.unit + "汇总报告销号"});
    ClearEscalation(part, "completed", out);
    closing.insert(u);
  }
  // The task is done when every other live assignment of it is done too.
  if (OthersClosed(b.task, b.unit, false, closing)) out.push_back(TaskCompleted{b.task});
  return out;
}

R Decider::On(const schemas::Reject& b) {
  if (auto st = NeedRoleOrDelegator("reject", "reject a submission", b.task, b.unit); !st.ok()) return st;
  auto a = FindAssignment(b.task, b.unit);
  if (!a.ok()) return a.status();
  if (auto st = Transition(**a, "reject", "reject"); !st.ok()) return st;
  if (auto st = NeedText(b.reason, "the reason for rejecting"); !st.ok()) return st;
  return std::vector<EventBody>{CompletionRejected{b.task, b.unit, b.reason}};
}

R Decider::On(const RequestExtension& b) {
  auto a = OwnAssignment(b.task, b.unit, "request_extension", "request an extension");
  if (!a.ok()) return a.status();
  if (auto st = Transition(**a, "request_extension", "request an extension of"); !st.ok()) return st;
  auto d = Date::Parse(b.new_due_on);
  if (!d) return Refuse(reason::kInvalidArgument, "not a valid date: '" + b.new_due_on + "' (YYYY-MM-DD)");
  if (!(*a)->due_on.empty() && b.new_due_on <= (*a)->due_on)
    return Refuse(reason::kInvalidArgument, "an extension must move the due date " + (*a)->due_on + " later");
  if (auto st = NotPast(b.new_due_on, "an extension to", "it gives no time: ask for a day to come"); !st.ok())
    return st;
  if (auto st = NeedText(b.reason, "the reason for the extension"); !st.ok()) return st;
  return std::vector<EventBody>{ExtensionRequested{b.task, b.unit, b.new_due_on, b.reason}};
}

R Decider::On(const GrantExtension& b) {
  if (auto st = NeedRoleOrDelegator("grant_extension", "grant an extension", b.task, b.unit); !st.ok()) return st;
  auto a = FindAssignment(b.task, b.unit);
  if (!a.ok()) return a.status();
  if (auto st = Transition(**a, "grant_extension", "grant an extension of"); !st.ok()) return st;
  if ((*a)->pending_extension.empty())
    return Refuse(reason::kInvalidTransition, AssignmentLabel(b.task, b.unit) + " has no extension request");
  const std::string due = b.new_due_on.empty() ? (*a)->pending_extension : b.new_due_on;
  if (!Date::Parse(due)) return Refuse(reason::kInvalidArgument, "not a valid date: '" + due + "'");
  if (!(*a)->due_on.empty() && due <= (*a)->due_on)
    return Refuse(reason::kInvalidArgument, "an extension must move the due date " + (*a)->due_on + " later");
  if (auto st = NotPast(due, "an extension to", "it gives no time: grant a day to come"); !st.ok()) return st;
  // The unit that delegated it gives no more time than it has itself; the office may.
  if (c_.actor.role == Role::kUnit) {
    auto parent = s_.assignments.find({b.task, (*a)->parent});
    if (parent != s_.assignments.end() && !parent->second.due_on.empty() && due > parent->second.due_on)
      return Refuse(reason::kInvalidArgument,
                    c_.actor.id + " is itself due " + parent->second.due_on +
                        "; it cannot extend a delegated assignment past that (the office can)");
  }
  std::vector<EventBody> out{ExtensionGranted{b.task, b.unit, due}};
  ClearEscalation(**a, "extension granted", out);
  return out;
}

R Decider::On(const DenyExtension& b) {
  if (auto st = NeedRoleOrDelegator("deny_extension", "deny an extension", b.task, b.unit); !st.ok()) return st;
  auto a = FindAssignment(b.task, b.unit);
  if (!a.ok()) return a.status();
  if (auto st = Transition(**a, "deny_extension", "deny an extension of"); !st.ok()) return st;
  if ((*a)->pending_extension.empty())
    return Refuse(reason::kInvalidTransition, AssignmentLabel(b.task, b.unit) + " has no extension request");
  if (auto st = NeedText(b.reason, "the reason for denying"); !st.ok()) return st;
  return std::vector<EventBody>{ExtensionDenied{b.task, b.unit, b.reason}};
}

// Timers only notice; whether a timer still means something is decided here,
// against the state at the moment it fires. A stale timer yields no events.
R Decider::On(const FireTimer& b) {
  if (auto st = NeedRole(Role::kSystem, "fire timers"); !st.ok()) return st;
  std::vector<EventBody> none;
  if (b.kind == TimerKind::kReportOverdue) return OnReportOverdue(b);
  // Legacy kind: no policy arms it any more (it reused DeadlineMissed, which
  // is the assignment's own deadline; report_overdue replaces it).
  if (b.kind == TimerKind::kScheduledReport) return OnScheduledReport(b);
  if (b.kind == TimerKind::kReportDue) {
    auto cy = s_.cycles.find(b.cycle_id);
    if (cy == s_.cycles.end() || cy->second.closed) return none;
    if (cy->second.answered.count({b.task, b.unit})) return none;
    return std::vector<EventBody>{DeadlineMissed{b.task, b.unit, b.due_on, "", false}};
  }
  auto it = s_.assignments.find({b.task, b.unit});
  if (it == s_.assignments.end()) return none;
  const AssignmentState& a = it->second;
  // The acceptance and review limits: stale once the assignment moved on
  // or was made anew (armed_at is the assignment or the submission).
  if (b.kind == TimerKind::kAcceptanceOverdue) {
    if (a.status != AssignmentStatus::kAssigned || a.acceptance_overdue || b.armed_at != a.assigned_at) return none;
    return std::vector<EventBody>{AcceptanceOverdue{b.task, b.unit, DayOf(a.assigned_at).ToString(), b.due_on, b.notify,
                                                    b.calendar_version, b.provisional}};
  }
  if (b.kind == TimerKind::kReviewOverdue) {
    if (a.status != AssignmentStatus::kSubmitted || a.review_overdue || b.armed_at != a.submitted_at) return none;
    return std::vector<EventBody>{ReviewOverdue{b.task, b.unit, DayOf(a.submitted_at).ToString(), b.due_on, b.notify,
                                                b.calendar_version, b.provisional}};
  }
  // Work handed in after this miss was due, the clock not having run
  // meanwhile (the policy keeps the miss armed for it): late all the same.
  if (b.kind == TimerKind::kMissed &&
      (a.status == AssignmentStatus::kSubmitted || a.status == AssignmentStatus::kCompleted) && !a.overdue &&
      a.due_on == b.due_on && a.submitted_at >= c_.EffectiveAt())
    return std::vector<EventBody>{DeadlineMissed{b.task, b.unit, b.due_on, b.calendar_version, b.provisional}};
  if (!IsOpen(a.status) || a.status == AssignmentStatus::kSubmitted || a.due_on != b.due_on) return none;
  if (b.kind == TimerKind::kReminder) {
    if (a.overdue || (a.reminded_days != 0 && b.working_days_left >= a.reminded_days)) return none;
    return std::vector<EventBody>{
        DeadlineApproaching{b.task, b.unit, b.due_on, b.working_days_left, b.calendar_version, b.provisional}};
  }
  if (b.kind == TimerKind::kMissed) {
    if (a.overdue) return none;
    return std::vector<EventBody>{DeadlineMissed{b.task, b.unit, b.due_on, b.calendar_version, b.provisional}};
  }
  if (b.kind == TimerKind::kEscalation) {
    if (!a.overdue || b.level <= a.escalation_level) return none;
    return std::vector<EventBody>{
        EscalationRaised{b.task, b.unit, b.level, b.step, b.notify, b.calendar_version, b.provisional}};
  }
  return Refuse(reason::kInvalidArgument, "unknown timer kind '" + std::string(TimerKindName(b.kind)) + "'");
}

// A task's schedule asks a unit for its report before a checkpoint (see
// duban/core/schedule.h): the checkpoint's review cycle starts with the
// first ask. Stale when the schedule was changed since the timer was armed
// (armed_at is when it was set), or the ask no longer holds.
R Decider::OnScheduledReport(const FireTimer& b) {
  std::vector<EventBody> none;
  auto t = s_.tasks.find(b.task);
  auto a = s_.assignments.find({b.task, b.unit});
  auto checkpoint = Date::Parse(b.due_on);
  if (t == s_.tasks.end() || a == s_.assignments.end() || !checkpoint) return none;
  if (t->second.schedule_set_at != b.armed_at || !ScheduleStillAsks(s_, t->second, a->second, *checkpoint)) return none;
  std::vector<EventBody> out;
  const std::string id = ScheduleCycleId(b.task, *checkpoint);
  if (!s_.cycles.count(id)) {
    const std::string& rec = t->second.deadline.recurrence;
    out.push_back(ReviewCycleStarted{id, "task:" + std::to_string(b.task),
                                     workflows::WorkflowDefinition::CycleKindOfPeriod(rec.substr(0, rec.find(':'))),
                                     b.due_on});
  }
  out.push_back(ProgressReportRequested{id, b.task, b.unit, b.due_on});
  return out;
}

// A requested report came due unanswered (level 0), or its silence climbs
// the ladder (level >= 1, only once overdue, only upwards). Stale when the
// cycle is closed, the request answered, or the assignment no longer open.
R Decider::OnReportOverdue(const FireTimer& b) {
  std::vector<EventBody> none;
  auto cy = s_.cycles.find(b.cycle_id);
  if (cy == s_.cycles.end() || cy->second.closed) return none;
  const CycleState& c = cy->second;
  const std::pair<int32_t, std::string> key{b.task, b.unit};
  if (!c.requested.count(key) || c.answered.count(key)) return none;
  auto a = s_.assignments.find(key);
  if (a == s_.assignments.end() || !IsOpen(a->second.status) || a->second.status == AssignmentStatus::kSubmitted)
    return none;
  auto ov = c.overdue.find(key);
  if (b.level == 0) {
    if (ov != c.overdue.end()) return none;
  } else if (ov == c.overdue.end() || b.level <= ov->second) {
    return none;
  }
  return std::vector<EventBody>{ReportOverdue{b.cycle_id, b.task, b.unit, c.due_on, b.level, b.step, b.notify,
                                              b.calendar_version, b.provisional}};
}

R Decider::On(const ReopenAssignment& b) {
  if (auto st = NeedRoleFor("reopen", "reopen an assignment"); !st.ok()) return st;
  auto a = FindAssignment(b.task, b.unit);
  if (!a.ok()) return a.status();
  if (auto st = Transition(**a, "reopen", "reopen"); !st.ok()) return st;
  if (auto st = NeedText(b.reason, "the reason for reopening"); !st.ok()) return st;
  auto cy = s_.cycles.find(b.cycle_id);
  if (cy == s_.cycles.end())
    return Refuse(reason::kCycleNotFound,
                  "a completed assignment is reopened by a look-back cycle; no review cycle '" + b.cycle_id + "'");
  if (cy->second.kind != "lookback" || cy->second.closed)
    return Refuse(reason::kInvalidTransition, "review cycle " + b.cycle_id + " is " +
                                                  (cy->second.closed ? "closed" : "not a look-back (回头看)") +
                                                  "; only an open look-back may reopen completed work");
  std::string due = b.new_due_on.empty() ? (*a)->due_on : b.new_due_on;
  if (!due.empty() && !Date::Parse(due))
    return Refuse(reason::kInvalidArgument, "not a valid date: '" + due + "' (YYYY-MM-DD)");
  // Without one it keeps its old date and is late from the reopening (what the
  // look-back found); a new date given is time to come.
  if (!b.new_due_on.empty())
    if (auto st =
            NotPast(b.new_due_on, "the reopened work's new date", "give a day to come, or none to keep its old date");
        !st.ok())
      return st;
  return std::vector<EventBody>{AssignmentReopened{b.task, b.unit, b.reason, b.cycle_id, due}};
}

}  // namespace decide_internal

using decide_internal::Decider;
using decide_internal::Minutes;
using decide_internal::Refuse;

Status CheckClaimedTime(const TimeRules& rules, schemas::Role role, Instant issued, Instant effective,
                        const std::string& back_entry_reason) {
  using schemas::Role;
  if (role == Role::kSystem) return Status::Ok();
  if (effective > issued + rules.max_skew_ms)
    return Refuse(reason::kTimeInFuture, "the claimed time " + FormatInstant(effective) +
                                             " is later than the engine's clock (" + FormatInstant(issued) +
                                             "); nothing is recorded as happening in the future");
  const bool earlier = effective < issued - rules.max_skew_ms;
  if (role == Role::kUnit) {
    if (!back_entry_reason.empty())
      return Refuse(reason::kForbiddenRole, "only the office enters paper records after the fact (--back-entry)");
    if (earlier)
      return Refuse(reason::kBackdated, "a unit's record takes the engine's clock (" + FormatInstant(issued) +
                                            "); the claimed time " + FormatInstant(effective) + " is more than " +
                                            Minutes(rules.max_skew_ms) +
                                            " earlier. A paper record of an earlier date is entered by the office "
                                            "(--at DATE --back-entry REASON)");
  }
  if (role == Role::kSupervisor && earlier) {
    if (!rules.office_back_entry)
      return Refuse(reason::kBackdated,
                    "this workflow definition lets no one enter records after the fact; the "
                    "claimed time " +
                        FormatInstant(effective) + " is before the engine's clock (" + FormatInstant(issued) + ")");
    if (!HasVisibleText(back_entry_reason))
      return Refuse(reason::kBackEntryNeedsReason,
                    "a record entered with an earlier time (" + FormatInstant(effective) +
                        ") is a back-entry: say why, e.g. the paper record it copies (--back-entry REASON)");
  }
  return Status::Ok();
}

Result<std::vector<EventBody>> Decide(const PlanState& state, const Command& command, const TimeRules& rules,
                                      const workflows::WorkflowDefinition& definition) {
  return Decider(state, command, rules, definition).Run();
}

}  // namespace duban::core
