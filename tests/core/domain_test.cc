// Decide and Evolve, given/when/then: every transition of the assignment
// lifecycle, the timers, review cycles, roles, optimistic concurrency, and
// every rejection reason code of domain.h. No disk, no clock.
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "duban/core/domain.h"
#include "test_support.h"

namespace duban::core {
namespace {

using namespace duban::testing;
using namespace duban::schemas;
using Events = std::vector<EventBody>;

class DomainTest : public ::testing::Test {
 public:
  PlanState state;
  Instant now = At("2021-03-20");
  int next_id = 1;
  std::vector<Event> applied;  // every event Apply evolved `state` with, in order

  Command Cmd(CommandBody body, Actor actor) {
    Command c;
    c.command_id = "cmd-" + std::to_string(next_id++);
    c.plan_id = "p1";
    c.actor = std::move(actor);
    c.issued_at = now;
    c.body = std::move(body);
    return c;
  }

  Result<Events> When(CommandBody body, Actor actor) { return Decide(state, Cmd(std::move(body), std::move(actor))); }

  void Apply(const EventBody& body, const Actor& actor = Supervisor(), const std::string& back_entry = "") {
    Event e;
    e.stream = "p1";
    e.stream_seq = state.version + 1;
    e.type = std::holds_alternative<UnknownEvent>(body) ? std::get<UnknownEvent>(body).type
                                                         : static_cast<uint16_t>(TypeOf(body));
    e.occurred_at = now;
    e.recorded_at = now;
    e.actor = actor;
    e.hash = "h" + std::to_string(e.stream_seq);
    e.prev_hash = state.last_hash;
    e.body = body;
    e.back_entry_reason = back_entry;
    Evolve(state, e);
    applied.push_back(std::move(e));
  }

  // Decides a command that must be accepted, and applies its events.
  Events Do(CommandBody body, Actor actor) {
    auto r = When(std::move(body), actor);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    for (const auto& e : *r) Apply(e, actor);
    return *r;
  }

  const AssignmentState& A(int32_t task, const std::string& unit) { return state.assignments.at({task, unit}); }

