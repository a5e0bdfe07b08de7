// The work ledger (工作台账) of a plan as of a date: one row per assignment,
// in the office's form (the ledger at the end of the Shaoguan sample: 落实单位,
// 具体工作事项进度, 完成时限, 填报人, 联系方式; with 序号, 工作任务, 牵头单位, 责任单位).
//
// As-of is exact: a ledger as of day D is computed from the plan as it stood
// at the end of D (China time) and from the plan's events whose effective
// time is not later, never from current projections. ComputeLedger is pure
// (no store, no clock): it takes the plan state and the events, and ignores
// every event after the cut itself, so passing a plan's whole history is
// safe. LedgerAsOf reads both from an engine.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "duban/core/domain.h"
#include "duban/date.h"
#include "duban/plan_name.h"
#include "duban/schemas/events.h"
#include "duban/status.h"

namespace duban {
class Engine;
class TimerPolicy;
namespace workflows {
class WorkCalendar;
}
}  // namespace duban

namespace duban::reports {

// The state of an assignment in the office's words: 待签收 已签收 办理中 待审核
// 已办结 已退回 已撤销.
const char* StatusChinese(core::AssignmentStatus s);

struct LedgerRow {
  int32_t task = 0;                                        // the plan's task number (序号)
  std::vector<std::string> section;                        // the section path, outermost first
  std::string title;                                       // 工作任务
  std::vector<std::string> lead_units, responsible_units;  // the task's units by role (牵头 / 责任)
  std::string unit;                                        // this row's unit (落实单位)
  schemas::AssignmentRole role = schemas::AssignmentRole::kResponsible;
  std::string deadline_text;  // 完成时限, the plan's words
  std::string due_on;         // this unit's due date (after extensions), may be empty
  // due_on moved past rest days (Civil Code art. 203, as the engine's
  // missed timer counts it): what lateness counts from. Empty without a date.
  std::string effective_due_on;
  core::AssignmentStatus status = core::AssignmentStatus::kAssigned;
  // The last progress report (台账) effective on or before the date.
  std::string progress_text, progress_on, reporter, contact;
  std::optional<int32_t> percent;
  std::string submitted_on;  // the last completion submitted on or before the date
  std::string approved_on;   // the approval that completed it (only when completed)
  // Working days past the effective due date: to the date for an open assignment, to
  // its submission for a submitted or completed one; 0 when on time, when
  // returned or cancelled, or without a due date.
  int32_t overdue_working_days = 0;
  int32_t escalation_level = 0;
  std::string escalation_step;  // the step of the last escalation raised (督促整改 / 通报批评 / 约谈)
  std::string light;            // light.h: red | yellow | green | done | none, on the date
  // Handed in before its current date was set (a notice counted it earlier,
  // into the past) and not recorded late: it met the date it had then.
  bool met_its_earlier_date = false;
  bool operator==(const LedgerRow&) const = default;
};

// Whether a row's work was submitted by the day it was due on (its
// effective due date: a date on a rest day is met on the next working day);
// true without a date or a submission, or when it met the date it had when
// handed in (met_its_earlier_date). The scorecard's and the bulletin's
// "on time".
inline bool SubmittedOnTime(const LedgerRow& r) {
  const std::string& due = r.effective_due_on.empty() ? r.due_on : r.effective_due_on;
  return due.empty() || r.submitted_on.empty() || r.submitted_on <= due || r.met_its_earlier_date;
}

struct Ledger {
  std::string plan_id, plan_title, issuer;
  Date as_of;
  std::string unit;             // the unit the ledger was asked for ("" : every unit)
  std::vector<LedgerRow> rows;  // by task number, then lead before responsible, then unit
  bool operator==(const Ledger&) const = default;
};

// The ledger's title: the plan's name (PlanNameOf) + 工作台账, unless it
// already ends with 台账 (a plan imported from a 工作台账 itself), which is not said twice.
std::string LedgerTitle(const std::string& plan_title);

// The end of day D in China time: the last instant a ledger as of D counts.
Instant EndOfDay(Date d);

// REQUIRES: `plan` is the plan as it stood at EndOfDay(as_of) (Engine::PlanAsOf),
// `events` its stream's events in log order (more are ignored: those after the
// cut, and those of other plans). `unit` empty: every unit. Each row's
// dates count on the calendar `policy` counts its deadline on
// (DeadlineCalendar: as of a date before a holiday notice, the calendar its
// date was judged on then, not the notice's, dates the office set too); a null policy, or one
// without a calendar: Monday to Friday.
Ledger ComputeLedger(const core::PlanState& plan, const std::vector<schemas::Event>& events, Date as_of,
                     const TimerPolicy* policy, const std::string& unit = "");

// What the reports read from the store for a plan as of a date: the plan as
// it stood at EndOfDay(as_of) and the events of its stream up to then (the
// ones that made it so). NotFound as LedgerAsOf says.
struct PlanRecord {
  core::PlanState plan;
  std::vector<schemas::Event> events;
};
Result<PlanRecord> ReadPlanAsOf(const Engine& engine, const std::string& plan_id, Date as_of);

// From the store: the plan as of the date and its events up to then, counted on
// the engine's timer policy calendar. NotFound when the plan does not exist,
// or did not yet at the end of that day (the message says which); NotFound
// when `unit` holds no assignment of the plan then.
Result<Ledger> LedgerAsOf(const Engine& engine, const std::string& plan_id, Date as_of, const std::string& unit = "");

}  // namespace duban::reports
