// What the catalogue says of each event and command type, apart from its
// bytes: names (roles, event types, commands), the current version of each
// event type, and the task and unit a body is about. Declared in codec.h.
#include <iterator>
#include <variant>

#include "duban/schemas/codec.h"

namespace duban::schemas {

const char* RoleName(Role r) {
  switch (r) {
    case Role::kSupervisor:
      return "supervisor";
    case Role::kUnit:
      return "unit";
    case Role::kAuditor:
      return "auditor";
    case Role::kSystem:
      return "system";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}
std::optional<Role> ParseRole(std::string_view s) {
  if (s == "supervisor") return Role::kSupervisor;
  if (s == "unit") return Role::kUnit;
  if (s == "auditor") return Role::kAuditor;
  if (s == "system") return Role::kSystem;
  if (s == "admin") return Role::kAdmin;
  return std::nullopt;
}
const char* AssignmentRoleName(AssignmentRole r) { return r == AssignmentRole::kLead ? "lead" : "responsible"; }

const char* EventTypeName(uint16_t type) {
  switch (static_cast<EventType>(type)) {
// A list of macro calls, not statements: clang-format would indent it further on each run.
// clang-format off
#define NAME(T) \
  case EventType::k##T: return #T;
    NAME(PlanImported) NAME(PlanAmended) NAME(PlanWithdrawn) NAME(TaskAdded) NAME(TaskAmended)
    NAME(TaskCancelled) NAME(TaskCompleted) NAME(AssignmentCreated) NAME(AssignmentAccepted)
    NAME(AssignmentReturned) NAME(AssignmentReassigned) NAME(ProgressReported)
    NAME(CompletionSubmitted) NAME(CompletionApproved) NAME(CompletionRejected)
    NAME(ExtensionRequested) NAME(ExtensionGranted) NAME(ExtensionDenied)
    NAME(DeadlineApproaching) NAME(DeadlineMissed) NAME(EscalationRaised) NAME(EscalationCleared)
    NAME(ReviewCycleStarted) NAME(ProgressReportRequested) NAME(ReviewCycleClosed)
    NAME(CommandRejected) NAME(ReportOverdue) NAME(AssignmentReopened) NAME(AcceptanceOverdue)
    NAME(ReviewOverdue) NAME(DeadlineRecounted) NAME(CalendarNoticeAdded) NAME(AccountChanged)
    NAME(DeadlineChanged) NAME(AssignmentCancelled) NAME(AssignmentMerged) NAME(NoteAdded)
    NAME(ScheduleSet) NAME(AssignmentDelegated) NAME(PlanUnitAdded)
#undef NAME
    // clang-format on
  }
  return "Unknown";
}

uint16_t CurrentVersion(EventType type) {
  switch (type) {
    case EventType::kProgressReported:
      return 2;
    case EventType::kDeadlineApproaching:
      return 2;
    case EventType::kDeadlineMissed:
      return 2;
    case EventType::kEscalationRaised:
      return 2;
    case EventType::kReportOverdue:
      return 2;
    case EventType::kPlanImported:
      return 2;
    case EventType::kAssignmentReassigned:
      return 3;
    case EventType::kAssignmentCreated:
      return 2;
    case EventType::kAssignmentDelegated:
      return 2;
    default:
      return 1;
  }
}

int32_t TaskOf(const EventBody& body) {
  return std::visit(
      [](const auto& b) -> int32_t {
        using T = std::decay_t<decltype(b)>;
        if constexpr (requires { b.task; })
          return b.task;
        else if constexpr (requires { b.number; } && !std::is_same_v<T, PlanImported>)
          return b.number;
        else
          return 0;
      },
      body);
}

std::string UnitOf(const EventBody& body) {
  return std::visit(
      [](const auto& b) -> std::string {
        if constexpr (requires { b.unit; })
          return b.unit;
        else if constexpr (requires { b.to_unit; })
          return b.to_unit;
        else
          return {};
      },
      body);
}

const char* CommandName(const CommandBody& body) {
  static const char* kNames[] = {"import_plan",
                                 "add_task",
                                 "cancel_task",
                                 "withdraw_plan",
                                 "assign",
                                 "accept",
                                 "return",
                                 "reassign",
                                 "progress",
                                 "submit",
                                 "approve",
                                 "reject",
                                 "request_extension",
                                 "grant_extension",
                                 "deny_extension",
                                 "fire_timer",
                                 "start_cycle",
                                 "close_cycle",
                                 "reopen",
                                 "set_deadline",
                                 "cancel_assignment",
                                 "resolve_return",
                                 "add_note",
                                 "set_schedule",
                                 "delegate",
                                 "set_consolidation",
                                 "add_unit"};
  static_assert(std::size(kNames) == std::variant_size_v<CommandBody>);
  return kNames[body.index()];
}

}  // namespace duban::schemas
