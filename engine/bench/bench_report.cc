// duban-bench report: the work ledger (duban report ledger) of one plan with
// 100,000 assignments (10,000 tasks x 10 units) as xlsx. The store: the plan
// imported (one task in ten due 2021-09-30, the rest 2021-10-29), every
// assignment accepted and one in ten with a progress report; as of
// 2021-10-15 the early tenth is past due (red rows, overdue working days). Timed: the ledger computed as of a date
// (PlanAsOf + the tasks' histories + the rows) and the xlsx written (libxlsxwriter), each and together, after the
// store's background flushes and compactions have settled. The log is read and decoded on two threads (see
// Engine::Impl::ReadPositions). Ends with `rows= seconds=` (seconds: both
// together, the median of --runs runs: the machines this runs on share their
// cores with others, and one run can be a second slower than the next).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bench_plans.h"
#include "bench_registry.h"
#include "duban/core/workflow_timer_policy.h"
#include "duban/engine.h"
#include "duban/engine_bench.h"
#include "duban/reports/ledger.h"
#include "duban/reports/ledger_files.h"

namespace duban::bench {
namespace {

using Clock = std::chrono::steady_clock;
double Sec(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }
Instant At(const char* day, int hour) { return StartOfDay(*Date::Parse(day)) + int64_t{hour} * 3'600'000; }

struct Args {
  int tasks = 10000, units = 10, runs = 3;
  std::string dir = (std::filesystem::temp_directory_path() / "duban-bench-report").string();
};

// The exit code when parsing ends the run (--help, or an error CLI11 reported).
std::optional<int> ParseArgs(int argc, char** argv, Args& args) {
  CLI::App app{"duban-bench report: the ledger of a large plan, rows and xlsx"};
  app.add_option("--tasks", args.tasks, "tasks in the plan")
      ->check(CLI::Range(1, 1'000'000'000))
      ->capture_default_str();
  app.add_option("--units", args.units, "units per task")->check(CLI::Range(1, 1'000'000'000))->capture_default_str();
  app.add_option("--runs", args.runs, "timed runs (the median is printed)")
      ->check(CLI::Range(1, 1'000'000'000))
      ->capture_default_str();
  app.add_option("--dir", args.dir, "scratch directory")->capture_default_str();
  return ParseBenchOptions(app, argc, argv);
}

// The plan in sections of 100 tasks, one task in ten due 2021-09-30, the rest 2021-10-29.
schemas::Command ImportCommand(const std::string& plan, int tasks, int units) {
  schemas::ImportPlan imp = BenchPlan(0, tasks, units, 2021, "10月底前", "2021-10-29");
  for (auto& t : imp.tasks) {
    t.section = {"一、重点工作", "（" + std::to_string((t.number - 1) / 100 + 1) + "）专项"};
    if (t.number % 10 == 0) t.deadline = schemas::Deadline{"9月底前", "2021-09-30", "", false, ""};
  }
  schemas::Command c;
  c.plan_id = plan;
  c.command_id = "import";
  c.actor = schemas::Actor{"督查室", schemas::Role::kSupervisor, "bench"};
  c.issued_at = At("2021-09-01", 9);
  c.body = imp;
  return c;
}

// Accept everything, a progress report from one unit in ten: batches of 2,000 commands.
bool AcceptAndReport(Engine& engine, const std::string& plan, int tasks, int units) {
  std::vector<schemas::Command> batch;
  int64_t n = 0;
  auto flush = [&] {
    for (const auto& out : engine.SubmitBatch(batch))
      if (!out.status.ok()) return std::fprintf(stderr, "%s\n", out.status.ToString().c_str()), false;
    batch.clear();
    return true;
  };
  for (int t = 1; t <= tasks; ++t)
    for (int u = 0; u < units; ++u) {
      schemas::Command a;
      a.plan_id = plan;
      a.command_id = "a" + std::to_string(++n);
      a.actor = schemas::Actor{BenchUnit(u), schemas::Role::kUnit, "联络员"};
      a.issued_at = At("2021-09-02", 9);
      a.body = schemas::Accept{t, BenchUnit(u)};
      batch.push_back(a);
      if (u == t % units) {
        a.command_id = "p" + std::to_string(n);
        a.issued_at = At("2021-09-03", 9);
        a.body = schemas::ReportProgress{
            t,  BenchUnit(u), 50,           "已完成第" + std::to_string(t) + "项的调研和方案起草，正在征求意见",
            "", "张三",       "13800000000"};
        batch.push_back(a);
      }
      if (batch.size() >= 2000 && !flush()) return false;
    }
  return batch.empty() || flush();
}

struct LedgerRuns {
  std::vector<double> totals;  // seconds, ledger and xlsx together, one per run
  size_t rows = 0;
};

// `runs` times: the ledger as of 2021-10-15 computed, then written as xlsx to `path`.
std::optional<LedgerRuns> TimeLedgerRuns(Engine& engine, const std::string& plan, const std::string& path, int runs) {
  const Date as_of = *Date::Parse("2021-10-15");
  LedgerRuns out;
  for (int run = 1; run <= runs; ++run) {
    const auto r0 = Clock::now();
    auto ledger = reports::LedgerAsOf(engine, plan, as_of);
    const auto r1 = Clock::now();
    if (!ledger.ok()) return std::fprintf(stderr, "%s\n", ledger.status().ToString().c_str()), std::nullopt;
    if (Status st = reports::WriteLedgerXlsx(*ledger, path); !st.ok())
      return std::fprintf(stderr, "%s\n", st.ToString().c_str()), std::nullopt;
    const auto r2 = Clock::now();
    out.rows = ledger->rows.size();
    out.totals.push_back(Sec(r0, r2));
    std::printf(
        "run %d: ledger as of %s, %zu rows computed in %.2f s; xlsx written in %.2f s (%.1f MB); together %.2f s\n",
        run, as_of.ToString().c_str(), out.rows, Sec(r0, r1), Sec(r1, r2),
        static_cast<double>(std::filesystem::file_size(path)) / 1e6, Sec(r0, r2));
  }
  return out;
}

int RunReport(int argc, char** argv) {
  Args a;
  if (const std::optional<int> exit_code = ParseArgs(argc, argv, a)) return *exit_code;
  std::filesystem::remove_all(a.dir);
  auto policy = WorkflowTimerPolicy::Default();
  if (!policy.ok()) return std::fprintf(stderr, "%s\n", policy.status().ToString().c_str()), 1;
  EngineOptions o;
  o.data_dir = a.dir + "/store";
  o.sync = false;
  auto opened = Engine::Open(o, *policy);
  if (!opened.ok()) return std::fprintf(stderr, "%s\n", opened.status().ToString().c_str()), 1;
  Engine& engine = **opened;
  const std::string plan = "bench-report";
  const auto t0 = Clock::now();
  if (auto out = engine.Submit(ImportCommand(plan, a.tasks, a.units)); !out.status.ok())
    return std::fprintf(stderr, "import: %s\n", out.status.ToString().c_str()), 1;
  if (!AcceptAndReport(engine, plan, a.tasks, a.units)) return 1;
  const auto t1 = Clock::now();
  std::printf("store: %d tasks x %d units = %d assignments, built in %.1f s\n", a.tasks, a.units, a.tasks * a.units,
              Sec(t0, t1));
  // The timed part is the report's, not the store build's flushes and
  // compactions still running behind it.
  if (!WaitForBackgroundWork(engine, 120)) std::printf("note: RocksDB background work still running after 120 s\n");

  const std::string path = a.dir + "/ledger.xlsx";
  std::optional<LedgerRuns> runs = TimeLedgerRuns(engine, plan, path, a.runs);
  if (!runs) return 1;
  std::vector<double>& totals = runs->totals;
  std::sort(totals.begin(), totals.end());
  std::printf("file: %s\n", path.c_str());
  std::printf("rows=%zu seconds=%.2f (median of %d runs; fastest %.2f, slowest %.2f)\n", runs->rows,
              totals[totals.size() / 2], a.runs, totals.front(), totals.back());
  return 0;
}

}  // namespace

DUBAN_REGISTER_BENCH("report", "the work ledger of a 100,000-assignment plan as xlsx (duban report ledger)", RunReport);

}  // namespace duban::bench
