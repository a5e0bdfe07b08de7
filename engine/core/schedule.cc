// See duban/core/schedule.h.
#include "duban/core/schedule.h"

#include <algorithm>

#include "duban/workflows/deadline_phrase.h"

namespace duban::core {

int32_t ScheduleYear(const PlanState& plan, Instant at) { return plan.meta.year ? plan.meta.year : DayOf(at).year; }

std::string ScheduleCyclePrefix(int32_t task) { return std::string(kScheduleCyclePrefix) + std::to_string(task) + ":"; }

std::string ScheduleCycleId(int32_t task, const Date& checkpoint) {
  return ScheduleCyclePrefix(task) + checkpoint.ToString();
}

std::vector<Date> ScheduleCheckpoints(const TaskState& task) {
  if (task.deadline.recurrence.empty()) return {};
  auto r = workflows::ParseRecurrence(task.deadline.recurrence, task.schedule_year);
  return r.ok() ? r->checkpoints : std::vector<Date>{};
}

bool ScheduleStillAsks(const PlanState& plan, const TaskState& task, const AssignmentState& a, const Date& checkpoint) {
  if (task.cancelled || task.completed) return false;
  if (!IsOpen(a.status) || a.status == AssignmentStatus::kSubmitted) return false;
  // A checkpoint on or after the unit's own date is that deadline's to keep:
  // its reminders come before it and its ladder after, and a report asked for
  // the same day climbed a second ladder beside it (督促整改 twice, 约谈 twice).
  if (const auto due = Date::Parse(a.due_on); due && !(checkpoint < *due)) return false;
  const auto cps = ScheduleCheckpoints(task);
  if (std::find(cps.begin(), cps.end(), checkpoint) == cps.end()) return false;
  auto cy = plan.cycles.find(ScheduleCycleId(task.number, checkpoint));
  if (cy == plan.cycles.end()) return true;
  return !cy->second.closed && !cy->second.requested.count({a.task, a.unit});
}

bool FallsDueBefore(const workflows::WorkCalendar& calendar, const Date& checkpoint, const Date& due) {
  auto c = calendar.EffectiveDue(checkpoint);
  auto d = calendar.EffectiveDue(due);
  if (!c.ok() || !d.ok()) return checkpoint < due;  // only a corrupt calendar
  return *c < *d;
}

std::optional<ScheduledAsk> NextScheduledAsk(const PlanState& plan, const AssignmentState& a,
                                             const workflows::WorkflowDefinition& definition,
                                             const workflows::WorkCalendar& calendar) {
  auto t = plan.tasks.find(a.task);
  if (t == plan.tasks.end() || t->second.deadline.recurrence.empty()) return std::nullopt;
  const TaskState& task = t->second;
  const std::string period = task.deadline.recurrence.substr(0, task.deadline.recurrence.find(':'));
  const int notice = definition.ScheduleNoticeWorkingDays(period);
  // Not before the schedule, the work or its date were set: a date moved past
  // a checkpoint whose asking day had gone by does not ask it after the fact
  // (the request would be dated before the move, and a report made between
  // would not answer it).
  const Date from = std::max({DayOf(task.schedule_set_at), DayOf(a.assigned_at), DayOf(a.due_set_at)});
  const std::optional<Date> own_due = Date::Parse(a.due_on);
  for (const Date& c : ScheduleCheckpoints(task)) {
    if (!ScheduleStillAsks(plan, task, a, c)) continue;
    if (own_due && !FallsDueBefore(calendar, c, *own_due)) continue;  // the same working day as the deadline
    auto due = calendar.EffectiveDue(c);
    auto ask = due.ok() ? (notice > 0 ? calendar.SubtractWorkingDays(*due, notice) : due) : due;
    if (!ask.ok()) continue;  // only a corrupt calendar: the checkpoint is not asked
    if (*ask < from) continue;
    return ScheduledAsk{c, *ask, calendar.SpanIsProvisional(*ask, *due)};
  }
  return std::nullopt;
}

}  // namespace duban::core
