// The workflow timer policy on the embedded engine, with a simulated clock:
// each test ticks the engine day by day (Tick at the start of each day, China
// time) and checks which reminders and escalations fired on which day. The
// expected days are written out by hand from the 2021 calendar: Mid-Autumn
// 09-19..21 (Saturday 09-18 worked), National Day 10-01..07 (Sunday 09-26 and
// Saturday 10-09 worked). Rules (workflows/definitions/default.yaml):
// reminders 10/3/1 working days before, missed on the next working day,
// 督促整改 +1, 通报批评 +5, 约谈 +10 working days.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <map>
#include <stdexcept>
#include <unistd.h>

#include "duban/core/workflow_timer_policy.h"
#include "duban/engine.h"

namespace duban {
namespace {

using namespace schemas;

const std::string kFinance = "市财政局";
const std::string kEducation = "市教育局";
const std::string kPolice = "市公安局";
constexpr Instant kForever = std::numeric_limits<Instant>::max() - 1;

Instant At(const std::string& day, int hour = 9) { return StartOfDay(*Date::Parse(day)) + int64_t{hour} * 3'600'000; }
std::string Day(Instant t) { return DayOf(t).ToString(); }

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "duban-wf-test-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// One thing the clock did: "2021-10-08 DeadlineMissed 1 市财政局".
struct Fired {
  std::string day, type;
  int32_t task = 0;
  std::string unit;
  int32_t detail = 0;  // days left (reminders) or level (escalations, report silence)
  bool provisional = false;  // the day was counted by the calendar's provisional rule
  bool operator==(const Fired&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Fired& f) {
  return os << "{" << f.day << " " << f.type << " " << f.task << " " << f.unit << " " << f.detail
            << (f.provisional ? " provisional" : "") << "}";
}

class WorkflowEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = WorkflowTimerPolicy::Default();
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    policy = *p;
    Open();
  }
  void Open() {
    EngineOptions o;
    o.data_dir = dir.path();
    auto e = Engine::Open(o, policy);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine = std::move(e).value();
  }

  // Task 1 due 2021-09-30 for 财政 and 教育, task 2 due 2021-12-31 for 公安.
  void GivenPlan(const std::string& import_day = "2021-09-01") {
    ImportPlan p;
    p.plan = PlanImported{"2021年政务公开工作要点分工方案", "市政府办公室", "府办〔2021〕7号", "2021-03-15", 2021,
                          "digest", {kFinance, kEducation, kPolice}};
    const std::string cal = policy->latest_calendar().version();
    p.tasks.push_back(ImportTask{1, {"一"}, "推进决策公开", "全面推进决策公开",
                                 Deadline{"9月底前", "2021-09-30", "", false, cal}, {kFinance}, {kEducation}});
    p.tasks.push_back(ImportTask{2, {"一"}, "加强政策解读", "加强政策解读",
                                 Deadline{"年底前", "2021-12-31", "", false, cal}, {}, {kPolice}});
    Ok(Do(Supervisor(), import_day, p));
    for (const auto& [task, unit] : std::vector<std::pair<int, std::string>>{{1, kFinance}, {1, kEducation}, {2, kPolice}})
      Ok(Do(UnitActor(unit), import_day, Accept{task, unit}, 10));
  }

  static Actor Supervisor() { return Actor{"督查室", Role::kSupervisor, "王五"}; }
  static Actor UnitActor(const std::string& u) { return Actor{u, Role::kUnit, u}; }

  Outcome Do(const Actor& who, const std::string& day, CommandBody body, int hour = 9) {
    Command c;
    c.command_id = "cmd-" + std::to_string(++seq);
    c.plan_id = "p";
    c.actor = who;
    c.issued_at = At(day, hour);
    c.body = std::move(body);
    return engine->Submit(c);
  }
  static void Ok(const Outcome& o) { ASSERT_TRUE(o.status.ok()) << o.status.ToString(); }

  // Ticks at the start of every day from `from` to `to` inclusive; returns what fired.
  std::vector<Fired> TickDays(const std::string& from, const std::string& to) {
    std::vector<Fired> out;
    for (Date d = *Date::Parse(from); d <= *Date::Parse(to); d = d.AddDays(1)) {
      auto r = engine->Tick(StartOfDay(d));
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      if (!r.ok()) break;
      for (const auto& o : *r)
        for (const auto& e : o.events) out.push_back(Describe(e));
    }
    return out;
  }
  static Fired Describe(const Event& e) {
    Fired f{Day(e.occurred_at), EventTypeName(e.type), TaskOf(e.body), UnitOf(e.body), 0};
    if (auto* r = std::get_if<DeadlineApproaching>(&e.body)) f.detail = r->working_days_left;
    if (auto* r = std::get_if<EscalationRaised>(&e.body)) f.detail = r->level;
    if (auto* r = std::get_if<ReportOverdue>(&e.body)) f.detail = r->level;
    std::visit([&](const auto& b) {
      if constexpr (requires { b.provisional; }) f.provisional = b.provisional;
    }, e.body);
    return f;
  }
  static std::vector<Fired> For(const std::vector<Fired>& all, int32_t task, const std::string& unit) {
    std::vector<Fired> out;
    for (const auto& f : all)
      if (f.task == task && f.unit == unit) out.push_back(f);
    return out;
  }
  std::vector<DueTimer> PendingOf(int32_t task, const std::string& unit) {
    auto all = engine->PendingTimers(kForever, 1'000'000);
    EXPECT_TRUE(all.ok());
    std::vector<DueTimer> out;
    for (auto& t : *all)
      if (t.timer.task == task && t.timer.unit == unit) out.push_back(t);
    return out;
  }
  core::AssignmentState A(int32_t task, const std::string& unit) {
    auto p = engine->Plan("p");
    EXPECT_TRUE(p.ok());
    return p->assignments.at({task, unit});
  }

