// Helpers shared by the engine, the client and the read model of Kafka mode
// (kafka_engine.cc, partition_open.cc, kafka_client.cc, read_model.cc). Private to duban_kafka.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "duban/engine.h"
#include "duban/kafka/config.h"
#include "duban/schemas/events.h"
#include "duban/status.h"

namespace duban::kafka::internal {

// The value of header `name` ("" when absent).
std::string HeaderValue(const Headers& h, const std::string& name);
// s as a number, dflt when empty or not a number.
int64_t ToI64(const std::string& s, int64_t dflt);
// A meta value of the store as a number (dflt when absent).
Result<int64_t> MetaI64(const Engine& e, const std::string& key, int64_t dflt);
// Decodes one duban.events record (frame checked first).
Result<schemas::Event> DecodeEventRecord(std::string_view value);
// How many partitions `topic` has.
Result<int> PartitionCount(const KafkaConfig& cfg, const std::string& topic);

}  // namespace duban::kafka::internal
