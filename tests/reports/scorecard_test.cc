// The scorecard (engine/reports/scorecard): each unit's counts on the
// scripted store and a cycle's reports on time, late and missing as of a
// date; the score by the workflow definition's rule, and an office's own.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report_fixture.h"

namespace duban::reports {
namespace {

using namespace test_support;  // NOLINT(google-build-using-namespace): the fixture's names

// The office records the 2027 holiday notice on `day`: 春节 02-05..13
// rest, Sunday 02-14 worked.
Status RecordNotice2027(Engine& engine, const std::string& day) {
  Engine::CalendarNoticeRequest r;
  r.command_id = "notice-2027";
  r.actor = Office();
  r.issued_at = At(day);
  r.source = "2027.yaml";
  r.text =
      "calendar: cn-mainland\nnotices:\n  - version: 2026-11-10\n    covers: 2027\n    holidays:\n"
      "      - {name: 元旦, from: 2027-01-01, to: 2027-01-01}\n"
      "      - {name: 春节, from: 2027-02-05, to: 2027-02-13}\n"
      "      - {name: 清明节, from: 2027-04-03, to: 2027-04-05}\n"
      "      - {name: 劳动节, from: 2027-05-01, to: 2027-05-05}\n"
      "      - {name: 端午节, from: 2027-06-09, to: 2027-06-09}\n"
      "      - {name: 中秋节, from: 2027-09-15, to: 2027-09-15}\n"
      "      - {name: 国庆节, from: 2027-10-01, to: 2027-10-07}\n"
      "    workdays: [2027-02-14]\n";
  return engine.AddCalendarNotice(r).status;
}

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

// A date on a holiday is met on the working day after it (Civil Code art.
// 203), as the engine's missed timer counts it: the office sets task 3's date
// to 2021-10-02, in the National Day holiday (10-01..07); the work is due on
// 10-08. The ledger counts no day late through 10-08, and work submitted and
// approved on 10-08 is on time in the scorecard and the bulletin.
TEST_F(LedgerTest, ADateOnAHolidayIsLateFromTheWorkingDayAfterItInTheLedgerAndTheScorecard) {
  Expect(Office(), At("2021-09-01"), SamplePlan(policy->latest_calendar().version()));
  Expect(UnitOf(kFinance), At("2021-09-02"), Accept{3, kFinance});
  Expect(Office(), At("2021-09-03"), SetDeadline{3, kFinance, "2021-10-02", "国庆前完成"});
  TickThrough("2021-09-04", "2021-10-08");
  auto holiday = LedgerAsOf(*engine, kPlan, D("2021-10-07"));
  ASSERT_TRUE(holiday.ok()) << holiday.status().ToString();
  const LedgerRow& h = Row(*holiday, 3, kFinance);
  EXPECT_EQ(h.due_on, "2021-10-02");
  EXPECT_EQ(h.effective_due_on, "2021-10-08");
  EXPECT_EQ(h.overdue_working_days, 0);
  EXPECT_NE(h.light, "red") << "not late before the holiday ends";
  // The files say so: the date as stated and the day it is met on.
  EXPECT_NE(LedgerCsv(*holiday).find("2021-10-02（顺延至10-08）"), std::string::npos);
  const auto doc = nlohmann::json::parse(LedgerJson(*holiday));
  bool seen = false;
  for (const auto& row : doc["rows"]) {
    if (row["task"] != 3 || row["unit"] != kFinance) continue;
    EXPECT_EQ(row["due_on"], "2021-10-02");
    EXPECT_EQ(row["effective_due_on"], "2021-10-08");
    seen = true;
  }
  EXPECT_TRUE(seen);
  Expect(UnitOf(kFinance), At("2021-10-08", 10), Submit{3, kFinance, "已完成", ""});
  Expect(Office(), At("2021-10-08", 15), Approve{3, kFinance, "同意销号"});
  auto on_day = LedgerAsOf(*engine, kPlan, D("2021-10-08"));
  ASSERT_TRUE(on_day.ok());
  EXPECT_EQ(Row(*on_day, 3, kFinance).overdue_working_days, 0);
  auto rule = workflows::ScorecardRule::Default();
  ASSERT_TRUE(rule.ok());
  auto card = ScorecardAsOf(*engine, kPlan, D("2021-10-08"), *rule);
  ASSERT_TRUE(card.ok()) << card.status().ToString();
  const UnitScore& fin = ScoreOf(*card, kFinance);
  EXPECT_EQ(fin.completed_on_time, 1);
  EXPECT_EQ(fin.completed_late, 0);
  // The bulletin's 按时完成 counts as the scorecard does.
  auto bulletin = BulletinAsOf(*engine, kPlan, D("2021-10-08"));
  ASSERT_TRUE(bulletin.ok()) << bulletin.status().ToString();
  EXPECT_EQ(bulletin->completed_on_time, 1);
}

// An escalation a calendar notice withdrew is not the unit's peak: 卫健's
// date 2027-02-05 was missed on 02-08 and escalated on 02-09 by the
// provisional rule; the notice recorded on 02-10 makes 02-05 a 春节 rest day
// (due 02-14) and withdraws both. The score before the notice counts level
// 1, after it none.
TEST_F(LedgerTest, AnEscalationACalendarNoticeWithdrewIsNotTheUnitsPeak) {
  Expect(Office(), At("2021-09-01"), SamplePlan(policy->latest_calendar().version()));
  Expect(Office(), At("2021-09-02"), SetDeadline{2, kHealth, "2027-02-05", "春节前完成"});
  for (const char* day : {"2027-02-08", "2027-02-09"}) ASSERT_TRUE(engine->Tick(StartOfDay(D(day))).ok());
  auto rule = workflows::ScorecardRule::Default();
  ASSERT_TRUE(rule.ok());
  auto before = ScorecardAsOf(*engine, kPlan, D("2027-02-09"), *rule);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(ScoreOf(*before, kHealth).peak_escalation, 1);
  ASSERT_TRUE(RecordNotice2027(*engine, "2027-02-10").ok());
  ASSERT_FALSE(engine->Plan(kPlan)->assignments.at({2, kHealth}).overdue);
  auto after = ScorecardAsOf(*engine, kPlan, D("2027-02-10"), *rule);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(ScoreOf(*after, kHealth).peak_escalation, 0);
  // 公安's escalations on its 2021 date stood: they still count.
  EXPECT_EQ(ScoreOf(*after, kPolice).peak_escalation, ScoreOf(*before, kPolice).peak_escalation);
  EXPECT_GT(ScoreOf(*after, kPolice).peak_escalation, 0);
}

// A ledger as of a day before a holiday notice was recorded counts a row on
// the calendar its date was judged on then, as the engine did: task 3's
// 2027-02-05 (imported while 2027 was provisional) was a working Friday,
// missed on Monday 02-08, 2 working days late on 02-09. Recorded on 02-10,
// the notice makes 02-05..13 春节: from then on the work is due on 02-14
// (顺延), not late; the ledger as of 02-09 still says what was judged then.
TEST_F(LedgerTest, ALedgerAsOfADayBeforeANoticeCountsOnTheCalendarOfThatDay) {
  const std::string v = policy->latest_calendar().version();
  ImportPlan p = SamplePlan(v);
  p.tasks[2].deadline = Deadline{"2027年2月5日前", "2027-02-05", "", false, v + "+provisional"};
  Expect(Office(), At("2021-09-01"), p);
  Expect(UnitOf(kFinance), At("2021-09-02"), Accept{3, kFinance});
  // And a date the office set (no calendar version of its own): Monday
  // 02-08, a working day then, missed on 02-09.
  Expect(UnitOf(kFinance), At("2021-09-02"), Accept{1, kFinance});
  Expect(Office(), At("2021-09-03"), SetDeadline{1, kFinance, "2027-02-08", "另行安排"});
  for (const char* day : {"2027-02-08", "2027-02-09"}) ASSERT_TRUE(engine->Tick(StartOfDay(D(day))).ok());
  ASSERT_TRUE(RecordNotice2027(*engine, "2027-02-10").ok());
  auto then = LedgerAsOf(*engine, kPlan, D("2027-02-09"));
  ASSERT_TRUE(then.ok()) << then.status().ToString();
  const LedgerRow& judged = Row(*then, 3, kFinance);
  EXPECT_EQ(judged.effective_due_on, "2027-02-05");
  EXPECT_EQ(judged.overdue_working_days, 2);
  EXPECT_EQ(judged.light, "red");
  EXPECT_EQ(LedgerCsv(*then).find("顺延至"), std::string::npos);
  const LedgerRow& set = Row(*then, 1, kFinance);
  EXPECT_EQ(set.effective_due_on, "2027-02-08");
  EXPECT_EQ(set.overdue_working_days, 1);
  auto now = LedgerAsOf(*engine, kPlan, D("2027-02-10"));
  ASSERT_TRUE(now.ok()) << now.status().ToString();
  const LedgerRow& moved = Row(*now, 3, kFinance);
  EXPECT_EQ(moved.effective_due_on, "2027-02-14");
  EXPECT_EQ(moved.overdue_working_days, 0);
  EXPECT_NE(moved.light, "red");
  EXPECT_NE(LedgerCsv(*now).find("2027-02-05（顺延至02-14）"), std::string::npos);
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

}  // namespace
}  // namespace duban::reports