  TempDir dir;
  std::shared_ptr<WorkflowTimerPolicy> policy;
  std::unique_ptr<Engine> engine;
  int seq = 0;
};

TEST_F(WorkflowEngineTest, TheCalendarFactsTheseTestsRelyOnHold) {
  const auto& cal = policy->latest_calendar();
  EXPECT_TRUE(*cal.IsWorkingDay(Date{2021, 9, 18})) << "Saturday worked for Mid-Autumn";
  EXPECT_FALSE(*cal.IsWorkingDay(Date{2021, 9, 20}));
  EXPECT_TRUE(*cal.IsWorkingDay(Date{2021, 9, 26})) << "Sunday worked for National Day";
  EXPECT_FALSE(*cal.IsWorkingDay(Date{2021, 10, 4}));
  EXPECT_TRUE(*cal.IsWorkingDay(Date{2021, 10, 9})) << "Saturday worked for National Day";
  EXPECT_FALSE(*cal.IsWorkingDay(Date{2021, 10, 10}));
}

TEST_F(WorkflowEngineTest, AUnitOnTimeGetsRemindersOnlyAndNoEscalation) {
  GivenPlan();
  auto fired = For(TickDays("2021-09-01", "2021-09-28"), 1, kFinance);
  Ok(Do(UnitActor(kFinance), "2021-09-28", Submit{1, kFinance, "已完成", ""}, 15));
  Ok(Do(Supervisor(), "2021-09-29", Approve{1, kFinance, "同意销号"}, 10));
  for (const auto& f : For(TickDays("2021-09-29", "2021-12-31"), 1, kFinance)) fired.push_back(f);
  // 10 working days before 09-30 counts back over Mid-Autumn and the worked Sunday 09-26;
  // the 3-day reminder is 09-27; it submitted on 09-28, so no 1-day reminder.
  EXPECT_EQ(fired, (std::vector<Fired>{{"2021-09-16", "DeadlineApproaching", 1, kFinance, 10},
                                       {"2021-09-27", "DeadlineApproaching", 1, kFinance, 3}}));
  EXPECT_FALSE(A(1, kFinance).overdue);
  EXPECT_EQ(A(1, kFinance).escalation_level, 0);
}

// A tick's cost follows the timers that fired: a reminder writes its event,
// its history and command rows, the assignment row, the stream head and the
// deletion of the fired timer, and leaves the assignment's other armed timers
// untouched (they are still wanted), so the index holds exactly what it did
// minus the fired key.
TEST_F(WorkflowEngineTest, AReminderTickWritesOnlyWhatChangedAndKeepsTheOtherTimersArmed) {
  GivenPlan();
  auto before = PendingOf(1, kFinance);
  ASSERT_EQ(before.size(), 4u);  // reminders 10/3/1 and missed
  const auto w0 = engine->write_stats();
  auto fired = engine->Tick(StartOfDay(*Date::Parse("2021-09-16")));
  ASSERT_TRUE(fired.ok()) << fired.status().ToString();
  const auto w1 = engine->write_stats();
  size_t events = 0;
  for (const auto& o : *fired) events += o.events.size();
  ASSERT_EQ(events, 2u);  // the 10-day reminders of 财政 and 教育
  // Per reminder: log, history, command row, assignment row, timer delete;
  // plus one stream head for the plan.
  EXPECT_EQ(w1.keys - w0.keys, 2u * 5 + 1);
  auto after = PendingOf(1, kFinance);
  ASSERT_EQ(after.size(), 3u);
  for (size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i].key, before[i + 1].key);
  auto report = engine->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << (report->problems.empty() ? "" : report->problems[0]);
}

TEST_F(WorkflowEngineTest, ALateUnitClimbsEachLadderStepOnItsWorkingDayAcrossTheNationalDayHoliday) {
  GivenPlan();
  auto fired = For(TickDays("2021-09-01", "2021-12-31"), 1, kEducation);
  EXPECT_EQ(fired, (std::vector<Fired>{
                       {"2021-09-16", "DeadlineApproaching", 1, kEducation, 10},
                       {"2021-09-27", "DeadlineApproaching", 1, kEducation, 3},
                       {"2021-09-29", "DeadlineApproaching", 1, kEducation, 1},
                       {"2021-10-08", "DeadlineMissed", 1, kEducation, 0},     // first working day after the holiday
                       {"2021-10-09", "EscalationRaised", 1, kEducation, 1},   // 督促整改: +1, the worked Saturday
                       {"2021-10-15", "EscalationRaised", 1, kEducation, 2},   // 通报批评: +5 working days
                       {"2021-10-29", "EscalationRaised", 1, kEducation, 3},   // 约谈: +10 working days
                   }));
  EXPECT_TRUE(A(1, kEducation).overdue);
  EXPECT_EQ(A(1, kEducation).escalation_level, 3);
  EXPECT_TRUE(PendingOf(1, kEducation).empty()) << "the top of the ladder arms nothing more";
}

TEST_F(WorkflowEngineTest, ATickLateInTheDayOrAfterALongPauseFiresTheSameStepsInOrder) {
  GivenPlan();
  auto r = engine->Tick(At("2021-11-01", 0));
  ASSERT_TRUE(r.ok());
  std::vector<Fired> fired;
  for (const auto& o : *r)
    for (const auto& e : o.events) fired.push_back(Describe(e));
  auto edu = For(fired, 1, kEducation);
  ASSERT_EQ(edu.size(), 7u);
  EXPECT_EQ(edu[3], (Fired{"2021-10-08", "DeadlineMissed", 1, kEducation, 0})) << "stamped with the timer's day";
  EXPECT_EQ(edu[6], (Fired{"2021-10-29", "EscalationRaised", 1, kEducation, 3}));
}

TEST_F(WorkflowEngineTest, AnExtensionReArmsTheTimersForTheNewDateAndDropsTheOldOnes) {
  GivenPlan();
  auto before = TickDays("2021-09-01", "2021-09-20");
  Ok(Do(UnitActor(kFinance), "2021-09-20", RequestExtension{1, kFinance, "2021-11-30", "需上级批复"}));
  Ok(Do(Supervisor(), "2021-09-21", GrantExtension{1, kFinance, ""}));
  auto pending = PendingOf(1, kFinance);
  ASSERT_FALSE(pending.empty());
  for (const auto& t : pending) EXPECT_EQ(t.timer.due_on, "2021-11-30") << "no timer of the old date is left";
  auto after = TickDays("2021-09-21", "2021-12-31");
  std::vector<Fired> mine = For(before, 1, kFinance);
  for (const auto& f : For(after, 1, kFinance)) mine.push_back(f);
  EXPECT_EQ(mine, (std::vector<Fired>{
                      {"2021-09-16", "DeadlineApproaching", 1, kFinance, 10},  // before the extension
                      {"2021-11-16", "DeadlineApproaching", 1, kFinance, 10},
                      {"2021-11-25", "DeadlineApproaching", 1, kFinance, 3},
                      {"2021-11-29", "DeadlineApproaching", 1, kFinance, 1},
                      {"2021-12-01", "DeadlineMissed", 1, kFinance, 0},
                      {"2021-12-02", "EscalationRaised", 1, kFinance, 1},
                      {"2021-12-09", "EscalationRaised", 1, kFinance, 2},
                      {"2021-12-23", "EscalationRaised", 1, kFinance, 3},
                  }));
}

