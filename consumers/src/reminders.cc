// The reminders consumer loop, in Kafka and embedded mode (see reminders.h).
#include "duban/consumers/reminders.h"
#include "duban/consumers/digest.h"
#include "duban/consumers/state.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <thread>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "duban/coding.h"
#include "duban/core/workflow_timer_policy.h"
#include "duban/engine.h"
#include "duban/file_text.h"
#include "duban/kafka/consumer.h"
#include "duban/kafka/producer.h"
#include "duban/schemas/codec.h"
#include "delivery.h"
#include "posix_io.h"
#include "duban/log.h"

namespace duban::consumers {
namespace {

using file_text::ReadIfPresent;
using posix_io::Errno;
using posix_io::WriteAll;

// DATA/cursor: "<store id> <next log position>\n". Written whole to a
// temporary file, fsynced and renamed over the old one, then the directory
// fsynced: a crash leaves either the old cursor or the new one.
Status WriteCursorFile(const std::string& dir, const std::string& store_id, uint64_t pos) {
  return posix_io::ReplaceFile(dir, "cursor", store_id + " " + std::to_string(pos) + "\n");
}

struct CursorFile {
  std::string store_id;
  uint64_t pos = 0;
};

// Absent file: nullopt. A file that does not parse is Corruption: guessing a
// position would repeat or skip notifications.
Result<std::optional<CursorFile>> ReadCursorFile(const std::string& dir) {
  const std::string path = dir + "/cursor";
  if (!std::filesystem::exists(path)) return std::optional<CursorFile>();
  auto text = ReadIfPresent(path);
  if (!text.ok()) return text.status();
  std::istringstream in(*text);
  CursorFile c;
  std::string rest;
  if (!(in >> c.store_id >> c.pos) || (in >> rest))
    return Status::Corruption("the cursor file " + path + " is damaged (\"" + TruncateUtf8(*text, 80) +
                              "\"); it is not guessed at. Delete it to deliver again from the start of the "
                              "log (delivered.log still skips what was delivered)");
  return std::optional<CursorFile>(c);
}

// The consumer's own files inside the store's directory would make it a
// directory that holds something else than a store.
bool DataInsideStore(const RemindersOptions& options) {
  std::error_code ec1, ec2;
  const auto data = std::filesystem::weakly_canonical(options.data_dir, ec1);
  const auto store = std::filesystem::weakly_canonical(options.store_dir, ec2);
  if (ec1 || ec2) return false;
  auto [s_end, d_it] = std::mismatch(store.begin(), store.end(), data.begin(), data.end());
  return s_end == store.end();
}

Status CheckOptions(const RemindersOptions& options) {
  if (options.data_dir.empty()) return Status::InvalidArgument("reminders: --data is required");
  if (options.store_dir.empty() == options.kafka.bootstrap.empty())
    return Status::InvalidArgument("reminders: give either --store (embedded mode) or --bootstrap (Kafka mode)");
  if (!options.store_dir.empty() && DataInsideStore(options))
    return Status::InvalidArgument("reminders: --data " + options.data_dir + " lies inside --store " +
                                   options.store_dir + "; keep the consumer's state in a directory of its own");
  // Another duban store (one this consumer does not follow): its files are not ours to write beside.
  if (std::error_code ec; std::filesystem::exists(std::filesystem::path(options.data_dir) / "DUBAN-STORE", ec))
    return Status::InvalidArgument("reminders: --data " + options.data_dir +
                                   " is a duban store; keep the consumer's state in a directory of its own");
  if (options.retry.max_attempts < 1) return Status::InvalidArgument("reminders: max attempts < 1");
  return Status::Ok();
}

}  // namespace

// One record of the log, whichever mode read it.
struct SourceRecord {
  std::string_view value;                 // framed event
  std::string source;                     // "topic/partition/offset" or "log/<position>"
  const kafka::Message* kafka = nullptr;  // Kafka mode: the message, for the DLQ
};

struct Reminders::Impl {
  RemindersOptions options;
  std::vector<std::unique_ptr<Sink>> sinks;
  std::unique_ptr<kafka::Consumer> consumer;  // Kafka mode
  std::unique_ptr<kafka::Producer> producer;  // Kafka mode: the DLQ
  // Embedded mode: the store's id, the next log position to read, the timer
  // policy the read-only opens use (it counts the calendar notices the store
  // records), and dead-letters.jsonl.
  bool embedded = false;
  std::string store_id;
  uint64_t cursor = 0;
  std::shared_ptr<TimerPolicy> policy;
  std::unique_ptr<StateLock> lock;  // embedded mode: one consumer per state directory
  TaskDirectory directory;
  std::unique_ptr<DeliveredLog> delivered;
  std::unique_ptr<DeadLetterStore> dead_letters;
  int directory_fd = -1;
  RemindersStats stats;
  bool closed = false;

