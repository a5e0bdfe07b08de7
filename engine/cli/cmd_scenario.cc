// `duban scenario`: the office's year on the sample plan shaoguan-2021, played
// on a fresh store with the clock ticking every day of 2021, using each office
// tool and workflow rule issue 20 added: a deadline set with a reason (its
// reminders re-armed), a leader's instruction, a reporting schedule set and
// stopped, two returns accepted (one dropped, one merged into another unit's
// part), an assignment cancelled, a three-level delegation (多级下发) with a
// late sub-unit and a bottom-up review, refusals where the rules say no, an
// extension, a task consolidated by its lead unit (牵头单位汇总: the office
// adds one, as the sample names no lead), the queues, and a bulk approval
// sent twice. Then the log is
// verified and the projections rebuilt and compared. Each step's expected
// outcome is checked as it goes: a surprise is printed and the exit code is 1,
// so the scenario is a test of the whole engine as well as a walk-through.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cli_common.h"
#include "duban/core/bulk.h"
#include "duban/core/queue.h"
#include "script.h"

namespace duban::cli {
namespace {

using schemas::Role;
using AssignmentKey = std::pair<int32_t, std::string>;

constexpr const char* kOffice = "督查室";
constexpr const char* kCounty = "浈江区政府";  // delegates to two towns
constexpr const char* kTown = "新韶镇政府";    // and passes its part to its own office
constexpr const char* kTownOffice = "新韶镇党政办";
constexpr const char* kLateTown = "犁市镇政府";  // misses its date
constexpr const char* kNotBelow = "马坝镇政府";  // under 曲江区政府, not 浈江区政府
// The task the office adds with a lead unit (the sample names none) and two
// responsible units, consolidated by the lead.
constexpr const char* kLead = "市政府办公室";
constexpr const char* kPartA = "市发改局";
constexpr const char* kPartB = "市财政局";

// The simulated clock: a tick every day at 08:00, up to and including a
// day, counting what the timers wrote.
class Clock {
 public:
  explicit Clock(Engine& e) : engine_(e) {}
  Status AdvanceTo(const std::string& day) {
    const Date until = *Date::Parse(day);
    for (Date d = next_; d <= until; d = d.AddDays(1)) {
      auto fired = engine_.Tick(StartOfDay(d) + 8LL * 3600 * 1000);
      if (!fired.ok()) return fired.status();
      for (const auto& o : *fired)
        for (const auto& e : o.events) {
          ++counts[schemas::TypeOf(e.body)];
          if (on_event) on_event(e, d);
        }
      next_ = d.AddDays(1);
    }
    return Status::Ok();
  }
  std::map<schemas::EventType, int> counts;
  // Told of each event the timers wrote and the day it fired.
  std::function<void(const schemas::Event&, Date)> on_event;