TEST_F(WorkflowEngineTest, AnExtensionGrantedWhileEscalatedClearsTheLevelAndStartsTheLadderAgain) {
  GivenPlan();
  TickDays("2021-09-01", "2021-10-20");
  ASSERT_EQ(A(1, kEducation).escalation_level, 2);
  Ok(Do(UnitActor(kEducation), "2021-10-20", RequestExtension{1, kEducation, "2021-11-30", "需上级批复"}));
  auto granted = Do(Supervisor(), "2021-10-21", GrantExtension{1, kEducation, ""});
  Ok(granted);
  EXPECT_EQ(A(1, kEducation).escalation_level, 0);
  EXPECT_FALSE(A(1, kEducation).overdue);
  auto fired = For(TickDays("2021-10-21", "2021-12-01"), 1, kEducation);
  ASSERT_FALSE(fired.empty());
  EXPECT_EQ(fired.front(), (Fired{"2021-11-16", "DeadlineApproaching", 1, kEducation, 10}))
      << "no 约谈 from the old ladder on 10-29";
  EXPECT_EQ(fired.back(), (Fired{"2021-12-01", "DeadlineMissed", 1, kEducation, 0}));
}

TEST_F(WorkflowEngineTest, ApprovalDisarmsEveryTimerOfTheAssignment) {
  GivenPlan();
  ASSERT_FALSE(PendingOf(1, kFinance).empty());
  TickDays("2021-09-01", "2021-10-12");  // overdue and escalated
  ASSERT_EQ(A(1, kFinance).escalation_level, 1);
  ASSERT_FALSE(PendingOf(1, kFinance).empty()) << "通报批评 and 约谈 are armed";
  Ok(Do(UnitActor(kFinance), "2021-10-12", Submit{1, kFinance, "已完成", ""}, 15));
  auto waiting = PendingOf(1, kFinance);
  ASSERT_EQ(waiting.size(), 1u) << "a submission waits for the office: only the review limit is armed";
  EXPECT_EQ(waiting[0].timer.kind, TimerKind::kReviewOverdue);
  auto approved = Do(Supervisor(), "2021-10-13", Approve{1, kFinance, "同意销号"});
  Ok(approved);
  EXPECT_TRUE(std::holds_alternative<EscalationCleared>(approved.events.at(1).body));
  EXPECT_TRUE(PendingOf(1, kFinance).empty());
  EXPECT_TRUE(For(TickDays("2021-10-13", "2021-12-31"), 1, kFinance).empty());
}

TEST_F(WorkflowEngineTest, ARejectedSubmissionReArmsTheLadderWhereItStood) {
  GivenPlan();
  TickDays("2021-09-01", "2021-10-08");  // missed on 10-08
  Ok(Do(UnitActor(kFinance), "2021-10-08", Submit{1, kFinance, "已完成", ""}, 15));
  TickDays("2021-10-09", "2021-10-11");
  EXPECT_EQ(A(1, kFinance).escalation_level, 0) << "no escalation while the office reviews";
  Ok(Do(Supervisor(), "2021-10-11", Reject{1, kFinance, "材料不全"}, 10));
  auto fired = For(TickDays("2021-10-12", "2021-10-31"), 1, kFinance);
  // 督促整改 was due on 10-09 while submitted: it fires at the next tick.
  EXPECT_EQ(fired, (std::vector<Fired>{{"2021-10-09", "EscalationRaised", 1, kFinance, 1},
                                       {"2021-10-15", "EscalationRaised", 1, kFinance, 2},
                                       {"2021-10-29", "EscalationRaised", 1, kFinance, 3}}));
}

TEST_F(WorkflowEngineTest, AReviewCycleCountsAnsweredLateAndSilentAndSilenceEscalatesOnItsOwnLadder) {
  GivenPlan();
  Ok(Do(Supervisor(), "2021-09-15", StartReviewCycle{"Q3", "open", "quarterly", "2021-09-30", ""}));
  Ok(Do(UnitActor(kFinance), "2021-09-20", ReportProgress{1, kFinance, 50, "按计划推进"}));
  Ok(Do(UnitActor(kEducation), "2021-09-20", ReportProgress{1, kEducation, 50, "按计划推进"}));
  // 公安 (task 2, due 12-31) stays silent; 教育 answers late below.
  auto fired = TickDays("2021-09-15", "2021-10-12");
  Ok(Do(UnitActor(kFinance), "2021-10-12", ReportProgress{1, kFinance, 60, "再报"}));
  fired = For(fired, 2, kPolice);
  EXPECT_EQ(fired, (std::vector<Fired>{{"2021-10-08", "ReportOverdue", 2, kPolice, 0},
                                       {"2021-10-09", "ReportOverdue", 2, kPolice, 1}}));
  EXPECT_FALSE(A(2, kPolice).overdue) << "report silence is not the assignment's own deadline";
  EXPECT_EQ(A(2, kPolice).escalation_level, 0);
  auto later = For(TickDays("2021-10-13", "2021-10-19"), 2, kPolice);
  EXPECT_EQ(later, (std::vector<Fired>{{"2021-10-15", "ReportOverdue", 2, kPolice, 2}}));
  auto closed = Do(Supervisor(), "2021-10-20", CloseReviewCycle{"Q3"});
  Ok(closed);
  ASSERT_EQ(closed.events.size(), 1u);
  EXPECT_EQ(std::get<ReviewCycleClosed>(closed.events[0].body), (ReviewCycleClosed{"Q3", 2, 0, 1}));
  for (const auto& t : PendingOf(2, kPolice)) EXPECT_NE(t.timer.kind, TimerKind::kReportOverdue) << "closing disarms silence";
  EXPECT_TRUE(For(TickDays("2021-10-20", "2021-11-30"), 2, kPolice).empty()) << "no 约谈 on 10-29 after closing";
}

TEST_F(WorkflowEngineTest, AnAnswerAfterTheDueDayCountsLateAndStopsTheSilenceLadder) {
  GivenPlan();
  Ok(Do(Supervisor(), "2021-09-15", StartReviewCycle{"Q3", "open", "quarterly", "2021-09-30", kPolice}));
  TickDays("2021-09-15", "2021-10-11");
  Ok(Do(UnitActor(kPolice), "2021-10-11", ReportProgress{2, kPolice, 40, "迟报"}, 16));
  for (const auto& t : PendingOf(2, kPolice)) EXPECT_NE(t.timer.kind, TimerKind::kReportOverdue);
  EXPECT_TRUE(For(TickDays("2021-10-12", "2021-11-30"), 2, kPolice).empty());
  auto closed = Do(Supervisor(), "2021-12-01", CloseReviewCycle{"Q3"});
  Ok(closed);
  EXPECT_EQ(std::get<ReviewCycleClosed>(closed.events[0].body), (ReviewCycleClosed{"Q3", 1, 1, 0}));
}

