// The office's tools (issue 20) on the embedded store: a deadline set where
// there was none, or changed, re-arms the assignment's timers (the clock
// fires on the new date, never the old one) as a granted extension does; a
// return accepted by moving it onto a unit already on the task; one
// assignment cancelled; the office's queues; notes in the history; a unit's
// account refused. Each ends with verify ok and a rebuild identical.
#include <gtest/gtest.h>

#include <algorithm>

#include "duban/core/queue.h"
#include "duban/core/workflow_timer_policy.h"
#include "duban/schemas/codec.h"
#include "store_util.h"

namespace duban {
namespace {

using namespace duban::testing;
using namespace duban::schemas;
using core::AssignmentStatus;

using OfficeToolsTest = EngineFixture;

TEST_F(OfficeToolsTest, SettingADeadlineWhereThereWasNoneArmsTimersThatFireOnIt) {
  GivenPlan();  // task 3 (全年) names no date: nothing is armed for it
  EXPECT_TRUE(Armed(3, kFinance).empty());
  Do(SetDeadline{3, "", "2021-06-30", "常务会议明确时限"}, Supervisor());
  EXPECT_EQ(Armed(3, kFinance), (std::vector<std::string>{"missed 2021-06-30 2021-07-01"}));
  EXPECT_TRUE(TickOn("2021-06-30").empty());
  auto fired = TickOn("2021-07-01");
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(std::get<DeadlineMissed>(fired[0].body).due_on, "2021-06-30");
  EXPECT_TRUE(A(3, kFinance).overdue);
  ExpectVerifiedAndRebuiltIdentically();
}

TEST_F(OfficeToolsTest, AChangedDeadlineFiresOnTheNewDateAndNotOnTheOld) {
  GivenPlan();  // task 1: 财政 and 教育 due 2021-10-31
  Do(SetDeadline{1, kFinance, "2021-12-15", "牵头单位统筹时间延长"}, Supervisor());
  EXPECT_EQ(Armed(1, kFinance), (std::vector<std::string>{"missed 2021-12-15 2021-12-16"}));
  auto on_old = TickOn("2021-11-01");
  ASSERT_EQ(on_old.size(), 1u) << "only 教育, whose date did not move";
  EXPECT_EQ(UnitOf(on_old[0].body), kEducation);
  EXPECT_FALSE(A(1, kFinance).overdue);
  EXPECT_TRUE(TickOn("2021-12-15").empty());
  auto on_new = TickOn("2021-12-16");
  ASSERT_EQ(on_new.size(), 1u);
  EXPECT_EQ(UnitOf(on_new[0].body), kFinance);
  EXPECT_EQ(std::get<DeadlineMissed>(on_new[0].body).due_on, "2021-12-15");
  ExpectVerifiedAndRebuiltIdentically();
}

TEST_F(OfficeToolsTest, AnOverdueAssignmentGivenANewDateIsReArmedWithTheWorkflowsWholeLadder) {
  engine.reset();
  auto policy = WorkflowTimerPolicy::Default();
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  Open(*policy);
  GivenPlan();  // due 2021-10-31, a Sunday: effectively Monday 11-01, missed on Tuesday
  ASSERT_FALSE(TickOn("2021-11-02").empty());
  ASSERT_TRUE(A(1, kFinance).overdue);
  ASSERT_FALSE(TickOn("2021-11-04").empty()) << "督促整改 raised";
  ASSERT_EQ(A(1, kFinance).escalation_level, 1);
  now = At("2021-11-05");
  Do(SetDeadline{1, "", "2021-11-30", "任务调整"}, Supervisor());
  const auto a = A(1, kFinance);
  EXPECT_FALSE(a.overdue);
  EXPECT_EQ(a.escalation_level, 0);
  const auto armed = Armed(1, kFinance);
  ASSERT_FALSE(armed.empty());
  for (const auto& t : armed) EXPECT_NE(t.find(" 2021-11-30 "), std::string::npos) << t;
  EXPECT_NE(std::find(armed.begin(), armed.end(), "reminder 2021-11-30 2021-11-29"), armed.end())
      << "the 1-working-day reminder before the new date";
  EXPECT_NE(std::find(armed.begin(), armed.end(), "missed 2021-11-30 2021-12-01"), armed.end());
  ExpectVerifiedAndRebuiltIdentically();
}

TEST_F(OfficeToolsTest, AReturnMovedOntoAUnitAlreadyOnTheTaskIsMergedAndItsTimersDisarmed) {
  GivenPlan();
  Do(Accept{1, kFinance}, UnitActor(kFinance));
  Do(Return{1, kEducation, "应由牵头单位统筹"}, UnitActor(kEducation));
  auto o = Do(ResolveReturn{1, kEducation, kFinance, "并入牵头单位"}, Supervisor());
  ASSERT_EQ(o.events.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<AssignmentMerged>(o.events[0].body));
  EXPECT_EQ(A(1, kEducation).status, AssignmentStatus::kCancelled);
  EXPECT_EQ(A(1, kFinance).status, AssignmentStatus::kAccepted);
  EXPECT_EQ(A(1, kFinance).role, AssignmentRole::kLead);
  EXPECT_TRUE(Armed(1, kEducation).empty());
  EXPECT_EQ(Armed(1, kFinance).size(), 1u);
  StatusFilter f;
  f.plan_id = "p1";
  f.status = AssignmentStatus::kCancelled;
  auto rows = engine->Assignments(f);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].a.unit, kEducation);
  ExpectVerifiedAndRebuiltIdentically();
}

