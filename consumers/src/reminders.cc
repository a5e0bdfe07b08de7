// The reminders consumer loop (see reminders.h).
#include "duban/consumers/reminders.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "duban/coding.h"
#include "duban/kafka/consumer.h"
#include "duban/kafka/producer.h"
#include "duban/schemas/codec.h"

namespace duban::consumers {
namespace {

Status Errno(const std::string& what) { return Status::IOError(what + ": " + std::strerror(errno)); }

Status WriteAll(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    ssize_t w = ::write(fd, data.data(), data.size());
    if (w < 0) {
      if (errno == EINTR) continue;
      return Errno(what);
    }
    data.remove_prefix(static_cast<size_t>(w));
  }
  return Status::Ok();
}

Result<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::string();
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

struct Reminders::Impl {
  RemindersOptions options;
  std::vector<std::unique_ptr<Sink>> sinks;
  std::unique_ptr<kafka::Consumer> consumer;
  std::unique_ptr<kafka::Producer> producer;
  TaskDirectory directory;
  std::unordered_set<std::string> delivered;  // "sink\tnotification_id"
  int delivered_fd = -1;
  int directory_fd = -1;
  RemindersStats stats;
  bool closed = false;

  ~Impl() {
    if (delivered_fd >= 0) ::close(delivered_fd);
    if (directory_fd >= 0) ::close(directory_fd);
  }

  // delivered.log: one "sink\tnotification_id\n" line per accepted delivery.
  Status OpenDelivered(const std::string& path) {
    auto text = ReadWhole(path);
    if (!text.ok()) return text.status();
    std::string_view rest = *text;
    size_t good = 0;
    while (true) {
      auto nl = rest.find('\n');
      if (nl == std::string_view::npos) break;  // a torn last line is dropped
      delivered.emplace(rest.substr(0, nl));
      rest.remove_prefix(nl + 1);
      good += nl + 1;
    }
    delivered_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (delivered_fd < 0) return Errno("open " + path);
    if (::ftruncate(delivered_fd, static_cast<off_t>(good)) != 0) return Errno("truncate " + path);
    if (::lseek(delivered_fd, 0, SEEK_END) < 0) return Errno("seek " + path);
    return Status::Ok();
  }

  // directory.log: framed events (duban/coding.h) the TaskDirectory learnt.
  Status OpenDirectory(const std::string& path) {
    auto text = ReadWhole(path);
    if (!text.ok()) return text.status();
    std::string_view rest = *text;
    size_t good = 0;
    while (!rest.empty()) {
      std::string_view payload;
      size_t consumed = 0;
      if (!UnframeRecord(rest, &payload, &consumed).ok()) break;  // torn tail: cut below
      auto e = schemas::DecodeEvent(payload);
      if (e.ok()) directory.Apply(*e);
      rest.remove_prefix(consumed);
      good += consumed;
    }
    directory_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (directory_fd < 0) return Errno("open " + path);
    if (::ftruncate(directory_fd, static_cast<off_t>(good)) != 0) return Errno("truncate " + path);
    if (::lseek(directory_fd, 0, SEEK_END) < 0) return Errno("seek " + path);
    return Status::Ok();
  }

  Status RecordDelivered(const std::string& key) {
    Status s = WriteAll(delivered_fd, key + "\n", "append delivered.log");
    if (!s.ok()) return s;
    if (::fsync(delivered_fd) != 0) return Errno("fsync delivered.log");
    delivered.insert(key);
    return Status::Ok();
  }

  Status DeadLetter(const kafka::Message& m, const std::string& reason, int attempts,
                    const std::string& notification_ids) {
    kafka::Headers headers{
        {kDlqReason, reason},
        {kDlqAttempts, std::to_string(attempts)},
        {kDlqSource, m.topic + "/" + std::to_string(m.partition) + "/" + std::to_string(m.offset)},
    };
    if (!notification_ids.empty()) headers.emplace_back(kDlqNotifications, notification_ids);
    auto delivery = producer->ProduceAsync(options.dlq_topic, m.key, m.value, headers).get();
    if (!delivery.ok())
      return Status::Unavailable("dead-letter produce to " + options.dlq_topic +
                                 " failed: " + delivery.status().ToString());
    spdlog::error("reminders: dead-lettered {}/{}/{} to {} (attempts {}): {}", m.topic, m.partition,
                  m.offset, options.dlq_topic, attempts, reason);
    return Status::Ok();
  }