 private:
  Engine& engine_;
  Date next_{2021, 3, 2};
};

// The assignments the scenario acts on by hand, chosen from the plan as
// imported so that no two steps touch the same task; every other assignment
// follows the ordinary course (accept, progress, submit, bulk approval).
struct Picks {
  int32_t county_task = 0;        // 浈江区政府's part is delegated down
  AssignmentKey dropped, merged;  // returned: dropped; moved into merged_into
  std::string merged_into;
  AssignmentKey cancelled;    // the office cancels it
  int32_t deadline_task = 0;  // the office sets its date: 2021-06-30
  int32_t schedule_task = 0;  // reports quarterly, stopped in October
  AssignmentKey extended;     // asks for more time, granted
  AssignmentKey silent;       // never signs for its work
  std::set<AssignmentKey> special;
};

std::optional<Picks> Choose(const core::PlanState& plan) {
  std::map<int32_t, std::vector<std::string>> units;
  for (const auto& [k, a] : plan.assignments) units[k.first].push_back(k.second);
  Picks p;
  std::set<int32_t> used;
  auto take = [&](bool shared, auto&& ok) -> int32_t {
    for (const auto& [task, us] : units)
      if (!used.count(task) && (!shared || us.size() >= 2) && ok(task, us)) return used.insert(task), task;
    return 0;
  };
  auto any = [](int32_t, const std::vector<std::string>&) { return true; };
  p.county_task = take(false, [&](int32_t t, const std::vector<std::string>&) {
    return plan.assignments.count({t, kCounty}) > 0;
  });
  const int32_t drop = take(true, any), merge = take(true, any), cancel = take(true, any);
  p.deadline_task = take(false, any);
  p.schedule_task = take(false, any);
  const int32_t extend = take(false, any), silent = take(false, any);
  if (!p.county_task || !drop || !merge || !cancel || !p.deadline_task || !p.schedule_task || !extend || !silent)
    return std::nullopt;
  // A different unit in each role, so each line of the output is about one.
  std::set<std::string> cast{kCounty};
  auto unit_of = [&](int32_t task) {
    for (const auto& u : units[task])
      if (cast.insert(u).second) return u;
    return units[task][0];
  };
  p.dropped = {drop, unit_of(drop)};
  p.merged = {merge, unit_of(merge)};
  for (const auto& u : units[merge])
    if (u != p.merged.second) p.merged_into = u;
  p.cancelled = {cancel, unit_of(cancel)};
  p.extended = {extend, unit_of(extend)};
  p.silent = {silent, unit_of(silent)};
  for (const auto& k : {p.dropped, p.merged, p.cancelled, p.extended, p.silent}) p.special.insert(k);
  return p;
}

// The scenario's run: the engine, its script and clock, and what surprised it.
class Scenario {
 public:
  Scenario(Engine& e, const std::string& plan_id) : engine_(e), s_(e, plan_id, "scenario-"), clock_(e) {}

  int Run(Globals& g);

 private:
  Outcome Office(const char* when, schemas::CommandBody b) {
    return s_.Do(Role::kSupervisor, kOffice, when, std::move(b));
  }
  Outcome Unit(const std::string& unit, const char* when, schemas::CommandBody b) {
    return s_.Do(Role::kUnit, unit, when, std::move(b));
  }
  // The outcome was as the rules say; otherwise a surprise, printed.
  void Expect(const Outcome& o, const char* want_reason, const std::string& what) {
    const std::string got = o.status.ok() ? "" : o.status.reason();
    if (got == want_reason) return;
    Surprise(what + ": expected " + (*want_reason ? std::string("refusal ") + want_reason : "acceptance") + ", got " +
             (o.status.ok() ? "acceptance" : o.status.ToString()));
  }
  void Expect(bool held, const std::string& what) {
    if (!held) Surprise(what);
  }
  void Surprise(const std::string& what) {
    std::printf("  !! %s\n", what.c_str());
    ++surprises_;
  }
  bool Advance(const char* day) {
    if (Status st = clock_.AdvanceTo(day); !st.ok()) {
      Surprise(std::string("the clock's tick to ") + day + " failed: " + st.ToString());
      return false;
    }
    return true;
  }
  std::vector<core::QueueItem> QueueOn(core::QueueKind kind, const char* day, const std::string& delegator = "");

  bool Import(Globals& g);
  void Note(const schemas::Event& e, Date day);
  void OfficeSetsTheYearUp();
  void UnitsSignFor();
  void ReturnsResolved();
  void Delegation();
  void ProgressAndTheDeadlineTask();
  void DelegationReviewedBottomUp();
  void ScheduleStoppedAndTheLateTownClosed();
  void ExtensionAndSubmissions();
  void LeadConsolidates();
  void BulkApproval();
  void AfterTheYear();
  void PrintTimers() const;
  bool VerifyAndRebuild(Globals& g);
  bool Ordinary(const AssignmentKey& k) const {
    return !p_.special.count(k) && k.first != p_.deadline_task && k != AssignmentKey{p_.county_task, kCounty};
  }

