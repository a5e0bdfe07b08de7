// See duban/core/workflow_timer_policy.h for the rules; each one mirrors the
// FireTimer guard in decide.cc (Decider::On(FireTimer)), so a fired timer always changes state.
#include "duban/core/workflow_timer_policy.h"
#include "duban/core/schedule.h"
#include "duban/log.h"

#include <algorithm>
#include <optional>

namespace duban {

using core::AssignmentState;
using core::AssignmentStatus;
using core::PlanState;
using schemas::TimerKind;
using workflows::PlannedTimer;

namespace {

using Timer = TimerPolicy::Timer;

Timer BaseTimer(const AssignmentState& a, TimerKind kind) {
  Timer t;
  t.body.task = a.task;
  t.body.unit = a.unit;
  t.body.kind = kind;
  return t;
}

// Records on the timer the calendar it was counted on, and whether provisionally.
void Mark(const workflows::WorkCalendar& cal, const PlannedTimer& p, Timer& t) {
  t.body.provisional = p.provisional;
  t.body.calendar_version = cal.version();
  if (p.provisional) t.body.calendar_version += workflows::WorkCalendar::kProvisionalSuffix;
}

void SetEscalationNotify(const workflows::WorkflowDefinition& definition, int32_t level, Timer& t) {
  for (const auto& s : definition.escalation)
    if (s.level == level) t.body.notify = s.notify;
}

// The version an assignment recounted on a notice counts on: its own, or its
// task's when a later notice recounted the task after the assignment closed
// (an open one is recounted with its task, so only one reopened since can
// name an older version than its task). Empty: never recounted.
std::string_view OwnCalendarVersion(const PlanState& plan, const AssignmentState& a) {
  if (a.calendar_version.empty()) return a.calendar_version;
  auto t = plan.tasks.find(a.task);
  if (t == plan.tasks.end()) return a.calendar_version;
  const std::string_view own = workflows::WorkCalendar::StripProvisionalSuffix(a.calendar_version);
  const std::string_view task = workflows::WorkCalendar::StripProvisionalSuffix(t->second.deadline.calendar_version);
  // Versions of one calendar ("cn-mainland/2027-01-10") order by their date.
  const auto name = [](std::string_view v) { return v.substr(0, v.find('/')); };
  return !task.empty() && name(task) == name(own) && task > own ? task : own;
}

// The calendar the assignment's deadline was counted on: its own, else the
// task's when the date is the task's (an extended date was not computed then).
std::string_view DeadlineCalendarVersion(const PlanState& plan, const AssignmentState& a) {
  std::string_view version = OwnCalendarVersion(plan, a);
  if (auto t = plan.tasks.find(a.task);
      version.empty() && t != plan.tasks.end() && t->second.deadline.due_on == a.due_on)
    version = t->second.deadline.calendar_version;
  return version;
}

// The timer of one rung of the assignment's deadline ladder, unless the
// assignment is past it already (the calendar is marked by the caller).
std::optional<Timer> DeadlineTimer(const PlannedTimer& p, const AssignmentState& a,
                                   const workflows::WorkflowDefinition& definition) {
  const Instant fire_at = StartOfDay(p.fire_on);
  switch (p.kind) {
    case TimerKind::kReminder:
      // Moot before the date was set, and before the unit had the work: a
      // back-entered move recorded on 12-22 would otherwise fire its 12-17
      // reminder at once, saying 10 working days were left when 8 were.
      if (a.overdue || fire_at <= a.due_set_at || fire_at <= a.assigned_at) return std::nullopt;
      if (a.reminded_days != 0 && p.days_before >= a.reminded_days) return std::nullopt;
      break;
    case TimerKind::kMissed:
      if (a.overdue) return std::nullopt;
      break;
    case TimerKind::kEscalation:
      if (!a.overdue || p.level <= a.escalation_level) return std::nullopt;
      break;
    default:
      return std::nullopt;  // a deadline's ladder plans no other kind
  }
  std::optional<Timer> out(std::in_place, BaseTimer(a, p.kind));
  Timer& t = *out;
  switch (p.kind) {
    case TimerKind::kReminder:
      t.body.working_days_left = p.days_before;
      break;
    case TimerKind::kEscalation:
      t.body.level = p.level;
      t.body.step = p.step;
      SetEscalationNotify(definition, p.level, t);
      break;
    default:
      break;
  }
  t.fire_at = fire_at;
  t.body.due_on = a.due_on;
  t.body.armed_at = a.due_set_at;  // a new due date is a new arming (see FireTimer)
  return out;
}

// Working days after `from` up to and including `to`.
int WorkingDaysAfter(const workflows::WorkCalendar& cal, Date from, Date to) {
  int n = 0;
  for (Date d = from.AddDays(1); d <= to; d = d.AddDays(1))
    if (auto w = cal.IsWorkingDay(d); w.ok() && *w) ++n;
  return n;
}

// The first working day that starts at or after `at`.
Date FirstWholeWorkingDay(const workflows::WorkCalendar& cal, Instant at) {
  const Date day = DayOf(at);
  auto first = cal.AddWorkingDays(at > StartOfDay(day) ? day.AddDays(1) : day, 0);
  return first.ok() ? *first : day;
}

// The days the rungs of `ladder` fire on for work that came back to its unit
// (AssignmentState::returns; see workflow_timer_policy.h), each return
// applied in turn to the days the ones before left; reminders keep theirs.
// A function of the ladder and the returns alone, whichever rungs were
// reached before or since, so the timers stay a pure function of the state.
std::vector<Date> ResumedDays(const workflows::WorkCalendar& cal, const workflows::WorkflowDefinition& definition,
                              const std::vector<PlannedTimer>& ladder, size_t missed,
                              const std::vector<AssignmentState::Return>& returns) {
  std::vector<Date> days;
  days.reserve(ladder.size());
  for (const PlannedTimer& p : ladder) days.push_back(p.fire_on);
  for (const auto& r : returns) {
    if (r.handed_in != 0 && StartOfDay(days[missed]) <= r.handed_in) {
      // Late when it was handed in: the rungs still ahead then come as many
      // working days after the return as they were after the hand-in (the
      // days the office held the work do not count, and a quick rejection
      // moves nothing).
      const Date handed_in = DayOf(r.handed_in);
      const Date back = DayOf(r.back);
      for (size_t i = 0; i < ladder.size(); ++i)
        if (ladder[i].kind != TimerKind::kReminder && days[i] > handed_in)
          if (auto moved = cal.AddWorkingDays(back, WorkingDaysAfter(cal, handed_in, days[i])); moved.ok())
            days[i] = std::max(days[i], *moved);
    } else if (StartOfDay(days[missed]) < r.back) {
      // Handed in before its miss day, which passed meanwhile: late from the
      // moment the work is back (working day or not), and the escalation
      // steps count from the first working day the unit has whole after it,
      // each its delay after the rung before, as they count from a miss day.
      days[missed] = DayOf(r.back);
      Date previous = FirstWholeWorkingDay(cal, r.back);
      for (size_t i = missed + 1; i < ladder.size(); ++i) {
        if (ladder[i].kind != TimerKind::kEscalation) continue;
        int delay = 0;
        for (const auto& step : definition.escalation)
          if (step.level == ladder[i].level) delay = step.delay_working_days;
        if (auto counted = cal.AddWorkingDays(previous, delay); counted.ok()) days[i] = std::max(days[i], *counted);
        previous = days[i];
      }
    }
  }
  return days;
}

// The timers of the assignment's deadline ladder still ahead. Work that
// came back to the unit: reminders of days before the last return are moot,
// rungs that passed while the office held it move (ResumedDays), and none is
// dated before the last return. A date set after its miss day had passed (a
// plan imported today with a deadline of last month, a reassignment, a new
// date already past) counts as work that came to the unit then, handed in on
// time: late from the moment it was set, the escalation steps counted from
// the first working day the unit has whole after it, none dated before it.
void AddDeadlineTimers(const workflows::WorkCalendar& cal, const workflows::WorkflowDefinition& definition,
                       const std::vector<PlannedTimer>& ladder, const AssignmentState& a, std::vector<Timer>& out) {
  const auto missed =
      std::find_if(ladder.begin(), ladder.end(), [](const PlannedTimer& p) { return p.kind == TimerKind::kMissed; });
  const bool set_when_past = missed != ladder.end() && a.due_set_at > StartOfDay(missed->fire_on);
  if (a.returns.empty() && !set_when_past) {  // the common case, on every event: nothing to count again
    for (const PlannedTimer& p : ladder)
      if (auto t = DeadlineTimer(p, a, definition)) {
        Mark(cal, p, *t);
        out.push_back(std::move(*t));
      }
    return;
  }
  std::vector<AssignmentState::Return> returns = a.returns;
  if (set_when_past) {  // in order of coming back: a recount may set the date after a return
    const AssignmentState::Return set{0, a.due_set_at};
    returns.insert(std::upper_bound(returns.begin(), returns.end(), set,
                                    [](const auto& x, const auto& y) { return x.back < y.back; }),
                   set);
  }
  const Instant last_back = returns.back().back;
  const Date back = DayOf(last_back);
  const std::vector<Date> resumed =
      missed != ladder.end()
          ? ResumedDays(cal, definition, ladder, static_cast<size_t>(missed - ladder.begin()), returns)
          : std::vector<Date>();
  for (size_t i = 0; i < ladder.size(); ++i) {
    PlannedTimer p = ladder[i];
    if (p.kind == TimerKind::kReminder && p.fire_on < back) continue;
    auto t = DeadlineTimer(p, a, definition);
    if (!t) continue;
    if (!resumed.empty() && resumed[i] != p.fire_on) {
      // Counted again after a return, maybe into a year the calendar does not cover.
      p.provisional = p.provisional || cal.SpanIsProvisional(p.fire_on, resumed[i]);
      p.fire_on = resumed[i];
    }
    Mark(cal, p, *t);
    // Never dated before the work came back: until then it was not the unit's.
    t->fire_at = std::max(StartOfDay(p.fire_on), last_back);
    out.push_back(std::move(*t));
  }
}

// The timer of one rung of a review cycle's ladder for a report not had;
// `escalated` is the level its silence reached, null when not overdue yet.
std::optional<Timer> ReportTimer(const PlannedTimer& p, const AssignmentState& a, const core::CycleState& c,
                                 const std::string& cycle_id, const int32_t* escalated,
                                 const workflows::WorkflowDefinition& definition) {
  Timer t = BaseTimer(a, TimerKind::kReportOverdue);
  if (p.kind == TimerKind::kMissed) {
    if (escalated) return std::nullopt;
  } else if (p.kind == TimerKind::kEscalation) {
    if (!escalated || p.level <= *escalated) return std::nullopt;
    t.body.level = p.level;
    t.body.step = p.step;
    SetEscalationNotify(definition, p.level, t);
  } else {
    return std::nullopt;  // no reminders before a progress report
  }
  t.fire_at = StartOfDay(p.fire_on);
  t.body.due_on = c.due_on;
  t.body.cycle_id = cycle_id;
  return t;
}

}  // namespace

WorkflowTimerPolicy::WorkflowTimerPolicy(workflows::WorkflowDefinition definition, workflows::WorkCalendar latest)
    : definition_(std::move(definition)), latest_(std::move(latest)) {
  latest_.set_provisional_rule(true);
}

Result<std::shared_ptr<WorkflowTimerPolicy>> WorkflowTimerPolicy::Default() {
  auto def = workflows::WorkflowDefinition::Default();
  if (!def.ok()) return def.status();
  return Build(std::move(def).value(), {});
}

Result<std::shared_ptr<WorkflowTimerPolicy>> WorkflowTimerPolicy::Build(
    workflows::WorkflowDefinition definition, const std::vector<workflows::WorkCalendar::NoticeText>& recorded) {
  auto cal = workflows::WorkCalendar::DefaultWith(recorded);
  if (!cal.ok()) return cal.status();
  std::shared_ptr<WorkflowTimerPolicy> p(new WorkflowTimerPolicy(std::move(definition), std::move(cal).value()));
  p->from_default_ = true;
  for (const auto& v : p->latest_.all_versions()) {
    auto at = workflows::WorkCalendar::DefaultWith(recorded, v);
    if (!at.ok()) return at.status();
    at->set_provisional_rule(true);
    p->by_version_.emplace(v, std::move(at).value());
  }
  return p;
}

Result<std::shared_ptr<const TimerPolicy>> WorkflowTimerPolicy::WithCalendarNotices(
    const std::vector<schemas::CalendarNoticeAdded>& notices) const {
  if (!from_default_)
    return Status::InvalidArgument(
        "this timer policy was made from a given calendar, not the compiled-in one: "
        "it cannot add recorded notices");
  std::vector<workflows::WorkCalendar::NoticeText> recorded;
  recorded.reserve(notices.size());
  for (const auto& n : notices) recorded.push_back({n.text, n.source});
  auto p = Build(definition_, recorded);
  if (!p.ok()) return p.status();
  return std::shared_ptr<const TimerPolicy>(std::move(p).value());
}

std::shared_ptr<WorkflowTimerPolicy> WorkflowTimerPolicy::Make(workflows::WorkflowDefinition definition,
                                                               workflows::WorkCalendar calendar) {
  return std::shared_ptr<WorkflowTimerPolicy>(new WorkflowTimerPolicy(std::move(definition), std::move(calendar)));
}

const workflows::WorkCalendar& WorkflowTimerPolicy::CalendarFor(std::string_view version) const {
  if (version.empty()) return latest_;
  // "+provisional" (or the older "+weekends-only") only says the date was
  // counted provisionally then; every calendar here applies the provisional
  // rule to the years it does not cover.
  const std::string_view v = workflows::WorkCalendar::StripProvisionalSuffix(version);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_version_.find(v);
  return it == by_version_.end() ? latest_ : it->second;
}

const workflows::WorkCalendar& WorkflowTimerPolicy::DeadlineCalendar(const PlanState& plan,
                                                                     const AssignmentState& a) const {
  return CalendarFor(DeadlineCalendarVersion(plan, a));
}

const workflows::WorkCalendar& WorkflowTimerPolicy::JudgedCalendar(const PlanState& plan,
                                                                   const AssignmentState& a) const {
  std::string_view version = DeadlineCalendarVersion(plan, a);
  if (!version.empty()) return CalendarFor(version);
  // Versions of one calendar ("cn-mainland/2027-01-10") order by their date.
  const std::string_view name = std::string_view(latest_.version()).substr(0, latest_.version().find('/'));
  for (const auto& [number, t] : plan.tasks) {
    const std::string_view v = workflows::WorkCalendar::StripProvisionalSuffix(t.deadline.calendar_version);
    if (v.substr(0, v.find('/')) == name && v > version) version = v;
  }
  return CalendarFor(version);
}

const std::vector<PlannedTimer>& WorkflowTimerPolicy::Ladder(const workflows::WorkCalendar& cal, Date due) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto key = std::make_pair(&cal, due.ToDays());
  auto it = memo_.find(key);
  if (it != memo_.end()) return it->second;
  std::vector<PlannedTimer> planned;
  auto eff = cal.EffectiveDue(due);
  Status st = eff.status();
  if (eff.ok()) {
    auto p = workflows::PlanDeadlineTimers(*eff, definition_, cal);
    if (p.ok())
      planned = std::move(p).value();
    else
      st = p.status();
  }
  // With the provisional rule on, only a corrupt calendar gets here; say so
  // loudly rather than let a deadline pass unnoticed.
  if (!st.ok())
    log::Core().error("due date {}: no timers could be computed on calendar {}: {}", due.ToString(), cal.version(),
                      st.message());
  return memo_.emplace(key, std::move(planned)).first->second;
}

