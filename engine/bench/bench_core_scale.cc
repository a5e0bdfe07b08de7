// bench_core_scale.h: the dashboard, as-of and tick figures of `duban-bench core`.
#include "duban/process_memory.h"
#include "bench_core_scale.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <set>
#include <string>

#include "bench_plans.h"
#include "duban/engine_bench.h"

namespace duban::bench {
namespace {

using Clock = std::chrono::steady_clock;
double Us(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::micro>(b - a).count(); }

double P99(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(0.99 * static_cast<double>(v.size())))];
}

schemas::Command AsOfCommand(uint64_t seq, Instant at, schemas::Role role, const std::string& actor) {
  schemas::Command c;
  c.command_id = "asof-" + std::to_string(seq);
  c.plan_id = "asof-plan";
  c.actor = schemas::Actor{actor, role, actor};
  c.issued_at = at;
  return c;
}

// Submits `batch`, clearing it; false (and a message) when a command fails.
bool SubmitAll(Engine& engine, std::vector<schemas::Command>& batch, uint64_t& events) {
  for (const auto& o : engine.SubmitBatch(batch)) {
    if (!o.status.ok()) {
      std::fprintf(stderr, "as-of plan, command %s: %s\n", o.command_id.c_str(), o.status.ToString().c_str());
      return false;
    }
    events += o.events.size();
  }
  batch.clear();
  return true;
}

// The median of five as-of reads of the bench's plan at `at`.
std::optional<double> MedianAsOf(Engine& engine, Instant at) {
  std::vector<double> ms;
  for (int i = 0; i < 5; ++i) {
    const auto t0 = Clock::now();
    if (!engine.PlanAsOf("asof-plan", at).ok()) return std::nullopt;
    ms.push_back(Us(t0, Clock::now()) / 1000);
  }
  std::sort(ms.begin(), ms.end());
  return ms[2];
}

}  // namespace

std::optional<DashboardTimes> TimeDashboard(Engine& engine, int plans, int queries) {
  std::mt19937 rng(11);
  std::vector<double> counts_us, overdue_us, both_us;
  for (int q = -queries / 5; q < queries; ++q) {
    const std::string plan = "plan-" + std::to_string(rng() % static_cast<unsigned>(plans));
    const auto t0 = Clock::now();
    auto counts = engine.CountAssignments(plan);
    const auto t1 = Clock::now();
    StatusFilter f;
    f.plan_id = plan;
    f.overdue_only = true;
    auto overdue = engine.Assignments(f);
    const auto t2 = Clock::now();
    if (!counts.ok() || !overdue.ok()) return std::nullopt;
    if (q < 0) continue;  // warm-up
    counts_us.push_back(Us(t0, t1));
    overdue_us.push_back(Us(t1, t2));
    both_us.push_back(Us(t0, t2));
  }
  DashboardTimes d{P99(counts_us), P99(overdue_us), P99(both_us)};
  std::printf("dashboard (one plan's counts by unit x state, and its overdue list): p99 %.0f us + %.0f us = %.0f us\n",
              d.counts_p99_us, d.overdue_p99_us, d.p99_us);
  // The reviewers' queues (`GET /api/v1/queues`): a status across every
  // plan, found through the counts (queries.cc). Medians of 5.
  for (const core::AssignmentStatus s : {core::AssignmentStatus::kSubmitted, core::AssignmentStatus::kReturned}) {
    std::vector<double> ms;
    size_t rows = 0;
    for (int i = 0; i < 5; ++i) {
      const auto t0 = Clock::now();
      auto r = engine.Assignments({"", "", s, false});
      if (!r.ok()) return std::nullopt;
      ms.push_back(Us(t0, Clock::now()) / 1000);
      rows = r->size();
    }
    std::sort(ms.begin(), ms.end());
    std::printf("queue of every %s row across the store: %zu rows in %.1f ms (median of 5)\n", core::StatusName(s),
                rows, ms[2]);
  }
  return d;
}

