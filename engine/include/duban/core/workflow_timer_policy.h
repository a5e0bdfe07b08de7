// The timer policy of the workflow rules: which timers an assignment has
// armed, from its state, the workflow definition (reminders, escalation
// ladder) and the working-day calendar. It replaces the engine's bare
// "missed" default wherever people use the engine (CLI, demo, simulate).
//
// For an open, not submitted assignment with a due date (effective due date:
// the stated date moved off rest days by the calendar):
//   - a reminder N working days before it, for each N of the definition, when
//     it fires after the due date was set (due_set_at) and, once a reminder
//     was sent, only for fewer days left than that one (reminded_days);
//   - "missed" on the first working day after it, unless already overdue;
//   - once overdue, every escalation step above the level reached, each on
//     its working day (the first counted from the missed day).
// Work that came back to its unit (a rejected submission, a reopened
// close-out: AssignmentState::returns) after rungs of its ladder passed while
// the office held it does not fire them all at once, dated in the past: the
// days the office held the work do not count; each return counts on from
// the days the returns before it left. Handed in before its miss day, which
// passed meanwhile: late from the moment the work is back (the unit hears it
// at once), the escalation steps counted from the first working day it has
// whole after that, each its delay after the rung before. Already late when
// handed in: each rung still ahead then comes as many working days after the
// return as it was after the hand-in (so a quick rejection of a late unit's
// token submission moves nothing). Levels reached stand; reminders of days
// before the return are not sent, and nothing is dated before it.
// A due date set after its miss day had passed (a plan imported today with
// last month's deadline, a reassignment, a new date already past, a recount
// whose new date has passed too) is counted the same way, as work that came
// to its unit when the date was set (due_set_at), handed in on time: late
// from that moment, its escalation steps from the first working day the
// unit has whole after it, nothing dated before it. Before, such work was
// late before it was anyone's, and the first tick climbed it to 约谈.
// The limits of the definition, whatever the due date: while the assignment
// is assigned (not yet accepted or returned), "acceptance_overdue" at the start
// of the working day after acceptance_working_days working days from its
// assignment; while submitted, "review_overdue" likewise after
// review_working_days from the submission. Each fires once per assignment or
// submission (armed_at), and the events name who is told.
// For every report an open review cycle requested of the assignment and has
// not had: "report_overdue" level 0 on the first working day after the
// cycle's due date, then (once overdue) each escalation step above the level
// its silence reached. These never touch the assignment's own deadline.
// For an open, not submitted assignment of a task with a reporting schedule:
// "scheduled_report" on the asking day of the next checkpoint still to ask
// (duban/core/schedule.h), armed_at the schedule's setting, so a changed
// schedule is a new arming.
// Fire times are the start of the day in China time (StartOfDay).
//
// Each rule above matches the guard in core::Decide for FireTimer, so every
// timer armed here changes state when it fires and is not armed again; that
// keeps the timer index a pure function of the log (Rebuild is identical).
//
// Calendar versions: an assignment recounted on a recorded notice
// (AssignmentState::calendar_version, set by DeadlineRecounted; every open
// one is, at each notice) is counted on that version, for its deadline, its
// limits and its review-cycle reports; on its task's version instead when
// that one is newer (a notice recorded while it was closed: it was reopened).
// Otherwise a task whose deadline recorded a calendar version
// (TaskAdded.deadline.calendar_version; a recorded notice moves it on with a
// DeadlineRecounted without a unit) is counted on the calendar as it
// stood at that version, so a later calendar notice compiled into a newer
// binary does not move timers of deadlines computed before it. Other due
// dates (extensions, cycles, limits, unrecorded) use the latest version.
//
// Recorded notices (`duban calendar add`, CalendarNoticeAdded in the log):
// WithCalendarNotices gives the policy whose calendars are the compiled-in
// notices plus those, every version of them addressable; the engine uses it
// from the notice on, and from its Open on for a store that recorded any.
//
// Nothing is dropped for want of calendar data: every calendar here applies
// the provisional rule (workflows/.../calendar.h) to the years it does not
// cover, and a timer whose count crossed such a year carries provisional =
// true and calendar_version "<version>+provisional" (the events it fires
// record both; `duban status` and `duban calendar status` show them).
//
// Deterministic and pure apart from memos of computed ladders and limit days
// (thread-safe; they grow by a calendar version's days, never evicted).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "duban/engine.h"
#include "duban/status.h"
#include "duban/workflows/calendar.h"
#include "duban/workflows/definition.h"
#include "duban/workflows/timer_plan.h"

