// Decide and Evolve through the assignment lifecycle, given/when/then: the
// import, each step from assigned to completed, extensions, cancelling and
// withdrawing. No disk, no clock.
#include <gtest/gtest.h>

#include "domain_fixture.h"

namespace duban::core {
namespace {

// ---- import ---------------------------------------------------------------------

TEST_F(DomainTest, ImportingAPlanRecordsThePlanItsTasksAndOneAssignmentPerUnitAndTask) {
  auto r = When(SamplePlan(), Supervisor());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Events expected = {
      SamplePlan().plan,
      TaskAdded{1, {"一、重点任务"}, "推进决策公开", "全面推进决策公开", SamplePlan().tasks[0].deadline},
      AssignmentCreated{1, kFinance, AssignmentRole::kLead, "2021-10-31"},
      AssignmentCreated{1, kEducation, AssignmentRole::kResponsible, "2021-10-31"},
      TaskAdded{2, {"一、重点任务"}, "加强政策解读", "加强政策解读", SamplePlan().tasks[1].deadline},
      AssignmentCreated{2, kPolice, AssignmentRole::kResponsible, "2021-12-31"},
      TaskAdded{3, {"二、保障措施"}, "强化督促检查", "强化督促检查", SamplePlan().tasks[2].deadline},
      AssignmentCreated{3, kFinance, AssignmentRole::kLead, ""},
  };
  EXPECT_EQ(*r, expected) << "a unit named as lead and responsible holds one (lead) assignment";
}

TEST_F(DomainTest, AnImportedPlanExistsWithItsUnitsTasksAndAssignedAssignments) {
  GivenPlan();
  EXPECT_TRUE(state.exists);
  EXPECT_EQ(state.id, "p1");
  EXPECT_EQ(state.version, 8u);
  EXPECT_EQ(state.units, (std::set<std::string>{kFinance, kEducation, kPolice, kHealth}));
  EXPECT_EQ(state.tasks.size(), 3u);
  EXPECT_EQ(state.assignments.size(), 4u);
  EXPECT_EQ(A(1, kFinance).status, AssignmentStatus::kAssigned);
  EXPECT_EQ(A(1, kFinance).due_on, "2021-10-31");
  EXPECT_EQ(A(1, kFinance).due_set_at, now);
  EXPECT_EQ(A(3, kFinance).due_on, "");
}

TEST_F(DomainTest, AddingATaskCreatesItAndItsAssignments) {
  GivenPlan();
  ImportTask t{4, {"三"}, "新任务", "内容", Deadline{"6月底前", "2021-06-30", "", false, "cn-1"}, {kHealth}, {}};
  auto events = Do(AddTask{t}, Supervisor());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(std::get<AssignmentCreated>(events[1]),
            (AssignmentCreated{4, kHealth, AssignmentRole::kLead, "2021-06-30"}));
  EXPECT_EQ(A(4, kHealth).status, AssignmentStatus::kAssigned);
}

// ---- the assignment lifecycle ------------------------------------------------

TEST_F(DomainTest, AssigningAUnitCreatesAnAssignmentDueWhenTheTaskIsDue) {
  GivenPlan();
  auto events = Do(Assign{2, kHealth, AssignmentRole::kLead}, Supervisor());
  EXPECT_EQ(events, (Events{AssignmentCreated{2, kHealth, AssignmentRole::kLead, "2021-12-31"}}));
  EXPECT_EQ(A(2, kHealth).status, AssignmentStatus::kAssigned);
  EXPECT_EQ(A(2, kHealth).role, AssignmentRole::kLead);
}

TEST_F(DomainTest, AcceptingMovesAnAssignmentFromAssignedToAccepted) {
  GivenPlan();
  auto events = Do(Accept{1, kFinance}, UnitActor(kFinance));
  EXPECT_EQ(events, (Events{AssignmentAccepted{1, kFinance}}));
  EXPECT_EQ(A(1, kFinance).status, AssignmentStatus::kAccepted);
  EXPECT_EQ(A(1, kFinance).updated_seq, state.version);
}

TEST_F(DomainTest, ReturningMovesAnAssignmentFromAssignedToReturnedWithTheReason) {
  GivenPlan();
  auto events = Do(Return{1, kEducation, "不属本单位职责"}, UnitActor(kEducation));
  EXPECT_EQ(events, (Events{AssignmentReturned{1, kEducation, "不属本单位职责"}}));
  EXPECT_EQ(A(1, kEducation).status, AssignmentStatus::kReturned);
  EXPECT_EQ(A(1, kEducation).last_reason, "不属本单位职责");
}

TEST_F(DomainTest, AReturnedAssignmentMayBeAssignedAgain) {
  GivenPlan();
  Do(Return{1, kEducation, "不属本单位职责"}, UnitActor(kEducation));
  Do(Assign{1, kEducation, AssignmentRole::kResponsible}, Supervisor());
  EXPECT_EQ(A(1, kEducation).status, AssignmentStatus::kAssigned);
}

TEST_F(DomainTest, ReportingProgressMovesAnAcceptedAssignmentToInProgress) {
  GivenPlan();
  GivenAccepted(1, kFinance);
  auto events = Do(ReportProgress{1, kFinance, 30, "已起草", "草稿.docx", "张三", "0751-1"}, UnitActor(kFinance));
  EXPECT_EQ(events, (Events{ProgressReported{1, kFinance, 30, "已起草", "草稿.docx", "张三", "0751-1"}}));
  EXPECT_EQ(A(1, kFinance).status, AssignmentStatus::kInProgress);
  EXPECT_EQ(A(1, kFinance).percent, 30);
  EXPECT_EQ(A(1, kFinance).reports, 1);
}

TEST_F(DomainTest, ReportingProgressAgainKeepsItInProgressAndCountsTheReports) {
  GivenPlan();
  GivenInProgress(1, kFinance);
  Do(ReportProgress{1, kFinance, 80, "基本完成", "", "", ""}, UnitActor(kFinance));
  EXPECT_EQ(A(1, kFinance).status, AssignmentStatus::kInProgress);
  EXPECT_EQ(A(1, kFinance).percent, 80);
  EXPECT_EQ(A(1, kFinance).reports, 2);
}

TEST_F(DomainTest, SubmittingMovesAnInProgressAssignmentToSubmitted) {
  GivenPlan();
  GivenInProgress(1, kFinance);
  auto events = Do(Submit{1, kFinance, "已完成", "报告.pdf"}, UnitActor(kFinance));
  EXPECT_EQ(events, (Events{CompletionSubmitted{1, kFinance, "已完成", "报告.pdf"}}));
  EXPECT_EQ(A(1, kFinance).status, AssignmentStatus::kSubmitted);
}

TEST_F(DomainTest, SubmittingStraightFromAcceptedIsAllowed) {
  GivenPlan();
  GivenAccepted(1, kFinance);
  Do(Submit{1, kFinance, "已完成", ""}, UnitActor(kFinance));
  EXPECT_EQ(A(1, kFinance).status, AssignmentStatus::kSubmitted);
}

TEST_F(DomainTest, ApprovingTheLastOpenAssignmentCompletesItAndTheTask) {
  GivenPlan();
  GivenSubmitted(2, kPolice);
  auto events = Do(Approve{2, kPolice, "同意销号"}, Supervisor());
  EXPECT_EQ(events, (Events{CompletionApproved{2, kPolice, "同意销号"}, TaskCompleted{2}}));
  EXPECT_EQ(A(2, kPolice).status, AssignmentStatus::kCompleted);
  EXPECT_EQ(A(2, kPolice).percent, 100);
  EXPECT_TRUE(state.tasks.at(2).completed);
}

TEST_F(DomainTest, ApprovingOneOfTwoOpenAssignmentsLeavesTheTaskOpen) {
  GivenPlan();
  GivenSubmitted(1, kFinance);
  auto events = Do(Approve{1, kFinance, ""}, Supervisor());
  EXPECT_EQ(events, (Events{CompletionApproved{1, kFinance, ""}}));
  EXPECT_FALSE(state.tasks.at(1).completed);
}

TEST_F(DomainTest, ApprovingWhenTheOtherUnitReturnedItsShareCompletesTheTask) {
  GivenPlan();
  Do(Return{1, kEducation, "不属本单位职责"}, UnitActor(kEducation));
  GivenSubmitted(1, kFinance);
  auto events = Do(Approve{1, kFinance, ""}, Supervisor());
  EXPECT_EQ(events.back(), EventBody{TaskCompleted{1}});
}

TEST_F(DomainTest, ApprovingAnEscalatedAssignmentAlsoClearsTheEscalation) {
  GivenPlan();
  GivenAccepted(2, kPolice);
  GivenOverdue(2, kPolice);
  Do(FireTimer{2, kPolice, TimerKind::kEscalation, "2021-12-31", 2, "通报批评", 0, {"督查室"}}, Clock());
  Do(Submit{2, kPolice, "完成", ""}, UnitActor(kPolice));
  auto events = Do(Approve{2, kPolice, ""}, Supervisor());
  EXPECT_EQ(events, (Events{CompletionApproved{2, kPolice, ""}, EscalationCleared{2, kPolice, 2, "completed"},
                            TaskCompleted{2}}));
  EXPECT_EQ(A(2, kPolice).escalation_level, 0);
}

TEST_F(DomainTest, RejectingASubmissionSendsItBackToInProgressWithTheReason) {
  GivenPlan();
  GivenSubmitted(1, kFinance);
  auto events = Do(Reject{1, kFinance, "材料不全"}, Supervisor());
  EXPECT_EQ(events, (Events{CompletionRejected{1, kFinance, "材料不全"}}));
  EXPECT_EQ(A(1, kFinance).status, AssignmentStatus::kInProgress);
  EXPECT_EQ(A(1, kFinance).last_reason, "材料不全");
  Do(Submit{1, kFinance, "补充材料", ""}, UnitActor(kFinance));
  EXPECT_EQ(A(1, kFinance).status, AssignmentStatus::kSubmitted) << "and it can be submitted again";
}

TEST_F(DomainTest, ReassigningMovesTheAssignmentWithItsRoleAndDueDateToTheNewUnit) {
  GivenPlan();
  GivenInProgress(1, kEducation);
  auto events = Do(Reassign{1, kEducation, kHealth, "职责调整"}, Supervisor());
  EXPECT_EQ(events, (Events{AssignmentReassigned{1, kEducation, kHealth, "职责调整"}}));
  EXPECT_EQ(A(1, kEducation).status, AssignmentStatus::kCancelled);
  EXPECT_EQ(A(1, kEducation).last_reason, "职责调整");
  EXPECT_EQ(A(1, kHealth).status, AssignmentStatus::kAssigned);
  EXPECT_EQ(A(1, kHealth).role, AssignmentRole::kResponsible);
  EXPECT_EQ(A(1, kHealth).due_on, "2021-10-31");
  EXPECT_TRUE(IsRejection(When(Accept{1, kEducation}, UnitActor(kEducation)), reason::kAssignmentNotFound))
      << "the old unit no longer holds it";
  EXPECT_TRUE(When(Accept{1, kHealth}, UnitActor(kHealth)).ok());
}

// ---- extensions -------------------------------------------------------------------

TEST_F(DomainTest, RequestingAnExtensionLeavesItPendingWithTheOffice) {
  GivenPlan();
  GivenInProgress(1, kFinance);
  auto events = Do(RequestExtension{1, kFinance, "2021-11-30", "需上级批复"}, UnitActor(kFinance));
  EXPECT_EQ(events, (Events{ExtensionRequested{1, kFinance, "2021-11-30", "需上级批复"}}));
  EXPECT_EQ(A(1, kFinance).pending_extension, "2021-11-30");
  EXPECT_EQ(A(1, kFinance).due_on, "2021-10-31");
}

TEST_F(DomainTest, AnExtensionOfOneDayIsTheShortestAccepted) {
  GivenPlan();  // 财政 on task 1 is due 2021-10-31
  EXPECT_TRUE(IsRejection(When(RequestExtension{1, kFinance, "2021-10-31", "原因"}, UnitActor(kFinance)),
                          reason::kInvalidArgument));
  auto events = Do(RequestExtension{1, kFinance, "2021-11-01", "原因"}, UnitActor(kFinance));
  EXPECT_EQ(events, (Events{ExtensionRequested{1, kFinance, "2021-11-01", "原因"}}));
}

// An extension to a day already past gives no time; granted, it would only
// clear a late unit's escalation (约谈 back to nothing) and start its ladder
// again. Asked for or granted, it is refused; a day to come is not.
TEST_F(DomainTest, AnExtensionToADayAlreadyPastIsRefusedAskedForOrGranted) {
  GivenPlan();  // 财政 on task 1 is due 2021-10-31
  GivenOverdue(1, kFinance);
  now = At("2021-11-20");
  auto asked = When(RequestExtension{1, kFinance, "2021-11-19", "原因"}, UnitActor(kFinance));
  ASSERT_TRUE(IsRejection(asked, reason::kInvalidArgument));
  EXPECT_NE(asked.status().message().find("2021-11-19 is already past (today is 2021-11-20)"), std::string::npos)
      << asked.status().message();
  Do(RequestExtension{1, kFinance, "2021-11-30", "需上级批复"}, UnitActor(kFinance));
  EXPECT_TRUE(IsRejection(When(GrantExtension{1, kFinance, "2021-11-15"}, Supervisor()), reason::kInvalidArgument));
  EXPECT_TRUE(A(1, kFinance).overdue) << "nothing changed";
  auto events = Do(GrantExtension{1, kFinance, "2021-11-20"}, Supervisor());
  EXPECT_EQ(events, (Events{ExtensionGranted{1, kFinance, "2021-11-20"}})) << "today is still to come";
}

TEST_F(DomainTest, GrantingAnExtensionMovesTheDueDateAndClearsOverdueAndReminders) {
  GivenPlan();
  GivenAccepted(1, kFinance);
  Do(FireTimer{1, kFinance, TimerKind::kReminder, "2021-10-31", 0, "", 3}, Clock());
  GivenOverdue(1, kFinance);
  Do(RequestExtension{1, kFinance, "2021-11-30", "需上级批复"}, UnitActor(kFinance));
  now = At("2021-11-02");
  auto events = Do(GrantExtension{1, kFinance, ""}, Supervisor());
  EXPECT_EQ(events, (Events{ExtensionGranted{1, kFinance, "2021-11-30"}}));
  const auto& a = A(1, kFinance);
  EXPECT_EQ(a.due_on, "2021-11-30");
  EXPECT_EQ(a.due_set_at, now);
  EXPECT_EQ(a.pending_extension, "");
  EXPECT_FALSE(a.overdue);
  EXPECT_EQ(a.reminded_days, 0);
}

TEST_F(DomainTest, GrantingAnExtensionWithAnotherDateUsesTheOfficesDate) {
  GivenPlan();
  Do(RequestExtension{1, kFinance, "2021-12-31", "需上级批复"}, UnitActor(kFinance));
  auto events = Do(GrantExtension{1, kFinance, "2021-11-30"}, Supervisor());
  EXPECT_EQ(events, (Events{ExtensionGranted{1, kFinance, "2021-11-30"}}));
  EXPECT_EQ(A(1, kFinance).due_on, "2021-11-30");
}

TEST_F(DomainTest, GrantingAnExtensionToAnEscalatedAssignmentClearsTheEscalation) {
  GivenPlan();
  GivenOverdue(1, kFinance);
  Do(FireTimer{1, kFinance, TimerKind::kEscalation, "2021-10-31", 1, "督促整改", 0, {}}, Clock());
  Do(RequestExtension{1, kFinance, "2021-11-30", "需上级批复"}, UnitActor(kFinance));
  auto events = Do(GrantExtension{1, kFinance, ""}, Supervisor());
  EXPECT_EQ(events, (Events{ExtensionGranted{1, kFinance, "2021-11-30"},
                            EscalationCleared{1, kFinance, 1, "extension granted"}}));
  EXPECT_EQ(A(1, kFinance).escalation_level, 0);
}

TEST_F(DomainTest, DenyingAnExtensionClearsTheRequestAndKeepsTheDueDate) {
  GivenPlan();
  Do(RequestExtension{1, kFinance, "2021-11-30", "需上级批复"}, UnitActor(kFinance));
  auto events = Do(DenyExtension{1, kFinance, "理由不充分"}, Supervisor());
  EXPECT_EQ(events, (Events{ExtensionDenied{1, kFinance, "理由不充分"}}));
  EXPECT_EQ(A(1, kFinance).pending_extension, "");
  EXPECT_EQ(A(1, kFinance).due_on, "2021-10-31");
  EXPECT_EQ(A(1, kFinance).last_reason, "理由不充分");
}

// ---- cancelling and withdrawing -------------------------------------------------

TEST_F(DomainTest, CancellingATaskCancelsItsOpenAssignmentsButNotCompletedOnes) {
  GivenPlan();
  GivenCompleted(1, kFinance);
  auto events = Do(CancelTask{1, "任务合并"}, Supervisor());
  EXPECT_EQ(events, (Events{TaskCancelled{1, "任务合并"}}));
  EXPECT_TRUE(state.tasks.at(1).cancelled);
  EXPECT_EQ(A(1, kFinance).status, AssignmentStatus::kCompleted);
  EXPECT_EQ(A(1, kEducation).status, AssignmentStatus::kCancelled);
  EXPECT_EQ(A(2, kPolice).status, AssignmentStatus::kAssigned) << "other tasks are untouched";
}

TEST_F(DomainTest, WithdrawingAPlanCancelsEveryOpenOrSubmittedAssignmentAndFreezesThePlan) {
  GivenPlan();
  GivenCompleted(2, kPolice);
  GivenSubmitted(1, kFinance);
  auto events = Do(WithdrawPlan{"方案废止"}, Supervisor());
  EXPECT_EQ(events, (Events{PlanWithdrawn{"方案废止"}}));
  EXPECT_TRUE(state.withdrawn);
  EXPECT_EQ(A(1, kFinance).status, AssignmentStatus::kCancelled);
  EXPECT_EQ(A(1, kEducation).status, AssignmentStatus::kCancelled);
  EXPECT_EQ(A(3, kFinance).status, AssignmentStatus::kCancelled);
  EXPECT_EQ(A(2, kPolice).status, AssignmentStatus::kCompleted);
  EXPECT_TRUE(IsRejection(When(Accept{3, kFinance}, UnitActor(kFinance)), reason::kPlanWithdrawn));
  EXPECT_TRUE(IsRejection(When(WithdrawPlan{"再次"}, Supervisor()), reason::kPlanWithdrawn));
}

}  // namespace
}  // namespace duban::core