std::optional<double> TimeAsOf(Engine& engine, uint64_t events) {
  constexpr int kTasks = 40, kUnits = 5;
  const Instant start = 1'625'097'600'000LL;  // 2021-07-01, after the ingest's commands
  Instant at = start;
  uint64_t seq = 0, made = 0;
  std::vector<schemas::Command> batch;
  auto c = AsOfCommand(seq++, at++, schemas::Role::kSupervisor, "office");
  c.body = BenchPlan(0, kTasks, kUnits, 2021, "10月底前", "2021-10-31");
  batch.push_back(std::move(c));
  for (int t = 1; t <= kTasks; ++t)
    for (int u = 0; u < kUnits; ++u) {
      auto a = AsOfCommand(seq++, at++, schemas::Role::kUnit, BenchUnit(u));
      a.body = schemas::Accept{t, BenchUnit(u)};
      batch.push_back(std::move(a));
    }
  if (!SubmitAll(engine, batch, made)) return std::nullopt;
  for (uint64_t i = 0; made < events; ++i) {
    const int t = static_cast<int>(i / kUnits % kTasks) + 1, u = static_cast<int>(i % kUnits);
    auto r = AsOfCommand(seq++, at++, schemas::Role::kUnit, BenchUnit(u));
    r.body = schemas::ReportProgress{t, BenchUnit(u), static_cast<int32_t>(i % 101), "已完成阶段性工作", "", "", ""};
    batch.push_back(std::move(r));
    if (batch.size() == 1000 || made + batch.size() >= events)
      if (!SubmitAll(engine, batch, made)) return std::nullopt;
  }
  // As of the middle of its life: from the snapshot before that time, and,
  // for comparison, the whole stream replayed (asking for the events does).
  // Timed twice: at once, with RocksDB still flushing and compacting what
  // the run wrote (on two cores: a province's year written in minutes), and
  // again once that work is done, as a store is between bursts. The figure
  // returned is the settled one; both are printed.
  const Instant mid = start + (at - start) / 2;
  const std::optional<double> busy_ms = MedianAsOf(engine, mid);
  if (!busy_ms) return std::nullopt;
  const auto s0 = Clock::now();
  const bool settled = WaitForBackgroundWork(engine, 900);
  const double waited_s = Us(s0, Clock::now()) / 1e6;
  std::vector<double> ms, whole_ms;
  size_t version = 0;
  for (int i = 0; i < 5; ++i) {
    const auto t0 = Clock::now();
    auto s = engine.PlanAsOf("asof-plan", mid);
    const auto t1 = Clock::now();
    std::vector<schemas::Event> events;
    auto w = engine.PlanAsOf("asof-plan", mid, Engine::AsOf::kEffective, &events);
    const auto t2 = Clock::now();
    if (!s.ok() || !w.ok() || !(*s == *w)) return std::nullopt;
    version = s->version;
    ms.push_back(Us(t0, t1) / 1000);
    whole_ms.push_back(Us(t1, t2) / 1000);
  }
  std::sort(ms.begin(), ms.end());
  std::sort(whole_ms.begin(), whole_ms.end());
  std::printf(
      "as-of: a plan of %llu events as of the middle of its life (its state at version %zu): %.1f ms from its "
      "snapshots, %.1f ms replaying its whole stream (medians of 5, after waiting %.1f s for RocksDB's flushes and "
      "compactions%s); %.1f ms from its snapshots before that wait\n",
      static_cast<unsigned long long>(made), version, ms[2], whole_ms[2], waited_s, settled ? "" : ", still running",
      *busy_ms);
  return ms[2];
}

