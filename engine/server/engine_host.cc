#include "engine_host.h"

namespace duban::server {

namespace {
constexpr size_t kMaxBatch = 256;
}

EngineHost::EngineHost(Engine& engine) : engine_(engine), committer_([this] { CommitLoop(); }) {}

EngineHost::~EngineHost() { Stop(); }

Outcome EngineHost::Submit(schemas::Command command) {
  Pending p{std::move(command), {}};
  auto future = p.done.get_future();
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (stopping_) {
      Outcome o;
      o.command_id = p.command.command_id;
      o.status = Status::Unavailable("the server is shutting down; retry with the same command_id");
      return o;
    }
    queue_.push_back(&p);
  }
  queue_cv_.notify_one();
  return future.get();
}

void EngineHost::CommitLoop() {
  for (;;) {
    std::vector<Pending*> batch;
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to commit
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    std::vector<schemas::Command> commands;
    commands.reserve(batch.size());
    for (auto* p : batch) commands.push_back(p->command);
    std::vector<Outcome> outcomes;
    {
      std::lock_guard<std::mutex> lock(engine_mu_);
      outcomes = engine_.SubmitBatch(commands);
    }
    ++batches_;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (i < outcomes.size()) {
        batch[i]->done.set_value(std::move(outcomes[i]));
      } else {
        Outcome o;
        o.command_id = batch[i]->command.command_id;
        o.status = Status::IOError("the engine returned no outcome for this command");
        batch[i]->done.set_value(std::move(o));
      }
    }
  }
}

void EngineHost::Stop() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (committer_.joinable()) committer_.join();
}

}  // namespace duban::server