  // Delivers through one sink with bounded exponential backoff. Returns the
  // last error after max_attempts; *attempts is how many were made.
  Status DeliverWithRetry(Sink& sink, const Notification& n, int* attempts) {
    const RetryPolicy& r = options.retry;
    int backoff = std::max(0, r.initial_backoff_ms);
    Status last;
    for (*attempts = 1;; ++*attempts) {
      last = sink.Deliver(n);
      if (last.ok()) return last;
      ++stats.retries;
      spdlog::warn("reminders: {} attempt {}/{} for {} failed: {}", sink.name(), *attempts,
                   r.max_attempts, n.notification_id, last.ToString());
      if (*attempts >= r.max_attempts) return last;
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff));
      backoff = std::min(std::max(1, backoff * 2), r.max_backoff_ms);
    }
  }

  // Handles one record. Errors returned are fatal for the batch (nothing is
  // committed); delivery failures are dead-lettered, not returned.
  Status Handle(const kafka::Message& m, bool* directory_dirty) {
    ++stats.records;
    std::string_view payload;
    size_t consumed = 0;
    Status framed = UnframeRecord(m.value, &payload, &consumed);
    if (!framed.ok() || consumed != m.value.size()) {
      ++stats.poison;
      return DeadLetter(m, "poison: bad frame: " + (framed.ok() ? std::string("trailing bytes") : framed.ToString()), 0, "");
    }
    auto decoded = schemas::DecodeEvent(payload);
    if (!decoded.ok()) {
      ++stats.poison;
      return DeadLetter(m, "poison: undecodable event: " + decoded.status().ToString(), 0, "");
    }
    const schemas::Event& e = *decoded;
    if (directory.Apply(e)) {
      ++stats.directory_events;
      Status s = WriteAll(directory_fd, FrameRecord(payload), "append directory.log");
      if (!s.ok()) return s;
      *directory_dirty = true;
    }
    if (!IsReminderEvent(e.body)) return Status::Ok();
    ++stats.reminder_events;
    std::vector<Notification> notes = RenderNotifications(e, directory, options.render);
    stats.notifications += notes.size();
    std::string failed_ids, first_reason;
    int max_attempts_used = 0;
    for (const Notification& n : notes) {
      for (auto& sink : sinks) {
        std::string key = sink->name() + "\t" + n.notification_id;
        if (delivered.count(key)) {
          ++stats.duplicates;
          continue;
        }
        int attempts = 0;
        Status s = DeliverWithRetry(*sink, n, &attempts);
        if (s.ok()) {
          Status rec = RecordDelivered(key);
          if (!rec.ok()) return rec;
          ++stats.delivered;
          continue;
        }
        if (!failed_ids.empty()) failed_ids += ",";
        failed_ids += sink->name() + ":" + n.notification_id;
        if (first_reason.empty()) first_reason = sink->name() + " failed: " + s.ToString();
        max_attempts_used = std::max(max_attempts_used, attempts);
      }
    }
    if (failed_ids.empty()) return Status::Ok();
    ++stats.dead_lettered;
    return DeadLetter(m, first_reason, max_attempts_used, failed_ids);
  }
};

