// A full disk (simulated below RocksDB, faulty_disk_fs.h): the command that
// meets it is refused with a message that says so, nothing is half-written,
// `verify` fails cleanly and leaves no scratch store behind, closing does not
// abort the process (RocksDB 7.8 used to, in its own file logger), and once
// space returns the store takes the command and verifies. A parting snapshot
// (written after a command's commit, when the plan cache drops a plan) that
// meets a full disk costs that command nothing. A writer's one-time rebuild
// at open (a store from before the dashboard's counts) that the disk stops
// half-way does not open the store beside half-made projections.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "duban/engine.h"
#include "duban/engine_bench.h"
#include "faulty_disk_fs.h"
#include "store_util.h"
#include "test_support.h"

namespace duban::testing {
namespace {

Command Cmd(std::string id, Actor actor, Instant at, CommandBody body) {
  return PlanCommand("plan-full", std::move(id), std::move(actor), at, std::move(body));
}

Command Progress(int i) {
  return Cmd("p" + std::to_string(i), UnitActor(kFinance), At("2021-03-17") + i,
             ReportProgress{1, kFinance, i, "进展" + std::to_string(i), "", "", ""});
}

bool HasScratch(const std::string& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().rfind("verify-scratch", 0) == 0) return true;
  return false;
}

// A store on a disk that can be made full: options `o` open it on `fs`.
struct StoreOnFaultyDisk {
  explicit StoreOnFaultyDisk(const std::string& name)
      : dir((std::filesystem::temp_directory_path() / (name + "-" + std::to_string(getpid()))).string()) {
    std::filesystem::remove_all(dir);
    o.data_dir = dir;
    o.env = env.get();
  }
  std::shared_ptr<FaultyDiskFs> fs = std::make_shared<FaultyDiskFs>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  const std::string dir;
  EngineOptions o;
};

TEST(DiskFullTest, TheCommandIsRefusedInPlainWordsAndNothingIsLost) {
  StoreOnFaultyDisk store("duban-full");
  const auto& fs = store.fs;
  const std::string& dir = store.dir;
  const EngineOptions& o = store.o;
  {
    auto engine = Engine::Open(o);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    ASSERT_TRUE((*engine)->Submit(Cmd("import", Supervisor(), At("2021-03-15"), SamplePlan())).status.ok());
    ASSERT_TRUE(
        (*engine)->Submit(Cmd("accept", UnitActor(kFinance), At("2021-03-16"), Accept{1, kFinance})).status.ok());
    for (int i = 0; i < 10; ++i) ASSERT_TRUE((*engine)->Submit(Progress(i)).status.ok());

    fs->SetFull(true);
    auto out = (*engine)->Submit(Progress(10));
    EXPECT_EQ(out.status.code(), Status::Code::kIOError) << out.status.ToString();
    EXPECT_NE(out.status.ToString().find("the disk is full"), std::string::npos) << out.status.ToString();
    auto v = (*engine)->Verify();
    EXPECT_FALSE(v.ok());
    EXPECT_NE(v.status().ToString().find("the disk is full"), std::string::npos) << v.status().ToString();
    EXPECT_FALSE(HasScratch(dir)) << "verify left its scratch store behind";
  }  // closing on a full disk
  {
    auto refused = Engine::Open(o);
    EXPECT_FALSE(refused.ok()) << "opened a store for writing on a full disk";
    if (!refused.ok()) {
      EXPECT_NE(refused.status().ToString().find("the disk is full"), std::string::npos);
    }
  }

  fs->SetFull(false);
  auto engine = Engine::Open(o);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  for (int i = 0; i < 10; ++i) EXPECT_TRUE((*engine)->OutcomeOf("p" + std::to_string(i)).ok()) << "p" << i << " lost";
  EXPECT_FALSE((*engine)->OutcomeOf("p10").ok()) << "the refused command was written after all";
  auto again = (*engine)->Submit(Progress(10));
  EXPECT_TRUE(again.status.ok()) << again.status.ToString();
  EXPECT_FALSE(again.duplicate);
  auto v = (*engine)->Verify();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->ok()) << (v->problems.empty() ? "" : v->problems.front());
  EXPECT_FALSE(HasScratch(dir));
  engine->reset();
  std::filesystem::remove_all(dir);
}