  Engine& engine_;
  Script s_;
  Clock clock_;
  core::PlanState plan_;
  Picks p_;
  int surprises_ = 0;
  std::vector<std::string> schedule_days_;
  std::set<std::string> deadline_task_reminded_;  // units reminded before 2021-06-30
  int late_town_missed_ = 0;
};

std::vector<core::QueueItem> Scenario::QueueOn(core::QueueKind kind, const char* day, const std::string& delegator) {
  auto plan = engine_.Plan(s_.plan());
  auto cal = core::QueueCalendar(engine_.CalendarNotices());
  if (!plan.ok() || !cal.ok()) {
    Surprise("reading the queue failed");
    return {};
  }
  core::QueueOptions o;
  o.today = *Date::Parse(day);
  o.calendar = &*cal;
  o.delegator = delegator;
  return core::Queue(*plan, kind, o);
}

bool Scenario::Import(Globals& g) {
  const SamplePlan sample(s_.plan());
  std::printf("== duban scenario: %s\n   data directory: %s\n\n", sample.parsed.plan.title.c_str(), g.data_dir.c_str());
  Outcome o = Office("2021-03-01T09:00", BuildImportPlan(sample.parsed, sample.request));
  if (!o.status.ok()) {
    std::cerr << "duban scenario: import failed: " << o.status.ToString() << "\n";
    return false;
  }
  auto plan = engine_.Plan(s_.plan());
  if (!plan.ok()) return Fail(g, plan.status()), false;
  plan_ = std::move(plan).value();
  auto picks = Choose(plan_);
  if (!picks) {
    std::cerr << "duban scenario: the sample plan no longer has the tasks the scenario needs\n";
    return false;
  }
  p_ = std::move(*picks);
  std::printf("2021-03-01  %s imports the plan: %zu tasks, %zu assignments, %zu sub-units in its directory\n", kOffice,
              plan_.tasks.size(), plan_.assignments.size(), plan_.meta.sub_units.size());
  return true;
}

// What the timers wrote that the scenario follows: the schedule's asking
// days, the reminders of the task whose date the office set, the late town.
void Scenario::Note(const schemas::Event& e, Date day) {
  if (const auto* c = std::get_if<schemas::ReviewCycleStarted>(&e.body);
      c && c->cycle_id.rfind("schedule:" + std::to_string(p_.schedule_task) + ":", 0) == 0)
    schedule_days_.push_back(day.ToString());
  if (const auto* r = std::get_if<schemas::DeadlineApproaching>(&e.body);
      r && r->task == p_.deadline_task && r->due_on == "2021-06-30")
    deadline_task_reminded_.insert(r->unit);
  if (const auto* m = std::get_if<schemas::DeadlineMissed>(&e.body);
      m && m->task == p_.county_task && m->unit == kLateTown)
    ++late_town_missed_;
}

// A date for a task, a leader's instruction on it, and a quarterly schedule.
void Scenario::OfficeSetsTheYearUp() {
  if (!Advance("2021-03-02")) return;
  const char* when = "2021-03-02T09:00";
  const int32_t t = p_.deadline_task;
  Expect(Office(when, schemas::SetDeadline{t, "", "2021-06-30", "市政府常务会议要求上半年完成"}), "",
         "set_deadline on task " + std::to_string(t));
  Expect(Office(when, schemas::AddNote{t, "", "instruction", "市长批示：请于6月底前完成，督查室跟踪督办。"}), "",
         "an instruction on task " + std::to_string(t));
  Expect(Office(when, schemas::SetDeadline{t, "", "2021-05-20", ""}), core::reason::kInvalidArgument,
         "a deadline without a reason");
  Expect(Office(when, schemas::SetSchedule{p_.schedule_task, "quarter:1", "方案要求每季度报送进展", 0}), "",
         "a quarterly schedule on task " + std::to_string(p_.schedule_task));
  std::printf(
      "2021-03-02  the office sets task %d due 2021-06-30 with a reason (without one: refused), adds the "
      "mayor's instruction to it, and has task %d report every quarter\n",
      t, p_.schedule_task);
}

void Scenario::UnitsSignFor() {
  if (!Advance("2021-03-04")) return;
  for (const auto& [k, a] : plan_.assignments) {
    if (k == p_.silent) continue;
    if (k == p_.dropped || k == p_.merged)
      Expect(Unit(k.second, "2021-03-04T10:00", schemas::Return{k.first, k.second, "不属于本单位职责"}), "",
             "a return");
    else
      Expect(Unit(k.second, "2021-03-04T10:00", schemas::Accept{k.first, k.second}), "", "accept");
  }
  const auto returns = QueueOn(core::QueueKind::kReturns, "2021-03-04");
  Expect(returns.size() == 2, "two returns wait for the office, not " + std::to_string(returns.size()));
  std::printf("2021-03-04  units sign for their work; two return theirs (queue returns: %zu); %s stays silent\n",
              returns.size(), p_.silent.second.c_str());
}

void Scenario::ReturnsResolved() {
  if (!Advance("2021-03-08")) return;
  const auto& [dt, du] = p_.dropped;
  const auto& [mt, mu] = p_.merged;
  Expect(Office("2021-03-08T09:00", schemas::ResolveReturn{dt, du, "", "确非该单位职责，由其他单位承办", ""}), "",
         "a return dropped");
  Expect(Office("2021-03-08T09:00", schemas::ResolveReturn{mt, mu, p_.merged_into, "并入另一责任单位统一办理", ""}), "",
         "a return moved to a unit already on the task");
  const auto& [ct, cu] = p_.cancelled;
  Expect(Office("2021-03-08T09:30", schemas::CancelAssignment{ct, cu, "机构调整，该项工作不再由其承担"}), "",
         "an assignment cancelled");
  Expect(QueueOn(core::QueueKind::kReturns, "2021-03-08").empty(), "no return waits after the office resolved them");
  std::printf(
      "2021-03-08  the office drops one return (task %d), merges the other into %s's part (task %d), "
      "and cancels %s's part of task %d\n",
      dt, p_.merged_into.c_str(), mt, cu.c_str(), ct);
}

// 浈江区政府 → 新韶镇政府 → 新韶镇党政办, and 浈江区政府 → 犁市镇政府 (late).
void Scenario::Delegation() {
  const int32_t t = p_.county_task;
  if (!Advance("2021-03-10")) return;
  Expect(Unit(kCounty, "2021-03-10T09:00", schemas::Delegate{t, kCounty, kTown, "2021-09-30", "请新韶镇牵头落实"}), "",
         "a delegation to a town");
  Expect(Unit(kCounty, "2021-03-10T09:00", schemas::Delegate{t, kCounty, kLateTown, "2021-06-30", "请犁市镇配合"}), "",
         "a delegation to a second town");
  Expect(Unit(kCounty, "2021-03-10T09:00", schemas::Delegate{t, kCounty, kNotBelow, "", "越级下发"}),
         core::reason::kNotSubUnit, "a delegation to another district's town");
  Expect(Unit(kCounty, "2021-03-10T09:00", schemas::Delegate{t, kCounty, kTown, "2021-08-31", "重复下发"}),
         core::reason::kAssignmentExists, "a second delegation to the same town");
  if (!Advance("2021-03-11")) return;
  Expect(Unit(kTown, "2021-03-11T09:00", schemas::Accept{t, kTown}), "", "the town accepts");
  Expect(Unit(kLateTown, "2021-03-11T09:00", schemas::Accept{t, kLateTown}), "", "the second town accepts");
  Expect(Unit(kTown, "2021-03-11T10:00", schemas::Delegate{t, kTown, kTownOffice, "2021-10-15", "请党政办具体承办"}),
         core::reason::kInvalidArgument, "a child due after its parent");
  Expect(Unit(kTown, "2021-03-11T10:00", schemas::Delegate{t, kTown, kTownOffice, "2021-09-15", "请党政办具体承办"}),
         "", "the town passes its part on (level 3)");
  if (!Advance("2021-03-12")) return;
  Expect(Unit(kTownOffice, "2021-03-12T09:00", schemas::Accept{t, kTownOffice}), "", "the town's office accepts");
  std::printf(
      "2021-03-10  %s delegates task %d to %s (due 09-30) and %s (due 06-30); %s passes its part to %s "
      "(due 09-15); to %s (not below it), twice to one town, or past the parent's date: refused\n",
      kCounty, t, kTown, kLateTown, kTown, kTownOffice, kNotBelow);
}

// Progress mid-year; the units of the task due 06-30 are reminded, submit
// and are approved before it; the late town misses its date.
void Scenario::ProgressAndTheDeadlineTask() {
  if (!Advance("2021-06-15")) return;
  for (const auto& [k, a] : plan_.assignments)
    if (Ordinary(k))
      Unit(k.second, "2021-06-15T10:00", schemas::ReportProgress{k.first, k.second, 60, "按计划推进", "", "", ""});
  std::printf("2021-06-15  units report progress (60%%)\n");
  if (!Advance("2021-06-29")) return;
  std::vector<std::string> units;
  for (const auto& [k, a] : plan_.assignments)
    if (k.first == p_.deadline_task) units.push_back(k.second);
  for (const auto& u : units)
    Expect(Unit(u, "2021-06-29T10:00", schemas::Submit{p_.deadline_task, u, "按市长批示完成", ""}), "",
           "a submission on the task due 06-30");
  if (!Advance("2021-06-30")) return;
  for (const auto& u : units)
    Expect(Office("2021-06-30T10:00", schemas::Approve{p_.deadline_task, u, "同意"}), "", "its approval");
  Expect(deadline_task_reminded_.size() == units.size(),
         "every unit of task " + std::to_string(p_.deadline_task) + " reminded before the date the office set");
  if (!Advance("2021-07-01")) return;
  Expect(late_town_missed_ == 1, std::string(kLateTown) + " marked late on its delegated date");
  std::printf(
      "2021-06-29  task %d's %zu unit(s), reminded before 06-30 (the re-armed timers), submit; approved "
      "06-30\n2021-07-01  %s misses its delegated date (06-30): %d DeadlineMissed\n",
      p_.deadline_task, units.size(), kLateTown, late_town_missed_);
}

void Scenario::DelegationReviewedBottomUp() {
  const int32_t t = p_.county_task;
  if (!Advance("2021-09-10")) return;
  Expect(Unit(kTownOffice, "2021-09-10T15:00", schemas::Submit{t, kTownOffice, "已完成入户核查", ""}), "",
         "the town's office submits");
  if (!Advance("2021-09-13")) return;
  const auto waiting = QueueOn(core::QueueKind::kSubmissions, "2021-09-13", kTown);
  Expect(waiting.size() == 1, "the town's own queue holds its office's submission");
  bool in_office_queue = false;
  for (const auto& i : QueueOn(core::QueueKind::kSubmissions, "2021-09-13"))
    in_office_queue = in_office_queue || i.unit == kTownOffice;
  Expect(!in_office_queue, "a sub-unit's submission waits for its delegating unit, not the office");
  Expect(Unit(kTown, "2021-09-13T10:00", schemas::Approve{t, kTownOffice, "同意"}), "", "the town approves");
  if (!Advance("2021-09-14")) return;
  Expect(Unit(kTown, "2021-09-14T10:00", schemas::Submit{t, kTown, "镇级汇总：已完成", ""}), "", "the town submits");
  if (!Advance("2021-09-16")) return;
  Expect(Unit(kLateTown, "2021-09-16T09:00", schemas::Approve{t, kTown, ""}), core::reason::kForbiddenRole,
         "a town reviewing its sibling");
  Expect(Unit(kCounty, "2021-09-16T10:00", schemas::Approve{t, kTown, "同意"}), "", "the county approves the town");
  std::printf(
      "2021-09-10  bottom-up: %s submits; %s finds it in its own queue (%zu; not in the office's), approves "
      "and submits; %s approves (its sibling %s may not)\n",
      kTownOffice, kTown, waiting.size(), kCounty, kLateTown);
}

void Scenario::ScheduleStoppedAndTheLateTownClosed() {
  const int32_t t = p_.county_task;
  if (!Advance("2021-09-20")) return;
  Expect(Office("2021-09-20T09:00", schemas::SetSchedule{p_.schedule_task, "", "四季度改为年底总结", 0}), "",
         "the schedule stopped");
  if (!Advance("2021-10-11")) return;
  Expect(Unit(kCounty, "2021-10-11T10:00", schemas::Submit{t, kCounty, "区级汇总", ""}), core::reason::kDelegationOpen,
         "the county submitting while the late town is open");
  if (!Advance("2021-10-12")) return;
  Expect(Unit(kCounty, "2021-10-12T10:00", schemas::CancelAssignment{t, kLateTown, "逾期未报，由区里直接办理"}), "",
         "the county closes the late town's part with a reason");
  if (!Advance("2021-10-13")) return;
  Expect(Unit(kCounty, "2021-10-13T10:00", schemas::Submit{t, kCounty, "区级汇总：已完成", ""}), "",
         "the county submits");
  std::printf(
      "2021-09-20  the office stops task %d's schedule\n2021-10-11  %s cannot submit while %s's part is "
      "open (delegation_open); it closes that part with a reason and submits\n",
      p_.schedule_task, kCounty, kLateTown);
}

void Scenario::ExtensionAndSubmissions() {
  const auto& [et, eu] = p_.extended;
  if (!Advance("2021-11-20")) return;
  Expect(Unit(eu, "2021-11-20T10:00", schemas::RequestExtension{et, eu, "2022-03-31", "需待省级文件出台"}), "",
         "an extension request");
  const auto asked = QueueOn(core::QueueKind::kExtensions, "2021-11-20");
  Expect(asked.size() == 1, "one extension request waits for the office");
  if (!Advance("2021-11-22")) return;
  Expect(Office("2021-11-22T10:00", schemas::GrantExtension{et, eu, ""}), "", "the extension granted");
  if (!Advance("2021-12-01")) return;
  for (const auto& [k, a] : plan_.assignments)
    if (Ordinary(k)) Unit(k.second, "2021-12-01T10:00", schemas::Submit{k.first, k.second, "已完成", ""});
  std::printf(
      "2021-11-20  %s asks for time to 2022-03-31 (queue extensions: %zu), granted 11-22\n"
      "2021-12-01  the other units submit\n",
      eu.c_str(), asked.size());
}

// 牵头单位汇总: the office adds a task with a lead and two responsible units
// (in April) and has the plan's tasks consolidated by their lead; the lead's
// report waits for both parts, the office does not approve a part alone,
// the lead sends one back, and the office's approval of the lead's report
// closes all three and the task.
void Scenario::LeadConsolidates() {
  const int32_t t = plan_.tasks.rbegin()->first + 1;
  schemas::ImportTask task{t,
                           {"四、牵头汇总"},
                           "汇总报送年度政务公开工作情况",
                           "牵头单位汇总各责任单位材料后报送",
                           schemas::Deadline{"12月10日前", "2021-12-10", "", false, ""},
                           {kLead},
                           {kPartA, kPartB}};
  Expect(Office("2021-12-01T11:00", schemas::AddTask{task}), "", "a task added with a lead unit");
  Expect(Office("2021-12-01T11:00", schemas::SetConsolidation{"lead", "牵头单位汇总各责任单位材料"}), "",
         "the plan consolidated by lead units");
  for (const char* u : {kLead, kPartA, kPartB})
    Expect(Unit(u, "2021-12-01T14:00", schemas::Accept{t, u}), "", "accept");
  if (!Advance("2021-12-02")) return;
  Expect(Unit(kPartA, "2021-12-02T10:00", schemas::Submit{t, kPartA, "发改部分已完成", ""}), "", "a part submitted");
  Expect(Unit(kLead, "2021-12-02T11:00", schemas::Submit{t, kLead, "汇总", ""}), core::reason::kConsolidationOpen,
         "the lead submitting while a part is worked on");
  Expect(Office("2021-12-02T11:00", schemas::Approve{t, kPartA, "同意"}), core::reason::kConsolidatedReview,
         "the office approving a part alone");
  Expect(Unit(kPartB, "2021-12-02T15:00", schemas::Submit{t, kPartB, "财政部分已完成", ""}), "", "a part submitted");
  const auto lead_queue = QueueOn(core::QueueKind::kSubmissions, "2021-12-02", kLead);
  Expect(lead_queue.size() == 2, "both parts wait in the lead's queue");
  Expect(Unit(kLead, "2021-12-02T16:00", schemas::Reject{t, kPartB, "请补充资金数据"}), "",
         "the lead sends a part back");
  if (!Advance("2021-12-03")) return;
  Expect(Unit(kPartB, "2021-12-03T10:00", schemas::Submit{t, kPartB, "已补充资金数据", ""}), "", "resubmitted");
  Expect(Unit(kLead, "2021-12-03T11:00", schemas::Submit{t, kLead, "全市汇总报告", ""}), "", "the lead's report");
  const Outcome approved = Office("2021-12-03T15:00", schemas::Approve{t, kLead, "同意"});
  Expect(approved, "", "the office approves the lead's report");
  size_t closed = 0;
  bool task_done = false;
  for (const auto& e : approved.events) {
    closed += std::holds_alternative<schemas::CompletionApproved>(e.body);
    task_done = task_done || std::holds_alternative<schemas::TaskCompleted>(e.body);
  }
  Expect(closed == 3 && task_done, "the lead's approval closes its two parts and the task");
  std::printf(
      "2021-12-01  the office adds task %d (lead %s; %s, %s) and has lead units consolidate; the lead's "
      "report waits for both parts (consolidation_open), the office may not approve a part alone "
      "(consolidated_review); the lead's queue: %zu; it sends one back; approving its report closes %zu "
      "assignments (its own and both parts) and the task\n",
      t, kLead, kPartA, kPartB, lead_queue.size(), closed);
}

// Every submission waiting on 12-15, approved in pages of kMaxBulkItems as
// `duban bulk approve --queue` sends them; then the same bulk sent again.
void Scenario::BulkApproval() {
  if (!Advance("2021-12-15")) return;
  const auto items = QueueOn(core::QueueKind::kSubmissions, "2021-12-15");
  size_t refused = 0, duplicates = 0;
  auto send = [&](bool again) {
    for (size_t i = 0; i < items.size(); ++i) {
      const std::string bulk_id = "bulk-2021-12-15-p" + std::to_string(i / core::kMaxBulkItems + 1);
      const core::BulkItem item{items[i].task, items[i].unit};
      const Outcome o =
          s_.DoWithId(core::BulkItemCommandId(bulk_id, item), Role::kSupervisor, kOffice, "2021-12-15T10:00",
                      core::BulkItemBody(core::BulkAction::kApprove, item, "同意销号"));
      if (!o.status.ok()) ++refused;
      if (again && o.duplicate) ++duplicates;
    }
  };
  send(false);
  const uint64_t end = engine_.LogEnd();
  send(true);
  Expect(!items.empty(), "submissions wait for the office on 12-15");
  Expect(refused == 0, std::to_string(refused) + " bulk item(s) refused");
  Expect(duplicates == items.size(), "the bulk sent again answers every item as a duplicate");
  Expect(engine_.LogEnd() == end, "the bulk sent again writes nothing");
  Expect(QueueOn(core::QueueKind::kSubmissions, "2021-12-15").empty(), "no submission waits after the bulk");
  std::printf(
      "2021-12-15  the office approves (销号) %zu submissions in pages of %zu; sent again: %zu duplicates, "
      "nothing written\n",
      items.size(), core::kMaxBulkItems, duplicates);
}

void Scenario::AfterTheYear() {
  const auto& [et, eu] = p_.extended;
  if (!Advance("2022-01-05")) return;
  Expect(Unit(eu, "2022-01-05T10:00", schemas::Submit{et, eu, "延期后完成", ""}), "", "the extended unit submits");
  if (!Advance("2022-01-06")) return;
  Expect(Office("2022-01-06T10:00", schemas::Approve{et, eu, "同意"}), "", "the office approves it");
  if (!Advance("2022-01-10")) return;
  const auto silent = QueueOn(core::QueueKind::kSilent, "2022-01-10");
  Expect(silent.size() == 1 && silent[0].unit == p_.silent.second,
         "the unit that never signed is the one silent item (" + std::to_string(silent.size()) + " listed)");
  std::printf(
      "2022-01-05  %s submits within its extension and is approved\n2022-01-10  queue silent: %zu (%s, "
      "task %d, never signed)\n",
      eu.c_str(), silent.size(), p_.silent.second.c_str(), p_.silent.first);
}

// What the daily ticks wrote over the year, and the schedule's asking days.
void Scenario::PrintTimers() const {
  auto n = [&](schemas::EventType t) {
    auto it = clock_.counts.find(t);
    return it == clock_.counts.end() ? 0 : it->second;
  };
  using T = schemas::EventType;
  std::printf(
      "\nthe clock, ticking every day: %d reminder(s), %d missed deadline(s), %d escalation(s), %d acceptance "
      "overdue, %d review cycle(s) started, %d report(s) asked for, %d report(s) overdue\n",
      n(T::kDeadlineApproaching), n(T::kDeadlineMissed), n(T::kEscalationRaised), n(T::kAcceptanceOverdue),
      n(T::kReviewCycleStarted), n(T::kProgressReportRequested), n(T::kReportOverdue));
  std::string days;
  for (const auto& d : schedule_days_) days += (days.empty() ? "" : ", ") + d;
  std::printf("task %d's quarterly schedule asked on: %s (stopped 2021-09-20)\n", p_.schedule_task,
              days.empty() ? "never" : days.c_str());
}

bool Scenario::VerifyAndRebuild(Globals& g) {
  auto report = engine_.Verify();
  if (!report.ok()) return Fail(g, report.status()), false;
  for (const auto& problem : report->problems) Surprise("verify: " + problem);
  auto before = engine_.ProjectionDigest();
  if (!before.ok()) return Fail(g, before.status()), false;
  if (Status st = engine_.Rebuild(); !st.ok()) return Fail(g, st), false;
  auto after = engine_.ProjectionDigest();
  if (!after.ok()) return Fail(g, after.status()), false;
  Expect(*before == *after, "the projections differ from a rebuild");
  std::printf("\nverify: %s (%llu events); rebuild: projections %s\n", report->ok() ? "ok" : "PROBLEMS",
              static_cast<unsigned long long>(report->events), *before == *after ? "identical" : "DIFFERENT");
  return true;
}

int Scenario::Run(Globals& g) {
  if (!Import(g)) return kExitRejected;
  clock_.on_event = [this](const schemas::Event& e, Date day) { Note(e, day); };
  OfficeSetsTheYearUp();
  UnitsSignFor();
  ReturnsResolved();
  Delegation();
  ProgressAndTheDeadlineTask();
  DelegationReviewedBottomUp();
  ScheduleStoppedAndTheLateTownClosed();
  ExtensionAndSubmissions();
  LeadConsolidates();
  BulkApproval();
  AfterTheYear();
  PrintTimers();
  bool asked_after_stop = false;
  for (const auto& d : schedule_days_) asked_after_stop = asked_after_stop || d > "2021-09-20";
  Expect(schedule_days_.size() >= 2 && !asked_after_stop,
         "the schedule asks each quarter until it is stopped, and not after");
  if (!VerifyAndRebuild(g)) return g.exit_code;
  std::printf("%d command(s) accepted, %d refused (as the scenario expects: the refusals above); %llu event(s)\n",
              s_.accepted(), s_.rejected(), static_cast<unsigned long long>(engine_.LogEnd() - 1));
  if (surprises_ > 0) {
    std::printf("scenario: %d step(s) did not turn out as the rules say (marked !! above)\n", surprises_);
    return kExitRejected;
  }
  std::printf("scenario: every step turned out as the rules say\n");
  return kExitOk;
}

void RunScenario(Globals& g) {
  auto engine = OpenScriptedEngine(g);
  if (!engine) return;
  const std::string plan_id = "shaoguan-2021";
  if (engine->Plan(plan_id).ok()) {
    std::cerr << "duban scenario: " << g.data_dir << " already holds the sample plan; run it on a fresh --data "
              << "directory\n";
    g.exit_code = kExitRejected;
    return;
  }
  if (!MarkScripted(g, *engine, "scenario")) return;
  Scenario s(*engine, plan_id);
  const int rc = s.Run(g);
  g.exit_code = rc;
  if (!ClockToLogEnd(g, *engine)) return;
  g.exit_code = rc;
}

void AddScenario(CLI::App& app, Globals& g) {
  auto* sub = app.add_subcommand(
      "scenario",
      "play the office's year on the sample plan with every office tool (deadlines, returns, delegation, schedules, "
      "bulk review) and check each outcome; then verify and rebuild");
  sub->callback([&g] { RunScenario(g); });
}

}  // namespace
}  // namespace duban::cli

DUBAN_REGISTER_COMMANDS(6, &duban::cli::AddScenario);
