// The traffic light (亮灯) of an assignment on one day, shared by the HTTP
// API (every assignment row, the dashboard) and the reports (the ledger's
// state colours), so both say the same thing of the same assignment.
//
//   done      completed;       none  cancelled, returned, or no deadline;
//   red       past its deadline (by date, or marked overdue by the clock),
//             or its acceptance or review is overdue;
//   yellow    due within kYellowWorkingDays working days (today not counted),
//             not yet handed in;
//   green     otherwise (handed in and awaiting review, unless overdue).
//
// Pure: the day and the working-day calendar are passed in.
#pragma once

#include <optional>
#include <string>

#include "duban/core/domain.h"
#include "duban/date.h"

namespace duban {
class Engine;
class TimerPolicy;
namespace workflows {
class WorkCalendar;
}
}  // namespace duban

namespace duban::reports {

inline constexpr int kYellowWorkingDays = 5;
inline constexpr int kWorkingDayCountCap = 400;
// No cap: the reports' overdue working days (a plan years late says so).
inline constexpr int kUncapped = 1 << 30;

// Working days in (today, due] (positive), or in (due, today] counted
// negative, capped at +-cap. Without a calendar (or outside its data):
// Monday to Friday.
int WorkingDaysBetween(const workflows::WorkCalendar* calendar, Date today, Date due, int cap = kWorkingDayCountCap);

// The light of `a` given its working days left (nullopt: no deadline) and
// whether today is after its due date. Work awaiting review past its date is
// green unless the clock recorded it late (or the review is late): its unit
// handed it in on time.
const char* TrafficLight(const core::AssignmentState& a, std::optional<int> working_days_left, bool past_due);

// The working-day calendar the engine's timer policy counts on (the latest
// version), or null when its policy has none. The engine overload's
// pointer lives as long as the policy in force; a reader beside the
// committer keeps engine.timer_policy() and asks the policy instead.
const workflows::WorkCalendar* PolicyCalendar(const TimerPolicy* policy);
const workflows::WorkCalendar* PolicyCalendar(const Engine& engine);
// The calendar `a`'s deadline was judged on in `plan` as it stood
// (WorkflowTimerPolicy::JudgedCalendar: for a plan as of a past date, the
// one in force then, not a notice recorded later), or null when the policy
// has none.
const workflows::WorkCalendar* DeadlineCalendar(const TimerPolicy* policy, const core::PlanState& plan,
                                                const core::AssignmentState& a);

}  // namespace duban::reports
