// Admin: see duban/kafka/admin.h.
#include "duban/kafka/admin.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "internal.h"
#include "duban/log.h"

namespace duban::kafka {

std::vector<TopicSpec> DubanTopicSpecs(const KafkaConfig& cfg) {
  TopicSpec events{cfg.events_topic,
                   cfg.partitions,
                   cfg.replication_factor,
                   {
                       // The log is the only truth: never delete by age or size.
                       {"cleanup.policy", "delete"},
                       {"retention.ms", "-1"},
                       {"retention.bytes", "-1"},
                       // An event is acknowledged only once on a quorum.
                       {"min.insync.replicas", cfg.replication_factor == 1 ? "1" : "2"},
                       {"unclean.leader.election.enable", "false"},
                       // Broker keeps the producer's timestamp (the engine's recorded_at).
                       {"message.timestamp.type", "CreateTime"},
                   }};
  TopicSpec commands{cfg.commands_topic,
                     cfg.partitions,
                     cfg.replication_factor,
                     {
                         // Commands are inputs, not truth: their effect lives in
                         // events. Seven days covers any engine outage.
                         {"cleanup.policy", "delete"},
                         {"retention.ms", "604800000"},
                         {"min.insync.replicas", cfg.replication_factor == 1 ? "1" : "2"},
                         {"unclean.leader.election.enable", "false"},
                     }};
  if (cfg.replication_factor == -1) {
    // Unknown cluster size: let the broker's default.replication.factor and
    // min.insync.replicas apply rather than guessing.
    events.configs.erase("min.insync.replicas");
    commands.configs.erase("min.insync.replicas");
  }
  return {commands, events};
}

struct Admin::Impl {
  rd_kafka_t* rk = nullptr;
};

Admin::Admin(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Admin::~Admin() {
  if (impl_ && impl_->rk) rd_kafka_destroy(impl_->rk);
}

Result<std::unique_ptr<Admin>> Admin::Create(const KafkaConfig& cfg) {
  std::string error;
  rd_kafka_conf_t* conf = internal::MakeConf(cfg, {}, &error);
  if (!conf) return Status::InvalidArgument("kafka admin config: " + error);
  char errstr[512];
  auto impl = std::make_unique<Impl>();
  impl->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!impl->rk) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("kafka admin: ") + errstr);
  }
  return std::unique_ptr<Admin>(new Admin(std::move(impl)));
}

Result<std::map<std::string, int>> Admin::ListTopics(int timeout_ms) {
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_resp_err_t err = rd_kafka_metadata(impl_->rk, 1, nullptr, &md, timeout_ms))
    return internal::FromError(err, "metadata");
  std::map<std::string, int> out;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    if (t.err || std::string_view(t.topic).substr(0, 2) == "__") continue;
    out[t.topic] = t.partition_cnt;
  }
  rd_kafka_metadata_destroy(md);
  return out;
}

Result<std::vector<PartitionInfo>> Admin::ListPartitions(const std::string& topic, int timeout_ms) {
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_resp_err_t err = rd_kafka_metadata(impl_->rk, 1, nullptr, &md, timeout_ms))
    return internal::FromError(err, "metadata");
  std::vector<PartitionInfo> out;
  bool found = false;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    if (topic != t.topic || t.err) continue;
    found = true;
    for (int p = 0; p < t.partition_cnt; ++p)
      out.push_back(PartitionInfo{t.partitions[p].id, t.partitions[p].leader, t.partitions[p].replica_cnt,
                                  t.partitions[p].isr_cnt});
  }
  rd_kafka_metadata_destroy(md);
  if (!found) return Status::NotFound("topic " + topic + " does not exist");
  return out;
}