TEST(DiskFullTest, AFailedPartingSnapshotCostsTheCommittedCommandNothing) {
  StoreOnFaultyDisk store("duban-full-parting");
  const auto& fs = store.fs;
  const std::string& dir = store.dir;
  EngineOptions& o = store.o;
  o.plan_cache_weight = 1;  // only the plan of the last command is held
  auto on = [](const char* plan, std::string id, Actor actor, Instant at, CommandBody body) {
    return PlanCommand(plan, std::move(id), std::move(actor), at, std::move(body));
  };
  auto report = [&](const char* plan, int i) {
    return on(plan, std::string(plan) + "-r" + std::to_string(i), UnitActor(kFinance), At("2021-03-17") + i,
              ReportProgress{1, kFinance, i % 100, "进展" + std::to_string(i), "", "", ""});
  };
  core::PlanState a_before;
  {
    auto engine = Engine::Open(o);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    Engine& e = **engine;
    for (const char* plan : {"a", "b"}) {
      ASSERT_TRUE(
          e.Submit(on(plan, std::string(plan) + "-import", Supervisor(), At("2021-03-15"), SamplePlan())).status.ok());
      ASSERT_TRUE(
          e.Submit(on(plan, std::string(plan) + "-accept", UnitActor(kFinance), At("2021-03-16"), Accept{1, kFinance}))
              .status.ok());
    }
    for (int i = 0; i < 300; ++i) ASSERT_TRUE(e.Submit(report("a", i)).status.ok());  // past 250 events of growth
    a_before = *e.Plan("a");
    ASSERT_EQ(bench::EngineWriteStats(e).parting_snapshots, 0u) << "plan a has not left the cache yet";

    // The disk fills between the commit of b's report and the parting
    // snapshot of plan a, which that command's trim then writes.
    bool armed = true;
    bench::SetWriteObserver(e, [&](std::string_view) {
      if (armed) fs->SetFull(true), armed = false;
    });
    const Outcome committed = e.Submit(report("b", 0));
    EXPECT_TRUE(committed.status.ok()) << "a failed snapshot is not the command's error: "
                                       << committed.status.ToString();
    EXPECT_FALSE(armed) << "the command's commit was not observed";
    EXPECT_EQ(bench::EngineWriteStats(e).parting_snapshots, 0u);
    const Outcome refused = e.Submit(report("a", 300));
    EXPECT_EQ(refused.status.code(), Status::Code::kIOError) << refused.status.ToString();
    EXPECT_NE(refused.status.ToString().find("the disk is full"), std::string::npos) << refused.status.ToString();
  }  // closed on a full disk

  fs->SetFull(false);
  auto engine = Engine::Open(o);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  Engine& e = **engine;
  EXPECT_TRUE(e.OutcomeOf("b-r0").ok()) << "the command whose trim failed was lost";
  EXPECT_FALSE(e.OutcomeOf("a-r300").ok()) << "the refused command was written after all";
  auto a_after = e.Plan("a");
  ASSERT_TRUE(a_after.ok()) << a_after.status().ToString();
  EXPECT_TRUE(*a_after == a_before) << "plan a differs after the failed snapshot";
  EXPECT_TRUE(e.Submit(report("a", 300)).status.ok());
  auto v = e.Verify();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->ok()) << (v->problems.empty() ? "" : v->problems.front());
  engine->reset();
  std::filesystem::remove_all(dir);
}

TEST(DiskFullTest, AOneTimeRebuildAtOpenStoppedHalfWayKeepsTheStoreClosedUntilItIsFinished) {
  StoreOnFaultyDisk store("duban-full-rebuild-at-open");
  const auto& fs = store.fs;
  const EngineOptions& o = store.o;
  std::string before;
  {
    auto engine = Engine::Open(o);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    ASSERT_TRUE((*engine)->Submit(Cmd("import", Supervisor(), At("2021-03-15"), SamplePlan())).status.ok());
    ASSERT_TRUE(
        (*engine)->Submit(Cmd("accept", UnitActor(kFinance), At("2021-03-16"), Accept{1, kFinance})).status.ok());
    for (int i = 0; i < 5; ++i) ASSERT_TRUE((*engine)->Submit(Progress(i)).status.ok());
    auto digest = (*engine)->ProjectionDigest();
    ASSERT_TRUE(digest.ok()) << digest.status().ToString();
    before = *digest;
  }
  // A store from before the counts: the next writer makes its projections
  // again once. Its flush of them meets the full disk after the rebuild has
  // dropped them.
  WithRawStore(store.dir, [&](rocksdb::DB* db, auto& cf) {
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), cf.at("meta"), "counts.built").ok());
  });
  fs->SetTablesFull(true);
  {
    auto refused = Engine::Open(o);
    ASSERT_FALSE(refused.ok()) << "a writer was opened beside half-made projections";
    const std::string msg = refused.status().ToString();
    EXPECT_EQ(refused.status().code(), Status::Code::kIOError) << msg;
    EXPECT_NE(msg.find("stopped half-way"), std::string::npos) << msg;
    EXPECT_NE(msg.find("the disk is full"), std::string::npos) << msg;
    EXPECT_NE(msg.find("The log is untouched"), std::string::npos) << msg;
  }
  fs->SetTablesFull(false);
  auto engine = Engine::Open(o);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  auto after = (*engine)->ProjectionDigest();
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(*after, before) << "the projections made again differ from those made by the commands";
  auto v = (*engine)->Verify();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->ok()) << (v->problems.empty() ? "" : v->problems.front());
  engine->reset();
  std::filesystem::remove_all(store.dir);
}

}  // namespace
}  // namespace duban::testing
