// Lead-unit consolidation (牵头单位汇总, issue 20), decided and evolved on
// the sample plan's task 1 (lead 财政, responsible 教育): per-unit review
// until the office chooses the lead mode, with a reason; then the lead
// reads and waits for 教育's part, submits only once 教育 has, may send
// 教育's part back but not approve it, and the office's approval of the
// lead's report closes both and the task. A task without one lead, and a
// part delegated down to a sub-unit, are not consolidated. Each refusal has
// its code here.
#include <gtest/gtest.h>

#include "domain_fixture.h"
#include "duban/core/consolidation.h"
#include "duban/core/queue.h"

namespace duban::core {
namespace {

class ConsolidationTest : public DomainTest {
 public:
  void GivenLeadMode() {
    Do(SamplePlanWithSubUnits(), Supervisor());
    Do(SetConsolidation{"lead", "牵头单位汇总报送"}, Supervisor());
  }
};

TEST_F(ConsolidationTest, UntilTheOfficeChoosesEachUnitAnswersForItsOwnPart) {
  GivenPlan();
  EXPECT_EQ(ConsolidationMode(state), kConsolidationPerUnit) << "the default definition's mode, nothing recorded";
  EXPECT_TRUE(IsRejection(When(SetConsolidation{"per_unit", "x"}, Supervisor()), reason::kInvalidArgument))
      << "already so";
  EXPECT_EQ(ConsolidatingLead(state, 1), "");
  GivenAccepted(1, kFinance);
  GivenAccepted(1, kEducation);
  EXPECT_TRUE(When(Submit{1, kFinance, "完成", ""}, UnitActor(kFinance)).ok())
      << "the lead submits while 教育 works on";
  Do(Submit{1, kFinance, "完成", ""}, UnitActor(kFinance));
  Do(ReportProgress{1, kEducation, 90, "即将完成", "", "", ""}, UnitActor(kEducation));
  Do(Submit{1, kEducation, "完成", ""}, UnitActor(kEducation));
  EXPECT_EQ(Do(Approve{1, kEducation, "同意"}, Supervisor()), (Events{CompletionApproved{1, kEducation, "同意"}}));
  EXPECT_FALSE(FollowsAssignment(state, 1, kEducation, kFinance)) << "the lead reads only its own part";
}

TEST_F(ConsolidationTest, TheOfficeChoosesTheModeWithAReason) {
  GivenPlan();
  EXPECT_TRUE(IsRejection(When(SetConsolidation{"lead", ""}, Supervisor()), reason::kInvalidArgument));
  EXPECT_TRUE(IsRejection(When(SetConsolidation{"leader", "x"}, Supervisor()), reason::kInvalidArgument));
  EXPECT_TRUE(IsRejection(When(SetConsolidation{"lead", "x"}, UnitActor(kFinance)), reason::kForbiddenRole));
  EXPECT_EQ(Do(SetConsolidation{"lead", "牵头单位汇总报送"}, Supervisor()),
            (Events{PlanAmended{"consolidation", "lead", "牵头单位汇总报送"}}));
  EXPECT_EQ(state.consolidation, "lead");
  EXPECT_EQ(ConsolidatingLead(state, 1), kFinance);
  EXPECT_EQ(ConsolidatingLead(state, 2), "") << "task 2 names no lead unit";
  EXPECT_TRUE(IsRejection(When(SetConsolidation{"lead", "再次"}, Supervisor()), reason::kInvalidArgument))
      << "already so";
  Do(SetConsolidation{"per_unit", "恢复逐单位审核"}, Supervisor());
  EXPECT_EQ(ConsolidatingLead(state, 1), "");
}

// What the office is told on choosing lead: the tasks it leaves answering
// unit by unit (several leads, or none among two or more units).
TEST_F(ConsolidationTest, TasksWithSeveralLeadsOrNoneAreListed) {
  GivenPlan();
  EXPECT_TRUE(TasksWithoutOneLead(state).empty()) << "task 1 has one lead; tasks 2 and 3 one unit each";
  Do(Assign{2, kHealth, AssignmentRole::kResponsible}, Supervisor());
  Do(Assign{1, kHealth, AssignmentRole::kLead}, Supervisor());
  EXPECT_EQ(TasksWithoutOneLead(state), (std::vector<int32_t>{1, 2}));
  Do(SetConsolidation{"lead", "牵头单位汇总报送"}, Supervisor());
  EXPECT_EQ(ConsolidatingLead(state, 1), "") << "two leads: each answers for itself";
}

TEST_F(ConsolidationTest, TheLeadSubmitsOnlyOnceItsUnitsHave) {
  GivenLeadMode();
  GivenAccepted(1, kFinance);
  GivenAccepted(1, kEducation);
  auto r = When(Submit{1, kFinance, "汇总", ""}, UnitActor(kFinance));
  ASSERT_TRUE(IsRejection(r, reason::kConsolidationOpen));
  EXPECT_NE(r.status().message().find(kEducation), std::string::npos) << "the refusal names the open part";
  Do(Submit{1, kEducation, "教育部分完成", ""}, UnitActor(kEducation));
  EXPECT_TRUE(When(Submit{1, kFinance, "汇总", ""}, UnitActor(kFinance)).ok());
}

TEST_F(ConsolidationTest, TheOfficeApprovesTheLeadsReportAndClosesTheTaskWithIt) {
  GivenLeadMode();
  GivenSubmitted(1, kEducation);
  EXPECT_TRUE(IsRejection(When(Approve{1, kEducation, "同意"}, Supervisor()), reason::kConsolidatedReview))
      << "not one by one";
  GivenSubmitted(1, kFinance);
  auto events = Do(Approve{1, kFinance, "同意"}, Supervisor());
  EXPECT_EQ(events, (Events{CompletionApproved{1, kFinance, "同意"},
                            CompletionApproved{1, kEducation, std::string("随牵头单位") + kFinance + "汇总报告销号"},
                            TaskCompleted{1}}));
  EXPECT_EQ(A(1, kEducation).status, AssignmentStatus::kCompleted);
  EXPECT_TRUE(state.tasks.at(1).completed);
}

TEST_F(ConsolidationTest, TheLeadSendsAPartBackButDoesNotApproveIt) {
  GivenLeadMode();
  GivenSubmitted(1, kEducation);
  EXPECT_TRUE(IsRejection(When(Approve{1, kEducation, "同意"}, UnitActor(kFinance)), reason::kForbiddenRole));
  EXPECT_TRUE(IsRejection(When(Reject{1, kEducation, "缺数据"}, UnitActor(kPolice)), reason::kForbiddenRole))
      << "a unit that does not lead the task";
  EXPECT_TRUE(IsRejection(When(CancelAssignment{1, kEducation, "x"}, UnitActor(kFinance)), reason::kForbiddenRole));
  Do(Reject{1, kEducation, "请补充数据"}, UnitActor(kFinance));
  EXPECT_EQ(A(1, kEducation).status, AssignmentStatus::kInProgress);
  EXPECT_EQ(A(1, kEducation).last_reason, "请补充数据");
}

TEST_F(ConsolidationTest, TheLeadReadsAndQueuesItsUnitsPartsTheOfficeDoesNot) {
  GivenLeadMode();
  GivenSubmitted(1, kEducation);
  GivenSubmitted(2, kPolice);
  EXPECT_TRUE(FollowsAssignment(state, 1, kEducation, kFinance));
  EXPECT_FALSE(FollowsAssignment(state, 1, kFinance, kEducation)) << "not the other way";
  EXPECT_FALSE(FollowsAssignment(state, 2, kPolice, kFinance)) << "not on a task it does not lead";
  QueueOptions o;
  const auto office = Queue(state, QueueKind::kSubmissions, o);
  ASSERT_EQ(office.size(), 1U);
  EXPECT_EQ(office[0].unit, kPolice) << "教育's part waits for the lead";
  o.delegator = kFinance;
  const auto lead = Queue(state, QueueKind::kSubmissions, o);
  ASSERT_EQ(lead.size(), 1U);
  EXPECT_EQ(lead[0].unit, kEducation);
}

TEST_F(ConsolidationTest, APartDelegatedDownAnswersToItsParentNotTheLead) {
  GivenLeadMode();
  GivenAccepted(1, kEducation);
  Do(Delegate{1, kEducation, kSchoolOffice, "", "办公室承办"}, UnitActor(kEducation));
  EXPECT_EQ(ConsolidatorOf(state, 1, kSchoolOffice), "");
  EXPECT_EQ(ConsolidatorOf(state, 1, kEducation), kFinance);
  EXPECT_TRUE(FollowsAssignment(state, 1, kSchoolOffice, kFinance)) << "the lead reads down its units' trees";
  GivenAccepted(1, kSchoolOffice);
  Do(Submit{1, kSchoolOffice, "完成", ""}, UnitActor(kSchoolOffice));
  EXPECT_TRUE(IsRejection(When(Reject{1, kSchoolOffice, "x"}, UnitActor(kFinance)), reason::kForbiddenRole));
  EXPECT_TRUE(When(Approve{1, kSchoolOffice, "同意"}, UnitActor(kEducation)).ok());
}

TEST_F(ConsolidationTest, AStragglerAfterTheLeadsReportIsTheOfficesToReview) {
  GivenLeadMode();
  GivenSubmitted(1, kEducation);
  GivenSubmitted(1, kFinance);
  Do(Reject{1, kEducation, "请补充"}, UnitActor(kFinance));
  Do(Approve{1, kFinance, "同意"}, Supervisor());
  EXPECT_FALSE(state.tasks.at(1).completed) << "教育 was sent back";
  Do(Submit{1, kEducation, "补充完成", ""}, UnitActor(kEducation));
  auto events = Do(Approve{1, kEducation, "同意"}, Supervisor());
  EXPECT_EQ(events, (Events{CompletionApproved{1, kEducation, "同意"}, TaskCompleted{1}}));
}

TEST_F(ConsolidationTest, APartResubmittedAfterTheLeadsReportIsNotClosedWithIt) {
  GivenLeadMode();
  GivenSubmitted(1, kEducation);
  GivenSubmitted(1, kFinance);
  Do(Reject{1, kEducation, "请补充"}, UnitActor(kFinance));
  now += Instant{24} * 3600 * 1000;
  Do(Submit{1, kEducation, "补充后", ""}, UnitActor(kEducation));
  EXPECT_EQ(Do(Approve{1, kFinance, "同意"}, Supervisor()), (Events{CompletionApproved{1, kFinance, "同意"}}))
      << "the lead's report did not consolidate what came after it";
  EXPECT_EQ(A(1, kEducation).status, AssignmentStatus::kSubmitted);
  EXPECT_EQ(Do(Approve{1, kEducation, "同意"}, Supervisor()),
            (Events{CompletionApproved{1, kEducation, "同意"}, TaskCompleted{1}}));
}

TEST_F(ConsolidationTest, ALeadWhosePartIsClosedNoLongerActsOnTheParts) {
  GivenLeadMode();
  Do(Return{1, kFinance, "不属于本单位牵头"}, UnitActor(kFinance));
  GivenSubmitted(1, kEducation);
  EXPECT_TRUE(IsRejection(When(Reject{1, kEducation, "x"}, UnitActor(kFinance)), reason::kForbiddenRole))
      << "a lead that returned the task";
  QueueOptions o;
  const auto office = Queue(state, QueueKind::kSubmissions, o);
  ASSERT_EQ(office.size(), 1U) << "the part waits for the office now";
  EXPECT_EQ(office[0].unit, kEducation);
  EXPECT_TRUE(When(Approve{1, kEducation, "同意"}, Supervisor()).ok());
}

TEST_F(ConsolidationTest, ADefinitionThatConsolidatesByLeadIsRecordedAtImport) {
  auto def = workflows::WorkflowDefinition::Default();
  ASSERT_TRUE(def.ok());
  def->consolidation = "lead";
  auto events = Decide(state, Cmd(SamplePlan(), Supervisor()), TimeRules{}, *def);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  EXPECT_EQ(events->back(), EventBody(PlanAmended{"consolidation", "lead", "the workflow definition's consolidation"}))
      << "the log says the plan's mode: a later build's default changes no plan";
  for (const auto& e : *events) Apply(e);
  EXPECT_EQ(ConsolidatingLead(state, 1), kFinance);
}

// The lead takes exactly the lead_unit steps the definition declares, on a
// part it consolidates, from exactly the states declared.
TEST_F(ConsolidationTest, TheLeadTakesExactlyItsDeclaredSteps) {
  const auto& def = Definition();
  int allowed = 0;
  for (const auto& tr : def.lifecycle.transitions)
    for (const std::string& state_name : def.lifecycle.states) {
      state = PlanState{};
      GivenLeadMode();
      state.assignments.at({1, kEducation}).status = *ParseStatus(state_name);
      state.assignments.at({1, kEducation}).pending_extension = "2021-11-30";
      CommandBody body;
      if (tr.action == "approve")
        body = Approve{1, kEducation, ""};
      else if (tr.action == "reject")
        body = Reject{1, kEducation, "x"};
      else if (tr.action == "cancel_assignment")
        body = CancelAssignment{1, kEducation, "x"};
      else if (tr.action == "grant_extension")
        body = GrantExtension{1, kEducation, ""};
      else if (tr.action == "deny_extension")
        body = DenyExtension{1, kEducation, "x"};
      else
        continue;
      const bool decided = When(body, UnitActor(kFinance)).ok();
      const bool declared = def.CheckStep(tr.action, workflows::kRoleLeadUnit, state_name).ok();
      EXPECT_EQ(decided, declared) << tr.action << " from " << state_name;
      allowed += declared;
    }
  EXPECT_EQ(allowed, 1) << "reject from submitted";
}

}  // namespace
}  // namespace duban::core