const WorkflowTimerPolicy::LimitDays* WorkflowTimerPolicy::CountLimit(const workflows::WorkCalendar& cal, Date start,
                                                                      int working_days) const {
  std::lock_guard<std::mutex> lock(mu_);
  const LimitKey key{&cal, start.ToDays(), working_days};
  if (auto it = limit_memo_.find(key); it != limit_memo_.end()) return &it->second;
  auto last = cal.AddWorkingDays(start, working_days);
  auto fire = last.ok() ? cal.AddWorkingDays(*last, 1) : last;
  if (!fire.ok()) return nullptr;  // not kept: each timer it concerns says so
  LimitDays days{*fire, last->ToString(), cal.SpanIsProvisional(start, *fire)};
  return &limit_memo_.emplace(key, std::move(days)).first->second;
}

template <class Base>
TimerPolicy::Timer WorkflowTimerPolicy::Limit(const workflows::WorkCalendar& cal, TimerKind kind, Instant from,
                                              int working_days, const std::vector<std::string>& notify,
                                              Base&& base) const {
  // The limit's last day is the Nth working day after the day it starts; the
  // timer fires at the start of the working day after that, like "missed".
  const Date start = DayOf(from);
  Timer t = base(kind);
  t.body.armed_at = from;
  t.body.notify = notify;
  t.body.calendar_version = cal.version();
  if (const LimitDays* days = CountLimit(cal, start, working_days)) {
    t.fire_at = StartOfDay(days->fire);
    t.body.due_on = days->last_text;
    t.body.provisional = days->provisional;
  } else {  // only a corrupt calendar: fire by calendar days rather than never
    auto fire = cal.AddWorkingDays(start, working_days);
    if (fire.ok()) fire = cal.AddWorkingDays(*fire, 1);
    log::Core().error("{} of task {} {}: {}", schemas::TimerKindName(kind), t.body.task, t.body.unit,
                      fire.status().message());
    const Date last = start.AddDays(working_days);
    t.fire_at = StartOfDay(last.AddDays(1));
    t.body.due_on = last.ToString();
    t.body.provisional = cal.SpanIsProvisional(start, last.AddDays(1));
  }
  if (t.body.provisional) t.body.calendar_version += workflows::WorkCalendar::kProvisionalSuffix;
  return t;
}

