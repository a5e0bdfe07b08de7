// Delegation trees (多级下发, issue 20) on the embedded store with the
// workflow's timer policy: three levels (财政 -> 预算科 -> 一股), each with
// its own deadline and timers on the statutory calendar; a late child's
// ladder tells the unit that delegated it, never the office; the middle
// unit cannot submit while its child is open, closes it with a reason, and
// the tree is reviewed bottom-up. Ends with verify ok, a rebuild identical,
// and the tree as it was after a reopen.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "duban/core/workflow_timer_policy.h"
#include "duban/schemas/codec.h"
#include "store_util.h"

namespace duban {
namespace {

using namespace duban::testing;
using namespace duban::schemas;

class DelegationEngineTest : public EngineFixture {
 public:
  void SetUp() override {
    auto policy = WorkflowTimerPolicy::Default();
    ASSERT_TRUE(policy.ok()) << policy.status().ToString();
    Open(*policy);
  }
};

TEST_F(DelegationEngineTest, AThreeLevelTreeRunsItsOwnTimersAndALateChildTellsItsParentNotTheOffice) {
  Do(SamplePlanWithSubUnits(), Supervisor());
  Do(Accept{1, kFinance}, UnitActor(kFinance));
  Do(Delegate{1, kFinance, kBudget, "2021-09-30", "预算科起草"}, UnitActor(kFinance));
  Do(Accept{1, kBudget}, UnitActor(kBudget));
  Do(Delegate{1, kBudget, kBudgetDesk, "2021-09-15", "一股承办数据部分"}, UnitActor(kBudget));
  Do(Accept{1, kBudgetDesk}, UnitActor(kBudgetDesk));
  EXPECT_EQ(A(1, kBudgetDesk).parent, kBudget);
  const auto armed = Armed(1, kBudgetDesk);
  EXPECT_NE(std::find(armed.begin(), armed.end(), "missed 2021-09-15 2021-09-16"), armed.end())
      << "the grandchild's own deadline is armed";

  std::vector<Event> late;  // what the clock wrote about the grandchild
  for (Date d = *Date::Parse("2021-09-01"); d <= *Date::Parse("2021-10-12"); d = d.AddDays(1))
    for (const Event& e : TickOn(d.ToString()))
      if (UnitOf(e.body) == kBudgetDesk) late.push_back(e);
  ASSERT_FALSE(late.empty());
  bool missed = false, escalated = false;
  for (const Event& e : late) {
    if (const auto* m = std::get_if<DeadlineMissed>(&e.body)) {
      missed = true;
      EXPECT_EQ(DayOf(e.occurred_at).ToString(), "2021-09-16");
      EXPECT_EQ(m->due_on, "2021-09-15");
    }
    if (const auto* r = std::get_if<EscalationRaised>(&e.body)) {
      escalated = true;
      EXPECT_NE(std::find(r->notify.begin(), r->notify.end(), kBudget), r->notify.end())
          << "level " << r->level << " tells the unit that delegated it";
      EXPECT_EQ(std::find(r->notify.begin(), r->notify.end(), "office"), r->notify.end())
          << "level " << r->level << " does not go over its parent's head to the office";
    }
  }
  EXPECT_TRUE(missed);
  EXPECT_TRUE(escalated);
  EXPECT_TRUE(A(1, kBudget).overdue) << "预算科, due 09-30, is late from 10-08 (after 国庆)";
  EXPECT_FALSE(A(1, kFinance).overdue) << "财政, due 10-31, is not";

  // 预算科 cannot submit over its open child: it closes it with a reason.
  now = At("2021-10-12");
  Do(ReportProgress{1, kBudget, 90, "数据部分由本科完成"}, UnitActor(kBudget));
  auto blocked = Submit(schemas::Submit{1, kBudget, "完成"}, UnitActor(kBudget));
  EXPECT_EQ(blocked.status.reason(), core::reason::kDelegationOpen);
  Do(CancelAssignment{1, kBudgetDesk, "一股未按期完成，改由本科办理"}, UnitActor(kBudget));
  Do(schemas::Submit{1, kBudget, "完成"}, UnitActor(kBudget));
  Do(Approve{1, kBudget, "同意"}, UnitActor(kFinance));
  Do(ReportProgress{1, kFinance, 95, "汇总完成"}, UnitActor(kFinance));
  Do(schemas::Submit{1, kFinance, "完成"}, UnitActor(kFinance));
  EXPECT_TRUE(Armed(1, kBudgetDesk).empty()) << "a cancelled child's timers are gone";
  ExpectVerifiedAndRebuiltIdentically();
  Reopen();
  auto plan = engine->Plan("p1");
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->meta.sub_units.size(), 4U) << "the plan's sub-units survive a reopen";
  EXPECT_EQ(A(1, kBudgetDesk).parent, kBudget);
  EXPECT_EQ(A(1, kBudgetDesk).status, core::AssignmentStatus::kCancelled);
  EXPECT_EQ(A(1, kBudget).status, core::AssignmentStatus::kCompleted);
}

// Delegating is the parent's act as well as the child's start: the parent's
// row (its last act) is written as it happens, not only by a rebuild. The
// workbench's first run found a parent whose row differed from a rebuild
// when nothing of its own followed the delegation.
TEST_F(DelegationEngineTest, TheParentsRowIsWrittenWhenItDelegates) {
  Do(SamplePlanWithSubUnits(), Supervisor());
  Do(Accept{1, kFinance}, UnitActor(kFinance));
  now = At("2021-03-25");
  Do(Delegate{1, kFinance, kBudget, "2021-09-30", "预算科起草"}, UnitActor(kFinance));
  EXPECT_EQ(A(1, kFinance).last_act_at, At("2021-03-25"));
  auto rows = engine->Assignments(StatusFilter{"p1", kFinance, std::nullopt, false});
  ASSERT_TRUE(rows.ok());
  auto row = std::find_if(rows->begin(), rows->end(), [](const AssignmentRow& r) { return r.task == 1; });
  ASSERT_NE(row, rows->end());
  EXPECT_EQ(row->a.last_act_at, At("2021-03-25")) << "the stored row, as read by every query";
  ExpectVerifiedAndRebuiltIdentically();
}

}  // namespace
}  // namespace duban