TEST_F(WorkflowEngineTest, TheLookBackReopensCompletedWorkWithAReasonBackIntoTheLadder) {
  GivenPlan();
  Ok(Do(UnitActor(kFinance), "2021-09-10", Submit{1, kFinance, "已完成", ""}));
  Ok(Do(Supervisor(), "2021-09-13", Approve{1, kFinance, "同意销号"}));
  Ok(Do(Supervisor(), "2021-09-14", StartReviewCycle{"Q3", "open", "quarterly", "2021-09-30", ""}));
  auto wrong_kind = Do(Supervisor(), "2021-09-14", ReopenAssignment{1, kFinance, "未完成", "Q3", "2021-12-31"});
  EXPECT_EQ(wrong_kind.status.reason(), core::reason::kInvalidTransition) << "only a look-back reopens";
  Ok(Do(Supervisor(), "2021-12-01", StartReviewCycle{"回头看", "all", "lookback", "2021-12-15", ""}));
  EXPECT_EQ(Do(Supervisor(), "2021-12-02", ReopenAssignment{1, kFinance, " ", "回头看", ""}).status.reason(),
            core::reason::kInvalidArgument) << "a reason is required";
  EXPECT_EQ(Do(Supervisor(), "2021-12-02", ReopenAssignment{2, kPolice, "未完成", "回头看", ""}).status.reason(),
            core::reason::kInvalidTransition) << "only completed work is reopened";
  EXPECT_EQ(Do(UnitActor(kFinance), "2021-12-02", ReopenAssignment{1, kFinance, "未完成", "回头看", ""}).status.reason(),
            core::reason::kForbiddenRole);
  auto reopened = Do(Supervisor(), "2021-12-02", ReopenAssignment{1, kFinance, "回头看发现佐证材料缺失", "回头看", "2021-12-20"});
  Ok(reopened);
  ASSERT_EQ(reopened.events.size(), 1u);
  EXPECT_EQ(std::get<AssignmentReopened>(reopened.events[0].body),
            (AssignmentReopened{1, kFinance, "回头看发现佐证材料缺失", "回头看", "2021-12-20"}));
  const auto a = A(1, kFinance);
  EXPECT_EQ(a.status, core::AssignmentStatus::kInProgress);
  EXPECT_EQ(a.due_on, "2021-12-20");
  EXPECT_EQ(a.last_reason, "回头看发现佐证材料缺失");
  EXPECT_FALSE(engine->Plan("p")->tasks.at(1).completed);
  auto fired = For(TickDays("2021-12-02", "2021-12-31"), 1, kFinance);
  // 12-20 is a Monday: reminders 12-06 (10), 12-15 (3), 12-17 (1); missed 12-21, 督促整改 12-22, 通报批评 12-29.
  EXPECT_EQ(fired, (std::vector<Fired>{{"2021-12-06", "DeadlineApproaching", 1, kFinance, 10},
                                       {"2021-12-15", "DeadlineApproaching", 1, kFinance, 3},
                                       {"2021-12-17", "DeadlineApproaching", 1, kFinance, 1},
                                       {"2021-12-21", "DeadlineMissed", 1, kFinance, 0},
                                       {"2021-12-22", "EscalationRaised", 1, kFinance, 1},
                                       {"2021-12-29", "EscalationRaised", 1, kFinance, 2}}));
}

TEST_F(WorkflowEngineTest, AfterASimulatedYearRebuildIsIdenticalVerifyPassesAndASecondTickFiresNothing) {
  GivenPlan("2021-03-01");
  Ok(Do(Supervisor(), "2021-06-15", StartReviewCycle{"Q2", "open", "quarterly", "2021-06-30", ""}));
  Ok(Do(UnitActor(kFinance), "2021-06-20", ReportProgress{1, kFinance, 30, "推进中"}));
  Ok(Do(Supervisor(), "2021-07-20", CloseReviewCycle{"Q2"}));
  Ok(Do(UnitActor(kEducation), "2021-09-20", RequestExtension{1, kEducation, "2021-11-30", "需上级批复"}));
  Ok(Do(Supervisor(), "2021-09-21", GrantExtension{1, kEducation, ""}));
  Ok(Do(UnitActor(kFinance), "2021-09-22", Submit{1, kFinance, "已完成", ""}));
  Ok(Do(Supervisor(), "2021-09-23", Approve{1, kFinance, "同意销号"}));
  Ok(Do(Supervisor(), "2021-12-01", StartReviewCycle{"回头看", "all", "lookback", "2021-12-15", ""}));
  Ok(Do(Supervisor(), "2021-12-02", ReopenAssignment{1, kFinance, "回头看发现未完成", "回头看", "2021-12-20"}));
  auto fired = TickDays("2021-03-01", "2022-02-28");
  EXPECT_GT(fired.size(), 20u);
  auto live = engine->ProjectionDigest();
  ASSERT_TRUE(live.ok());
  const uint64_t log_end = engine->LogEnd();
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_EQ(*engine->ProjectionDigest(), *live) << "the timer index too is a pure function of the log";
  auto verify = engine->Verify();
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok()) << (verify->problems.empty() ? "" : verify->problems.front());
  auto again = engine->Tick(StartOfDay(Date{2022, 2, 28}));
  ASSERT_TRUE(again.ok());
  size_t events = 0;
  for (const auto& o : *again) events += o.events.size();
  EXPECT_EQ(events, 0u);
  EXPECT_EQ(engine->LogEnd(), log_end) << "nothing new in the log";
  // And after a restart, the same.
  engine.reset();
  Open();
  EXPECT_EQ(*engine->ProjectionDigest(), *live);
  EXPECT_TRUE(TickDays("2022-02-28", "2022-02-28").empty());
}

TEST_F(WorkflowEngineTest, ImportedDeadlinesCountOnTheCalendarVersionTheyRecorded) {
  // The calendar before the 2020 Spring Festival extension (notice of 2019-11-21)
  // had 2020-01-31 as a working day; the amended one does not.
  auto old_cal = workflows::WorkCalendar::DefaultAsOf("2019-11-21");
  ASSERT_TRUE(old_cal.ok());
  ASSERT_TRUE(*old_cal->IsWorkingDay(Date{2020, 1, 31}));
  ASSERT_FALSE(*policy->latest_calendar().IsWorkingDay(Date{2020, 1, 31}));
  EXPECT_EQ(policy->CalendarFor(old_cal->version()).version(), old_cal->version());
  core::PlanState plan;
  plan.tasks[1].deadline.due_on = "2020-01-23";
  plan.tasks[1].deadline.calendar_version = old_cal->version();
  core::AssignmentState a;
  a.task = 1;
  a.unit = kFinance;
  a.due_on = "2020-01-23";
  a.overdue = true;  // only escalations remain
  auto timers = policy->TimersFor(plan, a);
  ASSERT_FALSE(timers.empty());
  // Spring Festival 01-24..30 as first published: missed 01-31, 督促整改 +1 on the worked
  // Saturday 02-01. Extended to 02-02 by the amendment: missed 02-03, 督促整改 02-04.
  EXPECT_EQ(Day(timers.front().fire_at), "2020-02-01");
  plan.tasks[1].deadline.calendar_version = policy->latest_calendar().version();
  EXPECT_EQ(Day(policy->TimersFor(plan, a).front().fire_at), "2020-02-04");
}

