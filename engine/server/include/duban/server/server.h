// `duban serve`: the HTTP/1.1 JSON API (docs/API.md) over an embedded store,
// the door through which offices, units and auditors come in.
//
// Guarantees:
// - Identity decides: every command's actor is accounts::ActorOf(the account
//   that authenticated), by session (cookie or bearer session id) or machine
//   token; a body naming an actor or role is refused (400).
// - Nothing is written for a request refused before the domain sees it
//   (400, 401, 403, 409, 413, 415, 429): the log end is unchanged. A unit
//   acting on another unit's assignment, or any account acting beyond its
//   role, is refused here (403) from the identity alone, before decide.
//   Commands the domain refuses (422, and 403 for forbidden_role /
//   not_assignee found only by decide) are logged in "!rejected" as the
//   engine logs every rejection.
// - Accounts change over HTTP only by an admin account (/api/v1/users,
//   /api/v1/tokens), which is the actor of each AccountChanged event; a
//   disable or password reset ends the account's sessions at their next request.
// - The engine is used by one thread at a time: commands go through a single
//   committer thread that drains the queue into Engine::SubmitBatch (group
//   commit: one fsync per batch; each request waits for its own Outcome);
//   reads take the same mutex (Engine's const queries fill its plan cache, so
//   they are not safe to run side by side), except the few engine.h marks
//   safe beside a writer.
// - The clock keeps running: between batches the committer fires the timers
//   due (Engine::Tick as "clock") every tick_interval_ms, the first at start,
//   so reminders and escalations go out while the server holds the store
//   (and `duban tick` from cron cannot open it).
// - Kafka mode (options.relay): commands go to duban.commands through the
//   relay and each request waits until its outcome is in the store, which the
//   caller keeps projected from duban.events (WithEngine for each write, then
//   StoreChanged()); `duban engine` decides and ticks. Accounts, sessions and
//   evidence files stay in this server's data directory.
// - Stop() stops accepting, lets in-flight requests finish, drains the
//   committer; the caller then closes the engine (the store's clean close).
//
// Built on cpp-httplib 0.11.4 (Debian): a thread pool where a keep-alive
// connection holds a worker until it closes or idles out (keep_alive_seconds);
// size `threads` for the clients you expect and put nginx in front for many
// (docs/RUNBOOK.md).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "duban/engine.h"
#include "duban/status.h"

namespace duban::server {

// Kafka mode: the way a command leaves for duban.commands.
class CommandRelay {
 public:
  virtual ~CommandRelay() = default;
  // Ok once Kafka has the command (delivered, acks=all); nothing decided yet.
  // Unavailable when it is not delivered within timeout_ms (it may still be);
  // Rejected "too_large" when Kafka can never take it.
  virtual Status Send(const schemas::Command& command, int timeout_ms) = 0;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: an ephemeral port (port() says which)
  int threads = 16;
  std::string tls_cert, tls_key;             // both or neither: HTTPS, and cookies marked Secure
  int session_minutes = 480;                 // absolute lifetime of a session
  int session_idle_minutes = 60;             // a session unused this long ends
  size_t max_body_bytes = size_t{20} << 20;  // uploads (evidence, plan files): larger is 413
  size_t max_json_bytes = size_t{1} << 20;   // JSON bodies
  // New evidence bytes one uploader (a unit, or an office account) may store
  // a day (CST): past it, 429 until tomorrow. Counted in memory.
  uint64_t max_upload_bytes_per_day = uint64_t{500} << 20;
  int read_timeout_seconds = 10, write_timeout_seconds = 10;
  // 1,000 requests a connection (nginx's default): each new connection goes
  // through cpp-httplib's listen backlog of 5 (compiled into Debian's library),
  // where a burst of reconnections has SYNs dropped and waits a 1 s retransmit.
  int keep_alive_seconds = 5, keep_alive_max_requests = 1000;
  // Login throttling: this many failures within the window lock the name
  // (or the client address) out for lockout_minutes (429, Retry-After).
  int login_failures_per_user = 5, login_failures_per_ip = 30;
  int login_window_minutes = 15, lockout_minutes = 15;
  // The reverse proxy's address (e.g. 127.0.0.1 for nginx on the same host):
  // requests from it are counted, throttled and logged by its X-Real-IP, and
  // its X-Forwarded-Proto: https marks their session cookies Secure (TLS ends
  // at the proxy; the browser's connection is HTTPS).
  std::string trusted_proxy;
  std::string evidence_dir;  // default: evidence::DirFor(data_dir)
  std::string data_dir;
  // Time for sessions and throttling (tests move it); default SystemClock().
  // Timers fire at its now() too.
  std::shared_ptr<const EngineClock> clock;
  // How often the due timers fire (embedded mode); 0 never.
  int64_t tick_interval_ms = 60'000;
  // Kafka mode (see above); null: the embedded engine decides.
  std::shared_ptr<CommandRelay> relay;
  int relay_timeout_ms = 30'000;  // then 503: the command may still be decided
  // The reminders consumer's state directory whose workbench channel
  // (workbench.jsonl) lists each account's notifications at
  // /api/v1/notifications; "" when no consumer keeps one for this server.
  std::string notifications_dir;
  // Another part of the process /healthz reports on (duban serve's reminders
  // thread): sets *healthy false when it is failing, and answers words for
  // the health line (" reminders=ok"). Null: nothing else to report.
  std::function<std::string(bool* healthy)> health_probe;
};

class Server {
 public:
  // `engine` is open as a writer and outlives the server.
  Server(Engine& engine, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  Status Bind();  // listens on host:port (port() valid after)
  int port() const;
  Status Run();  // serves until Stop()
  void Stop();   // stop accepting, finish in-flight requests, drain the committer

  // Every (method, path template) the router serves, as registered.
  std::vector<std::pair<std::string, std::string>> RegisteredRoutes() const;
  // Runs fn with the engine under the server's engine mutex (tests, tools,
  // the projector in Kafka mode).
  void WithEngine(const std::function<void(Engine&)>& fn);
  // Kafka mode: the projector wrote to the store; requests waiting for their
  // command's outcome look again.
  void StoreChanged();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The OpenAPI 3 document of every route (GET /api/v1/openapi.json).
std::string OpenApiJson();

}  // namespace duban::server
