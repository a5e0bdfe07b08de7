#include "engine_host.h"

#include <chrono>
#include <optional>
#include <utility>

#include "duban/date.h"
#include "duban/schemas/codec.h"
#include "duban/log.h"

namespace duban::server {

namespace {
constexpr size_t kMaxBatch = 256;
// Rounds of due timers one tick may fire before the committer serves the
// queue again (Engine::Tick stops at tick_max_rounds by itself; a backlog
// after long downtime is worked off over several ticks, commands between).
constexpr int kTickCalls = 4;
// Relayed command ids remembered with their digest (Kafka mode).
constexpr size_t kRelayedKept = 200'000;
using Steady = std::chrono::steady_clock;

Outcome Answered(const std::string& command_id, Status status) {
  Outcome o;
  o.command_id = command_id;
  o.status = std::move(status);
  return o;
}

Outcome Unavailable(const std::string& command_id, const std::string& why) {
  return Answered(command_id, Status::Unavailable(why));
}

Outcome ReusedId(const std::string& id) {
  return Answered(id, Status::Conflict("the command id " + id +
                                       " was used before for a different command; nothing was sent and the first "
                                       "command's outcome stands: give this command a new id"));
}
}  // namespace

EngineHost::EngineHost(Engine& engine, HostOptions options)
    : engine_(engine), options_(std::move(options)), committer_([this] { CommitLoop(); }) {}

EngineHost::~EngineHost() { Stop(); }

Outcome EngineHost::Submit(schemas::Command command) {
  if (options_.relay) return Relay(command);
  Pending p{std::move(command), {}};
  auto future = p.done.get_future();
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (stopping_)
      return Unavailable(p.command.command_id, "the server is shutting down; retry with the same command_id");
    queue_.push_back(&p);
  }
  queue_cv_.notify_one();
  return future.get();
}

// Ids this server relayed, with what they carried: a second request with
// the same id and another command (another account's, or another body) is
// refused here, before Kafka, so two such commands never race to the
// engine and a sender never gets another command's outcome.
bool EngineHost::RememberRelayed(const std::string& id, const std::string& digest) {
  std::lock_guard<std::mutex> lock(relayed_mu_);
  auto [it, fresh] = relayed_.emplace(id, digest);
  if (!fresh && it->second != digest) return false;
  if (fresh) {
    relayed_order_.push_back(id);
    if (relayed_order_.size() > kRelayedKept) {
      relayed_.erase(relayed_order_.front());
      relayed_order_.pop_front();
    }
  }
  return true;
}

// A repeated id the read model already holds (relayed before a restart,
// or sent by another server): its outcome, if the same account sent it.
// The read model keeps events, not the command's digest: a different body
// from the same account gets the first outcome (docs/API.md). Nothing if
// the read model does not know the id.
std::optional<Outcome> EngineHost::OutcomeInReadModel(const schemas::Command& command) {
  const std::string& id = command.command_id;
  schemas::Event first;
  auto known = Use([&](Engine& e) { return e.OutcomeOf(id, &first); });
  if (known.ok()) {
    if (first.actor.id != command.actor.id || first.actor.role != command.actor.role) return ReusedId(id);
    return std::move(known).value();
  }
  if (known.status().code() != Status::Code::kNotFound) return Answered(id, known.status());
  return std::nullopt;
}

// Waits until the outcome of `id` is projected (any write after `seen`
// makes it look again), the deadline passes or the server stops.
Outcome EngineHost::AwaitProjected(const std::string& id, uint64_t seen, Steady::time_point deadline) {
  for (;;) {
    auto out = Use([&](Engine& e) { return e.OutcomeOf(id); });
    if (out.ok()) {
      out->duplicate = false;  // decided for this request (a concurrent twin may see it too)
      return std::move(out).value();
    }
    if (out.status().code() != Status::Code::kNotFound) return Answered(id, out.status());
    std::unique_lock<std::mutex> lock(applied_mu_);
    if (!applied_cv_.wait_until(lock, deadline, [&] { return applied_seq_ != seen || stopped_.load(); })) break;
    if (stopped_.load())
      return Unavailable(id,
                         "the server is shutting down; the command is in Kafka: send it again "
                         "with the same command_id to see its outcome");
    seen = applied_seq_;
  }
  return Unavailable(id, "the command is in Kafka but no outcome arrived within " +
                             std::to_string(options_.relay_timeout_ms / 1000) +
                             " s (is `duban engine` running?); it will be decided when an engine takes it: send it "
                             "again with the same command_id to see the outcome");
}

