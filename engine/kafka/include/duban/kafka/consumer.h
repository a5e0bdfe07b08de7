// Consumer: a Kafka consumer in one of two modes.
//  - Group mode (Subscribe): a member of a consumer group. Partitions arrive
//    and leave through rebalances; the caller's RebalanceListener hears of
//    each one inside Poll, before the partitions are revoked and before the
//    assigned ones start fetching, so it can commit its work or choose the
//    offset each new partition starts at (e.g. an offset stored next to the
//    state in RocksDB).
//  - Assign mode (Assign): reads the named partitions, no group management.
// Offsets are never committed automatically: the caller commits (Commit) what
// it has durably applied, or keeps offsets itself.
//
// Thread safety: one thread polls. Close may be called from that thread only.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "duban/kafka/config.h"
#include "duban/status.h"

struct rd_kafka_consumer_group_metadata_s;  // librdkafka's, opaque here

namespace duban::kafka {

enum class RebalanceKind { kAssigned, kRevoked };

// Called from within Poll, and from Close (or the destructor) for the final
// revocation: whatever it captures must outlive the Consumer. On
// kAssigned the listener may set `partitions[i].offset` to the offset to start
// from; left at kOffsetInvalid the group's committed offset is used, else the
// beginning of the partition. On kRevoked offsets are ignored.
using RebalanceListener = std::function<void(RebalanceKind, std::vector<TopicPartition>& partitions)>;

class Consumer {
 public:
  // `group_id` may be empty for assign-only use.
  static Result<std::unique_ptr<Consumer>> Create(const KafkaConfig& cfg, const std::string& group_id);
  ~Consumer();  // calls Close()
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Group mode. The listener is kept until Close.
  Status Subscribe(const std::vector<std::string>& topics, RebalanceListener listener = {});
  // Assign mode: reads exactly these partitions from their offsets.
  Status Assign(const std::vector<TopicPartition>& partitions);

  // Waits up to timeout_ms for the first message, then takes whatever else is
  // already fetched, up to max_messages. Empty when nothing arrived. Transient
  // broker errors are logged and retried by librdkafka. Returned as errors:
  // fatal consumer errors, and Corruption when a requested offset is no
  // longer in the log (messages deleted unread) — never skipped silently.
  Result<std::vector<Message>> Poll(int timeout_ms, size_t max_messages = 1000);
  // For readers that never look at headers: Poll leaves Message::headers
  // empty (librdkafka parses a message's headers, allocating for each, only
  // when asked; copying them out costs more again).
  void SkipHeaders(bool skip = true);

  // Commits `offsets` (each the NEXT offset to read) for the group.
  Status Commit(const std::vector<TopicPartition>& offsets, bool async = false);
  // The group's committed offsets for these partitions (kOffsetInvalid if none).
  Result<std::vector<TopicPartition>> Committed(const std::vector<TopicPartition>& partitions, int timeout_ms);
  // Partitions currently assigned to this member (or Assign'ed).
  Result<std::vector<TopicPartition>> Assignment() const;
  // Low and high watermark (offset of the next message to be written). The
  // consumer reads with isolation.level=read_committed, so "high" is the last
  // stable offset: nothing of an open transaction is counted.
  Result<std::pair<int64_t, int64_t>> Watermarks(const std::string& topic, int32_t partition, int timeout_ms);
  // Low and high watermark as last seen by the fetcher (no request; NotFound
  // before the first fetch response of that partition). Thread-safe.
  Result<std::pair<int64_t, int64_t>> CachedWatermarks(const std::string& topic, int32_t partition) const;
  // The next offset this consumer will read from an assigned partition:
  // past the last message Poll returned and past what the fetcher skipped
  // without returning it (transaction commit/abort markers and aborted
  // records, which take offsets too). So "read to the end" is
  // Position(...) >= Watermarks(...).second, never "last offset + 1 >= high"
  // (which a topic written in transactions never reaches). -1 when unknown.
  int64_t Position(const std::string& topic, int32_t partition) const;

  // The member's group metadata (group, generation, member id) for
  // Producer::SendOffsetsToTransaction; null when closed. Thread-safe.
  std::shared_ptr<rd_kafka_consumer_group_metadata_s> GroupMetadata() const;

  // Leaves the group (revoking through the listener) and closes. Idempotent.
  Status Close();

 private:
  struct Impl;
  explicit Consumer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace duban::kafka
