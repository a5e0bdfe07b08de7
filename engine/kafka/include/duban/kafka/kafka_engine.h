// The engine in Kafka mode (outbox pattern), its client and its read model.
//
// KafkaEngine: one consumer-group member on duban.commands. Each assigned
// partition p has its own embedded Engine at DATA/partition-<p> (rejections in
// stream "!rejected/<p>"). Per polled batch of partition p (cut into batches
// of at most options.max_batch_events expected events):
//   1. SubmitBatch(commands, {"cmd.offset.<p>" = the offset after the
//      batch's last command}): events, projections and the consumed offset
//      in ONE RocksDB batch;
//   2. every new log event is produced to duban.events partition p (framed
//      EncodeEvent, key = plan id, headers "duban-cmd-offset" = the source
//      command's offset and "duban-cmd-n" = how many events the command has);
//   (the partitions of one poll are decided in parallel, options.threads)
//   3. after delivery, meta "produced.end" (next log position not yet
//      produced) and "events.read" (next duban.events offset known locally).
//      Pipelined: poll k is decided by worker threads while poll k+1 is
//      fetched; poll k's deliveries are awaited and recorded only after
//      poll k+1 was decided, oldest first.
// Timers: every tick_interval_ms (on options.now) each owned partition's
// store is ticked (Engine::Tick(now, "clock")) and the events of the fired
// timers go out through the same outbox, with "duban-cmd-offset" = the last
// command offset consumed on p. Only the owner of a partition ticks it, and a
// fired timer's command id is derived from its timer key, so a tick repeated
// after a restart or hand-over writes nothing new.
// On (re)assignment of p, local positions >= produced.end are produced again
// (duplicates are harmless: every reader dedupes by command id + event id),
// then duban.events p is read from "events.read" to its end and applied with
// AppendExternal (this restores a missing or stale directory, e.g. after
// another engine owned p), and consumption resumes at
// max(cmd.offset.<p>, highest duban-cmd-offset seen + 1).
// Guarantees (idempotent mode, the dev broker): a command's events reach
// duban.events at least once and are applied exactly once by any reader.
// Transactional mode (a real cluster): each batch's events, and the next
// command offset (send_offsets_to_transaction), are committed in one Kafka
// transaction of the partition's producer; on assignment the new owner's
// init_transactions fences the old one, and a store holding decisions that
// were never committed (positions >= produced.end) is rebuilt from
// duban.events instead of producing them again. See README.md.
//
// SubmitViaKafka: the client side. Produces the command keyed by plan id and
// waits until its events (or its CommandRejected) appear in duban.events.
//
// ProjectEvents: the read model. Applies every partition of duban.events to
// one store, so the normal query commands answer for every plan.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "duban/date.h"
#include "duban/engine.h"
#include "duban/kafka/config.h"
#include "duban/status.h"

