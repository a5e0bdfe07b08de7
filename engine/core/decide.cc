// decide(state, command) -> events | rejection: the Decider, one On() per
// command type; pure (no I/O, no clock: time arrives inside the command).
// Its counterpart, evolve, is in evolve.cc; both are declared in
// duban/core/domain.h.
#include <algorithm>
#include <stdexcept>

#include "duban/core/domain.h"
#include "duban/date.h"
#include "duban/terminal_text.h"

namespace duban::core {
namespace {

using namespace schemas;
using R = Result<std::vector<EventBody>>;

Status Refuse(const char* code, std::string message) { return Status::Rejected(code, std::move(message)); }

std::string TaskLabel(int32_t task) { return "task " + std::to_string(task); }
std::string AssignmentLabel(int32_t task, const std::string& unit) {
  return "the assignment of task " + std::to_string(task) + " to " + unit;
}

std::string Minutes(Instant ms) { return std::to_string(ms / 60000) + " minutes"; }

class Decider {
 public:
  Decider(const PlanState& s, const Command& c, const TimeRules& rules,
          const workflows::WorkflowDefinition& def)
      : s_(s), c_(c), rules_(rules), def_(def) {}

  R Run() {
    const Role role = c_.actor.role;
    if (role == Role::kAuditor)
      return Refuse(reason::kForbiddenRole, "auditors read the record; they cannot change it");
    if (c_.expected_version && *c_.expected_version != s_.version)
      return Refuse(reason::kVersionConflict,
                    "plan " + c_.plan_id + " is at version " + std::to_string(s_.version) +
                        ", the command expected " + std::to_string(*c_.expected_version));
    if (!std::holds_alternative<ImportPlan>(c_.body)) {
      if (!s_.exists) return Refuse(reason::kPlanNotFound, "no plan with id " + c_.plan_id);
      if (s_.withdrawn) return Refuse(reason::kPlanWithdrawn, "plan " + c_.plan_id + " was withdrawn");
    }
    if (auto st = CheckTimes(); !st.ok()) return st;
    return std::visit([this](const auto& b) { return On(b); }, c_.body);
  }

 private:
  // The two times (TimeRules): the claim against the clock, then against
  // the record of the assignment the command concerns.
  Status CheckTimes() const {
    const Role role = c_.actor.role;
    if (role == Role::kSystem) return Status::Ok();
    if (auto st = CheckClaimedTime(rules_, role, c_.issued_at, c_.EffectiveAt(), c_.back_entry_reason); !st.ok())
      return st;
    const AssignmentState* a = nullptr;
    std::visit([&](const auto& b) {
      std::string unit;
      if constexpr (requires { b.from_unit; }) unit = b.from_unit;
      else if constexpr (requires { b.unit; }) unit = b.unit;
      if constexpr (requires { b.task; } && !std::is_same_v<std::decay_t<decltype(b)>, AddTask>) {
        if (!unit.empty()) {
          auto it = s_.assignments.find({b.task, unit});
          if (it != s_.assignments.end()) a = &it->second;
        }
      }
    }, c_.body);
    if (!a) return Status::Ok();
    // A unit acts now, after whatever its assignment last recorded; the office's
    // paper record may precede the clock's judgements but not a person's act.
    const Instant floor = role == Role::kUnit ? std::max(a->updated_at, a->last_act_at) : a->last_act_at;
    if (c_.EffectiveAt() < floor)
      return Refuse(reason::kBackdated, "the claimed time " + FormatInstant(c_.EffectiveAt()) + " is earlier than " +
                                            AssignmentLabel(a->task, a->unit) + " last recorded (" +
                                            FormatInstant(floor) + "); a record cannot be placed before it");
    return Status::Ok();
  }

  Status NeedRole(Role want, const char* what) const {
    if (c_.actor.role == want) return Status::Ok();
    return Refuse(reason::kForbiddenRole, std::string("only the ") + RoleName(want) + " may " + what +
                                              " (actor " + c_.actor.id + " acts as " +
                                              RoleName(c_.actor.role) + ")");
  }