TEST_F(OfficeToolsTest, CancellingOneAssignmentDisarmsItAndLeavesTheOthersRunning) {
  GivenPlan();
  Do(CancelAssignment{1, kEducation, "职能划转"}, Supervisor());
  EXPECT_TRUE(Armed(1, kEducation).empty());
  auto fired = TickOn("2021-11-01");
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(UnitOf(fired[0].body), kFinance);
  // The last open assignment of task 2 cancelled: the task stays open for the office.
  Do(CancelAssignment{2, kPolice, "职能划转"}, Supervisor());
  auto plan = engine->Plan("p1");
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(plan->tasks.at(2).completed || plan->tasks.at(2).cancelled);
  EXPECT_TRUE(TickOn("2022-01-05").empty());
  ExpectVerifiedAndRebuiltIdentically();
}

TEST_F(OfficeToolsTest, TheQueuesListWhatWaitsForTheOffice) {
  GivenPlan();
  Do(Return{1, kEducation, "不属本单位职责"}, UnitActor(kEducation));
  Do(RequestExtension{2, kPolice, "2022-01-31", "需上级批复"}, UnitActor(kPolice));
  now = At("2021-03-22");
  GivenSubmitted(1, kFinance);
  auto plan = engine->Plan("p1");
  ASSERT_TRUE(plan.ok());
  auto cal = core::QueueCalendar({});
  ASSERT_TRUE(cal.ok());
  core::QueueOptions o;
  o.today = *Date::Parse("2021-03-22");
  o.calendar = &*cal;
  using core::QueueKind;
  const auto returns = core::Queue(*plan, QueueKind::kReturns, o);
  ASSERT_EQ(returns.size(), 1u);
  EXPECT_EQ(returns[0], (core::QueueItem{"p1", 1, kEducation, AssignmentStatus::kReturned, "2021-03-20", "2021-10-31",
                                         "不属本单位职责"}));
  const auto ext = core::Queue(*plan, QueueKind::kExtensions, o);
  ASSERT_EQ(ext.size(), 1u);
  EXPECT_EQ(ext[0].unit, kPolice);
  EXPECT_EQ(ext[0].detail, "asks until 2022-01-31");
  const auto subs = core::Queue(*plan, QueueKind::kSubmissions, o);
  ASSERT_EQ(subs.size(), 1u);
  EXPECT_EQ(subs[0].unit, kFinance);
  EXPECT_EQ(subs[0].since, "2021-03-22");
  EXPECT_TRUE(core::Queue(*plan, QueueKind::kSilent, o).empty()) << "two days are no silence";
  // Ten working days after 2021-03-20 (a Saturday) is 2021-04-02: 警察 asked
  // for time but never signed; 财政 on task 3 never signed either.
  o.today = *Date::Parse("2021-04-01");
  EXPECT_TRUE(core::Queue(*plan, QueueKind::kSilent, o).empty());
  o.today = *Date::Parse("2021-04-02");
  const auto silent = core::Queue(*plan, QueueKind::kSilent, o);
  ASSERT_EQ(silent.size(), 2u);
  EXPECT_EQ(silent[0].task, 2);
  EXPECT_EQ(silent[0].detail, "not accepted for 10+ working days");
  EXPECT_EQ(silent[1].task, 3);
  // Acting clears it from the queues.
  Do(DenyExtension{2, kPolice, "不予延期"}, Supervisor());
  Do(ResolveReturn{1, kEducation, "", "同意退回"}, Supervisor());
  plan = engine->Plan("p1");
  EXPECT_TRUE(core::Queue(*plan, QueueKind::kReturns, o).empty());
  EXPECT_TRUE(core::Queue(*plan, QueueKind::kExtensions, o).empty());
}

TEST_F(OfficeToolsTest, TheHistoryShowsTheOldAndNewDeadlineAndTheNotes) {
  GivenPlan();
  Do(SetDeadline{3, "", "2021-06-30", "常务会议明确时限"}, Supervisor());
  Do(AddNote{3, "", "instruction", "请财政局抓紧。——张副市长"}, Supervisor());
  Do(AddNote{3, kFinance, "comment", "请补充佐证材料"}, Supervisor());
  auto h = engine->History("p1", 3);
  ASSERT_TRUE(h.ok());
  std::vector<std::string> types;
  for (const auto& e : *h) types.push_back(EventTypeName(e.event.type));
  EXPECT_EQ(types, (std::vector<std::string>{"TaskAdded", "AssignmentCreated", "DeadlineChanged", "DeadlineChanged",
                                             "NoteAdded", "NoteAdded"}));
  EXPECT_EQ(std::get<DeadlineChanged>((*h)[3].event.body),
            (DeadlineChanged{3, kFinance, "", "2021-06-30", "常务会议明确时限"}));
  EXPECT_EQ((*h)[4].event.actor, Supervisor()) << "the author is the account that wrote it";
  ExpectVerifiedAndRebuiltIdentically();
}

TEST_F(OfficeToolsTest, AUnitsAccountIsRefusedEveryOfficeToolAndNothingChanges) {
  GivenPlan();
  const std::vector<CommandBody> tools = {
      SetDeadline{1, kFinance, "2021-12-31", "推迟"}, SetDeadline{1, "", "2021-12-31", "推迟"},
      CancelAssignment{1, kFinance, "不想做"}, ResolveReturn{1, kFinance, "", "同意"},
      AddNote{1, "", "instruction", "抓紧"}};
  for (const auto& body : tools) {
    Outcome o = Submit(body, UnitActor(kFinance));
    EXPECT_TRUE(IsRejection(o.status, "forbidden_role")) << CommandName(body);
    EXPECT_NE(o.status.message().find("only the office"), std::string::npos) << o.status.message();
  }
  EXPECT_EQ(A(1, kFinance).due_on, "2021-10-31");
  EXPECT_EQ(A(1, kFinance).status, AssignmentStatus::kAssigned);
}

}  // namespace
}  // namespace duban
