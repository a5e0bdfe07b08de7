// `duban serve`: the HTTP/1.1 JSON API over the store at --data
// (engine/server, docs/API.md). Opens the store as its writer, serves until
// SIGTERM or SIGINT, then stops accepting, lets requests in flight finish,
// commits what is queued and closes the store cleanly. While it runs it fires
// the due timers every --tick-interval seconds (it holds the store, so `duban
// tick` cannot).
//
// Kafka mode (--bootstrap): the store at --data is this server's read model.
// At start it catches up with duban.events (or exits: Kafka must be
// reachable), then a projector thread keeps applying duban.events while
// commands go to duban.commands and each request waits for its outcome to be
// projected. `duban engine` decides and ticks.
//
// --reminders FILE runs the reminders consumer (consumers/, as
// `duban-reminders` runs it) as a thread, following this store (or
// duban.events) with the workbench channel on: the signed-in accounts see
// their notifications at /api/v1/notifications. --notifications DIR shows
// the list a separate `duban-reminders --workbench --data DIR` keeps.
#include <CLI/CLI.hpp>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <charconv>
#include <chrono>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "cli_common.h"
#include "duban/consumers/config.h"
#include "duban/consumers/reminders_thread.h"
#include "duban/kafka/kafka_engine.h"
#include "duban/kafka/producer.h"
#include "duban/server/server.h"
#include "duban/log.h"

namespace duban::cli {
namespace {

// SIGTERM and SIGINT write their number to this pipe (whichever thread the
// kernel picks runs the handler); one thread reads it and stops the server.
int g_stop_pipe[2] = {-1, -1};
extern "C" void OnStopSignal(int sig) {
  const char c = static_cast<char>(sig);
  [[maybe_unused]] auto n = ::write(g_stop_pipe[1], &c, 1);
}

bool CatchStopSignals() {
  if (::pipe(g_stop_pipe) != 0) return false;
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  return ::sigaction(SIGTERM, &sa, nullptr) == 0 && ::sigaction(SIGINT, &sa, nullptr) == 0;
}

struct ServeArgs {
  std::string listen = "127.0.0.1:8080";
  int threads = 16;
  std::string tls_cert, tls_key;
  int session_minutes = 480;
  int max_body_mb = 20;
  int max_upload_mb_per_day = 500;
  std::string trusted_proxy;
  double tick_interval_s = 60;
  // Kafka mode
  std::string bootstrap;
  std::string commands_topic = "duban.commands", events_topic = "duban.events";
  int kafka_timeout_ms = 30000;
  std::string reminders;      // the reminders consumer's YAML file: run it as a thread
  std::string notifications;  // a consumer's state directory whose workbench list to show
};

// Kafka mode: a command leaves on duban.commands, keyed by its plan (the
// partition `duban engine` decides it on), framed as submit-kafka frames it.
class KafkaRelay : public server::CommandRelay {
 public:
  KafkaRelay(kafka::KafkaConfig cfg, std::unique_ptr<kafka::Producer> producer)
      : cfg_(std::move(cfg)), producer_(std::move(producer)) {}
  Status Send(const schemas::Command& command, int timeout_ms) override {
    auto future = producer_->ProduceAsync(cfg_.commands_topic, command.plan_id, kafka::CommandRecord(command));
    if (future.wait_for(std::chrono::milliseconds(timeout_ms)) != std::future_status::ready)
      return Status::Unavailable("not delivered within " + std::to_string(timeout_ms / 1000) + " s");
    auto delivered = future.get();
    if (delivered.ok()) return Status::Ok();
    // librdkafka's words for a record over message.max.bytes (client or broker).
    const std::string& why = delivered.status().message();
    if (why.find("too large") != std::string::npos || why.find("MSG_SIZE_TOO_LARGE") != std::string::npos)
      return Status::Rejected("too_large", "the command is larger than a Kafka message may be (" + why +
                                               "); a plan this large cannot be imported in Kafka mode: split it");
    return delivered.status();
  }

 private:
  kafka::KafkaConfig cfg_;
  std::unique_ptr<kafka::Producer> producer_;
};

bool SplitListen(const std::string& listen, std::string* host, int* port) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  *host = listen.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') *host = host->substr(1, host->size() - 2);
  const std::string_view digits = std::string_view(listen).substr(colon + 1);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *port);
  if (ec != std::errc() || end != digits.data() + digits.size()) return false;  // "80x" is not port 80
  return !host->empty() && *port > 0 && *port < 65536;
}

