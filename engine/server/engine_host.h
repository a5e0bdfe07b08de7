// The engine behind the server: one mutex for every use of the Engine, and a
// single committer thread that drains queued commands into SubmitBatch
// (group commit: one fsync per batch, each caller waits for its own Outcome).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "duban/engine.h"

namespace duban::server {

class EngineHost {
 public:
  explicit EngineHost(Engine& engine);
  ~EngineHost();
  EngineHost(const EngineHost&) = delete;
  EngineHost& operator=(const EngineHost&) = delete;

  // Queues the command and waits until its batch is committed. After Stop():
  // Unavailable.
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
  // Commits what is queued, then ends the committer thread.
  void Stop();
  uint64_t batches() const { return batches_; }

 private:
  struct Pending {
    schemas::Command command;
    std::promise<Outcome> done;
  };
  void CommitLoop();

  Engine& engine_;
  std::mutex engine_mu_;
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Pending*> queue_;
  bool stopping_ = false;
  std::atomic<uint64_t> batches_{0};
  std::thread committer_;
};

}  // namespace duban::server