namespace duban {

class WorkflowTimerPolicy : public TimerPolicy {
 public:
  // The compiled-in definition and calendar (every published version of it).
  static Result<std::shared_ptr<WorkflowTimerPolicy>> Default();
  // A given definition and calendar; the calendar serves every version.
  static std::shared_ptr<WorkflowTimerPolicy> Make(workflows::WorkflowDefinition definition,
                                                   workflows::WorkCalendar calendar);

  std::vector<Timer> TimersFor(const core::PlanState& plan, const core::AssignmentState& a) const override;
  // The compiled-in definition and calendar plus `notices` (oldest first);
  // InvalidArgument naming the notice file and line when one does not fit
  // (a year covered twice, versions out of order, a date outside its year).
  // Only a policy made by Default() knows the compiled-in text to add to.
  Result<std::shared_ptr<const TimerPolicy>> WithCalendarNotices(
      const std::vector<schemas::CalendarNoticeAdded>& notices) const override;
  std::string CalendarVersion() const override { return latest_.version(); }

  const workflows::WorkflowDefinition& definition() const { return definition_; }
  const workflows::WorkCalendar& latest_calendar() const { return latest_; }
  // The calendar as of `version` ("cn-mainland/2021-..."; a "+provisional"
  // or "+weekends-only" suffix is ignored: every calendar here has the
  // provisional rule on); the latest when the version is unknown or empty.
  const workflows::WorkCalendar& CalendarFor(std::string_view version) const;
  // The calendar `a`'s deadline is counted on, as TimersFor counts it: the
  // notice it was recounted on, else its task's version when the date is
  // the task's, else the latest. For `a` as of a past date, the calendar
  // its date was judged on then.
  const workflows::WorkCalendar& DeadlineCalendar(const core::PlanState& plan, const core::AssignmentState& a) const;
  // The calendar `a`'s deadline was judged on in `plan` as it stood at some
  // past time (a report as of a date): DeadlineCalendar's, except that a
  // date recording no version (one the office set) counts on the newest
  // version the plan's tasks had been counted on by then (each notice moves
  // them on), not on a notice recorded later. For the current state, the
  // same as DeadlineCalendar.
  const workflows::WorkCalendar& JudgedCalendar(const core::PlanState& plan, const core::AssignmentState& a) const;

 private:
  WorkflowTimerPolicy(workflows::WorkflowDefinition definition, workflows::WorkCalendar latest);
  // The ladders of the reports review cycles asked of `a` and have not had.
  void AddReportTimers(const core::PlanState& plan, const core::AssignmentState& a, const workflows::WorkCalendar& own,
                       std::vector<Timer>& out) const;
  // PlanDeadlineTimers for a stated due date, memoised; empty (and logged as
  // an error) only when the calendar data is corrupt.
  const std::vector<workflows::PlannedTimer>& Ladder(const workflows::WorkCalendar& cal, Date due) const;
  // The calendars: the compiled-in notices plus `recorded`, each version.
  static Result<std::shared_ptr<WorkflowTimerPolicy>> Build(
      workflows::WorkflowDefinition definition, const std::vector<workflows::WorkCalendar::NoticeText>& recorded);
  // A limit's fire day and last day (as text) counted on `cal`, memoised
  // like Ladder; null (not kept) when the calendar cannot count them.
  struct LimitDays {
    Date fire;
    std::string last_text;
    bool provisional = false;
  };
  const LimitDays* CountLimit(const workflows::WorkCalendar& cal, Date start, int working_days) const;
  // The timer of a limit that starts at `from` and lasts `working_days`.
  template <class Base>
  Timer Limit(const workflows::WorkCalendar& cal, schemas::TimerKind kind, Instant from, int working_days,
              const std::vector<std::string>& notify, Base&& base) const;

  workflows::WorkflowDefinition definition_;
  workflows::WorkCalendar latest_;  // provisional rule on
  bool from_default_ = false;       // calendars from the compiled-in text (+ recorded notices)
  mutable std::map<std::string, workflows::WorkCalendar, std::less<>> by_version_;  // stable addresses (memo keys)
  mutable std::mutex mu_;
  mutable std::map<std::pair<const workflows::WorkCalendar*, int64_t>, std::vector<workflows::PlannedTimer>> memo_;
  using LimitKey = std::tuple<const workflows::WorkCalendar*, int64_t, int>;
  mutable std::map<LimitKey, LimitDays> limit_memo_;
};

}  // namespace duban