// The server's options from the command line, or nothing if one is a usage
// error (said on stderr).
std::optional<server::ServerOptions> ServerOptionsFrom(const Globals& g, const ServeArgs& a) {
  server::ServerOptions o;
  if (!SplitListen(a.listen, &o.host, &o.port)) {
    std::cerr << "duban serve: --listen must be HOST:PORT (e.g. 127.0.0.1:8080)\n";
    return std::nullopt;
  }
  if (a.tls_cert.empty() != a.tls_key.empty()) {
    std::cerr << "duban serve: --tls-cert and --tls-key go together\n";
    return std::nullopt;
  }
  o.threads = a.threads;
  o.trusted_proxy = a.trusted_proxy;
  o.tls_cert = a.tls_cert;
  o.tls_key = a.tls_key;
  o.session_minutes = a.session_minutes;
  o.session_idle_minutes = std::min(60, a.session_minutes);
  o.max_body_bytes = static_cast<size_t>(a.max_body_mb) << 20;
  o.max_upload_bytes_per_day = static_cast<uint64_t>(a.max_upload_mb_per_day) << 20;
  o.data_dir = g.data_dir;
  if (a.tick_interval_s > 0 && a.tick_interval_s < 1) {
    std::cerr << "duban serve: --tick-interval is 0 (never) or at least 1 second\n";
    return std::nullopt;
  }
  o.tick_interval_ms = static_cast<int64_t>(a.tick_interval_s * 1000);
  o.relay_timeout_ms = a.kafka_timeout_ms;
  o.notifications_dir = a.notifications;
  return o;
}

// A simulated store is never served, nor a Kafka read model without Kafka.
// False (said on stderr) if this one may not be.
bool StoreMayBeServed(const Globals& g, Engine& engine, bool kafka_mode) {
  if (IsSimulatedStore(engine)) {
    std::cerr << "duban serve: " << g.data_dir << " is a simulated store (demo, simulate); serve a real one\n";
    return false;
  }
  if (!kafka_mode && IsKafkaReadModel(engine)) {
    std::cerr << "duban serve: " << g.data_dir << " is a Kafka read model (projected from duban.events): serve it "
              << "with --bootstrap; served alone it would fire its timers and fork it from Kafka\n";
    return false;
  }
  return true;
}

// Kafka mode's start: the read model first, since a server that answers from
// a store far behind Kafka would show units stale work, and one that cannot
// reach Kafka could take no command. The relay to duban.commands, or null
// (said on stderr).
std::shared_ptr<server::CommandRelay> CatchUpAndConnect(const kafka::KafkaConfig& kcfg, Engine& engine) {
  auto caught_up = kafka::ProjectEvents(kcfg, engine, /*follow=*/false);
  if (!caught_up.ok()) {
    std::cerr << "duban serve: cannot read " << kcfg.events_topic << " from " << kcfg.bootstrap << ": "
              << caught_up.status().message() << "\n";
    return nullptr;
  }
  log::Cli().info("duban serve: read model caught up with {} ({} events applied)", kcfg.events_topic,
                  caught_up->appended);
  auto producer = kafka::Producer::Create(kcfg);
  if (!producer.ok()) {
    std::cerr << "duban serve: cannot produce to " << kcfg.bootstrap << ": " << producer.status().message() << "\n";
    return nullptr;
  }
  return std::make_shared<KafkaRelay>(kcfg, std::move(producer).value());
}

