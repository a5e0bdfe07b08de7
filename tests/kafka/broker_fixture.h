// Test fixture: every test gets its own Kafka broker, stopped at teardown, with
// the duban topics (and the test's extra topics) created. Which broker is set
// by the environment, so the same tests run on both:
//   - default: `duban dev-broker` (librdkafka's mock cluster) as a child process:
//     fast, and fault tests drive it through dev_broker() (down/up/leader);
//   - DUBAN_TEST_BROKER=real: Apache Kafka itself, one KRaft node started by
//     ops/kafka/broker.sh in a fresh folder (ctest registers every Kafka test a
//     second time with this set, prefixed real_broker.).
// A test that needs the mock's fault controls calls NeedDevBroker() first: on
// the real broker it is skipped, saying why.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <unistd.h>

#include "duban/kafka/admin.h"
#include "duban/kafka/config.h"
#include "duban/kafka/dev_broker_process.h"

#ifndef DUBAN_EXE
#error "DUBAN_EXE (path of the duban binary) must be defined by the build"
#endif
#ifndef DUBAN_SOURCE_DIR
#error "DUBAN_SOURCE_DIR (for ops/kafka/broker.sh) must be defined by the build"
#endif

namespace duban::kafka::testing {

inline const char* DubanExe() { return DUBAN_EXE; }

inline bool RealBrokerWanted() {
  const char* v = std::getenv("DUBAN_TEST_BROKER");
  return v != nullptr && std::string(v) == "real";
}

// One Apache Kafka node in a fresh temporary folder, started and stopped by
// ops/kafka/broker.sh (the script a user runs too).
class RealBroker {
 public:
  static Result<std::unique_ptr<RealBroker>> Start(const DevBrokerOptions& o) {
    auto b = std::unique_ptr<RealBroker>(new RealBroker());
    char tmpl[] = "/tmp/duban-kafka-XXXXXX";
    if (!mkdtemp(tmpl)) return Status::IOError("mkdtemp failed");
    b->dir_ = tmpl;
    const std::string cmd = Script() + " start --dir " + b->dir_ + "/broker --owner " + std::to_string(getpid()) +
                            " >/dev/null 2>" + b->dir_ + "/start.err";
    const int rc = std::system(cmd.c_str());
    if (rc != 0)
      return Status::IOError("ops/kafka/broker.sh start failed (rc " + std::to_string(rc) +
                             "): " + Slurp(b->dir_ + "/start.err"));
    b->bootstrap_ = Slurp(b->dir_ + "/broker/bootstrap");
    while (!b->bootstrap_.empty() && (b->bootstrap_.back() == '\n' || b->bootstrap_.back() == ' '))
      b->bootstrap_.pop_back();
    if (b->bootstrap_.empty()) return Status::IOError("the broker wrote no bootstrap address");
    // The dev broker creates these at start; a real one gets them by the Admin API.
    KafkaConfig cfg;
    cfg.bootstrap = b->bootstrap_;
    cfg.partitions = o.partitions;
    std::vector<TopicSpec> specs = DubanTopicSpecs(cfg);
    for (const auto& t : o.topics) {
      const auto colon = t.find(':');
      TopicSpec s;
      s.name = t.substr(0, colon);
      s.partitions = colon == std::string::npos ? o.partitions : std::stoi(t.substr(colon + 1));
      specs.push_back(s);
    }
    auto admin = Admin::Create(cfg);
    if (!admin.ok()) return admin.status();
    auto created = (*admin)->CreateTopics(specs, 60000);
    if (!created.ok()) return created.status();
    return b;
  }

  ~RealBroker() {
    if (dir_.empty()) return;
    const std::string cmd = Script() + " stop --dir " + dir_ + "/broker >/dev/null 2>&1";
    if (std::system(cmd.c_str()) == 0) std::filesystem::remove_all(dir_);
  }

  const std::string& bootstrap() const { return bootstrap_; }

 private:
  RealBroker() = default;
  static std::string Script() { return std::string(DUBAN_SOURCE_DIR) + "/ops/kafka/broker.sh"; }
  static std::string Slurp(const std::string& path) {
    std::string out;
    if (FILE* f = std::fopen(path.c_str(), "r")) {
      char buf[4096];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
      std::fclose(f);
    }
    return out;
  }
  std::string dir_, bootstrap_;
};

class BrokerTest : public ::testing::Test {
 protected:
  virtual DevBrokerOptions BrokerOptions() const { return DevBrokerOptions{}; }

  void SetUp() override {
    if (RealBrokerWanted()) {
      auto started = RealBroker::Start(BrokerOptions());
      ASSERT_TRUE(started.ok()) << started.status().ToString();
      real_ = std::move(started.value());
      return;
    }
    auto spawned = DevBrokerProcess::Spawn(DubanExe(), BrokerOptions());
    ASSERT_TRUE(spawned.ok()) << spawned.status().ToString();
    dev_ = std::move(spawned.value());
  }

  void TearDown() override {
    if (dev_) {
      EXPECT_TRUE(dev_->Stop().ok());
    }
    real_.reset();
  }

  bool OnRealBroker() const { return real_ != nullptr; }
  const std::string& bootstrap() const { return real_ ? real_->bootstrap() : dev_->bootstrap(); }

  // The mock cluster's controls (down/up/leader/topics by control line).
  DevBrokerProcess& dev_broker() { return *dev_; }

  // A config pointing at this test's broker; rebalances take ~session timeout.
  KafkaConfig Config() const {
    KafkaConfig cfg;
    cfg.bootstrap = bootstrap();
    cfg.client_id = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    cfg.session_timeout_ms = 6000;
    return cfg;
  }

  // A name unique to the running test (topics, groups).
  static std::string Unique(const std::string& prefix) {
    static std::atomic<int> n{0};
    return prefix + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" + std::to_string(n++);
  }

  // Calls `step` until it returns true. The limit only stops a hung test; it
  // is far above any expected duration and asserts nothing about speed.
  static bool Eventually(const std::function<bool()>& step, int limit_seconds = 120) {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(limit_seconds);
    while (std::chrono::steady_clock::now() < end)
      if (step()) return true;
    return false;
  }

 private:
  std::unique_ptr<DevBrokerProcess> dev_;
  std::unique_ptr<RealBroker> real_;
};

// Skips the calling test on the real broker: for tests of the mock's own
// behaviour or of faults only the mock can inject in-process.
#define NeedDevBroker(why)                                               \
  do {                                                                   \
    if (OnRealBroker()) GTEST_SKIP() << "needs the dev broker: " << why; \
  } while (0)

}  // namespace duban::kafka::testing