  // A lifecycle step's roles, as the definition declares them.
  Status NeedRoleFor(const char* action, const char* what) const {
    const workflows::LifecycleTransition* t = def_.FindTransition(action);
    if (!t) return Refuse(reason::kInvalidTransition, std::string("the workflow definition has no step '") + action + "'");
    const std::string role = RoleName(c_.actor.role);
    if (std::find(t->roles.begin(), t->roles.end(), role) != t->roles.end()) return Status::Ok();
    std::string who;
    for (const auto& r : t->roles) who += (who.empty() ? "" : " or ") + r;
    return Refuse(reason::kForbiddenRole, "only the " + who + " may " + what + " (actor " + c_.actor.id +
                                              " acts as " + role + ")");
  }

  // The assignment a unit acts on: must exist, and be the acting unit's own.
  // The office may enter a unit's act on its behalf only as a paper record,
  // with its reason (a back-entry; the event names the office as its actor).
  Result<const AssignmentState*> OwnAssignment(int32_t task, const std::string& unit, const char* action,
                                               const char* what) const {
    if (c_.actor.role == Role::kSupervisor && !c_.back_entry_reason.empty()) return FindAssignment(task, unit);
    if (auto st = NeedRoleFor(action, what); !st.ok()) return st;
    if (c_.actor.id != unit)
      return Refuse(reason::kNotAssignee, c_.actor.id + " cannot act on " + AssignmentLabel(task, unit) +
                                             ": a unit acts on its own assignments only");
    return FindAssignment(task, unit);
  }

  Result<const AssignmentState*> FindAssignment(int32_t task, const std::string& unit) const {
    auto t = s_.tasks.find(task);
    if (t == s_.tasks.end()) return Refuse(reason::kTaskNotFound, "plan " + c_.plan_id + " has no " + TaskLabel(task));
    auto it = s_.assignments.find({task, unit});
    if (it == s_.assignments.end() || it->second.status == AssignmentStatus::kCancelled)
      return Refuse(reason::kAssignmentNotFound, "task " + std::to_string(task) + " is not assigned to " + unit);
    return &it->second;
  }

  // The states a step may start from, as the definition declares them.
  Status Transition(const AssignmentState& a, const char* action, const char* what) const {
    const workflows::LifecycleTransition* t = def_.FindTransition(action);
    const std::string state = StatusName(a.status);
    if (t && std::find(t->from.begin(), t->from.end(), state) != t->from.end()) return Status::Ok();
    return Refuse(reason::kInvalidTransition, std::string("cannot ") + what + " " +
                                                  AssignmentLabel(a.task, a.unit) + " while it is " + state);
  }

  // Whether the definition lets `action` start from the assignment's state
  // (for commands that act on every assignment of a task it applies to).
  bool Allows(const char* action, const AssignmentState& a) const {
    const workflows::LifecycleTransition* t = def_.FindTransition(action);
    const std::string state = StatusName(a.status);
    return t && std::find(t->from.begin(), t->from.end(), state) != t->from.end();
  }

  // The task a command about a task's future acts on: it exists and is open.
  Result<const TaskState*> OpenTask(int32_t task) const {
    auto t = s_.tasks.find(task);
    if (t == s_.tasks.end()) return Refuse(reason::kTaskNotFound, "plan " + c_.plan_id + " has no " + TaskLabel(task));
    if (t->second.cancelled || t->second.completed)
      return Refuse(reason::kTaskClosed, TaskLabel(task) + " is " + (t->second.cancelled ? "cancelled" : "completed"));
    return &t->second;
  }

  // Whether every assignment of the task but `unit`'s is closed (completed,
  // cancelled, or returned and so waiting on the office); with
  // `need_completed`, whether one of them was also completed.
  bool OthersClosed(int32_t task, const std::string& unit, bool need_completed) const {
    bool completed = false;
    for (auto it = s_.assignments.lower_bound({task, ""}); it != s_.assignments.end() && it->first.first == task;
         ++it) {
      if (it->first.second == unit) continue;
      if (IsOpen(it->second.status)) return false;
      completed = completed || it->second.status == AssignmentStatus::kCompleted;
    }
    return completed || !need_completed;
  }

  // The clock's escalation of an assignment is withdrawn when what it
  // escalated is settled (completed, a new due date).
  static void ClearEscalation(const AssignmentState& a, const char* why, std::vector<EventBody>& out) {
    if (a.escalation_level > 0) out.push_back(EscalationCleared{a.task, a.unit, a.escalation_level, why});
  }

