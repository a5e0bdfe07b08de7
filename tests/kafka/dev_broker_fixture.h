// Test fixture: every test gets its own `duban dev-broker` child process
// (librdkafka mock cluster, 127.0.0.1, random ports), stopped at teardown.
// Fault tests drive it through broker() (BrokerDown/BrokerUp/SetLeader).
// Subclasses change the cluster shape by overriding BrokerOptions().
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "duban/kafka/config.h"
#include "duban/kafka/dev_broker_process.h"

#ifndef DUBAN_EXE
#error "DUBAN_EXE (path of the duban binary) must be defined by the build"
#endif

namespace duban::kafka::testing {

inline const char* DubanExe() { return DUBAN_EXE; }

class DevBrokerTest : public ::testing::Test {
 protected:
  virtual DevBrokerOptions BrokerOptions() const { return DevBrokerOptions{}; }

  void SetUp() override {
    auto spawned = DevBrokerProcess::Spawn(DubanExe(), BrokerOptions());
    ASSERT_TRUE(spawned.ok()) << spawned.status().ToString();
    broker_ = std::move(spawned.value());
  }

  void TearDown() override {
    if (broker_) {
      EXPECT_TRUE(broker_->Stop().ok());
    }
  }

  DevBrokerProcess& broker() { return *broker_; }

  // A config pointing at this test's broker; rebalances take ~session timeout.
  KafkaConfig Config() const {
    KafkaConfig cfg;
    cfg.bootstrap = broker_->bootstrap();
    cfg.client_id = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    cfg.session_timeout_ms = 6000;
    return cfg;
  }

  // A name unique to the running test (topics, groups).
  static std::string Unique(const std::string& prefix) {
    static std::atomic<int> n{0};
    return prefix + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" +
           std::to_string(n++);
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
  std::unique_ptr<DevBrokerProcess> broker_;
};

}  // namespace duban::kafka::testing
