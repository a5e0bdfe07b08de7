// PlanDeadlineTimers and friends (see timer_plan.h).
#include "duban/workflows/timer_plan.h"

#include <algorithm>

#include "duban/workflows/calendar.h"
#include "duban/workflows/definition.h"

namespace duban::workflows {

Result<std::vector<PlannedTimer>> PlanDeadlineTimers(Date effective_due, const WorkflowDefinition& def,
                                                     const WorkCalendar& cal) {
  std::vector<PlannedTimer> out;
  for (int n : def.reminder_working_days_before) {
    auto d = cal.SubtractWorkingDays(effective_due, n);
    if (!d.ok()) return d.status();
    PlannedTimer t;
    t.kind = TimerKind::kReminder;
    t.fire_on = *d;
    t.days_before = n;
    out.push_back(std::move(t));
  }
  auto missed = cal.AddWorkingDays(effective_due, 1);
  if (!missed.ok()) return missed.status();
  out.push_back(PlannedTimer{TimerKind::kMissed, *missed, 0, {}, 0, false});
  Date prev = *missed;
  for (const auto& step : def.escalation) {
    auto d = step.delay_working_days == 0 ? Result<Date>(prev) : cal.AddWorkingDays(prev, step.delay_working_days);
    if (!d.ok()) return d.status();
    out.push_back(PlannedTimer{TimerKind::kEscalation, *d, step.level, step.name, 0, false});
    prev = *d;
  }
  for (auto& t : out) t.provisional = cal.SpanIsProvisional(effective_due, t.fire_on);
  std::stable_sort(out.begin(), out.end(), [](const PlannedTimer& a, const PlannedTimer& b) {
    if (a.fire_on != b.fire_on) return a.fire_on < b.fire_on;
    return static_cast<int>(a.kind) < static_cast<int>(b.kind);
  });
  return out;
}

Result<Date> AcceptanceDue(Date assigned_on, const WorkflowDefinition& def, const WorkCalendar& cal) {
  return cal.AddWorkingDays(assigned_on, def.acceptance_working_days);
}

Result<Date> ReviewDue(Date submitted_on, const WorkflowDefinition& def, const WorkCalendar& cal) {
  return cal.AddWorkingDays(submitted_on, def.review_working_days);
}

}  // namespace duban::workflows
