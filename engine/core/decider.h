// The Decider: decide(state, command) -> events | rejection, as a class
// with one On() per command type and the checks they share (roles and
// states of the workflow definition, the two times, assignments and tasks
// looked up). Internal to duban_domain: the public surface is Decide in
// duban/core/domain.h. Pure: no I/O, no clock (time arrives inside the
// command); it reads the plan's state and writes nothing.
//
// The handlers are defined in decide.cc (plan, tasks, assignments,
// extensions, the clock's timers, reopening) and decide_office_tools.cc
// (the office's tools: deadlines, one assignment cancelled, returns
// resolved, notes, review cycles).
#pragma once

#include <algorithm>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "duban/core/consolidation.h"
#include "duban/core/domain.h"
#include "duban/core/schedule.h"
#include "duban/workflows/deadline_phrase.h"
#include "duban/date.h"
#include "duban/terminal_text.h"
#include "duban/utf8.h"

namespace duban::core::decide_internal {

using namespace schemas;
using R = Result<std::vector<EventBody>>;

inline Status Refuse(const char* code, std::string message) { return Status::Rejected(code, std::move(message)); }

inline std::string TaskLabel(int32_t task) { return "task " + std::to_string(task); }
inline std::string AssignmentLabel(int32_t task, const std::string& unit) {
  return "the assignment of task " + std::to_string(task) + " to " + unit;
}

inline std::string Minutes(Instant ms) { return std::to_string(ms / 60000) + " minutes"; }

class Decider {
 public:
  Decider(const PlanState& s, const Command& c, const TimeRules& rules, const workflows::WorkflowDefinition& def)
      : s_(s), c_(c), rules_(rules), def_(def) {}

