// MockCluster: librdkafka's in-memory mock Kafka cluster (rdkafka_mock.h),
// serving the Kafka protocol on 127.0.0.1 at random ports. This is what
// `duban dev-broker` runs; everything else talks to it over TCP from another
// process (a consumer in the mock's own process is very slow).
//
// Guarantees and limits (librdkafka 2.0.2): memory only, a restart loses all;
// no CreateTopics Admin API (topics are made here or auto-created with 4
// partitions on first metadata request); transactions accepted but not
// modelled; set_down/up disconnect a broker but never move leadership (use
// SetLeader for that).
//
// Control protocol (one command per line, one reply line: "ok" or "err MSG"):
//   ping
//   create TOPIC PARTITIONS
//   down BROKER_ID          (-1: all brokers)
//   up BROKER_ID            (-1: all brokers)
//   leader TOPIC PARTITION BROKER_ID   (-1: leaderless)
//   rtt BROKER_ID MS
//   error API_KEY ERRCODE COUNT        (the next COUNT requests of that API fail)
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "duban/status.h"

namespace duban::kafka {

class MockCluster {
 public:
  // REQUIRES: 1 <= brokers <= 3 (ids 1..brokers).
  static Result<std::unique_ptr<MockCluster>> Create(int brokers);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  const std::string& bootstrap() const { return bootstrap_; }
  int brokers() const { return brokers_; }

  // Replication factor is min(brokers, 3).
  Status CreateTopic(const std::string& topic, int partitions);
  Status SetBrokerDown(int32_t broker_id);
  Status SetBrokerUp(int32_t broker_id);
  Status SetLeader(const std::string& topic, int32_t partition, int32_t broker_id);
  Status SetRtt(int32_t broker_id, int rtt_ms);
  Status PushRequestErrors(int16_t api_key, int error_code, int count);

  // Runs one control-protocol line and returns its one-line reply.
  std::string Execute(const std::string& line);

 private:
  MockCluster() = default;
  struct Handles;
  std::unique_ptr<Handles> h_;
  std::string bootstrap_;
  int brokers_ = 0;
  std::mutex mu_;  // serializes control calls
};

}  // namespace duban::kafka
