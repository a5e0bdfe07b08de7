// Topics check: see duban/kafka/topics_check.h.
#include "duban/kafka/topics_check.h"

#include <cstdlib>

namespace duban::kafka {
namespace {

constexpr long long kDayMs = 24LL * 3600 * 1000;

struct Judge {
  std::vector<CheckFinding>& out;
  void Add(CheckLevel l, const std::string& topic, std::string m) { out.push_back({l, topic, std::move(m)}); }
};

std::optional<std::string> Config(const TopicSeen& t, const std::string& key) {
  if (!t.configs) return std::nullopt;
  auto it = t.configs->find(key);
  if (it == t.configs->end()) return std::nullopt;
  return it->second;
}

void CheckReplicas(Judge& j, const TopicSeen& t) {
  int leaderless = 0, under = 0, min_replicas = 1 << 30;
  for (const auto& p : t.partitions) {
    if (p.leader < 0) ++leaderless;
    if (p.in_sync < p.replicas) ++under;
    min_replicas = std::min(min_replicas, p.replicas);
  }
  if (leaderless > 0)
    j.Add(CheckLevel::kFail, t.name,
          std::to_string(leaderless) + " partition(s) without a leader: nothing can be written there");
  else
    j.Add(CheckLevel::kOk, t.name, "every partition has a leader");
  if (under > 0)
    j.Add(CheckLevel::kWarn, t.name,
          std::to_string(under) + " partition(s) under-replicated (fewer replicas in sync than assigned)");
  if (!t.partitions.empty() && min_replicas < 3)
    j.Add(CheckLevel::kWarn, t.name,
          "replication factor " + std::to_string(min_replicas) +
              ": losing a broker's disk loses data; a production cluster needs 3");
  const auto isr = Config(t, "min.insync.replicas");
  if (isr && !t.partitions.empty() && min_replicas >= 3 && std::atoi(isr->c_str()) < 2)
    j.Add(CheckLevel::kFail, t.name,
          "min.insync.replicas=" + *isr + " with " + std::to_string(min_replicas) +
              " replicas: an acknowledged write can live on one broker only (set 2)");
  if (Config(t, "unclean.leader.election.enable") == std::optional<std::string>("true"))
    j.Add(CheckLevel::kFail, t.name,
          "unclean.leader.election.enable=true: a lagging replica may become leader and drop acknowledged writes");
}

void CheckEvents(Judge& j, const TopicSeen& t) {
  if (!t.configs) return;
  const auto policy = Config(t, "cleanup.policy").value_or("");
  if (policy.find("compact") != std::string::npos)
    j.Add(CheckLevel::kFail, t.name,
          "cleanup.policy=" + policy +
              ": compaction keeps only the newest event per plan; the log must keep every event");
  const auto ms = Config(t, "retention.ms").value_or("-1");
  const auto bytes = Config(t, "retention.bytes").value_or("-1");
  if (ms != "-1")
    j.Add(CheckLevel::kFail, t.name,
          "retention.ms=" + ms + ": events older than that would be deleted; the log is the only truth (set -1)");
  if (bytes != "-1")
    j.Add(CheckLevel::kFail, t.name, "retention.bytes=" + bytes + ": old events would be deleted by size (set -1)");
  if (policy.find("compact") == std::string::npos && ms == "-1" && bytes == "-1")
    j.Add(CheckLevel::kOk, t.name, "events are kept forever (retention -1, no compaction)");
}

void CheckCommands(Judge& j, const TopicSeen& t) {
  if (!t.configs) return;
  const auto policy = Config(t, "cleanup.policy").value_or("");
  if (policy.find("compact") != std::string::npos)
    j.Add(CheckLevel::kFail, t.name,
          "cleanup.policy=" + policy + ": compaction drops commands of the same plan before they are decided");
  const auto ms = Config(t, "retention.ms").value_or("-1");
  if (ms != "-1" && std::atoll(ms.c_str()) < kDayMs)
    j.Add(CheckLevel::kWarn, t.name,
          "retention.ms=" + ms +
              ": commands are deleted in less than a day; an engine outage longer than that loses them");
  else
    j.Add(CheckLevel::kOk, t.name,
          "commands are kept " +
              (ms == "-1" ? std::string("forever") : std::to_string(std::atoll(ms.c_str()) / kDayMs) + " day(s)"));
}

}  // namespace

const char* CheckLevelName(CheckLevel level) {
  switch (level) {
    case CheckLevel::kOk:
      return "ok";
    case CheckLevel::kWarn:
      return "warn";
    case CheckLevel::kFail:
      return "FAIL";
  }
  return "?";
}

std::vector<CheckFinding> CheckTopics(const TopicsSeen& seen) {
  std::vector<CheckFinding> out;
  Judge j{out};
  for (const TopicSeen* t : {&seen.commands, &seen.events}) {
    if (!t->exists) {
      j.Add(CheckLevel::kFail, t->name, "does not exist (duban topics create makes it)");
      continue;
    }
    j.Add(CheckLevel::kOk, t->name, "exists with " + std::to_string(t->partitions.size()) + " partition(s)");
    CheckReplicas(j, *t);
    if (!t->configs) j.Add(CheckLevel::kWarn, t->name, "its settings could not be read (" + t->configs_error + ")");
  }
  if (seen.commands.exists && seen.events.exists) {
    if (seen.commands.partitions.size() != seen.events.partitions.size())
      j.Add(CheckLevel::kFail, seen.events.name,
            "has " + std::to_string(seen.events.partitions.size()) + " partitions and " + seen.commands.name + " " +
                std::to_string(seen.commands.partitions.size()) +
                ": a plan's commands and events must share a partition number");
    else
      j.Add(CheckLevel::kOk, seen.events.name, "same partition count as " + seen.commands.name);
  }
  if (seen.events.exists) CheckEvents(j, seen.events);
  if (seen.commands.exists) CheckCommands(j, seen.commands);
  return out;
}

Result<TopicsSeen> ReadTopics(Admin& admin, const KafkaConfig& cfg, int timeout_ms) {
  TopicsSeen seen;
  seen.commands.name = cfg.commands_topic;
  seen.events.name = cfg.events_topic;
  for (TopicSeen* t : {&seen.commands, &seen.events}) {
    auto parts = admin.ListPartitions(t->name, timeout_ms);
    if (!parts.ok()) {
      if (parts.status().code() == Status::Code::kNotFound) continue;
      return parts.status();
    }
    t->exists = true;
    t->partitions = std::move(*parts);
    auto configs = admin.DescribeTopicConfigs(t->name, timeout_ms);
    if (configs.ok())
      t->configs = std::move(*configs);
    else
      t->configs_error = configs.status().ToString();
  }
  return seen;
}

}  // namespace duban::kafka
