// Lead-unit consolidation (牵头单位汇总, issue 20) on the embedded store with
// the workflow's timer policy: the office's choice is recorded in the log
// and survives a reopen (plan rows format 3); the lead's report, refused
// while its unit works on, closes both parts when the office approves it,
// and with them their timers; verify ok and a rebuild identical.
#include <gtest/gtest.h>

#include "duban/core/consolidation.h"
#include "duban/core/workflow_timer_policy.h"
#include "store_util.h"

namespace duban {
namespace {

using namespace duban::testing;
using namespace duban::schemas;

class ConsolidationEngineTest : public EngineFixture {
 public:
  void SetUp() override {
    auto policy = WorkflowTimerPolicy::Default();
    ASSERT_TRUE(policy.ok()) << policy.status().ToString();
    Open(*policy);
  }
};

TEST_F(ConsolidationEngineTest, TheLeadsReportClosesTheTaskAndTheChoiceSurvivesAReopen) {
  Do(SamplePlan(), Supervisor());
  Do(SetConsolidation{"lead", "牵头单位汇总报送"}, Supervisor());
  Do(Accept{1, kFinance}, UnitActor(kFinance));
  Do(Accept{1, kEducation}, UnitActor(kEducation));
  EXPECT_FALSE(Armed(1, kEducation).empty());
  auto early = Submit(schemas::Submit{1, kFinance, "汇总"}, UnitActor(kFinance));
  EXPECT_EQ(early.status.reason(), core::reason::kConsolidationOpen);
  Do(schemas::Submit{1, kEducation, "教育部分完成"}, UnitActor(kEducation));
  auto alone = Submit(Approve{1, kEducation, "同意"}, Supervisor());
  EXPECT_EQ(alone.status.reason(), core::reason::kConsolidatedReview);
  Do(schemas::Submit{1, kFinance, "汇总完成"}, UnitActor(kFinance));
  Do(Approve{1, kFinance, "同意"}, Supervisor());
  EXPECT_EQ(A(1, kEducation).status, core::AssignmentStatus::kCompleted);
  EXPECT_TRUE(Armed(1, kEducation).empty()) << "a closed part's timers are gone";
  EXPECT_TRUE(Armed(1, kFinance).empty());
  ExpectVerifiedAndRebuiltIdentically();
  Reopen();
  auto plan = engine->Plan("p1");
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->consolidation, "lead") << "the office's choice survives a reopen";
  EXPECT_TRUE(plan->tasks.at(1).completed);
}

// A unit added to a live plan is in the plan row and the snapshot: after a
// reopen work still goes to it, and a rebuild gives the same plan.
TEST_F(ConsolidationEngineTest, AUnitAddedToThePlanSurvivesAReopenAndARebuild) {
  Do(SamplePlan(), Supervisor());
  Do(AddUnit{"市民政局", {{"市民政局社会救助科", "市民政局"}}, "职责调整"}, Supervisor());
  ExpectVerifiedAndRebuiltIdentically();
  Close();
  SetUp();  // the same workflow policy: Reopen() would open with the default one
  auto plan = engine->Plan("p1");
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->units.count("市民政局"));
  ASSERT_FALSE(plan->meta.sub_units.empty());
  EXPECT_EQ(plan->meta.sub_units.back().name, "市民政局社会救助科");
  Do(Reassign{2, kPolice, "市民政局", "职责调整"}, Supervisor());
  EXPECT_EQ(A(2, "市民政局").status, core::AssignmentStatus::kAssigned);
  EXPECT_FALSE(Armed(2, "市民政局").empty()) << "the moved work's timers are armed for the added unit";
  ExpectVerifiedAndRebuiltIdentically();
}

}  // namespace
}  // namespace duban
