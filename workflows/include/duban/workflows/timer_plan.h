// Timer planning: which timers an assignment's deadline arms, computed from
// its effective due date, the workflow definition and the working-day
// calendar. Pure and deterministic (no clock, no I/O): the same inputs always
// give the same list in the same order, so replay re-arms identical timers.
// The engine stores them in its timer index and fires those due; it drops the
// ones already in the past when arming (that is a decision about "now", which
// this function does not know).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "duban/date.h"
#include "duban/schemas/timer_kind.h"
#include "duban/status.h"

namespace duban::workflows {

class WorkCalendar;
struct WorkflowDefinition;

// A deadline arms reminders, missed and escalation steps (one enum for
// every timer kind: duban/schemas/timer_kind.h).
using schemas::TimerKind;
using schemas::TimerKindName;

struct PlannedTimer {
  TimerKind kind = TimerKind::kReminder;
  Date fire_on;         // the CST day the timer fires (at its start)
  int level = 0;        // escalation level; 0 for reminder and missed
  std::string step;     // escalation step name (督促整改); empty otherwise
  int days_before = 0;  // reminders: working days before the due date; 0 otherwise
  // The count between the due date and fire_on touched a year the calendar
  // does not cover: fire_on follows the provisional rule (calendar.h).
  bool provisional = false;

  bool operator==(const PlannedTimer&) const = default;
};

// Timers for a deadline whose effective due date (a working day, see
// WorkCalendar::EffectiveDue) is `effective_due`:
//   - one reminder per definition.reminder_working_days_before N, firing N
//     working days before the due date (10, 3, 1 by default);
//   - missed: the first working day after the due date (the unit had all of
//     the due day);
//   - each escalation step delay_working_days working days after the previous
//     timer (the first step counts from the missed day; delay 0 = same day).
// Ordered by fire_on, then reminders before missed before escalations.
// A timer whose count crosses a year the calendar does not cover is marked
// provisional. Errors when the calendar cannot count a needed day (uncovered
// year with the provisional rule off).
Result<std::vector<PlannedTimer>> PlanDeadlineTimers(Date effective_due, const WorkflowDefinition& definition,
                                                     const WorkCalendar& calendar);

// The day by which a unit must accept (签收) an assignment made on `assigned_on`:
// acceptance_working_days working days later.
Result<Date> AcceptanceDue(Date assigned_on, const WorkflowDefinition& definition, const WorkCalendar& calendar);
// The day by which the office must review a submission made on `submitted_on`.
Result<Date> ReviewDue(Date submitted_on, const WorkflowDefinition& definition, const WorkCalendar& calendar);

}  // namespace duban::workflows