std::optional<TickTimes> TimeTickAgainstItsWrite(Engine& engine) {
  auto pending = engine.PendingTimers(std::numeric_limits<Instant>::max() / 2, 1);
  if (!pending.ok() || pending->empty()) {
    std::printf("tick: no timer pending\n");
    return std::nullopt;
  }
  const Instant due = pending->front().due;
  // The plans of the tick's first round are loaded first and timed apart: a
  // server holds the plans in use already; a fresh process's first tick
  // loads each from its newest snapshot (what this line prints). Plans
  // beyond what the cache holds are loaded inside the tick (its line says
  // how many and how long).
  auto due_now = engine.PendingTimers(due, 50000);
  if (!due_now.ok()) return std::nullopt;
  std::set<std::string> plans;
  for (const auto& t : *due_now) plans.insert(t.plan_id);
  const size_t heap0 = HeapAllocatedBytes();
  const auto l0 = Clock::now();
  for (const auto& p : plans)
    if (!engine.Plan(p).ok()) return std::nullopt;
  const double load_ms = Us(l0, Clock::now()) / 1000;
  std::printf(
      "tick: first the %zu plans of its first round loaded from their snapshots: %.1f ms, %zu held (heap +%.0f MB)\n",
      plans.size(), load_ms, CachedPlans(engine),
      (static_cast<double>(HeapAllocatedBytes()) - static_cast<double>(heap0)) / (1024.0 * 1024.0));
  const WriteStats w0 = EngineWriteStats(engine);
  const auto t0 = Clock::now();
  TickTimes t;
  // As duban serve's clock does: each round's outcomes counted, then dropped.
  Status fired = engine.TickEachRound(due, "clock", nullptr, [&t](std::vector<Outcome>& round) {
    t.fired += round.size();
    for (const auto& o : round) t.events += o.events.size();
    return Status::Ok();
  });
  const auto t1 = Clock::now();
  const WriteStats w1 = EngineWriteStats(engine);
  if (!fired.ok()) {
    std::fprintf(stderr, "tick: %s\n", fired.ToString().c_str());
    return std::nullopt;
  }
  t.tick_ms = Us(t0, t1) / 1000;
  t.write_ms = 1000 * (w1.write_seconds - w0.write_seconds);
  t.loads = w1.plan_loads - w0.plan_loads;
  t.load_ms = 1000 * (w1.plan_load_seconds - w0.plan_load_seconds);
  std::printf(
      "tick at %s: %zu timers fired, %zu events, %.1f ms (of which loading %llu plans the cache did not hold, "
      "%.0f events replayed each after its snapshot: %.1f ms); rocksdb::DB::Write of its batches %.1f ms (%llu "
      "keys, %llu of them parting snapshots); ratio %.2f (%.2f without the loads)\n",
      FormatInstant(due).c_str(), t.fired, t.events, t.tick_ms, static_cast<unsigned long long>(t.loads),
      t.loads ? static_cast<double>(w1.plan_load_events - w0.plan_load_events) / static_cast<double>(t.loads) : 0.0,
      t.load_ms, t.write_ms, static_cast<unsigned long long>(w1.keys - w0.keys),
      static_cast<unsigned long long>(w1.parting_snapshots - w0.parting_snapshots),
      t.tick_ms / std::max(t.write_ms, 1e-3), (t.tick_ms - t.load_ms) / std::max(t.write_ms, 1e-3));
  return t;
}

double RssNowMb() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

namespace {
double HighWaterMarkMb() {
  double kib = 0;
  if (FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, f))
      if (std::sscanf(line, "VmHWM: %lf kB", &kib) == 1) break;
    std::fclose(f);
  }
  return kib / 1024.0;
}
bool ResetHighWaterMark() {
  FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (!f) return false;
  const bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}
}  // namespace

PhasePeaks::PhasePeaks() : resets_(ResetHighWaterMark()) {}

void PhasePeaks::Restart() {
  whole_ = std::max(whole_, HighWaterMarkMb());
  if (resets_) resets_ = ResetHighWaterMark();
}

double PhasePeaks::EndPhase(const char* what) {
  const double peak = HighWaterMarkMb();
  whole_ = std::max(whole_, peak);
  std::printf("peak resident memory of %s: %.0f MB%s\n", what, peak,
              resets_ ? "" : " (the run's so far: /proc/self/clear_refs refused a reset)");
  if (resets_) resets_ = ResetHighWaterMark();
  return peak;
}

}  // namespace duban::bench
