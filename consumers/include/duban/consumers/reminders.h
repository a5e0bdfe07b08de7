// The reminders consumer: follows duban's event log and turns reminder
// events into notifications delivered through sinks. One consumer, two modes:
//
//  - Kafka mode (RemindersOptions::kafka.bootstrap): its own consumer group on
//    duban.events; the group's committed offsets are its cursor.
//  - Embedded mode (RemindersOptions::store_dir): the log column family of a
//    duban data directory (the default RocksDB store), read by a second
//    process beside `duban serve` or any other writer. A catch-up opens the
//    store read-only (RocksDB's read-only instance: a static view as of the
//    open, no lock taken, no file written in the store), reads it from the
//    cursor batch by batch to the end of that view and closes it, so new
//    events are seen at the next poll and the consumer never keeps the
//    writer's `duban` commands out. The cursor
//    (the next log position) and the store's id are kept in DATA/cursor,
//    replaced atomically after each batch: the embedded counterpart of a
//    committed offset.
//
// Per batch, in log order (per partition in Kafka mode):
//   1. each record is unframed and decoded; a bad frame or undecodable bytes
//      are dead-lettered at once (reason "poison: ...");
//   2. TaskAdded / PlanImported / AssignmentCreated ... update the
//      TaskDirectory and are appended to DATA/directory.log (so task content
//      survives a restart that resumes from its cursor);
//   3. reminder events are rendered; with digests on (digest.h), one that is
//      not urgent is queued in DATA/digests.jsonl for its slot instead, and
//      digests whose slot the log (or, once caught up, the wall clock) has
//      passed are composed and delivered as below; each (sink, notification_id) not yet in
//      DATA/delivered.log is delivered with bounded exponential backoff and,
//      once accepted, appended to delivered.log (fsync) — so nothing is
//      delivered twice across restarts;
//   4. a notification that still fails after max_attempts dead-letters its
//      event: Kafka mode produces it to the dead-letter topic with headers
//      duban-dlq-reason, duban-dlq-attempts, duban-dlq-source
//      (topic/partition/offset), duban-dlq-notifications; embedded mode
//      appends one JSON line to DATA/dead-letters.jsonl (fsync; the event
//      itself stays in the store's log at the position named). Either way it
//      is counted and logged, never dropped silently;
//   5. only then is the cursor moved: Kafka mode commits the batch's offsets
//      (a failed commit is logged and counted, not fatal: the records come
//      again and their notifications are skipped as delivered); embedded mode
//      replaces DATA/cursor (a failure is returned: it is the local disk).
// If dead-lettering itself fails, Step returns the error without moving the
// cursor: the batch is read again after a restart.
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
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "duban/consumers/notification.h"
#include "duban/consumers/sink.h"
#include "duban/consumers/state.h"
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
  kafka::KafkaConfig kafka;                    // Kafka mode: bootstrap, events_topic
  std::string group = "duban-reminders";       // Kafka mode
  std::string dlq_topic = "duban.events.dlq";  // Kafka mode
  // Embedded mode when set: the duban data directory whose log is followed
  // (the `duban --data DIR` of the store). Exactly one of store_dir and
  // kafka.bootstrap is given.
  std::string store_dir;
  // This consumer's own state: delivered.log, directory.log, and in embedded
  // mode cursor and dead-letters.jsonl. Required; never the store itself.
  std::string data_dir;
  RenderOptions render;
  RetryPolicy retry;
  // Daily digests (digest.h) when set: minutes after midnight (CST) of the
  // digest hour; notifications that are not urgent wait for it. Unset: each
  // notification is sent when its event is read.
  std::optional<int> digest_minute;
  // Per recipient, overriding digest_minute: its own digest hour, or nullopt
  // for "each notification at once" (e.g. an office that reviews as work
  // comes in). Recipients not listed follow digest_minute.
  std::map<std::string, std::optional<int>> digest_minute_for;
  // The digest hour of `recipient`, or nullopt when it is told at once.
  std::optional<int> DigestMinuteFor(const std::string& recipient) const {
    auto it = digest_minute_for.find(recipient);
    return it != digest_minute_for.end() ? it->second : digest_minute;
  }
  // Does anyone get digests (so the queue and calendar are needed)?
  bool AnyDigests() const {
    if (digest_minute) return true;
    for (const auto& [who, minute] : digest_minute_for)
      if (minute) return true;
    return false;
  }
  size_t max_batch = 500;  // records per poll
  // Test hook: after this many records have been handled in total, Step
  // returns Unavailable WITHOUT committing (or moving the embedded cursor),
  // as a kill -9 between delivery and commit would. 0: off.
  uint64_t crash_after_records = 0;
};

