// KafkaEngine::Impl, the engine in Kafka mode (see kafka_engine.h), shared
// by its three parts: kafka_engine.cc (rebalances, polls decided by worker
// threads, the public methods), partition_open.cc (partitions opened and
// caught up) and kafka_produce.cc (a decided log range produced to
// duban.events, in a transaction per partition in transactional mode).
// Internal to engine/kafka; its thread rules are those written on each member.
#pragma once

#include <atomic>
#include <climits>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "duban/engine.h"
#include "duban/kafka/consumer.h"
#include "duban/kafka/kafka_engine.h"
#include "duban/kafka/producer.h"

namespace duban::kafka {

struct KafkaEngine::Impl {
  KafkaEngineOptions o;
  std::unique_ptr<Producer> producer;  // idempotent mode (null in transactional mode)
  std::unique_ptr<Consumer> consumer;
  bool transactional = false;
  // Transactional mode: one producer per owned partition (transactional.id
  // "<group>-p<N>"), created and initialised (which fences the previous
  // owner) when the partition is assigned, destroyed when it is revoked.
  std::map<int32_t, std::unique_ptr<Producer>> txn;
  // Per partition of duban.commands (by index): the next command offset
  // decided, kNotOwned when another engine owns it. Written by the rebalance
  // listener and the workers, read by Lag() from any thread.
  static constexpr int64_t kNotOwned = INT64_MIN;
  std::unique_ptr<std::atomic<int64_t>[]> decided;
  int32_t command_partitions = 0;
  void SetDecided(int32_t p, int64_t next) {
    if (p >= 0 && p < command_partitions) decided[p].store(next);
  }
  std::map<int32_t, std::unique_ptr<Engine>> engines;
  std::map<int32_t, int64_t> next_cmd;  // next command offset expected per partition
  std::map<int32_t, uint64_t> epoch;    // which opening of each partition's store is current
  uint64_t openings = 0;
  KafkaEngineStats stats;
  Status fatal;  // set inside the rebalance listener, returned by Run

  std::string Dir(int32_t p) const { return o.data_dir + "/partition-" + std::to_string(p); }
  std::string OffsetKey(int32_t p) const { return "cmd.offset." + std::to_string(p); }

  // Production of one partition's new log range, in flight.
  struct Pending {
    int32_t p = -1;
    uint64_t epoch = 0;                      // which opening of partition p's store enqueued it
    uint64_t poll = 0;                       // which poll of Run enqueued it
    uint64_t commands = 0, undecodable = 0;  // counted by Process, added to stats by Run
    uint64_t transactions = 0, aborted = 0;  // likewise
    uint64_t end = 0;                        // LogEnd when enqueued: produced.end once delivered
    bool again = false;
    DeliveryGroup group;  // one counter for the whole range, not a future per event
  };

  // Enqueued productions not yet completed, oldest first (Run pipelines them).
  std::deque<Pending> inflight;

  // What to produce a log position with: the Kafka key (the event's stream),
  // its source command's offset and how many events that command has.
  struct RecordInfo {
    const std::string* key = nullptr;
    int64_t cmd_offset = -1;
    uint32_t cmd_events = 0;
  };

  // Where each log position of [from, end) came from, read off the outcomes of
  // the SubmitBatch that wrote it (outcome i decided cmds[i], consumed at
  // offsets[i]): no need to decode the records again. False when some
  // position is not accounted for (then the caller decodes).
  bool InfoFromOutcomes(uint64_t from, uint64_t end, const std::vector<Outcome>& outcomes,
                        const std::vector<int64_t>& offsets, const std::string& rejected_stream,
                        std::vector<RecordInfo>* info) const;

  // Enqueues log positions [from, LogEnd) of partition p's engine for
  // duban.events partition p. The bytes produced are the log records as
  // stored (FrameRecord(EncodeEvent(e)), see Engine::ScanLogRecords), so
  // nothing is decoded or encoded again. `outcomes`/`offsets`: the batch that
  // wrote the range, if known; otherwise (re-production) each record is
  // decoded for its key and command, and `fallback_offset` is the source
  // offset header.
  // `records`: the range's log records as the batch wrote them, if known
  // (then the store is not read back).
  Result<Pending> Enqueue(int32_t p, Engine& e, uint64_t from, const std::vector<Outcome>* outcomes,
                          const std::vector<int64_t>* offsets, int64_t fallback_offset, bool again, Producer& out,
                          const std::vector<std::string>* records = nullptr);

  // The fencing and batching tests' pause: see KafkaEngineOptions::hold_file.
  void Hold(int32_t p) const;
  mutable std::atomic<uint64_t> productions_seen{0};  // Hold's count

  std::string TransactionalId(int32_t p) const { return o.group + "-p" + std::to_string(p); }