  // The office gives an assignment a new due date: the date, and the
  // escalation of the old one withdrawn. Its timers are re-armed by Evolve
  // (Redate) exactly as for a granted extension.
  static void NewDueDate(const AssignmentState& a, const std::string& due, const std::string& reason,
                         std::vector<EventBody>& out) {
    out.push_back(DeadlineChanged{a.task, a.unit, a.due_on, due, reason});
    ClearEscalation(a, "deadline changed", out);
  }

  // The office takes one assignment off its unit. When that leaves the task
  // with no open assignment and one of the others was completed, the task is
  // done, as when its last open assignment is approved; when none was, the
  // task stays open with no one on it, for the office to assign or cancel.
  std::vector<EventBody> Drop(const AssignmentState& a, const std::string& reason) const {
    std::vector<EventBody> out{AssignmentCancelled{a.task, a.unit, reason}};
    auto t = s_.tasks.find(a.task);
    if (t != s_.tasks.end() && !t->second.completed && !t->second.cancelled && OthersClosed(a.task, a.unit, true))
      out.push_back(TaskCompleted{a.task});
    return out;
  }

  Status NeedText(const std::string& text, const char* what) const {
    if (HasVisibleText(text)) return Status::Ok();
    return Refuse(reason::kInvalidArgument, std::string(what) + " must not be empty");
  }

  Status CheckUnits(const std::set<std::string>& known, const std::vector<std::string>& units) const {
    std::vector<std::string> unknown;
    for (const auto& u : units)
      if (!known.count(u) && std::find(unknown.begin(), unknown.end(), u) == unknown.end())
        unknown.push_back(u);
    if (unknown.empty()) return Status::Ok();
    std::string list;
    for (const auto& u : unknown) list += (list.empty() ? "" : "、") + u;
    return Refuse(reason::kUnknownUnit, "unknown unit(s) not in the plan's unit directory: " + list);
  }

  Status CheckTask(const ImportTask& t) const {
    if (t.number <= 0) return Refuse(reason::kInvalidArgument, "task numbers start at 1");
    if (!t.deadline.due_on.empty() && !Date::Parse(t.deadline.due_on))
      return Refuse(reason::kInvalidArgument, TaskLabel(t.number) + " has an impossible due date " + t.deadline.due_on);
    return Status::Ok();
  }

  void EmitTask(const ImportTask& t, std::vector<EventBody>& out) const {
    out.push_back(TaskAdded{t.number, t.section, t.title, t.content, t.deadline});
    std::set<std::string> seen;
    for (const auto& u : t.lead_units)
      if (seen.insert(u).second)
        out.push_back(AssignmentCreated{t.number, u, AssignmentRole::kLead, t.deadline.due_on});
    for (const auto& u : t.responsible_units)
      if (seen.insert(u).second)
        out.push_back(AssignmentCreated{t.number, u, AssignmentRole::kResponsible, t.deadline.due_on});
  }

  R On(const ImportPlan& b) {
    if (auto st = NeedRole(Role::kSupervisor, "import a plan"); !st.ok()) return st;
    if (s_.exists) return Refuse(reason::kPlanExists, "plan " + c_.plan_id + " was already imported; import it under a new plan id to make a new version");
    if (b.plan.title.empty()) return Refuse(reason::kInvalidArgument, "a plan needs a title");
    if (!b.plan.issued_on.empty() && !Date::Parse(b.plan.issued_on))
      return Refuse(reason::kInvalidArgument, "impossible issue date " + b.plan.issued_on);
    std::set<std::string> known(b.plan.units.begin(), b.plan.units.end());
    std::set<int32_t> numbers;
    for (const auto& t : b.tasks) {
      if (auto st = CheckTask(t); !st.ok()) return st;
      if (!numbers.insert(t.number).second)
        return Refuse(reason::kTaskExists, TaskLabel(t.number) + " appears twice in the plan");
      if (auto st = CheckUnits(known, t.lead_units); !st.ok()) return st;
      if (auto st = CheckUnits(known, t.responsible_units); !st.ok()) return st;
    }
    std::vector<EventBody> out;
    out.push_back(b.plan);
    for (const auto& t : b.tasks) EmitTask(t, out);
    return out;
  }