  void GivenPlan() { Do(SamplePlan(), Supervisor()); }
  void GivenAccepted(int32_t task, const std::string& unit) { Do(Accept{task, unit}, UnitActor(unit)); }
  void GivenInProgress(int32_t task, const std::string& unit) {
    GivenAccepted(task, unit);
    Do(ReportProgress{task, unit, 50, "过半", "", "张三", "123"}, UnitActor(unit));
  }
  void GivenSubmitted(int32_t task, const std::string& unit) {
    GivenInProgress(task, unit);
    Do(Submit{task, unit, "完成", "报告.pdf"}, UnitActor(unit));
  }
  void GivenCompleted(int32_t task, const std::string& unit) {
    GivenSubmitted(task, unit);
    Do(Approve{task, unit, "同意"}, Supervisor());
  }
  void GivenOverdue(int32_t task, const std::string& unit) {
    Do(FireTimer{task, unit, TimerKind::kMissed, A(task, unit).due_on}, Clock());
    ASSERT_TRUE(A(task, unit).overdue);
  }
};

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
  EXPECT_EQ(std::get<AssignmentCreated>(events[1]), (AssignmentCreated{4, kHealth, AssignmentRole::kLead, "2021-06-30"}));
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
  EXPECT_EQ(Do(FireTimer{1, kFinance, TimerKind::kReminder, "2021-10-31", 0, "", 5}, Clock()), Events{})
      << "the same reminder again is stale";
  EXPECT_EQ(Do(FireTimer{1, kFinance, TimerKind::kReminder, "2021-10-31", 0, "", 7}, Clock()), Events{})
      << "an earlier reminder arriving late is stale";
  EXPECT_EQ(Do(FireTimer{1, kFinance, TimerKind::kReminder, "2021-10-31", 0, "", 1}, Clock()),
            (Events{DeadlineApproaching{1, kFinance, "2021-10-31", 1}}));
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
  GivenSubmitted(1, kFinance);                                   // submitted
  GivenCompleted(2, kPolice);                                    // completed
  Do(Return{1, kEducation, "不属本单位职责"}, UnitActor(kEducation));  // returned
  EXPECT_EQ(Do(FireTimer{1, kFinance, TimerKind::kMissed, "2021-10-31"}, Clock()), Events{});
  EXPECT_EQ(Do(FireTimer{2, kPolice, TimerKind::kMissed, "2021-12-31"}, Clock()), Events{});
  EXPECT_EQ(Do(FireTimer{1, kEducation, TimerKind::kMissed, "2021-10-31"}, Clock()), Events{});
  EXPECT_EQ(Do(FireTimer{9, kHealth, TimerKind::kMissed, "2021-10-31"}, Clock()), Events{}) << "no such assignment";
  Do(CancelTask{3, "合并"}, Supervisor());
  EXPECT_EQ(Do(FireTimer{3, kFinance, TimerKind::kReminder, "", 0, "", 2}, Clock()), Events{}) << "cancelled";
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

// ---- roles ------------------------------------------------------------------------

TEST_F(DomainTest, AnAuditorCanWriteNothing) {
  GivenPlan();
  std::vector<CommandBody> all = {SamplePlan(), AddTask{}, CancelTask{1, "x y"}, WithdrawPlan{"x y"},
                                  Assign{2, kHealth}, Accept{1, kFinance}, Return{1, kFinance, "x"},
                                  Reassign{1, kEducation, kHealth, "x"}, ReportProgress{1, kFinance, 1, "x"},
                                  Submit{1, kFinance}, Approve{1, kFinance}, Reject{1, kFinance, "x"},
                                  RequestExtension{1, kFinance, "2021-12-01", "x"}, GrantExtension{1, kFinance},
                                  DenyExtension{1, kFinance, "x"}, FireTimer{1, kFinance, TimerKind::kMissed, "2021-10-31"},
                                  StartReviewCycle{"c", "", "", "2021-06-30", ""}, CloseReviewCycle{"c"},
                                  ReopenAssignment{1, kFinance, "x y", "c"}};
  ASSERT_EQ(all.size(), std::variant_size_v<CommandBody>);
  for (const auto& body : all) {
    Actor auditor = Auditor();
    auditor.id = kFinance;  // even under a unit's name
    EXPECT_TRUE(IsRejection(When(body, auditor), reason::kForbiddenRole)) << CommandName(body);
  }
}

TEST_F(DomainTest, OnlyTheSupervisorMayRunTheOfficesCommands) {
  GivenPlan();
  GivenSubmitted(1, kFinance);
  Do(RequestExtension{2, kPolice, "2022-01-31", "原因"}, UnitActor(kPolice));
  Do(StartReviewCycle{"Q2", "", "quarterly", "2021-06-30", ""}, Supervisor());
  std::vector<CommandBody> office = {
      SamplePlan(), AddTask{ImportTask{9, {}, "t", "c", {}, {}, {}}}, CancelTask{3, "合并 任务"},
      WithdrawPlan{"废止"}, Assign{2, kHealth}, Reassign{2, kPolice, kHealth, "调整"}, Approve{1, kFinance},
      Reject{1, kFinance, "不全"}, GrantExtension{2, kPolice}, DenyExtension{2, kPolice, "不准"},
      StartReviewCycle{"Q3", "", "quarterly", "2021-09-30", ""}, CloseReviewCycle{"Q2"}};
  for (const auto& body : office) {
    EXPECT_TRUE(IsRejection(When(body, UnitActor(kFinance)), reason::kForbiddenRole)) << CommandName(body);
    EXPECT_TRUE(IsRejection(When(body, Clock()), reason::kForbiddenRole)) << CommandName(body);
  }
}

TEST_F(DomainTest, OnlyAUnitMayActOnAnAssignmentNotTheSupervisorOrTheClock) {
  GivenPlan();
  GivenAccepted(2, kPolice);
  std::vector<CommandBody> unit_only = {Accept{1, kFinance}, Return{1, kFinance, "不属"},
                                        ReportProgress{2, kPolice, 10, "进展"}, Submit{2, kPolice},
                                        RequestExtension{2, kPolice, "2022-01-31", "原因"}};
  for (const auto& body : unit_only) {
    EXPECT_TRUE(IsRejection(When(body, Supervisor()), reason::kForbiddenRole)) << CommandName(body);
    EXPECT_TRUE(IsRejection(When(body, Clock()), reason::kForbiddenRole)) << CommandName(body);
  }
}

TEST_F(DomainTest, AUnitActsOnItsOwnAssignmentsOnly) {
  GivenPlan();
  GivenAccepted(2, kPolice);
  std::vector<CommandBody> others = {Accept{1, kFinance}, Return{1, kFinance, "不属"},
                                     ReportProgress{2, kPolice, 10, "进展"}, Submit{2, kPolice},
                                     RequestExtension{2, kPolice, "2022-01-31", "原因"}};
  for (const auto& body : others)
    EXPECT_TRUE(IsRejection(When(body, UnitActor(kEducation)), reason::kNotAssignee)) << CommandName(body);
  EXPECT_TRUE(IsRejection(When(Accept{1, kFinance}, UnitActor(kHealth)), reason::kNotAssignee))
      << "a unit holding nothing in the task is no different";
}

TEST_F(DomainTest, OnlyTheSystemMayFireTimers) {
  GivenPlan();
  for (const Actor& who : {Supervisor(), UnitActor(kFinance)})
    EXPECT_TRUE(IsRejection(When(FireTimer{1, kFinance, TimerKind::kMissed, "2021-10-31"}, who), reason::kForbiddenRole));
  EXPECT_TRUE(When(FireTimer{1, kFinance, TimerKind::kMissed, "2021-10-31"}, Clock()).ok());
}

// ---- optimistic concurrency -------------------------------------------------------

TEST_F(DomainTest, ACommandExpectingTheCurrentVersionIsDecided) {
  GivenPlan();
  Command c = Cmd(Accept{1, kFinance}, UnitActor(kFinance));
  c.expected_version = state.version;
  EXPECT_TRUE(Decide(state, c).ok());
}

TEST_F(DomainTest, ACommandExpectingAnotherVersionIsRejectedAsAConflict) {
  GivenPlan();
  for (uint64_t v : {state.version - 1, state.version + 1, uint64_t{0}}) {
    Command c = Cmd(Accept{1, kFinance}, UnitActor(kFinance));
    c.expected_version = v;
    auto r = Decide(state, c);
    EXPECT_TRUE(IsRejection(r, reason::kVersionConflict)) << v;
    EXPECT_NE(r.status().message().find(std::to_string(state.version)), std::string::npos)
        << "the message names the current version";
  }
}

TEST_F(DomainTest, ImportingIntoANewPlanMayExpectVersionZero) {
  Command c = Cmd(SamplePlan(), Supervisor());
  c.expected_version = 0;
  EXPECT_TRUE(Decide(state, c).ok());
}

// ---- every rejection reason code --------------------------------------------------

struct RejectCase {
  const char* when;  // the sentence this case reads as
  std::function<void(DomainTest&)> given;
  CommandBody command;
  Actor actor;
  const char* reason;
};

TEST_F(DomainTest, EveryRejectionReasonIsGivenForItsCaseWithAPlainMessage) {
  auto plan = [](DomainTest& t) { t.GivenPlan(); };
  auto plan_and = [](std::function<void(DomainTest&)> more) {
    return [more](DomainTest& t) {
      t.GivenPlan();
      more(t);
    };
  };
  auto nothing = [](DomainTest&) {};
  ImportPlan dup_numbers = SamplePlan();
  dup_numbers.tasks[1].number = 1;
  ImportPlan stranger = SamplePlan();
  stranger.tasks[0].responsible_units.push_back("市不存在局");
  ImportPlan stranger_lead = SamplePlan();
  stranger_lead.tasks[2].lead_units = {"市外单位"};
  ImportPlan no_title = SamplePlan();
  no_title.plan.title = "";
  ImportPlan bad_issue = SamplePlan();
  bad_issue.plan.issued_on = "2021-02-29";
  ImportPlan bad_due = SamplePlan();
  bad_due.tasks[1].deadline.due_on = "2021-04-31";
  ImportPlan zero_task = SamplePlan();
  zero_task.tasks[2].number = 0;
  ImportTask new_task{4, {}, "新", "新", Deadline{}, {kHealth}, {}};
  ImportTask unknown_unit_task{5, {}, "新", "新", Deadline{}, {}, {"市外单位"}};
  ImportTask bad_date_task{6, {}, "新", "新", Deadline{"x", "2021-13-01", "", false, ""}, {}, {}};

  const std::vector<RejectCase> cases = {
      // forbidden_role
      {"an auditor accepts", plan, Accept{1, kFinance}, Auditor(), reason::kForbiddenRole},
      {"a unit imports a plan", nothing, SamplePlan(), UnitActor(kFinance), reason::kForbiddenRole},
      {"the supervisor accepts for a unit", plan, Accept{1, kFinance}, Supervisor(), reason::kForbiddenRole},
      {"a unit fires a timer", plan, FireTimer{1, kFinance, TimerKind::kMissed, "2021-10-31"}, UnitActor(kFinance),
       reason::kForbiddenRole},
      // not_assignee
      {"a unit accepts another unit's assignment", plan, Accept{1, kFinance}, UnitActor(kEducation),
       reason::kNotAssignee},
      // plan_not_found
      {"anyone acts on a plan never imported", nothing, Assign{1, kFinance}, Supervisor(), reason::kPlanNotFound},
      {"a unit accepts in a plan never imported", nothing, Accept{1, kFinance}, UnitActor(kFinance),
       reason::kPlanNotFound},
      // plan_exists
      {"the plan is imported twice", plan, SamplePlan(), Supervisor(), reason::kPlanExists},
      // plan_withdrawn
      {"the office assigns in a withdrawn plan", plan_and([](DomainTest& t) { t.Do(WithdrawPlan{"废止"}, Supervisor()); }),
       Assign{2, kHealth}, Supervisor(), reason::kPlanWithdrawn},
      // task_not_found
      {"the office assigns a task that does not exist", plan, Assign{99, kFinance}, Supervisor(), reason::kTaskNotFound},
      {"a unit accepts a task that does not exist", plan, Accept{99, kFinance}, UnitActor(kFinance), reason::kTaskNotFound},
      {"the office cancels a task that does not exist", plan, CancelTask{99, "合并"}, Supervisor(), reason::kTaskNotFound},
      {"the office approves a task that does not exist", plan, Approve{99, kFinance}, Supervisor(), reason::kTaskNotFound},
      // task_exists
      {"the office adds a task whose number is taken", plan, AddTask{ImportTask{1, {}, "t", "c", {}, {}, {}}},
       Supervisor(), reason::kTaskExists},
      {"a plan lists the same task number twice", nothing, dup_numbers, Supervisor(), reason::kTaskExists},
      // task_closed
      {"the office assigns a cancelled task", plan_and([](DomainTest& t) { t.Do(CancelTask{2, "合并"}, Supervisor()); }),
       Assign{2, kHealth}, Supervisor(), reason::kTaskClosed},
      {"the office cancels a task twice", plan_and([](DomainTest& t) { t.Do(CancelTask{2, "合并"}, Supervisor()); }),
       CancelTask{2, "again"}, Supervisor(), reason::kTaskClosed},
      {"the office assigns a completed task", plan_and([](DomainTest& t) { t.GivenCompleted(2, kPolice); }),
       Assign{2, kHealth}, Supervisor(), reason::kTaskClosed},
      // assignment_not_found
      {"a unit accepts a task it does not hold", plan, Accept{2, kFinance}, UnitActor(kFinance),
       reason::kAssignmentNotFound},
      {"the office approves a unit that holds nothing", plan, Approve{2, kHealth}, Supervisor(),
       reason::kAssignmentNotFound},
      {"the office reassigns from a unit that holds nothing", plan, Reassign{2, kHealth, kFinance, "调整"},
       Supervisor(), reason::kAssignmentNotFound},
      {"the office grants an extension to a unit that holds nothing", plan, GrantExtension{2, kHealth},
       Supervisor(), reason::kAssignmentNotFound},
      // assignment_exists
      {"the office assigns a unit that already holds the task", plan, Assign{1, kFinance}, Supervisor(),
       reason::kAssignmentExists},
      {"the office reassigns to a unit that already holds the task", plan, Reassign{1, kEducation, kFinance, "调整"},
       Supervisor(), reason::kAssignmentExists},
      {"the office reassigns a unit to itself", plan, Reassign{1, kEducation, kEducation, "调整"}, Supervisor(),
       reason::kAssignmentExists},
      // unknown_unit
      {"a plan names a responsible unit outside its directory", nothing, stranger, Supervisor(), reason::kUnknownUnit},
      {"a plan names a lead unit outside its directory", nothing, stranger_lead, Supervisor(), reason::kUnknownUnit},
      {"the office assigns an unknown unit", plan, Assign{1, "市外单位"}, Supervisor(), reason::kUnknownUnit},
      {"the office reassigns to an unknown unit", plan, Reassign{1, kEducation, "市外单位", "调整"}, Supervisor(),
       reason::kUnknownUnit},
      {"the office adds a task for an unknown unit", plan, AddTask{unknown_unit_task}, Supervisor(),
       reason::kUnknownUnit},
      {"the office starts a cycle for an unknown unit", plan, StartReviewCycle{"Q", "", "q", "2021-06-30", "市外单位"},
       Supervisor(), reason::kUnknownUnit},
      // invalid_transition
      {"a unit accepts twice", plan_and([](DomainTest& t) { t.GivenAccepted(1, kFinance); }), Accept{1, kFinance},
       UnitActor(kFinance), reason::kInvalidTransition},
      {"a unit returns an accepted assignment", plan_and([](DomainTest& t) { t.GivenAccepted(1, kFinance); }),
       Return{1, kFinance, "不属"}, UnitActor(kFinance), reason::kInvalidTransition},
      {"a unit reports progress before accepting", plan, ReportProgress{1, kFinance, 10, "进展"}, UnitActor(kFinance),
       reason::kInvalidTransition},
      {"a unit submits before accepting", plan, Submit{1, kFinance}, UnitActor(kFinance), reason::kInvalidTransition},
      {"a unit submits twice", plan_and([](DomainTest& t) { t.GivenSubmitted(1, kFinance); }), Submit{1, kFinance},
       UnitActor(kFinance), reason::kInvalidTransition},
      {"the office approves before a submit", plan_and([](DomainTest& t) { t.GivenInProgress(1, kFinance); }),
       Approve{1, kFinance}, Supervisor(), reason::kInvalidTransition},
      {"the office approves twice", plan_and([](DomainTest& t) { t.GivenCompleted(1, kFinance); }),
       Approve{1, kFinance}, Supervisor(), reason::kInvalidTransition},
      {"the office rejects what was not submitted", plan, Reject{1, kFinance, "不全"}, Supervisor(),
       reason::kInvalidTransition},
      {"the office reassigns a completed assignment", plan_and([](DomainTest& t) { t.GivenCompleted(1, kFinance); }),
       Reassign{1, kFinance, kHealth, "调整"}, Supervisor(), reason::kInvalidTransition},
      {"a unit asks for an extension of a submitted assignment",
       plan_and([](DomainTest& t) { t.GivenSubmitted(1, kFinance); }),
       RequestExtension{1, kFinance, "2021-11-30", "原因"}, UnitActor(kFinance), reason::kInvalidTransition},
      {"a unit asks for an extension of a returned assignment",
       plan_and([](DomainTest& t) { t.Do(Return{1, kEducation, "不属"}, UnitActor(kEducation)); }),
       RequestExtension{1, kEducation, "2021-11-30", "原因"}, UnitActor(kEducation), reason::kInvalidTransition},
      {"the office grants an extension nobody asked for", plan, GrantExtension{1, kFinance, "2021-11-30"},
       Supervisor(), reason::kInvalidTransition},
      {"the office denies an extension nobody asked for", plan, DenyExtension{1, kFinance, "不准"}, Supervisor(),
       reason::kInvalidTransition},
      {"the office closes a closed cycle",
       plan_and([](DomainTest& t) {
         t.Do(StartReviewCycle{"Q", "", "q", "2021-06-30", ""}, Supervisor());
         t.Do(CloseReviewCycle{"Q"}, Supervisor());
       }),
       CloseReviewCycle{"Q"}, Supervisor(), reason::kInvalidTransition},
      // invalid_argument
      {"a plan has no title", nothing, no_title, Supervisor(), reason::kInvalidArgument},
      {"a plan was issued on an impossible date", nothing, bad_issue, Supervisor(), reason::kInvalidArgument},
      {"a plan's task is due on an impossible date", nothing, bad_due, Supervisor(), reason::kInvalidArgument},
      {"a plan has a task numbered 0", nothing, zero_task, Supervisor(), reason::kInvalidArgument},
      {"the office adds a task due on an impossible date", plan, AddTask{bad_date_task}, Supervisor(),
       reason::kInvalidArgument},
      {"a unit returns without a reason", plan, Return{1, kFinance, " \t"}, UnitActor(kFinance),
       reason::kInvalidArgument},
      {"a unit reports 101 percent", plan_and([](DomainTest& t) { t.GivenAccepted(1, kFinance); }),
       ReportProgress{1, kFinance, 101, "超额"}, UnitActor(kFinance), reason::kInvalidArgument},
      {"a unit reports -1 percent", plan_and([](DomainTest& t) { t.GivenAccepted(1, kFinance); }),
       ReportProgress{1, kFinance, -1, "倒退"}, UnitActor(kFinance), reason::kInvalidArgument},
      {"a unit reports progress without text", plan_and([](DomainTest& t) { t.GivenAccepted(1, kFinance); }),
       ReportProgress{1, kFinance, 10, ""}, UnitActor(kFinance), reason::kInvalidArgument},
      {"the office rejects without a reason", plan_and([](DomainTest& t) { t.GivenSubmitted(1, kFinance); }),
       Reject{1, kFinance, ""}, Supervisor(), reason::kInvalidArgument},
      {"the office cancels a task without a reason", plan, CancelTask{1, ""}, Supervisor(), reason::kInvalidArgument},
      {"the office withdraws a plan without a reason", plan, WithdrawPlan{"\n"}, Supervisor(), reason::kInvalidArgument},
      {"a unit asks for an extension to an impossible date", plan, RequestExtension{1, kFinance, "2021-11-31", "原因"},
       UnitActor(kFinance), reason::kInvalidArgument},
      {"a unit asks for an extension to a malformed date", plan, RequestExtension{1, kFinance, "2021/11/30", "原因"},
       UnitActor(kFinance), reason::kInvalidArgument},
      {"a unit asks for an extension that moves the date earlier", plan,
       RequestExtension{1, kFinance, "2021-10-01", "原因"}, UnitActor(kFinance), reason::kInvalidArgument},
      {"a unit asks for an extension to the date already due", plan,
       RequestExtension{1, kFinance, "2021-10-31", "原因"}, UnitActor(kFinance), reason::kInvalidArgument},
      {"a unit asks for an extension without a reason", plan, RequestExtension{1, kFinance, "2021-11-30", ""},
       UnitActor(kFinance), reason::kInvalidArgument},
      {"the office grants an extension to an impossible date",
       plan_and([](DomainTest& t) { t.Do(RequestExtension{1, kFinance, "2021-11-30", "原因"}, UnitActor(kFinance)); }),
       GrantExtension{1, kFinance, "2021-11-31"}, Supervisor(), reason::kInvalidArgument},
      {"the office denies an extension without a reason",
       plan_and([](DomainTest& t) { t.Do(RequestExtension{1, kFinance, "2021-11-30", "原因"}, UnitActor(kFinance)); }),
       DenyExtension{1, kFinance, ""}, Supervisor(), reason::kInvalidArgument},
      {"the office starts a cycle without an id", plan, StartReviewCycle{"", "", "q", "2021-06-30", ""}, Supervisor(),
       reason::kInvalidArgument},
      {"the office starts a cycle due on an impossible date", plan, StartReviewCycle{"Q", "", "q", "2021-06-31", ""},
       Supervisor(), reason::kInvalidArgument},
      // (a timer of an unknown kind cannot be made: TimerKind; its name on the wire is refused by the codec)
      // version_conflict: covered with expected_version below
      // cycle_not_found
      {"the office closes a cycle never started", plan, CloseReviewCycle{"nope"}, Supervisor(), reason::kCycleNotFound},
      // cycle_exists
      {"the office starts a cycle twice",
       plan_and([](DomainTest& t) { t.Do(StartReviewCycle{"Q", "", "q", "2021-06-30", ""}, Supervisor()); }),
       StartReviewCycle{"Q", "", "q", "2021-09-30", ""}, Supervisor(), reason::kCycleExists},
  };

  std::set<std::string> seen;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.when);
    DomainTest::state = PlanState{};
    c.given(*this);
    ASSERT_FALSE(HasFailure()) << "the given steps failed";
    const PlanState before = state;
    auto r = When(c.command, c.actor);
    EXPECT_TRUE(IsRejection(r, c.reason));
    EXPECT_EQ(state, before);
    seen.insert(c.reason);
  }
  // version_conflict has its own tests above; the table covers every other code.
  seen.insert(reason::kVersionConflict);
  const std::set<std::string> all = {
      reason::kForbiddenRole, reason::kNotAssignee, reason::kPlanNotFound, reason::kPlanExists,
      reason::kPlanWithdrawn, reason::kTaskNotFound, reason::kTaskExists, reason::kTaskClosed,
      reason::kAssignmentNotFound, reason::kAssignmentExists, reason::kUnknownUnit,
      reason::kInvalidTransition, reason::kInvalidArgument, reason::kVersionConflict,
      reason::kCycleNotFound, reason::kCycleExists};
  EXPECT_EQ(seen, all);
}