  // Produces log positions [from, LogEnd) of partition p (see Enqueue). In
  // transactional mode as one transaction with `next_offset` (the next
  // command offset of p, if >= 0) sent to it, committed before this returns;
  // an abortable failure is aborted and retried, a fenced producer returns
  // Conflict (another engine owns p: this one must stop).
  Result<Pending> Send(int32_t p, Engine& e, uint64_t from, const std::vector<Outcome>* outcomes,
                       const std::vector<int64_t>* offsets, int64_t fallback_offset, int64_t next_offset,
                       const std::vector<std::string>* records = nullptr);

  // Waits for the deliveries, then records produced.end and events.read in
  // the partition's store (if the store that enqueued them is still open: a
  // revoked partition records nothing and produces again next time, which is
  // harmless).
  Status Complete(Pending& pending, Engine* e);

  // The store `pending` was enqueued from, if it is still open. A partition
  // revoked and assigned again meanwhile has a new store (its opening
  // re-produced the range and recorded its own produced.end / events.read,
  // which an older Pending must not move back).
  Engine* StoreOf(const Pending& pending);

  // Opens partition p's store, re-produces what was not produced, catches up
  // from duban.events and returns the command offset to resume at.
  Result<int64_t> OpenPartition(int32_t p);
  // Transactional mode: creates and initialises partition p's producer,
  // which fences the previous owner.
  Status FencePreviousOwner(int32_t p);
  EngineOptions PartitionStoreOptions(int32_t p) const;
  // Closes `store`, keeps it aside as <dir>.discarded and opens an empty one
  // in its place (to be rebuilt from duban.events).
  Result<std::unique_ptr<Engine>> ReopenDiscarding(int32_t p, const EngineOptions& eo, std::unique_ptr<Engine> store,
                                                   int64_t produced_end);
  // Idempotent mode: produces again what `e` holds from `produced_end` on.
  Status ReproduceTail(int32_t p, Engine& e, int64_t produced_end, int64_t cmd_offset);

  void OnRebalance(RebalanceKind kind, std::vector<TopicPartition>& parts);

  // Decides and commits one partition's commands of a poll and enqueues their
  // events: in batches of at most max_batch_events expected events, each
  // with its own Pending, oldest first (each batch's records and outcomes
  // are freed before the next is decided). Touches only partition p's store
  // and next_cmd entry (and the thread-safe producers), so Run calls it for
  // several partitions at once. A failure after some batches were produced
  // returns the failure alone: a restart produces again (or, in
  // transactional mode, rebuilds from duban.events) what their records
  // would have confirmed, as after a crash.
  Result<std::vector<Pending>> Process(int32_t p, const std::vector<const Message*>& msgs);

  // Fires the due timers of every owned partition and enqueues their events
  // (in flight with the poll's, completed in the same order).
  Status TickAll(Instant now, uint64_t poll);

  // A poll being decided by worker threads while Run fetches the next one.
  struct Deciding {
    uint64_t poll = 0;
    std::vector<Message> msgs;  // owned here: the workers point into it
    std::map<int32_t, std::vector<const Message*>> by_partition;
    std::vector<std::pair<int32_t, const std::vector<const Message*>*>> work;
    std::vector<std::optional<Result<std::vector<Pending>>>> done;
    std::atomic<size_t> next{0};
    std::atomic<int64_t> busy_ns{0};  // workers' time in Process
    std::vector<std::thread> threads;
  };
  std::unique_ptr<Deciding> deciding;
  Status decide_error;  // the first failure of a decided poll

  // Starts deciding a poll's partitions on worker threads (each partition has
  // its own store, so they are independent).
  void StartDeciding(uint64_t poll, std::vector<Message> msgs);

  // Waits for the poll being decided, if any, and queues its productions in
  // partition order (or records its first failure in decide_error).
  void FinishDeciding();

  // Completes the productions in flight, oldest first: those already
  // delivered, and (waiting for them) those of polls before `before`. In
  // order, so each partition's produced.end only moves forward.
  Status Drain(uint64_t before);

  // When Run last ticked the stores.
  struct TickSchedule {
    Instant last_tick = 0;
    uint64_t ticked_openings = 0;  // openings at the last tick
  };
  // Ticks the stores when tick_interval_ms has passed, the clock went back,
  // or a partition was opened since the last tick.
  Status TickIfDue(uint64_t poll, TickSchedule& schedule);

  // One round of Run's pipeline: fetches poll `poll`, finishes deciding the
  // one before, ticks, completes the deliveries of the one before that and
  // starts deciding this one. An error ends Run.
  Status RunPoll(uint64_t poll, TickSchedule& schedule);
};

}  // namespace duban::kafka
