// The bad-input table at the engine level: each malformed, unknown or
// forbidden command is rejected with its reason code, the log grows by exactly
// the one rejection event, and of all the projections only two rows change:
// the "!rejected" stream head and the command's outcome row. Checked key by
// key on the store's RocksDB, not through the engine's own view of it.
#include <gtest/gtest.h>

#include <climits>
#include <functional>

#include "duban/coding.h"
#include "duban/schemas/codec.h"
#include "store_util.h"

namespace duban {
namespace {

using namespace duban::testing;
using namespace duban::schemas;
namespace reason = core::reason;

class BadInputTest : public EngineFixture {
 public:
  void SetUp() override {
    EngineFixture::SetUp();
    GivenPlan();
    Do(Accept{2, kPolice}, UnitActor(kPolice));
  }

  struct Applied {
    Outcome outcome;
    uint64_t log_before = 0, log_after = 0;
    std::map<std::string, std::vector<std::string>> changed;  // column family -> keys
  };

  // Submits one command and reports what it changed in the store, key by key.
  Applied Apply(const Command& c) {
    Applied r;
    Close();
    const StoreDump before = DumpStore(dir.path());
    Open();
    r.log_before = engine->LogEnd();
    r.outcome = engine->Submit(c);
    r.log_after = engine->LogEnd();
    Close();
    r.changed = DiffStores(before, DumpStore(dir.path()));
    Open();
    return r;
  }

