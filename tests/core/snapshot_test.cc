// Plan snapshots: a plan loaded from its latest snapshot plus the events after
// it is the same state as its whole stream replayed.
#include <gtest/gtest.h>

#include "duban/engine.h"
#include "store_util.h"

namespace duban {
namespace {

using namespace schemas;
using testing::TempDir;

Command Cmd(uint64_t n, Role role, const std::string& actor, CommandBody body) {
  Command c;
  c.command_id = "s" + std::to_string(n);
  c.plan_id = "p1";
  c.actor = Actor{actor, role, actor};
  c.issued_at = 1'620'000'000'000LL + static_cast<Instant>(n) * 60'000;
  c.body = std::move(body);
  return c;
}

TEST(SnapshotTest, APlanLoadedFromItsSnapshotEqualsItsStreamReplayed) {
  TempDir dir;
  EngineOptions o;
  o.data_dir = dir.path();
  {
    auto e = Engine::Open(o);
    ASSERT_TRUE(e.ok());
    ImportPlan imp;
    imp.plan.title = "台账";
    imp.plan.year = 2021;
    imp.plan.units = {"甲局", "乙局"};
    for (int t = 1; t <= 20; ++t) {
      ImportTask task;
      task.number = t;
      task.title = "任务" + std::to_string(t);
      task.deadline.due_on = "2021-12-31";
      task.responsible_units = {"甲局", "乙局"};
      imp.tasks.push_back(task);
    }
    uint64_t n = 0;
    std::vector<Command> cmds{Cmd(n++, Role::kSupervisor, "office", imp)};
    for (int t = 1; t <= 20; ++t)
      for (const char* u : {"甲局", "乙局"}) cmds.push_back(Cmd(n++, Role::kUnit, u, Accept{t, u}));
    cmds.push_back(Cmd(n++, Role::kSupervisor, "office", StartReviewCycle{"Q2", "", "quarterly", "2021-06-30", ""}));
    for (int i = 0; i < 2600; ++i) {
      const int t = 1 + i % 20;
      const std::string u = i % 2 ? "甲局" : "乙局";
      cmds.push_back(Cmd(n++, Role::kUnit, u, ReportProgress{t, u, i % 100, "进展" + std::to_string(i), "", "", ""}));
    }
    cmds.push_back(Cmd(n++, Role::kUnit, "甲局", Submit{3, "甲局", "完成", ""}));
    for (size_t i = 0; i < cmds.size(); i += 100) {
      std::vector<Command> chunk(cmds.begin() + i, cmds.begin() + std::min(cmds.size(), i + 100));
      for (const auto& out : (*e)->SubmitBatch(chunk)) ASSERT_TRUE(out.status.ok()) << out.status.ToString();
    }
  }
  // The stream outgrew the snapshot interval, so a snapshot is stored.
  EXPECT_EQ(testing::DumpStore(dir.path())["snapshots"].count("p1"), 1u);
  auto e = Engine::Open(o);
  ASSERT_TRUE(e.ok());
  auto from_snapshot = (*e)->Plan("p1");                      // snapshot + the events after it
  auto replayed = (*e)->PlanAsOf("p1", 4'000'000'000'000LL);  // the whole stream, no snapshot
  ASSERT_TRUE(from_snapshot.ok());
  ASSERT_TRUE(replayed.ok());
  EXPECT_GT(from_snapshot->version, 2000u);
  EXPECT_TRUE(*from_snapshot == *replayed);
  EXPECT_EQ(from_snapshot->cycles.at("Q2").answered.size(), replayed->cycles.at("Q2").answered.size());
  // A rebuild clears snapshots and the plan still loads the same.
  ASSERT_TRUE((*e)->Rebuild().ok());
  auto after_rebuild = (*e)->Plan("p1");
  ASSERT_TRUE(after_rebuild.ok());
  EXPECT_TRUE(*after_rebuild == *replayed);
  EXPECT_TRUE((*e)->Verify()->ok());
}

}  // namespace
}  // namespace duban
