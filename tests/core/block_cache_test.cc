// The block cache's size (EngineOptions::block_cache_mb): engines of one
// process that ask for the same size share one cache, another size gets its
// own, and a cache is freed when the last engine using it closes (before, one
// static 1 GiB cache outlived every store and kept a closed store's blocks).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "duban/engine.h"
#include "duban/engine_bench.h"
#include "temp_dir.h"
#include "test_support.h"

namespace duban::testing {
namespace {

// A store with a plan and reports, rebuilt: the rebuild's flush puts its new
// table blocks in the block cache (prepopulate on flush).
std::unique_ptr<Engine> StoreWithCachedBlocks(const std::string& dir, size_t cache_mb) {
  EngineOptions o;
  o.data_dir = dir;
  o.block_cache_mb = cache_mb;
  auto engine = Engine::Open(o);
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  if (!engine.ok()) return nullptr;
  auto cmd = [](std::string id, Actor actor, Instant at, CommandBody body) {
    return PlanCommand("plan-cache", std::move(id), std::move(actor), at, std::move(body));
  };
  EXPECT_TRUE((*engine)->Submit(cmd("import", Supervisor(), At("2021-03-15"), SamplePlan())).status.ok());
  EXPECT_TRUE((*engine)->Submit(cmd("accept", UnitActor(kFinance), At("2021-03-16"), Accept{1, kFinance})).status.ok());
  for (int i = 0; i < 200; ++i)
    EXPECT_TRUE((*engine)
                    ->Submit(cmd("p" + std::to_string(i), UnitActor(kFinance), At("2021-03-17") + i,
                                 ReportProgress{1, kFinance, i % 101, "进展" + std::to_string(i), "", "", ""}))
                    .status.ok());
  EXPECT_TRUE((*engine)->Rebuild().ok());
  return std::move(engine).value();
}

TEST(BlockCacheTest, OneSizeIsSharedAnotherIsApartAndTheLastCloseFreesIt) {
  TempDir a, b, c, d;
  auto first = StoreWithCachedBlocks(a.path(), 8);
  ASSERT_TRUE(first);
  const bench::RocksMemory one = bench::RocksMemoryOf(*first);
  // A fresh store's own open reads a block or two (about 100 bytes): what
  // marks a cache as another store's is holding this many.
  const double rebuilt_mb = one.block_cache_mb;
  EXPECT_GT(rebuilt_mb, 0.01) << "the rebuild's flush put few blocks in the cache";
  EXPECT_DOUBLE_EQ(one.block_cache_capacity_mb, 8.0);

  EngineOptions same;
  same.data_dir = b.path();
  same.block_cache_mb = 8;
  auto second = Engine::Open(same);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  // Nothing of its own read yet: what it sees in its cache is the first store's blocks.
  EXPECT_GE(bench::RocksMemoryOf(**second).block_cache_mb, rebuilt_mb);
  std::printf("the rebuilt store's blocks in the cache: %.3f MB\n", rebuilt_mb);

  EngineOptions other;
  other.data_dir = c.path();
  other.block_cache_mb = 16;
  auto third = Engine::Open(other);
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_DOUBLE_EQ(bench::RocksMemoryOf(**third).block_cache_capacity_mb, 16.0);
  EXPECT_LT(bench::RocksMemoryOf(**third).block_cache_mb, rebuilt_mb / 10)
      << "another size must get a cache of its own";

  first.reset();
  second->reset();
  EngineOptions again;
  again.data_dir = d.path();
  again.block_cache_mb = 8;
  auto fourth = Engine::Open(again);
  ASSERT_TRUE(fourth.ok()) << fourth.status().ToString();
  EXPECT_LT(bench::RocksMemoryOf(**fourth).block_cache_mb, rebuilt_mb / 10)
      << "the closed stores' cache outlived them: its blocks are still held";
}

TEST(BlockCacheTest, ASizeOutsideOneMiBToOneTiBIsRefusedBeforeTheStoreIsTouched) {
  TempDir dir;
  for (size_t mb : {size_t{0}, (size_t{1} << 20) + 1}) {
    EngineOptions o;
    o.data_dir = dir.path() + "/store";
    o.block_cache_mb = mb;
    auto engine = Engine::Open(o);
    ASSERT_FALSE(engine.ok()) << mb;
    EXPECT_EQ(engine.status().code(), Status::Code::kInvalidArgument) << engine.status().ToString();
    EXPECT_NE(engine.status().message().find("block cache"), std::string::npos) << engine.status().ToString();
    EXPECT_FALSE(std::filesystem::exists(o.data_dir)) << "refused, yet the store's directory was made";
  }
}

}  // namespace
}  // namespace duban::testing
