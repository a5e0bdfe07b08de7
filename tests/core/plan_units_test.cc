// A unit added to a live plan (PlanUnitAdded), decided and evolved: work can
// then be assigned or moved to it, it delegates to the sub-units that came
// with it, and what would make the plan's unit list wrong is refused.
#include <gtest/gtest.h>

#include "domain_fixture.h"

namespace duban::core {
namespace {

const std::string kCivil = "市民政局";
const std::string kRelief = "市民政局社会救助科";

class PlanUnitsTest : public DomainTest {
 public:
  AddUnit CivilAffairs() { return AddUnit{kCivil, {{kRelief, kCivil}}, "职责调整"}; }
};

TEST_F(PlanUnitsTest, WorkCannotGoToAUnitThePlanNeverNamedUntilTheOfficeAddsIt) {
  GivenPlan();
  auto r = When(Reassign{2, kPolice, kCivil, "职责调整"}, Supervisor());
  ASSERT_TRUE(IsRejection(r, reason::kUnknownUnit));
  EXPECT_NE(r.status().message().find("plan add-unit"), std::string::npos)
      << "the refusal says how: " << r.status().message();
  EXPECT_EQ(Do(CivilAffairs(), Supervisor()), (Events{PlanUnitAdded{kCivil, {{kRelief, kCivil}}, "职责调整"}}));
  EXPECT_TRUE(state.units.count(kCivil));
  EXPECT_EQ(state.meta.units.back(), kCivil) << "the plan row's list holds it, so it survives a reload";
  ASSERT_FALSE(state.meta.sub_units.empty());
  EXPECT_EQ(state.meta.sub_units.back(), (SubUnit{kRelief, kCivil}));
  Do(Reassign{2, kPolice, kCivil, "职责调整"}, Supervisor());
  EXPECT_EQ(A(2, kCivil).status, AssignmentStatus::kAssigned);
  EXPECT_EQ(A(2, kCivil).due_on, "2021-12-31");
  EXPECT_EQ(Do(Assign{1, kCivil, AssignmentRole::kResponsible}, Supervisor()),
            (Events{AssignmentCreated{1, kCivil, AssignmentRole::kResponsible, "2021-10-31"}}));
}

TEST_F(PlanUnitsTest, TheAddedUnitDelegatesToTheSubUnitsThatCameWithIt) {
  GivenPlan();
  Do(CivilAffairs(), Supervisor());
  Do(Assign{1, kCivil, AssignmentRole::kResponsible}, Supervisor());
  GivenAccepted(1, kCivil);
  Do(Delegate{1, kCivil, kRelief, "2021-10-15", "请救助科承办"}, UnitActor(kCivil));
  EXPECT_EQ(A(1, kRelief).parent, kCivil);
}

// A town added to a plan that names its district comes below the district
// (the directory's parent, first in the command): the district delegates to it.
TEST_F(PlanUnitsTest, AUnitAddedBelowAUnitOfThePlanIsPlacedThereSoThatUnitDelegatesToIt) {
  GivenPlan();
  EXPECT_EQ(Do(AddUnit{kRelief, {{kRelief, kCivil}}, "职责调整"}, Supervisor()),
            (Events{PlanUnitAdded{kRelief, {}, "职责调整"}}))
      << "民政 is not the plan's: the unit waits to be placed when 民政 comes";
  EXPECT_EQ(Do(CivilAffairs(), Supervisor()), (Events{PlanUnitAdded{kCivil, {{kRelief, kCivil}}, "职责调整"}}));
  const std::string town = "市民政局养老服务科";
  EXPECT_EQ(Do(AddUnit{town, {{town, kCivil}}, "职责调整"}, Supervisor()),
            (Events{PlanUnitAdded{town, {{town, kCivil}}, "职责调整"}}));
  Do(Assign{1, kCivil, AssignmentRole::kResponsible}, Supervisor());
  GivenAccepted(1, kCivil);
  Do(Delegate{1, kCivil, town, "2021-10-15", "请养老服务科承办"}, UnitActor(kCivil));
  EXPECT_EQ(A(1, town).parent, kCivil);
  EXPECT_TRUE(
      IsRejection(When(AddUnit{"某科", {{"某科", "某科"}}, "职责调整"}, Supervisor()), reason::kInvalidArgument));
}

// A sub-unit the import placed, added as a unit of the plan itself (work
// given to it directly): it stays where it is, recorded once.
TEST_F(PlanUnitsTest, ASubUnitThePlanPlacedAlreadyIsNotPlacedTwice) {
  Do(SamplePlanWithSubUnits(), Supervisor());
  EXPECT_EQ(Do(AddUnit{kBudget, {{kBudget, kFinance}, {kBudgetDesk, kBudget}}, "职责调整"}, Supervisor()),
            (Events{PlanUnitAdded{kBudget, {}, "职责调整"}}));
  EXPECT_EQ(std::count(state.meta.sub_units.begin(), state.meta.sub_units.end(), SubUnit{kBudget, kFinance}), 1);
}

TEST_F(PlanUnitsTest, OnlyTheOfficeAddsAUnitAndSaysWhy) {
  GivenPlan();
  EXPECT_TRUE(IsRejection(When(CivilAffairs(), UnitActor(kFinance)), reason::kForbiddenRole));
  EXPECT_TRUE(IsRejection(When(AddUnit{kCivil, {}, "  "}, Supervisor()), reason::kInvalidArgument));
  EXPECT_TRUE(state.units.count(kCivil) == 0);
}

TEST_F(PlanUnitsTest, ANameThatWouldMakeTheListWrongIsRefused) {
  Do(SamplePlanWithSubUnits(), Supervisor());
  for (const std::string& bad :
       {std::string(""), std::string(" 市民政局"), std::string("市民政局 "), std::string("市民\n政局"),
        std::string(300, 'x'), std::string("市民政局\xe2\x80\x8b"), std::string("市民政局\xe3\x80\x80"),
        std::string("市民政局、市公安局"), std::string("市民政局,市公安局"), std::string("市民政局\xc2\xa0"),
        std::string("\xc2\xa0市民政局"), std::string("市民政局\xcd\x8f"), std::string("市民政局\xef\xbd\xa4市公安局"),
        std::string("市民政局/市公安局")})
    EXPECT_TRUE(IsRejection(When(AddUnit{bad, {}, "职责调整"}, Supervisor()), reason::kInvalidArgument))
        << "[" << bad << "]";
  auto twice = When(AddUnit{kFinance, {}, "职责调整"}, Supervisor());
  ASSERT_TRUE(IsRejection(twice, reason::kInvalidArgument));
  EXPECT_NE(twice.status().message().find("already a unit of this plan"), std::string::npos);
  // A sub-unit must hang below the unit added (or one listed before it), and be new to the plan.
  EXPECT_TRUE(
      IsRejection(When(AddUnit{kCivil, {{kRelief, kFinance}}, "职责调整"}, Supervisor()), reason::kInvalidArgument));
  EXPECT_TRUE(IsRejection(When(AddUnit{kCivil, {{kRelief, kCivil}, {kRelief, kCivil}}, "职责调整"}, Supervisor()),
                          reason::kInvalidArgument));
  // A chain, parents first, is taken.
  EXPECT_TRUE(When(AddUnit{kCivil, {{kRelief, kCivil}, {"救助一股", kRelief}}, "职责调整"}, Supervisor()).ok());
}

// The directory's units below the added one come whatever the plan holds (a
// retry is the same command); the event records those it does not place.
TEST_F(PlanUnitsTest, ASubUnitThePlanPlacesStaysWhereItIsAndAUnitOfThePlanMayBeOne) {
  Do(SamplePlanWithSubUnits(), Supervisor());
  EXPECT_EQ(Do(AddUnit{kCivil, {{kBudget, kCivil}, {kRelief, kBudget}, {kHealth, kCivil}}, "职责调整"}, Supervisor()),
            (Events{PlanUnitAdded{kCivil, {{kRelief, kBudget}, {kHealth, kCivil}}, "职责调整"}}))
      << "财政's 预算科 stays under 财政, the unit below it placed under it still; 卫健, a unit of the plan, is "
         "placed under 民政";
  // 卫健 is a unit of the plan and now below 民政 too: 民政 delegates to it.
  Do(Assign{1, kCivil, AssignmentRole::kResponsible}, Supervisor());
  GivenAccepted(1, kCivil);
  Do(Delegate{1, kCivil, kHealth, "2021-10-15", ""}, UnitActor(kCivil));
  EXPECT_EQ(A(1, kHealth).parent, kCivil);
}

TEST_F(PlanUnitsTest, AUnitAddedBeforeTheOneAboveItIsPlacedBelowItWhenThatOneComes) {
  GivenPlan();
  Do(AddUnit{kRelief, {}, "职责调整"}, Supervisor());
  EXPECT_EQ(Do(AddUnit{kCivil, {{kRelief, kCivil}}, "职责调整"}, Supervisor()),
            (Events{PlanUnitAdded{kCivil, {{kRelief, kCivil}}, "职责调整"}}));
}

TEST_F(PlanUnitsTest, NeitherAUnitNorItsWorkIsBackEnteredBeforeThePlanWasIssued) {
  GivenPlan();  // issued 2021-03-15
  Command c = Cmd(CivilAffairs(), Supervisor());
  c.effective_at = At("2021-03-01");
  c.back_entry_reason = "纸质通知";
  EXPECT_TRUE(IsRejection(Decide(state, c), reason::kInvalidArgument));
  Do(CivilAffairs(), Supervisor());
  Command a = Cmd(Assign{1, kCivil, AssignmentRole::kResponsible}, Supervisor());
  a.effective_at = At("2021-03-01");
  a.back_entry_reason = "纸质通知";
  EXPECT_TRUE(IsRejection(Decide(state, a), reason::kInvalidArgument));
}

// assign, like reassign, does not hand a unit work whose date has passed.
TEST_F(PlanUnitsTest, WorkWhoseDateHasPassedIsAssignedOnlyWithADayToCome) {
  GivenPlan();  // task 1 due 2021-10-31
  Do(CivilAffairs(), Supervisor());
  now = At("2021-11-05");
  auto r = When(Assign{1, kCivil, AssignmentRole::kResponsible}, Supervisor());
  ASSERT_TRUE(IsRejection(r, reason::kInvalidArgument));
  EXPECT_NE(r.status().message().find("--due"), std::string::npos) << r.status().message();
  EXPECT_TRUE(IsRejection(When(Assign{1, kCivil, AssignmentRole::kResponsible, "2021-11-01"}, Supervisor()),
                          reason::kInvalidArgument));
  EXPECT_TRUE(IsRejection(When(Assign{1, kCivil, AssignmentRole::kResponsible, "2021-11-31"}, Supervisor()),
                          reason::kInvalidArgument));
  EXPECT_TRUE(IsRejection(When(Assign{1, kCivil, AssignmentRole::kResponsible, "2072-11-30"}, Supervisor()),
                          reason::kInvalidArgument))
      << "a date more than ten years away is a typo";
  EXPECT_EQ(Do(Assign{1, kCivil, AssignmentRole::kResponsible, "2021-11-30"}, Supervisor()),
            (Events{AssignmentCreated{1, kCivil, AssignmentRole::kResponsible, "2021-11-30"}}));
  EXPECT_EQ(A(1, kCivil).due_on, "2021-11-30");
  // A task with no date (全年, unresolved) takes a unit as it is.
  EXPECT_TRUE(When(Assign{3, kCivil, AssignmentRole::kResponsible}, Supervisor()).ok());
}

TEST_F(PlanUnitsTest, ATaskConsolidatedByItsLeadTakesNoSecondLead) {
  GivenPlan();
  Do(SetConsolidation{"lead", "牵头单位汇总报送"}, Supervisor());
  Do(CivilAffairs(), Supervisor());
  auto r = When(Assign{1, kCivil, AssignmentRole::kLead}, Supervisor());
  ASSERT_TRUE(IsRejection(r, reason::kInvalidArgument));
  EXPECT_NE(r.status().message().find(kFinance), std::string::npos) << "names the lead: " << r.status().message();
  EXPECT_TRUE(When(Assign{1, kCivil, AssignmentRole::kResponsible}, Supervisor()).ok());
}

TEST_F(PlanUnitsTest, AWithdrawnPlanTakesNoUnit) {
  GivenPlan();
  Do(WithdrawPlan{"方案废止"}, Supervisor());
  EXPECT_TRUE(IsRejection(When(CivilAffairs(), Supervisor()), reason::kPlanWithdrawn));
}

}  // namespace
}  // namespace duban::core