  ~Impl() {
    if (directory_fd >= 0) ::close(directory_fd);
  }

  // directory.log: framed events (duban/coding.h) the TaskDirectory learnt.
  Status OpenDirectory(const std::string& path) {
    auto text = ReadIfPresent(path);
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

  // Dead-letters what could not be delivered from record r: `entries` go to
  // DATA/dead-letters.jsonl in both modes (fsynced before the cursor moves;
  // `dlq list|retry` act on them); Kafka mode also produces the record to
  // the dead-letter topic with headers, for tools that follow the topic.
  // Embedded mode's event stays in the store's log at the position named.
  Status SendToDeadLetters(const SourceRecord& r, const std::string& reason, int attempts,
                           const std::string& notification_ids, std::vector<DeadLetter> entries) {
    for (auto& d : entries) {
      auto id = dead_letters->Add(std::move(d));
      if (!id.ok()) return id.status();
    }
    if (embedded) {
      log::Reminders().error("reminders: dead-lettered {} to {}/dead-letters.jsonl (attempts {}): {}", r.source,
                             options.data_dir, attempts, reason);
      return Status::Ok();
    }
    const kafka::Message& m = *r.kafka;
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
    log::Reminders().error("reminders: dead-lettered {}/{}/{} to {} (attempts {}): {}", m.topic, m.partition, m.offset,
                           options.dlq_topic, attempts, reason);
    return Status::Ok();
  }

  Status Poison(const SourceRecord& r, const std::string& reason) {
    ++stats.poison;
    DeadLetter d;
    d.error = reason;
    d.source = r.source;
    d.first_attempt = d.last_attempt = NowMs();
    return SendToDeadLetters(r, reason, 0, "", {std::move(d)});
  }

  // Handles one record. Errors returned are fatal for the batch (nothing is
  // committed); delivery failures are dead-lettered, not returned.
  Status Handle(const SourceRecord& m, bool* directory_dirty) {
    ++stats.records;
    std::string_view payload;
    size_t consumed = 0;
    Status framed = UnframeRecord(m.value, &payload, &consumed);
    if (!framed.ok() || consumed != m.value.size()) {
      return Poison(m, "poison: bad frame: " + (framed.ok() ? std::string("trailing bytes") : framed.ToString()));
    }
    auto decoded = schemas::DecodeEvent(payload);
    if (!decoded.ok()) {
      return Poison(m, "poison: undecodable event: " + decoded.status().ToString());
    }
    const schemas::Event& e = *decoded;
    // The log has passed every slot before the time this event was recorded.
    if (Status s = FlushDigests(e.recorded_at - 1); !s.ok()) return s;
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
    Failures failed;
    for (const Notification& n : notes) {
      const std::optional<int> minute = options.DigestMinuteFor(n.recipient);
      Status s = minute && !SentAtOnce(n) ? Queue(n, e.recorded_at, *minute) : DeliverEverywhere(n, m.source, &failed);
      if (!s.ok()) return s;
    }
    if (failed.entries.empty()) return Status::Ok();
    ++stats.dead_lettered;
    return SendToDeadLetters(m, failed.first_reason, failed.max_attempts, failed.ids, std::move(failed.entries));
  }

  // What could not be delivered, gathered for the dead letters.
  struct Failures {
    std::string ids, first_reason;  // "channel:notification_id,..." and the first error
    int max_attempts = 0;
    std::vector<DeadLetter> entries;
  };

  // Delivers n on every sink that serves its recipient and has not had it
  // yet; what fails is added to *failed (source: where n came from).
  Status DeliverEverywhere(const Notification& n, const std::string& source, Failures* failed) {
    const auto fail = [&](const std::string& channel, const std::string& error, int attempts, int64_t first) {
      if (!failed->ids.empty()) failed->ids += ",";
      failed->ids += (channel.empty() ? "-" : channel) + ":" + n.notification_id;
      if (failed->first_reason.empty()) failed->first_reason = error;
      failed->max_attempts = std::max(failed->max_attempts, attempts);
      DeadLetter d;
      d.notification_id = n.notification_id;
      d.channel = channel;
      d.error = error;
      d.attempts = attempts;
      d.first_attempt = first;
      d.last_attempt = NowMs();
      d.source = source;
      d.notification = n;
      failed->entries.push_back(std::move(d));
    };
    bool routed = false;
    for (auto& sink : sinks) {
      if (!sink->Wants(n)) continue;
      routed = true;
      const std::string key = DeliveredLog::Key(sink->name(), n.notification_id);
      if (delivered->Contains(key)) {
        ++stats.duplicates;
        continue;
      }
      int attempts = 0;
      const int64_t first = NowMs();
      Status s = DeliverWithRetry(*sink, n, options.retry, &attempts, &stats.retries);
      if (s.ok()) {
        if (Status rec = delivered->Note(key, ReceiptJson(n, NowMs())); !rec.ok()) return rec;
        ++stats.delivered;
        continue;
      }
      fail(sink->name(), sink->name() + " failed: " + s.ToString(), attempts, first);
    }
    // Nothing goes silent: a recipient no channel serves is a dead letter
    // (channel "") until the channels file names it; `dlq retry` then
    // delivers it on the channels that serve it.
    if (!routed) fail("", "no channel serves recipient " + n.recipient, 0, NowMs());
    return Status::Ok();
  }

  // ---- digests (digest.h) ----

  std::unique_ptr<DigestQueue> digests;             // with digest_minute, or a queue left by a run with it
  std::optional<workflows::WorkCalendar> calendar;  // the digests' working days

  // Queues n for the digest of the first slot at or after `recorded_at`
  // (when the log learnt of it: a back-dated record is still news), unless
  // a digest already carried it.
  Status Queue(const Notification& n, Instant recorded_at, int digest_minute) {
    if (delivered->Contains(DeliveredLog::Key(kDigestedSink, n.notification_id))) {
      ++stats.duplicates;
      return Status::Ok();
    }
    auto slot = DigestSlot(recorded_at, digest_minute, *calendar);
    if (!slot.ok()) return slot.status();
    ++stats.digest_items;
    return digests->Add(*slot, n);
  }

  // Sends the digests of every slot at or before `through`, then records
  // their items as digested and drops them from the queue. A digest no
  // channel takes is dead-lettered (dead-letters.jsonl, source
  // digest/<slot>) like any notification: `dlq retry` sends it again.
  Status FlushDigests(Instant through) {
    if (!digests) return Status::Ok();
    const std::vector<DigestQueue::Due> due = digests->DueThrough(through);
    if (due.empty()) return Status::Ok();
    if (Status s = digests->Sync(); !s.ok()) return s;
    Failures failed;
    std::vector<std::pair<std::string, std::string>> keys;  // delivered.log lines of the items
    for (const auto& d : due) {
      const Notification n = ComposeDigest(d.recipient, d.slot, d.items, *calendar,
                                           options.render.templates ? *options.render.templates : Templates::Builtin());
      ++stats.digests;
      if (Status s = DeliverEverywhere(n, "digest/" + FormatInstant(d.slot), &failed); !s.ok()) return s;
      for (const auto& item : d.items)
        keys.emplace_back(DeliveredLog::Key(kDigestedSink, item.notification_id),
                          ReceiptJson(item, NowMs(), n.notification_id));
    }
    for (auto& entry : failed.entries) {
      auto id = dead_letters->Add(std::move(entry));
      if (!id.ok()) return id.status();
      ++stats.dead_lettered;
    }
    if (!failed.ids.empty())
      log::Reminders().error("reminders: digests dead-lettered to {}/dead-letters.jsonl: {} ({})", options.data_dir,
                             failed.ids, failed.first_reason);
    if (Status s = SyncDeliveries(); !s.ok()) return s;
    if (Status s = delivered->RecordAll(keys); !s.ok()) return s;
    return digests->RemoveThrough(due.back().slot);
  }

  // Kafka mode: the next offset to read of each partition handled so far.
  std::map<std::pair<std::string, int32_t>, int64_t> next_offsets;

  // Kafka mode, after an empty poll: the wall clock may close a slot only
  // once every assigned partition has been read to its end. An empty poll
  // alone does not say so: another partition's records may not be fetched
  // yet, and its items would miss the digest they belong to.
  Status FlushDigestsWhenCaughtUp() {
    const Instant now = NowMs();
    if (!digests || digests->DueThrough(now).empty()) return Status::Ok();
    auto assigned = consumer->Assignment();
    if (!assigned.ok() || assigned->empty()) return Status::Ok();
    auto committed = consumer->Committed(*assigned, 5000);
    if (!committed.ok()) return Status::Ok();  // asked again after the next empty poll
    for (const auto& tp : *committed) {
      auto marks = consumer->Watermarks(tp.topic, tp.partition, 5000);
      if (!marks.ok()) return Status::Ok();
      auto it = next_offsets.find({tp.topic, tp.partition});
      const int64_t next = it != next_offsets.end() ? it->second : tp.offset >= 0 ? tp.offset : marks->first;
      if (next < marks->second) return Status::Ok();
    }
    return FlushDigests(now);
  }

  // What the sinks accepted, on disk (the outbox), before delivered.log
  // says it was delivered: a power cut then loses both or neither.
  Status SyncDeliveries() {
    for (auto& sink : sinks)
      if (Status s = sink->Sync(); !s.ok()) return s;
    return delivered->Sync();
  }

  // Before the cursor or offsets move: what the batch delivered and queued
  // is on disk (one fsync per file per batch, not one per notification).
  Status SyncBatch(bool directory_dirty) {
    if (Status s = SyncDeliveries(); !s.ok()) return s;
    if (directory_dirty && ::fsync(directory_fd) != 0) return Errno("fsync directory.log");
    return digests ? digests->Sync() : Status::Ok();
  }

  // ---- embedded mode ----

  // Consecutive failed reads of the store tolerated while running. A reader
  // beside a writer can meet a file the writer is replacing (the engine
  // retries that a few times itself) and a store briefly unreadable (a
  // backup restoring, a disk hiccup) should not end the process at once; a
  // store that stays unreadable does, with the last error.
  static constexpr int kMaxReadFailures = 10;
  int read_failures = 0;

  // The read-only view being read. It is kept open while a catch-up reads
  // batch after batch (each open replays the writer's WAL into memory, the
  // main cost of a read: one per catch-up, not one per batch), and dropped
  // once a batch reaches the end of what it shows, so the next read opens a
  // view that holds what was written since.
  std::unique_ptr<Engine> reader;

  // Opens the store read-only (as `reader`), checks that it is the store the
  // cursor was made on and that its log reaches the cursor.
  Status OpenStore() {
    reader.reset();
    ++stats.store_reads;
    const std::string& dir = options.store_dir;
    const DataDirReport look = Engine::InspectDataDir(dir);
    if (look.kind == "missing" || look.kind == "empty")
      return Status::NotFound("no duban store in " + dir + " (" + look.detail +
                              "): give --store the data directory of `duban --data DIR`");
    if (look.kind == "damaged")
      return Status::Corruption("the store in " + dir + " is damaged: " + look.detail +
                                "; nothing is read from it (`duban --data " + dir + " doctor` describes it)");
    if (look.kind != "store") return Status::InvalidArgument(dir + " is not a duban store: " + look.detail);
    const std::string id = look.store_id.empty() ? "-" : look.store_id;
    if (!store_id.empty() && store_id != "-" && id != "-" && id != store_id)
      return Status::InvalidArgument("the store in " + dir + " is store " + id + ", but the cursor in " +
                                     options.data_dir + " belongs to store " + store_id +
                                     ": give this store its own --data directory");
    EngineOptions eo;
    eo.data_dir = dir;
    eo.read_only = true;
    eo.create_if_missing = false;
    auto engine = Engine::Open(eo, policy);
    if (!engine.ok()) return engine.status();
    if (store_id.empty()) store_id = id;
    const uint64_t end = (*engine)->LogEnd();
    if (cursor > end)
      return Status::InvalidArgument("the log of the store in " + dir + " ends before position " +
                                     std::to_string(cursor) + ", where the cursor in " + options.data_dir +
                                     " stands (next position " + std::to_string(end) +
                                     "): the store was replaced by an older copy. Nothing is delivered; "
                                     "remove " +
                                     options.data_dir +
                                     "/cursor to read it from its start "
                                     "(delivered.log still skips what was delivered)");
    reader = std::move(engine).value();
    return Status::Ok();
  }

  // Copies up to `limit` records from the cursor into *out, opening the
  // store when no view is open. The view is closed after a short batch (the
  // end of what it shows) and after any error.
  Status ReadStore(size_t limit, std::vector<std::pair<uint64_t, std::string>>* out) {
    if (!reader)
      if (Status s = OpenStore(); !s.ok()) return s;
    Status s = reader->ScanLogRecords(cursor, [&](uint64_t pos, std::string_view record) {
      out->emplace_back(pos, std::string(record));
      return out->size() < limit;
    });
    if (!s.ok() || out->size() < limit) reader.reset();
    return s;
  }

  Result<size_t> StepEmbedded(int poll_timeout_ms) {
    std::vector<std::pair<uint64_t, std::string>> batch;
    Status read = ReadStore(std::max<size_t>(1, options.max_batch), &batch);
    if (!read.ok()) {
      // The store swapped or behind the cursor: waiting will not mend it.
      if (read.code() == Status::Code::kInvalidArgument || ++read_failures > kMaxReadFailures) return read;
      log::Reminders().warn("reminders: reading {} failed ({} of {} tolerated in a row): {}", options.store_dir,
                            read_failures, kMaxReadFailures, read.ToString());
      batch.clear();
    } else {
      read_failures = 0;
    }
    if (batch.empty()) {
      // Caught up: the wall clock closes the slots the log has not passed.
      if (read.ok())
        if (Status s = FlushDigests(NowMs()); !s.ok()) return s;
      if (poll_timeout_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(poll_timeout_ms));
      return size_t{0};
    }
    bool directory_dirty = false;
    for (const auto& [pos, record] : batch) {
      SourceRecord r{record, "log/" + std::to_string(pos), nullptr};
      if (Status s = Handle(r, &directory_dirty); !s.ok()) return s;
      if (options.crash_after_records != 0 && stats.records == options.crash_after_records)
        return Status::Unavailable("reminders: simulated crash before the cursor moved");
    }
    if (Status s = SyncBatch(directory_dirty); !s.ok()) return s;
    const uint64_t next = batch.back().first + 1;
    if (Status s = WriteCursorFile(options.data_dir, store_id, next); !s.ok()) return s;
    cursor = next;
    stats.cursor = next;
    ++stats.commits;
    return batch.size();
  }

  // ---- opening (Reminders::Create) ----

  // Embedded mode: the timer policy, DATA/cursor (*had_cursor: whether there
  // was one) and a first read-only open of the store.
  Status OpenEmbedded(bool* had_cursor) {
    embedded = true;
    // The workflow rules and calendar `duban` itself opens the store with:
    // a store that recorded calendar notices is opened only with them.
    auto default_policy = WorkflowTimerPolicy::Default();
    if (!default_policy.ok()) return default_policy.status();
    policy = std::move(default_policy).value();
    auto read = ReadCursorFile(options.data_dir);
    if (!read.ok()) return read.status();
    *had_cursor = read->has_value();
    if (*had_cursor) {
      store_id = (*read)->store_id;
      cursor = (*read)->pos;
    }
    stats.cursor = cursor;
    // Refuse a missing, damaged or other store now, with what it holds,
    // before anything of the consumer's own is made. The view opened is the
    // first one read.
    return OpenStore();
  }

  // DATA, created, and what it holds: the lock (embedded mode),
  // delivered.log, dead-letters.jsonl and directory.log.
  Status OpenState() {
    std::error_code ec;
    std::filesystem::create_directories(options.data_dir, ec);
    if (ec) return Status::IOError("create " + options.data_dir + ": " + ec.message());
    if (embedded) {
      // Two processes on one state directory would each deliver the same
      // notifications (their delivered sets are loaded once): the second is
      // refused before it reads or cuts any file there. The lock goes with
      // the process, kill -9 included.
      auto acquired = StateLock::Acquire(options.data_dir);
      if (!acquired.ok()) return acquired.status();
      lock = std::move(acquired).value();
    }
    auto opened = DeliveredLog::Open(options.data_dir + "/delivered.log");
    if (!opened.ok()) return opened.status();
    delivered = std::move(opened).value();
    auto store = DeadLetterStore::Open(options.data_dir);
    if (!store.ok()) return store.status();
    dead_letters = std::move(store).value();
    // A queue left by a run with digests is opened too, so that a run
    // without them sends what waits instead of leaving it unsent.
    std::error_code ec_size;
    const auto queued = std::filesystem::file_size(options.data_dir + "/digests.jsonl", ec_size);
    if (options.AnyDigests() || (!ec_size && queued > 0)) {
      auto cal = workflows::WorkCalendar::Default();
      if (!cal.ok()) return cal.status();
      calendar = std::move(cal).value();
      // Years the statutory notices do not cover yet are counted by the
      // provisional rule, as the engine counts deadlines.
      calendar->set_provisional_rule(true);
      auto queue = DigestQueue::Open(options.data_dir, *delivered);
      if (!queue.ok()) return queue.status();
      digests = std::move(queue).value();
    }
    return OpenDirectory(options.data_dir + "/directory.log");
  }

  Status StartEmbedded(bool had_cursor) {
    // The cursor file from the start ties this state to its store.
    if (!had_cursor) {
      Status s = WriteCursorFile(options.data_dir, store_id, cursor);
      if (!s.ok()) return s;
    }
    log::Reminders().info("reminders: {} delivered ids, {} tasks known, store {} ({}) from log position {}",
                          delivered->size(), directory.task_count(), options.store_dir, store_id, cursor);
    return Status::Ok();
  }

  Status StartKafka() {
    auto created_producer = kafka::Producer::Create(options.kafka);
    if (!created_producer.ok()) return created_producer.status();
    producer = std::move(created_producer.value());
    auto created_consumer = kafka::Consumer::Create(options.kafka, options.group);
    if (!created_consumer.ok()) return created_consumer.status();
    consumer = std::move(created_consumer.value());
    Status s = consumer->Subscribe({options.kafka.events_topic});
    if (!s.ok()) return s;
    log::Reminders().info("reminders: {} delivered ids, {} tasks known, group {} on {}", delivered->size(),
                          directory.task_count(), options.group, options.kafka.events_topic);
    return Status::Ok();
  }
};

Reminders::Reminders(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Reminders::~Reminders() { (void)Close(); }

Result<std::unique_ptr<Reminders>> Reminders::Create(const RemindersOptions& options,
                                                     std::vector<std::unique_ptr<Sink>> sinks) {
  if (sinks.empty()) return Status::InvalidArgument("reminders: at least one sink is required");
  if (Status s = CheckOptions(options); !s.ok()) return s;
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->sinks = std::move(sinks);
  bool had_cursor = false;
  if (!options.store_dir.empty()) {
    if (Status s = impl->OpenEmbedded(&had_cursor); !s.ok()) return s;
  }
  if (Status s = impl->OpenState(); !s.ok()) return s;
  if (Status s = impl->embedded ? impl->StartEmbedded(had_cursor) : impl->StartKafka(); !s.ok()) return s;
  if (!options.AnyDigests() && impl->digests && impl->digests->size() > 0) {
    log::Reminders().warn(
        "reminders: {} notification(s) wait in {}/digests.jsonl but --digest-at is not given: "
        "sending their digests now",
        impl->digests->size(), options.data_dir);
    if (Status s = impl->FlushDigests(std::numeric_limits<Instant>::max()); !s.ok()) return s;
  }
  return std::unique_ptr<Reminders>(new Reminders(std::move(impl)));
}

Result<size_t> Reminders::AssignedPartitions() const {
  if (impl_->closed) return Status::InvalidArgument("reminders: closed");
  if (impl_->embedded) return size_t{1};
  auto a = impl_->consumer->Assignment();
  if (!a.ok()) return a.status();
  return a->size();
}

Result<size_t> Reminders::Step(int poll_timeout_ms) {
  Impl& m = *impl_;
  if (m.closed) return Status::InvalidArgument("reminders: closed");
  if (m.embedded) return m.StepEmbedded(poll_timeout_ms);
  auto polled = m.consumer->Poll(poll_timeout_ms, m.options.max_batch);
  if (!polled.ok()) return polled.status();
  std::map<std::pair<std::string, int32_t>, int64_t> next;
  bool directory_dirty = false;
  for (const kafka::Message& msg : *polled) {
    SourceRecord r{msg.value, msg.topic + "/" + std::to_string(msg.partition) + "/" + std::to_string(msg.offset), &msg};
    Status s = m.Handle(r, &directory_dirty);
    if (!s.ok()) return s;
    next[{msg.topic, msg.partition}] = msg.offset + 1;
    if (m.options.crash_after_records != 0 && m.stats.records == m.options.crash_after_records)
      return Status::Unavailable("reminders: simulated crash before commit");
  }
  if (Status s = m.SyncBatch(directory_dirty); !s.ok()) return s;
  for (const auto& [tp, off] : next) m.next_offsets[tp] = off;
  if (polled->empty())
    if (Status s = m.FlushDigestsWhenCaughtUp(); !s.ok()) return s;
  if (!next.empty()) {
    std::vector<kafka::TopicPartition> offsets;
    offsets.reserve(next.size());
    for (const auto& [tp, off] : next) offsets.push_back({tp.first, tp.second, off});
    // A failed commit (e.g. a rebalance in progress) is not fatal: the
    // records are read again and their notifications skipped as delivered.
    Status s = m.consumer->Commit(offsets);
    if (s.ok()) {
      ++m.stats.commits;
    } else {
      ++m.stats.commit_failures;
      log::Reminders().warn("reminders: commit failed (records will be re-read, deliveries deduped): {}", s.ToString());
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
  if (impl_->embedded) {
    impl_->reader.reset();
    return Status::Ok();
  }
  Status s = impl_->consumer->Close();
  auto flushed = impl_->producer->Flush(5000);
  if (s.ok() && !flushed.ok()) s = flushed.status();
  return s;
}

RemindersStats Reminders::stats() const { return impl_->stats; }
bool Reminders::embedded() const { return impl_->embedded; }

bool Reminders::digests() const { return impl_->digests != nullptr; }

std::string Reminders::FormatStats(const RemindersStats& s, bool embedded, bool digests) {
  return "records=" + std::to_string(s.records) + " reminder_events=" + std::to_string(s.reminder_events) +
         " directory_events=" + std::to_string(s.directory_events) +
         " notifications=" + std::to_string(s.notifications) + " delivered=" + std::to_string(s.delivered) +
         " duplicates_skipped=" + std::to_string(s.duplicates) + " failed_attempts=" + std::to_string(s.retries) +
         " dead_lettered=" + std::to_string(s.dead_lettered) + " poison=" + std::to_string(s.poison) +
         " commits=" + std::to_string(s.commits) + " commit_failures=" + std::to_string(s.commit_failures) +
         (embedded ? " store_reads=" + std::to_string(s.store_reads) + " cursor=" + std::to_string(s.cursor)
                   : std::string()) +
         (digests ? " digest_items=" + std::to_string(s.digest_items) + " digests=" + std::to_string(s.digests)
                  : std::string());
}

}  // namespace duban::consumers
