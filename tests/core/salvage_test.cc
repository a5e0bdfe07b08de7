// Salvage of a damaged store (duban/salvage.h): it says exactly what it
// would keep and what is lost before it writes anything, never changes the
// damaged store, and the store it writes keeps the old id and verifies.
#include "duban/salvage.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "duban/engine.h"
#include "store_util.h"
#include "test_support.h"

namespace duban::testing {
namespace {
namespace fs = std::filesystem;

Command Cmd(std::string id, Actor actor, Instant at, CommandBody body) {
  return PlanCommand("plan-s", std::move(id), std::move(actor), at, std::move(body));
}

// Every file of the store with its bytes: what "untouched" means.
std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().filename() == "LOCK") continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    out[e.path().filename().string()] = ss.str();
  }
  return out;
}

std::string StoreId(const std::string& dir) { return Engine::InspectDataDir(dir).store_id; }

class SalvageTest : public ::testing::Test {
 protected:
  TempDir tmp;
  std::string store() const { return tmp.path() + "/store"; }
  std::string out() const { return tmp.path() + "/salvaged"; }

  // Import and accept (flushed to table files), then `more` commands, one
  // process each: each leaves its own WAL file.
  uint64_t MakeStore(int more) {
    EngineOptions o;
    o.data_dir = store();
    {
      auto e = Engine::Open(o);
      EXPECT_TRUE(e.ok()) << e.status().ToString();
      EXPECT_TRUE((*e)->Submit(Cmd("import", Supervisor(), At("2021-03-15"), SamplePlan())).status.ok());
      EXPECT_TRUE((*e)->Submit(Cmd("accept", UnitActor(kFinance), At("2021-03-16"), Accept{1, kFinance})).status.ok());
      EXPECT_TRUE((*e)->Rebuild().ok());
    }
    for (int i = 0; i < more; ++i) {
      auto e = Engine::Open(o);
      EXPECT_TRUE(e.ok()) << e.status().ToString();
      EXPECT_TRUE((*e)->Submit(Cmd("p" + std::to_string(i), UnitActor(kFinance), At("2021-03-17") + i,
                                   ReportProgress{1, kFinance, i, "进展", "", "", ""}))
                      .status.ok());
    }
    EngineOptions ro = o;
    ro.read_only = true;
    auto e = Engine::Open(ro);
    EXPECT_TRUE(e.ok());
    return e.ok() ? (*e)->LogEnd() - 1 : 0;
  }
};

TEST_F(SalvageTest, AStoreWithItsNewestWalLostSaysWhatIsLostThenWritesWhatIsWhole) {
  const uint64_t events = MakeStore(3);
  ASSERT_GT(events, 3u);
  std::string newest;
  for (const auto& e : fs::directory_iterator(store()))
    if (e.path().extension() == ".log" && e.file_size() > 0 && e.path().string() > newest) newest = e.path().string();
  ASSERT_FALSE(newest.empty());
  fs::remove(newest);  // the last progress report's WAL
  const auto before = Snapshot(store());
  const std::string id = StoreId(store());

  auto dry = Salvage(store(), out(), /*write=*/false, nullptr);
  ASSERT_TRUE(dry.ok()) << dry.status().ToString();
  std::printf("dry run: kept %llu, recorded end %llu, lost %llu, stopped '%s'\n",
              static_cast<unsigned long long>(dry->kept), static_cast<unsigned long long>(dry->recorded_end),
              static_cast<unsigned long long>(dry->lost), dry->stopped.c_str());
  EXPECT_EQ(dry->recorded_end, events);
  EXPECT_EQ(dry->kept, events - 1);
  EXPECT_EQ(dry->lost, 1u);
  EXPECT_FALSE(dry->written);
  EXPECT_FALSE(fs::exists(out())) << "a dry run wrote the output";
  for (const auto& e : fs::directory_iterator(tmp.path()))
    EXPECT_EQ(e.path().filename(), "store") << "left behind: " << e.path();
  EXPECT_EQ(Snapshot(store()), before) << "the damaged store was changed";

  auto real = Salvage(store(), out(), /*write=*/true, nullptr);
  ASSERT_TRUE(real.ok()) << real.status().ToString();
  EXPECT_EQ(real->kept, dry->kept) << "the dry run said something else than the real run did";
  EXPECT_TRUE(real->written);
  EXPECT_EQ(Snapshot(store()), before) << "the damaged store was changed";
  EXPECT_EQ(StoreId(out()), id) << "the new store keeps the old id (anchors still apply)";
  EngineOptions o;
  o.data_dir = out();
  auto e = Engine::Open(o);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ((*e)->LogEnd() - 1, events - 1);
  auto v = (*e)->Verify();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->ok()) << (v->problems.empty() ? "" : v->problems.front());
  EXPECT_TRUE((*e)->OutcomeOf("p1").ok());
  EXPECT_FALSE((*e)->OutcomeOf("p2").ok()) << "the lost command is not invented";
  // The new store takes commands again.
  EXPECT_TRUE((*e)->Submit(Cmd("p2-again", UnitActor(kFinance), At("2021-03-20"),
                               ReportProgress{1, kFinance, 50, "补报", "", "", ""}))
                  .status.ok());
}

