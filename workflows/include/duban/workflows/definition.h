// Workflow definitions as data (workflows/definitions/*.yaml): the assignment
// lifecycle and which role may take each step, reminders before a deadline,
// the acceptance (签收) and review limits, the escalation ladder after a missed
// deadline (督促整改 -> 通报批评 -> 约谈) and the review-cycle templates.
// Loading validates everything (states, roles, numbers, unknown keys) and
// names the file and line of the first error; a loaded definition is
// internally consistent, so the engine can rely on it without re-checking.
//
// Thread safety: immutable after loading; share freely.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "duban/status.h"

namespace duban::workflows {

// Roles the engine knows. Definitions may name only these.
inline constexpr std::string_view kRoleSupervisor = "supervisor";
inline constexpr std::string_view kRoleUnit = "unit";
inline constexpr std::string_view kRoleAuditor = "auditor";
inline constexpr std::string_view kRoleSystem = "system";
// A unit acting on an assignment it delegated (review, cancel): the unit one
// level up the delegation tree, not the office.
inline constexpr std::string_view kRoleDelegatingUnit = "delegating_unit";
// A task's lead unit (牵头单位) on a part it consolidates (lead-unit
// consolidation, duban/core/consolidation.h): it may send one back.
inline constexpr std::string_view kRoleLeadUnit = "lead_unit";

struct LifecycleTransition {
  std::string action;              // e.g. "accept"
  std::vector<std::string> from;   // states the action may start from
  std::optional<std::string> to;   // target state; nullopt: state unchanged
  std::vector<std::string> roles;  // roles allowed to take it
};

struct Lifecycle {
  std::vector<std::string> states;
  std::string initial;
  std::vector<std::string> terminal;
  std::vector<LifecycleTransition> transitions;
};

// Who an escalation step is told to.
inline constexpr std::string_view kNotifyUnit = "unit";
inline constexpr std::string_view kNotifyOffice = "office";
inline constexpr std::string_view kNotifyUnitLeaders = "unit_leaders";

struct EscalationStep {
  std::string name;            // 督促整改, 通报批评, 约谈
  int level = 0;               // 1, 2, 3 ... strictly increasing along the ladder
  int delay_working_days = 0;  // after the previous step (the first: after the miss)
  std::vector<std::string> notify;
};

struct ReviewCycleTemplate {
  std::string id;              // "monthly" | "quarterly" | "lookback" | ...
  std::string name;            // 月度进度调度
  std::string kind;            // monthly | quarterly | half_year | yearly | lookback | adhoc
  int reply_working_days = 0;  // units answer within this many working days
  std::string scope;           // open (open assignments) | all (closed ones too)
  bool may_reopen = false;     // a look-back may reopen a closed task
};

struct WorkflowDefinition {
  std::string name;
  int version = 0;
  std::string source;  // where it was loaded from (file name or <embedded>/...)
  Lifecycle lifecycle;
  std::vector<int> reminder_working_days_before;  // descending, distinct, > 0
  int acceptance_working_days = 0;
  int review_working_days = 0;
  // Who is told when the acceptance / review limit passes (AcceptanceOverdue,
  // ReviewOverdue): unit, office, unit_leaders.
  std::vector<std::string> acceptance_overdue_notify;
  std::vector<std::string> review_overdue_notify;
  std::vector<EscalationStep> escalation;  // ascending level
  std::vector<ReviewCycleTemplate> review_cycles;
  // `times:` the two times on every record (core::TimeRules): how far a
  // claimed time may stray from the engine's clock, and whether the office
  // may enter paper records after the fact (with a reason).
  int clock_skew_minutes = 5;
  bool office_back_entry = true;
  // `delegation:` how deep a delegation tree may grow (多级下发): the office's
  // assignment is level 1, a sub-unit's level 2, ... (1: no delegation).
  int delegation_max_levels = 3;

  // `consolidation:` how a task's units answer to the office, for a plan
  // whose office has not chosen (set_consolidation): "per_unit", each for its
  // own part; "lead", the task's one lead unit consolidates the others'
  // reports and answers for the task (duban/core/consolidation.h).
  std::string consolidation = "per_unit";

  // The definition compiled into the binary (workflows/definitions/default.yaml).
  static Result<WorkflowDefinition> Default();
  // Errors are InvalidArgument "source:line: message".
  static Result<WorkflowDefinition> Parse(std::string_view text, std::string_view source_name);
  static Result<WorkflowDefinition> LoadFile(const std::string& path);

  const LifecycleTransition* FindTransition(std::string_view action) const;
  // Ok when `role` may take `action` from `state`; otherwise Rejected with a
  // reason code: "unknown_action", "role_not_allowed" or "invalid_state".
  Status CheckStep(std::string_view action, std::string_view role, std::string_view state) const;
  // The state after `action` (the same state for actions that do not move it).
  // REQUIRES: CheckStep(action, role, state).ok() for some role.
  std::string NextState(std::string_view action, std::string_view state) const;
  bool IsTerminal(std::string_view state) const;
  const ReviewCycleTemplate* FindReviewCycle(std::string_view id) const;
  // A task's schedule (每季度报送: recurrence "quarter:N") asks its units for a
  // report this many working days before each checkpoint: the
  // reply_working_days of the first review-cycle template of the period's
  // kind (month -> monthly, quarter -> quarterly, half_year -> half_year,
  // year -> yearly), kDefaultScheduleNoticeWorkingDays when there is none.
  int ScheduleNoticeWorkingDays(std::string_view period) const;
  static constexpr int kDefaultScheduleNoticeWorkingDays = 10;
  // The review-cycle kind of a recurrence period ("quarter" -> "quarterly").
  static std::string CycleKindOfPeriod(std::string_view period);
};

}  // namespace duban::workflows
