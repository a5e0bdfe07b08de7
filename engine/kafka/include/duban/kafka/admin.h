// Admin: topic creation and cluster metadata over the Kafka Admin API.
// Creation is idempotent: an existing topic is reported, not an error.
// Metadata reads ask for all topics, so they never trigger auto-creation.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "duban/kafka/config.h"
#include "duban/status.h"

namespace duban::kafka {

struct TopicSpec {
  std::string name;
  int partitions = 1;
  int replication_factor = -1;                 // -1: broker default
  std::map<std::string, std::string> configs;  // e.g. retention.ms
};

enum class TopicOutcome { kCreated, kAlreadyExists };

struct TopicResult {
  std::string name;
  TopicOutcome outcome = TopicOutcome::kCreated;
  int partitions = 0;  // for kAlreadyExists: the existing count (may differ from the spec)
};

struct PartitionInfo {
  int32_t id = 0;
  int32_t leader = -1;  // broker id, -1 when leaderless
  int replicas = 0;     // replication factor of this partition
  int in_sync = 0;      // replicas in sync with the leader
};

// The settings `duban topics create` gives the two topics (documented in
// ops/kafka/topics.md): events are kept forever, commands for 7 days.
std::vector<TopicSpec> DubanTopicSpecs(const KafkaConfig& cfg);

class Admin {
 public:
  static Result<std::unique_ptr<Admin>> Create(const KafkaConfig& cfg);
  ~Admin();
  Admin(const Admin&) = delete;
  Admin& operator=(const Admin&) = delete;

  // Creates each topic, or reports it as already existing. Fails (naming the
  // topic) on the first other error, e.g. a broker that lacks CreateTopics.
  Result<std::vector<TopicResult>> CreateTopics(const std::vector<TopicSpec>& specs, int timeout_ms);

  // All topics and their partition counts (internal "__" topics excluded).
  Result<std::map<std::string, int>> ListTopics(int timeout_ms);
  // Partitions of one topic with their leaders; NotFound if it does not exist.
  Result<std::vector<PartitionInfo>> ListPartitions(const std::string& topic, int timeout_ms);
  // A topic's settings as the broker applies them (its defaults included).
  // Unavailable from a broker without DescribeConfigs (the dev broker).
  Result<std::map<std::string, std::string>> DescribeTopicConfigs(const std::string& topic, int timeout_ms);
  // The cluster id from the metadata (librdkafka's mock cluster, the dev
  // broker, calls itself "mockCluster...").
  Result<std::string> ClusterId(int timeout_ms);

 private:
  struct Impl;
  explicit Admin(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace duban::kafka
