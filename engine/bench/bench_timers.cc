// duban-bench timers: is a tick's cost proportional to the timers due, not to
// the open work? 1,000,000 open assignments (100 plans x 1,000 tasks x 10
// units) with the workflow rules' timers (reminders 10/3/1 working days
// before, missed after: 4 per assignment); 1% of them (task numbers that are
// multiples of 100) are due 2021-06-30, the rest 2021-12-31. A tick at the
// day of the 10-working-day reminder of 06-30 fires exactly those 10,000.
//
// Figures: the build, the time to read only the 10,000 due timers directly
// from RocksDB (Engine::PendingTimers, an iterator bounded by the due time;
// median of 5 warm reads),
// the tick (decide + log + projections + re-arming, one WriteBatch), and a
// second tick (the 3-day reminders) after reopening the engine, i.e. with no
// plan state in memory. The tick is split into the rocksdb::DB::Write of its
// batch (the floor for any tick that commits events and projections together)
// and the rest. Ends with `tick_ms= direct_ms= ratio=`.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_registry.h"
#include "duban/core/workflow_timer_policy.h"
#include "duban/engine.h"
#include "duban/engine_bench.h"

namespace duban::bench {
namespace {

using Clock = std::chrono::steady_clock;
double Ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

int RunTimers(int argc, char** argv) {
  int plans = 100, tasks = 1000, units = 10;
  std::string dir = (std::filesystem::temp_directory_path() / "duban-bench-timers").string();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--plans" && i + 1 < argc)
      plans = std::atoi(argv[++i]);
    else if (a == "--tasks" && i + 1 < argc)
      tasks = std::atoi(argv[++i]);
    else if (a == "--units" && i + 1 < argc)
      units = std::atoi(argv[++i]);
    else if (a == "--dir" && i + 1 < argc)
      dir = argv[++i];
    else {
      std::fprintf(stderr, "usage: duban-bench timers [--plans 100] [--tasks 1000] [--units 10] [--dir D]\n");
      return 2;
    }
  }
  std::filesystem::remove_all(dir);
  auto policy = WorkflowTimerPolicy::Default();
  if (!policy.ok()) {
    std::fprintf(stderr, "%s\n", policy.status().ToString().c_str());
    return 1;
  }
  EngineOptions o;
  o.data_dir = dir;
  auto opened = Engine::Open(o, *policy);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 1;
  }
  std::unique_ptr<Engine> engine = std::move(opened).value();
  const std::string cal = (*policy)->latest_calendar().version();

  // ---- build: one ImportPlan command per plan, five plans per group commit ----
  std::vector<std::string> unit_names;
  for (int u = 0; u < units; ++u) unit_names.push_back("单位" + std::to_string(100 + u));
  const auto b0 = Clock::now();
  size_t assignments = 0, due_early = 0;
  std::vector<schemas::Command> batch;
  for (int p = 0; p < plans; ++p) {
    schemas::ImportPlan ip;
    ip.plan = schemas::PlanImported{
        "计时器基准方案 " + std::to_string(p), "督查室", "", "2021-03-01", 2021, "bench", unit_names};
    for (int t = 1; t <= tasks; ++t) {
      schemas::ImportTask task;
      task.number = t;
      task.title = task.content = "任务 " + std::to_string(t);
      const bool early = t % 100 == 0;
      task.deadline =
          schemas::Deadline{early ? "6月底前" : "年底前", early ? "2021-06-30" : "2021-12-31", "", false, cal};
      task.responsible_units = unit_names;
      assignments += units;
      if (early) due_early += units;
      ip.tasks.push_back(std::move(task));
    }
    schemas::Command c;
    c.command_id = "import-" + std::to_string(p);
    c.plan_id = "bench-" + std::to_string(p);
    c.actor = schemas::Actor{"督查室", schemas::Role::kSupervisor, "督查室"};
    c.issued_at = StartOfDay(Date{2021, 3, 1}) + 9 * 3600 * 1000;
    c.body = std::move(ip);
    batch.push_back(std::move(c));
    if (batch.size() == 5 || p + 1 == plans) {
      for (const auto& out : engine->SubmitBatch(batch))
        if (!out.status.ok()) {
          std::fprintf(stderr, "import failed: %s\n", out.status.ToString().c_str());
          return 1;
        }
      batch.clear();
    }
  }
  const auto b1 = Clock::now();
  auto all_timers = engine->PendingTimers(StartOfDay(Date{2022, 12, 31}), 10'000'000);
  const size_t timer_count = all_timers.ok() ? all_timers->size() : 0;
  all_timers = Result<std::vector<DueTimer>>(std::vector<DueTimer>{});
  std::printf("built %d plans x %d tasks x %d units = %zu open assignments, %zu timers, in %.1f s\n", plans, tasks,
              units, assignments, timer_count, Ms(b0, b1) / 1000);

