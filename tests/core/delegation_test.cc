// Delegation (多级下发, issue 20), decided and evolved: a unit passes its
// assignment of a task to a sub-unit the plan's unit directory puts below
// it, due no later than its own; the child has its own lifecycle, reviewed
// (approved, rejected) or cancelled by the unit that delegated it, never by
// a stranger; the parent cannot submit while a child is open; closing a
// parent closes what it delegated. Refusals each have their code here too.
#include <gtest/gtest.h>

#include "domain_fixture.h"
#include "duban/core/queue.h"

namespace duban::core {
namespace {

class DelegationTest : public DomainTest {
 public:
  // Task 1 (due 2021-10-31): 财政 accepted it and delegated it to 预算科.
  void GivenDelegated() {
    Do(SamplePlanWithSubUnits(), Supervisor());
    GivenAccepted(1, kFinance);
    Do(Delegate{1, kFinance, kBudget, "2021-10-15", "请预算科起草"}, UnitActor(kFinance));
  }
};

TEST_F(DelegationTest, ADelegatedAssignmentIsANewAssignmentOfTheSubUnitUnderItsParent) {
  Do(SamplePlanWithSubUnits(), Supervisor());
  GivenAccepted(1, kFinance);
  auto events = Do(Delegate{1, kFinance, kBudget, "2021-10-15", "请预算科起草"}, UnitActor(kFinance));
  EXPECT_EQ(events, (Events{AssignmentDelegated{1, kFinance, kBudget, "2021-10-15", "请预算科起草"}}));
  const auto& child = A(1, kBudget);
  EXPECT_EQ(child.parent, kFinance);
  EXPECT_EQ(child.status, AssignmentStatus::kAssigned) << "the sub-unit signs for it (签收) itself";
  EXPECT_EQ(child.due_on, "2021-10-15");
  EXPECT_EQ(child.assigned_at, now) << "its acceptance limit counts from the delegation";
  EXPECT_EQ(A(1, kFinance).status, AssignmentStatus::kAccepted) << "the parent's own state is unchanged";
  EXPECT_EQ(A(1, kFinance).last_act_at, now) << "delegating is the parent unit's act";
}

TEST_F(DelegationTest, WithoutADateTheChildIsDueWhenItsParentIs) {
  Do(SamplePlanWithSubUnits(), Supervisor());
  GivenAccepted(1, kFinance);
  Do(Delegate{1, kFinance, kBudget, "", ""}, UnitActor(kFinance));
  EXPECT_EQ(A(1, kBudget).due_on, "2021-10-31");
}

TEST_F(DelegationTest, ATreeGrowsThreeLevelsAndNoDeeper) {
  GivenDelegated();
  GivenAccepted(1, kBudget);
  Do(Delegate{1, kBudget, kBudgetDesk, "2021-10-10", "一股承办"}, UnitActor(kBudget));
  EXPECT_EQ(A(1, kBudgetDesk).parent, kBudget);
  GivenAccepted(1, kBudgetDesk);
  EXPECT_TRUE(IsRejection(When(Delegate{1, kBudgetDesk, kBudgetTeam, "2021-10-05", ""}, UnitActor(kBudgetDesk)),
                          reason::kDelegationTooDeep));
}

TEST_F(DelegationTest, TheParentCannotSubmitWhileAChildIsOpenAndCanOnceItIsApproved) {
  GivenDelegated();
  GivenSubmitted(1, kBudget);
  auto r = When(Submit{1, kFinance, "完成", ""}, UnitActor(kFinance));
  ASSERT_TRUE(IsRejection(r, reason::kDelegationOpen));
  EXPECT_NE(r.status().message().find(kBudget), std::string::npos) << "the refusal names the open child";
  auto events = Do(Approve{1, kBudget, "同意"}, UnitActor(kFinance));
  EXPECT_EQ(events, (Events{CompletionApproved{1, kBudget, "同意"}}))
      << "the task is not complete: the parent and 教育 are still open";
  EXPECT_EQ(A(1, kBudget).status, AssignmentStatus::kCompleted);
  Do(ReportProgress{1, kFinance, 90, "汇总预算科材料", "", "", ""}, UnitActor(kFinance));
  EXPECT_TRUE(When(Submit{1, kFinance, "完成", ""}, UnitActor(kFinance)).ok());
}

TEST_F(DelegationTest, WhatADelegatedAssignmentWaitsOnIsNotInTheOfficesQueues) {
  GivenDelegated();
  GivenSubmitted(1, kBudget);
  GivenSubmitted(2, kPolice);
  QueueOptions o;
  const auto subs = Queue(state, QueueKind::kSubmissions, o);
  ASSERT_EQ(subs.size(), 1U) << "预算科's submission is 财政's to review";
  EXPECT_EQ(subs[0].unit, kPolice);
}

TEST_F(DelegationTest, WhatADelegatedAssignmentWaitsOnIsInTheQueueOfTheUnitThatDelegatedIt) {
  GivenDelegated();
  GivenAccepted(1, kBudget);
  Do(Delegate{1, kBudget, kBudgetDesk, "2021-10-10", ""}, UnitActor(kBudget));
  Do(RequestExtension{1, kBudget, "2021-10-20", "材料未齐"}, UnitActor(kBudget));
  GivenSubmitted(1, kBudgetDesk);
  QueueOptions o;
  o.delegator = kFinance;
  const auto finance = Queue(state, QueueKind::kExtensions, o);
  ASSERT_EQ(finance.size(), 1U);
  EXPECT_EQ(finance[0].unit, kBudget);
  EXPECT_TRUE(Queue(state, QueueKind::kSubmissions, o).empty()) << "一股's submission is 预算科's, one level down";
  o.delegator = kBudget;
  const auto budget = Queue(state, QueueKind::kSubmissions, o);
  ASSERT_EQ(budget.size(), 1U);
  EXPECT_EQ(budget[0].unit, kBudgetDesk);
  o.delegator = kPolice;
  EXPECT_TRUE(Queue(state, QueueKind::kExtensions, o).empty()) << "a unit that delegated nothing waits on nothing";
}

TEST_F(DelegationTest, AUnitFollowsWhatWasDelegatedDownFromItsAssignmentAndNothingElse) {
  GivenDelegated();
  GivenAccepted(1, kBudget);
  Do(Delegate{1, kBudget, kBudgetDesk, "2021-10-10", ""}, UnitActor(kBudget));
  EXPECT_TRUE(FollowsAssignment(state, 1, kFinance, kFinance)) << "its own";
  EXPECT_TRUE(FollowsAssignment(state, 1, kBudget, kFinance));
  EXPECT_TRUE(FollowsAssignment(state, 1, kBudgetDesk, kFinance)) << "down the whole tree";
  EXPECT_TRUE(FollowsAssignment(state, 1, kBudgetDesk, kBudget));
  EXPECT_FALSE(FollowsAssignment(state, 1, kFinance, kBudget)) << "not up the tree";
  EXPECT_FALSE(FollowsAssignment(state, 1, kEducation, kFinance)) << "not a unit beside it";
  EXPECT_FALSE(FollowsAssignment(state, 2, kBudget, kFinance)) << "not on another task";
  // A damaged projection's loop ends.
  EXPECT_FALSE(FollowsAssignment(std::string("x"), std::string("a"),
                                 [](const std::string& u) { return u == "a" ? std::string("b") : std::string("a"); }));
}

TEST_F(DelegationTest, AParentsEarlierDeadlineMovesItsChildrensWithIt) {
  GivenDelegated();  // 预算科 due 2021-10-15 under 财政's 10-31
  GivenAccepted(1, kBudget);
  Do(Delegate{1, kBudget, kBudgetDesk, "2021-10-10", ""}, UnitActor(kBudget));
  auto events = Do(SetDeadline{1, kFinance, "2021-10-12", "提前完成。"}, Supervisor());
  EXPECT_EQ(A(1, kFinance).due_on, "2021-10-12");
  EXPECT_EQ(A(1, kBudget).due_on, "2021-10-12") << "no child is due after its parent";
  EXPECT_EQ(A(1, kBudgetDesk).due_on, "2021-10-10") << "already earlier: unchanged";
  size_t changed = 0;
  for (const auto& e : events)
    if (const auto* d = std::get_if<DeadlineChanged>(&e)) {
      ++changed;
      if (d->unit == kBudget) {
        EXPECT_EQ(d->reason, "提前完成（所承接的上级任务时限已提前至2021-10-12）。") << "the clause before the stop";
      }
    }
  EXPECT_EQ(changed, 2U);
  Do(SetDeadline{1, kFinance, "2021-10-08", "再提前"}, Supervisor());
  EXPECT_EQ(A(1, kBudget).due_on, "2021-10-08");
  EXPECT_EQ(A(1, kBudgetDesk).due_on, "2021-10-08") << "and down the tree";
  Do(SetDeadline{1, kFinance, "2021-11-30", "延后"}, Supervisor());
  EXPECT_EQ(A(1, kBudget).due_on, "2021-10-08") << "a later parent date leaves the children's to their parent";
}

TEST_F(DelegationTest, TheParentMayRejectAChildsSubmissionOrCancelItWithAReason) {
  GivenDelegated();
  GivenSubmitted(1, kBudget);
  Do(schemas::Reject{1, kBudget, "数据不全"}, UnitActor(kFinance));
  EXPECT_EQ(A(1, kBudget).status, AssignmentStatus::kInProgress);
  Do(CancelAssignment{1, kBudget, "改由本局直接办理"}, UnitActor(kFinance));
  EXPECT_EQ(A(1, kBudget).status, AssignmentStatus::kCancelled);
  EXPECT_EQ(A(1, kBudget).last_reason, "改由本局直接办理");
  Do(ReportProgress{1, kFinance, 90, "自行办理", "", "", ""}, UnitActor(kFinance));
  EXPECT_TRUE(When(Submit{1, kFinance, "完成", ""}, UnitActor(kFinance)).ok());
}

TEST_F(DelegationTest, AChildsExtensionRequestIsTheParentsToAnswerButNotPastItsOwnDate) {
  GivenDelegated();  // 预算科 due 10-15, 财政 due 10-31
  Do(RequestExtension{1, kBudget, "2021-11-15", "数据未齐"}, UnitActor(kBudget));
  EXPECT_TRUE(IsRejection(When(GrantExtension{1, kBudget, ""}, UnitActor(kFinance)), reason::kInvalidArgument))
      << "财政 is itself due 10-31";
  EXPECT_TRUE(IsRejection(When(GrantExtension{1, kBudget, ""}, UnitActor(kEducation)), reason::kForbiddenRole));
  Do(GrantExtension{1, kBudget, "2021-10-31"}, UnitActor(kFinance));
  EXPECT_EQ(A(1, kBudget).due_on, "2021-10-31");
  Do(RequestExtension{1, kBudget, "2021-11-30", "仍未齐"}, UnitActor(kBudget));
  Do(DenyExtension{1, kBudget, "按期完成"}, UnitActor(kFinance));
  EXPECT_EQ(A(1, kBudget).pending_extension, "");
}

TEST_F(DelegationTest, TheOfficeMayStillReviewADelegatedAssignmentButNoOtherUnitMay) {
  GivenDelegated();
  GivenSubmitted(1, kBudget);
  EXPECT_TRUE(IsRejection(When(Approve{1, kBudget, ""}, UnitActor(kEducation)), reason::kForbiddenRole));
  EXPECT_TRUE(IsRejection(When(Approve{1, kBudget, ""}, UnitActor(kBudget)), reason::kForbiddenRole))
      << "nobody approves their own submission";
  EXPECT_TRUE(IsRejection(When(Approve{1, kFinance, ""}, UnitActor(kFinance)), reason::kForbiddenRole))
      << "a unit's own assignment is the office's to review";
  EXPECT_TRUE(When(Approve{1, kBudget, "督查室直接销号"}, Supervisor()).ok());
}

TEST_F(DelegationTest, CancellingOrMovingAParentClosesEverythingItDelegated) {
  GivenDelegated();
  GivenAccepted(1, kBudget);
  Do(Delegate{1, kBudget, kBudgetDesk, "", ""}, UnitActor(kBudget));
  auto events = Do(CancelAssignment{1, kFinance, "职责调整"}, Supervisor());
  EXPECT_EQ(events, (Events{AssignmentCancelled{1, kFinance, "职责调整"},
                            AssignmentCancelled{1, kBudget, "职责调整（所承接的上级任务已关闭）"},
                            AssignmentCancelled{1, kBudgetDesk, "职责调整（所承接的上级任务已关闭）"}}));
  EXPECT_EQ(A(1, kBudgetDesk).status, AssignmentStatus::kCancelled);

  DomainTest::state = PlanState{};
  GivenDelegated();
  events = Do(Reassign{1, kFinance, kHealth, "改由卫健局牵头"}, Supervisor());
  EXPECT_EQ(events.size(), 2U);
  EXPECT_EQ(A(1, kBudget).status, AssignmentStatus::kCancelled) << "no child works on for a parent that is gone";
}

TEST_F(DelegationTest, CancellingAParentAndItsChildCompletesNoTaskThatNobodyCompleted) {
  GivenDelegated();
  Do(CancelAssignment{1, kEducation, "不再承担"}, Supervisor());
  // 财政 cancelled by the office: its child goes with it, and nothing of task 1 is left open or completed.
  auto events = Do(CancelAssignment{1, kFinance, "任务取消"}, Supervisor());
  EXPECT_EQ(events.size(), 2U) << "no TaskCompleted: nothing of task 1 was completed";
}

TEST_F(DelegationTest, AReturnedChildIsTheParentsToSettleBeforeItSubmitsAndGoesWithItsParent) {
  GivenDelegated();
  Do(Return{1, kBudget, "非本科职责"}, UnitActor(kBudget));
  Do(ReportProgress{1, kFinance, 90, "自行办理", "", "", ""}, UnitActor(kFinance));
  EXPECT_TRUE(IsRejection(When(Submit{1, kFinance, "完成", ""}, UnitActor(kFinance)), reason::kDelegationOpen))
      << "a return waits for the unit that delegated it, not silently for nobody";
  Do(CancelAssignment{1, kBudget, "同意退回，本局自行办理"}, UnitActor(kFinance));
  EXPECT_TRUE(When(Submit{1, kFinance, "完成", ""}, UnitActor(kFinance)).ok());

  DomainTest::state = PlanState{};
  GivenDelegated();
  Do(Return{1, kBudget, "非本科职责"}, UnitActor(kBudget));
  auto events = Do(CancelAssignment{1, kFinance, "职责调整"}, Supervisor());
  EXPECT_EQ(events.size(), 2U) << "the returned child is cancelled with its parent";
  EXPECT_EQ(A(1, kBudget).status, AssignmentStatus::kCancelled);
}

TEST_F(DelegationTest, ADelegationNeverOverwritesAReturnOrACompletedPartOfTheSubUnit) {
  ImportPlan p = SamplePlanWithSubUnits();
  p.plan.sub_units.push_back({kHealth, kFinance});  // a plan unit that is also below 财政
  Do(p, Supervisor());
  GivenAccepted(1, kFinance);
  Do(Assign{1, kHealth}, Supervisor());
  Do(Return{1, kHealth, "不属本单位职责"}, UnitActor(kHealth));
  auto r = When(Delegate{1, kFinance, kHealth, "", ""}, UnitActor(kFinance));
  EXPECT_TRUE(IsRejection(r, reason::kAssignmentExists)) << "the return waits for the office";
  Do(ResolveReturn{1, kHealth, "", "同意退回"}, Supervisor());
  EXPECT_TRUE(When(Delegate{1, kFinance, kHealth, "", ""}, UnitActor(kFinance)).ok()) << "a cancelled one may be";
  GivenCompleted(1, kEducation);
  ImportPlan q = SamplePlanWithSubUnits();
  q.plan.sub_units.push_back({kEducation, kFinance});
  DomainTest::state = PlanState{};
  Do(q, Supervisor());
  GivenAccepted(1, kFinance);
  GivenCompleted(1, kEducation);
  EXPECT_TRUE(
      IsRejection(When(Delegate{1, kFinance, kEducation, "", ""}, UnitActor(kFinance)), reason::kAssignmentExists))
      << "a completed part stays completed";
}

TEST_F(DelegationTest, AChildIsDueTodayOrLater) {
  Do(SamplePlanWithSubUnits(), Supervisor());
  GivenAccepted(1, kFinance);
  now = At("2021-10-20");
  auto past = When(Delegate{1, kFinance, kBudget, "2021-10-19", ""}, UnitActor(kFinance));
  ASSERT_TRUE(IsRejection(past, reason::kInvalidArgument));
  EXPECT_NE(past.status().message().find("2021-10-19 is already past (today is 2021-10-20)"), std::string::npos)
      << "the words every date given as time to come is refused with: " << past.status().message();
  EXPECT_TRUE(When(Delegate{1, kFinance, kBudget, "2021-10-20", ""}, UnitActor(kFinance)).ok());
  now = At("2021-11-02");  // 财政 is past its own 10-31
  auto r = When(Delegate{1, kFinance, kBudget, "", ""}, UnitActor(kFinance));
  ASSERT_TRUE(IsRejection(r, reason::kInvalidArgument));
  EXPECT_NE(r.status().message().find("extension"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find(
                "own date 2021-10-31 is already past (today is 2021-11-02); the delegated part would keep it"),
            std::string::npos)
      << r.status().message();
}

TEST_F(DelegationTest, EveryRefusalOfADelegationHasItsReason) {
  struct Case {
    const char* when;
    CommandBody command;
    Actor actor;
    const char* reason;
  };
  Do(SamplePlanWithSubUnits(), Supervisor());
  GivenAccepted(1, kFinance);
  Do(Delegate{1, kFinance, kBudget, "", ""}, UnitActor(kFinance));
  const std::vector<Case> cases = {
      {"the office delegates for a unit", Delegate{1, kFinance, kBudget, "", ""}, Supervisor(), reason::kForbiddenRole},
      {"a unit delegates another unit's assignment", Delegate{1, kFinance, kBudget, "", ""}, UnitActor(kEducation),
       reason::kNotAssignee},
      {"a unit delegates before it signs for the work", Delegate{1, kEducation, kSchoolOffice, "", ""},
       UnitActor(kEducation), reason::kInvalidTransition},
      {"a unit delegates to a unit not below it", Delegate{1, kFinance, kSchoolOffice, "", ""}, UnitActor(kFinance),
       reason::kNotSubUnit},
      {"a unit delegates to a grandchild, skipping a level", Delegate{1, kFinance, kBudgetDesk, "", ""},
       UnitActor(kFinance), reason::kNotSubUnit},
      {"a unit delegates to itself", Delegate{1, kFinance, kFinance, "", ""}, UnitActor(kFinance), reason::kNotSubUnit},
      {"a unit delegates twice to the same sub-unit", Delegate{1, kFinance, kBudget, "", ""}, UnitActor(kFinance),
       reason::kAssignmentExists},
      {"a task that does not exist", Delegate{9, kFinance, kBudget, "", ""}, UnitActor(kFinance),
       reason::kTaskNotFound},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.when);
    const PlanState before = state;
    EXPECT_TRUE(IsRejection(When(c.command, c.actor), c.reason));
    EXPECT_EQ(state, before);
  }
  // A date after the parent's, or not a date, on a fresh delegation.
  Do(CancelAssignment{1, kBudget, "重新下发"}, UnitActor(kFinance));
  EXPECT_TRUE(IsRejection(When(Delegate{1, kFinance, kBudget, "2021-11-30", ""}, UnitActor(kFinance)),
                          reason::kInvalidArgument));
  EXPECT_TRUE(IsRejection(When(Delegate{1, kFinance, kBudget, "2021-02-30", ""}, UnitActor(kFinance)),
                          reason::kInvalidArgument));
  EXPECT_TRUE(When(Delegate{1, kFinance, kBudget, "2021-10-31", "重新下发"}, UnitActor(kFinance)).ok())
      << "a cancelled child may be delegated again; the parent's own date is allowed";
  // Without sub-units in the plan (a plan imported before delegation), there is nowhere to delegate.
  DomainTest::state = PlanState{};
  GivenPlan();
  GivenAccepted(1, kFinance);
  EXPECT_TRUE(IsRejection(When(Delegate{1, kFinance, kBudget, "", ""}, UnitActor(kFinance)), reason::kNotSubUnit));
}

}  // namespace
}  // namespace duban::core