  R Run() {
    const Role role = c_.actor.role;
    if (role == Role::kAuditor)
      return Refuse(reason::kForbiddenRole, "auditors read the record; they cannot change it");
    if (c_.expected_version && *c_.expected_version != s_.version)
      return Refuse(reason::kVersionConflict, "plan " + c_.plan_id + " is at version " + std::to_string(s_.version) +
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
    std::visit(
        [&](const auto& b) {
          std::string unit;
          if constexpr (requires { b.from_unit; })
            unit = b.from_unit;
          else if constexpr (requires { b.unit; })
            unit = b.unit;
          if constexpr (requires { b.task; } && !std::is_same_v<std::decay_t<decltype(b)>, AddTask>) {
            if (!unit.empty()) {
              auto it = s_.assignments.find({b.task, unit});
              if (it != s_.assignments.end()) a = &it->second;
            }
          }
        },
        c_.body);
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

  // A role's name (RoleName, the definition's) in the words of the people
  // who hold it, for refusals a person reads.
  static std::string RoleWords(std::string_view r) {
    if (r == workflows::kRoleSupervisor) return "the office";
    if (r == workflows::kRoleUnit) return "the unit assigned";
    if (r == workflows::kRoleDelegatingUnit) return "the unit that delegated it";
    if (r == workflows::kRoleLeadUnit) return "the task's lead unit";
    if (r == workflows::kRoleSystem) return "the engine's clock";
    return "the " + std::string(r);
  }

  Status NeedRole(Role want, const char* what) const {
    if (c_.actor.role == want) return Status::Ok();
    return Refuse(reason::kForbiddenRole, "only " + RoleWords(RoleName(want)) + " may " + what + " (actor " +
                                              c_.actor.id + " acts as " + RoleName(c_.actor.role) + ")");
  }

  // A lifecycle step's roles, as the definition declares them.
  Status NeedRoleFor(const char* action, const char* what) const {
    const workflows::LifecycleTransition* t = def_.FindTransition(action);
    if (!t)
      return Refuse(reason::kInvalidTransition, std::string("the workflow definition has no step '") + action + "'");
    const std::string role = RoleName(c_.actor.role);
    if (std::find(t->roles.begin(), t->roles.end(), role) != t->roles.end()) return Status::Ok();
    std::string who;
    for (const auto& r : t->roles) who += (who.empty() ? "" : " or ") + RoleWords(r);
    return Refuse(reason::kForbiddenRole,
                  "only " + who + " may " + what + " (actor " + c_.actor.id + " acts as " + role + ")");
  }

  // A step on an assignment the acting unit delegated (review, cancel) is
  // the delegating_unit's; any other, the roles the definition names.
  Status NeedRoleOrDelegator(const char* action, const char* what, int32_t task, const std::string& unit) const {
    if (c_.actor.role == Role::kUnit) {
      auto it = s_.assignments.find({task, unit});
      if (it != s_.assignments.end() && !it->second.parent.empty() && it->second.parent == c_.actor.id) {
        const workflows::LifecycleTransition* t = def_.FindTransition(action);
        if (t && std::find(t->roles.begin(), t->roles.end(), workflows::kRoleDelegatingUnit) != t->roles.end())
          return Status::Ok();
        return Refuse(reason::kForbiddenRole, std::string("the workflow definition does not let the delegating unit ") +
                                                  what + " (actor " + c_.actor.id + ")");
      }
      // The task's lead, on a part it consolidates: its lead_unit steps.
      if (it != s_.assignments.end() && ActingConsolidatorOf(s_, task, unit) == c_.actor.id) {
        const workflows::LifecycleTransition* t = def_.FindTransition(action);
        if (t && std::find(t->roles.begin(), t->roles.end(), workflows::kRoleLeadUnit) != t->roles.end())
          return Status::Ok();
        return Refuse(reason::kForbiddenRole, std::string("the lead unit consolidates ") + AssignmentLabel(task, unit) +
                                                  "'s report into its own; it may not " + what +
                                                  " (the office reviews the task through the lead's report)");
      }
    }
    return NeedRoleFor(action, what);
  }
  // The level of an assignment in its delegation tree (the office's: 1).
  int DelegationLevel(const AssignmentState& a) const {
    int level = 1;
    for (const AssignmentState* p = &a; !p->parent.empty() && level <= def_.delegation_max_levels; ++level) {
      auto it = s_.assignments.find({a.task, p->parent});
      if (it == s_.assignments.end()) break;
      p = &it->second;
    }
    return level;
  }
  // The assignments `unit` delegated on the task that are not settled: open,
  // or returned (退回) to it and not yet cancelled by it. A returned child
  // is the delegating unit's to settle; nobody else's queue shows it.
  std::vector<std::string> OpenDelegated(int32_t task, const std::string& unit) const {
    std::vector<std::string> out;
    for (auto it = s_.assignments.lower_bound({task, ""}); it != s_.assignments.end() && it->first.first == task; ++it)
      if (it->second.parent == unit && (IsOpen(it->second.status) || it->second.status == AssignmentStatus::kReturned))
        out.push_back(it->first.second);
    return out;
  }
  // The parts `lead` consolidates on the task that are still being worked on
  // (not submitted, not closed): its report waits for them.
  std::vector<std::string> OpenConsolidated(int32_t task, const std::string& lead) const {
    std::vector<std::string> out;
    for (const auto& u : ConsolidatedUnits(s_, task, lead)) {
      const AssignmentStatus st = s_.assignments.at({task, u}).status;
      if ((IsOpen(st) && st != AssignmentStatus::kSubmitted) || st == AssignmentStatus::kReturned) out.push_back(u);
    }
    return out;
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
    return Refuse(reason::kInvalidTransition, std::string("cannot ") + what + " " + AssignmentLabel(a.task, a.unit) +
                                                  " while it is " + state + FirstStepHint(t, state));
  }

  // The step that would lead from `state` to one `t` starts from, named for
  // whoever must take it first (an office copying a paper ledger back-enters
  // the acceptance before the progress); "" when no single step does. A step
  // back to the start (reassign) is never the advice.
  std::string FirstStepHint(const workflows::LifecycleTransition* t, const std::string& state) const {
    if (!t) return "";
    for (const auto& step : def_.lifecycle.transitions) {
      if (!step.to || step.action == t->action || *step.to == def_.lifecycle.initial) continue;
      if (std::find(step.from.begin(), step.from.end(), state) == step.from.end()) continue;
      if (std::find(t->from.begin(), t->from.end(), *step.to) != t->from.end())
        return " (the step \"" + step.action + "\" must come first: it makes it " + *step.to + ")";
    }
    return "";
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
  bool OthersClosed(int32_t task, const std::string& unit, bool need_completed,
                    const std::set<std::string>& also_closing = {}) const {
    bool completed = false;
    for (auto it = s_.assignments.lower_bound({task, ""}); it != s_.assignments.end() && it->first.first == task;
         ++it) {
      if (it->first.second == unit || also_closing.count(it->first.second)) continue;
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
  // A delegated assignment is due no later than the one it came from: a
  // parent's new, earlier date moves its open children's with it (and
  // theirs, which no child's earlier date already keeps in bounds).
  // `depth` bounds the walk even on a state no decide rule could make
  // (delegation_max_levels keeps real trees far shallower).
  void ClampDelegated(int32_t task, const std::string& unit, const std::string& due, const std::string& reason,
                      std::vector<EventBody>& out, int depth = 0) const {
    if (depth >= kMaxDelegationWalk) return;
    for (const auto& child : OpenDelegated(task, unit)) {
      const AssignmentState& c = s_.assignments.at({task, child});
      if (!Allows("set_deadline", c) || (!c.due_on.empty() && c.due_on <= due)) continue;
      // The reason is quoted in the sub-unit's Chinese notice: in Chinese.
      NewDueDate(c, due, WithClause(reason, "（所承接的上级任务时限已提前至" + due + "）"), out);
      ClampDelegated(task, child, due, reason, out, depth + 1);
    }
  }
  static constexpr int kMaxDelegationWalk = 16;
  // The office's reason with a bracketed clause after it, before its full
  // stop if it ends in one (工作需要。 + （…） reads 工作需要（…）。).
  static std::string WithClause(std::string reason, const std::string& clause) {
    static const std::string kStop = "。";
    const bool stop = reason.ends_with(kStop);
    if (stop) reason.resize(reason.size() - kStop.size());
    return reason + clause + (stop ? kStop : "");
  }

  // The office takes one assignment off its unit. When that leaves the task
  // with no open assignment and one of the others was completed, the task is
  // done, as when its last open assignment is approved; when none was, the
  // task stays open with no one on it, for the office to assign or cancel.
  // Whatever the unit delegated of it, still open, goes with it: no child
  // works on for a parent that is gone.
  std::set<std::string> CancelDelegated(int32_t task, const std::string& unit, const std::string& reason,
                                        std::vector<EventBody>& out) const {
    std::set<std::string> dropped;
    for (std::vector<std::string> level{unit}; !level.empty();) {
      std::vector<std::string> next;
      for (const auto& parent : level)
        for (const auto& child : OpenDelegated(task, parent)) {
          out.push_back(AssignmentCancelled{task, child, WithClause(reason, "（所承接的上级任务已关闭）")});
          dropped.insert(child);
          next.push_back(child);
        }
      level = std::move(next);
    }
    return dropped;
  }
  std::vector<EventBody> Drop(const AssignmentState& a, const std::string& reason) const {
    std::vector<EventBody> out{AssignmentCancelled{a.task, a.unit, reason}};
    const std::set<std::string> dropped = CancelDelegated(a.task, a.unit, reason, out);
    auto t = s_.tasks.find(a.task);
    if (t != s_.tasks.end() && !t->second.completed && !t->second.cancelled &&
        OthersClosed(a.task, a.unit, true, dropped))
      out.push_back(TaskCompleted{a.task});
    return out;
  }

  // A unit's name as it will stand in the record, as a unit account may
  // name it (accounts.cc CheckShownText): at most 128 characters, nothing
  // invisible (a look-alike of another unit nobody could act for), no space
  // at either end; and one unit, not a list (、，；) as a plan's cell holds.
  Status UsableUnitName(const std::string& name, const char* what) const {
    if (!HasVisibleText(name)) return Refuse(reason::kInvalidArgument, std::string(what) + " must not be empty");
    const bool hidden = !utf8::IsValid(name) || HasInvisibleCharacter(name);
    if (hidden) return Refuse(reason::kInvalidArgument, std::string(what) + " holds a control or invisible character");
    // Its first and last characters are seen: no space of any kind (U+3000, U+00A0, ...) at either end.
    const std::string_view n = name;
    size_t first_end = 0, last_start = n.size();
    utf8::Next(n, first_end);
    do --last_start;
    while (last_start > 0 && (static_cast<unsigned char>(n[last_start]) & 0xC0) == 0x80);
    if (utf8::CodePoints(name) > 128 || !HasVisibleText(n.substr(0, first_end)) ||
        !HasVisibleText(n.substr(last_start)))
      return Refuse(reason::kInvalidArgument, std::string(what) + " '" + name +
                                                  "' is not usable: at most 128 characters, no space at either end");
    for (std::string_view sep : {"、", "，", ",", "；", ";", "､", "﹑", "/", "／", "|", "｜"})
      if (n.find(sep) != std::string_view::npos)
        return Refuse(reason::kInvalidArgument, std::string(what) + " '" + name + "' names more than one unit ('" +
                                                    std::string(sep) + "'): add them one by one");
    return Status::Ok();
  }

  // A date given for work is within ten years, as the clock is (a 2072 typed
  // for 2027 would stand unnoticed, the unit told to meet it).
  Status NotFarOff(const std::string& due_on, const char* what) const {
    // From the record's day too: a paper record of 2021 entered today may name a date ten years on from today.
    const Date today = DayOf(std::max(c_.issued_at, c_.EffectiveAt()));
    const auto due = Date::Parse(due_on);
    if (!due || due->year <= today.year + 10) return Status::Ok();
    return Refuse(reason::kInvalidArgument,
                  std::string(what) + " " + due_on + " is more than ten years away: check the year");
  }

  // The office's back-entry does not reach before the plan was issued.
  Status NotBeforeIssue(const char* what) const {
    const std::string day = DayOf(c_.EffectiveAt()).ToString();
    if (s_.meta.issued_on.empty() || day >= s_.meta.issued_on) return Status::Ok();
    return Refuse(reason::kInvalidArgument,
                  std::string(what) + " on " + day + ", before the plan was issued (" + s_.meta.issued_on + ")");
  }

  // In lead mode a task answers through its one lead (consolidation.h): a
  // second lead would end that silently, both leads then submitting alone.
  Status OneLeadWhenConsolidated(int32_t task, const std::string& unit, AssignmentRole role) const {
    if (role != AssignmentRole::kLead) return Status::Ok();
    const std::string lead = ConsolidatingLead(s_, task);
    if (lead.empty() || lead == unit) return Status::Ok();
    return Refuse(reason::kInvalidArgument,
                  TaskLabel(task) + " answers to the office through its lead unit " + lead +
                      " (the plan is consolidated lead): a second lead would end that; assign it as responsible, or "
                      "choose per_unit first (consolidation per_unit)");
  }

  Status NeedText(const std::string& text, const char* what) const {
    if (HasVisibleText(text)) return Status::Ok();
    return Refuse(reason::kInvalidArgument, std::string(what) + " must not be empty");
  }

  // A date given as time to come (a deadline set, a review cycle's reports, an
  // extension asked for or granted) must not be past: a deadline would fire its
  // miss at once, a cycle's reports would all be late, and an extension would
  // only clear the work's escalation and start its ladder again from the miss.
  // `what` names the date ("the new deadline"), `ask` says what to give instead.
  // Nor more than ten years away (NotFarOff): a unit's request for
  // 9999-12-31, granted as asked, ended its deadline for good.
  Status NotPast(const std::string& due_on, const char* what, const char* ask) const {
    return NotPastOn(DayOf(c_.EffectiveAt()), due_on, what, ask);
  }
  Status NotPastOn(Date day, const std::string& due_on, const char* what, const char* ask) const {
    const std::string today = day.ToString();
    if (due_on >= today) return NotFarOff(due_on, what);
    return Refuse(reason::kInvalidArgument,
                  std::string(what) + " " + due_on + " is already past (today is " + today + "); " + ask);
  }

  // Work moved (reassign, a return accepted onto another unit) keeps its
  // date unless the office gives a new one; a date already past is not
  // handed on, or the unit receiving the work would be late the moment it
  // gets it (the clock's next tick). Empty: it keeps its date.
  // Work given to a unit (assigned, delegated, moved) is the unit's from
  // the record on, however far back the act is dated (assigned_at:
  // AssignmentCreated v2, AssignmentDelegated v2, AssignmentReassigned v3):
  // its date is checked on the later of the two days, or a back-entry
  // would hand the unit work already late, its ladder climbed at the next tick.
  Status NotPastWhenReceived(const std::string& due_on, const char* what, const char* ask) const {
    return NotPastOn(DayOf(std::max(c_.issued_at, c_.EffectiveAt())), due_on, what, ask);
  }
  Result<std::string> MovedDue(const AssignmentState& a, const std::string& asked) const {
    if (asked.empty()) {
      if (a.due_on.empty()) return std::string();
      if (auto st = NotPastWhenReceived(
              a.due_on, "the work's date",
              "the unit it goes to would be late at once: give it a day to come (--due; due_on over "
              "the API)");
          !st.ok())
        return st;
      return std::string();
    }
    if (!Date::Parse(asked)) return Refuse(reason::kInvalidArgument, "not a valid date: '" + asked + "' (YYYY-MM-DD)");
    if (auto st = NotPastWhenReceived(asked, "the moved work's new date", "give a day to come"); !st.ok()) return st;
    return asked == a.due_on ? std::string() : asked;
  }
  // Work is not moved onto a unit's part that is closed: completed (reopen
  // it instead), or returned by that unit itself, whose return would be
  // overridden unanswered (accept or settle that return first; a state, not
  // a unit already holding the task, so invalid_transition).
  Status NotOntoClosedPart(int32_t task, const std::string& unit) const {
    auto to = s_.assignments.find({task, unit});
    if (to == s_.assignments.end()) return Status::Ok();
    if (to->second.status == AssignmentStatus::kCompleted)
      return Refuse(reason::kAssignmentExists, unit + " has completed its part of " + TaskLabel(task) +
                                                   "; reopen it, or move the work to another unit");
    if (to->second.status == AssignmentStatus::kReturned)
      return Refuse(reason::kInvalidTransition,
                    unit + " returned " + TaskLabel(task) + " itself" +
                        (to->second.last_reason.empty() ? std::string() : " (" + to->second.last_reason + ")") +
                        ": answer its return first (accept-return --drop; resolve_return with no to_unit over the "
                        "API), then move the work to it");
    return Status::Ok();
  }

  Status CheckUnits(const std::set<std::string>& known, const std::vector<std::string>& units,
                    bool importing = false) const {
    std::vector<std::string> unknown;
    for (const auto& u : units)
      if (!known.count(u) && std::find(unknown.begin(), unknown.end(), u) == unknown.end()) unknown.push_back(u);
    if (unknown.empty()) return Status::Ok();
    std::string list;
    for (const auto& u : unknown) list += (list.empty() ? "" : "、") + u;
    // The plan's units are those it was imported with (named in it, or
    // accepted as unknown then) or added since (PlanUnitAdded), not every
    // unit of the shipped directory.
    if (importing) return Refuse(reason::kUnknownUnit, "a task names a unit the plan's unit list lacks: " + list);
    return Refuse(reason::kUnknownUnit,
                  "not a unit of this plan: " + list +
                      " (a plan's units are those it was imported with or the office added since: add it first, "
                      "plan add-unit; the API's add_unit)");
  }

  Status CheckTask(const ImportTask& t) const {
    if (t.number <= 0) return Refuse(reason::kInvalidArgument, "task numbers start at 1");
    if (!t.deadline.due_on.empty() && !Date::Parse(t.deadline.due_on))
      return Refuse(reason::kInvalidArgument, TaskLabel(t.number) + " has an impossible due date " + t.deadline.due_on);
    // A plan's dates, as every date given for work (--year 2099, 2099年底前, --default-deadline).
    if (auto st = NotFarOff(t.deadline.due_on, "its date"); !st.ok())
      return Refuse(reason::kInvalidArgument, TaskLabel(t.number) + ": " + st.message());
    if (!t.deadline.recurrence.empty()) {
      if (auto r = workflows::ParseRecurrence(t.deadline.recurrence, 2000); !r.ok())
        return Refuse(reason::kInvalidArgument, TaskLabel(t.number) + ": " + r.status().message());
    }
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

  // ---- one handler per command type (decide.cc)
  R On(const ImportPlan& b);
  R On(const AddTask& b);
  R On(const CancelTask& b);
  R On(const WithdrawPlan& b);
  R On(const Assign& b);
  R On(const Accept& b);
  R On(const Return& b);
  R On(const Reassign& b);
  R On(const ReportProgress& b);
  R On(const Submit& b);
  R On(const Approve& b);
  R On(const schemas::Reject& b);
  R On(const RequestExtension& b);
  R On(const GrantExtension& b);
  R On(const DenyExtension& b);
  R On(const FireTimer& b);
  R OnReportOverdue(const FireTimer& b);
  R OnScheduledReport(const FireTimer& b);
  R On(const ReopenAssignment& b);
  // ---- the office's tools (decide_office_tools.cc)
  R On(const SetDeadline& b);
  R On(const CancelAssignment& b);
  R On(const ResolveReturn& b);
  R On(const AddNote& b);
  R On(const SetSchedule& b);
  R On(const Delegate& b);
  R On(const SetConsolidation& b);
  R On(const AddUnit& b);
  R On(const StartReviewCycle& b);
  R On(const CloseReviewCycle& b);

  const PlanState& s_;
  const Command& c_;
  const TimeRules& rules_;
  const workflows::WorkflowDefinition& def_;
};

}  // namespace duban::core::decide_internal
