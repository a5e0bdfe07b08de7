// `duban-bench http`: the HTTP API under load, against the engine it fronts.
//
// Builds a store of 50,000 assignments (20 plans x 50 tasks x 50 units, all
// accepted) with one machine token per unit and one for the office, starts `duban serve` on
// loopback (the real binary beside this one), and drives it with C
// concurrent keep-alive connections (default 64), each phase --seconds long:
//  1. closed-loop reads of a unit's inbox for one plan (GET
//     /api/v1/assignments?plan=P, the unit taken from its token): each
//     connection sends its next request as soon as the last is answered, so
//     this measures throughput (read_rps); its latency is queueing at
//     saturation (mean = C / throughput), not what a reader waits at a given load;
//  2. paced (open-loop) reads, the same request at --read-rate R per second
//     offered in total (default 500; 0 skips the phase): connection c sends
//     its k-th request at start + (k*C + c)/R s, and latency is measured from
//     that scheduled time, not from when it was actually sent, so a slow reply
//     that makes the next requests late is counted in theirs (no coordinated
//     omission). A connection more than --seconds behind its schedule stops;
//     what it did not send counts as failed (latency: how late it was then).
//     This is the read latency at a stated load (paced_read_p99_ms);
//  then the office's dashboard over all 50,000 assignments (GET
//     /api/v1/dashboard), 20 requests one at a time on the idle server: its
//     latency on loopback is the server's time (dashboard_p50_ms; target
//     under 100 ms, issue 14);
//  3. closed-loop writes of progress reports (POST /api/v1/commands).
// Then, with the server stopped, the same kind of progress report submitted
// directly, one command at a time (Engine::Submit, fsynced like the server's
// commits): the engine's own rate, which the HTTP write rate is compared with.
// Before the last lines: dashboard_p50_ms= dashboard_assignments=, then
// paced_read_p99_ms= paced_read_rate= (na and 0 when skipped)
// Last line: read_rps= read_p99_ms= write_rps= write_p99_ms= direct_eps= write_ratio=
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "bench_plans.h"
#include "bench_registry.h"
#include "duban/accounts.h"
#include "duban/core/workflow_timer_policy.h"
#include "duban/engine.h"

namespace duban::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct Args {
  int plans = 20, tasks = 50, units = 50;
  int connections = 64;
  double seconds = 10;
  bool keep = false;       // keep the scratch store (and the office's token in office-token) for profiling
  double read_rate = 500;  // paced reads offered per second, all connections together; 0: no paced phase
  int port = 0;            // 0: one picked from the pid
  std::string dir;
};

