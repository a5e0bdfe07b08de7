// WorkflowDefinition: the compiled-in default follows the sample plans, the
// lifecycle answers who may do what, and every kind of mistake in a
// definition file is refused with its file and line.
#include "duban/workflows/definition.h"

#include <gtest/gtest.h>

#include "param_name.h"

#include <fstream>
#include <sstream>

#include "embedded.h"

namespace duban::workflows {
namespace {

WorkflowDefinition Def() {
  auto d = WorkflowDefinition::Default();
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  return *d;
}

TEST(WorkflowDefinition, DefaultHasTheRemindersLimitsAndLadderOfTheSamplePlans) {
  auto d = Def();
  EXPECT_EQ(d.name, "default");
  EXPECT_EQ(d.reminder_working_days_before, (std::vector<int>{10, 3, 1}));
  EXPECT_EQ(d.acceptance_working_days, 3);
  EXPECT_EQ(d.review_working_days, 5);
  ASSERT_EQ(d.escalation.size(), 3u);
  EXPECT_EQ(d.escalation[0].name, "督促整改");
  EXPECT_EQ(d.escalation[0].level, 1);
  EXPECT_EQ(d.escalation[1].name, "通报批评");
  EXPECT_EQ(d.escalation[1].level, 2);
  EXPECT_EQ(d.escalation[2].name, "约谈");
  EXPECT_EQ(d.escalation[2].level, 3);
  EXPECT_EQ(d.escalation[2].notify, (std::vector<std::string>{"unit", "office", "unit_leaders"}));
  ASSERT_NE(d.FindReviewCycle("lookback"), nullptr);
  EXPECT_TRUE(d.FindReviewCycle("lookback")->may_reopen);
  EXPECT_EQ(d.FindReviewCycle("lookback")->scope, "all");
  ASSERT_NE(d.FindReviewCycle("quarterly"), nullptr);
  EXPECT_EQ(d.FindReviewCycle("quarterly")->kind, "quarterly");
  EXPECT_EQ(d.FindReviewCycle("nope"), nullptr);
}

std::string FileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Byte for byte: the build embeds the files as they are in the source tree.
TEST(WorkflowDefinition, DefaultFileOnDiskEqualsTheEmbeddedOne) {
  const std::string disk = FileText(DUBAN_SOURCE_DIR "/workflows/definitions/default.yaml");
  ASSERT_FALSE(disk.empty());
  EXPECT_EQ(internal::EmbeddedDefinitionYaml(), disk);
  EXPECT_EQ(internal::EmbeddedCalendarYaml(), FileText(DUBAN_SOURCE_DIR "/workflows/calendars/cn-mainland.yaml"));
  auto parsed = WorkflowDefinition::LoadFile(DUBAN_SOURCE_DIR "/workflows/definitions/default.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->name, Def().name);
  EXPECT_EQ(parsed->version, Def().version);
}

TEST(WorkflowDefinition, LifecycleSaysWhoMayTakeEachStep) {
  auto d = Def();
  EXPECT_TRUE(d.CheckStep("accept", "unit", "assigned").ok());
  EXPECT_EQ(d.NextState("accept", "assigned"), "accepted");
  EXPECT_EQ(d.CheckStep("accept", "supervisor", "assigned").reason(), "role_not_allowed");
  EXPECT_EQ(d.CheckStep("accept", "unit", "completed").reason(), "invalid_state");
  EXPECT_EQ(d.CheckStep("teleport", "unit", "assigned").reason(), "unknown_action");
  EXPECT_TRUE(d.CheckStep("approve", "supervisor", "submitted").ok());
  EXPECT_EQ(d.NextState("approve", "submitted"), "completed");
  EXPECT_EQ(d.CheckStep("approve", "unit", "submitted").reason(), "role_not_allowed");
  EXPECT_EQ(d.NextState("reject", "submitted"), "in_progress");
  EXPECT_TRUE(d.CheckStep("reopen", "supervisor", "completed").ok());
  // Extensions do not move the state.
  EXPECT_TRUE(d.CheckStep("request_extension", "unit", "in_progress").ok());
  EXPECT_EQ(d.NextState("request_extension", "in_progress"), "in_progress");
  EXPECT_TRUE(d.IsTerminal("completed"));
  EXPECT_FALSE(d.IsTerminal("submitted"));
  // Auditors read only.
  for (const auto& t : d.lifecycle.transitions) {
    EXPECT_EQ(d.CheckStep(t.action, "auditor", t.from.front()).reason(), "role_not_allowed") << t.action;
  }
}

std::string DefaultText() { return FileText(DUBAN_SOURCE_DIR "/workflows/definitions/default.yaml"); }

// Replaces the first occurrence; returns the 1-based line of the change.
std::pair<std::string, int> Mutate(const std::string& from, const std::string& to) {
  std::string s = DefaultText();
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  int line = 1 + static_cast<int>(std::count(s.begin(), s.begin() + pos, '\n'));
  s.replace(pos, from.size(), to);
  return {s, line};
}

struct BadRow {
  const char* from;
  const char* to;
  const char* message;
};
// What ctest -N and a failure print for the row.
void PrintTo(const BadRow& row, std::ostream* os) { *os << row.to << " -> " << row.message; }

class BadDefinition : public ::testing::TestWithParam<BadRow> {};

TEST_P(BadDefinition, IsRefusedNamingFileAndLine) {
  const BadRow& row = GetParam();
  auto [text, line] = Mutate(row.from, row.to);
  auto d = WorkflowDefinition::Parse(text, "wf.yaml");
  ASSERT_FALSE(d.ok()) << row.to;
  EXPECT_EQ(d.status().code(), Status::Code::kInvalidArgument);
  const std::string& msg = d.status().message();
  EXPECT_EQ(msg.rfind("wf.yaml:" + std::to_string(line) + ":", 0), 0u) << msg;
  EXPECT_NE(msg.find(row.message), std::string::npos) << msg;
}

INSTANTIATE_TEST_SUITE_P(
    Mistakes, BadDefinition,
    ::testing::Values(BadRow{"to: accepted,    roles: [unit]}", "to: acepted,    roles: [unit]}",
                             "unknown target state"},
                      BadRow{"roles: [unit]}        # 签收", "roles: [units]}        # 签收", "unknown role"},
                      BadRow{"roles: [unit]}        # 签收", "roles: [auditor]}        # 签收", "read only"},
                      BadRow{"from: [assigned],                          to: accepted",
                             "from: [asigned],                          to: accepted", "unknown state"},
                      BadRow{"{action: submit,  ", "{action: accept,  ", "defined twice"},
                      BadRow{"working_days_before: [10, 3, 1]", "working_days_before: [10, 3, 3]", "listed twice"},
                      BadRow{"working_days_before: [10, 3, 1]", "working_days_before: [10, 0, 1]", "1..250"},
                      BadRow{"acceptance_working_days: 3", "acceptance_working_days: three", "whole number"},
                      BadRow{"{name: 通报批评, level: 2", "{name: 通报批评, level: 1", "levels must increase"},
                      BadRow{"level: 2, delay_working_days: 5", "level: 2, delay_working_days: -5", "whole number"},
                      BadRow{"notify: [unit, office]}", "notify: [unit, mayor]}", "unknown recipient"},
                      BadRow{"kind: quarterly", "kind: weekly", "unknown cycle kind"},
                      BadRow{"scope: all, may_reopen: true", "scope: open, may_reopen: true", "needs scope 'all'"},
                      BadRow{"review_working_days: 5", "review_workdays: 5", "unknown key"},
                      BadRow{"initial: assigned", "initial: draft", "not in states"},
                      BadRow{"clock_skew_minutes: 5", "clock_skew_minutes: -5", "whole number"},
                      BadRow{"office_back_entry: true", "office_back_entry: maybe", "true or false"},
                      BadRow{"office_back_entry: true", "office_backentry: true", "unknown key"},
                      BadRow{"  max_levels: 3", "  max_levels: 0", "max_levels"},
                      BadRow{"  max_levels: 3", "  max_depth: 3", "unknown key"},
                      BadRow{"from: [submitted],                         to: completed",
                             "from: [completed],                         to: completed", "terminal state"}),
    [](const ::testing::TestParamInfo<BadRow>& info) {
      return duban::testing::ParamName(info.index, info.param.message);
    });

// `times:` bounds the effective time a writer claims (core::TimeRules).
TEST(WorkflowDefinition, TimesSayHowFarAClaimedTimeMayStrayAndWhetherTheOfficeMayBackEnter) {
  EXPECT_EQ(Def().clock_skew_minutes, 5);
  EXPECT_TRUE(Def().office_back_entry);
  auto [text, line] = Mutate("  clock_skew_minutes: 5\n  office_back_entry: true",
                             "  clock_skew_minutes: 15\n  office_back_entry: false");
  auto d = WorkflowDefinition::Parse(text, "wf.yaml");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->clock_skew_minutes, 15);
  EXPECT_FALSE(d->office_back_entry);
  auto [without, l2] = Mutate("times:\n  clock_skew_minutes: 5\n  office_back_entry: true\n", "");
  auto plain = WorkflowDefinition::Parse(without, "wf.yaml");
  ASSERT_TRUE(plain.ok()) << "times: is optional: " << plain.status().ToString();
  EXPECT_EQ(plain->clock_skew_minutes, 5);
  EXPECT_TRUE(plain->office_back_entry);
}

TEST(WorkflowDefinition, DelegationSaysHowDeepATreeMayGrowAndWhoReviewsAChild) {
  EXPECT_EQ(Def().delegation_max_levels, 3);
  EXPECT_TRUE(Def().CheckStep("approve", kRoleDelegatingUnit, "submitted").ok());
  EXPECT_TRUE(Def().CheckStep("cancel_assignment", kRoleDelegatingUnit, "in_progress").ok());
  EXPECT_FALSE(Def().CheckStep("set_deadline", kRoleDelegatingUnit, "in_progress").ok());
  EXPECT_TRUE(Def().CheckStep("delegate", kRoleUnit, "accepted").ok());
  EXPECT_FALSE(Def().CheckStep("delegate", kRoleUnit, "assigned").ok()) << "signed for (签收) first";
  auto [text, line] = Mutate("  max_levels: 3", "  max_levels: 1");
  auto d = WorkflowDefinition::Parse(text, "wf.yaml");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->delegation_max_levels, 1) << "1: no delegation at all";
}

TEST(WorkflowDefinition, ConsolidationSaysHowATasksUnitsAnswerAndTheLeadMaySendAPartBack) {
  EXPECT_EQ(Def().consolidation, "per_unit");
  EXPECT_TRUE(Def().CheckStep("reject", kRoleLeadUnit, "submitted").ok());
  EXPECT_FALSE(Def().CheckStep("approve", kRoleLeadUnit, "submitted").ok()) << "the office approves the task";
  auto d = WorkflowDefinition::Parse(Mutate("consolidation: per_unit", "consolidation: lead").first, "wf.yaml");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->consolidation, "lead");
  auto [bad, l2] = Mutate("consolidation: per_unit", "consolidation: leader");
  auto refused = WorkflowDefinition::Parse(bad, "wf.yaml");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("wf.yaml:" + std::to_string(l2)), std::string::npos)
      << refused.status().message();
}

TEST(WorkflowDefinition, SyntaxErrorNamesTheLine) {
  auto d = WorkflowDefinition::Parse("name: x\nversion: 1\nlifecycle: [\n", "wf.yaml");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("wf.yaml:"), std::string::npos);
  EXPECT_NE(d.status().message().find("YAML syntax"), std::string::npos);
}

TEST(WorkflowDefinition, MissingFileIsAnIOError) {
  auto d = WorkflowDefinition::LoadFile("/nonexistent/wf.yaml");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), Status::Code::kIOError);
}

}  // namespace
}  // namespace duban::workflows