Reminders::Reminders(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Reminders::~Reminders() { (void)Close(); }

Result<std::unique_ptr<Reminders>> Reminders::Create(const RemindersOptions& options,
                                                     std::vector<std::unique_ptr<Sink>> sinks) {
  if (sinks.empty()) return Status::InvalidArgument("reminders: at least one sink is required");
  if (options.data_dir.empty()) return Status::InvalidArgument("reminders: --data is required");
  if (options.retry.max_attempts < 1) return Status::InvalidArgument("reminders: max attempts < 1");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->sinks = std::move(sinks);
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return Status::IOError("create " + options.data_dir + ": " + ec.message());
  Status s = impl->OpenDelivered(options.data_dir + "/delivered.log");
  if (!s.ok()) return s;
  s = impl->OpenDirectory(options.data_dir + "/directory.log");
  if (!s.ok()) return s;

  auto producer = kafka::Producer::Create(options.kafka);
  if (!producer.ok()) return producer.status();
  impl->producer = std::move(producer.value());
  auto consumer = kafka::Consumer::Create(options.kafka, options.group);
  if (!consumer.ok()) return consumer.status();
  impl->consumer = std::move(consumer.value());
  s = impl->consumer->Subscribe({options.kafka.events_topic});
  if (!s.ok()) return s;
  spdlog::info("reminders: {} delivered ids, {} tasks known, group {} on {}", impl->delivered.size(),
               impl->directory.task_count(), options.group, options.kafka.events_topic);
  return std::unique_ptr<Reminders>(new Reminders(std::move(impl)));
}

Result<size_t> Reminders::AssignedPartitions() const {
  if (impl_->closed) return Status::InvalidArgument("reminders: closed");
  auto a = impl_->consumer->Assignment();
  if (!a.ok()) return a.status();
  return a->size();
}

Result<size_t> Reminders::Step(int poll_timeout_ms) {
  Impl& m = *impl_;
  if (m.closed) return Status::InvalidArgument("reminders: closed");
  auto polled = m.consumer->Poll(poll_timeout_ms, m.options.max_batch);
  if (!polled.ok()) return polled.status();
  std::map<std::pair<std::string, int32_t>, int64_t> next;
  bool directory_dirty = false;
  for (const kafka::Message& msg : *polled) {
    Status s = m.Handle(msg, &directory_dirty);
    if (!s.ok()) return s;
    next[{msg.topic, msg.partition}] = msg.offset + 1;
    if (m.options.crash_after_records != 0 && m.stats.records == m.options.crash_after_records)
      return Status::Unavailable("reminders: simulated crash before commit");
  }
  if (directory_dirty && ::fsync(m.directory_fd) != 0) return Errno("fsync directory.log");
  if (!next.empty()) {
    std::vector<kafka::TopicPartition> offsets;
    for (const auto& [tp, off] : next) offsets.push_back({tp.first, tp.second, off});
    // A failed commit (e.g. a rebalance in progress) is not fatal: the
    // records are read again and their notifications skipped as delivered.
    Status s = m.consumer->Commit(offsets);
    if (s.ok()) {
      ++m.stats.commits;
    } else {
      ++m.stats.commit_failures;
      spdlog::warn("reminders: commit failed (records will be re-read, deliveries deduped): {}",
                   s.ToString());
    }
  }
  return polled->size();
}

Status Reminders::Run(const std::atomic<bool>& stop) {
  Status result;
  while (!stop.load()) {
    auto n = Step(500);
    if (!n.ok()) {
      result = n.status();
      break;
    }
  }
  Status c = Close();
  return result.ok() ? c : result;
}

Status Reminders::Close() {
  if (!impl_ || impl_->closed) return Status::Ok();
  impl_->closed = true;
  Status s = impl_->consumer->Close();
  auto flushed = impl_->producer->Flush(5000);
  if (s.ok() && !flushed.ok()) s = flushed.status();
  return s;
}

RemindersStats Reminders::stats() const { return impl_->stats; }

std::string Reminders::FormatStats(const RemindersStats& s) {
  return "records=" + std::to_string(s.records) + " reminder_events=" + std::to_string(s.reminder_events) +
         " directory_events=" + std::to_string(s.directory_events) +
         " notifications=" + std::to_string(s.notifications) + " delivered=" + std::to_string(s.delivered) +
         " duplicates_skipped=" + std::to_string(s.duplicates) + " failed_attempts=" + std::to_string(s.retries) +
         " dead_lettered=" + std::to_string(s.dead_lettered) + " poison=" + std::to_string(s.poison) +
         " commits=" + std::to_string(s.commits) + " commit_failures=" + std::to_string(s.commit_failures);
}

}  // namespace duban::consumers
