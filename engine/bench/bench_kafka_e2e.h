// The end-to-end round of `duban-bench kafka`: commands produced to the
// round's own topics, decided by a KafkaEngine running in this process, and
// their events read back and counted. The engine's thread is stopped on every
// path out of a round.
#pragma once

#include <optional>

#include "bench_kafka_brokers.h"
#include "duban/kafka/config.h"

namespace duban::bench {

struct E2eParams {
  int messages = 0;
  int size = 0;        // bytes per command, about
  int partitions = 0;  // raised on a capped broker
};

// Pushes `p.messages` commands of about `p.size` bytes through the engine in
// Kafka mode (command produced to the round's commands topic -> decided ->
// events produced to its events topic -> projection applied) and returns
// events/s, from the first command produced to the last event read; nullopt
// when the round fails, after saying why on stderr.
std::optional<double> RunEndToEnd(const E2eParams& p, const kafka::KafkaConfig& base, BenchBroker& broker, int round);

}  // namespace duban::bench