std::string Unit(int u) { return BenchUnit(u); }
std::string Plan(int p) { return "plan-" + std::to_string(p); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

Result<std::unique_ptr<Engine>> OpenStore(const std::string& dir) {
  auto policy = WorkflowTimerPolicy::Default();
  if (!policy.ok()) return policy.status();
  EngineOptions o;
  o.data_dir = dir;
  o.clock = SystemClock();
  return Engine::Open(o, *policy);
}

// The store: plans imported and every assignment accepted, a token per unit.
Result<std::vector<std::string>> MakeStore(const Args& a, const std::string& dir) {
  auto opened = OpenStore(dir);
  if (!opened.ok()) return opened.status();
  Engine& engine = **opened;
  uint64_t seq = 0;
  auto command = [&](const std::string& plan, const schemas::Actor& actor, schemas::CommandBody body) {
    schemas::Command c;
    c.command_id = "setup-" + std::to_string(seq++);
    c.plan_id = plan;
    c.actor = actor;
    c.body = std::move(body);
    return c;
  };
  const schemas::Actor office{"office", schemas::Role::kSupervisor, "office"};
  for (int p = 0; p < a.plans; ++p) {
    if (auto o = engine.Submit(command(Plan(p), office, BenchPlan(p, a.tasks, a.units, 2026, "全年", "2026-12-31")));
        !o.status.ok())
      return Status::IOError("importing " + Plan(p) + ": " + o.status.ToString());
    std::vector<schemas::Command> accepts;
    for (int t = 1; t <= a.tasks; ++t)
      for (int u = 0; u < a.units; ++u)
        accepts.push_back(command(Plan(p), {Unit(u), schemas::Role::kUnit, Unit(u)}, schemas::Accept{t, Unit(u)}));
    for (const auto& o : engine.SubmitBatch(accepts))
      if (!o.status.ok()) return Status::IOError("accepting: " + o.status.ToString());
  }
  accounts::Accounts accounts(engine, SystemClock());
  std::vector<std::string> tokens;
  for (int u = 0; u < a.units; ++u) {
    auto token = accounts.CreateToken({"bench-unit-" + std::to_string(u), "", accounts::AccountRole::kUnit, Unit(u)},
                                      accounts::ActorOfOperator());
    if (!token.ok()) return token.status();
    tokens.push_back(*token);
  }
  // Last: the office's token, for the dashboard.
  auto office_token =
      accounts.CreateToken({"bench-office", "", accounts::AccountRole::kOffice, ""}, accounts::ActorOfOperator());
  if (!office_token.ok()) return office_token.status();
  tokens.push_back(*office_token);
  return tokens;
}

std::string SelfDir() {
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/self/exe", ec).parent_path().string();
}

struct Server {
  pid_t pid = -1;
  ~Server() { Stop(); }
  void Stop() {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
  }
};

bool StartServer(const std::string& dir, int port, Server& server) {
  const std::string duban = SelfDir() + "/duban";
  const std::string listen = "127.0.0.1:" + std::to_string(port);
  server.pid = ::fork();
  if (server.pid == 0) {
    ::execl(duban.c_str(), duban.c_str(), "--data", dir.c_str(), "serve", "--listen", listen.c_str(), "--threads", "72",
            static_cast<char*>(nullptr));
    std::perror("exec duban serve");
    ::_exit(127);
  }
  httplib::Client probe("127.0.0.1", port);
  for (int i = 0; i < 300; ++i) {
    if (auto r = probe.Get("/healthz"); r && r->status == 200) return true;
    int status = 0;
    if (::waitpid(server.pid, &status, WNOHANG) == server.pid) {
      server.pid = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

struct Phase {
  uint64_t ok = 0, failed = 0;
  uint64_t retried = 0;  // a transport error (the server closed a kept-alive connection) retried once
  double seconds = 0;
  std::vector<double> latencies_ms;
  std::string first_failure;
};

// Why a request failed; "transport:" marks one that Attempt sends again.
std::string FailureOf(const httplib::Result& r) {
  return r ? std::to_string(r->status) + " " + r->body.substr(0, 200) : "transport: " + httplib::to_string(r.error());
}

// One request of connection c, timed from `from` (when it was sent, or in a
// paced phase when it was due). As a client should, a request whose
// connection the server closed (keep-alive limit) is sent again, the same (a
// write keeps its command_id, so the engine takes it once).
template <class Request>
void Attempt(Phase& mine, httplib::Client& client, int c, uint64_t i, SteadyClock::time_point from, Request& request) {
  std::string why;
  bool ok = request(client, c, i, &why);
  if (!ok && why.rfind("transport:", 0) == 0) {
    ++mine.retried;
    ok = request(client, c, i, &why);
  }
  mine.latencies_ms.push_back(std::chrono::duration<double, std::milli>(SteadyClock::now() - from).count());
  if (ok) {
    ++mine.ok;
  } else if (!mine.failed++) {
    mine.first_failure = why;
  }
}

// The connections' phases as one, timed from `start` to now.
Phase Merge(const std::vector<Phase>& per, SteadyClock::time_point start) {
  Phase all;
  all.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  for (auto& p : per) {
    all.ok += p.ok;
    all.failed += p.failed;
    all.retried += p.retried;
    if (all.first_failure.empty()) all.first_failure = p.first_failure;
    all.latencies_ms.insert(all.latencies_ms.end(), p.latencies_ms.begin(), p.latencies_ms.end());
  }
  return all;
}

// C connections, each its own thread and keep-alive client, for `seconds`.
template <class Request>
Phase Drive(const Args& a, int port, Request request) {
  std::vector<Phase> per(static_cast<size_t>(a.connections));
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  threads.reserve(per.size());
  const auto start = SteadyClock::now();
  for (int c = 0; c < a.connections; ++c)
    threads.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      client.set_read_timeout(30, 0);
      Phase& mine = per[static_cast<size_t>(c)];
      for (uint64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        Attempt(mine, client, c, i, SteadyClock::now(), request);
      }
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(a.seconds));
  stop = true;
  for (auto& t : threads) t.join();
  return Merge(per, start);
}

// Open loop: the same C connections, but connection c sends its k-th request
// at start + (k*C + c)/rate s whether or not its earlier ones were answered in
// time, for requests scheduled within `seconds`. Latency runs from the
// scheduled time. A connection that falls more than `seconds` behind stops:
// each request it did not send is failed, its latency how late it was then.
template <class Request>
Phase Paced(const Args& a, int port, double rate, Request request) {
  std::vector<Phase> per(static_cast<size_t>(a.connections));
  std::vector<std::thread> threads;
  threads.reserve(per.size());
  const auto start = SteadyClock::now();
  const auto at = [&](uint64_t n) {
    return start + std::chrono::duration_cast<SteadyClock::duration>(
                       std::chrono::duration<double>(static_cast<double>(n) / rate));
  };
  const auto window = std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(a.seconds));
  const auto end = start + window;
  for (int c = 0; c < a.connections; ++c)
    threads.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      client.set_read_timeout(30, 0);
      Phase& mine = per[static_cast<size_t>(c)];
      const uint64_t C = static_cast<uint64_t>(a.connections);
      for (uint64_t k = 0;; ++k) {
        const auto scheduled = at(k * C + static_cast<uint64_t>(c));
        if (scheduled >= end) break;
        if (const auto now = SteadyClock::now(); now - scheduled > window) {
          for (uint64_t j = k; at(j * C + static_cast<uint64_t>(c)) < end; ++j) {
            mine.latencies_ms.push_back(
                std::chrono::duration<double, std::milli>(now - at(j * C + static_cast<uint64_t>(c))).count());
            if (!mine.failed++) mine.first_failure = "not sent: the connection fell more than --seconds behind";
          }
          break;
        }
        std::this_thread::sleep_until(scheduled);
        Attempt(mine, client, c, k, scheduled, request);
      }
    });
  for (auto& t : threads) t.join();
  return Merge(per, start);
}

