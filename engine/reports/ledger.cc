#include "duban/reports/ledger.h"

#include <algorithm>
#include <map>
#include <variant>

#include "duban/engine.h"
#include "duban/reports/light.h"
#include "duban/workflows/calendar.h"

namespace duban::reports {

const char* StatusChinese(core::AssignmentStatus s) {
  using S = core::AssignmentStatus;
  switch (s) {
    case S::kAssigned:
      return "待签收";
    case S::kAccepted:
      return "已签收";
    case S::kInProgress:
      return "办理中";
    case S::kSubmitted:
      return "待审核";
    case S::kCompleted:
      return "已办结";
    case S::kReturned:
      return "已退回";
    case S::kCancelled:
      return "已撤销";
  }
  return "未知";
}

std::string LedgerTitle(const std::string& plan_title) {
  const std::string name = PlanNameOf(plan_title);
  const std::string_view tail = "台账";
  return std::string_view(name).ends_with(tail) ? name : name + "工作台账";
}

Instant EndOfDay(Date d) { return StartOfDay(d.AddDays(1)) - 1; }

namespace {

// What the events say of one assignment up to the cut.
struct Trail {
  std::string progress_text, progress_on, reporter, contact;
  std::optional<int32_t> percent;
  std::string submitted_on, approved_on, escalation_step;
};

using Key = std::pair<int32_t, std::string>;

std::map<Key, Trail> Trails(const std::string& plan_id, const std::vector<schemas::Event>& events, Instant cut) {
  std::map<Key, Trail> out;
  for (const auto& e : events) {
    if (e.stream != plan_id || e.occurred_at > cut) continue;
    const std::string day = DayOf(e.occurred_at).ToString();
    std::visit(
        [&](const auto& b) {
          using T = std::decay_t<decltype(b)>;
          if constexpr (std::is_same_v<T, schemas::ProgressReported>) {
            Trail& t = out[{b.task, b.unit}];
            t.progress_text = b.text;
            t.percent = b.percent;
            t.progress_on = day;
            t.reporter = b.reporter;
            t.contact = b.contact;
          } else if constexpr (std::is_same_v<T, schemas::CompletionSubmitted>) {
            out[{b.task, b.unit}].submitted_on = day;
          } else if constexpr (std::is_same_v<T, schemas::CompletionApproved>) {
            out[{b.task, b.unit}].approved_on = day;
          } else if constexpr (std::is_same_v<T, schemas::EscalationRaised>) {
            out[{b.task, b.unit}].escalation_step = b.step;
          } else if constexpr (std::is_same_v<T, schemas::AssignmentReassigned>) {
            // The new unit starts its own trail; the old one keeps its record.
          }
        },
        e.body);
  }
  return out;
}

}  // namespace

namespace {

using TaskRoles = std::map<int32_t, std::pair<std::vector<std::string>, std::vector<std::string>>>;

// Each task's units by role (lead, responsible), every assignment of it counted (cancelled ones not).
TaskRoles RolesByTask(const core::PlanState& plan) {
  TaskRoles roles;
  for (const auto& [k, a] : plan.assignments) {
    if (a.status == core::AssignmentStatus::kCancelled) continue;
    auto& r = roles[k.first];
    (a.role == schemas::AssignmentRole::kLead ? r.first : r.second).push_back(a.unit);
  }
  return roles;
}

// Working-day counts for the ledger's date, memoised: rows share a handful of due dates.
class WorkingDayCounts {
 public:
  WorkingDayCounts(const workflows::WorkCalendar* calendar, Date as_of) : calendar_(calendar), as_of_(as_of) {}

  // Working days from the ledger's date to `due` (capped: for the light only).
  int Left(Date due) {
    auto it = left_by_due_.find(due.ToDays());
    if (it == left_by_due_.end())
      it = left_by_due_.emplace(due.ToDays(), WorkingDaysBetween(calendar_, as_of_, due)).first;
    return it->second;
  }

  // The day the work is due on: `due`, or the next working day when it is
  // a rest day (as the engine's missed timer counts it).
  Date Effective(Date due) {
    auto it = effective_.find(due.ToDays());
    if (it == effective_.end()) {
      Date eff = due;
      if (calendar_)
        if (auto e = calendar_->EffectiveDue(due); e.ok()) eff = *e;
      it = effective_.emplace(due.ToDays(), eff).first;
    }
    return it->second;
  }

  // Uncapped (the lights' cap is for their yellow and red only): a row years
  // late says how late.
  int Overdue(Date until, Date due) {
    const auto key = std::make_pair(until.ToDays(), due.ToDays());
    auto it = overdue_.find(key);
    if (it == overdue_.end()) it = overdue_.emplace(key, -WorkingDaysBetween(calendar_, until, due, kUncapped)).first;
    return it->second;
  }

