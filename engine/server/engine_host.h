// The engine behind the server: one mutex for every use of the Engine, and a
// single committer thread that drains queued commands into SubmitBatch
// (group commit: one fsync per batch, each caller waits for its own Outcome)
// and, between batches, fires the timers that are due (Engine::Tick), so the
// clock keeps running while the server holds the store.
//
// Kafka mode (HostOptions::relay): a command is not decided here. It is sent
// to duban.commands and its outcome awaited in the store, which the server's
// projector fills from duban.events (Applied() wakes the waiters); `duban
// engine` decides it and fires the timers.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "duban/engine.h"
#include "duban/server/server.h"

namespace duban::server {

struct HostOptions {
  // Embedded mode: every tick_interval_ms (steady time) the timers due at
  // now() fire; the first tick runs at start (catching up after downtime).
  // 0: never.
  int64_t tick_interval_ms = 0;
  std::function<Instant()> now;
  // Kafka mode: where commands go, and how long a request waits for the
  // outcome to be projected before it is answered 503.
  std::shared_ptr<CommandRelay> relay;
  int relay_timeout_ms = 30000;
};

// What the clock has done since the server started (healthz, /metrics).
struct TickStats {
  uint64_t ticks = 0;         // Engine::Tick calls that succeeded
  uint64_t failures = 0;      // that failed (logged; retried at the next interval)
  uint64_t failing = 0;       // failures since the last success (0: the clock is sound)
  std::string last_error;     // of the last failure
  uint64_t timer_events = 0;  // events written by fired timers
  Instant last_ok = 0;        // business time of the last successful tick (0: none yet)
};

class EngineHost {
 public:
  EngineHost(Engine& engine, HostOptions options = {});
  ~EngineHost();
  EngineHost(const EngineHost&) = delete;
  EngineHost& operator=(const EngineHost&) = delete;

  // Queues the command and waits until its batch is committed (Kafka mode:
  // until its outcome is projected). After Stop(): Unavailable.
  Outcome Submit(schemas::Command command);
  // Runs fn(engine) under the engine mutex.
  template <class F>
  auto Use(F&& fn) {
    std::lock_guard<std::mutex> lock(engine_mu_);
    return fn(engine_);
  }
  // Runs fn(engine) without the mutex: only for the Engine methods engine.h
  // says may run beside the others (Assignments, GetMeta, MetaWithPrefix),
  // so a server's many readers neither queue behind one another nor behind
  // a commit's fsync.
  template <class F>
  auto UseConcurrently(F&& fn) {
    return fn(engine_);
  }
  // Kafka mode: the projector wrote to the store; waiting requests look again.
  void Applied();
  // Requests waiting for an outcome give up now (503): the server is stopping
  // and must not wait out --kafka-timeout-ms.
  void StopWaiting();
  bool kafka_mode() const { return options_.relay != nullptr; }
  // Commits what is queued, then ends the committer thread.
  void Stop();
  uint64_t batches() const { return batches_; }
  TickStats tick_stats() const;

 private:
  struct Pending {
    schemas::Command command;
    std::promise<Outcome> done;
  };
  void CommitLoop();
  void TickNow();
  Outcome Relay(const schemas::Command& command);
  // Relay's steps (Kafka mode).
  bool RememberRelayed(const std::string& id, const std::string& digest);
  std::optional<Outcome> OutcomeInReadModel(const schemas::Command& command);
  Outcome AwaitProjected(const std::string& id, uint64_t seen, std::chrono::steady_clock::time_point deadline);

  Engine& engine_;
  HostOptions options_;
  std::mutex engine_mu_;
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Pending*> queue_;
  bool stopping_ = false;
  std::atomic<uint64_t> batches_{0};
  mutable std::mutex tick_mu_;
  TickStats tick_stats_;
  // Kafka mode: bumped by Applied(), so a waiter that looked before a write
  // and waits after it is not left asleep.
  std::mutex applied_mu_;
  std::condition_variable applied_cv_;
  uint64_t applied_seq_ = 0;
  std::atomic<bool> stopped_{false};
  std::mutex relayed_mu_;
  std::unordered_map<std::string, std::string> relayed_;  // command id -> schemas::CommandDigest
  std::deque<std::string> relayed_order_;                 // oldest first, for the bound
  std::thread committer_;                                 // last: started once the members above exist
};

}  // namespace duban::server