// 签收时限: acceptance_working_days (3) after the assignment. Assigned on
// Wednesday 2021-09-29: the limit runs 09-30, 10-08 (after 国庆), Saturday
// 10-09 (worked); AcceptanceOverdue fires on the next working day, 10-11.
TEST_F(WorkflowEngineTest, AnAssignmentNotSignedWithinTheAcceptanceLimitIsFlaggedAndTold) {
  ImportPlan p;
  p.plan = PlanImported{"方案", "市政府办公室", "", "2021-09-29", 2021, "d", {kFinance, kEducation, kPolice}};
  p.tasks.push_back(ImportTask{1, {"一"}, "推进决策公开", "", Deadline{"年底前", "2021-12-31", "", false, ""},
                               {kFinance}, {kEducation}});
  Ok(Do(Supervisor(), "2021-09-29", p));
  Ok(Do(UnitActor(kFinance), "2021-10-08", Accept{1, kFinance}, 16));  // inside the limit
  auto fired = TickDays("2021-09-29", "2021-10-31");
  EXPECT_EQ(For(fired, 1, kFinance), std::vector<Fired>{});
  EXPECT_EQ(For(fired, 1, kEducation), (std::vector<Fired>{{"2021-10-11", "AcceptanceOverdue", 1, kEducation, 0}}));
  EXPECT_TRUE(A(1, kEducation).acceptance_overdue);
  auto h = engine->History("p", 1);
  ASSERT_TRUE(h.ok());
  const AcceptanceOverdue* ev = nullptr;
  for (const auto& e : *h)
    if (auto* x = std::get_if<AcceptanceOverdue>(&e.event.body)) ev = x;
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(ev->assigned_on, "2021-09-29");
  EXPECT_EQ(ev->due_on, "2021-10-09");
  EXPECT_EQ(ev->notify, (std::vector<std::string>{"unit", "office"}));
  EXPECT_FALSE(ev->provisional);
  // Signing late clears the flag; nothing fires again.
  Ok(Do(UnitActor(kEducation), "2021-11-01", Accept{1, kEducation}, 10));
  EXPECT_FALSE(A(1, kEducation).acceptance_overdue);
  EXPECT_TRUE(For(TickDays("2021-11-01", "2021-11-30"), 1, kEducation).empty());
}

// The office's review limit: review_working_days (5) after a submission.
// Submitted Wednesday 2021-09-01: 09-02, 03, 06, 07, 08; ReviewOverdue on 09-09.
// A resubmission after a rejection starts the limit again.
TEST_F(WorkflowEngineTest, ASubmissionNotReviewedWithinTheReviewLimitIsFlaggedForTheOffice) {
  GivenPlan();
  Ok(Do(UnitActor(kFinance), "2021-09-01", Submit{1, kFinance, "已完成", ""}, 15));
  Ok(Do(UnitActor(kEducation), "2021-09-01", Submit{1, kEducation, "已完成", ""}, 15));
  Ok(Do(Supervisor(), "2021-09-07", Approve{1, kEducation, "同意"}, 10));  // in time
  auto fired = TickDays("2021-09-01", "2021-09-15");
  EXPECT_TRUE(For(fired, 1, kEducation).empty());
  EXPECT_EQ(For(fired, 1, kFinance), (std::vector<Fired>{{"2021-09-09", "ReviewOverdue", 1, kFinance, 0}}));
  EXPECT_TRUE(A(1, kFinance).review_overdue);
  Ok(Do(Supervisor(), "2021-09-15", Reject{1, kFinance, "材料不全"}, 10));
  EXPECT_FALSE(A(1, kFinance).review_overdue);
  Ok(Do(UnitActor(kFinance), "2021-09-16", Submit{1, kFinance, "已补充", ""}, 10));
  // 09-17, 18 (worked Saturday), 22, 23, 24 (中秋 09-19..21): overdue again on 09-26 (worked Sunday).
  std::vector<Fired> reviews;
  for (const auto& f : For(TickDays("2021-09-16", "2021-09-29"), 1, kFinance))
    if (f.type == "ReviewOverdue") reviews.push_back(f);
  EXPECT_EQ(reviews, (std::vector<Fired>{{"2021-09-26", "ReviewOverdue", 1, kFinance, 0}}));
  auto live = engine->ProjectionDigest();
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_EQ(*engine->ProjectionDigest(), *live);
}

