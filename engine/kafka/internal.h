// Private helpers shared by the wrappers' .cc files: building librdkafka
// configurations from KafkaConfig and mapping librdkafka errors to Status.
#pragma once

#include <librdkafka/rdkafka.h>

#include <map>
#include <string>

#include "duban/kafka/config.h"
#include "duban/status.h"

namespace duban::kafka::internal {

// Builds a conf: common settings from `cfg`, then `role` (per-client-kind
// defaults), then cfg.extra. On failure returns nullptr and sets *error.
rd_kafka_conf_t* MakeConf(const KafkaConfig& cfg, const std::map<std::string, std::string>& role, std::string* error);

// Maps a librdkafka error code to a Status (transport-ish codes become
// Unavailable, the rest IOError), prefixed with `what`.
Status FromError(rd_kafka_resp_err_t err, const std::string& what);

// Frees an rd_kafka_topic_partition_list_t on scope exit.
struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    if (l) rd_kafka_topic_partition_list_destroy(l);
  }
};

}  // namespace duban::kafka::internal