  R On(const AddTask& b) {
    if (auto st = NeedRole(Role::kSupervisor, "add a task"); !st.ok()) return st;
    if (auto st = CheckTask(b.task); !st.ok()) return st;
    if (s_.tasks.count(b.task.number)) return Refuse(reason::kTaskExists, "plan already has " + TaskLabel(b.task.number));
    if (auto st = CheckUnits(s_.units, b.task.lead_units); !st.ok()) return st;
    if (auto st = CheckUnits(s_.units, b.task.responsible_units); !st.ok()) return st;
    std::vector<EventBody> out;
    EmitTask(b.task, out);
    return out;
  }

  R On(const CancelTask& b) {
    if (auto st = NeedRoleFor("cancel", "cancel a task"); !st.ok()) return st;
    auto t = s_.tasks.find(b.task);
    if (t == s_.tasks.end()) return Refuse(reason::kTaskNotFound, "plan " + c_.plan_id + " has no " + TaskLabel(b.task));
    if (t->second.cancelled || t->second.completed)
      return Refuse(reason::kTaskClosed, TaskLabel(b.task) + " is already closed");
    if (auto st = NeedText(b.reason, "the reason for cancelling"); !st.ok()) return st;
    return std::vector<EventBody>{TaskCancelled{b.task, b.reason}};
  }

  R On(const WithdrawPlan& b) {
    if (auto st = NeedRole(Role::kSupervisor, "withdraw a plan"); !st.ok()) return st;
    if (auto st = NeedText(b.reason, "the reason for withdrawing"); !st.ok()) return st;
    return std::vector<EventBody>{PlanWithdrawn{b.reason}};
  }

  R On(const Assign& b) {
    if (auto st = NeedRole(Role::kSupervisor, "assign tasks"); !st.ok()) return st;
    auto t = s_.tasks.find(b.task);
    if (t == s_.tasks.end()) return Refuse(reason::kTaskNotFound, "plan " + c_.plan_id + " has no " + TaskLabel(b.task));
    if (t->second.cancelled || t->second.completed) return Refuse(reason::kTaskClosed, TaskLabel(b.task) + " is closed");
    if (auto st = CheckUnits(s_.units, {b.unit}); !st.ok()) return st;
    auto it = s_.assignments.find({b.task, b.unit});
    if (it != s_.assignments.end() && it->second.status != AssignmentStatus::kCancelled &&
        it->second.status != AssignmentStatus::kReturned)
      return Refuse(reason::kAssignmentExists, b.unit + " already holds " + TaskLabel(b.task));
    return std::vector<EventBody>{AssignmentCreated{b.task, b.unit, b.role, t->second.deadline.due_on}};
  }

  R On(const Accept& b) {
    auto a = OwnAssignment(b.task, b.unit, "accept", "accept an assignment");
    if (!a.ok()) return a.status();
    if (auto st = Transition(**a, "accept", "accept"); !st.ok()) return st;
    return std::vector<EventBody>{AssignmentAccepted{b.task, b.unit}};
  }

  R On(const Return& b) {
    auto a = OwnAssignment(b.task, b.unit, "return", "return an assignment");
    if (!a.ok()) return a.status();
    if (auto st = Transition(**a, "return", "return"); !st.ok()) return st;
    if (auto st = NeedText(b.reason, "the reason for returning"); !st.ok()) return st;
    return std::vector<EventBody>{AssignmentReturned{b.task, b.unit, b.reason}};
  }

  R On(const Reassign& b) {
    if (auto st = NeedRoleFor("reassign", "reassign tasks"); !st.ok()) return st;
    auto it = s_.assignments.find({b.task, b.from_unit});
    if (it == s_.assignments.end() || it->second.status == AssignmentStatus::kCancelled)
      return Refuse(reason::kAssignmentNotFound, "task " + std::to_string(b.task) + " is not assigned to " + b.from_unit);
    if (auto st = Transition(it->second, "reassign", "reassign"); !st.ok()) return st;
    if (auto st = CheckUnits(s_.units, {b.to_unit}); !st.ok()) return st;
    auto to = s_.assignments.find({b.task, b.to_unit});
    if (b.to_unit == b.from_unit ||
        (to != s_.assignments.end() && IsOpen(to->second.status)))
      return Refuse(reason::kAssignmentExists, b.to_unit + " already holds " + TaskLabel(b.task));
    return std::vector<EventBody>{AssignmentReassigned{b.task, b.from_unit, b.to_unit, b.reason}};
  }