// Issue 11: on 2026-12-01 the compiled-in calendar covers up to 2026. A plan
// imported that day with deadlines on 11-20, 12-15 and 12-31 (年底前) must
// get every DeadlineMissed and the whole ladder, the days counted into 2027
// marked provisional (weekdays minus 元旦; 2027's notice is not out yet).
TEST_F(WorkflowEngineTest, DeadlinesWhoseLadderRunsIntoAnUncoveredYearFireProvisionallyNothingDropped) {
  const auto& cal = policy->latest_calendar();
  ASSERT_TRUE(cal.Covers(2026));
  ASSERT_FALSE(cal.Covers(2027)) << "this test is about the year after the last covered one";
  ImportPlan p;
  p.plan = PlanImported{"2026年政务公开工作要点分工方案", "市政府办公室", "府办〔2026〕9号", "2026-12-01", 2026,
                        "digest", {kFinance, kEducation, kPolice}};
  const std::string v = cal.version();
  p.tasks.push_back(ImportTask{1, {"一"}, "已过期", "11月20日前完成", Deadline{"11月20日前", "2026-11-20", "", false, v},
                               {kFinance}, {}});
  p.tasks.push_back(ImportTask{2, {"一"}, "12月中旬", "12月15日前完成", Deadline{"12月15日前", "2026-12-15", "", false, v},
                               {kEducation}, {}});
  p.tasks.push_back(ImportTask{3, {"一"}, "年底前", "年底前完成", Deadline{"年底前", "2026-12-31", "", false, v},
                               {kPolice}, {}});
  Ok(Do(Supervisor(), "2026-12-01", p));
  for (const auto& [task, unit] : std::vector<std::pair<int, std::string>>{{1, kFinance}, {2, kEducation}, {3, kPolice}})
    Ok(Do(UnitActor(unit), "2026-12-01", Accept{task, unit}, 10));
  // Armed before anything fires: task 3's missed day is provisional and says on which calendar.
  auto pending = PendingOf(3, kPolice);
  ASSERT_FALSE(pending.empty());
  bool saw_provisional_missed = false;
  for (const auto& t : pending)
    if (t.timer.kind == TimerKind::kMissed) {
      saw_provisional_missed = true;
      EXPECT_EQ(Day(t.due), "2027-01-04");
      EXPECT_TRUE(t.timer.provisional);
      EXPECT_EQ(t.timer.calendar_version, v + "+provisional");
    }
  EXPECT_TRUE(saw_provisional_missed);

  const auto fired = TickDays("2026-12-01", "2027-03-31");
  // Task 1 was already late when imported: the whole ladder, on 2026's calendar.
  EXPECT_EQ(For(fired, 1, kFinance), (std::vector<Fired>{{"2026-11-23", "DeadlineMissed", 1, kFinance, 0},
                                                         {"2026-11-24", "EscalationRaised", 1, kFinance, 1},
                                                         {"2026-12-01", "EscalationRaised", 1, kFinance, 2},
                                                         {"2026-12-15", "EscalationRaised", 1, kFinance, 3}}));
  // Task 2: 约谈 counts ten working days into 2027 over 元旦.
  EXPECT_EQ(For(fired, 2, kEducation),
            (std::vector<Fired>{{"2026-12-10", "DeadlineApproaching", 2, kEducation, 3},
                                {"2026-12-14", "DeadlineApproaching", 2, kEducation, 1},
                                {"2026-12-16", "DeadlineMissed", 2, kEducation, 0},
                                {"2026-12-17", "EscalationRaised", 2, kEducation, 1},
                                {"2026-12-24", "EscalationRaised", 2, kEducation, 2},
                                {"2027-01-08", "EscalationRaised", 2, kEducation, 3, true}}));
  // Task 3 (年底前): missed on the first working day of 2027, not on 元旦.
  EXPECT_EQ(For(fired, 3, kPolice),
            (std::vector<Fired>{{"2026-12-17", "DeadlineApproaching", 3, kPolice, 10},
                                {"2026-12-28", "DeadlineApproaching", 3, kPolice, 3},
                                {"2026-12-30", "DeadlineApproaching", 3, kPolice, 1},
                                {"2027-01-04", "DeadlineMissed", 3, kPolice, 0, true},
                                {"2027-01-05", "EscalationRaised", 3, kPolice, 1, true},
                                {"2027-01-12", "EscalationRaised", 3, kPolice, 2, true},
                                {"2027-01-26", "EscalationRaised", 3, kPolice, 3, true}}));
  // The events record the calendar they were counted on.
  auto h = engine->History("p", 3);
  ASSERT_TRUE(h.ok());
  const DeadlineMissed* missed = nullptr;
  for (const auto& entry : *h)
    if (const auto* m = std::get_if<DeadlineMissed>(&entry.event.body)) missed = m;
  ASSERT_NE(missed, nullptr);
  EXPECT_TRUE(missed->provisional);
  EXPECT_EQ(missed->calendar_version, v + "+provisional");
  // Rebuild gives the same projections (timers included); verify agrees.
  auto live = engine->ProjectionDigest();
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_EQ(*engine->ProjectionDigest(), *live);
  auto verify = engine->Verify();
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok()) << (verify->problems.empty() ? "" : verify->problems.front());
}