 private:
  const workflows::WorkCalendar* calendar_;
  Date as_of_;
  std::map<int64_t, int> left_by_due_;                  // due day -> working days left
  std::map<std::pair<int64_t, int64_t>, int> overdue_;  // (until, due) -> working days
  std::map<int64_t, Date> effective_;                   // due day -> effective due day
};

void FillFromTrail(LedgerRow& row, const Trail& tr, const core::AssignmentState& a) {
  row.progress_text = tr.progress_text;
  row.progress_on = tr.progress_on;
  row.percent = tr.percent;
  row.reporter = tr.reporter;
  row.contact = tr.contact;
  row.submitted_on = tr.submitted_on;
  if (a.status == core::AssignmentStatus::kCompleted) row.approved_on = tr.approved_on;
  if (a.escalation_level > 0) row.escalation_step = tr.escalation_step;
}

// The light and the working days overdue, from the effective due day: until
// submission for a submitted or completed assignment, until the ledger's
// date for an open one.
void FillTimeliness(LedgerRow& row, const core::AssignmentState& a, Date as_of, WorkingDayCounts& days) {
  using S = core::AssignmentStatus;
  const std::optional<Date> stated = Date::Parse(a.due_on);
  // Lateness counts from the working day the work is due on: a date on a
  // holiday is not missed before the holiday ends.
  const std::optional<Date> due = stated ? std::optional<Date>(days.Effective(*stated)) : std::nullopt;
  std::optional<int> left;
  if (due) left = days.Left(*due);
  row.light = TrafficLight(a, left, due && due->ToDays() < as_of.ToDays());
  if (!due) return;
  row.effective_due_on = due->ToString();
  std::optional<Date> until;
  if (a.status == S::kSubmitted || a.status == S::kCompleted) {
    // Handed in before its date was set (a calendar notice counted it
    // earlier, into the past): judged, as the clock judges it, on the date
    // it had then, which it met unless the clock recorded it late.
    if (a.submitted_at && a.due_set_at > a.submitted_at && !a.overdue) {
      row.met_its_earlier_date = true;
      return;
    }
    until = Date::Parse(row.submitted_on);
  } else if (core::IsOpen(a.status)) {
    until = as_of;
  }
  if (until && *until > *due) row.overdue_working_days = days.Overdue(*until, *due);
  // Handed in late, the clock not yet having recorded it (its next tick
  // will): the row says so, not green beside its overdue working days.
  if (a.status == S::kSubmitted && row.overdue_working_days > 0) row.light = "red";
}

}  // namespace

Ledger ComputeLedger(const core::PlanState& plan, const std::vector<schemas::Event>& events, Date as_of,
                     const TimerPolicy* policy, const std::string& unit) {
  Ledger l;
  l.rows.reserve(plan.assignments.size());
  l.plan_id = plan.id;
  l.plan_title = plan.meta.title;
  l.issuer = plan.meta.issuer;
  l.as_of = as_of;
  l.unit = unit;
  const std::map<Key, Trail> trails = Trails(plan.id, events, EndOfDay(as_of));
  const TaskRoles roles = RolesByTask(plan);
  std::map<const workflows::WorkCalendar*, WorkingDayCounts> days;  // a few calendars at most
  for (const auto& [k, a] : plan.assignments) {
    if (!unit.empty() && a.unit != unit) continue;
    LedgerRow row;
    row.task = k.first;
    if (auto t = plan.tasks.find(k.first); t != plan.tasks.end()) {
      row.section = t->second.section;
      row.title = t->second.title;
      row.deadline_text = t->second.deadline.text;
    }
    if (auto r = roles.find(k.first); r != roles.end()) {
      row.lead_units = r->second.first;
      row.responsible_units = r->second.second;
    }
    row.unit = a.unit;
    row.role = a.role;
    row.due_on = a.due_on;
    row.status = a.status;
    if (auto t = trails.find(k); t != trails.end()) FillFromTrail(row, t->second, a);
    row.escalation_level = a.escalation_level;
    const workflows::WorkCalendar* calendar = DeadlineCalendar(policy, plan, a);
    FillTimeliness(row, a, as_of, days.try_emplace(calendar, calendar, as_of).first->second);
    l.rows.push_back(std::move(row));
  }
  // The rows came in (task, unit) order, the assignments' keys: a task's lead
  // units to the front of its run, each side still in unit order, is the
  // (task, role, unit) order without moving every row log n times.
  for (auto run = l.rows.begin(); run != l.rows.end();) {
    auto end = std::find_if(run, l.rows.end(), [&](const LedgerRow& r) { return r.task != run->task; });
    std::stable_partition(run, end, [](const LedgerRow& r) { return r.role == schemas::AssignmentRole::kLead; });
    run = end;
  }
  return l;
}

Result<PlanRecord> ReadPlanAsOf(const Engine& engine, const std::string& plan_id, Date as_of) {
  auto now = engine.Plan(plan_id);
  if (!now.ok()) return now.status();
  PlanRecord rec;
  auto plan = engine.PlanAsOf(plan_id, EndOfDay(as_of), Engine::AsOf::kEffective, &rec.events);
  if (!plan.ok()) {
    if (plan.status().code() != Status::Code::kNotFound) return plan.status();
    return Status::NotFound("plan " + plan_id + " did not exist on " + as_of.ToString() +
                            ": its reports start from the day it was imported");
  }
  rec.plan = std::move(plan).value();
  return rec;
}

Result<Ledger> LedgerAsOf(const Engine& engine, const std::string& plan_id, Date as_of, const std::string& unit) {
  auto rec = ReadPlanAsOf(engine, plan_id, as_of);
  if (!rec.ok()) return rec.status();
  if (!unit.empty()) {
    bool held = false;
    for (const auto& [k, a] : rec->plan.assignments) held = held || a.unit == unit;
    if (!held)
      return Status::NotFound("unit " + unit + " held no assignment of plan " + plan_id + " on " + as_of.ToString());
  }
  return ComputeLedger(rec->plan, rec->events, as_of, engine.timer_policy().get(), unit);
}

}  // namespace duban::reports