// The projector thread's body: applies duban.events under the server's
// engine lock until `stop`, starting again after a failure.
void ProjectUntilStopped(server::Server& srv, Engine& engine, const kafka::KafkaConfig& kcfg, std::atomic<bool>& stop) {
  kafka::ProjectHooks hooks;
  hooks.guard = [&](const std::function<Status()>& write) {
    Status st;
    srv.WithEngine([&](Engine&) { st = write(); });
    return st;
  };
  hooks.applied = [&] { srv.StoreChanged(); };
  while (!stop.load()) {
    auto r = kafka::ProjectEvents(kcfg, engine, /*follow=*/true, &stop, hooks);
    if (r.ok() || stop.load()) break;
    log::Cli().warn("duban serve: projecting {} stopped ({}); starting again in 2 s", kcfg.events_topic,
                    r.status().ToString());
    for (int i = 0; i < 20 && !stop.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// The waiter thread's body: a byte on the stop pipe (a signal, or Run's own
// failure) stops the server.
void StopOnSignal(server::Server& srv, const std::atomic<bool>& run_returned) {
  char sig = 0;
  while (::read(g_stop_pipe[0], &sig, 1) < 0 && errno == EINTR) {
  }
  if (sig) log::Cli().info("signal {}: stopping (requests in flight finish)", static_cast<int>(sig));
  // Again until Run returns: a stop that lands while Run is only about to
  // listen would otherwise be lost.
  while (!run_returned.load()) {
    srv.Stop();
    for (int i = 0; i < 5 && !run_returned.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(40));
  }
}

// The reminders thread's configuration: FILE's reminders: block, following
// this server's store (or its Kafka), state in FILE's state_dir (default
// DATA-reminders, beside the store), the workbench channel always on. Nothing (said on
// stderr) if FILE has a mistake.
std::optional<consumers::ConsumerConfig> RemindersConfig(const Globals& g, const ServeArgs& a,
                                                         const kafka::KafkaConfig& kcfg) {
  consumers::ConsumerConfig c;
  auto fail = [&](const std::string& why) {
    std::cerr << "duban serve: --reminders " << a.reminders << ": " << why << "\n";
    return std::nullopt;
  };
  if (Status st = consumers::ApplyConfigFile(
          a.reminders, [](const char*) { return false; }, c);
      !st.ok())
    return fail(st.message());
  if (!c.options.kafka.bootstrap.empty() || !c.options.store_dir.empty())
    return fail("the thread follows what this server serves: leave store and kafka.bootstrap out of the file");
  if (a.bootstrap.empty()) {
    c.options.store_dir = g.data_dir;
  } else {
    c.options.kafka.bootstrap = kcfg.bootstrap;
    c.options.kafka.events_topic = kcfg.events_topic;
  }
  c.options.kafka.client_id = "duban-serve-reminders";
  // Beside the store, never in it (the consumer refuses that): /var/lib/duban -> /var/lib/duban-reminders.
  if (c.options.data_dir.empty()) {
    std::string store = std::filesystem::absolute(g.data_dir).lexically_normal().string();
    while (store.size() > 1 && store.back() == '/') store.pop_back();
    c.options.data_dir = store + "-reminders";
  }
  c.workbench = true;
  if (Status st = consumers::ResolveConfig(c); !st.ok()) return fail(st.message());
  return c;
}

struct ServeContext {
  const Globals& g;
  const server::ServerOptions& o;
  const kafka::KafkaConfig& kcfg;
  bool kafka_mode;
};

// Runs the bound server until a signal (or its failure) stops it; the exit code.
int ServeUntilStopped(server::Server& srv, Engine& engine, const ServeContext& c) {
  int code = kExitOk;
  std::atomic<bool> stop_projector{false};
  std::thread projector;
  if (c.kafka_mode) projector = std::thread([&] { ProjectUntilStopped(srv, engine, c.kcfg, stop_projector); });
  std::atomic<bool> run_returned{false};
  std::thread waiter([&] { StopOnSignal(srv, run_returned); });
  log::Cli().info("duban serve: listening on {}://{}:{} (data {}{})", c.o.tls_cert.empty() ? "http" : "https", c.o.host,
                  srv.port(), c.g.data_dir, c.kafka_mode ? ", Kafka " + c.kcfg.bootstrap : std::string());
  Status st = srv.Run();
  run_returned.store(true);
  if (!st.ok()) {
    std::cerr << "duban serve: " << st.message() << "\n";
    code = kExitRejected;
    const char none = 0;
    [[maybe_unused]] auto n = ::write(g_stop_pipe[1], &none, 1);
  }
  waiter.join();
  stop_projector.store(true);
  if (projector.joinable()) projector.join();
  return code;
}

int RunServe(Globals& g, const ServeArgs& a) {
  spdlog::set_level(spdlog::level::info);  // the access log is info, on stderr
  log::LoadLevelsFromEnvironment();
  auto o = ServerOptionsFrom(g, a);
  if (!o) return kExitUsage;
  kafka::KafkaConfig kcfg;
  kcfg.bootstrap = a.bootstrap;
  kcfg.commands_topic = a.commands_topic;
  kcfg.events_topic = a.events_topic;
  if (!CatchStopSignals()) {
    std::cerr << "duban serve: cannot install the SIGTERM handler\n";
    return kExitRejected;
  }
  auto engine = OpenEngine(g);  // the machine's clock: every event's recorded_at
  if (!engine) return g.exit_code;
  const bool kafka_mode = !a.bootstrap.empty();
  if (!StoreMayBeServed(g, *engine, kafka_mode)) return kExitRejected;
  if (std::error_code ec; !a.notifications.empty() && !std::filesystem::is_directory(a.notifications, ec)) {
    std::cerr << "duban serve: --notifications " << a.notifications
              << " is not a directory: give the state directory of `duban-reminders --workbench --data DIR`\n";
    return kExitUsage;
  }
  std::optional<consumers::ConsumerConfig> reminders;
  if (!a.reminders.empty()) {
    reminders = RemindersConfig(g, a, kcfg);
    if (!reminders) return kExitUsage;
    o->notifications_dir = reminders->options.data_dir;
  }
  if (kafka_mode) {
    o->relay = CatchUpAndConnect(kcfg, *engine);
    if (!o->relay) return kExitRejected;
  }
  int code = kExitOk;
  {
    // Outlives the server, whose /healthz asks it how it is; set before the
    // server answers its first request (ServeUntilStopped runs it).
    std::unique_ptr<consumers::RemindersThread> reminders_thread;
    if (reminders)
      o->health_probe = [&reminders_thread](bool* healthy) -> std::string {
        if (!reminders_thread) return " reminders=starting";
        const auto h = reminders_thread->health();
        if (h.failing == 0) return " reminders=ok";
        *healthy = false;
        return std::string(" reminders=") + (h.stopped ? "stopped" : "failing") + " (" + std::to_string(h.failing) +
               " in a row): " + h.last_error;
      };
    server::Server srv(*engine, *o);
    if (Status st = srv.Bind(); !st.ok()) {
      std::cerr << "duban serve: " << st.message() << "\n";
      return kExitRejected;
    }
    if (reminders) {
      auto started = consumers::RemindersThread::Start(std::move(*reminders));
      if (!started.ok()) {
        std::cerr << "duban serve: --reminders " << a.reminders << ": " << started.status().ToString() << "\n";
        return kExitRejected;
      }
      reminders_thread = std::move(started).value();
      log::Cli().info("duban serve: reminders consumer running (state {})", o->notifications_dir);
    }
    code = ServeUntilStopped(srv, *engine, ServeContext{g, *o, kcfg, kafka_mode});
    if (reminders_thread) reminders_thread->Stop();
  }
  engine.reset();  // the store's clean close
  log::Cli().info("duban serve: stopped; store closed");
  return code;
}

void AddServe(CLI::App& app, Globals& g) {
  auto a = std::make_shared<ServeArgs>();
  auto* sub = app.add_subcommand("serve", "serve the HTTP/1.1 JSON API (docs/API.md) until SIGTERM");
  sub->add_option("--listen", a->listen, "HOST:PORT to listen on (default 127.0.0.1:8080; behind nginx: loopback)");
  sub->add_option("--threads", a->threads, "worker threads; a keep-alive connection holds one (default 16)")
      ->check(CLI::Range(1, 1024));
  sub->add_option("--trusted-proxy", a->trusted_proxy,
                  "the reverse proxy's address (e.g. 127.0.0.1 for nginx here): its X-Real-IP header names the "
                  "client for sign-in throttling, /metrics and the access log, and its X-Forwarded-Proto: https marks "
                  "session cookies Secure");
  sub->add_option("--tls-cert", a->tls_cert, "PEM certificate: serve HTTPS (with --tls-key)");
  sub->add_option("--tls-key", a->tls_key, "PEM private key");
  sub->add_option("--session-minutes", a->session_minutes, "a session's lifetime (default 480; idle: 60 at most)")
      ->check(CLI::Range(1, 7 * 24 * 60));
  sub->add_option("--max-body-mb", a->max_body_mb, "largest upload, MiB (default 20); larger is 413")
      ->check(CLI::Range(1, 1024));
  sub->add_option("--max-upload-mb-per-day", a->max_upload_mb_per_day,
                  "new evidence MiB one account (or unit) may upload a day (default 500); past it, 429")
      ->check(CLI::Range(1, 1 << 20));
  sub->add_option("--tick-interval", a->tick_interval_s,
                  "seconds between firings of the due timers (default 60; 0 never: then nothing reminds or "
                  "escalates while the server holds the store); the first fires at start")
      ->check(CLI::Range(0.0, 86400.0));
  sub->add_option("--bootstrap", a->bootstrap,
                  "Kafka mode: send commands to duban.commands at these servers and answer from --data, the read "
                  "model this server keeps projected from duban.events (`duban engine` decides and ticks)");
  sub->add_option("--commands-topic", a->commands_topic, "Kafka mode: the commands topic (default duban.commands)");
  sub->add_option("--events-topic", a->events_topic, "Kafka mode: the events topic (default duban.events)");
  sub->add_option("--kafka-timeout-ms", a->kafka_timeout_ms,
                  "Kafka mode: how long a request waits for its command's outcome (default 30000); then 503, and "
                  "the same command_id sent again answers once it is decided")
      ->check(CLI::Range(100, 600000));
  sub->add_option("--reminders", a->reminders,
                  "YAML file of the reminders consumer (its reminders: block, consumers/README.md): run it as a "
                  "thread following this store, its state in state_dir (default DATA-reminders), each account's "
                  "notifications in the workbench");
  sub->add_option("--notifications", a->notifications,
                  "the state directory of a `duban-reminders --workbench` run beside this server: show its list as "
                  "the accounts' notifications")
      ->excludes(sub->get_option("--reminders"));
  sub->callback([&g, a] { g.exit_code = RunServe(g, *a); });
}

}  // namespace
}  // namespace duban::cli

DUBAN_REGISTER_COMMANDS(60, &duban::cli::AddServe);