// ---- evolve details -------------------------------------------------------------

TEST_F(DomainTest, EvolveAdvancesTheVersionAndHashEvenForAnUnknownEvent) {
  GivenPlan();
  const PlanState before = state;
  Apply(UnknownEvent{999, 1, "bytes"});
  EXPECT_EQ(state.version, before.version + 1);
  EXPECT_EQ(state.last_hash, "h" + std::to_string(state.version));
  EXPECT_EQ(state.assignments, before.assignments);
  EXPECT_EQ(state.tasks, before.tasks);
}

TEST_F(DomainTest, ReplayingTheRecordedEventsGivesTheSameState) {
  GivenPlan();
  GivenInProgress(1, kFinance);
  Do(StartReviewCycle{"Q2", "", "quarterly", "2021-06-30", ""}, Supervisor());
  GivenOverdue(2, kPolice);
  // Replay: only Evolve, over the events recorded while deciding, into a fresh state.
  // import 8, accept + progress 2, the cycle and a request to each of the 4 open assignments 5, missed 1
  ASSERT_EQ(applied.size(), 16u);
  PlanState replayed;
  for (const Event& e : applied) Evolve(replayed, e);
  EXPECT_EQ(replayed, state);
  // And that state is the one the events describe, not merely the same twice.
  EXPECT_EQ(replayed.version, 16u);
  EXPECT_EQ(replayed.last_hash, "h16");
  EXPECT_EQ(replayed.cycles.at("Q2").requested.size(), 4u);
  EXPECT_EQ(replayed.assignments.at({1, kFinance}).status, AssignmentStatus::kInProgress);
  EXPECT_EQ(replayed.assignments.at({1, kEducation}).status, AssignmentStatus::kAssigned);
  EXPECT_TRUE(replayed.assignments.at({2, kPolice}).overdue);
  EXPECT_FALSE(replayed.assignments.at({1, kFinance}).overdue);
  // A prefix replays to the state as it stood then: the import alone.
  PlanState imported;
  for (size_t i = 0; i < 8; ++i) Evolve(imported, applied[i]);
  EXPECT_EQ(imported.version, 8u);
  EXPECT_EQ(imported.assignments.at({1, kFinance}).status, AssignmentStatus::kAssigned);
  EXPECT_NE(imported, state);
}

