#include "delivery.h"
#include "duban/log.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace duban::consumers {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status DeliverWithRetry(Sink& sink, const Notification& n, const RetryPolicy& r, int* attempts,
                        uint64_t* failed_attempts) {
  int backoff = std::max(0, r.initial_backoff_ms);
  Status last;
  for (*attempts = 1;; ++*attempts) {
    last = sink.Deliver(n);
    if (last.ok()) return last;
    ++*failed_attempts;
    log::Reminders().warn("reminders: {} attempt {}/{} for {} failed: {}", sink.name(), *attempts, r.max_attempts,
                          n.notification_id, last.ToString());
    // A final answer (a bad robot key, an unknown mailbox) is not asked again.
    if (*attempts >= r.max_attempts || !IsRetryable(last)) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff));
    backoff = std::min(std::max(1, backoff * 2), r.max_backoff_ms);
  }
}

}  // namespace duban::consumers
