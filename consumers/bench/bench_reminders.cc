// duban-bench reminders: how fast the reminders consumer turns a store's
// reminder events into notifications delivered to a receiver. A store of
// 50,000 open assignments (10 plans x 50 tasks x 100 units, every task due
// 2021-06-30) is ticked on the day of the 10-working-day reminder, which
// writes one DeadlineApproaching per assignment; then the consumer (the
// library `duban-reminders` runs, embedded mode) reads the log from the
// start, renders each notification and POSTs it to a webhook receiver on
// 127.0.0.1 (cpp-httplib, in this process: the cost of a real HTTP round
// trip per notification, not of a remote server). A second pass on a fresh
// state directory does the same with daily digests (one message per unit).
// Ends with `notifications= seconds=` (the per-notification pass).
#include <CLI/CLI.hpp>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench_plans.h"
#include "bench_registry.h"
#include "duban/consumers/reminders.h"
#include "duban/consumers/sink.h"
#include "duban/core/workflow_timer_policy.h"
#include "duban/engine.h"
#include "duban/process_memory.h"

namespace duban::bench {
namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

struct Args {
  int assignments = 50'000;
  int units = 100;
  int tasks_per_plan = 50;
  std::string dir = (std::filesystem::temp_directory_path() / "duban-bench-reminders").string();
};

std::optional<int> ParseArgs(int argc, char** argv, Args& a) {
  CLI::App app{"duban-bench reminders: notifications composed and delivered to a local receiver per second"};
  app.add_option("--assignments", a.assignments, "open assignments, each getting one reminder")
      ->check(CLI::Range(100, 10'000'000))
      ->capture_default_str();
  app.add_option("--units", a.units, "units per task (the digest pass sends one message per unit)")
      ->check(CLI::Range(1, 10'000))
      ->capture_default_str();
  app.add_option("--dir", a.dir, "scratch directory")->capture_default_str();
  return ParseBenchOptions(app, argc, argv);
}

// An HTTP receiver on 127.0.0.1 that accepts every POST and counts it.
class CountingReceiver {
 public:
  CountingReceiver() {
    server_.Post("/hook", [this](const httplib::Request&, httplib::Response& res) {
      count_.fetch_add(1);
      res.status = 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~CountingReceiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  uint64_t count() const { return count_.load(); }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<uint64_t> count_{0};
};

// The store: plans of `tasks_per_plan` tasks for `units` units, all due
// 2021-06-30, ticked on the day of their 10-working-day reminder. Returns
// the reminder events written.
std::optional<size_t> BuildStore(const Args& a) {
  auto policy = WorkflowTimerPolicy::Default();
  if (!policy.ok()) return std::nullopt;
  EngineOptions o;
  o.data_dir = a.dir + "/store";
  o.sync = false;  // a scratch store: its fsyncs are not what is measured
  auto opened = Engine::Open(o, *policy);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return std::nullopt;
  }
  Engine& engine = **opened;
  const std::string cal = (*policy)->latest_calendar().version();
  std::vector<std::string> units;
  units.reserve(static_cast<size_t>(a.units));
  for (int u = 0; u < a.units; ++u) units.push_back("市直单位" + std::to_string(u));
  const int per_plan = a.tasks_per_plan * a.units;
  const int plans = (a.assignments + per_plan - 1) / per_plan;
  for (int p = 0; p < plans; ++p) {
    schemas::ImportPlan ip;
    ip.plan = schemas::PlanImported{
        "提醒基准方案 " + std::to_string(p), "督查室", "", "2021-03-01", 2021, "bench", units, {}};
    for (int t = 1; t <= a.tasks_per_plan; ++t) {
      schemas::ImportTask task;
      task.number = t;
      task.title = task.content = "做好政务公开第" + std::to_string(t) + "项工作，按要求及时主动公开相关信息";
      task.deadline = schemas::Deadline{"6月底前", "2021-06-30", "", false, cal};
      task.responsible_units = units;
      ip.tasks.push_back(std::move(task));
    }
    if (Outcome out = engine.Submit(BenchImportCommand(p, std::move(ip))); !out.status.ok()) {
      std::fprintf(stderr, "import failed: %s\n", out.status.ToString().c_str());
      return std::nullopt;
    }
  }
  auto ten_days_before = (*policy)->latest_calendar().SubtractWorkingDays(Date{2021, 6, 30}, 10);
  if (!ten_days_before.ok()) return std::nullopt;
  auto fired = engine.Tick(StartOfDay(*ten_days_before));
  if (!fired.ok()) {
    std::fprintf(stderr, "tick failed: %s\n", fired.status().ToString().c_str());
    return std::nullopt;
  }
  size_t events = 0;
  for (const auto& out : *fired) events += out.events.size();
  return events;
}

struct Pass {
  consumers::RemindersStats stats;
  uint64_t received = 0;
  double seconds = 0;
};

// One consumer run over the whole log into the receiver, timed from its
// first read to the end of the log (or an error: nullopt).
std::optional<Pass> RunPass(const Args& a, const std::string& state, std::optional<int> digest_minute) {
  CountingReceiver receiver;
  consumers::RemindersOptions o;
  o.store_dir = a.dir + "/store";
  o.data_dir = state;
  o.digest_minute = digest_minute;
  std::vector<std::unique_ptr<consumers::Sink>> sinks;
  auto hook = consumers::MakeWebhookSink({receiver.url()});
  if (!hook.ok()) return std::nullopt;
  sinks.push_back(std::move(hook).value());
  const auto t0 = Clock::now();
  auto r = consumers::Reminders::Create(o, std::move(sinks));
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
    return std::nullopt;
  }
  while (true) {
    auto n = (*r)->Step(0);
    if (!n.ok()) {
      std::fprintf(stderr, "%s\n", n.status().ToString().c_str());
      return std::nullopt;
    }
    if (*n == 0) break;
  }
  const auto t1 = Clock::now();
  Pass p{(*r)->stats(), receiver.count(), Seconds(t0, t1)};
  (void)(*r)->Close();
  return p;
}

int RunReminders(int argc, char** argv) {
  Args a;
  if (const std::optional<int> exit_code = ParseArgs(argc, argv, a)) return *exit_code;
  a.tasks_per_plan = std::max(1, std::min(a.tasks_per_plan, a.assignments / a.units));
  KeepFreedMemoryForReuse();
  std::filesystem::remove_all(a.dir);
  const auto b0 = Clock::now();
  const std::optional<size_t> reminders = BuildStore(a);
  if (!reminders) return 1;
  std::printf(
      "store: %d open assignments (%d units), one tick: %zu events (the 10-day reminder, and acceptance "
      "overdue as none was accepted), built in %.1f s\n",
      a.assignments, a.units, *reminders, Seconds(b0, Clock::now()));

  const std::optional<Pass> each = RunPass(a, a.dir + "/state-each", std::nullopt);
  if (!each) return 1;
  std::printf("each at once: %lu records read, %lu notifications rendered, %lu POSTs received, %.2f s: %.0f/s\n",
              static_cast<unsigned long>(each->stats.records), static_cast<unsigned long>(each->stats.notifications),
              static_cast<unsigned long>(each->received), each->seconds,
              static_cast<double>(each->received) / each->seconds);
  const std::optional<Pass> digest = RunPass(a, a.dir + "/state-digest", 9 * 60);
  if (!digest) return 1;
  std::printf("daily digests: %lu notifications in %lu digests, %lu POSTs received, %.2f s: %.0f notifications/s\n",
              static_cast<unsigned long>(digest->stats.digest_items), static_cast<unsigned long>(digest->stats.digests),
              static_cast<unsigned long>(digest->received), digest->seconds,
              static_cast<double>(digest->stats.digest_items) / digest->seconds);
  std::filesystem::remove_all(a.dir);
  if (each->received != each->stats.notifications) {
    std::fprintf(stderr, "delivered %lu of %lu: the figures are void\n", static_cast<unsigned long>(each->received),
                 static_cast<unsigned long>(each->stats.notifications));
    return 1;
  }
  std::printf("notifications=%lu seconds=%.2f\n", static_cast<unsigned long>(each->received), each->seconds);
  return 0;
}

}  // namespace
}  // namespace duban::bench

DUBAN_REGISTER_BENCH("reminders",
                     "50,000 reminders read from a store, rendered and POSTed to a local receiver (and as digests)",
                     duban::bench::RunReminders);