// ---- two times: the effective time a writer claims (TimeRules) ------------------

class TwoTimesTest : public DomainTest {
 public:
  // Decides a command the engine took `now` that claims `effective`, as the
  // engine would: the events take effect then and carry the back-entry reason.
  Result<Events> WhenAt(CommandBody body, Actor actor, Instant effective, std::string reason = "",
                        const TimeRules& rules = TimeRules{}) {
    Command c = Cmd(std::move(body), std::move(actor));
    c.effective_at = effective;
    c.back_entry_reason = std::move(reason);
    return Decide(state, c, rules);
  }
  Events DoAt(CommandBody body, Actor actor, Instant effective, const std::string& reason = "") {
    auto r = WhenAt(std::move(body), actor, effective, reason);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    const Instant saved = now;
    now = effective;  // Apply stamps occurred_at with `now`
    for (const auto& b : *r) Apply(b, actor, effective < saved ? reason : "");
    now = saved;
    return *r;
  }
  static constexpr Instant kMinute = 60 * 1000;
};

TEST_F(TwoTimesTest, AUnitCannotBackdateItsActBeyondTheClockSkew) {
  GivenPlan();
  GivenInProgress(1, kFinance);
  now = At("2021-11-20");  // three weeks after the due date 2021-10-31
  auto r = WhenAt(Submit{1, kFinance, "完成", ""}, UnitActor(kFinance), At("2021-10-25"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), reason::kBackdated);
  EXPECT_NE(r.status().message().find("engine's clock"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("--back-entry"), std::string::npos) << "says how the office does it";
}

TEST_F(TwoTimesTest, AUnitMayDifferFromTheClockByTheSkewOnlyAndNeverIntoTheFuture) {
  GivenPlan();
  now = At("2021-03-22");
  EXPECT_TRUE(WhenAt(Accept{1, kFinance}, UnitActor(kFinance), now - 4 * kMinute).ok());
  EXPECT_TRUE(WhenAt(Accept{1, kFinance}, UnitActor(kFinance), now + 4 * kMinute).ok());
  auto late = WhenAt(Accept{1, kFinance}, UnitActor(kFinance), now - 6 * kMinute);
  EXPECT_EQ(late.status().reason(), reason::kBackdated);
  auto ahead = WhenAt(Accept{1, kFinance}, UnitActor(kFinance), now + 6 * kMinute);
  EXPECT_EQ(ahead.status().reason(), reason::kTimeInFuture);
  auto office_ahead = WhenAt(Approve{1, kFinance, ""}, Supervisor(), At("2021-04-01"), "纸质件");
  EXPECT_EQ(office_ahead.status().reason(), reason::kTimeInFuture) << "no one records the future, reason or not";
}

TEST_F(TwoTimesTest, AUnitCannotPlaceItsActBeforeItsAssignmentsLastEvent) {
  GivenPlan();
  now = At("2021-03-22");
  GivenAccepted(1, kFinance);  // recorded and effective 2021-03-22 09:00
  const Instant last = now;
  now = last + 3 * kMinute;    // within the skew of the clock, but before the acceptance
  auto r = WhenAt(ReportProgress{1, kFinance, 10, "启动", "", "", ""}, UnitActor(kFinance), last - kMinute);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), reason::kBackdated);
  EXPECT_NE(r.status().message().find("last recorded"), std::string::npos) << r.status().message();
}