TEST_F(SalvageTest, AStoreWithoutCurrentIsReadWholeFromACopyWithCurrentWrittenAgain) {
  const uint64_t events = MakeStore(2);
  fs::remove(fs::path(store()) / "CURRENT");
  const auto before = Snapshot(store());
  auto r = Salvage(store(), out(), /*write=*/true, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::printf("without CURRENT: kept %llu of %llu; %s\n", static_cast<unsigned long long>(r->kept),
              static_cast<unsigned long long>(events), r->notes.empty() ? "" : r->notes.front().c_str());
  EXPECT_FALSE(r->repaired_copy);
  ASSERT_EQ(r->notes.size(), 1u);
  EXPECT_NE(r->notes.front().find("CURRENT file was written again"), std::string::npos);
  EXPECT_EQ(r->kept, events);
  EXPECT_EQ(r->lost, 0u);
  EXPECT_EQ(Snapshot(store()), before) << "the damaged store was changed";
  EngineOptions o;
  o.data_dir = out();
  auto e = Engine::Open(o);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  auto v = (*e)->Verify();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok());
}

TEST_F(SalvageTest, AnOutputInsideTheStoreOrNotADirectoryNameIsRefusedAndATrailingSlashIsFine) {
  MakeStore(1);
  for (const std::string& bad : {store() + "/new", std::string(""), store(), tmp.path() + "/."}) {
    auto r = Salvage(store(), bad, true, nullptr);
    ASSERT_FALSE(r.ok()) << "--out '" << bad << "' was taken";
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << r.status().ToString();
  }
  EXPECT_FALSE(fs::exists(store() + "/new"));
  auto dry = Salvage(store(), out() + "/", false, nullptr);
  ASSERT_TRUE(dry.ok()) << dry.status().ToString();
  auto real = Salvage(store(), out() + "/", true, nullptr);
  ASSERT_TRUE(real.ok()) << real.status().ToString();
  EXPECT_EQ(real->kept, dry->kept);
  EXPECT_TRUE(fs::exists(fs::path(out()) / "DUBAN-STORE"));
  for (const auto& e : fs::directory_iterator(tmp.path()))
    EXPECT_TRUE(e.path().filename() == "store" || e.path().filename() == "salvaged") << "left behind: " << e.path();
  auto none = Salvage(tmp.path(), out() + "2", false, nullptr);
  EXPECT_FALSE(none.ok()) << "a directory without a store was salvaged";
}

// The WAL with the import (positions 1..N) lost: nothing can be kept, the
// records found past the hole are counted apart from what is lost, and
// --yes writes no (empty) store.
TEST_F(SalvageTest, WhenTheLogsBeginningIsLostNothingIsKeptAndTheCountsAddUp) {
  EngineOptions o;
  o.data_dir = store();
  uint64_t imported = 0;
  for (int step = 0; step < 3; ++step) {
    auto e = Engine::Open(o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    if (step == 0) {
      ASSERT_TRUE((*e)->Submit(Cmd("import", Supervisor(), At("2021-03-15"), SamplePlan())).status.ok());
      imported = (*e)->LogEnd() - 1;
    } else {
      ASSERT_TRUE((*e)->Submit(Cmd("p" + std::to_string(step), UnitActor(kFinance), At("2021-03-17") + step,
                                   step == 1 ? CommandBody(Accept{1, kFinance})
                                             : CommandBody(ReportProgress{1, kFinance, 10, "进展", "", "", ""})))
                      .status.ok());
    }
  }
  EngineOptions ro = o;
  ro.read_only = true;
  uint64_t events = 0;
  {
    auto e = Engine::Open(ro);
    ASSERT_TRUE(e.ok());
    events = (*e)->LogEnd() - 1;
  }
  std::string oldest;
  for (const auto& e : fs::directory_iterator(store()))
    if (e.path().extension() == ".log" && e.file_size() > 0 && (oldest.empty() || e.path().string() < oldest))
      oldest = e.path().string();
  ASSERT_FALSE(oldest.empty());
  fs::remove(oldest);
  auto dry = Salvage(store(), out(), false, nullptr);
  ASSERT_TRUE(dry.ok()) << dry.status().ToString();
  std::printf("beginning lost: kept %llu, found past %llu, recorded end %llu, lost %llu, stopped '%s'\n",
              static_cast<unsigned long long>(dry->kept), static_cast<unsigned long long>(dry->found_after),
              static_cast<unsigned long long>(dry->recorded_end), static_cast<unsigned long long>(dry->lost),
              dry->stopped.c_str());
  EXPECT_EQ(dry->kept, 0u);
  EXPECT_EQ(dry->recorded_end, events);
  EXPECT_EQ(dry->found_after, events - imported);
  EXPECT_EQ(dry->lost, imported);
  auto real = Salvage(store(), out(), true, nullptr);
  ASSERT_FALSE(real.ok());
  EXPECT_NE(real.status().message().find("no store was written"), std::string::npos) << real.status().ToString();
  EXPECT_FALSE(fs::exists(out()));
}

TEST_F(SalvageTest, AnOutputThatHoldsAnythingIsRefused) {
  MakeStore(0);
  fs::create_directories(out());
  std::ofstream(fs::path(out()) / "notes.txt") << "mine";
  auto r = Salvage(store(), out(), true, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(fs::directory_iterator(out())->path().filename(), "notes.txt");
}

}  // namespace
}  // namespace duban::testing