  R On(const ReportProgress& b) {
    auto a = OwnAssignment(b.task, b.unit, "report_progress", "report progress");
    if (!a.ok()) return a.status();
    if (auto st = Transition(**a, "report_progress", "report progress on"); !st.ok()) return st;
    if (b.percent < 0 || b.percent > 100)
      return Refuse(reason::kInvalidArgument, "percent must be between 0 and 100, got " + std::to_string(b.percent));
    if (auto st = NeedText(b.text, "the progress text"); !st.ok()) return st;
    return std::vector<EventBody>{
        ProgressReported{b.task, b.unit, b.percent, b.text, b.evidence, b.reporter, b.contact}};
  }

  R On(const Submit& b) {
    auto a = OwnAssignment(b.task, b.unit, "submit", "submit completion");
    if (!a.ok()) return a.status();
    if (auto st = Transition(**a, "submit", "submit"); !st.ok()) return st;
    std::vector<EventBody> out{CompletionSubmitted{b.task, b.unit, b.text, b.evidence}};
    // A paper submission the office enters as made on or before the due date
    // was on time: the clock's escalation for it is withdrawn (the overdue
    // flag is cleared when the submission is applied, see Evolve).
    if (!c_.back_entry_reason.empty() && (*a)->escalation_level > 0 && !(*a)->due_on.empty() &&
        DayOf(c_.EffectiveAt()).ToString() <= (*a)->due_on)
      out.push_back(EscalationCleared{b.task, b.unit, (*a)->escalation_level, "submitted on time (back-entered)"});
    return out;
  }

  R On(const Approve& b) {
    if (auto st = NeedRoleFor("approve", "approve completion"); !st.ok()) return st;
    auto a = FindAssignment(b.task, b.unit);
    if (!a.ok()) return a.status();
    if (auto st = Transition(**a, "approve", "approve"); !st.ok()) return st;
    std::vector<EventBody> out{CompletionApproved{b.task, b.unit, b.comment}};
    ClearEscalation(**a, "completed", out);
    // The task is done when every other live assignment of it is done too.
    if (OthersClosed(b.task, b.unit, false)) out.push_back(TaskCompleted{b.task});
    return out;
  }

  R On(const schemas::Reject& b) {
    if (auto st = NeedRoleFor("reject", "reject a submission"); !st.ok()) return st;
    auto a = FindAssignment(b.task, b.unit);
    if (!a.ok()) return a.status();
    if (auto st = Transition(**a, "reject", "reject"); !st.ok()) return st;
    if (auto st = NeedText(b.reason, "the reason for rejecting"); !st.ok()) return st;
    return std::vector<EventBody>{CompletionRejected{b.task, b.unit, b.reason}};
  }

  R On(const RequestExtension& b) {
    auto a = OwnAssignment(b.task, b.unit, "request_extension", "request an extension");
    if (!a.ok()) return a.status();
    if (auto st = Transition(**a, "request_extension", "request an extension of"); !st.ok()) return st;
    auto d = Date::Parse(b.new_due_on);
    if (!d) return Refuse(reason::kInvalidArgument, "not a valid date: '" + b.new_due_on + "' (YYYY-MM-DD)");
    if (!(*a)->due_on.empty() && b.new_due_on <= (*a)->due_on)
      return Refuse(reason::kInvalidArgument, "an extension must move the due date " + (*a)->due_on + " later");
    if (auto st = NeedText(b.reason, "the reason for the extension"); !st.ok()) return st;
    return std::vector<EventBody>{ExtensionRequested{b.task, b.unit, b.new_due_on, b.reason}};
  }