// Reports review cycles asked of `a` and have not had. A report its
// schedule asked that falls due with the unit's own date or after it (the
// date was moved back over it) is that deadline's to keep: one ladder.
void WorkflowTimerPolicy::AddReportTimers(const PlanState& plan, const AssignmentState& a,
                                          const workflows::WorkCalendar& own, std::vector<Timer>& out) const {
  const std::pair<int32_t, std::string> key{a.task, a.unit};
  const std::optional<Date> own_due = Date::Parse(a.due_on);
  for (const auto& [id, c] : plan.cycles) {
    if (c.closed || !c.requested.count(key) || c.answered.count(key)) continue;
    auto due = Date::Parse(c.due_on);
    if (!due) continue;
    if (own_due && std::string_view(id).starts_with(core::kScheduleCyclePrefix) &&
        !core::FallsDueBefore(own, *due, *own_due))
      continue;
    auto ov = c.overdue.find(key);
    const int32_t* escalated = ov == c.overdue.end() ? nullptr : &ov->second;
    for (const PlannedTimer& p : Ladder(own, *due))
      if (auto t = ReportTimer(p, a, c, id, escalated, definition_)) {
        Mark(own, p, *t);
        out.push_back(std::move(*t));
      }
  }
}

std::vector<TimerPolicy::Timer> WorkflowTimerPolicy::TimersFor(const PlanState& plan, const AssignmentState& a) const {
  std::vector<Timer> out;
  auto base = [&](TimerKind kind) { return BaseTimer(a, kind); };
  // A delegated assignment answers to the unit that delegated it: its timers
  // tell that unit where they would tell the office (the office hears when
  // the delegating unit's own assignment is late).
  auto answer_to_parent = [&a](std::vector<Timer> timers) {
    if (!a.parent.empty())
      for (auto& t : timers) std::replace(t.body.notify.begin(), t.body.notify.end(), std::string("office"), a.parent);
    return timers;
  };

  // Counted on the notice it was recounted on, else the latest calendar.
  const workflows::WorkCalendar& own = CalendarFor(OwnCalendarVersion(plan, a));
  // The acceptance limit (签收时限) and the office's review limit.
  if (a.status == AssignmentStatus::kAssigned && !a.acceptance_overdue && a.assigned_at)
    out.push_back(Limit(own, TimerKind::kAcceptanceOverdue, a.assigned_at, definition_.acceptance_working_days,
                        definition_.acceptance_overdue_notify, base));
  if (a.status == AssignmentStatus::kSubmitted && !a.review_overdue && a.submitted_at)
    out.push_back(Limit(own, TimerKind::kReviewOverdue, a.submitted_at, definition_.review_working_days,
                        definition_.review_overdue_notify, base));
  // Handed in after its miss was due while the clock did not run (a server
  // down over the day, a simulated clock moved on by a write): the miss stays
  // armed, in the past, so the next tick records the work late, as the ledger
  // already counts it. Counted as the open assignment's miss would be.
  if ((a.status == AssignmentStatus::kSubmitted || a.status == AssignmentStatus::kCompleted) && !a.overdue &&
      a.submitted_at)
    // A miss fires after the due day: work handed in by then (the common
    // case) needs no ladder counted.
    if (auto due = Date::Parse(a.due_on); due && DayOf(a.submitted_at) > *due) {
      const workflows::WorkCalendar& cal = DeadlineCalendar(plan, a);
      AssignmentState open = a;
      open.status = AssignmentStatus::kInProgress;
      std::vector<Timer> would;
      AddDeadlineTimers(cal, definition_, Ladder(cal, *due), open, would);
      for (auto& t : would)
        if (t.body.kind == TimerKind::kMissed && a.submitted_at >= t.fire_at) out.push_back(std::move(t));
    }
  if (!core::IsOpen(a.status) || a.status == AssignmentStatus::kSubmitted) return answer_to_parent(std::move(out));

  // The assignment's own deadline.
  if (auto due = Date::Parse(a.due_on)) {
    const workflows::WorkCalendar& cal = DeadlineCalendar(plan, a);
    const std::vector<PlannedTimer>& ladder = Ladder(cal, *due);
    out.reserve(out.size() + ladder.size() + 1);  // and the next scheduled ask: one allocation, no moves
    AddDeadlineTimers(cal, definition_, ladder, a, out);
  }

  AddReportTimers(plan, a, own, out);

  // The next report the task's schedule asks of it (duban/core/schedule.h).
  if (auto ask = core::NextScheduledAsk(plan, a, definition_, own)) {
    Timer t = BaseTimer(a, TimerKind::kScheduledReport);
    t.fire_at = StartOfDay(ask->ask_on);
    t.body.due_on = ask->checkpoint.ToString();
    t.body.cycle_id = core::ScheduleCycleId(a.task, ask->checkpoint);
    t.body.armed_at = plan.tasks.at(a.task).schedule_set_at;  // a changed schedule is a new arming
    t.body.provisional = ask->provisional;
    t.body.calendar_version = own.version();
    if (ask->provisional) t.body.calendar_version += workflows::WorkCalendar::kProvisionalSuffix;
    out.push_back(std::move(t));
  }
  return answer_to_parent(std::move(out));
}

}  // namespace duban
