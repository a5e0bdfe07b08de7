// A task's reporting schedule (每季度报送, 一季度听取一次: issue 20): which
// progress reports its recurrence asks of each assignment, and when. One
// reading for the timer policy, which arms the next ask, and for decide,
// which fires it only while it still holds: the two agree by construction,
// so the timer index stays a pure function of the log (rebuild identical).
//
// A schedule is the task's deadline.recurrence ("quarter:1") with its year
// (TaskState::schedule_year). Each checkpoint of it (the end of each period)
// is a review cycle "schedule:<task>:<YYYY-MM-DD>" of the period's kind, due
// on the checkpoint; each open, not submitted assignment of the task is asked
// (ProgressReportRequested) on the asking day: the definition's notice days
// (WorkflowDefinition::ScheduleNoticeWorkingDays) before the checkpoint's
// effective due date, on the working-day calendar. A checkpoint whose asking
// day came before the schedule was set or the assignment made is skipped: a
// schedule set in November does not ask for the first quarter. A cycle the
// office closed asks no more. From the ask on, the review cycle's own rules
// apply (report_overdue and its ladder). Pure: no I/O, no clock.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "duban/core/domain.h"
#include "duban/date.h"
#include "duban/workflows/calendar.h"
#include "duban/workflows/definition.h"

namespace duban::core {

// The year a schedule falls in when none is given: the plan's, else the
// year of `at` (China time).
int32_t ScheduleYear(const PlanState& plan, Instant at);

// "schedule:<task>:<checkpoint>"; the prefix is reserved (StartReviewCycle
// refuses ids that carry it).
inline constexpr std::string_view kScheduleCyclePrefix = "schedule:";
std::string ScheduleCycleId(int32_t task, const Date& checkpoint);
// "schedule:<task>:": what every cycle id of the task's schedule starts with.
std::string ScheduleCyclePrefix(int32_t task);

// Whether a report due at `checkpoint` falls due on an earlier working day
// than the unit's own date `due` (each moved off a rest day by `calendar`):
// 10-31 on a Saturday and a deadline 11-01 on a Sunday both fall due on
// Monday 11-02, which is one deadline, not two.
bool FallsDueBefore(const workflows::WorkCalendar& calendar, const Date& checkpoint, const Date& due);

// The task's checkpoints, oldest first; empty when it has no schedule (or a
// recurrence text no build wrote).
std::vector<Date> ScheduleCheckpoints(const TaskState& task);

// Whether the report of `checkpoint` is still to be asked of `a`: the task
// open with this checkpoint in its schedule, the assignment open and not
// submitted, the checkpoint before the assignment's own date (the last
// checkpoint of a 每季度 task is its deadline, whose own reminders and
// ladder speak for it), its cycle not closed and not yet asking it. (The asking day
// itself is the policy's: decide has no calendar.)
bool ScheduleStillAsks(const PlanState& plan, const TaskState& task, const AssignmentState& a, const Date& checkpoint);

struct ScheduledAsk {
  Date checkpoint;           // the cycle's due date
  Date ask_on;               // the day the request is made
  bool provisional = false;  // counted by the calendar's provisional rule
};
// The next report the schedule asks of `a`, if any: the first checkpoint
// still to ask that falls due before the unit's own date (FallsDueBefore)
// and whose asking day is on or after the days the schedule was set, the
// assignment made and its date last set.
std::optional<ScheduledAsk> NextScheduledAsk(const PlanState& plan, const AssignmentState& a,
                                             const workflows::WorkflowDefinition& definition,
                                             const workflows::WorkCalendar& calendar);

}  // namespace duban::core
