#include "duban/reports/light.h"

#include <algorithm>

#include "duban/core/workflow_timer_policy.h"
#include "duban/engine.h"
#include "duban/workflows/calendar.h"

namespace duban::reports {

int WorkingDaysBetween(const workflows::WorkCalendar* calendar, Date today, Date due, int cap) {
  const int64_t t = today.ToDays(), d = due.ToDays();
  const int sign = d >= t ? 1 : -1;
  int n = 0;
  for (int64_t x = std::min(t, d) + 1; x <= std::max(t, d) && n < cap; ++x) {
    const Date day = Date::FromDays(x);
    bool working = day.Weekday() <= 5;
    if (calendar) {
      auto w = calendar->IsWorkingDay(day);
      if (w.ok()) working = *w;
    }
    if (working) ++n;
  }
  return sign * n;
}

const char* TrafficLight(const core::AssignmentState& a, std::optional<int> left, bool past_due) {
  using S = core::AssignmentStatus;
  if (a.status == S::kCompleted) return "done";
  if (!core::IsOpen(a.status)) return "none";
  if (a.overdue || a.acceptance_overdue || a.review_overdue) return "red";
  if (!left) return "none";
  // Handed in and awaiting review: nothing is asked of the unit, so not
  // yellow before its date, and on time after it unless the clock recorded
  // it late (a hand-in after the date is, at its next tick); the office's
  // review has its own limit (review_overdue).
  if (a.status == S::kSubmitted) return "green";
  // Past its due date is red even when no working day has passed since (a
  // deadline on Friday, seen on Saturday) and before the clock marks it.
  if (past_due || *left < 0) return "red";
  return *left <= kYellowWorkingDays ? "yellow" : "green";
}

const workflows::WorkCalendar* PolicyCalendar(const TimerPolicy* policy) {
  if (auto* p = dynamic_cast<const WorkflowTimerPolicy*>(policy)) return &p->latest_calendar();
  return nullptr;
}

const workflows::WorkCalendar* DeadlineCalendar(const TimerPolicy* policy, const core::PlanState& plan,
                                                const core::AssignmentState& a) {
  if (auto* p = dynamic_cast<const WorkflowTimerPolicy*>(policy)) return &p->JudgedCalendar(plan, a);
  return nullptr;
}

const workflows::WorkCalendar* PolicyCalendar(const Engine& engine) {
  return PolicyCalendar(engine.timer_policy().get());
}

}  // namespace duban::reports