Result<std::map<std::string, std::string>> Admin::DescribeTopicConfigs(const std::string& topic, int timeout_ms) {
  char errstr[512];
  rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  rd_kafka_queue_t* q = rd_kafka_queue_new(impl_->rk);
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(impl_->rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
  rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, errstr, sizeof errstr);
  rd_kafka_DescribeConfigs(impl_->rk, &resource, 1, opts, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, timeout_ms + 5000);
  Result<std::map<std::string, std::string>> result =
      Status::Unavailable("settings of topic " + topic + ": no answer from the cluster");
  if (ev) {
    if (rd_kafka_resp_err_t err = rd_kafka_event_error(ev)) {
      result = internal::FromError(err, "settings of topic " + topic + " (" + rd_kafka_event_error_string(ev) + ")");
    } else {
      const rd_kafka_DescribeConfigs_result_t* res = rd_kafka_event_DescribeConfigs_result(ev);
      size_t n = 0;
      const rd_kafka_ConfigResource_t** rs = rd_kafka_DescribeConfigs_result_resources(res, &n);
      if (n == 1 && rd_kafka_ConfigResource_error(rs[0])) {
        const char* es = rd_kafka_ConfigResource_error_string(rs[0]);
        result = internal::FromError(rd_kafka_ConfigResource_error(rs[0]),
                                     "settings of topic " + topic + (es ? std::string(" (") + es + ")" : ""));
      } else if (n == 1) {
        std::map<std::string, std::string> out;
        size_t entries = 0;
        const rd_kafka_ConfigEntry_t** es = rd_kafka_ConfigResource_configs(rs[0], &entries);
        for (size_t i = 0; i < entries; ++i) {
          const char* v = rd_kafka_ConfigEntry_value(es[i]);
          out[rd_kafka_ConfigEntry_name(es[i])] = v ? v : "";
        }
        result = std::move(out);
      }
    }
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_queue_destroy(q);
  rd_kafka_ConfigResource_destroy(resource);
  return result;
}

namespace {

// The NewTopic handles of one CreateTopics request, destroyed with it.
struct NewTopics {
  std::vector<rd_kafka_NewTopic_t*> handles;
  NewTopics() = default;
  NewTopics(const NewTopics&) = delete;
  NewTopics& operator=(const NewTopics&) = delete;
  ~NewTopics() { rd_kafka_NewTopic_destroy_array(handles.data(), handles.size()); }
};

Status AddNewTopic(const TopicSpec& s, NewTopics& nts) {
  char errstr[512];
  rd_kafka_NewTopic_t* nt =
      rd_kafka_NewTopic_new(s.name.c_str(), s.partitions, s.replication_factor, errstr, sizeof errstr);
  if (!nt) return Status::InvalidArgument("topic " + s.name + ": " + errstr);
  nts.handles.push_back(nt);
  for (auto& [k, v] : s.configs)
    if (rd_kafka_resp_err_t err = rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str()))
      return internal::FromError(err, "topic " + s.name + " config " + k);
  return Status::Ok();
}

// The cluster's answer, topic by topic; the first topic that failed fails it.
Result<std::vector<TopicResult>> CreateTopicsAnswer(rd_kafka_event_t* ev) {
  if (rd_kafka_resp_err_t err = rd_kafka_event_error(ev))
    return internal::FromError(err, std::string("create topics (") + rd_kafka_event_error_string(ev) + ")");
  const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
  size_t n = 0;
  const rd_kafka_topic_result_t** trs = rd_kafka_CreateTopics_result_topics(res, &n);
  std::vector<TopicResult> out;
  for (size_t i = 0; i < n; ++i) {
    std::string name = rd_kafka_topic_result_name(trs[i]);
    rd_kafka_resp_err_t err = rd_kafka_topic_result_error(trs[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out.push_back({name, TopicOutcome::kCreated, 0});
    } else if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      out.push_back({name, TopicOutcome::kAlreadyExists, 0});
    } else {
      const char* es = rd_kafka_topic_result_error_string(trs[i]);
      return internal::FromError(err, "create topic " + name + (es ? std::string(" (") + es + ")" : ""));
    }
  }
  return out;
}

Result<std::vector<TopicResult>> RequestCreateTopics(rd_kafka_t* rk, NewTopics& nts, int timeout_ms) {
  char errstr[512];
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, errstr, sizeof errstr);
  rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, errstr, sizeof errstr);
  rd_kafka_CreateTopics(rk, nts.handles.data(), nts.handles.size(), opts, q);
  // The request itself has a timeout; wait a little longer for its result.
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, timeout_ms + 5000);
  Result<std::vector<TopicResult>> result = Status::Unavailable("create topics: no answer from the cluster");
  if (ev) {
    result = CreateTopicsAnswer(ev);
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_queue_destroy(q);
  return result;
}

Result<std::vector<TopicResult>> CreateNewTopics(rd_kafka_t* rk, const std::vector<TopicSpec>& specs, int timeout_ms) {
  NewTopics nts;
  for (auto& s : specs)
    if (Status st = AddNewTopic(s, nts); !st.ok()) return st;
  return RequestCreateTopics(rk, nts, timeout_ms);
}

// A created topic reaches the brokers' metadata, and its partitions their
// leaders, a moment after CreateTopics answers: wait for that, so that what
// the caller does next (produce, check, consume) finds the topic ready.
void WaitForLeaders(Admin& admin, const std::vector<TopicResult>& results, int timeout_ms) {
  const auto ready_by = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (const auto& r : results) {
    if (r.outcome != TopicOutcome::kCreated) continue;
    for (;;) {
      auto parts = admin.ListPartitions(r.name, timeout_ms);
      const bool ready =
          parts.ok() && !parts->empty() &&
          std::all_of(parts->begin(), parts->end(), [](const PartitionInfo& p) { return p.leader >= 0; });
      if (ready) break;
      if (std::chrono::steady_clock::now() >= ready_by) {
        log::Kafka().warn("topic {} was created but has no leader for every partition yet", r.name);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

}  // namespace

Result<std::vector<TopicResult>> Admin::CreateTopics(const std::vector<TopicSpec>& all_specs, int timeout_ms) {
  // Look first, so that existing topics need no CreateTopics support (the
  // mock cluster has none) and a re-run is a no-op.
  auto existing = ListTopics(timeout_ms);
  if (!existing.ok()) return existing.status();
  std::vector<TopicResult> known;
  std::vector<TopicSpec> specs;
  for (auto& s : all_specs) {
    if (auto it = existing->find(s.name); it != existing->end())
      known.push_back({s.name, TopicOutcome::kAlreadyExists, it->second});
    else
      specs.push_back(s);
  }
  if (specs.empty()) return known;
  auto result = CreateNewTopics(impl_->rk, specs, timeout_ms);
  if (!result.ok()) return result;
  WaitForLeaders(*this, result.value(), timeout_ms);
  result->insert(result->begin(), known.begin(), known.end());
  // Fill in partition counts (for existing topics they may differ from the spec).
  auto topics = ListTopics(timeout_ms);
  if (topics.ok())
    for (auto& r : result.value())
      if (auto it = topics->find(r.name); it != topics->end() && r.partitions == 0) r.partitions = it->second;
  return result;
}

Result<std::string> Admin::ClusterId(int timeout_ms) {
  char* id = rd_kafka_clusterid(impl_->rk, timeout_ms);
  if (!id) return Status::Unavailable("no cluster id within " + std::to_string(timeout_ms) + " ms");
  std::string out(id);
  rd_kafka_mem_free(impl_->rk, id);
  return out;
}

}  // namespace duban::kafka