TEST_F(TwoTimesTest, AUnitCannotCallItsActABackEntry) {
  GivenPlan();
  auto r = WhenAt(Accept{1, kFinance}, UnitActor(kFinance), now, "我单位补录");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), reason::kForbiddenRole);
}

TEST_F(TwoTimesTest, TheOfficeBackEntersOnlyWithAReason) {
  GivenPlan();
  GivenSubmitted(1, kFinance);
  now = At("2021-04-20");
  auto bare = WhenAt(Approve{1, kFinance, "同意"}, Supervisor(), At("2021-04-01"));
  ASSERT_FALSE(bare.ok());
  EXPECT_EQ(bare.status().reason(), reason::kBackEntryNeedsReason);
  auto blank = WhenAt(Approve{1, kFinance, "同意"}, Supervisor(), At("2021-04-01"), "  ");
  EXPECT_EQ(blank.status().reason(), reason::kBackEntryNeedsReason);
  // A full-width space (what a Chinese input method types) or a zero-width
  // character says nothing either.
  for (const char* invisible : {"\u3000", "\u00a0\u200b", "\x1b"}) {
    auto r = WhenAt(Approve{1, kFinance, "同意"}, Supervisor(), At("2021-04-01"), invisible);
    EXPECT_EQ(r.status().reason(), reason::kBackEntryNeedsReason);
  }
  EXPECT_TRUE(WhenAt(Approve{1, kFinance, "同意"}, Supervisor(), At("2021-04-01"), "4月1日纸质审核意见").ok());
}

