// The domain's vocabulary shared by decide (decide.cc) and evolve
// (evolve.cc): assignment status names and the compiled-in workflow
// definition. Declared in duban/core/domain.h.
#include <stdexcept>

#include "duban/core/domain.h"

#include "duban/core/consolidation.h"

namespace duban::core {

const char* StatusName(AssignmentStatus s) {
  switch (s) {
    case AssignmentStatus::kAssigned:
      return "assigned";
    case AssignmentStatus::kAccepted:
      return "accepted";
    case AssignmentStatus::kInProgress:
      return "in_progress";
    case AssignmentStatus::kSubmitted:
      return "submitted";
    case AssignmentStatus::kCompleted:
      return "completed";
    case AssignmentStatus::kReturned:
      return "returned";
    case AssignmentStatus::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

std::optional<AssignmentStatus> ParseStatus(std::string_view s) {
  for (int i = 1; i <= 7; ++i) {
    auto st = static_cast<AssignmentStatus>(i);
    if (s == StatusName(st)) return st;
  }
  return std::nullopt;
}

AssignmentGroup GroupOf(const AssignmentState& a) {
  return {a.unit,
          a.status,
          a.overdue,
          a.acceptance_overdue,
          a.review_overdue,
          !a.pending_extension.empty(),
          a.escalation_level,
          a.due_on};
}

bool FollowsAssignment(const PlanState& plan, int32_t task, const std::string& unit, const std::string& viewer) {
  return FollowsAssignment(
      viewer, unit,
      [&](const std::string& u) -> std::string {
        auto it = plan.assignments.find({task, u});
        return it == plan.assignments.end() ? std::string() : it->second.parent;
      },
      ConsolidatingLead(plan, task));
}

const workflows::WorkflowDefinition& Definition() {
  // Compiled-in data: failing to load it is a broken build, not a bad command.
  static const workflows::WorkflowDefinition def = [] {
    auto d = workflows::WorkflowDefinition::Default();
    if (!d.ok()) throw std::logic_error("the compiled-in workflow definition does not load: " + d.status().ToString());
    return std::move(d).value();
  }();
  return def;
}

}  // namespace duban::core