// A unit's progress report on one of its own assignments, the i-th of connection c.
nlohmann::json ProgressBody(const Args& a, int c, uint64_t i, const std::string& run) {
  const int unit = c % a.units;
  const int plan = static_cast<int>((i / static_cast<uint64_t>(a.tasks)) % static_cast<uint64_t>(a.plans));
  const int task = static_cast<int>(i % static_cast<uint64_t>(a.tasks)) + 1;
  return {{"type", "progress"},
          {"plan", Plan(plan)},
          {"task", task},
          {"unit", Unit(unit)},
          {"command_id", run + "-" + std::to_string(c) + "-" + std::to_string(i)},
          {"percent", static_cast<int>(i % 101)},
          {"text", "已完成阶段性工作，正在推进下一步"}};
}

// The exit code when parsing ends the run (--help, or an error CLI11 reported).
std::optional<int> ParseArgs(int argc, char** argv, Args& a) {
  CLI::App app{"duban-bench http: the HTTP API under load vs the engine's direct submit rate"};
  app.add_option("--plans", a.plans, "plans")->check(CLI::Range(1, 1000));
  app.add_option("--tasks", a.tasks, "tasks per plan")->check(CLI::Range(1, 1000));
  app.add_option("--units", a.units, "units per plan")->check(CLI::Range(1, 1000));
  app.add_option("--connections", a.connections, "concurrent keep-alive connections")->check(CLI::Range(1, 1024));
  app.add_option("--seconds", a.seconds, "seconds per phase")->check(CLI::Range(0.5, 3600.0));
  app.add_option("--read-rate", a.read_rate,
                 "paced reads offered per second over all connections, latency from each one's scheduled time "
                 "(0: skip that phase)")
      ->check(CLI::Range(0.0, 1e6));
  app.add_option("--port", a.port, "loopback port for the server (default: from the pid)");
  app.add_option("--dir", a.dir, "scratch directory (default: under $TMPDIR)");
  app.add_flag("--keep", a.keep,
               "keep the scratch directory: the store (store/) and the office's token (office-token), to profile "
               "`duban serve --data-dir DIR/store` by hand");
  return ParseBenchOptions(app, argc, argv);
}

std::string ScratchRoot(const std::string& dir) {
  return dir.empty()
             ? (std::filesystem::temp_directory_path() / ("duban-bench-http-" + std::to_string(::getpid()))).string()
             : dir;
}

// What the phases against the server measured.
struct ServerFigures {
  Phase reads, paced, writes;
  std::vector<double> dashboard_ms;
  int64_t dashboard_assignments = 0;
};

// The office's dashboard over every assignment, one request at a time on an
// otherwise idle server: its latency on loopback is the server's time.
bool TimeDashboard(int port, const std::string& office_token, ServerFigures& f) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(60, 0);
  const httplib::Headers h{{"Authorization", "Bearer " + office_token}};
  for (int i = 0; i < 20; ++i) {
    const auto t0 = SteadyClock::now();
    auto r = client.Get("/api/v1/dashboard", h);
    const double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
    if (!r || r->status != 200) {
      std::fprintf(stderr, "dashboard: %s\n",
                   r ? (std::to_string(r->status) + " " + r->body.substr(0, 200)).c_str()
                     : httplib::to_string(r.error()).c_str());
      return false;
    }
    if (i == 0) f.dashboard_assignments = nlohmann::json::parse(r->body, nullptr, false).value("assignments", 0);
    f.dashboard_ms.push_back(ms);
  }
  return true;
}

