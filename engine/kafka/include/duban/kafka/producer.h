// Producer: an idempotent, acks=all Kafka producer that never loses a message
// silently. Every Produce either fails at once (returned Status) or ends in a
// delivery report: a future the caller asked for, or an entry in the failure
// list that Flush returns. Keys are partitioned with murmur2 like the Java
// client, so a plan id lands on the same partition whoever produced it.
//
// Thread safety: Produce, ProduceAsync and Flush may be called from several
// threads. A background thread serves delivery reports, so futures complete
// without the caller polling.
#pragma once

#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "duban/kafka/config.h"
#include "duban/status.h"

namespace duban::kafka {

// Where a delivered message landed.
struct Delivery {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
};

// A message that was not delivered, as reported by Flush.
struct DeliveryFailure {
  std::string topic;
  std::string key;
  Status status;
};

class Consumer;

// The outcome of a transaction call, classified as librdkafka does: a
// retriable failure may be retried as is, an abortable one needs
// AbortTransaction before the next BeginTransaction, a fatal one leaves the
// producer unusable. `fenced`: fatal because a newer producer with the same
// transactional.id exists (another process owns the work now).
struct TxnStatus {
  Status status;
  bool retriable = false, abortable = false, fatal = false, fenced = false;
  bool ok() const { return status.ok(); }
};

// Choose the partition from the key (-1) or name it.
inline constexpr int32_t kAnyPartition = -1;

// The partition a keyed Produce with kAnyPartition chooses among
// `partitions` (librdkafka's murmur2, the Java client's default), or
// kAnyPartition (-1) when `partitions` < 1.
int32_t PartitionForKey(std::string_view key, int32_t partitions);

// The delivery reports of a group of messages, counted together: one counter
// per batch instead of a future per message (ProduceAsync), which costs a
// shared state, a mutex and a condition variable each. Thread-safe.
class DeliveryGroup {
 public:
  DeliveryGroup();  // copies share one count
  // True once every message produced into the group has its report.
  bool Done() const;
  // Waits up to timeout_ms (-1: forever) for Done().
  bool Wait(int timeout_ms = -1) const;
  // Messages produced into the group (enqueued successfully).
  int64_t size() const;
  // The first failure reported (Ok while none), and the highest offset
  // delivered (-1 while none).
  Status status() const;
  int64_t max_offset() const;

  struct State;  // defined in producer.cc (the delivery callback updates it)

 private:
  friend class Producer;
  std::shared_ptr<State> state_;
};

class Producer {
 public:
  // Connects lazily: creation succeeds without a reachable broker; failures
  // show up as delivery errors after message_timeout_ms.
  static Result<std::unique_ptr<Producer>> Create(const KafkaConfig& cfg);
  ~Producer();  // flushes for up to 5 s; undelivered messages are logged
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Enqueues a message. Blocks while the local queue is full (up to
  // message_timeout_ms). The outcome of a successful enqueue is reported by
  // Flush (failures only).
  Status Produce(std::string_view topic, std::string_view key, std::string_view value, const Headers& headers = {},
                 int32_t partition = kAnyPartition);

  // Same, with a future resolved by the delivery report (offset on success).
  // A failure to enqueue is returned in the future as well.
  std::future<Result<Delivery>> ProduceAsync(std::string_view topic, std::string_view key, std::string_view value,
                                             const Headers& headers = {}, int32_t partition = kAnyPartition);

  // Same, reporting into `group` (created by the caller, may be shared by
  // many messages). A failure to enqueue is returned and not counted.
  Status Produce(std::string_view topic, std::string_view key, std::string_view value, const Headers& headers,
                 int32_t partition, DeliveryGroup& group);

  // Waits until every message enqueued so far has a delivery report, then
  // returns the failures collected since the last Flush (and clears them).
  // Unavailable if the queue did not drain within timeout_ms.
  Result<std::vector<DeliveryFailure>> Flush(int timeout_ms);

  // Messages enqueued but not yet reported.
  int64_t InFlight() const;

  // Transactions: only for a producer whose config names a
  // transactional.id (KafkaConfig::extra). InitTransactions once (it fences
  // any older producer with the same id and aborts its open transaction),
  // then Begin, Produce..., SendOffsetsToTransaction, Commit (which waits
  // for every delivery) or Abort. Not for the dev broker: librdkafka's mock
  // accepts the calls but models none of it.
  TxnStatus InitTransactions(int timeout_ms);
  TxnStatus BeginTransaction();
  // Commits `offsets` (the NEXT offsets to read) for `consumer`'s group as
  // part of the open transaction.
  TxnStatus SendOffsetsToTransaction(const std::vector<TopicPartition>& offsets, const Consumer& consumer,
                                     int timeout_ms);
  TxnStatus CommitTransaction(int timeout_ms);
  TxnStatus AbortTransaction(int timeout_ms);

  // True once a newer producer with the same transactional.id fenced this one.
  bool Fenced() const;

  // Set when librdkafka raised a fatal error (e.g. idempotence broken): the
  // producer is unusable and must be recreated.
  Status FatalError() const;

 private:
  struct Impl;
  explicit Producer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace duban::kafka