TEST_F(TwoTimesTest, TheWorkflowDefinitionMaySetTheSkewAndForbidBackEntries) {
  GivenPlan();
  GivenSubmitted(1, kFinance);
  now = At("2021-04-20");
  TimeRules strict;
  strict.office_back_entry = false;
  auto r = WhenAt(Approve{1, kFinance, ""}, Supervisor(), At("2021-04-01"), "纸质件", strict);
  EXPECT_EQ(r.status().reason(), reason::kBackdated);
  TimeRules wide;
  wide.max_skew_ms = 60 * kMinute;
  EXPECT_TRUE(WhenAt(Approve{1, kFinance, ""}, Supervisor(), now - 30 * kMinute, "", wide).ok());
  EXPECT_FALSE(WhenAt(Approve{1, kFinance, ""}, Supervisor(), now - 30 * kMinute).ok());
}

TEST_F(TwoTimesTest, TheOfficeMayEnterAUnitsPaperSubmissionOnlyAsABackEntry) {
  GivenPlan();
  GivenInProgress(1, kFinance);
  now = At("2021-04-20");
  auto without = WhenAt(Submit{1, kFinance, "完成", ""}, Supervisor(), now);
  ASSERT_FALSE(without.ok());
  EXPECT_EQ(without.status().reason(), reason::kForbiddenRole) << "the office does not act for a unit unrecorded";
  auto with = WhenAt(Submit{1, kFinance, "完成", ""}, Supervisor(), At("2021-04-02"), "4月2日纸质报送件");
  ASSERT_TRUE(with.ok()) << with.status().ToString();
  EXPECT_EQ(*with, (Events{CompletionSubmitted{1, kFinance, "完成", ""}}));
}