  // The rejection was filed, and nothing else changed.
  void ExpectOnlyTheRejectionWasWritten(const Command& c, const Applied& r, const std::string& code) {
    EXPECT_TRUE(IsRejection(r.outcome.status, code));
    EXPECT_FALSE(r.outcome.duplicate);
    EXPECT_TRUE(r.outcome.events.empty());
    EXPECT_EQ(r.log_after, r.log_before + 1) << "the log grows by exactly the rejection";
    std::string pos_key;
    PutFixed64BE(&pos_key, r.log_before);
    // The commands row keeps the command's digest too, so a reuse of its id is told apart.
    const std::map<std::string, std::vector<std::string>> expected = {
        {"log", {pos_key}}, {"streams", {"!rejected"}}, {"commands", {c.command_id}}};
    EXPECT_EQ(r.changed, expected)
        << "only the rejection event, its stream head and its outcome row (with the command's digest) change";
    const Event last = Log().back();
    EXPECT_EQ(last.stream, "!rejected");
    EXPECT_EQ(last.command_id, c.command_id);
    ASSERT_TRUE(std::holds_alternative<CommandRejected>(last.body));
    EXPECT_EQ(std::get<CommandRejected>(last.body).reason, code);
    EXPECT_EQ(std::get<CommandRejected>(last.body).command_type, CommandName(c.body));
  }
};

struct BadInput {
  const char* what;
  std::function<Command(BadInputTest&)> make;
  const char* reason;
};

TEST_F(BadInputTest, EachBadCommandIsRejectedWithItsReasonAndOnlyTheRejectionIsWritten) {
  const std::string long_name(257, 'x');
  const std::string max_name(256, 'y');
  auto with_plan = [](std::string plan, CommandBody body, Actor actor) {
    return [=](BadInputTest& t) { return t.Cmd(body, actor, plan); };
  };
  auto cmd = [](CommandBody body, Actor actor) { return [=](BadInputTest& t) { return t.Cmd(body, actor); }; };
  auto import_with = [](std::function<void(ImportPlan&)> change) {
    return [=](BadInputTest& t) {
      ImportPlan p = SamplePlan();
      change(p);
      return t.Cmd(p, Supervisor(), "p9");
    };
  };
  const std::vector<BadInput> table = {
      // who may act
      {"an auditor assigns", cmd(Assign{2, kHealth}, Auditor()), reason::kForbiddenRole},
      {"an auditor imports a plan", with_plan("p9", SamplePlan(), Auditor()), reason::kForbiddenRole},
      {"an auditor reports progress under a unit's name",
       cmd(ReportProgress{2, kPolice, 10, "进展"}, Actor{kPolice, Role::kAuditor, ""}), reason::kForbiddenRole},
      {"a unit approves its own work", cmd(Approve{2, kPolice}, UnitActor(kPolice)), reason::kForbiddenRole},
      {"the clock assigns", cmd(Assign{2, kHealth}, Clock()), reason::kForbiddenRole},
      {"a unit acts on another unit's assignment", cmd(Accept{1, kFinance}, UnitActor(kEducation)),
       reason::kNotAssignee},
      {"a unit reports on another unit's assignment", cmd(ReportProgress{2, kPolice, 10, "进展"}, UnitActor(kFinance)),
       reason::kNotAssignee},
      // unknown things
      {"the office assigns an unknown unit", cmd(Assign{2, "市外单位"}, Supervisor()), reason::kUnknownUnit},
      {"a plan names a unit outside its directory",
       import_with([](ImportPlan& p) { p.tasks[1].responsible_units = {"市外单位"}; }), reason::kUnknownUnit},
      {"an unknown unit accepts", cmd(Accept{1, "市外单位"}, UnitActor("市外单位")), reason::kAssignmentNotFound},
      {"a command addresses a plan that does not exist", with_plan("nope", Accept{1, kFinance}, UnitActor(kFinance)),
       reason::kPlanNotFound},
      {"the office assigns a task that does not exist", cmd(Assign{42, kHealth}, Supervisor()), reason::kTaskNotFound},
      // order of the lifecycle
      {"the office approves before a submit", cmd(Approve{2, kPolice}, Supervisor()), reason::kInvalidTransition},
      {"the office rejects before a submit", cmd(Reject{2, kPolice, "不全"}, Supervisor()), reason::kInvalidTransition},
      {"a unit submits before accepting", cmd(schemas::Submit{1, kFinance}, UnitActor(kFinance)),
       reason::kInvalidTransition},
      {"the plan is imported twice", cmd(SamplePlan(), Supervisor()), reason::kPlanExists},
      // plan ids
      {"the plan id is empty", with_plan("", Accept{2, kPolice}, UnitActor(kPolice)), reason::kInvalidArgument},
      {"the plan id is longer than 256 bytes", with_plan(long_name, SamplePlan(), Supervisor()),
       reason::kInvalidArgument},
      {"the plan id holds a newline", with_plan("p\n1", SamplePlan(), Supervisor()), reason::kInvalidArgument},
      {"the plan id holds a NUL", with_plan(std::string("p\0001", 3), SamplePlan(), Supervisor()),
       reason::kInvalidArgument},
      {"the plan id holds DEL", with_plan("p\x7f", SamplePlan(), Supervisor()), reason::kInvalidArgument},
      {"the plan id starts with '!'", with_plan("!rejected", SamplePlan(), Supervisor()), reason::kInvalidArgument},
      {"a new plan's id is '..'", with_plan("..", SamplePlan(), Supervisor()), reason::kInvalidArgument},
      {"a new plan's id is '.'", with_plan(".", SamplePlan(), Supervisor()), reason::kInvalidArgument},
      {"a new plan's id is blank", with_plan(" \u3000", SamplePlan(), Supervisor()), reason::kInvalidArgument},
      {"a new plan's id holds '/'", with_plan("2027/a", SamplePlan(), Supervisor()), reason::kInvalidArgument},
      {"a new plan's id holds '\\'", with_plan("2027\\a", SamplePlan(), Supervisor()), reason::kInvalidArgument},
      // unit names
      {"the unit name is empty", cmd(Accept{2, ""}, UnitActor("")), reason::kInvalidArgument},
      {"the unit name is longer than 256 bytes", cmd(Assign{2, long_name}, Supervisor()), reason::kInvalidArgument},
      {"the unit name holds a tab", cmd(Assign{2, "市\t外"}, Supervisor()), reason::kInvalidArgument},
      {"the unit name holds a NUL", cmd(Assign{2, std::string("市公安局\0x", 14)}, Supervisor()),
       reason::kInvalidArgument},
      {"a reassignment names an empty unit", cmd(Reassign{2, kPolice, "", "调整"}, Supervisor()),
       reason::kInvalidArgument},
      {"a plan's unit directory holds a control character",
       import_with([](ImportPlan& p) { p.plan.units.push_back("坏\x01单位"); }), reason::kInvalidArgument},
      {"a plan's unit directory holds an empty name", import_with([](ImportPlan& p) { p.plan.units.push_back(""); }),
       reason::kInvalidArgument},
      {"the actor id is empty", cmd(Assign{2, kHealth}, Actor{"", Role::kSupervisor, ""}), reason::kInvalidArgument},
      // numbers and dates
      {"progress of 101 percent", cmd(ReportProgress{2, kPolice, 101, "超额"}, UnitActor(kPolice)),
       reason::kInvalidArgument},
      {"progress of -1 percent", cmd(ReportProgress{2, kPolice, -1, "倒退"}, UnitActor(kPolice)),
       reason::kInvalidArgument},
      {"progress of INT_MIN percent", cmd(ReportProgress{2, kPolice, INT_MIN, "倒退"}, UnitActor(kPolice)),
       reason::kInvalidArgument},
      {"an extension to February 30th", cmd(RequestExtension{2, kPolice, "2022-02-30", "原因"}, UnitActor(kPolice)),
       reason::kInvalidArgument},
      {"an extension to month 13", cmd(RequestExtension{2, kPolice, "2022-13-01", "原因"}, UnitActor(kPolice)),
       reason::kInvalidArgument},
      {"an extension to 9999-12-31 (a deadline ended for good)",
       cmd(RequestExtension{2, kPolice, "9999-12-31", "原因"}, UnitActor(kPolice)), reason::kInvalidArgument},
      {"a deadline set more than ten years away", cmd(SetDeadline{2, kPolice, "2099-12-31", "调整"}, Supervisor()),
       reason::kInvalidArgument},
      {"a review cycle due in 2099", cmd(StartReviewCycle{"Q", "", "q", "2099-04-30", ""}, Supervisor()),
       reason::kInvalidArgument},
      {"a plan's task due in 2099 (--year 2099, 2099年底前)",
       import_with([](ImportPlan& p) { p.tasks[0].deadline.due_on = "2099-12-31"; }), reason::kInvalidArgument},
      {"a reporting schedule for 2099", cmd(SetSchedule{1, "quarter:1", "按方案", 2099}, Supervisor()),
       reason::kInvalidArgument},
      {"a plan id that turns the text after it around", with_plan("p\u202e9", SamplePlan(), Supervisor()),
       reason::kInvalidArgument},
      {"an extension to a date that is not a date",
       cmd(RequestExtension{2, kPolice, "next week", "原因"}, UnitActor(kPolice)), reason::kInvalidArgument},
      {"a review cycle due on April 31st", cmd(StartReviewCycle{"Q", "", "q", "2021-04-31", ""}, Supervisor()),
       reason::kInvalidArgument},
      {"a plan issued on February 29th of a common year",
       import_with([](ImportPlan& p) { p.plan.issued_on = "2021-02-29"; }), reason::kInvalidArgument},
      {"a plan task due on day 0", import_with([](ImportPlan& p) { p.tasks[0].deadline.due_on = "2021-10-00"; }),
       reason::kInvalidArgument},
      {"a task added due on June 31st",
       cmd(AddTask{ImportTask{7, {}, "t", "c", Deadline{"x", "2021-06-31", "", false, ""}, {}, {}}}, Supervisor()),
       reason::kInvalidArgument},
      {"a command expects a stale plan version",
       [](BadInputTest& t) {
         Command c = t.Cmd(Assign{2, kHealth}, Supervisor());
         c.expected_version = 3;
         return c;
       },
       reason::kVersionConflict},
  };

  for (const auto& row : table) {
    SCOPED_TRACE(row.what);
    const Command c = row.make(*this);
    const Applied r = Apply(c);
    ExpectOnlyTheRejectionWasWritten(c, r, row.reason);
    if (HasFatalFailure()) return;
  }
  auto report = engine->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems.front();
}

TEST_F(BadInputTest, ALongestAllowedNameIsAccepted) {
  // The edge of the size check: 256 bytes is fine.
  ImportPlan p = SamplePlan();
  p.plan.units.push_back(std::string(256, 'u'));
  const Command c = Cmd(p, Supervisor(), std::string(256, 'p'));
  EXPECT_TRUE(engine->Submit(c).status.ok());
}

TEST_F(BadInputTest, ADuplicateCommandIdWritesNothingAtAll) {
  const Command accept = Cmd(Accept{1, kFinance}, UnitActor(kFinance));
  const Outcome first = engine->Submit(accept);
  ASSERT_TRUE(first.status.ok());
  const Applied r = Apply(accept);
  EXPECT_TRUE(r.outcome.duplicate);
  EXPECT_TRUE(r.outcome.status.ok());
  ASSERT_EQ(r.outcome.events.size(), 1u);
  EXPECT_EQ(r.outcome.events[0].hash, first.events[0].hash);
  EXPECT_EQ(r.log_after, r.log_before);
  EXPECT_TRUE(r.changed.empty()) << "nothing changes, not even a rejection";
}

TEST_F(BadInputTest, ADuplicateOfARejectedCommandWritesNothingAtAll) {
  const Command bad = Cmd(Approve{2, kPolice}, Supervisor());
  ASSERT_FALSE(engine->Submit(bad).status.ok());
  const Applied r = Apply(bad);
  EXPECT_TRUE(r.outcome.duplicate);
  EXPECT_TRUE(IsRejection(r.outcome.status, reason::kInvalidTransition));
  EXPECT_EQ(r.log_after, r.log_before);
  EXPECT_TRUE(r.changed.empty());
}

TEST_F(BadInputTest, ACommandWithoutAnIdIsRefusedAndNothingIsWritten) {
  // No id to file a rejection under, so nothing at all is logged.
  for (std::string id : {std::string(), std::string("id\nwith newline"), std::string(300, 'i')}) {
    Command c = Cmd(Approve{2, kPolice}, Supervisor());
    c.command_id = id;
    const Applied r = Apply(c);
    EXPECT_TRUE(IsRejection(r.outcome.status, reason::kInvalidArgument)) << id.size();
    EXPECT_EQ(r.log_after, r.log_before);
    EXPECT_TRUE(r.changed.empty());
  }
}

}  // namespace
}  // namespace duban
