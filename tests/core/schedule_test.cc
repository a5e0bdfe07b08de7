// Schedules from the plan's words (每季度报送, 一季度听取一次: issue 20) on the
// embedded store with the workflow's timer policy: a recurring task asks its
// units for a progress report the definition's notice days before each
// checkpoint, counted on the statutory calendar with its 调休 (2021: the
// Sunday 09-26 and Saturday 10-09 were working days, 10-01..07 a holiday);
// checkpoints whose asking day came before the schedule are not asked; the
// review cycle's own ladder follows a silence; the office changes or stops
// a schedule and closes a checkpoint's cycle. Each ends with verify ok and a
// rebuild identical.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "duban/core/workflow_timer_policy.h"
#include "duban/schemas/codec.h"
#include "store_util.h"

namespace duban {
namespace {

using namespace duban::testing;
using namespace duban::schemas;

class ScheduleTest : public EngineFixture {
 public:
  void SetUp() override {
    auto policy = WorkflowTimerPolicy::Default();
    ASSERT_TRUE(policy.ok()) << policy.status().ToString();
    Open(*policy);
  }
  // The sample plan and task 4, "分管领导一季度听取一次" as the importer
  // records it: quarterly, its last checkpoint the year's end; lead 财政,
  // responsible 公安. Imported on 2021-03-20 (after Q1's asking day).
  void GivenRecurringPlan() {
    ImportPlan p = SamplePlan();
    p.tasks.push_back(ImportTask{4,
                                 {"二、保障措施"},
                                 "听取政务公开工作汇报",
                                 "分管领导一季度听取一次政务公开工作汇报",
                                 Deadline{"一季度听取一次", "2021-12-31", "quarter:1", false, ""},
                                 {kFinance},
                                 {kPolice}});
    Do(p, Supervisor());
  }
  // Ticks every day from `from` through `to` (at the start of each day),
  // acting on a day as `on_day` says; returns the events of task 4 as
  // "day Type unit cycle level".
  template <class OnDay>
  std::vector<std::string> TickThrough(const std::string& from, const std::string& to, OnDay on_day) {
    std::vector<std::string> out;
    for (Date d = *Date::Parse(from); d <= *Date::Parse(to); d = d.AddDays(1)) {
      for (const Event& e : TickOn(d.ToString())) {
        if (TaskOf(e.body) != 4 && !std::holds_alternative<ReviewCycleStarted>(e.body)) continue;
        std::string line =
            d.ToString() + " " + EventTypeName(static_cast<uint16_t>(TypeOf(e.body))) + " " + UnitOf(e.body);
        if (auto* r = std::get_if<ProgressReportRequested>(&e.body)) line += " " + r->cycle_id;
        if (auto* c = std::get_if<ReviewCycleStarted>(&e.body)) line += c->cycle_id + " " + c->kind + " " + c->scope;
        if (auto* o = std::get_if<ReportOverdue>(&e.body)) line += " " + o->cycle_id + " " + std::to_string(o->level);
        out.push_back(line);
      }
      now = StartOfDay(d) + 10 * 3'600'000;
      on_day(d.ToString());
    }
    return out;
  }
  static std::vector<std::string> Having(const std::vector<std::string>& lines, const std::string& part) {
    std::vector<std::string> out;
    std::copy_if(lines.begin(), lines.end(), std::back_inserter(out),
                 [&](const std::string& l) { return l.find(part) != std::string::npos; });
    return out;
  }
};

TEST_F(ScheduleTest, AQuarterlyDutyAsksItsUnitsBeforeEachQuarterOnTheStatutoryCalendar) {
  GivenRecurringPlan();
  EXPECT_EQ(Having(Armed(4, kFinance), "scheduled_report"),
            (std::vector<std::string>{"scheduled_report 2021-06-30 2021-06-16"}))
      << "Q1's asking day (03-17) came before the import: the first ask is Q2's, 10 working days before 06-30";
  Do(Accept{4, kFinance}, UnitActor(kFinance));
  Do(Accept{4, kPolice}, UnitActor(kPolice));
  const auto lines = TickThrough("2021-03-21", "2021-12-31", [&](const std::string& day) {
    if (day == "2021-06-21") Do(ReportProgress{4, kFinance, 40, "二季度已听取汇报"}, UnitActor(kFinance));
    if (day == "2021-12-20") Do(ReportProgress{4, kFinance, 100, "四季度已听取汇报"}, UnitActor(kFinance));
    if (day == "2021-12-20") Do(ReportProgress{4, kPolice, 100, "四季度已听取汇报"}, UnitActor(kPolice));
  });
  EXPECT_EQ(Having(lines, "ProgressReportRequested"),
            (std::vector<std::string>{
                "2021-06-16 ProgressReportRequested " + kPolice + " schedule:4:2021-06-30",
                "2021-06-16 ProgressReportRequested " + kFinance + " schedule:4:2021-06-30",
                "2021-09-16 ProgressReportRequested " + kPolice + " schedule:4:2021-09-30",
                "2021-09-16 ProgressReportRequested " + kFinance + " schedule:4:2021-09-30",
            }))
      << "09-16: ten working days before 09-30 count the Sunday 09-26 and the Saturday 09-18 (调休) and skip "
         "中秋 09-19..21; 12-31 is the units' own deadline, whose reminders ask for it";
  EXPECT_EQ(Having(lines, "ReviewCycleStarted").size(), 2u)
      << "one cycle per checkpoint asked, started by the first ask";
  EXPECT_EQ(Having(lines, "ReviewCycleStarted").front(),
            "2021-06-16 ReviewCycleStarted schedule:4:2021-06-30 quarterly task:4");
  // 公安 stayed silent in Q2: overdue on the first working day after 06-30.
  EXPECT_EQ(Having(Having(lines, "ReportOverdue " + kPolice + " schedule:4:2021-06-30"), " 0").front().substr(0, 10),
            "2021-07-01");
  EXPECT_TRUE(Having(lines, "ReportOverdue " + kFinance + " schedule:4:2021-06-30").empty())
      << "财政 answered on 06-21";
  // Neither answered Q3: overdue after the National Day holiday, and the
  // first step of the ladder on the Saturday that was a working day.
  const auto q3 = Having(lines, "ReportOverdue " + kFinance + " schedule:4:2021-09-30");
  ASSERT_GE(q3.size(), 2u);
  EXPECT_EQ(q3[0], "2021-10-08 ReportOverdue " + kFinance + " schedule:4:2021-09-30 0");
  EXPECT_EQ(q3[1], "2021-10-09 ReportOverdue " + kFinance + " schedule:4:2021-09-30 1");
  EXPECT_TRUE(Having(lines, "schedule:4:2021-12-31").empty()) << "no report is asked on the deadline itself";
  EXPECT_TRUE(Having(Armed(4, kFinance), "scheduled_report").empty()) << "the year's checkpoints are all asked";
  ExpectVerifiedAndRebuiltIdentically();
}

// The last checkpoint of a 每季度 task is its deadline: a unit silent through
// it climbs one ladder, the deadline's (DeadlineMissed, 督促整改, 通报批评),
// not a second one for a report asked for the same day. A unit whose own date
// was extended past the year's end is still asked for the 12-31 report.
TEST_F(ScheduleTest, TheCheckpointOnTheDeadlineIsTheDeadlinesOwnNoSecondLadder) {
  GivenRecurringPlan();
  Do(Accept{4, kFinance}, UnitActor(kFinance));
  Do(Accept{4, kPolice}, UnitActor(kPolice));
  const auto lines = TickThrough("2021-03-21", "2022-01-20", [&](const std::string& day) {
    if (day == "2021-12-01") Do(SetDeadline{4, kPolice, "2022-01-31", "跨年度推进"}, Supervisor());
  });
  const auto finance = Having(lines, " " + kFinance);
  EXPECT_TRUE(Having(finance, "schedule:4:2021-12-31").empty()) << "neither asked nor overdue: one ladder only";
  EXPECT_EQ(Having(finance, "ReportOverdue").size(), 8u) << "Q2's and Q3's silences climb their own ladders";
  EXPECT_EQ(Having(finance, "DeadlineMissed"), (std::vector<std::string>{"2022-01-04 DeadlineMissed " + kFinance}));
  EXPECT_GE(Having(finance, "EscalationRaised").size(), 2u);
  EXPECT_EQ(Having(lines, "ProgressReportRequested " + kPolice + " schedule:4:2021-12-31"),
            (std::vector<std::string>{"2021-12-17 ProgressReportRequested " + kPolice + " schedule:4:2021-12-31"}))
      << "公安's date is 2022-01-31: the 12-31 checkpoint comes before it";
  EXPECT_EQ(Having(lines, "ReportOverdue " + kPolice + " schedule:4:2021-12-31 0").size(), 1u);
  ExpectVerifiedAndRebuiltIdentically();
}

// Dates moved over the year-end checkpoint after its asking day (12-17):
// 财政's moved past it on 12-20 is not asked after the fact (the request
// would be dated before the move); 公安's, asked on 12-17 with its date in
// January, moved back to 12-31 on 12-20: its report falls due with the
// deadline, so only the deadline's ladder climbs.
TEST_F(ScheduleTest, ADateMovedOverTheCheckpointAfterItsAskingDayLeavesOneLadder) {
  GivenRecurringPlan();
  Do(Accept{4, kFinance}, UnitActor(kFinance));
  Do(Accept{4, kPolice}, UnitActor(kPolice));
  const auto lines = TickThrough("2021-03-21", "2022-01-20", [&](const std::string& day) {
    if (day == "2021-12-01") Do(SetDeadline{4, kPolice, "2022-01-31", "跨年度推进"}, Supervisor());
    if (day == "2021-12-20") {
      Do(SetDeadline{4, kFinance, "2022-01-31", "跨年度推进"}, Supervisor());
      Do(SetDeadline{4, kPolice, "2021-12-31", "年内完成"}, Supervisor());
    }
  });
  EXPECT_TRUE(Having(Having(lines, "ReportOverdue"), "schedule:4:2021-12-31").empty())
      << "no report ladder for the year-end checkpoint";
  EXPECT_TRUE(Having(lines, "ProgressReportRequested " + kFinance + " schedule:4:2021-12-31").empty())
      << "财政's date moved past 12-31 after the asking day";
  EXPECT_EQ(Having(lines, "ProgressReportRequested " + kPolice + " schedule:4:2021-12-31").size(), 1u);
  EXPECT_EQ(Having(lines, "DeadlineMissed " + kPolice).size(), 1u);
  EXPECT_TRUE(Having(lines, "DeadlineMissed " + kFinance).empty()) << "its date is 2022-01-31";
  ExpectVerifiedAndRebuiltIdentically();
}

// A checkpoint on a Saturday and a deadline the next day fall due on the
// same Monday: one deadline, no report asked for it.
TEST_F(ScheduleTest, ACheckpointFallingDueOnTheDeadlinesWorkingDayIsNotAsked) {
  GivenRecurringPlan();
  Do(Accept{4, kFinance}, UnitActor(kFinance));
  now = At("2021-07-01");
  Do(SetSchedule{4, "month:1", "按月听取", 0}, Supervisor());
  Do(SetDeadline{4, kFinance, "2021-11-01", "提前完成"}, Supervisor());  // a Monday; 10-31 is a Sunday
  const auto lines = TickThrough("2021-07-01", "2021-11-20", [](const std::string&) {});
  std::vector<std::string> asked;
  for (const auto& l : Having(lines, "ProgressReportRequested " + kFinance)) asked.push_back(l.substr(l.size() - 10));
  EXPECT_EQ(asked, (std::vector<std::string>{"2021-07-31", "2021-08-31", "2021-09-30"}))
      << "10-31 (a Sunday) falls due on Monday 11-01, the deadline's own day";
  EXPECT_TRUE(Having(Having(lines, "ReportOverdue " + kFinance), "2021-10-31").empty());
  ExpectVerifiedAndRebuiltIdentically();
}

TEST_F(ScheduleTest, AScheduleChangedMidYearAsksOnlyTheCheckpointsStillToComeAndStopsWhenStopped) {
  GivenRecurringPlan();
  now = At("2021-07-01");
  Do(SetSchedule{4, "month:1", "分管领导改为每月听取", 0}, Supervisor());
  EXPECT_EQ(Having(Armed(4, kPolice), "scheduled_report"),
            (std::vector<std::string>{"scheduled_report 2021-07-31 2021-07-26"}))
      << "monthly, 5 working days before 07-31 (a Saturday: due Monday 08-02); June's ask (06-23) is past";
  const auto lines = TickThrough("2021-07-01", "2021-10-20", [&](const std::string& day) {
    if (day == "2021-10-10") Do(SetSchedule{4, "", "汇报改由年终总结", 0}, Supervisor());
  });
  std::vector<std::string> asked;
  for (const auto& l : Having(lines, "ProgressReportRequested " + kPolice)) asked.push_back(l.substr(0, 10));
  EXPECT_EQ(asked, (std::vector<std::string>{"2021-07-26", "2021-08-24", "2021-09-24"}))
      << "09-24: five working days before 09-30 count the Sunday 09-26 (调休); October is stopped before its ask";
  EXPECT_TRUE(Having(Armed(4, kPolice), "scheduled_report").empty());
  EXPECT_TRUE(Having(Armed(4, kFinance), "scheduled_report").empty());
  ExpectVerifiedAndRebuiltIdentically();
}

TEST_F(ScheduleTest, AUnitBackFromReviewIsAskedLateUnlessTheOfficeClosedTheCheckpoint) {
  GivenRecurringPlan();
  now = At("2021-06-10");
  GivenSubmitted(4, kFinance);  // waits for review: not asked on 06-16
  GivenSubmitted(4, kPolice);
  TickOn("2021-06-15");  // the sample plan's own limits, since the import
  EXPECT_TRUE(TickOn("2021-06-16").empty()) << "nobody to ask: both wait for the office's review";
  now = At("2021-06-17");
  Do(Reject{4, kFinance, "汇报材料不全"}, Supervisor());
  auto late = TickOn("2021-06-18");
  ASSERT_EQ(late.size(), 2u) << "the missed ask is made at once, the cycle with it";
  EXPECT_EQ(std::get<ProgressReportRequested>(late[1].body).unit, kFinance);
  now = At("2021-06-18");
  Do(CloseReviewCycle{"schedule:4:2021-06-30"}, Supervisor());
  Do(Reject{4, kPolice, "汇报材料不全"}, Supervisor());
  EXPECT_EQ(Having(Armed(4, kPolice), "scheduled_report"),
            (std::vector<std::string>{"scheduled_report 2021-09-30 2021-09-16"}))
      << "Q2's cycle is closed: the next ask is Q3's";
  EXPECT_TRUE(TickOn("2021-06-21").empty());
  ExpectVerifiedAndRebuiltIdentically();
}

}  // namespace
}  // namespace duban
