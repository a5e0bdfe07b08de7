// The dead-letter tools behind `duban-reminders dlq list|retry` (see
// reminders.h): what is still undelivered, and a retry that runs under the
// consumer's lock so it never races the loop's appends.
#include <filesystem>

#include "delivery.h"
#include "duban/consumers/reminders.h"
#include "duban/consumers/state.h"

namespace duban::consumers {
namespace {

Status RequireDeadLetterFile(const std::string& data_dir) {
  if (!std::filesystem::exists(data_dir + "/dead-letters.jsonl"))
    return Status::NotFound("no dead letters in " + data_dir +
                            " (no dead-letters.jsonl): is it a duban-reminders --data?");
  return Status::Ok();
}

// The consumer holds the lock while it runs: retrying beside it would race
// its appends to the same files.
Result<std::unique_ptr<StateLock>> LockOutTheConsumer(const std::string& data_dir) {
  auto lock = StateLock::Acquire(data_dir);
  if (!lock.ok())
    return lock.status().code() == Status::Code::kUnavailable
               ? Status::Unavailable(lock.status().message() + " (stop it for the retry, then start it again)")
               : lock.status();
  return lock;
}

// The channel that failed; for an entry no channel served, every channel
// that serves its recipient now.
std::vector<Sink*> RetryTargets(const DeadLetter& d, const std::vector<std::unique_ptr<Sink>>& sinks) {
  std::vector<Sink*> targets;
  for (const auto& s : sinks)
    if (d.channel.empty() ? s->Wants(*d.notification) : s->name() == d.channel) targets.push_back(s.get());
  return targets;
}

// One `dlq retry` over the entries of the file, in order: what it delivers,
// the entries it keeps and its report.
class RetryRun {
 public:
  RetryRun(const std::vector<std::unique_ptr<Sink>>& sinks, const RetryPolicy& retry, DeliveredLog& delivered,
           std::optional<uint64_t> only)
      : sinks_(sinks), retry_(retry), delivered_(delivered), only_(only), found_(!only) {}

  // Errors returned are those of recording a delivery.
  Status Take(DeadLetter d) {
    const bool resolved =
        !d.poison() && !d.channel.empty() && delivered_.Contains(DeliveredLog::Key(d.channel, d.notification_id));
    if (only_ && d.id == *only_) found_ = true;
    // Entries delivered since (by a retry killed before its rewrite) go
    // whenever the file is rewritten, selected or not.
    if (resolved) {
      ++report_.already_delivered;
      return Status::Ok();
    }
    if (only_ && d.id != *only_) {
      keep_.push_back(std::move(d));
      return Status::Ok();
    }
    return Retry(std::move(d));
  }

  bool found() const { return found_; }
  std::vector<DeadLetter> TakeKept() { return std::move(keep_); }
  const DlqRetryReport& report() const { return report_; }

 private:
  // Delivers one selected, unresolved entry again, or keeps it with the
  // reason.
  Status Retry(DeadLetter d) {
    if (d.poison()) {
      ++report_.poison;
      report_.errors.push_back("#" + std::to_string(d.id) + ": poison record at " + d.source +
                               " has no notification to deliver; it stays listed");
      keep_.push_back(std::move(d));
      return Status::Ok();
    }
    const std::vector<Sink*> targets = RetryTargets(d, sinks_);
    if (targets.empty()) {
      ++report_.failed;
      report_.errors.push_back("#" + std::to_string(d.id) + ": " +
                               (d.channel.empty() ? "still no channel serves recipient " + d.notification->recipient
                                                  : "channel " + d.channel + " is not configured") +
                               " (give --channels, --webhook or --outbox as the consumer has them)");
      keep_.push_back(std::move(d));
      return Status::Ok();
    }
    bool all_ok = true;
    for (Sink* sink : targets) {
      const std::string key = DeliveredLog::Key(sink->name(), d.notification_id);
      if (delivered_.Contains(key)) continue;
      int attempts = 0;
      Status s = DeliverWithRetry(*sink, *d.notification, retry_, &attempts, &ignored_failures_);
      d.attempts += attempts;
      d.last_attempt = NowMs();
      if (s.ok()) {
        // Recorded (fsync) before the entry leaves the file: a kill between
        // the two leaves an entry the next retry drops without delivering.
        if (Status synced = sink->Sync(); !synced.ok()) return synced;
        if (Status rec = delivered_.Record(key, ReceiptJson(*d.notification, NowMs())); !rec.ok()) return rec;
        continue;
      }
      all_ok = false;
      d.error = sink->name() + " failed: " + s.ToString();
    }
    if (all_ok) {
      ++report_.delivered;
    } else {
      ++report_.failed;
      report_.errors.push_back("#" + std::to_string(d.id) + ": " + d.error);
      keep_.push_back(std::move(d));
    }
    return Status::Ok();
  }

  const std::vector<std::unique_ptr<Sink>>& sinks_;
  const RetryPolicy& retry_;
  DeliveredLog& delivered_;
  const std::optional<uint64_t> only_;
  bool found_;
  uint64_t ignored_failures_ = 0;
  DlqRetryReport report_;
  std::vector<DeadLetter> keep_;
};

}  // namespace

Result<std::vector<DeadLetter>> ListDeadLetters(const std::string& data_dir) {
  if (Status s = RequireDeadLetterFile(data_dir); !s.ok()) return s;
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
  if (Status s = RequireDeadLetterFile(data_dir); !s.ok()) return s;
  auto lock = LockOutTheConsumer(data_dir);
  if (!lock.ok()) return lock.status();
  auto delivered = DeliveredLog::Open(data_dir + "/delivered.log");
  if (!delivered.ok()) return delivered.status();
  auto store = DeadLetterStore::Open(data_dir);
  if (!store.ok()) return store.status();
  RetryRun run(sinks, retry, **delivered, only);
  for (DeadLetter d : (*store)->entries())
    if (Status s = run.Take(std::move(d)); !s.ok()) return s;
  if (!run.found()) return Status::NotFound("no dead letter #" + std::to_string(*only) + " in " + data_dir);
  if (Status s = (*store)->Rewrite(run.TakeKept()); !s.ok()) return s;
  DlqRetryReport report = run.report();
  report.remaining = (*store)->entries().size();
  return report;
}

}  // namespace duban::consumers
