// The plan-state cache's bound (EngineOptions::plan_cache_weight): an engine
// that may hold only one plan in memory, and so loads the others from their
// snapshots and the log on every command, decides, records and projects
// exactly what an engine holding every plan does; the parting snapshots it
// writes for the plans it drops shorten its loads and change no answer.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "duban/engine.h"
#include "duban/engine_bench.h"
#include "store_util.h"

namespace duban {
namespace {

using namespace schemas;
using testing::TempDir;

constexpr int kPlans = 4, kTasks = 5;
const std::vector<std::string> kUnits = {"甲局", "乙局"};

Command PlanCmd(uint64_t n, int plan, Role role, const std::string& actor, CommandBody body) {
  Command c;
  c.command_id = "k" + std::to_string(n);
  c.plan_id = "p" + std::to_string(plan);
  c.actor = Actor{actor, role, actor};
  c.issued_at = 1'620'000'000'000LL + static_cast<Instant>(n) * 60'000;  // from 2021-05-03
  c.body = std::move(body);
  return c;
}

// The same command stream, batches spanning every plan: imports, accepts,
// a refused command per plan, then progress reports round-robin (past the
// snapshot interval of 1,000 events per plan), a tick past the deadlines
// that fires timers on every plan in one batch, and more reports after it.
struct Driven {
  std::vector<std::string> hashes;  // every outcome's events, in order
  size_t most_cached = 0;
};

void Feed(Engine& e, Driven& run, std::vector<Command>& batch) {
  for (const auto& o : e.SubmitBatch(batch)) {
    for (const auto& ev : o.events) run.hashes.push_back(ev.hash);
    if (!o.status.ok()) run.hashes.push_back(o.status.ToString());
  }
  run.most_cached = std::max(run.most_cached, bench::CachedPlans(e));
  batch.clear();
}

Driven Drive(Engine& e) {
  Driven run;
  uint64_t n = 0;
  std::vector<Command> batch;
  batch.reserve(64);
  for (int p = 0; p < kPlans; ++p)
    batch.push_back(PlanCmd(n++, p, Role::kSupervisor, "office", testing::TestPlan(kTasks, kUnits)));
  Feed(e, run, batch);
  for (int t = 1; t <= kTasks; ++t)
    for (int p = 0; p < kPlans; ++p)
      for (const auto& u : kUnits) batch.push_back(PlanCmd(n++, p, Role::kUnit, u, Accept{t, u}));
  for (int p = 0; p < kPlans; ++p)  // refused: 乙局 reports for 甲局
    batch.push_back(PlanCmd(n++, p, Role::kUnit, "乙局", ReportProgress{1, "甲局", 10, "代报", "", "", ""}));
  Feed(e, run, batch);
  for (int i = 0; i < 4400; ++i) {
    const int p = i % kPlans, t = 1 + i / kPlans % kTasks;
    const std::string& u = kUnits[static_cast<size_t>(i / (kPlans * kTasks)) % kUnits.size()];
    batch.push_back(
        PlanCmd(n++, p, Role::kUnit, u, ReportProgress{t, u, i % 100, "进展" + std::to_string(i), "", "", ""}));
    if (batch.size() == 37) Feed(e, run, batch);
  }
  Feed(e, run, batch);
  auto fired = e.Tick(1'641'772'800'000LL);  // 2022-01-10
  EXPECT_TRUE(fired.ok());
  if (fired.ok())
    for (const auto& o : *fired)
      for (const auto& ev : o.events) run.hashes.push_back(ev.hash);
  run.most_cached = std::max(run.most_cached, bench::CachedPlans(e));
  for (int p = 0; p < kPlans; ++p)
    batch.push_back(PlanCmd(n++, p, Role::kUnit, "甲局", Submit{2, "甲局", "已完成", ""}));
  Feed(e, run, batch);
  return run;
}

TEST(PlanCacheTest, AnEngineHoldingOnePlanDecidesRecordsAndProjectsWhatOneHoldingAllDoes) {
  TempDir all_dir, one_dir;
  EngineOptions all;
  all.data_dir = all_dir.path();
  all.sync = false;
  EngineOptions one = all;
  one.data_dir = one_dir.path();
  one.plan_cache_weight = 1;  // every plan weighs more: only the newest is kept
  Driven ra, ro;
  {
    auto a = Engine::Open(all);
    auto o = Engine::Open(one);
    ASSERT_TRUE(a.ok() && o.ok());
    ra = Drive(**a);
    ro = Drive(**o);
    EXPECT_EQ(ra.most_cached, size_t{kPlans});
    EXPECT_EQ(ro.most_cached, size_t{1});
    EXPECT_GT(bench::EngineWriteStats(**o).plan_loads, 300u);  // three of four plans per batch
    EXPECT_LE(bench::EngineWriteStats(**a).plan_loads, size_t{kPlans});
    for (int p = 0; p < kPlans; ++p) {
      auto sa = (*a)->Plan("p" + std::to_string(p));
      auto so = (*o)->Plan("p" + std::to_string(p));
      ASSERT_TRUE(sa.ok() && so.ok());
      EXPECT_EQ(*sa, *so);
      EXPECT_GT(so->version, 1000u);  // past a snapshot: loaded from it
    }
    EXPECT_EQ(bench::CachedPlans(**o), 1u);  // reads trim too
    // Each plan dropped after growing by a quarter of the snapshot interval
    // (250 events) left a parting snapshot, so a load replays fewer events
    // than that, where the interval snapshots alone leave up to 1,000.
    const bench::WriteStats ws = bench::EngineWriteStats(**o);
    EXPECT_GE(ws.parting_snapshots, 3u * kPlans);
    EXPECT_LT(ws.plan_load_events, 250u * ws.plan_loads);
    EXPECT_EQ(bench::EngineWriteStats(**a).parting_snapshots, 0u);  // nothing dropped
    // As of any date, by either basis, the parting snapshots between the
    // interval ones change nothing: the same states as the engine that
    // held every plan (which has only interval snapshots).
    for (int p = 0; p < kPlans; ++p)
      for (Instant n : {50, 700, 1900, 3100, 4460, 4700, 20000})
        for (auto basis : {Engine::AsOf::kEffective, Engine::AsOf::kRecorded}) {
          const Instant at = 1'620'000'000'000LL + n * 60'000;
          auto sa = (*a)->PlanAsOf("p" + std::to_string(p), at, basis);
          auto so = (*o)->PlanAsOf("p" + std::to_string(p), at, basis);
          ASSERT_TRUE(sa.ok() && so.ok());
          EXPECT_TRUE(*sa == *so) << "plan p" << p << " as of command " << n;
        }
    auto verified = (*o)->Verify();
    ASSERT_TRUE(verified.ok()) << verified.status().ToString();
    EXPECT_TRUE(verified->ok());
  }
  ASSERT_EQ(ra.hashes.size(), ro.hashes.size());
  EXPECT_EQ(ra.hashes, ro.hashes);
  const testing::StoreDump da = testing::DumpStore(all.data_dir), dd = testing::DumpStore(one.data_dir);
  ASSERT_FALSE(da.at("snapshots").empty());
  EXPECT_GT(dd.at("snapshots").size(), da.at("snapshots").size());  // the parting ones
  // Byte for byte the same store, but for the store's own id and the
  // snapshots (a cache: which ones exist depends on what the cache dropped
  // when; the loads and as-of reads above show they say the same).
  auto diff = testing::DiffStores(da, dd);
  diff.erase("meta");
  diff.erase("snapshots");
  EXPECT_TRUE(diff.empty()) << diff.begin()->first << ": " << diff.begin()->second.size() << " keys differ";
}

}  // namespace
}  // namespace duban
