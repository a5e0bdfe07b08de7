// Delivery to one sink with bounded retries, shared by the reminders loop
// (reminders.cc) and the dead-letter retry (dead_letters.cc), so both try a
// notification the same way and count the same failures.
#pragma once

#include <cstdint>

#include "duban/consumers/notification.h"
#include "duban/consumers/reminders.h"
#include "duban/consumers/sink.h"

namespace duban::consumers {

// Milliseconds since the epoch, the unit the state files record.
int64_t NowMs();

// Delivers through one sink with bounded exponential backoff; a final
// (non-retryable) error ends it at once. Returns the last error; *attempts
// is how many were made, each failure also counted in *failed_attempts.
Status DeliverWithRetry(Sink& sink, const Notification& n, const RetryPolicy& r, int* attempts,
                        uint64_t* failed_attempts);

}  // namespace duban::consumers
