// RemindersThread (reminders_thread.h).
#include "duban/consumers/reminders_thread.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include "duban/log.h"

namespace duban::consumers {

namespace {

constexpr int kRetryPauseMs = 5000;

Result<std::unique_ptr<Reminders>> Open(const ConsumerConfig& config) {
  auto sinks = MakeConfiguredSinks(config);
  if (!sinks.ok()) return sinks.status();
  return Reminders::Create(config.options, std::move(sinks).value());
}

}  // namespace

struct RemindersThread::State {
  ConsumerConfig config;
  std::unique_ptr<Reminders> consumer;
  std::atomic<bool> stop{false};
  std::thread thread;
  mutable std::mutex health_mu;
  Health health;

  void Failed(const std::string& error, bool for_good) {
    std::lock_guard<std::mutex> lock(health_mu);
    ++health.failing;
    health.last_error = error;
    health.stopped = for_good;
  }
  void Stepped() {
    std::lock_guard<std::mutex> lock(health_mu);
    health.failing = 0;
  }

  void PauseUnlessStopped() const {
    for (int waited = 0; waited < kRetryPauseMs && !stop.load(); waited += 100)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  void CloseConsumer() {
    if (!consumer) return;
    const RemindersStats s = consumer->stats();
    if (Status st = consumer->Close(); !st.ok()) log::Cli().warn("reminders: closing the consumer: {}", st.ToString());
    log::Cli().info("reminders: {}", Reminders::FormatStats(s, consumer->embedded(), consumer->digests()));
    consumer.reset();
  }
  void Loop() {
    while (!stop.load()) {
      if (!consumer) {
        // A state directory gone while running (deleted, unmounted) would be
        // made again empty and everything told again from the log's start.
        if (std::error_code ec; !std::filesystem::is_directory(config.options.data_dir, ec)) {
          log::Cli().error(
              "reminders: the state directory {} is gone; the reminders thread stops rather than "
              "tell everyone again from the start. Restore it (or remove it on purpose) and restart",
              config.options.data_dir);
          Failed("the state directory " + config.options.data_dir + " is gone; the thread stopped", true);
          return;
        }
        auto opened = Open(config);
        if (!opened.ok()) {
          log::Cli().warn("reminders: cannot open the consumer ({}); trying again in {} s", opened.status().ToString(),
                          kRetryPauseMs / 1000);
          Failed(opened.status().ToString(), false);
          PauseUnlessStopped();
          continue;
        }
        consumer = std::move(opened).value();
      }
      auto n = consumer->Step(config.poll_ms);
      if (!n.ok()) {
        log::Cli().warn(
            "reminders: {}; starting the consumer again in {} s (nothing is lost: the cursor has not "
            "moved past it)",
            n.status().ToString(), kRetryPauseMs / 1000);
        Failed(n.status().ToString(), false);
        CloseConsumer();
        PauseUnlessStopped();
      } else {
        Stepped();
      }
    }
    CloseConsumer();
  }
};

Result<std::unique_ptr<RemindersThread>> RemindersThread::Start(ConsumerConfig config) {
  auto state = std::make_unique<State>();
  state->config = std::move(config);
  auto opened = Open(state->config);
  if (!opened.ok()) return opened.status();
  state->consumer = std::move(opened).value();
  State* s = state.get();
  state->thread = std::thread([s] { s->Loop(); });
  return std::unique_ptr<RemindersThread>(new RemindersThread(std::move(state)));
}

RemindersThread::RemindersThread(std::unique_ptr<State> state) : state_(std::move(state)) {}

RemindersThread::~RemindersThread() { Stop(); }

RemindersThread::Health RemindersThread::health() const {
  std::lock_guard<std::mutex> lock(state_->health_mu);
  return state_->health;
}

void RemindersThread::Stop() {
  if (!state_ || !state_->thread.joinable()) return;
  state_->stop.store(true);
  state_->thread.join();
}

}  // namespace duban::consumers