// Starts `duban serve` on the store, runs the reads, the dashboard and the
// writes against it, and stops it. `tokens`: one per unit, then the office's.
bool RunServerPhases(const Args& a, const std::string& store, int port, const std::vector<std::string>& tokens,
                     ServerFigures& f) {
  Server server;
  if (!StartServer(store, port, server)) {
    std::fprintf(stderr, "duban serve did not answer /healthz on 127.0.0.1:%d\n", port);
    return false;
  }
  const auto read = [&](httplib::Client& client, int c, uint64_t i, std::string* why) {
    const httplib::Headers h{{"Authorization", "Bearer " + tokens[static_cast<size_t>(c % a.units)]}};
    const std::string path = "/api/v1/assignments?plan=" + Plan(static_cast<int>((i + c) % a.plans));
    auto r = client.Get(path, h);
    if (r && r->status == 200) return true;
    *why = FailureOf(r);
    return false;
  };
  f.reads = Drive(a, port, read);
  if (a.read_rate > 0) f.paced = Paced(a, port, a.read_rate, read);
  if (!TimeDashboard(port, tokens.back(), f)) return false;
  f.writes = Drive(a, port, [&](httplib::Client& client, int c, uint64_t i, std::string* why) {
    const httplib::Headers h{{"Authorization", "Bearer " + tokens[static_cast<size_t>(c % a.units)]}};
    auto r = client.Post("/api/v1/commands", h, ProgressBody(a, c, i, "http").dump(), "application/json");
    if (r && r->status == 200) return true;
    *why = FailureOf(r);
    return false;
  });
  server.Stop();
  return true;
}

// The i-th direct submit: the progress report the HTTP writes send, as the
// engine's command.
schemas::Command DirectProgressCommand(const Args& a, uint64_t i) {
  const int c = static_cast<int>(i % static_cast<uint64_t>(a.connections));
  const nlohmann::json b = ProgressBody(a, c, i / static_cast<uint64_t>(a.connections), "direct");
  schemas::Command cmd;
  cmd.command_id = b["command_id"];
  cmd.plan_id = b["plan"];
  cmd.actor = {b["unit"], schemas::Role::kUnit, "bench-unit-" + std::to_string(c % a.units)};
  cmd.body = schemas::ReportProgress{b["task"], b["unit"], b["percent"], b["text"], "", "", ""};
  return cmd;
}

struct DirectFigures {
  double eps = 0;
  uint64_t n = 0;
};

// The engine's own rate for the same commands, one at a time, fsynced, for
// as long as a phase.
std::optional<DirectFigures> TimeDirectSubmits(const Args& a, const std::string& store) {
  auto opened = OpenStore(store);
  if (!opened.ok()) {
    std::fprintf(stderr, "reopening: %s\n", opened.status().ToString().c_str());
    return std::nullopt;
  }
  Engine& engine = **opened;
  DirectFigures d;
  const auto start = SteadyClock::now();
  const auto until = start + std::chrono::duration<double>(a.seconds);
  for (uint64_t i = 0; SteadyClock::now() < until; ++i) {
    const Outcome o = engine.Submit(DirectProgressCommand(a, i));
    if (!o.status.ok()) {
      std::fprintf(stderr, "direct submit: %s\n", o.status.ToString().c_str());
      return std::nullopt;
    }
    ++d.n;
  }
  d.eps = static_cast<double>(d.n) / std::chrono::duration<double>(SteadyClock::now() - start).count();
  return d;
}

void KeepOrRemoveScratch(const Args& a, const std::string& root, const std::string& office_token) {
  if (a.keep) {
    std::FILE* f = std::fopen((root + "/office-token").c_str(), "w");
    if (f) std::fprintf(f, "%s\n", office_token.c_str()), std::fclose(f);
    std::printf("kept: %s/store, office token in %s/office-token\n", root.c_str(), root.c_str());
  } else {
    std::filesystem::remove_all(root);
  }
}

// `label` is padded so that the reads' and writes' figures line up.
void PrintClosedLoop(const char* label, const Phase& p) {
  std::printf("%s %llu ok, %llu failed, %llu retried%s%s; p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", label,
              static_cast<unsigned long long>(p.ok), static_cast<unsigned long long>(p.failed),
              static_cast<unsigned long long>(p.retried), p.failed ? ", first: " : "", p.first_failure.c_str(),
              Percentile(p.latencies_ms, 0.5), Percentile(p.latencies_ms, 0.99), Percentile(p.latencies_ms, 1.0));
}

