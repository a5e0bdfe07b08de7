// decide for delegation (多级下发): a unit passes its assignment of a task one
// level down to a sub-unit the plan's unit directory puts below it
// (PlanImported.sub_units), due no later than its own, no deeper than the
// definition's delegation.max_levels. The child's review and cancellation by
// the delegating unit, and the parent's submission waiting on open children,
// are in the handlers of those steps (decide.cc, decide_office_tools.cc).
#include "decider.h"

namespace duban::core {
namespace decide_internal {

R Decider::On(const Delegate& b) {
  auto a = OwnAssignment(b.task, b.unit, "delegate", "delegate an assignment");
  if (!a.ok()) return a.status();
  if (auto st = Transition(**a, "delegate", "delegate"); !st.ok()) return st;
  if (auto t = OpenTask(b.task); !t.ok()) return t.status();
  const bool below = std::any_of(s_.meta.sub_units.begin(), s_.meta.sub_units.end(),
                                 [&](const SubUnit& s) { return s.name == b.to_unit && s.parent == b.unit; });
  if (!below)
    return Refuse(reason::kNotSubUnit,
                  "'" + b.to_unit + "' is not a sub-unit of " + b.unit +
                      " in the plan's unit directory (a unit's `parent:` there)" +
                      (s_.meta.sub_units.empty() ? "; this plan records no sub-units at all (its directory names no "
                                                   "`parent:`, or it was imported before delegation)"
                                                 : ""));
  if (const int level = DelegationLevel(**a) + 1; level > def_.delegation_max_levels)
    return Refuse(reason::kDelegationTooDeep, "delegating " + AssignmentLabel(b.task, b.unit) + " would make level " +
                                                  std::to_string(level) + "; the workflow definition allows " +
                                                  std::to_string(def_.delegation_max_levels));
  // Only where the sub-unit holds nothing of the task, or a cancelled
  // assignment: a return waiting for the office or a completed part is a
  // record the delegation must not overwrite.
  auto held = s_.assignments.find({b.task, b.to_unit});
  if (held != s_.assignments.end() && held->second.status != AssignmentStatus::kCancelled)
    return Refuse(reason::kAssignmentExists,
                  b.to_unit + " already holds " + TaskLabel(b.task) + " (" + StatusName(held->second.status) + ")");
  std::string due = b.due_on.empty() ? (*a)->due_on : b.due_on;
  if (!due.empty() && !Date::Parse(due))
    return Refuse(reason::kInvalidArgument, "not a valid date: '" + due + "' (YYYY-MM-DD)");
  if (!due.empty())
    if (auto st = b.due_on.empty()
                      ? NotPastWhenReceived(due, "the unit's own date",
                                            "the delegated part would keep it: a unit past its own date asks for "
                                            "an extension first")
                      : NotPastWhenReceived(due, "the delegated part's date", "give it a day to come");
        !st.ok())
      return st;
  if (!(*a)->due_on.empty() && due > (*a)->due_on)
    return Refuse(reason::kInvalidArgument,
                  "a delegated assignment is due no later than its parent's " + (*a)->due_on + " (asked: " + due + ")");
  return std::vector<EventBody>{AssignmentDelegated{b.task, b.unit, b.to_unit, due, b.note}};
}

}  // namespace decide_internal
}  // namespace duban::core
