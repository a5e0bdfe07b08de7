// `duban topics check`: whether the cluster's duban topics are what the
// engine relies on (docs: ops/kafka/topics.md). The rules are pure: they judge
// what Admin read (TopicsSeen) and say, per finding, whether it breaks a
// guarantee (kFail: e.g. events that would be deleted by age, partition counts
// that differ), weakens one (kWarn: one replica, under-replicated), or holds.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "duban/kafka/admin.h"
#include "duban/kafka/config.h"

namespace duban::kafka {

struct TopicSeen {
  std::string name;
  bool exists = false;
  std::vector<PartitionInfo> partitions;
  // nullopt when the broker could not say (no DescribeConfigs: the dev broker).
  std::optional<std::map<std::string, std::string>> configs;
  std::string configs_error;
};

struct TopicsSeen {
  TopicSeen commands;
  TopicSeen events;
};

enum class CheckLevel { kOk, kWarn, kFail };

struct CheckFinding {
  CheckLevel level = CheckLevel::kOk;
  std::string topic;
  std::string message;
};

std::vector<CheckFinding> CheckTopics(const TopicsSeen& seen);

// Reads what CheckTopics judges from the cluster: existence, partitions with
// their replicas, and settings.
Result<TopicsSeen> ReadTopics(Admin& admin, const KafkaConfig& cfg, int timeout_ms);

const char* CheckLevelName(CheckLevel level);

}  // namespace duban::kafka
