// Building librdkafka configurations and mapping its errors; see internal.h.
#include <spdlog/spdlog.h>

#include <string>

#include "internal.h"
#include "duban/log.h"

namespace duban::kafka::internal {

namespace {
// librdkafka's own log lines (connection refused, retries) go to spdlog at
// debug/info so they show with -v only; failures reach callers as Status.
void LogToSpdlog(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  auto lvl = level <= 2 ? spdlog::level::err : level <= 4 ? spdlog::level::info : spdlog::level::debug;
  log::Kafka().log(lvl, "rdkafka {} {}: {}", rk ? rd_kafka_name(rk) : "-", fac, buf);
}
}  // namespace

rd_kafka_conf_t* MakeConf(const KafkaConfig& cfg, const std::map<std::string, std::string>& role, std::string* error) {
  if (cfg.bootstrap.empty()) {
    *error = "no bootstrap servers given";
    return nullptr;
  }
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  auto set = [&](const std::string& k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      *error = k + "=" + v + ": " + errstr;
      return false;
    }
    return true;
  };
  std::map<std::string, std::string> all = {
      {"bootstrap.servers", cfg.bootstrap},
      {"client.id", cfg.client_id},
  };
  for (auto& [k, v] : role) all[k] = v;
  for (auto& [k, v] : cfg.extra) all[k] = v;
  rd_kafka_conf_set_log_cb(conf, &LogToSpdlog);
  for (auto& [k, v] : all) {
    if (!set(k, v)) {
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
  }
  return conf;
}

Status FromError(rd_kafka_resp_err_t err, const std::string& what) {
  std::string msg = what + ": " + rd_kafka_err2str(err);
  switch (err) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
      return Status::Unavailable(std::move(msg));
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
      return Status::InvalidArgument(std::move(msg));
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      return Status::NotFound(std::move(msg));
    default:
      return Status::IOError(std::move(msg));
  }
}

}  // namespace duban::kafka::internal
