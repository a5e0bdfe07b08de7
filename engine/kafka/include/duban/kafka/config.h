// KafkaConfig and the plain value types shared by the Kafka wrappers
// (messages, headers, topic-partition offsets). No librdkafka types leak out
// of this header, so callers need not include rdkafka.h.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace duban::kafka {

// Where and how to talk to Kafka. One plain struct with defaults; loaded from a
// config file or flags by the caller.
struct KafkaConfig {
  std::string bootstrap;  // "host:port[,host:port]"; required
  std::string client_id = "duban";
  std::string commands_topic = "duban.commands";
  std::string events_topic = "duban.events";
  int partitions = 4;           // used when creating the topics
  int replication_factor = -1;  // -1: broker default
  // Low so that a dead member's partitions move within seconds; the mock
  // cluster needs about session_timeout_ms - 1 s per rebalance.
  int session_timeout_ms = 6000;
  int message_timeout_ms = 30000;  // producer: give up (and report) after this
  // Raw librdkafka properties applied last (they override the above).
  std::map<std::string, std::string> extra;
};

// Special offsets (same values as librdkafka's RD_KAFKA_OFFSET_*).
inline constexpr int64_t kOffsetBeginning = -2;
inline constexpr int64_t kOffsetEnd = -1;
inline constexpr int64_t kOffsetStored = -1000;   // the group's committed offset
inline constexpr int64_t kOffsetInvalid = -1001;  // "not set"

using Headers = std::vector<std::pair<std::string, std::string>>;

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = kOffsetInvalid;  // meaning depends on the call (next offset to read/commit)
  bool operator==(const TopicPartition&) const = default;
};

// One consumed record. Bytes are copied out of librdkafka's buffer.
struct Message {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string value;
  int64_t timestamp_ms = -1;  // -1 when the broker gave none
  Headers headers;
};

}  // namespace duban::kafka
