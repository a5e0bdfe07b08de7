#include "bench_kafka_brokers.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace duban::bench {
namespace {

std::string Script() { return std::string(DUBAN_SOURCE_DIR) + "/ops/kafka/broker.sh"; }

}  // namespace

Result<std::unique_ptr<RealBenchBroker>> RealBenchBroker::Start() {
  char tmpl[] = "/tmp/duban-bench-kafka-XXXXXX";
  if (!mkdtemp(tmpl)) return Status::IOError("mkdtemp failed");
  std::unique_ptr<RealBenchBroker> b(new RealBenchBroker(tmpl));
  const std::string cmd =
      Script() + " start --dir " + b->dir_ + "/broker --owner " + std::to_string(getpid()) + " >/dev/null";
  if (int rc = std::system(cmd.c_str()); rc != 0)
    return Status::Unavailable("ops/kafka/broker.sh start failed (rc " + std::to_string(rc) +
                               "); it needs Java 17 and Maven (ops/install-deps.sh)");
  std::ifstream in(b->dir_ + "/broker/bootstrap");
  std::ifstream pid_in(b->dir_ + "/broker/node-1/pid");
  if (!std::getline(in, b->bootstrap_) || !(pid_in >> b->pid_))
    return Status::IOError("the broker in " + b->dir_ + " wrote no bootstrap or pid");
  kafka::KafkaConfig cfg;
  cfg.bootstrap = b->bootstrap_;
  auto admin = kafka::Admin::Create(cfg);
  if (!admin.ok()) return admin.status();
  b->admin_ = std::move(*admin);
  return b;
}

RealBenchBroker::~RealBenchBroker() {
  admin_.reset();
  const std::string cmd = Script() + " stop --dir " + dir_ + "/broker >/dev/null 2>&1";
  if (std::system(cmd.c_str()) == 0) std::filesystem::remove_all(dir_);
}

Status RealBenchBroker::CreateTopic(const std::string& topic, int partitions) {
  kafka::TopicSpec spec;
  spec.name = topic;
  spec.partitions = partitions;
  auto r = admin_->CreateTopics({spec}, 60000);
  return r.ok() ? Status::Ok() : r.status();
}

}  // namespace duban::bench
