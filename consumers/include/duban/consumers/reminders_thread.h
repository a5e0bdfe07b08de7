// The reminders consumer as a thread of another process: `duban serve
// --reminders FILE` runs the same consumer as `duban-reminders`, with the same
// configuration (config.h), the same state directory and the same guarantees
// (reminders.h: a durable cursor, dedupe across restarts, dead letters).
//
// A failure while it runs (the state directory's disk, a store read, Kafka
// gone) is logged and the consumer is made again after a pause: a passing
// fault never ends the server's reminders, and nothing is lost or repeated,
// since the cursor moves only after a batch is delivered and recorded.
// A configuration mistake, or a state directory another consumer holds, is
// an error of Start, so the server does not start half-configured.
#pragma once

#include <memory>
#include <string>

#include "duban/consumers/config.h"
#include "duban/consumers/reminders.h"
#include "duban/status.h"

namespace duban::consumers {

class RemindersThread {
 public:
  // `config` resolved (ResolveConfig) and with at least one sink. Opens the
  // consumer once here, then steps it on its own thread.
  static Result<std::unique_ptr<RemindersThread>> Start(ConsumerConfig config);
  ~RemindersThread();  // Stop()
  RemindersThread(const RemindersThread&) = delete;
  RemindersThread& operator=(const RemindersThread&) = delete;
  // Finishes the batch in hand, closes the consumer, logs its counters.
  // Idempotent.
  void Stop();

  // What /healthz says of the thread (duban serve): running, the failures
  // in a row since its last good step (each retried after a pause), the
  // last error; stopped for good when its state directory vanished.
  struct Health {
    bool stopped = false;
    int failing = 0;
    std::string last_error;
  };
  Health health() const;

  struct State;

 private:
  explicit RemindersThread(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace duban::consumers