// The 2027 notice the tests record: a fixture with an invented schedule
// (tests/workflow_engine/data/, labelled as such), not the published notice.
std::string Notice2027() {
  std::ifstream in(DUBAN_TEST_NOTICE_2027, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (ss.str().empty()) throw std::runtime_error("cannot read " + std::string(DUBAN_TEST_NOTICE_2027));
  return ss.str();
}
constexpr const char* kVersion2027 = "cn-mainland/2026-11-10";  // the fixture's version

Outcome AddNotice(Engine& engine, const std::string& id, const Actor& who, const std::string& day,
                  const std::string& text, const std::string& source = "notice-2027.yaml") {
  Engine::CalendarNoticeRequest r;
  r.command_id = id;
  r.actor = who;
  r.issued_at = At(day);
  r.text = text;
  r.source = source;
  return engine.AddCalendarNotice(r);
}

// Issue 11, item 2: the ladders that ran into 2027 fired provisionally; then
// the office records 2027's notice and what is still open is recounted on it
// at once (no rebuild, no new build): one DeadlineRecounted saying what moved,
// the timers re-armed on the new version. What fired keeps its calendar.
TEST_F(WorkflowEngineTest, ANoticeRecordedForTheNextYearRecountsOpenDeadlinesAndFiredOnesKeepTheirCalendar) {
  const std::string v = policy->latest_calendar().version();
  ASSERT_TRUE(policy->latest_calendar().Covers(2026));
  ASSERT_FALSE(policy->latest_calendar().Covers(2027)) << "this test is about the year after the last covered one";
  ImportPlan p;
  p.plan = PlanImported{"2026年政务公开工作要点分工方案", "市政府办公室", "府办〔2026〕9号", "2026-12-01", 2026,
                        "digest", {kFinance, kEducation, kPolice}};
  p.tasks.push_back(ImportTask{1, {"一"}, "12月中旬", "12月15日前完成", Deadline{"12月15日前", "2026-12-15", "", false, v},
                               {kEducation}, {}});
  p.tasks.push_back(ImportTask{2, {"一"}, "年底前", "年底前完成", Deadline{"年底前", "2026-12-31", "", false, v},
                               {kPolice}, {}});
  p.tasks.push_back(ImportTask{3, {"二"}, "劳动节后", "2027年5月10日前完成",
                               Deadline{"2027年5月10日前", "2027-05-10", "", false, v + "+provisional"}, {kFinance}, {}});
  Ok(Do(Supervisor(), "2026-12-01", p));
  for (const auto& [task, unit] : std::vector<std::pair<int, std::string>>{{1, kEducation}, {2, kPolice}, {3, kFinance}})
    Ok(Do(UnitActor(unit), "2026-12-01", Accept{task, unit}, 10));

  const auto fired = TickDays("2026-12-01", "2027-03-31");
  EXPECT_EQ(For(fired, 1, kEducation),
            (std::vector<Fired>{{"2026-12-10", "DeadlineApproaching", 1, kEducation, 3},
                                {"2026-12-14", "DeadlineApproaching", 1, kEducation, 1},
                                {"2026-12-16", "DeadlineMissed", 1, kEducation, 0},
                                {"2026-12-17", "EscalationRaised", 1, kEducation, 1},
                                {"2026-12-24", "EscalationRaised", 1, kEducation, 2},
                                {"2027-01-08", "EscalationRaised", 1, kEducation, 3, true}}));
  EXPECT_EQ(For(fired, 2, kPolice),
            (std::vector<Fired>{{"2026-12-17", "DeadlineApproaching", 2, kPolice, 10},
                                {"2026-12-28", "DeadlineApproaching", 2, kPolice, 3},
                                {"2026-12-30", "DeadlineApproaching", 2, kPolice, 1},
                                {"2027-01-04", "DeadlineMissed", 2, kPolice, 0, true},
                                {"2027-01-05", "EscalationRaised", 2, kPolice, 1, true},
                                {"2027-01-12", "EscalationRaised", 2, kPolice, 2, true},
                                {"2027-01-26", "EscalationRaised", 2, kPolice, 3, true}}));
  EXPECT_TRUE(For(fired, 3, kFinance).empty());
  // Task 3's timers wait on the provisional rule: weekdays minus 元旦 and 05-01
  // (its ladder is armed once it is missed).
  std::map<std::string, std::string> before;
  for (const auto& t : PendingOf(3, kFinance)) {
    EXPECT_TRUE(t.timer.provisional) << TimerKindName(t.timer.kind);
    EXPECT_EQ(t.timer.calendar_version, v + "+provisional");
    before[std::string(TimerKindName(t.timer.kind)) + std::to_string(t.timer.working_days_left + t.timer.level)] =
        Day(t.due);
  }
  EXPECT_EQ(before, (std::map<std::string, std::string>{{"reminder10", "2027-04-26"},
                                                        {"reminder3", "2027-05-05"},
                                                        {"reminder1", "2027-05-07"},
                                                        {"missed0", "2027-05-11"}}));

  // A unit may not record a notice; the office may.
  const Outcome refused = AddNotice(*engine, "notice-by-unit", UnitActor(kFinance), "2027-04-01", Notice2027());
  EXPECT_EQ(refused.status.reason(), "forbidden_role") << refused.status.ToString();
  const Outcome added = AddNotice(*engine, "notice-2027", Supervisor(), "2027-04-01", Notice2027());
  ASSERT_TRUE(added.status.ok()) << added.status.ToString();
  ASSERT_EQ(added.events.size(), 2u) << "the notice, and one recount: tasks 1 and 2 have nothing armed";
  const auto* notice = std::get_if<CalendarNoticeAdded>(&added.events[0].body);
  ASSERT_NE(notice, nullptr);
  EXPECT_EQ(added.events[0].stream, "!calendar");
  EXPECT_EQ(notice->year, 2027);
  EXPECT_FALSE(notice->amends);
  const auto* rc = std::get_if<DeadlineRecounted>(&added.events[1].body);
  ASSERT_NE(rc, nullptr);
  EXPECT_EQ(added.events[1].stream, "p");
  EXPECT_EQ(rc->task, 3);
  EXPECT_EQ(rc->old_calendar_version, v + "+provisional");
  EXPECT_EQ(rc->calendar_version, kVersion2027);
  EXPECT_FALSE(rc->provisional);
  // 劳动节 05-01..05 and the worked Sunday 04-25 / Saturday 05-08 move the reminders.
  EXPECT_EQ(rc->changes, (std::vector<std::string>{"reminder 1 2027-05-07 -> 2027-05-08",
                                                   "reminder 10 2027-04-26 -> 2027-04-23",
                                                   "reminder 3 2027-05-05 -> 2027-05-06"}));
  EXPECT_EQ(engine->timer_policy()->CalendarVersion(), kVersion2027);
  for (const auto& t : PendingOf(3, kFinance)) {
    EXPECT_FALSE(t.timer.provisional) << TimerKindName(t.timer.kind);
    EXPECT_EQ(t.timer.calendar_version, kVersion2027);
  }
  // The same command again is the first outcome, nothing new.
  const Outcome again = AddNotice(*engine, "notice-2027", Supervisor(), "2027-04-02", Notice2027());
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.first_position, added.first_position);
  // A fresh open counts on the recorded notice (from the log, not from this
  // process): verify re-arms task 3's timers on it and finds them equal.
  engine.reset();
  Open();
  EXPECT_EQ(engine->timer_policy()->CalendarVersion(), kVersion2027);
  ASSERT_EQ(engine->CalendarNotices().size(), 1u);
  EXPECT_EQ(engine->CalendarNotices()[0], *notice);
  auto reopened = engine->Verify();
  ASSERT_TRUE(reopened.ok());
  EXPECT_TRUE(reopened->ok()) << (reopened->problems.empty() ? "" : reopened->problems.front());

  const auto after = TickDays("2027-04-01", "2027-06-30");
  EXPECT_EQ(For(after, 3, kFinance),
            (std::vector<Fired>{{"2027-04-23", "DeadlineApproaching", 3, kFinance, 10},
                                {"2027-05-06", "DeadlineApproaching", 3, kFinance, 3},
                                {"2027-05-08", "DeadlineApproaching", 3, kFinance, 1},
                                {"2027-05-11", "DeadlineMissed", 3, kFinance, 0},
                                {"2027-05-12", "EscalationRaised", 3, kFinance, 1},
                                {"2027-05-19", "EscalationRaised", 3, kFinance, 2},
                                {"2027-06-02", "EscalationRaised", 3, kFinance, 3}}));
  // What fired before the notice keeps the calendar it was judged by.
  auto h = engine->History("p", 2);
  ASSERT_TRUE(h.ok());
  int provisional_escalations = 0;
  for (const auto& entry : *h)
    if (const auto* e = std::get_if<EscalationRaised>(&entry.event.body)) {
      EXPECT_EQ(e->calendar_version, v + "+provisional");
      provisional_escalations += e->provisional;
    }
  EXPECT_EQ(provisional_escalations, 3);

  // The log alone gives the same state: verify and rebuild.
  auto verify = engine->Verify();
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok()) << (verify->problems.empty() ? "" : verify->problems.front());
  const auto live = engine->ProjectionDigest();
  ASSERT_TRUE(live.ok());
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_EQ(*engine->ProjectionDigest(), *live);
}

