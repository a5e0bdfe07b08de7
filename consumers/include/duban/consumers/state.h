// The reminders consumer's own state files in its --data directory, shared by
// the delivery loop and the `dlq` commands so both read and write them the
// same way:
//
//  - LOCK: flock'ed by whoever delivers (the consumer, `dlq retry`); one
//    process per state directory, released with the process (kill -9 too).
//  - delivered.log: one "sink\tnotification_id\treceipt" line per accepted
//    delivery, appended and fsynced before anything that depends on it. The
//    receipt is a JSON object saying who was told what and when (Receipt
//    below): the record an office or an auditor reads with
//    `duban-reminders receipts`. Lines written before receipts existed
//    ("sink\tnotification_id") still count for dedupe. A torn last line (a
//    crash mid-write) is cut on open.
//  - dead-letters.jsonl: one JSON object per dead letter: a (channel,
//    notification) that could not be delivered, or a log record that does not
//    decode (poison: no channel, no notification). Fields: id (a number,
//    never reused), notification_id, channel, error, attempts,
//    first_attempt / last_attempt (ms since the epoch), source
//    (log/<position> or topic/partition/offset), and notification (the
//    rendered notification, so it can be delivered again without the log).
//    Appended with fsync; rewritten whole (temporary file, fsync, rename,
//    fsync of the directory) when entries are retried, so a crash leaves the
//    old file or the new one. An entry whose (channel, notification_id) is in
//    delivered.log is resolved: it is not listed, and the next retry drops it.
//    dlq.next holds the next id, so ids stay unique after entries are removed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "duban/consumers/notification.h"
#include "duban/status.h"

namespace duban::consumers {

// Holds DATA/LOCK until destroyed. Unavailable when another process holds it.
class StateLock {
 public:
  static Result<std::unique_ptr<StateLock>> Acquire(const std::string& data_dir);
  ~StateLock();
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

 private:
  explicit StateLock(int fd) : fd_(fd) {}
  int fd_;
};

// One accepted delivery: `channel` (the sink's name, or "digest" for an
// item that went out inside the digest `via`) told `recipient` of
// `notification_id` at `at` (ms since the epoch, the consumer's clock when
// the channel accepted it).
struct Receipt {
  std::string channel;
  std::string notification_id;
  int64_t at = 0;  // 0: a line from before receipts
  std::string recipient;
  std::string kind;  // the notification's channel field: reminder, overdue, escalation, digest, ...
  std::string plan;
  int32_t task = 0;
  std::string due_on;
  std::string title;
  std::string via;  // the digest's notification id, for digested items
};

// The receipt part of a delivered.log line for `n`.
std::string ReceiptJson(const Notification& n, int64_t at_ms, const std::string& via = "");

class DeliveredLog {
 public:
  static Result<std::unique_ptr<DeliveredLog>> Open(const std::string& path);
  ~DeliveredLog();
  DeliveredLog(const DeliveredLog&) = delete;
  DeliveredLog& operator=(const DeliveredLog&) = delete;
  static std::string Key(const std::string& sink, const std::string& notification_id) {
    return sink + "\t" + notification_id;
  }
  bool Contains(const std::string& key) const { return keys_.count(key) != 0; }
  // Appends key and receipt (ReceiptJson), and fsyncs.
  Status Record(const std::string& key, const std::string& receipt);
  // Appends without an fsync: the line is in the page cache, so a killed
  // process still finds it; Sync makes it survive a power cut too.
  Status Note(const std::string& key, const std::string& receipt);
  Status Sync();
  // Appends all (key, receipt) lines, then one fsync.
  Status RecordAll(const std::vector<std::pair<std::string, std::string>>& entries);
  size_t size() const { return keys_.size(); }

 private:
  DeliveredLog(int fd, std::unordered_set<std::string> keys) : fd_(fd), keys_(std::move(keys)) {}
  int fd_;
  bool dirty_ = false;
  std::unordered_set<std::string> keys_;
};

struct DeadLetter {
  uint64_t id = 0;
  std::string notification_id;  // "" for poison
  std::string channel;          // the sink's name; "" for poison
  std::string error;
  int attempts = 0;
  int64_t first_attempt = 0;  // ms since the epoch
  int64_t last_attempt = 0;
  std::string source;
  std::optional<Notification> notification;
  bool poison() const { return !notification.has_value(); }
};

class DeadLetterStore {
 public:
  // Opens (creating) DATA/dead-letters.jsonl and loads it; a torn last line
  // is cut. A whole line that does not parse is Corruption (never guessed at).
  static Result<std::unique_ptr<DeadLetterStore>> Open(const std::string& data_dir);
  ~DeadLetterStore();
  DeadLetterStore(const DeadLetterStore&) = delete;
  DeadLetterStore& operator=(const DeadLetterStore&) = delete;

  // Appends d (fsync), giving it the next id, unless an entry for the same
  // (channel, notification_id) — for poison, the same source — is there
  // already (a batch read again after a crash): then only that entry's
  // attempts, last_attempt and error are kept as they were. Returns the id.
  Result<uint64_t> Add(DeadLetter d);
  const std::vector<DeadLetter>& entries() const { return entries_; }
  // Replaces the file's entries with `keep`, atomically.
  Status Rewrite(std::vector<DeadLetter> keep);

 private:
  DeadLetterStore(std::string dir, int fd, std::vector<DeadLetter> entries, uint64_t next_id);
  std::string dir_;
  int fd_;
  std::vector<DeadLetter> entries_;
  std::set<std::string> keys_;
  uint64_t next_id_;
};

// Read-only loads (no lock, nothing cut or created), for `dlq list` beside a
// running consumer. A torn last line is left out.
Result<std::unordered_set<std::string>> ReadDeliveredKeys(const std::string& path);
// DATA/delivered.log's receipts, in the order they were written; a line
// whose receipt does not read is left out and named in `damaged` ("FILE:LINE:
// why"), so one bad line hides nothing else. NotFound when the directory has
// no delivered.log (not a consumer's state directory).
struct Receipts {
  std::vector<Receipt> receipts;
  std::vector<std::string> damaged;
};
Result<Receipts> ReadReceipts(const std::string& data_dir);
Result<std::vector<DeadLetter>> ReadDeadLetters(const std::string& data_dir);

}  // namespace duban::consumers