  R On(const GrantExtension& b) {
    if (auto st = NeedRoleFor("grant_extension", "grant an extension"); !st.ok()) return st;
    auto a = FindAssignment(b.task, b.unit);
    if (!a.ok()) return a.status();
    if (auto st = Transition(**a, "grant_extension", "grant an extension of"); !st.ok()) return st;
    if ((*a)->pending_extension.empty())
      return Refuse(reason::kInvalidTransition, AssignmentLabel(b.task, b.unit) + " has no extension request");
    const std::string due = b.new_due_on.empty() ? (*a)->pending_extension : b.new_due_on;
    if (!Date::Parse(due)) return Refuse(reason::kInvalidArgument, "not a valid date: '" + due + "'");
    if (!(*a)->due_on.empty() && due <= (*a)->due_on)
      return Refuse(reason::kInvalidArgument, "an extension must move the due date " + (*a)->due_on + " later");
    std::vector<EventBody> out{ExtensionGranted{b.task, b.unit, due}};
    ClearEscalation(**a, "extension granted", out);
    return out;
  }

  R On(const DenyExtension& b) {
    if (auto st = NeedRoleFor("deny_extension", "deny an extension"); !st.ok()) return st;
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
  R On(const FireTimer& b) {
    if (auto st = NeedRole(Role::kSystem, "fire timers"); !st.ok()) return st;
    std::vector<EventBody> none;
    if (b.kind == TimerKind::kReportOverdue) return OnReportOverdue(b);
    // Legacy kind: no policy arms it any more (it reused DeadlineMissed, which
    // is the assignment's own deadline; report_overdue replaces it).
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
      return std::vector<EventBody>{AcceptanceOverdue{b.task, b.unit, DayOf(a.assigned_at).ToString(), b.due_on,
                                                      b.notify, b.calendar_version, b.provisional}};
    }
    if (b.kind == TimerKind::kReviewOverdue) {
      if (a.status != AssignmentStatus::kSubmitted || a.review_overdue || b.armed_at != a.submitted_at) return none;
      return std::vector<EventBody>{ReviewOverdue{b.task, b.unit, DayOf(a.submitted_at).ToString(), b.due_on,
                                                  b.notify, b.calendar_version, b.provisional}};
    }
    if (!IsOpen(a.status) || a.status == AssignmentStatus::kSubmitted || a.due_on != b.due_on)
      return none;
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

  // A requested report came due unanswered (level 0), or its silence climbs
  // the ladder (level >= 1, only once overdue, only upwards). Stale when the
  // cycle is closed, the request answered, or the assignment no longer open.
  R OnReportOverdue(const FireTimer& b) {
    std::vector<EventBody> none;
    auto cy = s_.cycles.find(b.cycle_id);
    if (cy == s_.cycles.end() || cy->second.closed) return none;
    const CycleState& c = cy->second;
    const std::pair<int32_t, std::string> key{b.task, b.unit};
    if (!c.requested.count(key) || c.answered.count(key)) return none;
    auto a = s_.assignments.find(key);
    if (a == s_.assignments.end() || !IsOpen(a->second.status) ||
        a->second.status == AssignmentStatus::kSubmitted)
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

  R On(const ReopenAssignment& b) {
    if (auto st = NeedRoleFor("reopen", "reopen an assignment"); !st.ok()) return st;
    auto a = FindAssignment(b.task, b.unit);
    if (!a.ok()) return a.status();
    if (auto st = Transition(**a, "reopen", "reopen"); !st.ok()) return st;
    if (auto st = NeedText(b.reason, "the reason for reopening"); !st.ok()) return st;
    auto cy = s_.cycles.find(b.cycle_id);
    if (cy == s_.cycles.end())
      return Refuse(reason::kCycleNotFound, "a completed assignment is reopened by a look-back cycle; no review cycle '" +
                                                b.cycle_id + "'");
    if (cy->second.kind != "lookback" || cy->second.closed)
      return Refuse(reason::kInvalidTransition, "review cycle " + b.cycle_id + " is " +
                                                    (cy->second.closed ? "closed" : "not a look-back (回头看)") +
                                                    "; only an open look-back may reopen completed work");
    std::string due = b.new_due_on.empty() ? (*a)->due_on : b.new_due_on;
    if (!due.empty() && !Date::Parse(due))
      return Refuse(reason::kInvalidArgument, "not a valid date: '" + due + "' (YYYY-MM-DD)");
    return std::vector<EventBody>{AssignmentReopened{b.task, b.unit, b.reason, b.cycle_id, due}};
  }

  // ---- the office's tools (issue 20)

  // A deadline set or changed, with its reason: of one assignment, or of the
  // task (its own date, which later assignments start with) and each of its
  // assignments the definition lets it change (set_deadline's states). Not
  // before the day it takes effect: a date already past would only make the
  // clock fire its miss at once.
  R On(const SetDeadline& b) {
    if (auto st = NeedRoleFor("set_deadline", "set a deadline"); !st.ok()) return st;
    auto t = OpenTask(b.task);
    if (!t.ok()) return t.status();
    if (!Date::Parse(b.due_on))
      return Refuse(reason::kInvalidArgument, "not a valid date: '" + b.due_on + "' (YYYY-MM-DD)");
    const std::string today = DayOf(c_.EffectiveAt()).ToString();
    if (b.due_on < today)
      return Refuse(reason::kInvalidArgument, "the new deadline " + b.due_on + " is already past (today is " + today +
                                                  "); a deadline is set for a day to come");
    if (auto st = NeedText(b.reason, "the reason for setting the deadline"); !st.ok()) return st;
    std::vector<EventBody> out;
    if (!b.unit.empty()) {
      auto a = FindAssignment(b.task, b.unit);
      if (!a.ok()) return a.status();
      if (auto st = Transition(**a, "set_deadline", "set the deadline of"); !st.ok()) return st;
      if ((*a)->due_on == b.due_on)
        return Refuse(reason::kInvalidArgument, AssignmentLabel(b.task, b.unit) + " is already due on " + b.due_on);
      NewDueDate(**a, b.due_on, b.reason, out);
      return out;
    }
    if ((*t)->deadline.due_on != b.due_on)
      out.push_back(DeadlineChanged{b.task, "", (*t)->deadline.due_on, b.due_on, b.reason});
    for (auto it = s_.assignments.lower_bound({b.task, ""}); it != s_.assignments.end() && it->first.first == b.task;
         ++it)
      if (Allows("set_deadline", it->second) && it->second.due_on != b.due_on)
        NewDueDate(it->second, b.due_on, b.reason, out);
    if (out.empty())
      return Refuse(reason::kInvalidArgument, TaskLabel(b.task) + " and its open assignments are already due on " + b.due_on);
    return out;
  }

  R On(const CancelAssignment& b) {
    if (auto st = NeedRoleFor("cancel_assignment", "cancel an assignment"); !st.ok()) return st;
    auto a = FindAssignment(b.task, b.unit);
    if (!a.ok()) return a.status();
    if (auto st = Transition(**a, "cancel_assignment", "cancel"); !st.ok()) return st;
    if (auto st = NeedText(b.reason, "the reason for cancelling"); !st.ok()) return st;
    return Drop(**a, b.reason);
  }

  // Accepting a return: dropped (no to_unit), moved to a unit with no open
  // assignment of the task (AssignmentReassigned, as `reassign` does), or
  // merged into the open assignment the unit already holds (AssignmentMerged:
  // that one goes on unchanged, as lead if either was). Not onto a unit that
  // completed its part: that work is closed (reopen it, or drop the return).
  R On(const ResolveReturn& b) {
    if (auto st = NeedRoleFor("resolve_return", "accept a return"); !st.ok()) return st;
    auto a = FindAssignment(b.task, b.unit);
    if (!a.ok()) return a.status();
    if (auto st = Transition(**a, "resolve_return", "accept the return of"); !st.ok()) return st;
    if (auto st = NeedText(b.reason, "the reason for accepting the return"); !st.ok()) return st;
    if (b.to_unit.empty()) return Drop(**a, b.reason);
    if (auto t = OpenTask(b.task); !t.ok()) return t.status();
    if (auto st = CheckUnits(s_.units, {b.to_unit}); !st.ok()) return st;
    if (b.to_unit == b.unit)
      return Refuse(reason::kInvalidArgument, b.unit + " returned " + TaskLabel(b.task) + "; it cannot be moved back to it");
    auto to = s_.assignments.find({b.task, b.to_unit});
    if (to == s_.assignments.end() || to->second.status == AssignmentStatus::kCancelled ||
        to->second.status == AssignmentStatus::kReturned)
      return std::vector<EventBody>{AssignmentReassigned{b.task, b.unit, b.to_unit, b.reason}};
    if (to->second.status == AssignmentStatus::kCompleted)
      return Refuse(reason::kAssignmentExists, b.to_unit + " has completed its part of " + TaskLabel(b.task) +
                                                   "; reopen it or drop the return instead");
    const AssignmentRole role = (*a)->role == AssignmentRole::kLead ? AssignmentRole::kLead : to->second.role;
    return std::vector<EventBody>{AssignmentMerged{b.task, b.unit, b.to_unit, b.reason, role}};
  }

  // A leader's instruction (批示) or an office comment: the office records
  // it, on any task of the plan (closed ones too: a look-back may comment)
  // or on one of its assignments.
  R On(const AddNote& b) {
    if (auto st = NeedRole(Role::kSupervisor, "record instructions and comments"); !st.ok()) return st;
    if (!s_.tasks.count(b.task)) return Refuse(reason::kTaskNotFound, "plan " + c_.plan_id + " has no " + TaskLabel(b.task));
    if (b.kind != "instruction" && b.kind != "comment")
      return Refuse(reason::kInvalidArgument, "a note is an instruction (批示) or a comment (意见), not '" + b.kind + "'");
    if (auto st = NeedText(b.text, "the text of the note"); !st.ok()) return st;
    if (!b.unit.empty()) {
      auto it = s_.assignments.find({b.task, b.unit});
      if (it == s_.assignments.end())
        return Refuse(reason::kAssignmentNotFound, "task " + std::to_string(b.task) + " is not assigned to " + b.unit);
    }
    return std::vector<EventBody>{NoteAdded{b.task, b.unit, b.kind, b.text}};
  }

  R On(const StartReviewCycle& b) {
    if (auto st = NeedRole(Role::kSupervisor, "start a review cycle"); !st.ok()) return st;
    if (b.cycle_id.empty()) return Refuse(reason::kInvalidArgument, "a review cycle needs an id");
    if (b.cycle_id.size() > 128 ||
        std::any_of(b.cycle_id.begin(), b.cycle_id.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20; }))
      return Refuse(reason::kInvalidArgument, "a review cycle id is at most 128 bytes with no control characters");
    if (s_.cycles.count(b.cycle_id)) return Refuse(reason::kCycleExists, "review cycle " + b.cycle_id + " already exists");
    if (!Date::Parse(b.due_on)) return Refuse(reason::kInvalidArgument, "not a valid due date: '" + b.due_on + "'");
    if (!b.unit.empty()) {
      if (auto st = CheckUnits(s_.units, {b.unit}); !st.ok()) return st;
    }
    std::vector<EventBody> out{ReviewCycleStarted{b.cycle_id, b.unit.empty() ? "plan" : "unit:" + b.unit, b.kind, b.due_on}};
    for (const auto& [key, a] : s_.assignments) {
      if (!IsOpen(a.status) || a.status == AssignmentStatus::kSubmitted) continue;
      if (!b.unit.empty() && a.unit != b.unit) continue;
      out.push_back(ProgressReportRequested{b.cycle_id, a.task, a.unit, b.due_on});
    }
    return out;
  }

  R On(const CloseReviewCycle& b) {
    if (auto st = NeedRole(Role::kSupervisor, "close a review cycle"); !st.ok()) return st;
    auto cy = s_.cycles.find(b.cycle_id);
    if (cy == s_.cycles.end()) return Refuse(reason::kCycleNotFound, "no review cycle " + b.cycle_id);
    if (cy->second.closed) return Refuse(reason::kInvalidTransition, "review cycle " + b.cycle_id + " is already closed");
    const auto& c = cy->second;
    const int32_t answered = static_cast<int32_t>(c.answered.size());
    const int32_t late = static_cast<int32_t>(c.late.size());
    const int32_t silent = static_cast<int32_t>(c.requested.size() - c.answered.size());
    return std::vector<EventBody>{ReviewCycleClosed{b.cycle_id, answered, late, silent}};
  }

  const PlanState& s_;
  const Command& c_;
  const TimeRules& rules_;
  const workflows::WorkflowDefinition& def_;
};


}  // namespace

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
      return Refuse(reason::kBackdated, "this workflow definition lets no one enter records after the fact; the "
                                        "claimed time " + FormatInstant(effective) + " is before the engine's clock (" +
                                        FormatInstant(issued) + ")");
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