// Recounting happens while work is open too: a rebuild in the middle of the
// ladder (timers armed on the notice) equals the live store, and a notice
// that conflicts with a recorded year is refused with its file and line,
// while a stated correction (amends) is taken.
TEST_F(WorkflowEngineTest, ANoticeForAYearAlreadyCoveredIsRefusedUnlessItAmendsIt) {
  const std::string v = policy->latest_calendar().version();
  ImportPlan p;
  p.plan = PlanImported{"2027年要点", "市政府办公室", "府办〔2026〕10号", "2026-12-01", 2027, "digest", {kFinance}};
  p.tasks.push_back(ImportTask{1, {"一"}, "五月", "2027年5月10日前完成",
                               Deadline{"2027年5月10日前", "2027-05-10", "", false, v + "+provisional"}, {kFinance}, {}});
  Ok(Do(Supervisor(), "2026-12-01", p));
  Ok(Do(UnitActor(kFinance), "2026-12-01", Accept{1, kFinance}, 10));
  ASSERT_TRUE(AddNotice(*engine, "n1", Supervisor(), "2026-12-02", Notice2027()).status.ok());

  const std::string twice =
      "calendar: cn-mainland\nnotices:\n  - version: 2026-12-01\n    covers: 2027\n"
      "    holidays:\n      - {name: 端午节, from: 2027-06-09, to: 2027-06-11}\n";
  const Outcome dup = AddNotice(*engine, "n2", Supervisor(), "2026-12-02", twice, "again.yaml");
  EXPECT_EQ(dup.status.reason(), "invalid_argument");
  EXPECT_NE(dup.status.message().find("again.yaml:4"), std::string::npos) << dup.status.message();
  EXPECT_NE(dup.status.message().find("covered twice"), std::string::npos) << dup.status.message();

  // Labour Day moved in a correction: the reminder 3 working days before 05-10 moves with it.
  const std::string amend =
      "calendar: cn-mainland\nnotices:\n  - version: 2026-12-01\n    source: correction (test)\n"
      "    amends: 2027\n    holidays:\n      - {name: 劳动节, from: 2027-05-01, to: 2027-05-06}\n";
  const Outcome fixed = AddNotice(*engine, "n3", Supervisor(), "2026-12-03", amend, "amend.yaml");
  ASSERT_TRUE(fixed.status.ok()) << fixed.status.ToString();
  ASSERT_EQ(fixed.events.size(), 2u);
  const auto* rc = std::get_if<DeadlineRecounted>(&fixed.events[1].body);
  ASSERT_NE(rc, nullptr);
  EXPECT_EQ(rc->old_calendar_version, kVersion2027);
  EXPECT_EQ(rc->calendar_version, "cn-mainland/2026-12-01");
  EXPECT_EQ(rc->changes, (std::vector<std::string>{"reminder 10 2027-04-23 -> 2027-04-22",
                                                   "reminder 3 2027-05-06 -> 2027-04-30"}));

  const auto live = engine->ProjectionDigest();
  ASSERT_TRUE(live.ok());
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_EQ(*engine->ProjectionDigest(), *live);
  auto verify = engine->Verify();
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok()) << (verify->problems.empty() ? "" : verify->problems.front());
}

// A command id reused across a calendar notice and any other command is a
// conflict both ways, as between any two commands (the command digest), not
// the other command's outcome replayed as "already done".
TEST_F(WorkflowEngineTest, ACommandIdUsedBeforeForAnotherCommandIsAConflictForACalendarNoticeAndAfterIt) {
  const std::string v = policy->latest_calendar().version();
  ImportPlan p;
  p.plan = PlanImported{"2027年要点", "市政府办公室", "府办〔2026〕10号", "2026-12-01", 2027, "digest", {kFinance}};
  p.tasks.push_back(ImportTask{1, {"一"}, "五月", "2027年5月10日前完成",
                               Deadline{"2027年5月10日前", "2027-05-10", "", false, v + "+provisional"}, {kFinance}, {}});
  Ok(Do(Supervisor(), "2026-12-01", p));
  const Outcome accepted = Do(UnitActor(kFinance), "2026-12-01", Accept{1, kFinance}, 10);  // id cmd-2
  Ok(accepted);
  ASSERT_EQ(accepted.command_id, "cmd-2");

  const Outcome reused = AddNotice(*engine, "cmd-2", Supervisor(), "2026-12-02", Notice2027());
  EXPECT_EQ(reused.status.code(), Status::Code::kConflict) << reused.status.ToString();
  EXPECT_NE(reused.status.message().find("was used before for a different command"), std::string::npos)
      << reused.status.message();
  EXPECT_TRUE(reused.events.empty());
  EXPECT_TRUE(engine->CalendarNotices().empty()) << "nothing recorded";
  EXPECT_EQ(engine->timer_policy()->CalendarVersion(), v);

  // The notice under its own id is taken; its id then answers another command with a conflict...
  ASSERT_TRUE(AddNotice(*engine, "n1", Supervisor(), "2026-12-02", Notice2027()).status.ok());
  Command c;
  c.command_id = "n1";
  c.plan_id = "p";
  c.actor = UnitActor(kFinance);
  c.issued_at = At("2026-12-03");
  c.body = ReportProgress{1, kFinance, 50, "进展"};
  const Outcome other = engine->Submit(c);
  EXPECT_EQ(other.status.code(), Status::Code::kConflict) << other.status.ToString();
  // ...and another notice text, or another actor, under it too; the same notice again is the first outcome.
  const std::string amend =
      "calendar: cn-mainland\nnotices:\n  - version: 2026-12-01\n    source: correction (test)\n"
      "    amends: 2027\n    holidays:\n      - {name: 劳动节, from: 2027-05-01, to: 2027-05-06}\n";
  EXPECT_EQ(AddNotice(*engine, "n1", Supervisor(), "2026-12-03", amend, "amend.yaml").status.code(),
            Status::Code::kConflict);
  EXPECT_EQ(AddNotice(*engine, "n1", Actor{"办公室", Role::kSupervisor, "赵六"}, "2026-12-03", Notice2027())
                .status.code(),
            Status::Code::kConflict);
  const Outcome again = AddNotice(*engine, "n1", Supervisor(), "2026-12-03", Notice2027());
  EXPECT_TRUE(again.status.ok() && again.duplicate) << again.status.ToString();
  EXPECT_EQ(engine->CalendarNotices().size(), 1u);
}

// A notice's version is its publication date: one later than the command's
// day (a mistyped year) is refused, so it cannot make every correct notice
// after it look older.
TEST_F(WorkflowEngineTest, ANoticeDatedAfterTodayIsRefusedAsTimeInFuture) {
  const std::string v = policy->latest_calendar().version();
  const Outcome early = AddNotice(*engine, "n-early", Supervisor(), "2026-11-09", Notice2027());  // dated 2026-11-10
  EXPECT_EQ(early.status.reason(), "time_in_future") << early.status.ToString();
  EXPECT_NE(early.status.message().find("2026-11-10"), std::string::npos) << early.status.message();
  EXPECT_TRUE(engine->CalendarNotices().empty());
  EXPECT_EQ(engine->timer_policy()->CalendarVersion(), v);
  // On its publication day it is taken.
  const Outcome onDay = AddNotice(*engine, "n-on-day", Supervisor(), "2026-11-10", Notice2027());
  EXPECT_TRUE(onDay.status.ok()) << onDay.status.ToString();
  EXPECT_EQ(engine->timer_policy()->CalendarVersion(), kVersion2027);
}

}  // namespace
}  // namespace duban
