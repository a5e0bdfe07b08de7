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
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench_plans.h"
#include "bench_registry.h"
#include "duban/core/workflow_timer_policy.h"
#include "duban/engine.h"
#include "duban/engine_bench.h"

namespace duban::bench {
namespace {

using Clock = std::chrono::steady_clock;
double Ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

struct Args {
  int plans = 100, tasks = 1000, units = 10;
  std::string dir = (std::filesystem::temp_directory_path() / "duban-bench-timers").string();
};

// The exit code when parsing ends the run (--help, or an error CLI11 reported).
std::optional<int> ParseArgs(int argc, char** argv, Args& args) {
  CLI::App app{"duban-bench timers: the timer tick over a store of many plans"};
  app.add_option("--plans", args.plans, "plans")->check(CLI::Range(1, 1'000'000'000))->capture_default_str();
  app.add_option("--tasks", args.tasks, "tasks per plan")->check(CLI::Range(1, 1'000'000'000))->capture_default_str();
  app.add_option("--units", args.units, "units per task")->check(CLI::Range(1, 1'000'000'000))->capture_default_str();
  app.add_option("--dir", args.dir, "scratch directory")->capture_default_str();
  return ParseBenchOptions(app, argc, argv);
}

// Plan p: every task for every unit, one task in a hundred due 2021-06-30, the
// rest 2021-12-31, deadlines on calendar `cal`.
schemas::ImportPlan TimersPlan(int p, int tasks, const std::vector<std::string>& unit_names, const std::string& cal) {
  schemas::ImportPlan ip;
  ip.plan = schemas::PlanImported{
      "计时器基准方案 " + std::to_string(p), "督查室", "", "2021-03-01", 2021, "bench", unit_names, {}};
  for (int t = 1; t <= tasks; ++t) {
    schemas::ImportTask task;
    task.number = t;
    task.title = task.content = "任务 " + std::to_string(t);
    const bool early = t % 100 == 0;
    task.deadline =
        schemas::Deadline{early ? "6月底前" : "年底前", early ? "2021-06-30" : "2021-12-31", "", false, cal};
    task.responsible_units = unit_names;
    ip.tasks.push_back(std::move(task));
  }
  return ip;
}

// One ImportPlan command per plan, five plans per group commit. Returns the
// number of assignments made.
std::optional<size_t> BuildStore(Engine& engine, const Args& a, const std::string& cal) {
  std::vector<std::string> unit_names;
  unit_names.reserve(static_cast<size_t>(a.units));
  for (int u = 0; u < a.units; ++u) unit_names.push_back("单位" + std::to_string(100 + u));
  size_t assignments = 0;
  std::vector<schemas::Command> batch;
  for (int p = 0; p < a.plans; ++p) {
    schemas::ImportPlan ip = TimersPlan(p, a.tasks, unit_names, cal);
    assignments += ip.tasks.size() * unit_names.size();
    batch.push_back(BenchImportCommand(p, std::move(ip)));
    if (batch.size() == 5 || p + 1 == a.plans) {
      for (const auto& out : engine.SubmitBatch(batch))
        if (!out.status.ok()) {
          std::fprintf(stderr, "import failed: %s\n", out.status.ToString().c_str());
          return std::nullopt;
        }
      batch.clear();
    }
  }
  return assignments;
}

// All the timers the build armed: every one is due before 2022-12-31.
size_t CountTimers(Engine& engine) {
  auto all_timers = engine.PendingTimers(StartOfDay(Date{2022, 12, 31}), 10'000'000);
  return all_timers.ok() ? all_timers->size() : 0;
}

struct TickInstants {
  Instant first, second;
};

// The 10- and 3-working-day reminders of 2021-06-30.
std::optional<TickInstants> ReminderTicks(const WorkflowTimerPolicy& policy) {
  auto ladder = workflows::PlanDeadlineTimers(*policy.latest_calendar().EffectiveDue(Date{2021, 6, 30}),
                                              policy.definition(), policy.latest_calendar());
  if (!ladder.ok() || ladder->size() < 2) {
    std::fprintf(stderr, "cannot plan the ladder\n");
    return std::nullopt;
  }
  return TickInstants{StartOfDay((*ladder)[0].fire_on), StartOfDay((*ladder)[1].fire_on)};
}

struct DirectReads {
  std::vector<double> ms;  // sorted, 5 of them
  size_t due = 0;
  double median() const { return ms[2]; }
};

// Five timed reads of the timers due at `at`, after one untimed read: the
// first read after the build pays for cold blocks, 10x the others.
std::optional<DirectReads> TimeDirectReads(Engine& engine, Instant at) {
  DirectReads d;
  (void)engine.PendingTimers(at, 1'000'000);
  for (int i = 0; i < 5; ++i) {
    const auto d0 = Clock::now();
    auto pending = engine.PendingTimers(at, 1'000'000);
    const auto d1 = Clock::now();
    if (!pending.ok()) return std::nullopt;
    d.due = pending->size();
    d.ms.push_back(Ms(d0, d1));
  }
  std::sort(d.ms.begin(), d.ms.end());
  return d;
}

// The tick at `at`, printed against the direct read of its due timers and
// split into the rocksdb::DB::Write of its batch and the rest. Returns its ms.
std::optional<double> TimeTick(Engine& engine, Instant at, const DirectReads& direct, size_t timer_count) {
  const bench::WriteStats w0 = bench::EngineWriteStats(engine);
  const auto k0 = Clock::now();
  auto fired = engine.Tick(at);
  const auto k1 = Clock::now();
  const bench::WriteStats w1 = bench::EngineWriteStats(engine);
  if (!fired.ok()) {
    std::fprintf(stderr, "tick failed: %s\n", fired.status().ToString().c_str());
    return std::nullopt;
  }
  size_t events = 0;
  for (const auto& f : *fired) events += f.events.size();
  const double tick_ms = Ms(k0, k1);
  const size_t due = direct.due;
  std::printf("tick at %s: %zu timers due of %zu (%.2f%%), %zu fired, %zu events, %.1f ms (%.1f us per timer)\n",
              FormatInstant(at).substr(0, 10).c_str(), due, timer_count, 100.0 * due / std::max<size_t>(1, timer_count),
              fired->size(), events, tick_ms, 1000 * tick_ms / std::max<size_t>(1, due));
  std::printf(
      "direct read of the same %zu due timers from RocksDB: %.1f ms (median of 5, after a warm-up read: "
      "%.1f %.1f %.1f %.1f %.1f)\n",
      due, direct.median(), direct.ms[0], direct.ms[1], direct.ms[2], direct.ms[3], direct.ms[4]);
  // The floor under any tick that keeps principle 4 (events and their
  // projection updates in one batch): committing the tick's own WriteBatch.
  const double write_ms = 1000 * (w1.write_seconds - w0.write_seconds);
  std::printf(
      "of the tick: rocksdb::DB::Write of its batch %.1f ms (%llu keys, %.1f MB: %.1f keys per fired timer; "
      "and %llu parting snapshots of the plans it dropped from the cache, not in the write's time) "
      "= %.1fx the direct read; deciding, encoding and projecting %.1f ms\n",
      write_ms, static_cast<unsigned long long>(w1.keys - w0.keys), (w1.bytes - w0.bytes) / 1e6,
      double(w1.keys - w0.keys) / std::max<size_t>(1, fired->size()),
      static_cast<unsigned long long>(w1.parting_snapshots - w0.parting_snapshots), write_ms / direct.median(),
      tick_ms - write_ms);
  return tick_ms;
}

// The tick at `at` on an engine just opened, with no plan state in memory.
bool TimeTickAfterReopen(Engine& engine, Instant at, int plans) {
  const auto c0 = Clock::now();
  auto pending = engine.PendingTimers(at, 1'000'000);
  const auto c1 = Clock::now();
  auto cold = engine.Tick(at);
  const auto c2 = Clock::now();
  if (!cold.ok() || !pending.ok()) return false;
  std::printf(
      "after reopening: tick at %s fired %zu timers in %.1f ms (direct read %.1f ms); it first replays "
      "the %d plans the due timers belong to from the log\n",
      FormatInstant(at).substr(0, 10).c_str(), cold->size(), Ms(c1, c2), Ms(c0, c1), plans);
  return true;
}

int RunTimers(int argc, char** argv) {
  Args a;
  if (const std::optional<int> exit_code = ParseArgs(argc, argv, a)) return *exit_code;
  std::filesystem::remove_all(a.dir);
  auto policy = WorkflowTimerPolicy::Default();
  if (!policy.ok()) {
    std::fprintf(stderr, "%s\n", policy.status().ToString().c_str());
    return 1;
  }
  EngineOptions o;
  o.data_dir = a.dir;
  auto opened = Engine::Open(o, *policy);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 1;
  }
  std::unique_ptr<Engine> engine = std::move(opened).value();
  const std::string cal = (*policy)->latest_calendar().version();

  const auto b0 = Clock::now();
  const std::optional<size_t> assignments = BuildStore(*engine, a, cal);
  if (!assignments) return 1;
  const auto b1 = Clock::now();
  const size_t timer_count = CountTimers(*engine);
  std::printf("built %d plans x %d tasks x %d units = %zu open assignments, %zu timers, in %.1f s\n", a.plans, a.tasks,
              a.units, *assignments, timer_count, Ms(b0, b1) / 1000);
  const std::optional<TickInstants> ticks = ReminderTicks(**policy);
  if (!ticks) return 1;

  // Both figures are taken on a settled store: the build leaves flushes and
  // compactions running that would otherwise land on either one.
  if (!bench::WaitForBackgroundWork(*engine, 300)) std::printf("note: RocksDB still compacting after 300 s\n");
  const std::optional<DirectReads> direct = TimeDirectReads(*engine, ticks->first);
  if (!direct) return 1;
  const std::optional<double> tick_ms = TimeTick(*engine, ticks->first, *direct, timer_count);
  if (!tick_ms) return 1;

  engine.reset();
  opened = Engine::Open(o, *policy);
  if (!opened.ok()) return 1;
  engine = std::move(opened).value();
  if (!TimeTickAfterReopen(*engine, ticks->second, a.plans)) return 1;
  engine.reset();
  std::filesystem::remove_all(a.dir);
  std::printf("tick_ms=%.1f direct_ms=%.1f ratio=%.2f\n", *tick_ms, direct->median(), *tick_ms / direct->median());
  return 0;
}

}  // namespace
}  // namespace duban::bench

DUBAN_REGISTER_BENCH("timers", "1,000,000 open assignments with timers; a tick that fires 1% vs reading those timers",
                     duban::bench::RunTimers);
