// The brokers `duban-bench kafka` measures through: the dev broker (librdkafka's
// mock, a child process) and Apache Kafka (one KRaft node started by
// ops/kafka/broker.sh). Each makes the run's topics and names the process
// whose CPU the figures count; destroying one stops its broker. Also the
// settings the benchmark's readers use with either.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "duban/kafka/admin.h"
#include "duban/kafka/config.h"
#include "duban/kafka/dev_broker_process.h"
#include "duban/status.h"

namespace duban::bench {

class BenchBroker {
 public:
  virtual ~BenchBroker() = default;
  virtual const char* name() const = 0;  // "dev" | "real"
  virtual const std::string& bootstrap() const = 0;
  virtual pid_t pid() const = 0;
  virtual Status CreateTopic(const std::string& topic, int partitions) = 0;
  // librdkafka 2.0.2's mock keeps only the newest 5 MiB of a partition.
  virtual bool capped() const = 0;
  // Whether transactions are real (the mock accepts the calls and models
  // none of them: no fencing, no markers, no coordinator).
  virtual bool transactional() const = 0;
};

class DevBenchBroker : public BenchBroker {
 public:
  explicit DevBenchBroker(std::unique_ptr<kafka::DevBrokerProcess> p) : p_(std::move(p)) {}
  ~DevBenchBroker() override { (void)p_->Stop(); }
  const char* name() const override { return "dev"; }
  const std::string& bootstrap() const override { return p_->bootstrap(); }
  pid_t pid() const override { return p_->pid(); }
  Status CreateTopic(const std::string& topic, int partitions) override { return p_->CreateTopic(topic, partitions); }
  bool capped() const override { return true; }
  bool transactional() const override { return false; }

 private:
  std::unique_ptr<kafka::DevBrokerProcess> p_;
};

// Apache Kafka, one node, by the script users and tests start it with.
class RealBenchBroker : public BenchBroker {
 public:
  static Result<std::unique_ptr<RealBenchBroker>> Start();
  ~RealBenchBroker() override;
  const char* name() const override { return "real"; }
  const std::string& bootstrap() const override { return bootstrap_; }
  pid_t pid() const override { return pid_; }
  Status CreateTopic(const std::string& topic, int partitions) override;
  bool capped() const override { return false; }
  bool transactional() const override { return true; }

 private:
  explicit RealBenchBroker(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_, bootstrap_;
  pid_t pid_ = 0;
  std::unique_ptr<kafka::Admin> admin_;
};

// The readers' settings, the same in the raw and end-to-end runs. The dev
// broker answers a fetch that finds nothing only after the whole
// fetch.wait.max.ms (librdkafka's default is 500 ms), not as soon as data
// arrives: a reader that catches up would sleep that long. 5 ms, as the
// engine's own consumer.
inline kafka::KafkaConfig ReaderConfig(const kafka::KafkaConfig& cfg) {
  kafka::KafkaConfig r = cfg;
  if (!r.extra.count("fetch.wait.max.ms")) r.extra["fetch.wait.max.ms"] = "5";
  return r;
}

}  // namespace duban::bench
