// The exactly-once baseline of `duban-bench kafka`: the engine's Kafka
// pattern with no engine in it. Messages of the commands' size are read by a
// consumer-group member; per poll and partition, that partition's own
// transactional producer (a transactional.id per partition, as the engine's)
// begins a transaction, copies each message to the same partition of an
// output topic, sends the consumer offsets and commits, the partitions of a
// poll on two threads (as the engine decides them); a read_committed reader
// counts the copies. What Kafka's exactly-once costs on the broker at hand,
// so that e2e / eos says what the engine itself adds.
#pragma once

#include <optional>

#include "bench_kafka_brokers.h"
#include "duban/kafka/config.h"

namespace duban::bench {

struct EosParams {
  int messages = 0;
  int size = 0;
  int partitions = 0;
  int threads = 2;  // the engine's default (KafkaEngineOptions::threads)
};

// Copies `p.messages` messages through transactions as above and returns
// messages/s from the first poll to the last copy read; nullopt when the
// round fails, after saying why on stderr. Only meaningful on a broker that
// implements transactions (not the dev broker).
std::optional<double> RunEos(const EosParams& p, const kafka::KafkaConfig& base, BenchBroker& broker, int round);

}  // namespace duban::bench
