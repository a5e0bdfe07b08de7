// Review cycles: answered, late and silent counts, the silence ladder, and
// the year-end look-back reopening completed work.
#include <gtest/gtest.h>

#include "workflow_engine_fixture.h"

namespace duban::wf_test {
namespace {

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
  for (const auto& t : PendingOf(2, kPolice))
    EXPECT_NE(t.timer.kind, TimerKind::kReportOverdue) << "closing disarms silence";
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
            core::reason::kInvalidArgument)
      << "a reason is required";
  EXPECT_EQ(Do(Supervisor(), "2021-12-02", ReopenAssignment{2, kPolice, "未完成", "回头看", ""}).status.reason(),
            core::reason::kInvalidTransition)
      << "only completed work is reopened";
  EXPECT_EQ(
      Do(UnitActor(kFinance), "2021-12-02", ReopenAssignment{1, kFinance, "未完成", "回头看", ""}).status.reason(),
      core::reason::kForbiddenRole);
  const auto past = Do(Supervisor(), "2021-12-02", ReopenAssignment{1, kFinance, "未完成", "回头看", "2021-12-01"});
  EXPECT_EQ(past.status.reason(), core::reason::kInvalidArgument) << "a new date given is a day to come";
  EXPECT_NE(past.status.message().find("2021-12-01 is already past (today is 2021-12-02)"), std::string::npos)
      << past.status.message();
  auto reopened =
      Do(Supervisor(), "2021-12-02", ReopenAssignment{1, kFinance, "回头看发现佐证材料缺失", "回头看", "2021-12-20"});
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

}  // namespace
}  // namespace duban::wf_test