namespace duban::kafka {

// Header names on duban.events records.
inline constexpr const char* kHeaderCmdOffset = "duban-cmd-offset";
inline constexpr const char* kHeaderCmdEvents = "duban-cmd-n";

// Kafka transactions on duban.events: on a real cluster each owned partition
// has its own transactional producer (transactional.id "<group>-p<N>"), so a
// partition's new owner fences the old one and readers (read_committed) see
// only what an owner committed. librdkafka's mock (the dev broker) accepts the
// calls but models none of it: there the engine produces idempotently only.
enum class Transactions {
  kAuto,  // on, unless the cluster id says it is librdkafka's mock cluster
  kOn,
  kOff,
};

// An owned partition of duban.commands: how far the engine has decided it.
struct PartitionLag {
  int32_t partition = 0;
  int64_t next = -1;  // next command offset to decide (-1: from the beginning)
  int64_t end = -1;   // end offset as the fetcher last saw it (-1: not fetched yet)
  int64_t lag = -1;   // commands in the partition not decided yet (-1: unknown)
};

struct KafkaEngineOptions {
  KafkaConfig kafka;
  Transactions transactions = Transactions::kAuto;
  int transaction_timeout_ms = 60'000;  // transaction.timeout.ms (and message.timeout.ms)
  // Test hook (the fencing and batching tests): while this file exists, a
  // decided batch waits before it is produced, logging "holding a decided
  // batch" once. A file holding a number N lets this process's first N
  // productions through first.
  std::string hold_file;
  // Every status_interval_ms (0: never) a thread of Run calls on_status with
  // the lag of every owned partition (KafkaEngine::Lag).
  int64_t status_interval_ms = 0;
  std::function<void(const std::vector<PartitionLag>&)> on_status;
  std::string data_dir;  // one subdirectory per partition
  // The partition stores' one shared block cache, MiB (EngineOptions::block_cache_mb).
  size_t block_cache_mb = EngineOptions{}.block_cache_mb;
  std::string group = "duban-engine";
  size_t max_batch = 5000;  // commands per poll (split by partition)
  // A partition's commands of one poll are decided and produced in batches of
  // at most this many expected events (a plan import or an added task counts
  // 1 per task and per unit of it; a review cycle or a plan's withdrawal 1 +
  // the plan's assignments in the store; any other command 1), each its own
  // group commit and, on a real cluster, its own
  // transaction (in idempotent mode the poll's records still meet in
  // librdkafka's queue, bounded by its queue.buffering.max.* settings). While decided, an event takes about
  // 3.5 KB. A backlog of 1,000 imports of 60-task plans (241,000 events, 3
  // polls on the dev broker) peaked at 751 MB with each partition's poll one
  // batch, 602 MB in batches of 20,000, 463 MB of 5,000 and 430 MB of 1,000;
  // ordinary commands (weight 1) fill a poll's 5,000 without being split. A
  // command heavier than this is a batch of its own.
  size_t max_batch_events = 5'000;
  // Worker threads deciding the partitions of a poll (each partition has its
  // own store, so they are independent) while Run fetches the next poll; 1
  // decides them one after the other, still overlapping the fetch.
  size_t threads = 2;
  // The clock timers fire on (business time, as Engine::Tick takes it).
  // nullptr: the system clock.
  std::function<Instant()> now;
  // How often (on that clock) each owned partition's store is ticked; 0 never.
  int64_t tick_interval_ms = 60'000;
  std::shared_ptr<TimerPolicy> timers;  // nullptr: DefaultTimerPolicy()
  // The engine's clock for each partition's store (EngineOptions::clock): it
  // stamps every command's recorded_at. nullptr: the command's issued_at is
  // taken as given (tests that script time). `duban engine` runs on SystemClock().
  std::shared_ptr<const EngineClock> clock;
  core::TimeRules time_rules;  // bounds on claimed (effective) times
};

struct KafkaEngineStats {
  uint64_t commands = 0;       // decided (including rejected and duplicate ids)
  uint64_t undecodable = 0;    // skipped: bad frame or bad command bytes
  uint64_t produced = 0;       // events delivered to duban.events (incl. re-produced)
  uint64_t reproduced = 0;     // of which re-produced at (re)assignment
  uint64_t restored = 0;       // events applied from duban.events at assignment
  uint64_t ticks = 0;          // Engine::Tick calls (one per owned partition per interval)
  uint64_t timer_events = 0;   // events written by those ticks (fired timers)
  bool transactional = false;  // the mode Run uses (Transactions resolved)
  uint64_t transactions = 0;   // transactions committed (one per decided batch, one per tick round)
  uint64_t batches = 0;        // group commits of consumed commands (one per partition per poll that
                               // decided any, more when one passes max_batch_events)
  uint64_t aborted = 0;        // transactions aborted and retried
  uint64_t rebuilt = 0;        // partition stores rebuilt from duban.events (uncommitted tail)
  // Where the time went, in seconds. Run's thread: fetching commands (polls
  // that returned some), waiting for the previous poll to be decided, waiting
  // for deliveries. Workers: deciding, committing and enqueueing (summed over
  // threads). Also logged per poll at debug level.
  uint64_t polls = 0;
  double fetch_seconds = 0;
  double decide_wait_seconds = 0;
  double delivery_wait_seconds = 0;
  double decide_seconds = 0;
};

class KafkaEngine {
 public:
  static Result<std::unique_ptr<KafkaEngine>> Create(const KafkaEngineOptions& options);
  ~KafkaEngine();
  KafkaEngine(const KafkaEngine&) = delete;
  KafkaEngine& operator=(const KafkaEngine&) = delete;

  // Consumes until `stop` is set or a fatal error (returned). Leaves the group
  // and closes every partition's store before returning.
  Status Run(const std::atomic<bool>& stop);
  KafkaEngineStats stats() const;
  // Owned partitions of duban.commands, by partition: the next command offset
  // to decide, the end offset the consumer last fetched and the difference.
  // Thread-safe (no broker request: the fetcher's cached watermarks).
  std::vector<PartitionLag> Lag() const;

  struct Impl;

 private:
  explicit KafkaEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Frames a command as it travels on duban.commands.
std::string CommandRecord(const schemas::Command& c);

// Produces `command` and waits up to timeout_ms for its outcome in
// duban.events. Unavailable on timeout (the command may still be decided later:
// resubmitting the same command id is safe).
Result<Outcome> SubmitViaKafka(const KafkaConfig& cfg, const schemas::Command& command, int timeout_ms);

struct ProjectStats {
  uint64_t records = 0;      // records read from duban.events
  uint64_t appended = 0;     // events applied
  uint64_t duplicates = 0;   // records skipped as already applied
  uint64_t forks = 0;        // known event ids with other content: not applied, logged (AppendResult)
  uint64_t undecodable = 0;  // bad frames / bytes (counted, skipped)
};

// How ProjectEvents shares its store with others (`duban serve` in Kafka
// mode): `guard` runs each write to the store (it takes the server's engine
// mutex); `applied` is called after each write, outside the guard.
struct ProjectHooks {
  std::function<Status(const std::function<Status()>&)> guard;
  std::function<void()> applied;
};

// Reads every partition of duban.events from the offsets stored in `store`'s
// meta ("events.offset.<p>") and applies them with AppendExternal. Without
// `follow` it stops at the end offsets seen when it starts; with it, runs
// until *stop.
Result<ProjectStats> ProjectEvents(const KafkaConfig& cfg, Engine& store, bool follow,
                                   const std::atomic<bool>* stop = nullptr, const ProjectHooks& hooks = {});

}  // namespace duban::kafka
