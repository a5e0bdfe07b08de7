// See duban/core/consolidation.h.
#include "duban/core/consolidation.h"

namespace duban::core {

bool IsConsolidationMode(std::string_view mode) { return mode == kConsolidationPerUnit || mode == kConsolidationLead; }

std::string_view ConsolidationMode(const PlanState& plan) {
  return plan.consolidation.empty() ? kConsolidationPerUnit : std::string_view(plan.consolidation);
}

std::string ConsolidatingLead(const PlanState& plan, int32_t task) {
  if (ConsolidationMode(plan) != kConsolidationLead) return {};
  std::string lead;
  for (auto it = plan.assignments.lower_bound({task, ""}); it != plan.assignments.end() && it->first.first == task;
       ++it) {
    const AssignmentState& a = it->second;
    if (a.role != schemas::AssignmentRole::kLead || !a.parent.empty() || a.status == AssignmentStatus::kCancelled)
      continue;
    if (!lead.empty()) return {};  // several leads: each answers for itself
    lead = a.unit;
  }
  return lead;
}

std::string ConsolidatorOf(const PlanState& plan, int32_t task, const std::string& unit) {
  auto it = plan.assignments.find({task, unit});
  if (it == plan.assignments.end() || !it->second.parent.empty()) return {};
  std::string lead = ConsolidatingLead(plan, task);
  return lead == unit ? std::string() : lead;
}

std::string ActingConsolidatorOf(const PlanState& plan, int32_t task, const std::string& unit) {
  std::string lead = ConsolidatorOf(plan, task, unit);
  if (lead.empty() || !IsOpen(plan.assignments.at({task, lead}).status)) return {};
  return lead;
}

std::vector<std::string> ConsolidatedUnits(const PlanState& plan, int32_t task, const std::string& lead) {
  std::vector<std::string> out;
  if (lead.empty() || ConsolidatingLead(plan, task) != lead) return out;
  for (auto it = plan.assignments.lower_bound({task, ""}); it != plan.assignments.end() && it->first.first == task;
       ++it)
    if (it->first.second != lead && it->second.parent.empty()) out.push_back(it->first.second);
  return out;
}

std::vector<int32_t> TasksWithoutOneLead(const PlanState& plan) {
  std::vector<int32_t> out;
  int32_t task = 0;
  int parts = 0, leads = 0;
  auto close = [&] {
    if (parts >= 2 && leads != 1) out.push_back(task);
  };
  for (const auto& [key, a] : plan.assignments) {  // in (task, unit) order
    if (key.first != task) {
      close();
      task = key.first;
      parts = leads = 0;
    }
    if (!a.parent.empty() || a.status == AssignmentStatus::kCancelled) continue;
    ++parts;
    if (a.role == schemas::AssignmentRole::kLead) ++leads;
  }
  close();
  return out;
}

}  // namespace duban::core
