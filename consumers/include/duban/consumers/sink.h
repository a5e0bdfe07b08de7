// Notification sinks: where rendered notifications go. Small interface so the
// delivery loop (reminders.h) retries, dedupes and dead-letters the same way
// for every sink, and tests can inject failing ones.
//
//  - WebhookSink: POSTs NotificationToJson to an HTTP(S) URL with header
//    "Idempotency-Key: <notification_id>". Success is any 2xx answer; anything
//    else (connection error, timeout, 4xx, 5xx) is Unavailable and retried.
//  - JsonlOutboxSink: appends one JSON line per notification to a file and
//    fsyncs it before reporting success. It reads the notification ids already
//    in the file when opened and never writes one twice, so the outbox stays
//    exactly-once even if the process dies between writing and recording.
//
// Thread safety: one thread delivers through a sink at a time.
#pragma once

#include <memory>
#include <string>

#include "duban/consumers/notification.h"
#include "duban/status.h"

namespace duban::consumers {

class Sink {
 public:
  virtual ~Sink() = default;
  // Stable name, part of the dedupe key ("webhook", "outbox").
  virtual std::string name() const = 0;
  // Ok once the notification is durably accepted; any error is retried.
  virtual Status Deliver(const Notification& n) = 0;
};

struct WebhookOptions {
  std::string url;                  // http://host:port/path or https://...
  int connect_timeout_ms = 3000;
  int timeout_ms = 10000;           // read/write timeout per attempt
};
Result<std::unique_ptr<Sink>> MakeWebhookSink(const WebhookOptions& options);

Result<std::unique_ptr<Sink>> MakeJsonlOutboxSink(const std::string& path);

}  // namespace duban::consumers