// The case of the issue: a unit escalated to 约谈 cannot pretend it submitted
// on time; the office, holding the paper submission dated before the
// deadline, can enter it, and then it counts as on time.
TEST_F(TwoTimesTest, APaperSubmissionBackEnteredAsOnTimeWithdrawsTheClocksEscalation) {
  GivenPlan();
  GivenInProgress(1, kFinance);
  now = At("2021-11-01");
  GivenOverdue(1, kFinance);
  Do(FireTimer{1, kFinance, TimerKind::kEscalation, "2021-10-31", 3, "约谈", 0, {"督查室"}}, Clock());
  ASSERT_EQ(A(1, kFinance).escalation_level, 3);
  now = At("2021-11-20");
  EXPECT_EQ(WhenAt(Submit{1, kFinance, "完成", ""}, UnitActor(kFinance), At("2021-10-29")).status().reason(),
            reason::kBackdated);
  auto events = DoAt(Submit{1, kFinance, "完成", ""}, Supervisor(), At("2021-10-29"), "10月29日纸质报送件（收文登记）");
  EXPECT_EQ(events, (Events{CompletionSubmitted{1, kFinance, "完成", ""},
                            EscalationCleared{1, kFinance, 3, "submitted on time (back-entered)"}}));
  EXPECT_EQ(A(1, kFinance).status, AssignmentStatus::kSubmitted);
  EXPECT_EQ(A(1, kFinance).submitted_at, At("2021-10-29")) << "the review limit counts from the paper date";
  EXPECT_FALSE(A(1, kFinance).overdue);
  EXPECT_EQ(A(1, kFinance).escalation_level, 0);
}