struct RemindersStats {
  uint64_t records = 0;           // records read from the events topic
  uint64_t reminder_events = 0;   // of which reminder events
  uint64_t directory_events = 0;  // of which events learnt by the directory
  uint64_t notifications = 0;     // rendered (per recipient)
  uint64_t delivered = 0;         // (sink, notification) deliveries accepted
  uint64_t duplicates = 0;        // skipped: already delivered before
  uint64_t retries = 0;           // failed attempts that were retried or gave up
  uint64_t dead_lettered = 0;     // events sent to the DLQ after failed delivery
  uint64_t poison = 0;            // records sent to the DLQ as undecodable
  uint64_t commits = 0;           // offset commits / embedded cursor moves
  uint64_t commit_failures = 0;   // retried implicitly: the records are re-read
  uint64_t store_reads = 0;       // embedded: read-only opens of the store
  uint64_t cursor = 0;            // embedded: the next log position to read
  uint64_t digest_items = 0;      // digests on: notifications queued for a digest
  uint64_t digests = 0;           // digests on: digests composed and sent (or dead-lettered)
};

class Reminders {
 public:
  // Opens DATA (creating it), loads delivered.log and directory.log; Kafka
  // mode joins the group and subscribes; embedded mode loads DATA/cursor and
  // opens the store once read-only to check it: a missing store is NotFound,
  // a damaged one Corruption, another store than the cursor was made on (or
  // one whose log ends before the cursor) InvalidArgument, each saying what
  // to do. REQUIRES: at least one sink.
  static Result<std::unique_ptr<Reminders>> Create(const RemindersOptions& options,
                                                   std::vector<std::unique_ptr<Sink>> sinks);
  ~Reminders();
  Reminders(const Reminders&) = delete;
  Reminders& operator=(const Reminders&) = delete;

  // One poll, handling and committing its batch (at most max_batch records).
  // Returns the number of records handled. Kafka mode waits up to
  // poll_timeout_ms for records; embedded mode reads what the store holds
  // past the cursor and, when that is nothing, waits poll_timeout_ms before
  // returning 0 (so a loop of Steps polls the store at that interval).
  Result<size_t> Step(int poll_timeout_ms);
  // How many partitions of the events topic the group gave this process now
  // (0 before the first assignment). Embedded mode: always 1.
  Result<size_t> AssignedPartitions() const;
  // Steps until `stop` is set or an error (returned). Then Close().
  Status Run(const std::atomic<bool>& stop);
  // Leaves the group (Kafka mode). Idempotent.
  Status Close();

  RemindersStats stats() const;
  bool embedded() const;
  // One line of key=value pairs (printed at exit); embedded mode adds
  // store_reads= and cursor=, digests on digest_items= and digests=.
  static std::string FormatStats(const RemindersStats& s, bool embedded = false, bool digests = false);
  bool digests() const;

  struct Impl;

 private:
  explicit Reminders(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// `duban-reminders dlq list`: the dead letters of a state directory not yet
// resolved (poison records, and notifications not delivered since), oldest
// first. Reads only: safe beside a running consumer. NotFound when DATA has
// no dead-letters.jsonl.
Result<std::vector<DeadLetter>> ListDeadLetters(const std::string& data_dir);

struct DlqRetryReport {
  size_t delivered = 0;             // entries delivered now and removed
  size_t already_delivered = 0;     // entries found delivered before, selected or not (removed, not sent again)
  size_t failed = 0;                // still failing: kept, attempts and error updated
  size_t poison = 0;                // poison records selected: nothing to deliver, kept
  size_t remaining = 0;             // entries in the file afterwards
  std::vector<std::string> errors;  // one line per entry kept
};

// `duban-reminders dlq retry`: delivers the selected entries (`only`, or all)
// again through `sinks` (matched by channel name) and removes those that
// succeeded. Takes DATA/LOCK (Unavailable while the consumer runs). Each
// success is recorded in delivered.log (fsync) before the file is rewritten
// (atomically), so a retry killed midway loses no entry and a later one does
// not deliver twice what the first delivered. NotFound for an unknown id.
Result<DlqRetryReport> RetryDeadLetters(const std::string& data_dir, const std::vector<std::unique_ptr<Sink>>& sinks,
                                        std::optional<uint64_t> only, const RetryPolicy& retry);

}  // namespace duban::consumers
