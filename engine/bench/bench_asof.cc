// duban-bench asof: a plan's state as of a moment, timed on an existing store
// (opened read-only), so that as-of can be measured and profiled (perf) on a
// real or kept store (`duban-bench core --keep`) without rebuilding it. Prints
// each run and, last, `asof_ms=` (the median) `events=` (the plan's version
// then) `whole_ms=` (the same state from the whole stream).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <limits>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_registry.h"
#include "duban/date.h"
#include "duban/engine.h"

namespace duban::bench {
namespace {

using Clock = std::chrono::steady_clock;
double Ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

int RunAsOf(int argc, char** argv) {
  std::string dir, plan = "asof-plan", at_text;
  int runs = 9;
  bool recorded = false;
  CLI::App app{"duban-bench asof: time one plan's state as of a moment on an existing store (read-only)"};
  app.add_option("--dir", dir, "the store's data directory")->required();
  app.add_option("--plan", plan, "plan id")->capture_default_str();
  app.add_option("--at", at_text, "the moment, e.g. 2021-07-01T00:00:50+08:00 (default: the middle of its life)");
  app.add_option("--runs", runs, "runs (the median is reported)")->check(CLI::Range(1, 10000))->capture_default_str();
  app.add_flag("--recorded", recorded, "cut on recorded time instead of effective time");
  if (const std::optional<int> exit_code = ParseBenchOptions(app, argc, argv)) return *exit_code;
  EngineOptions eo;
  eo.data_dir = dir;
  eo.read_only = true;
  eo.create_if_missing = false;
  auto engine = Engine::Open(eo);
  if (!engine.ok()) {
    std::fprintf(stderr, "open: %s\n", engine.status().ToString().c_str());
    return 1;
  }
  if (auto now = (*engine)->Plan(plan); !now.ok()) {
    std::fprintf(stderr, "%s\n", now.status().ToString().c_str());
    return 1;
  }
  Instant at = 0;
  if (at_text.empty()) {
    std::vector<schemas::Event> all;
    auto whole = (*engine)->PlanAsOf(plan, std::numeric_limits<Instant>::max() / 2, Engine::AsOf::kEffective, &all);
    if (!whole.ok() || all.empty()) {
      std::fprintf(stderr, "plan %s: %s\n", plan.c_str(), whole.ok() ? "no events" : whole.status().ToString().c_str());
      return 1;
    }
    at = all.front().occurred_at + (all.back().occurred_at - all.front().occurred_at) / 2;
  } else if (const std::optional<Instant> parsed = ParseInstant(at_text)) {
    at = *parsed;
  } else {
    std::fprintf(stderr, "--at: not a moment: %s (e.g. 2021-07-01T00:00:50+08:00)\n", at_text.c_str());
    return 2;
  }
  const Engine::AsOf basis = recorded ? Engine::AsOf::kRecorded : Engine::AsOf::kEffective;
  std::vector<double> ms;
  uint64_t version = 0;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    auto s = (*engine)->PlanAsOf(plan, at, basis);
    ms.push_back(Ms(t0, Clock::now()));
    if (!s.ok()) {
      std::fprintf(stderr, "as-of: %s\n", s.status().ToString().c_str());
      return 1;
    }
    version = s->version;
    std::printf("run %d: %.2f ms (version %llu)\n", i + 1, ms.back(), static_cast<unsigned long long>(version));
  }
  std::vector<schemas::Event> replayed;
  const auto w0 = Clock::now();
  auto whole = (*engine)->PlanAsOf(plan, at, basis, &replayed);
  const double whole_ms = Ms(w0, Clock::now());
  if (!whole.ok() || whole->version != version) {
    std::fprintf(stderr, "the whole stream replayed gives another state\n");
    return 1;
  }
  std::sort(ms.begin(), ms.end());
  std::printf("plan=%s at=%s asof_ms=%.2f events=%llu whole_ms=%.1f\n", plan.c_str(), FormatInstant(at).c_str(),
              ms[ms.size() / 2], static_cast<unsigned long long>(version), whole_ms);
  return 0;
}

}  // namespace
}  // namespace duban::bench

DUBAN_REGISTER_BENCH("asof", "time one plan's state as of a moment on an existing store", duban::bench::RunAsOf);