Outcome EngineHost::Relay(const schemas::Command& command) {
  const std::string id = command.command_id;
  if (!RememberRelayed(id, schemas::CommandDigest(command))) return ReusedId(id);
  if (auto known = OutcomeInReadModel(command)) return std::move(*known);
  if (stopped_.load()) return Unavailable(id, "the server is shutting down; retry with the same command_id");
  uint64_t seen;
  {
    std::lock_guard<std::mutex> lock(applied_mu_);
    seen = applied_seq_;
  }
  const auto deadline = Steady::now() + std::chrono::milliseconds(options_.relay_timeout_ms);
  if (Status sent = options_.relay->Send(command, options_.relay_timeout_ms); !sent.ok()) {
    if (sent.code() == Status::Code::kRejected) return Answered(id, sent);  // e.g. too_large: sending again cannot help
    return Answered(id, Status::Unavailable("Kafka did not take the command (" + sent.message() +
                                            "); it may not be decided: retry with the same command_id"));
  }
  return AwaitProjected(id, seen, deadline);
}

void EngineHost::StopWaiting() {
  stopped_.store(true);
  { std::lock_guard<std::mutex> lock(applied_mu_); }
  applied_cv_.notify_all();
}

void EngineHost::Applied() {
  {
    std::lock_guard<std::mutex> lock(applied_mu_);
    ++applied_seq_;
  }
  applied_cv_.notify_all();
}

void EngineHost::TickNow() {
  const Instant now = options_.now ? options_.now() : SystemClock()->Now();
  uint64_t fired = 0;
  int moot = 0;
  Status failed;
  for (int call = 0; call < kTickCalls; ++call) {
    TickReport report;
    // Counted round by round: a province's year-end tick fires a million
    // timers, whose outcomes need not be held at once.
    Status r = Use([&](Engine& e) {
      return e.TickEachRound(now, "clock", &report, [&fired](std::vector<Outcome>& round) {
        for (const auto& o : round) fired += o.events.size();
        return Status::Ok();
      });
    });
    if (!r.ok()) {
      failed = r;
      break;
    }
    moot += report.moot_reminders;
    if (!report.more_due) break;
  }
  if (moot) log::Server().info("clock: {} reminder(s) not sent: reached only after their deadline had passed", moot);
  std::lock_guard<std::mutex> lock(tick_mu_);
  tick_stats_.timer_events += fired;
  if (!failed.ok()) {
    ++tick_stats_.failures;
    ++tick_stats_.failing;
    tick_stats_.last_error = failed.ToString();
    log::Server().warn("clock: the tick at {} failed ({}); the next one retries", FormatInstant(now),
                       failed.ToString());
    return;
  }
  ++tick_stats_.ticks;
  tick_stats_.failing = 0;
  tick_stats_.last_ok = now;
  if (fired) log::Server().info("clock: {} timer event(s) at {}", fired, FormatInstant(now));
}

TickStats EngineHost::tick_stats() const {
  std::lock_guard<std::mutex> lock(tick_mu_);
  return tick_stats_;
}

void EngineHost::CommitLoop() {
  const bool ticking = options_.tick_interval_ms > 0 && !options_.relay;
  const auto interval = std::chrono::milliseconds(options_.tick_interval_ms);
  auto next_tick = Steady::now();
  for (;;) {
    std::vector<Pending*> batch;
    bool stop = false;
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      auto ready = [this] { return stopping_ || !queue_.empty(); };
      if (ticking)
        queue_cv_.wait_until(lock, next_tick, ready);
      else
        queue_cv_.wait(lock, ready);
      stop = stopping_ && queue_.empty();
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    if (stop) return;  // stopping, and nothing left to commit
    if (!batch.empty()) {
      std::vector<schemas::Command> commands;
      commands.reserve(batch.size());
      for (auto* p : batch) commands.push_back(p->command);
      std::vector<Outcome> outcomes = Use([&](Engine& e) { return e.SubmitBatch(commands); });
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
    if (ticking && Steady::now() >= next_tick) {
      TickNow();
      next_tick = Steady::now() + interval;
    }
  }
}

void EngineHost::Stop() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  StopWaiting();
  if (committer_.joinable()) committer_.join();
}

}  // namespace duban::server