void PrintPaced(const Args& a, const Phase& paced) {
  if (a.read_rate > 0)
    std::printf(
        "paced reads: %.0f/s offered over %d connections: %llu ok, %llu failed, %llu retried%s%s; achieved "
        "%.0f/s; p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
        a.read_rate, a.connections, static_cast<unsigned long long>(paced.ok),
        static_cast<unsigned long long>(paced.failed), static_cast<unsigned long long>(paced.retried),
        paced.failed ? ", first: " : "", paced.first_failure.c_str(), static_cast<double>(paced.ok) / paced.seconds,
        Percentile(paced.latencies_ms, 0.5), Percentile(paced.latencies_ms, 0.99), Percentile(paced.latencies_ms, 1.0));
  else
    std::printf("paced reads: skipped (--read-rate 0)\n");
}

void PrintFigures(const Args& a, const ServerFigures& f, const DirectFigures& direct) {
  const double read_rps = static_cast<double>(f.reads.ok) / f.reads.seconds;
  const double write_rps = static_cast<double>(f.writes.ok) / f.writes.seconds;
  PrintClosedLoop("reads: ", f.reads);
  PrintPaced(a, f.paced);
  std::printf(
      "dashboard: %lld assignments, %zu requests one at a time: p50 %.2f ms, max %.2f ms (target: under "
      "100 ms)\n",
      static_cast<long long>(f.dashboard_assignments), f.dashboard_ms.size(), Percentile(f.dashboard_ms, 0.5),
      Percentile(f.dashboard_ms, 1.0));
  PrintClosedLoop("writes:", f.writes);
  std::printf("direct: %llu single fsynced submits in %.0f s\n", static_cast<unsigned long long>(direct.n), a.seconds);
  std::printf(
      "targets: read p99 under 10 ms (the paced reads'; the closed loop's latency is queueing: %d connections "
      "/ %.0f reads/s = %.1f ms on average), write_ratio at least 0.5\n",
      a.connections, read_rps, read_rps > 0 ? 1000.0 * a.connections / read_rps : 0.0);
  std::printf("dashboard_p50_ms=%.2f dashboard_assignments=%lld\n", Percentile(f.dashboard_ms, 0.5),
              static_cast<long long>(f.dashboard_assignments));
  if (a.read_rate > 0)
    std::printf("paced_read_p99_ms=%.2f paced_read_rate=%.0f\n", Percentile(f.paced.latencies_ms, 0.99), a.read_rate);
  else
    std::printf("paced_read_p99_ms=na paced_read_rate=0\n");
  std::printf("read_rps=%.0f read_p99_ms=%.2f write_rps=%.0f write_p99_ms=%.2f direct_eps=%.0f write_ratio=%.3f\n",
              read_rps, Percentile(f.reads.latencies_ms, 0.99), write_rps, Percentile(f.writes.latencies_ms, 0.99),
              direct.eps, direct.eps > 0 ? write_rps / direct.eps : 0.0);
}

int RunHttp(int argc, char** argv) {
  Args a;
  if (const std::optional<int> exit_code = ParseArgs(argc, argv, a)) return *exit_code;
  const std::string root = ScratchRoot(a.dir);
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  const std::string store = root + "/store";
  const int port = a.port ? a.port : 20000 + ::getpid() % 20000;
  std::printf("http benchmark: %d plans x %d tasks x %d units = %d assignments, %d connections, %.0f s a phase\n",
              a.plans, a.tasks, a.units, a.plans * a.tasks * a.units, a.connections, a.seconds);

  const auto t0 = SteadyClock::now();
  auto tokens = MakeStore(a, store);
  if (!tokens.ok()) {
    std::fprintf(stderr, "making the store: %s\n", tokens.status().ToString().c_str());
    return 1;
  }
  std::printf("store made in %.1f s\n", std::chrono::duration<double>(SteadyClock::now() - t0).count());

  ServerFigures f;
  if (!RunServerPhases(a, store, port, *tokens, f)) return 1;
  const std::optional<DirectFigures> direct = TimeDirectSubmits(a, store);
  if (!direct) return 1;
  KeepOrRemoveScratch(a, root, tokens->back());
  PrintFigures(a, f, *direct);
  return f.reads.failed || f.paced.failed || f.writes.failed ? 1 : 0;
}

}  // namespace

DUBAN_REGISTER_BENCH("http", "the HTTP API (duban serve): closed-loop and paced reads, writes, vs direct submit",
                     RunHttp);

}  // namespace duban::bench
