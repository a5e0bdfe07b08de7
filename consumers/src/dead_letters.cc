// The dead-letter tools behind `duban-reminders dlq list|retry` (see
// reminders.h): what is still undelivered, and a retry that runs under the
// consumer's lock so it never races the loop's appends.
#include <filesystem>

#include "delivery.h"
#include "duban/consumers/reminders.h"
#include "duban/consumers/state.h"

namespace duban::consumers {

Result<std::vector<DeadLetter>> ListDeadLetters(const std::string& data_dir) {
  if (!std::filesystem::exists(data_dir + "/dead-letters.jsonl"))
    return Status::NotFound("no dead letters in " + data_dir +
                            " (no dead-letters.jsonl): is it a duban-reminders --data?");
  auto delivered = ReadDeliveredKeys(data_dir + "/delivered.log");
  if (!delivered.ok()) return delivered.status();
  auto all = ReadDeadLetters(data_dir);
  if (!all.ok()) return all.status();
  std::vector<DeadLetter> open;
  for (auto& d : *all)
    if (d.poison() || d.channel.empty() || !delivered->count(DeliveredLog::Key(d.channel, d.notification_id)))
      open.push_back(std::move(d));
  return open;
}

Result<DlqRetryReport> RetryDeadLetters(const std::string& data_dir, const std::vector<std::unique_ptr<Sink>>& sinks,
                                        std::optional<uint64_t> only, const RetryPolicy& retry) {
  if (!std::filesystem::exists(data_dir + "/dead-letters.jsonl"))
    return Status::NotFound("no dead letters in " + data_dir +
                            " (no dead-letters.jsonl): is it a duban-reminders --data?");
  // The consumer holds the lock while it runs: retrying beside it would race
  // its appends to the same files.
  auto lock = StateLock::Acquire(data_dir);
  if (!lock.ok())
    return lock.status().code() == Status::Code::kUnavailable
               ? Status::Unavailable(lock.status().message() + " (stop it for the retry, then start it again)")
               : lock.status();
  auto delivered = DeliveredLog::Open(data_dir + "/delivered.log");
  if (!delivered.ok()) return delivered.status();
  auto store = DeadLetterStore::Open(data_dir);
  if (!store.ok()) return store.status();
  DlqRetryReport report;
  std::vector<DeadLetter> keep;
  bool found = !only;
  uint64_t ignored_failures = 0;
  for (DeadLetter d : (*store)->entries()) {
    const bool resolved =
        !d.poison() && !d.channel.empty() && (*delivered)->Contains(DeliveredLog::Key(d.channel, d.notification_id));
    if (only && d.id == *only) found = true;
    // Entries delivered since (by a retry killed before its rewrite) go
    // whenever the file is rewritten, selected or not.
    if (resolved) {
      ++report.already_delivered;
      continue;
    }
    if (only && d.id != *only) {
      keep.push_back(std::move(d));
      continue;
    }
    if (d.poison()) {
      ++report.poison;
      report.errors.push_back("#" + std::to_string(d.id) + ": poison record at " + d.source +
                              " has no notification to deliver; it stays listed");
      keep.push_back(std::move(d));
      continue;
    }
    // The channel that failed; for an entry no channel served, every
    // channel that serves its recipient now.
    std::vector<Sink*> targets;
    for (const auto& s : sinks)
      if (d.channel.empty() ? s->Wants(*d.notification) : s->name() == d.channel) targets.push_back(s.get());
    if (targets.empty()) {
      ++report.failed;
      report.errors.push_back("#" + std::to_string(d.id) + ": " +
                              (d.channel.empty() ? "still no channel serves recipient " + d.notification->recipient
                                                 : "channel " + d.channel + " is not configured") +
                              " (give --channels, --webhook or --outbox as the consumer has them)");
      keep.push_back(std::move(d));
      continue;
    }
    bool all_ok = true;
    for (Sink* sink : targets) {
      const std::string key = DeliveredLog::Key(sink->name(), d.notification_id);
      if ((*delivered)->Contains(key)) continue;
      int attempts = 0;
      Status s = DeliverWithRetry(*sink, *d.notification, retry, &attempts, &ignored_failures);
      d.attempts += attempts;
      d.last_attempt = NowMs();
      if (s.ok()) {
        // Recorded (fsync) before the entry leaves the file: a kill between
        // the two leaves an entry the next retry drops without delivering.
        if (Status rec = (*delivered)->Record(key); !rec.ok()) return rec;
        continue;
      }
      all_ok = false;
      d.error = sink->name() + " failed: " + s.ToString();
    }
    if (all_ok) {
      ++report.delivered;
    } else {
      ++report.failed;
      report.errors.push_back("#" + std::to_string(d.id) + ": " + d.error);
      keep.push_back(std::move(d));
    }
  }
  if (!found) return Status::NotFound("no dead letter #" + std::to_string(*only) + " in " + data_dir);
  if (Status s = (*store)->Rewrite(std::move(keep)); !s.ok()) return s;
  report.remaining = (*store)->entries().size();
  return report;
}

}  // namespace duban::consumers
