// Lead-unit consolidation (牵头单位汇总, issue 20): how a task's lead unit
// answers to the office for the task's other units. In a plan whose mode is
// `lead` (the office's set_consolidation, or the workflow definition's
// `consolidation:` recorded at the plan's import; a plan with neither is
// per_unit, so the mode is always read from the log), a task that names
// exactly one lead unit is reported through it:
//  - the lead reads the other units' parts, and what they delegated down
//    (whose review stays with the unit that delegated it);
//  - while the lead's own part is open, their submissions wait for it, not
//    the office; it may send one back (the definition's lead_unit steps),
//    not approve it;
//  - the lead submits the task's consolidated report once each of them has
//    submitted or is closed (consolidation_open otherwise);
//  - the office reviews the task as one: approving the lead's report closes
//    the parts submitted before it (what the report consolidated); it does
//    not approve them one by one while the lead's part is open
//    (consolidated_review). A part submitted after the lead's report, or
//    after the lead's part closed, is the office's to review.
// In mode `per_unit` (the default definition's), and on a task with no lead
// or several, every unit answers to the office for its own part, as before.
// Pure: one definition for decide, the queues and the readers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "duban/core/domain.h"

namespace duban::core {

inline constexpr std::string_view kConsolidationPerUnit = "per_unit";
inline constexpr std::string_view kConsolidationLead = "lead";
bool IsConsolidationMode(std::string_view mode);

// The plan's mode as its log records it ("" : per_unit).
std::string_view ConsolidationMode(const PlanState& plan);

// The unit that consolidates `task`: in lead mode its one lead unit whose
// part is not cancelled; "" otherwise (per-unit review).
std::string ConsolidatingLead(const PlanState& plan, int32_t task);

// The lead that consolidates `unit`'s part of `task` ("": it answers to the
// office, or to the unit that delegated it).
std::string ConsolidatorOf(const PlanState& plan, int32_t task, const std::string& unit);
// ConsolidatorOf while the lead's own part is open: the lead that may act on
// `unit`'s part and whose queue its submission waits in.
std::string ActingConsolidatorOf(const PlanState& plan, int32_t task, const std::string& unit);

// The parts `lead` consolidates on `task`, in unit order.
std::vector<std::string> ConsolidatedUnits(const PlanState& plan, int32_t task, const std::string& lead);

// The tasks whose units lead mode leaves answering each for its own part:
// two or more live top-level parts and not exactly one lead among them. What
// the office is told when it chooses lead, so that the choice is not silently
// a no-op on them. In task order.
std::vector<int32_t> TasksWithoutOneLead(const PlanState& plan);

}  // namespace duban::core
