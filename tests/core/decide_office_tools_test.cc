// The office's tools (issue 20), decided and evolved: a deadline set or
// changed with a reason (of one assignment, or of a task and its open
// assignments), one assignment cancelled, a return accepted by dropping or
// moving it (merged into an assignment the unit already holds), leaders'
// instructions and office comments, and urgings (催办). Their refusals are in the table of
// decide_rejections_test.cc.
#include <gtest/gtest.h>

#include "domain_fixture.h"

namespace duban::core {
namespace {

// ---- deadlines --------------------------------------------------------------------

TEST_F(DomainTest, SettingADeadlineWhereThereWasNoneGivesTheTaskAndItsAssignmentsTheDate) {
  GivenPlan();  // task 3 (全年) has no date; 财政 holds it
  auto events = Do(SetDeadline{3, "", "2021-12-20", "市政府常务会议明确时限"}, Supervisor());
  EXPECT_EQ(events, (Events{DeadlineChanged{3, "", "", "2021-12-20", "市政府常务会议明确时限"},
                            DeadlineChanged{3, kFinance, "", "2021-12-20", "市政府常务会议明确时限"}}));
  EXPECT_EQ(state.tasks.at(3).deadline.due_on, "2021-12-20");
  EXPECT_EQ(state.tasks.at(3).deadline.text, "全年") << "the plan's words stay as written";
  EXPECT_FALSE(state.tasks.at(3).deadline.unresolved);
  EXPECT_EQ(A(3, kFinance).due_on, "2021-12-20");
  EXPECT_EQ(A(3, kFinance).due_set_at, now) << "a new arming of its timers";
  Do(Assign{3, kHealth}, Supervisor());
  EXPECT_EQ(A(3, kHealth).due_on, "2021-12-20") << "a later assignment starts with the task's new date";
}

TEST_F(DomainTest, ChangingATasksDeadlineMovesEveryOpenAssignmentButNotClosedOrReturnedOnes) {
  GivenPlan();
  Do(Return{1, kEducation, "不属本单位职责"}, UnitActor(kEducation));
  GivenInProgress(1, kFinance);
  auto events = Do(SetDeadline{1, "", "2021-11-30", "任务调整"}, Supervisor());
  EXPECT_EQ(events, (Events{DeadlineChanged{1, "", "2021-10-31", "2021-11-30", "任务调整"},
                            DeadlineChanged{1, kFinance, "2021-10-31", "2021-11-30", "任务调整"}}));
  EXPECT_EQ(A(1, kEducation).due_on, "2021-10-31") << "a returned assignment waits for the office's decision";
}

TEST_F(DomainTest, ChangingOneAssignmentsDeadlineLeavesTheTaskAndItsOtherAssignmentsAlone) {
  GivenPlan();
  auto events = Do(SetDeadline{1, kEducation, "2021-09-30", "提前完成"}, Supervisor());
  EXPECT_EQ(events, (Events{DeadlineChanged{1, kEducation, "2021-10-31", "2021-09-30", "提前完成"}}))
      << "the office may bring a date forward too";
  EXPECT_EQ(state.tasks.at(1).deadline.due_on, "2021-10-31");
  EXPECT_EQ(A(1, kFinance).due_on, "2021-10-31");
  EXPECT_EQ(A(1, kEducation).due_on, "2021-09-30");
}

TEST_F(DomainTest, ANewDeadlineClearsOverdueRemindersEscalationAndAPendingRequestAsAGrantedExtensionDoes) {
  GivenPlan();
  GivenAccepted(2, kPolice);
  Do(FireTimer{2, kPolice, TimerKind::kReminder, "2021-12-31", 0, "", 3}, Clock());
  GivenOverdue(2, kPolice);
  Do(FireTimer{2, kPolice, TimerKind::kEscalation, "2021-12-31", 1, "督促整改", 0, {"督查室"}}, Clock());
  Do(RequestExtension{2, kPolice, "2022-03-31", "需上级批复"}, UnitActor(kPolice));
  now = At("2022-01-05");
  auto events = Do(SetDeadline{2, kPolice, "2022-01-31", "统一调整"}, Supervisor());
  EXPECT_EQ(events, (Events{DeadlineChanged{2, kPolice, "2021-12-31", "2022-01-31", "统一调整"},
                            EscalationCleared{2, kPolice, 1, "deadline changed"}}));
  const auto& a = A(2, kPolice);
  EXPECT_EQ(a.due_on, "2022-01-31");
  EXPECT_FALSE(a.overdue);
  EXPECT_EQ(a.reminded_days, 0);
  EXPECT_EQ(a.escalation_level, 0);
  EXPECT_EQ(a.pending_extension, "") << "the office's date answers the request";
  EXPECT_EQ(a.status, AssignmentStatus::kAccepted) << "the lifecycle state is untouched";
}

TEST_F(DomainTest, ADeadlineMayBeSetForTodayAndOnASubmittedAssignment) {
  GivenPlan();
  GivenSubmitted(1, kFinance);
  EXPECT_TRUE(When(SetDeadline{1, kFinance, "2021-03-20", "今日办结"}, Supervisor()).ok());
}

// ---- cancelling one assignment ------------------------------------------------------

TEST_F(DomainTest, CancellingOneAssignmentLeavesTheTaskAndItsOtherAssignmentsOpen) {
  GivenPlan();
  GivenInProgress(1, kEducation);
  auto events = Do(CancelAssignment{1, kEducation, "职能划转"}, Supervisor());
  EXPECT_EQ(events, (Events{AssignmentCancelled{1, kEducation, "职能划转"}}));
  EXPECT_EQ(A(1, kEducation).status, AssignmentStatus::kCancelled);
  EXPECT_EQ(A(1, kEducation).last_reason, "职能划转");
  EXPECT_EQ(A(1, kFinance).status, AssignmentStatus::kAssigned);
  EXPECT_FALSE(state.tasks.at(1).completed || state.tasks.at(1).cancelled);
  EXPECT_TRUE(
      IsRejection(When(ReportProgress{1, kEducation, 60, "继续"}, UnitActor(kEducation)), reason::kAssignmentNotFound))
      << "the unit no longer holds it";
}

TEST_F(DomainTest, CancellingTheLastOpenAssignmentCompletesATaskOthersCompleted) {
  GivenPlan();
  GivenCompleted(1, kFinance);
  auto events = Do(CancelAssignment{1, kEducation, "不再需要"}, Supervisor());
  EXPECT_EQ(events, (Events{AssignmentCancelled{1, kEducation, "不再需要"}, TaskCompleted{1}}));
  EXPECT_TRUE(state.tasks.at(1).completed);
}

TEST_F(DomainTest, CancellingTheOnlyAssignmentLeavesTheTaskOpenWithNoOneOnItForTheOffice) {
  GivenPlan();
  auto events = Do(CancelAssignment{2, kPolice, "职能划转"}, Supervisor());
  EXPECT_EQ(events, (Events{AssignmentCancelled{2, kPolice, "职能划转"}}));
  EXPECT_FALSE(state.tasks.at(2).completed);
  EXPECT_FALSE(state.tasks.at(2).cancelled) << "cancelling the task is the office's own decision (cancel)";
  EXPECT_TRUE(When(Assign{2, kHealth}, Supervisor()).ok()) << "the office assigns it anew";
}

TEST_F(DomainTest, ASubmittedAssignmentMayBeCancelledAndItsReviewLimitStops) {
  GivenPlan();
  GivenSubmitted(2, kPolice);
  Do(FireTimer{2, kPolice, TimerKind::kReviewOverdue, "2021-03-27", 0, "", 0, {}, "", A(2, kPolice).submitted_at},
     Clock());
  ASSERT_TRUE(A(2, kPolice).review_overdue);
  Do(CancelAssignment{2, kPolice, "改由他部门办理"}, Supervisor());
  EXPECT_FALSE(A(2, kPolice).review_overdue);
}

// ---- accepting a return --------------------------------------------------------------

TEST_F(DomainTest, AcceptingAReturnByDroppingItCancelsThatAssignment) {
  GivenPlan();
  Do(Return{1, kEducation, "不属本单位职责"}, UnitActor(kEducation));
  auto events = Do(ResolveReturn{1, kEducation, "", "同意退回"}, Supervisor());
  EXPECT_EQ(events, (Events{AssignmentCancelled{1, kEducation, "同意退回"}}));
  EXPECT_EQ(A(1, kEducation).status, AssignmentStatus::kCancelled);
}

TEST_F(DomainTest, AcceptingAReturnByMovingItToAFreeUnitReassignsIt) {
  GivenPlan();
  Do(Return{1, kEducation, "不属本单位职责"}, UnitActor(kEducation));
  auto events = Do(ResolveReturn{1, kEducation, kHealth, "改由卫健局承担"}, Supervisor());
  EXPECT_EQ(events, (Events{AssignmentReassigned{1, kEducation, kHealth, "改由卫健局承担"}}));
  EXPECT_EQ(A(1, kHealth).status, AssignmentStatus::kAssigned);
  EXPECT_EQ(A(1, kHealth).due_on, "2021-10-31");
}

TEST_F(DomainTest, AcceptingAReturnOntoAUnitThatHoldsTheTaskMergesIntoItsAssignment) {
  GivenPlan();
  GivenInProgress(1, kFinance);  // the lead, 60 days into the work
  Do(Return{1, kEducation, "应由牵头单位统筹"}, UnitActor(kEducation));
  const AssignmentState lead_before = A(1, kFinance);
  auto events = Do(ResolveReturn{1, kEducation, kFinance, "并入牵头单位"}, Supervisor());
  EXPECT_EQ(events, (Events{AssignmentMerged{1, kEducation, kFinance, "并入牵头单位", AssignmentRole::kLead}}));
  EXPECT_EQ(A(1, kEducation).status, AssignmentStatus::kCancelled);
  EXPECT_EQ(A(1, kEducation).last_reason, "并入牵头单位");
  const auto& lead = A(1, kFinance);
  EXPECT_EQ(lead.status, AssignmentStatus::kInProgress) << "its own work goes on";
  EXPECT_EQ(lead.percent, lead_before.percent);
  EXPECT_EQ(lead.due_on, lead_before.due_on);
  EXPECT_EQ(lead.reports, lead_before.reports);
}

TEST_F(DomainTest, AReturnedLeadMergedIntoAResponsibleUnitMakesThatUnitTheLead) {
  GivenPlan();
  Do(Return{1, kFinance, "应由教育局牵头"}, UnitActor(kFinance));
  Do(ResolveReturn{1, kFinance, kEducation, "改由教育局牵头"}, Supervisor());
  EXPECT_EQ(A(1, kEducation).role, AssignmentRole::kLead);
  EXPECT_EQ(A(1, kEducation).status, AssignmentStatus::kAssigned);
}

TEST_F(DomainTest, ApprovingTheUnitAMergedReturnWentToCompletesTheTask) {
  GivenPlan();
  Do(Return{1, kEducation, "应由牵头单位统筹"}, UnitActor(kEducation));
  Do(ResolveReturn{1, kEducation, kFinance, "并入"}, Supervisor());
  GivenSubmitted(1, kFinance);
  auto events = Do(Approve{1, kFinance, ""}, Supervisor());
  EXPECT_EQ(events.back(), EventBody{TaskCompleted{1}});
}

// ---- moving work: its date, and whose part it may go to ----------------------------------

TEST_F(DomainTest, WorkWhoseDateHasPassedMovesOnlyWithANewDateTheUnitItGoesToHolds) {
  GivenPlan();  // task 1 due 2021-10-31: 财政 leads, 教育 responsible
  GivenInProgress(1, kEducation);
  now = At("2021-11-08");
  auto kept = When(Reassign{1, kEducation, kHealth, "职责调整"}, Supervisor());
  ASSERT_TRUE(IsRejection(kept, reason::kInvalidArgument));
  EXPECT_NE(kept.status().message().find("2021-10-31 is already past"), std::string::npos) << kept.status().message();
  EXPECT_NE(kept.status().message().find("--due"), std::string::npos) << "the refusal says how to give one";
  EXPECT_TRUE(IsRejection(When(Reassign{1, kEducation, kHealth, "职责调整", "2021-11-05"}, Supervisor()),
                          reason::kInvalidArgument))
      << "a new date already past is no date to meet";
  EXPECT_TRUE(IsRejection(When(Reassign{1, kEducation, kHealth, "职责调整", "2021-11-31"}, Supervisor()),
                          reason::kInvalidArgument));
  EXPECT_TRUE(
      IsRejection(When(Reassign{1, kEducation, kHealth, " ", "2021-11-30"}, Supervisor()), reason::kInvalidArgument))
      << "a new date is a deadline set: with its reason";
  auto events = Do(Reassign{1, kEducation, kHealth, "职责调整", "2021-11-30"}, Supervisor());
  EXPECT_EQ(events, (Events{AssignmentReassigned{1, kEducation, kHealth, "职责调整", "2021-11-30"}}));
  EXPECT_EQ(A(1, kHealth).due_on, "2021-11-30");
  EXPECT_EQ(A(1, kHealth).status, AssignmentStatus::kAssigned);
  EXPECT_FALSE(A(1, kHealth).overdue);
  EXPECT_EQ(A(1, kFinance).due_on, "2021-10-31") << "the task's other units keep theirs";
}

TEST_F(DomainTest, WorkMovedBeforeItsDateKeepsItUnlessGivenAnother) {
  GivenPlan();
  EXPECT_EQ(Do(Reassign{1, kEducation, kHealth, "职责调整", "2021-10-31"}, Supervisor()),
            (Events{AssignmentReassigned{1, kEducation, kHealth, "职责调整", ""}}))
      << "the date it has is no new date";
  EXPECT_EQ(A(1, kHealth).due_on, "2021-10-31");
  Do(Return{1, kHealth, "不属本单位职责"}, UnitActor(kHealth));
  EXPECT_EQ(Do(ResolveReturn{1, kHealth, kPolice, "改由公安局承担", "2021-12-15"}, Supervisor()),
            (Events{AssignmentReassigned{1, kHealth, kPolice, "改由公安局承担", "2021-12-15"}}));
  EXPECT_EQ(A(1, kPolice).due_on, "2021-12-15");
}

TEST_F(DomainTest, AReturnAcceptedAfterItsDateMovesOnlyWithANewDateAndAMergeTakesNone) {
  GivenPlan();
  Do(Return{1, kEducation, "不属本单位职责"}, UnitActor(kEducation));
  now = At("2021-11-08");
  EXPECT_TRUE(IsRejection(When(ResolveReturn{1, kEducation, kHealth, "改由卫健局承担"}, Supervisor()),
                          reason::kInvalidArgument));
  auto merged = When(ResolveReturn{1, kEducation, kFinance, "并入牵头单位", "2021-12-31"}, Supervisor());
  ASSERT_TRUE(IsRejection(merged, reason::kInvalidArgument)) << "the unit's own assignment keeps its own date";
  EXPECT_NE(merged.status().message().find("set-deadline"), std::string::npos) << merged.status().message();
  EXPECT_TRUE(IsRejection(When(ResolveReturn{1, kEducation, "", "同意退回", "2021-12-31"}, Supervisor()),
                          reason::kInvalidArgument))
      << "a return dropped goes to no unit: a date with it is not silently lost";
  EXPECT_EQ(Do(ResolveReturn{1, kEducation, kFinance, "并入牵头单位"}, Supervisor()).size(), 1u)
      << "a merge without a date is taken: the lead's own date goes on";
}

TEST_F(DomainTest, WorkIsNotMovedOntoAUnitThatReturnedItOrCompletedItsPart) {
  GivenPlan();
  Do(Return{1, kEducation, "不属本单位职责"}, UnitActor(kEducation));
  auto onto_return = When(Reassign{1, kFinance, kEducation, "改由教育局承担"}, Supervisor());
  ASSERT_TRUE(IsRejection(onto_return, reason::kInvalidTransition));
  EXPECT_NE(onto_return.status().message().find("不属本单位职责"), std::string::npos)
      << "its return, unanswered, is named: " << onto_return.status().message();
  Do(Return{1, kFinance, "应由教育局牵头"}, UnitActor(kFinance));
  EXPECT_TRUE(IsRejection(When(ResolveReturn{1, kFinance, kEducation, "改由教育局牵头"}, Supervisor()),
                          reason::kInvalidTransition))
      << "two returns: neither is the answer to the other";
  Do(ResolveReturn{1, kEducation, "", "同意退回"}, Supervisor());
  EXPECT_EQ(Do(ResolveReturn{1, kFinance, kEducation, "改由教育局牵头"}, Supervisor()),
            (Events{AssignmentReassigned{1, kFinance, kEducation, "改由教育局牵头", ""}}))
      << "once its return is answered the work may go to it";
}

TEST_F(DomainTest, AReturnIsNotMergedIntoAPartHandedInAndAwaitingReview) {
  GivenPlan();
  GivenSubmitted(1, kFinance);
  Do(Return{1, kEducation, "应由牵头单位统筹"}, UnitActor(kEducation));
  auto r = When(ResolveReturn{1, kEducation, kFinance, "并入牵头单位"}, Supervisor());
  ASSERT_TRUE(IsRejection(r, reason::kInvalidTransition))
      << "approving the hand-in would close work the unit never reported on";
  EXPECT_NE(r.status().message().find("awaits review"), std::string::npos) << r.status().message();
  Do(Reject{1, kFinance, "请一并办理教育局退回的工作"}, Supervisor());
  EXPECT_EQ(Do(ResolveReturn{1, kEducation, kFinance, "并入牵头单位"}, Supervisor()).size(), 1u)
      << "sent back to work, it takes the merged work";
}

TEST_F(DomainTest, WorkIsNotMovedOntoAPartItsUnitCompleted) {
  GivenPlan();
  GivenCompleted(1, kEducation);
  auto r = When(Reassign{1, kFinance, kEducation, "调整"}, Supervisor());
  ASSERT_TRUE(IsRejection(r, reason::kAssignmentExists)) << "a completed part is not replaced by moved work";
  EXPECT_NE(r.status().message().find("reopen"), std::string::npos) << r.status().message();
  EXPECT_EQ(A(1, kEducation).status, AssignmentStatus::kCompleted);
}

// ---- instructions and comments --------------------------------------------------------

TEST_F(DomainTest, AnInstructionOnATaskAndACommentOnAnAssignmentAreRecordedAndChangeNoState) {
  GivenPlan();
  GivenCompleted(2, kPolice);
  const PlanState before = state;
  EXPECT_EQ(Do(AddNote{1, "", "instruction", "请各单位抓紧推进。——张副市长"}, Supervisor()),
            (Events{NoteAdded{1, "", "instruction", "请各单位抓紧推进。——张副市长"}}));
  EXPECT_EQ(Do(AddNote{1, kFinance, "comment", "请补充佐证材料"}, Supervisor()),
            (Events{NoteAdded{1, kFinance, "comment", "请补充佐证材料"}}));
  EXPECT_EQ(Do(AddNote{2, kPolice, "comment", "回头看：成效明显"}, Supervisor()).size(), 1u)
      << "a closed task or assignment may be commented on";
  EXPECT_EQ(state.assignments, before.assignments);
  EXPECT_EQ(state.tasks, before.tasks);
}

TEST_F(DomainTest, TheOfficeUrgesAUnitOnAnAssignmentInItsHandsWithOrWithoutWords) {
  GivenPlan();
  GivenInProgress(1, kFinance);
  now = At("2021-04-20");
  const PlanState before = state;
  EXPECT_EQ(Do(AddNote{1, kEducation, "urge", ""}, Supervisor()), (Events{NoteAdded{1, kEducation, "urge", ""}}))
      << "not yet accepted: urged to accept";
  EXPECT_EQ(Do(AddNote{1, kFinance, "urge", "请于本周内报送进展"}, Supervisor()),
            (Events{NoteAdded{1, kFinance, "urge", "请于本周内报送进展"}}));
  for (const std::string& unit : {kEducation, kFinance}) {
    EXPECT_EQ(A(1, unit).status, before.assignments.at({1, unit}).status) << "the lifecycle is untouched";
    EXPECT_EQ(A(1, unit).last_act_at, now) << "the office's act: its silence counts again from it";
  }
}

// ---- schedules (每季度报送) ---------------------------------------------------------

FireTimer ScheduledAsk(int32_t task, const std::string& unit, const std::string& checkpoint, Instant armed_at) {
  FireTimer f{task, unit, TimerKind::kScheduledReport, checkpoint};
  f.cycle_id = "schedule:" + std::to_string(task) + ":" + checkpoint;
  f.armed_at = armed_at;
  return f;
}

TEST_F(DomainTest, AScheduleSetOnATaskIsRecordedWithItsYearAndWhenItWasSet) {
  GivenPlan();
  auto events = Do(SetSchedule{3, "quarter:01", "方案要求每季度报送", 0}, Supervisor());
  EXPECT_EQ(events, (Events{ScheduleSet{3, "", "quarter:1", 2021, "方案要求每季度报送"}}))
      << "the recurrence in its one spelling, the plan's year";
  EXPECT_EQ(state.tasks.at(3).deadline.recurrence, "quarter:1");
  EXPECT_EQ(state.tasks.at(3).schedule_year, 2021);
  EXPECT_EQ(state.tasks.at(3).schedule_set_at, now);
  EXPECT_EQ(Do(SetSchedule{3, "month:1", "改为每月", 2022}, Supervisor()),
            (Events{ScheduleSet{3, "quarter:1", "month:1", 2022, "改为每月"}}));
  EXPECT_EQ(Do(SetSchedule{3, "year:2", "改为每半年", 2022}, Supervisor()),
            (Events{ScheduleSet{3, "month:1", "half_year:1", 2022, "改为每半年"}}))
      << "twice a year is written as its spacing, so its notice days are a half-year's";
  EXPECT_EQ(Do(SetSchedule{3, "", "不再报送", 0}, Supervisor()),
            (Events{ScheduleSet{3, "half_year:1", "", 0, "不再报送"}}));
  EXPECT_TRUE(state.tasks.at(3).deadline.recurrence.empty());
  EXPECT_EQ(state.tasks.at(3).schedule_set_at, 0);
}

// A schedule asks only before each unit's own date: one whose checkpoints
// all fall on or after every open unit's date would be announced and ask
// nothing, so it is refused with the latest date (task 2 is due 2021-12-31).
TEST_F(DomainTest, AScheduleThatCouldAskNothingBeforeTheUnitsDatesIsRefused) {
  GivenPlan();
  const auto refused = When(SetSchedule{2, "month:1", "逾期后按月报送", 2022}, Supervisor());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kRejected);
  EXPECT_NE(refused.status().message().find("comes before the units' own dates (the latest 2021-12-31)"),
            std::string::npos)
      << refused.status().message();
  EXPECT_TRUE(state.tasks.at(2).deadline.recurrence.empty()) << "nothing recorded";
  EXPECT_EQ(Do(SetSchedule{2, "quarter:1", "按季度报送", 0}, Supervisor()).size(), 1u)
      << "2021's checkpoints before 12-31 are asked";
}

TEST_F(DomainTest, AScheduledAskStartsTheCheckpointsCycleOnceAndAsksEachUnitOnce) {
  GivenPlan();
  Do(SetSchedule{1, "quarter:1", "按方案", 0}, Supervisor());
  const Instant set_at = now;
  EXPECT_EQ(Do(ScheduledAsk(1, kFinance, "2021-06-30", set_at), Clock()),
            (Events{ReviewCycleStarted{"schedule:1:2021-06-30", "task:1", "quarterly", "2021-06-30"},
                    ProgressReportRequested{"schedule:1:2021-06-30", 1, kFinance, "2021-06-30"}}));
  EXPECT_EQ(Do(ScheduledAsk(1, kEducation, "2021-06-30", set_at), Clock()),
            (Events{ProgressReportRequested{"schedule:1:2021-06-30", 1, kEducation, "2021-06-30"}}))
      << "the cycle exists: only the ask";
  EXPECT_EQ(Do(ScheduledAsk(1, kFinance, "2021-06-30", set_at), Clock()), Events{}) << "asked already";
}

TEST_F(DomainTest, AScheduledAskIsStaleOnceTheScheduleChangedOrTheAskNoLongerHolds) {
  GivenPlan();
  Do(SetSchedule{1, "quarter:1", "按方案", 0}, Supervisor());
  const Instant first = now;
  EXPECT_EQ(Do(ScheduledAsk(1, kFinance, "2021-06-15", first), Clock()), Events{}) << "not a checkpoint";
  now += 60000;
  Do(SetSchedule{1, "half_year:1", "改为半年", 0}, Supervisor());
  EXPECT_EQ(Do(ScheduledAsk(1, kFinance, "2021-06-30", first), Clock()), Events{}) << "armed by the old schedule";
  GivenSubmitted(1, kEducation);
  EXPECT_EQ(Do(ScheduledAsk(1, kEducation, "2021-06-30", now), Clock()), Events{}) << "waits for review";
  Do(ScheduledAsk(1, kFinance, "2021-06-30", state.tasks.at(1).schedule_set_at), Clock());
  Do(CloseReviewCycle{"schedule:1:2021-06-30"}, Supervisor());
  Do(Reject{1, kEducation, "不全"}, Supervisor());
  EXPECT_EQ(Do(ScheduledAsk(1, kEducation, "2021-06-30", state.tasks.at(1).schedule_set_at), Clock()), Events{})
      << "the office closed the checkpoint's cycle";
  Do(SetSchedule{1, "", "停止", 0}, Supervisor());
  EXPECT_EQ(Do(ScheduledAsk(1, kFinance, "2021-12-31", 0), Clock()), Events{}) << "stopped";
}

}  // namespace
}  // namespace duban::core
