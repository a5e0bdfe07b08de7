// Decide and Evolve for review cycles and the clock's timers (reminders,
// missed deadlines, the escalation ladder, stale timers, report silence).
#include <gtest/gtest.h>

#include "domain_fixture.h"

namespace duban::core {
namespace {

// ---- review cycles --------------------------------------------------------------

TEST_F(DomainTest, StartingAReviewCycleRequestsAReportOfEveryOpenUnsubmittedAssignment) {
  GivenPlan();
  GivenSubmitted(2, kPolice);
  Do(Return{1, kEducation, "不属本单位职责"}, UnitActor(kEducation));
  auto events = Do(StartReviewCycle{"Q2", "", "quarterly", "2021-06-30", ""}, Supervisor());
  EXPECT_EQ(events, (Events{ReviewCycleStarted{"Q2", "plan", "quarterly", "2021-06-30"},
                            ProgressReportRequested{"Q2", 1, kFinance, "2021-06-30"},
                            ProgressReportRequested{"Q2", 3, kFinance, "2021-06-30"}}));
  ASSERT_TRUE(state.cycles.count("Q2"));
  EXPECT_EQ(state.cycles.at("Q2").requested.size(), 2u);
  EXPECT_FALSE(state.cycles.at("Q2").closed);
}

TEST_F(DomainTest, AReviewCycleForOneUnitRequestsOnlyThatUnitsReports) {
  GivenPlan();
  auto events = Do(StartReviewCycle{"Q2-edu", "", "quarterly", "2021-06-30", kEducation}, Supervisor());
  EXPECT_EQ(events, (Events{ReviewCycleStarted{"Q2-edu", "unit:" + kEducation, "quarterly", "2021-06-30"},
                            ProgressReportRequested{"Q2-edu", 1, kEducation, "2021-06-30"}}));
}

TEST_F(DomainTest, ProgressReportsAnswerACycleOnTimeOrLateAndClosingCountsThem) {
  GivenPlan();
  GivenAccepted(1, kFinance);
  GivenAccepted(3, kFinance);
  GivenAccepted(2, kPolice);
  Do(StartReviewCycle{"Q2", "", "quarterly", "2021-06-30", ""}, Supervisor());
  now = At("2021-06-30", 23);  // still the due day in China time
  Do(ReportProgress{1, kFinance, 60, "按时报送", "", "", ""}, UnitActor(kFinance));
  now = At("2021-07-02");
  Do(ReportProgress{2, kPolice, 20, "迟报", "", "", ""}, UnitActor(kPolice));
  const auto& c = state.cycles.at("Q2");
  EXPECT_EQ(c.answered.size(), 2u);
  EXPECT_EQ(c.late, (std::set<std::pair<int32_t, std::string>>{{2, kPolice}}));
  auto events = Do(CloseReviewCycle{"Q2"}, Supervisor());
  // Requested: (1,财政) (1,教育) (2,公安) (3,财政); answered 2 of them, 1 late.
  EXPECT_EQ(events, (Events{ReviewCycleClosed{"Q2", 2, 1, 2}}));
  EXPECT_TRUE(state.cycles.at("Q2").closed);
  Do(ReportProgress{3, kFinance, 10, "关闭后", "", "", ""}, UnitActor(kFinance));
  EXPECT_EQ(state.cycles.at("Q2").answered.size(), 2u) << "a closed cycle takes no answers";
}

// ---- timers -----------------------------------------------------------------------

TEST_F(DomainTest, AReminderTimerGivesDeadlineApproachingOncePerCountOfDaysLeft) {
  GivenPlan();
  auto first = Do(FireTimer{1, kFinance, TimerKind::kReminder, "2021-10-31", 0, "", 5}, Clock());
  EXPECT_EQ(first, (Events{DeadlineApproaching{1, kFinance, "2021-10-31", 5}}));
  EXPECT_EQ(A(1, kFinance).reminded_days, 5);
  EXPECT_EQ(A(1, kFinance).reminders, 1);
  EXPECT_EQ(Do(FireTimer{1, kFinance, TimerKind::kReminder, "2021-10-31", 0, "", 5}, Clock()), Events{})
      << "the same reminder again is stale";
  EXPECT_EQ(Do(FireTimer{1, kFinance, TimerKind::kReminder, "2021-10-31", 0, "", 7}, Clock()), Events{})
      << "an earlier reminder arriving late is stale";
  EXPECT_EQ(Do(FireTimer{1, kFinance, TimerKind::kReminder, "2021-10-31", 0, "", 1}, Clock()),
            (Events{DeadlineApproaching{1, kFinance, "2021-10-31", 1}}));
  EXPECT_EQ(A(1, kFinance).reminders, 2) << "each reminder sent is counted, the stale ones not";
  EXPECT_EQ(A(1, kEducation).reminders, 0);
}

TEST_F(DomainTest, AMissedTimerMarksTheAssignmentOverdueOnce) {
  GivenPlan();
  auto events = Do(FireTimer{1, kFinance, TimerKind::kMissed, "2021-10-31"}, Clock());
  EXPECT_EQ(events, (Events{DeadlineMissed{1, kFinance, "2021-10-31"}}));
  EXPECT_TRUE(A(1, kFinance).overdue);
  EXPECT_FALSE(A(1, kEducation).overdue);
  EXPECT_EQ(Do(FireTimer{1, kFinance, TimerKind::kMissed, "2021-10-31"}, Clock()), Events{});
  EXPECT_EQ(Do(FireTimer{1, kFinance, TimerKind::kReminder, "2021-10-31", 0, "", 1}, Clock()), Events{})
      << "no reminder once overdue";
}

TEST_F(DomainTest, AnEscalationTimerRaisesTheLevelOnlyWhenOverdueAndOnlyUpwards) {
  GivenPlan();
  FireTimer step1{1, kFinance, TimerKind::kEscalation, "2021-10-31", 1, "督促整改", 0, {"督查室"}};
  FireTimer step2{1, kFinance, TimerKind::kEscalation, "2021-10-31", 2, "通报批评", 0, {"督查室", "分管领导"}};
  EXPECT_EQ(Do(step1, Clock()), Events{}) << "not overdue yet";
  GivenOverdue(1, kFinance);
  EXPECT_EQ(Do(step1, Clock()), (Events{EscalationRaised{1, kFinance, 1, "督促整改", {"督查室"}}}));
  EXPECT_EQ(A(1, kFinance).escalation_level, 1);
  EXPECT_EQ(Do(step1, Clock()), Events{}) << "the same step twice is stale";
  EXPECT_EQ(Do(step2, Clock()), (Events{EscalationRaised{1, kFinance, 2, "通报批评", {"督查室", "分管领导"}}}));
  EXPECT_EQ(Do(step1, Clock()), Events{}) << "never downwards";
  EXPECT_EQ(A(1, kFinance).escalation_level, 2);
}

TEST_F(DomainTest, TimersOfAssignmentsThatMovedOnAreStaleAndGiveNoEvents) {
  GivenPlan();
  GivenSubmitted(1, kFinance);                                         // submitted
  GivenCompleted(2, kPolice);                                          // completed
  Do(Return{1, kEducation, "不属本单位职责"}, UnitActor(kEducation));  // returned
  now = At("2021-03-22");  // the timers fire after the work moved on (handed in on time)
  EXPECT_EQ(Do(FireTimer{1, kFinance, TimerKind::kMissed, "2021-10-31"}, Clock()), Events{});
  EXPECT_EQ(Do(FireTimer{2, kPolice, TimerKind::kMissed, "2021-12-31"}, Clock()), Events{});
  EXPECT_EQ(Do(FireTimer{1, kEducation, TimerKind::kMissed, "2021-10-31"}, Clock()), Events{});
  EXPECT_EQ(Do(FireTimer{9, kHealth, TimerKind::kMissed, "2021-10-31"}, Clock()), Events{}) << "no such assignment";
  Do(CancelTask{3, "合并"}, Supervisor());
  EXPECT_EQ(Do(FireTimer{3, kFinance, TimerKind::kReminder, "", 0, "", 2}, Clock()), Events{}) << "cancelled";
}

// Handed in after its miss was due, the clock not having run meanwhile:
// the miss (kept armed by the policy) records the work late, submitted or
// already approved; fired after an on-time hand-in it is stale.
TEST_F(DomainTest, AMissDueBeforeTheHandInRecordsTheWorkLate) {
  GivenPlan();
  now = At("2021-11-03");
  GivenSubmitted(1, kFinance);  // due 2021-10-31, handed in on 11-03
  now = At("2021-11-01");       // the miss's moment, fired by a tick that catches up
  EXPECT_EQ(Do(FireTimer{1, kFinance, TimerKind::kMissed, "2021-10-31"}, Clock()),
            (Events{DeadlineMissed{1, kFinance, "2021-10-31"}}));
  EXPECT_TRUE(A(1, kFinance).overdue);
  EXPECT_EQ(Do(FireTimer{1, kFinance, TimerKind::kMissed, "2021-10-31"}, Clock()), Events{}) << "once";
}

TEST_F(DomainTest, ATimerArmedForAnEarlierDueDateIsStaleAfterAnExtension) {
  GivenPlan();
  Do(RequestExtension{1, kFinance, "2021-11-30", "需上级批复"}, UnitActor(kFinance));
  Do(GrantExtension{1, kFinance, ""}, Supervisor());
  EXPECT_EQ(Do(FireTimer{1, kFinance, TimerKind::kMissed, "2021-10-31"}, Clock()), Events{});
  EXPECT_FALSE(A(1, kFinance).overdue);
  EXPECT_EQ(Do(FireTimer{1, kFinance, TimerKind::kMissed, "2021-11-30"}, Clock()),
            (Events{DeadlineMissed{1, kFinance, "2021-11-30"}}));
}

TEST_F(DomainTest, AReportDueTimerFlagsOnlyUnansweredRequestsOfAnOpenCycle) {
  GivenPlan();
  GivenAccepted(1, kFinance);
  Do(StartReviewCycle{"Q2", "", "quarterly", "2021-06-30", ""}, Supervisor());
  Do(ReportProgress{1, kFinance, 60, "已报", "", "", ""}, UnitActor(kFinance));
  FireTimer answered{1, kFinance, TimerKind::kReportDue, "2021-06-30"};
  answered.cycle_id = "Q2";
  FireTimer silent{1, kEducation, TimerKind::kReportDue, "2021-06-30"};
  silent.cycle_id = "Q2";
  EXPECT_EQ(Do(answered, Clock()), Events{});
  EXPECT_EQ(Do(silent, Clock()), (Events{DeadlineMissed{1, kEducation, "2021-06-30"}}));
  FireTimer unknown = silent;
  unknown.cycle_id = "no-such-cycle";
  EXPECT_EQ(Do(unknown, Clock()), Events{});
  Do(CloseReviewCycle{"Q2"}, Supervisor());
  EXPECT_EQ(Do(silent, Clock()), Events{}) << "closed cycle";
}

}  // namespace
}  // namespace duban::core
