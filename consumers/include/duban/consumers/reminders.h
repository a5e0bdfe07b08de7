// The reminders consumer: its own consumer group on duban.events, turning
// reminder events into notifications delivered through sinks.
//
// Per polled batch, in offset order per partition:
//   1. each record is unframed and decoded; a bad frame or undecodable bytes
//      go straight to the dead-letter topic (reason "poison: ...");
//   2. TaskAdded / PlanImported / AssignmentCreated ... update the
//      TaskDirectory and are appended to DATA/directory.log (so task content
//      survives a restart that resumes from a committed offset);
//   3. reminder events are rendered; each (sink, notification_id) not yet in
//      DATA/delivered.log is delivered with bounded exponential backoff and,
//      once accepted, appended to delivered.log (fsync) — so nothing is
//      delivered twice across restarts;
//   4. a notification that still fails after max_attempts sends its event to
//      the dead-letter topic with headers duban-dlq-reason, duban-dlq-attempts,
//      duban-dlq-source (topic/partition/offset), duban-dlq-notifications,
//      and is counted and logged; it is never dropped silently;
//   5. only then are the batch's offsets committed to the group (a failed
//      commit is logged and counted, not fatal: the records come again and
//      their notifications are skipped as delivered).
// If the dead-letter produce itself fails, Step returns the error without
// committing: the batch is read again after a restart.
//
// Guarantee: at-least-once consumption; exactly-once delivery per (sink,
// notification_id) except for a crash between a sink accepting and the fsync
// of delivered.log (the webhook then sees the same Idempotency-Key again; the
// outbox dedupes itself from its own file).
//
// Thread safety: one thread calls Step/Run/Close.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "duban/consumers/notification.h"
#include "duban/consumers/sink.h"
#include "duban/kafka/config.h"
#include "duban/status.h"

namespace duban::consumers {

// Header names on dead-letter records.
inline constexpr const char* kDlqReason = "duban-dlq-reason";
inline constexpr const char* kDlqAttempts = "duban-dlq-attempts";
inline constexpr const char* kDlqSource = "duban-dlq-source";
inline constexpr const char* kDlqNotifications = "duban-dlq-notifications";

struct RetryPolicy {
  int max_attempts = 5;          // per notification and sink, then dead-letter
  int initial_backoff_ms = 200;  // doubled after each failure ...
  int max_backoff_ms = 10000;    // ... up to this
};

struct RemindersOptions {
  kafka::KafkaConfig kafka;       // bootstrap, events_topic
  std::string group = "duban-reminders";
  std::string dlq_topic = "duban.events.dlq";
  std::string data_dir;           // delivered.log, directory.log; required
  RenderOptions render;
  RetryPolicy retry;
  size_t max_batch = 500;         // records per poll
  // Test hook: after this many records have been handled in total, Step
  // returns Aborted-like Unavailable WITHOUT committing, as a kill -9 between
  // delivery and commit would. 0: off.
  uint64_t crash_after_records = 0;
};

struct RemindersStats {
  uint64_t records = 0;          // records read from the events topic
  uint64_t reminder_events = 0;  // of which reminder events
  uint64_t directory_events = 0; // of which events learnt by the directory
  uint64_t notifications = 0;    // rendered (per recipient)
  uint64_t delivered = 0;        // (sink, notification) deliveries accepted
  uint64_t duplicates = 0;       // skipped: already delivered before
  uint64_t retries = 0;          // failed attempts that were retried or gave up
  uint64_t dead_lettered = 0;    // events sent to the DLQ after failed delivery
  uint64_t poison = 0;           // records sent to the DLQ as undecodable
  uint64_t commits = 0;
  uint64_t commit_failures = 0;  // retried implicitly: the records are re-read
};

class Reminders {
 public:
  // Opens DATA (creating it), loads delivered.log and directory.log, joins the
  // group and subscribes. REQUIRES: at least one sink.
  static Result<std::unique_ptr<Reminders>> Create(const RemindersOptions& options,
                                                   std::vector<std::unique_ptr<Sink>> sinks);
  ~Reminders();
  Reminders(const Reminders&) = delete;
  Reminders& operator=(const Reminders&) = delete;

  // One poll (waiting up to poll_timeout_ms), handling and committing its
  // batch. Returns the number of records handled.
  Result<size_t> Step(int poll_timeout_ms);
  // How many partitions of the events topic the group gave this process now
  // (0 before the first assignment).
  Result<size_t> AssignedPartitions() const;
  // Steps until `stop` is set or an error (returned). Then Close().
  Status Run(const std::atomic<bool>& stop);
  // Leaves the group. Idempotent.
  Status Close();

  RemindersStats stats() const;
  // One line of key=value pairs (printed at exit).
  static std::string FormatStats(const RemindersStats& s);

  struct Impl;

 private:
  explicit Reminders(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace duban::consumers
