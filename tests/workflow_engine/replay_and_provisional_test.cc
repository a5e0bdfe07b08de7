// A simulated year replays to identical projections; imported deadlines
// count on the calendar version they recorded; deadlines whose ladder runs
// into a year the calendar does not cover fire provisionally.
#include <gtest/gtest.h>

#include "workflow_engine_fixture.h"

namespace duban::wf_test {
namespace {

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

// Issue 11: on 2026-12-01 the compiled-in calendar covers up to 2026. A plan
// imported that day with deadlines on 11-20, 12-15 and 12-31 (年底前) must
// get every DeadlineMissed and the whole ladder, the days counted into 2027
// marked provisional (weekdays minus 元旦; 2027's notice is not out yet).
TEST_F(WorkflowEngineTest, DeadlinesWhoseLadderRunsIntoAnUncoveredYearFireProvisionallyNothingDropped) {
  const auto& cal = policy->latest_calendar();
  ASSERT_TRUE(cal.Covers(2026));
  ASSERT_FALSE(cal.Covers(2027)) << "this test is about the year after the last covered one";
  ImportPlan p;
  p.plan = PlanImported{"2026年政务公开工作要点分工方案",
                        "市政府办公室",
                        "府办〔2026〕9号",
                        "2026-12-01",
                        2026,
                        "digest",
                        {kFinance, kEducation, kPolice},
                        {}};
  const std::string v = cal.version();
  p.tasks.push_back(ImportTask{
      1, {"一"}, "已过期", "11月20日前完成", Deadline{"11月20日前", "2026-11-20", "", false, v}, {kFinance}, {}});
  p.tasks.push_back(ImportTask{
      2, {"一"}, "12月中旬", "12月15日前完成", Deadline{"12月15日前", "2026-12-15", "", false, v}, {kEducation}, {}});
  p.tasks.push_back(
      ImportTask{3, {"一"}, "年底前", "年底前完成", Deadline{"年底前", "2026-12-31", "", false, v}, {kPolice}, {}});
  Ok(Do(Supervisor(), "2026-12-01", p));
  for (const auto& [task, unit] :
       std::vector<std::pair<int, std::string>>{{1, kFinance}, {2, kEducation}, {3, kPolice}})
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
  // Task 1's date had passed when it was imported: late from the import
  // (12-01, 09:00), the ladder counted from 12-02, on 2026's calendar.
  EXPECT_EQ(For(fired, 1, kFinance), (std::vector<Fired>{{"2026-12-01", "DeadlineMissed", 1, kFinance, 0},
                                                         {"2026-12-03", "EscalationRaised", 1, kFinance, 1},
                                                         {"2026-12-10", "EscalationRaised", 1, kFinance, 2},
                                                         {"2026-12-24", "EscalationRaised", 1, kFinance, 3}}));
  // Task 2: 约谈 counts ten working days into 2027 over 元旦.
  EXPECT_EQ(For(fired, 2, kEducation),
            (std::vector<Fired>{{"2026-12-10", "DeadlineApproaching", 2, kEducation, 3},
                                {"2026-12-14", "DeadlineApproaching", 2, kEducation, 1},
                                {"2026-12-16", "DeadlineMissed", 2, kEducation, 0},
                                {"2026-12-17", "EscalationRaised", 2, kEducation, 1},
                                {"2026-12-24", "EscalationRaised", 2, kEducation, 2},
                                {"2027-01-08", "EscalationRaised", 2, kEducation, 3, true}}));
  // Task 3 (年底前): missed on the first working day of 2027, not on 元旦.
  EXPECT_EQ(For(fired, 3, kPolice), (std::vector<Fired>{{"2026-12-17", "DeadlineApproaching", 3, kPolice, 10},
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

}  // namespace
}  // namespace duban::wf_test
