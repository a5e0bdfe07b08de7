// One lifecycle: the transitions decide enforces are the ones the workflow
// definition declares (workflows/definitions/default.yaml). Walks every
// (state, action, role) of the definition and asks both: Decide on a plan
// whose one assignment is in that state, and WorkflowDefinition::CheckStep.
// Every precondition other than state and role is met in every case (a
// pending extension request, an open look-back cycle, a unit to move work to,
// the acting unit's own assignment), so a refusal can only come from the
// state or the role. A change to either side that the other does not share
// fails here, naming the case.
#include <gtest/gtest.h>

#include <map>

#include "duban/core/domain.h"
#include "duban/workflows/definition.h"
#include "test_support.h"

namespace duban::core {
namespace {

using namespace duban::schemas;
using namespace duban::testing;

const std::string kUnit = "市财政局";
const std::string kOther = "市教育局";
const std::string kSub = "市财政局预算科";  // below kUnit in the plan's unit directory

// A plan with task 1 assigned to kUnit in `status`, the task closed when the
// assignment's status closes it, an extension request pending and an open
// look-back cycle (what reopen needs).
PlanState PlanWithAssignmentIn(AssignmentStatus status) {
  PlanState s;
  s.id = "p1";
  s.exists = true;
  s.version = 9;
  s.units = {kUnit, kOther};
  s.meta.sub_units = {{kSub, kUnit}};
  TaskState t;
  t.number = 1;
  t.deadline.due_on = "2021-10-31";
  t.completed = status == AssignmentStatus::kCompleted;
  t.cancelled = status == AssignmentStatus::kCancelled;
  s.tasks[1] = t;
  AssignmentState a;
  a.task = 1;
  a.unit = kUnit;
  a.status = status;
  a.due_on = "2021-10-31";
  a.pending_extension = "2021-11-30";
  s.assignments[{1, kUnit}] = a;
  CycleState lookback;
  lookback.kind = "lookback";
  lookback.due_on = "2021-12-20";
  s.cycles["lb"] = lookback;
  return s;
}

// The command each action of the definition stands for.
CommandBody CommandFor(const std::string& action) {
  static const std::map<std::string, CommandBody> kCommands = {
      {"accept", Accept{1, kUnit}},
      {"return", Return{1, kUnit, "不属本单位职责"}},
      {"reassign", Reassign{1, kUnit, kOther, "职责调整"}},
      {"report_progress", ReportProgress{1, kUnit, 50, "已完成一半"}},
      {"submit", Submit{1, kUnit, "已完成", ""}},
      {"approve", Approve{1, kUnit, "同意销号"}},
      {"reject", schemas::Reject{1, kUnit, "材料不全"}},
      {"reopen", ReopenAssignment{1, kUnit, "回头看发现未完成", "lb", ""}},
      {"request_extension", RequestExtension{1, kUnit, "2021-12-31", "需上级批复"}},
      {"grant_extension", GrantExtension{1, kUnit, ""}},
      {"deny_extension", DenyExtension{1, kUnit, "理由不充分"}},
      {"cancel", CancelTask{1, "任务合并"}},
      {"set_deadline", SetDeadline{1, kUnit, "2021-12-15", "会议调整"}},
      {"cancel_assignment", CancelAssignment{1, kUnit, "不再承担"}},
      {"resolve_return", ResolveReturn{1, kUnit, kOther, "改由市教育局承担"}},
      {"urge", AddNote{1, kUnit, "urge", ""}},
      {"delegate", Delegate{1, kUnit, kSub, "", "请预算科办理"}},
  };
  auto it = kCommands.find(action);
  if (it == kCommands.end()) throw std::logic_error("no command for action " + action);
  return it->second;
}

TEST(LifecycleTest, DecideAllowsExactlyTheStepsTheDefinitionDeclaresForEveryStateActionAndRole) {
  auto def = workflows::WorkflowDefinition::Default();
  ASSERT_TRUE(def.ok()) << def.status().ToString();
  const std::vector<Role> roles = {Role::kSupervisor, Role::kUnit, Role::kAuditor, Role::kSystem};
  int allowed = 0, cases = 0;
  for (const auto& tr : def->lifecycle.transitions) {
    for (const std::string& state_name : def->lifecycle.states) {
      const auto status = ParseStatus(state_name);
      ASSERT_TRUE(status.has_value()) << "the definition names a state decide does not know: " << state_name;
      const PlanState s = PlanWithAssignmentIn(*status);
      for (Role role : roles) {
        Command c;
        c.command_id = "c";
        c.plan_id = "p1";
        // A unit acts on its own assignment; others act as the office would.
        c.actor = Actor{role == Role::kUnit ? kUnit : "督查室", role, "某人"};
        c.issued_at = At("2021-10-20");
        c.body = CommandFor(tr.action);
        const bool decided = Decide(s, c).ok();
        const bool declared = def->CheckStep(tr.action, RoleName(role), state_name).ok();
        EXPECT_EQ(decided, declared) << tr.action << " from " << state_name << " as " << RoleName(role) << ": decide "
                                     << (decided ? "allows" : "refuses") << ", the definition "
                                     << (declared ? "allows" : "refuses");
        allowed += declared;
        ++cases;
      }
    }
  }
  EXPECT_EQ(cases, 17 * 7 * 4) << "every action of the definition, in every state, for every role";
  EXPECT_GT(allowed, 12) << "each action is allowed somewhere";
}

// The unit that delegated an assignment takes the steps the definition gives
// the delegating_unit on it (review, cancel), in exactly the states declared.
TEST(LifecycleTest, TheDelegatingUnitTakesExactlyItsDeclaredStepsOnWhatItDelegated) {
  auto def = workflows::WorkflowDefinition::Default();
  ASSERT_TRUE(def.ok()) << def.status().ToString();
  int allowed = 0;
  for (const auto& tr : def->lifecycle.transitions) {
    for (const std::string& state_name : def->lifecycle.states) {
      PlanState s = PlanWithAssignmentIn(AssignmentStatus::kInProgress);
      AssignmentState child = s.assignments.at({1, kUnit});
      child.unit = kSub;
      child.parent = kUnit;
      child.status = *ParseStatus(state_name);
      child.due_on = "2021-10-15";
      child.pending_extension = "2021-10-25";  // within the delegating unit's own 2021-10-31
      s.assignments[{1, kSub}] = child;
      Command c;
      c.command_id = "c";
      c.plan_id = "p1";
      c.actor = Actor{kUnit, Role::kUnit, "某人"};
      c.issued_at = At("2021-10-20");
      c.body = CommandFor(tr.action);
      std::visit(
          [](auto& b) {
            if constexpr (requires { b.unit; }) b.unit = kSub;
            if constexpr (requires { b.from_unit; }) b.from_unit = kSub;
          },
          c.body);
      if (!std::holds_alternative<Approve>(c.body) && !std::holds_alternative<schemas::Reject>(c.body) &&
          !std::holds_alternative<CancelAssignment>(c.body) && !std::holds_alternative<GrantExtension>(c.body) &&
          !std::holds_alternative<DenyExtension>(c.body))
        continue;
      const bool decided = Decide(s, c).ok();
      const bool declared = def->CheckStep(tr.action, workflows::kRoleDelegatingUnit, state_name).ok();
      EXPECT_EQ(decided, declared) << tr.action << " from " << state_name;
      allowed += declared;
    }
  }
  EXPECT_EQ(allowed, 1 + 1 + 5 + 3 + 3)
      << "approve and reject from submitted, cancel from five states, an extension answered in three";
}

}  // namespace
}  // namespace duban::core