  // The tick instants: the 10- and 3-working-day reminders of 2021-06-30.
  auto ladder = workflows::PlanDeadlineTimers(*(*policy)->latest_calendar().EffectiveDue(Date{2021, 6, 30}),
                                              (*policy)->definition(), (*policy)->latest_calendar());
  if (!ladder.ok() || ladder->size() < 2) {
    std::fprintf(stderr, "cannot plan the ladder\n");
    return 1;
  }
  const Instant t1 = StartOfDay((*ladder)[0].fire_on), t2 = StartOfDay((*ladder)[1].fire_on);

  // Both figures are taken on a settled store: the build leaves flushes and
  // compactions running that would otherwise land on either one.
  if (!bench::WaitForBackgroundWork(*engine, 300)) std::printf("note: RocksDB still compacting after 300 s\n");

  // ---- direct read of the due timers (median of 5, after one untimed read:
  // the first read after the build pays for cold blocks, 10x the others) ----
  std::vector<double> direct;
  size_t due = 0;
  (void)engine->PendingTimers(t1, 1'000'000);
  for (int i = 0; i < 5; ++i) {
    const auto d0 = Clock::now();
    auto pending = engine->PendingTimers(t1, 1'000'000);
    const auto d1 = Clock::now();
    if (!pending.ok()) return 1;
    due = pending->size();
    direct.push_back(Ms(d0, d1));
  }
  std::sort(direct.begin(), direct.end());
  const double direct_ms = direct[2];

  // ---- the tick ----
  const bench::WriteStats w0 = bench::EngineWriteStats(*engine);
  const auto k0 = Clock::now();
  auto fired = engine->Tick(t1);
  const auto k1 = Clock::now();
  const bench::WriteStats w1 = bench::EngineWriteStats(*engine);
  if (!fired.ok()) {
    std::fprintf(stderr, "tick failed: %s\n", fired.status().ToString().c_str());
    return 1;
  }
  size_t events = 0;
  for (const auto& f : *fired) events += f.events.size();
  const double tick_ms = Ms(k0, k1);
  std::printf("tick at %s: %zu timers due of %zu (%.2f%%), %zu fired, %zu events, %.1f ms (%.1f us per timer)\n",
              FormatInstant(t1).substr(0, 10).c_str(), due, timer_count, 100.0 * due / std::max<size_t>(1, timer_count),
              fired->size(), events, tick_ms, 1000 * tick_ms / std::max<size_t>(1, due));
  std::printf(
      "direct read of the same %zu due timers from RocksDB: %.1f ms (median of 5, after a warm-up read: "
      "%.1f %.1f %.1f %.1f %.1f)\n",
      due, direct_ms, direct[0], direct[1], direct[2], direct[3], direct[4]);
  // The floor under any tick that keeps principle 4 (events and their
  // projection updates in one batch): committing the tick's own WriteBatch.
  const double write_ms = 1000 * (w1.write_seconds - w0.write_seconds);
  std::printf(
      "of the tick: rocksdb::DB::Write of its batch %.1f ms (%llu keys, %.1f MB: %.1f keys per fired timer) "
      "= %.1fx the direct read; deciding, encoding and projecting %.1f ms\n",
      write_ms, static_cast<unsigned long long>(w1.keys - w0.keys), (w1.bytes - w0.bytes) / 1e6,
      double(w1.keys - w0.keys) / std::max<size_t>(1, fired->size()), write_ms / direct_ms, tick_ms - write_ms);

  // ---- a second tick on a freshly opened engine (no plan state in memory) ----
  engine.reset();
  opened = Engine::Open(o, *policy);
  if (!opened.ok()) return 1;
  engine = std::move(opened).value();
  const auto c0 = Clock::now();
  auto pending2 = engine->PendingTimers(t2, 1'000'000);
  const auto c1 = Clock::now();
  auto cold = engine->Tick(t2);
  const auto c2 = Clock::now();
  if (!cold.ok() || !pending2.ok()) return 1;
  std::printf(
      "after reopening: tick at %s fired %zu timers in %.1f ms (direct read %.1f ms); it first replays "
      "the %d plans the due timers belong to from the log\n",
      FormatInstant(t2).substr(0, 10).c_str(), cold->size(), Ms(c1, c2), Ms(c0, c1), plans);
  engine.reset();
  std::filesystem::remove_all(dir);
  std::printf("tick_ms=%.1f direct_ms=%.1f ratio=%.2f\n", tick_ms, direct_ms, tick_ms / direct_ms);
  return 0;
}

}  // namespace
}  // namespace duban::bench

DUBAN_REGISTER_BENCH("timers", "1,000,000 open assignments with timers; a tick that fires 1% vs reading those timers",
                     duban::bench::RunTimers);
