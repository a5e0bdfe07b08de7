// MockCluster: see duban/kafka/mock_cluster.h.
#include "duban/kafka/mock_cluster.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <sstream>
#include <vector>

#include "internal.h"

namespace duban::kafka {

struct MockCluster::Handles {
  rd_kafka_t* rk = nullptr;  // only for the mock's book-keeping; never produces
  rd_kafka_mock_cluster_t* mc = nullptr;
};

Result<std::unique_ptr<MockCluster>> MockCluster::Create(int brokers) {
  if (brokers < 1 || brokers > 3) return Status::InvalidArgument("brokers must be 1..3");
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "client.id", "duban-dev-broker", errstr, sizeof errstr);
  std::unique_ptr<MockCluster> self(new MockCluster());
  self->h_ = std::make_unique<Handles>();
  self->h_->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!self->h_->rk) {
    rd_kafka_conf_destroy(conf);
    return Status::IOError(std::string("mock cluster handle: ") + errstr);
  }
  self->h_->mc = rd_kafka_mock_cluster_new(self->h_->rk, brokers);
  if (!self->h_->mc) return Status::IOError("rd_kafka_mock_cluster_new failed");
  self->bootstrap_ = rd_kafka_mock_cluster_bootstraps(self->h_->mc);
  self->brokers_ = brokers;
  return self;
}

MockCluster::~MockCluster() {
  if (!h_) return;
  if (h_->mc) rd_kafka_mock_cluster_destroy(h_->mc);
  if (h_->rk) rd_kafka_destroy(h_->rk);
}

Status MockCluster::CreateTopic(const std::string& topic, int partitions) {
  if (partitions < 1) return Status::InvalidArgument("partitions must be >= 1");
  std::lock_guard lock(mu_);
  rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(h_->mc, topic.c_str(), partitions, std::min(brokers_, 3));
  return err ? internal::FromError(err, "create " + topic) : Status::Ok();
}

Status MockCluster::SetBrokerDown(int32_t broker_id) {
  std::lock_guard lock(mu_);
  rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_down(h_->mc, broker_id);
  return err ? internal::FromError(err, "broker down") : Status::Ok();
}

Status MockCluster::SetBrokerUp(int32_t broker_id) {
  std::lock_guard lock(mu_);
  rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_up(h_->mc, broker_id);
  return err ? internal::FromError(err, "broker up") : Status::Ok();
}

Status MockCluster::SetLeader(const std::string& topic, int32_t partition, int32_t broker_id) {
  std::lock_guard lock(mu_);
  rd_kafka_resp_err_t err = rd_kafka_mock_partition_set_leader(h_->mc, topic.c_str(), partition, broker_id);
  return err ? internal::FromError(err, "set leader") : Status::Ok();
}

Status MockCluster::SetRtt(int32_t broker_id, int rtt_ms) {
  std::lock_guard lock(mu_);
  rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_rtt(h_->mc, broker_id, rtt_ms);
  return err ? internal::FromError(err, "set rtt") : Status::Ok();
}

Status MockCluster::PushRequestErrors(int16_t api_key, int error_code, int count) {
  if (count < 1 || count > 1000) return Status::InvalidArgument("count must be 1..1000");
  std::lock_guard lock(mu_);
  std::vector<rd_kafka_resp_err_t> errs(count, static_cast<rd_kafka_resp_err_t>(error_code));
  rd_kafka_mock_push_request_errors_array(h_->mc, api_key, errs.size(), errs.data());
  return Status::Ok();
}

std::string MockCluster::Execute(const std::string& line) {
  std::istringstream in(line);
  std::string cmd;
  in >> cmd;
  auto reply = [](const Status& st) { return st.ok() ? std::string("ok") : "err " + st.ToString(); };
  auto bad = [&] { return "err usage: " + line; };
  if (cmd == "ping") return "ok";
  if (cmd == "down" || cmd == "up") {
    int32_t id;
    if (!(in >> id)) return bad();
    return reply(cmd == "down" ? SetBrokerDown(id) : SetBrokerUp(id));
  }
  if (cmd == "leader") {
    std::string topic;
    int32_t partition, broker;
    if (!(in >> topic >> partition >> broker)) return bad();
    return reply(SetLeader(topic, partition, broker));
  }
  if (cmd == "create") {
    std::string topic;
    int partitions;
    if (!(in >> topic >> partitions)) return bad();
    return reply(CreateTopic(topic, partitions));
  }
  if (cmd == "rtt") {
    int32_t broker;
    int ms;
    if (!(in >> broker >> ms)) return bad();
    return reply(SetRtt(broker, ms));
  }
  if (cmd == "error") {
    int api_key, code, count;
    if (!(in >> api_key >> code >> count)) return bad();
    return reply(PushRequestErrors(static_cast<int16_t>(api_key), code, count));
  }
  return "err unknown command: " + cmd + " (ping, create, down, up, leader, rtt, error)";
}

}  // namespace duban::kafka