TEST_F(TwoTimesTest, APaperSubmissionBackEnteredAfterTheDeadlineStaysLate) {
  GivenPlan();
  GivenInProgress(1, kFinance);
  now = At("2021-11-02");
  GivenOverdue(1, kFinance);
  Do(FireTimer{1, kFinance, TimerKind::kEscalation, "2021-10-31", 1, "督促整改", 0, {}}, Clock());
  now = At("2021-11-20");
  auto events = DoAt(Submit{1, kFinance, "完成", ""}, Supervisor(), At("2021-11-05"), "11月5日纸质报送件");
  EXPECT_EQ(events, (Events{CompletionSubmitted{1, kFinance, "完成", ""}}));
  EXPECT_TRUE(A(1, kFinance).overdue);
  EXPECT_EQ(A(1, kFinance).escalation_level, 1);
}

TEST_F(TwoTimesTest, TheOfficeCannotBackEnterBeforeAPersonsLastActOnTheAssignment) {
  GivenPlan();
  now = At("2021-04-10");
  GivenInProgress(1, kFinance);  // the unit's acts, 2021-04-10
  now = At("2021-05-10");
  auto r = WhenAt(Submit{1, kFinance, "完成", ""}, Supervisor(), At("2021-04-01"), "纸质件");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), reason::kBackdated);
  EXPECT_EQ(A(1, kFinance).last_act_at, At("2021-04-10"));
}

TEST_F(TwoTimesTest, TheClocksOwnEventsDoNotMoveThePersonsFloor) {
  GivenPlan();
  now = At("2021-04-10");
  GivenInProgress(1, kFinance);
  now = At("2021-11-01");
  GivenOverdue(1, kFinance);
  EXPECT_EQ(A(1, kFinance).last_act_at, At("2021-04-10"));
  EXPECT_EQ(A(1, kFinance).updated_at, At("2021-11-01"));
}

}  // namespace
}  // namespace duban::core
