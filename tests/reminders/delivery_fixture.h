// What the delivery-loop tests share (delivery_test.cc, demo_year_test.cc):
// RemindersDeliveryTest, a `duban dev-broker` per test (or the real broker,
// DUBAN_TEST_BROKER=real) with duban.events and its dead-letter topic, a
// state directory of the test's own, and the events a plan's reminders are
// made of.
#pragma once

#include <gtest/gtest.h>

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "broker_fixture.h"
#include "duban/consumers/reminders.h"
#include "duban/kafka/consumer.h"
#include "duban/kafka/producer.h"
#include "test_events.h"

namespace duban::consumers::test_support {

class RemindersDeliveryTest : public kafka::testing::BrokerTest {
 protected:
  kafka::DevBrokerOptions BrokerOptions() const override {
    kafka::DevBrokerOptions o;
    o.partitions = 2;
    o.topics = {"duban.events.dlq:1"};
    return o;
  }

  void SetUp() override {
    spdlog::set_level(spdlog::level::err);  // retries warn; dead letters stay visible
    kafka::testing::BrokerTest::SetUp();
    data_ = std::filesystem::temp_directory_path() / ("duban-reminders-" + std::to_string(::getpid()) + "-" +
                                                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(data_);
    std::filesystem::create_directories(data_);
  }
  void TearDown() override {
    kafka::testing::BrokerTest::TearDown();
    std::filesystem::remove_all(data_);
  }

  // Appends events (framed, keyed by plan) to duban.events; returns the
  // notifications they are expected to yield.
  void Append(std::vector<schemas::Event> events) {
    auto p = kafka::Producer::Create(Config());
    ASSERT_TRUE(p.ok());
    for (auto& e : events) ASSERT_TRUE((*p)->Produce("duban.events", e.stream, testing::EventRecord(e)).ok());
    auto failures = (*p)->Flush(30000);
    ASSERT_TRUE(failures.ok());
    ASSERT_TRUE(failures->empty());
  }
  void AppendRaw(const std::string& key, const std::string& bytes) {
    auto p = kafka::Producer::Create(Config());
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE((*p)->Produce("duban.events", key, bytes).ok());
    auto failures = (*p)->Flush(30000);
    ASSERT_TRUE(failures.ok() && failures->empty());
  }

  // A plan with `tasks` tasks, each with one DeadlineApproaching for a unit:
  // 2 + 2*tasks events, `tasks` notifications.
  std::vector<schemas::Event> PlanWithReminders(const std::string& plan, int tasks) {
    std::vector<schemas::Event> out;
    uint64_t seq = 1;
    out.push_back(testing::MakeEvent(plan, seq++, testing::Plan("韶关市" + plan + "分工方案")));
    for (int t = 1; t <= tasks; ++t)
      out.push_back(
          testing::MakeEvent(plan, seq++, testing::Task(t, "第" + std::to_string(t) + "项工作内容", "2021-12-31")));
    for (int t = 1; t <= tasks; ++t)
      out.push_back(testing::MakeEvent(plan, seq++, schemas::DeadlineApproaching{t, "市财政局", "2021-12-31", 3}));
    return out;
  }

  RemindersOptions Options(const std::string& group) const {
    RemindersOptions o;
    o.kafka = Config();
    o.group = group;
    o.data_dir = data_.string();
    o.retry = {5, 1, 8};  // fast backoff: the figures of interest are counts
    o.max_batch = 3;      // several commits per run
    return o;
  }

  std::unique_ptr<Reminders> Start(const RemindersOptions& o, const std::string& webhook,
                                   const std::string& outbox = "") {
    std::vector<std::unique_ptr<Sink>> sinks;
    auto w = MakeWebhookSink({webhook});
    EXPECT_TRUE(w.ok());
    sinks.push_back(std::move(w.value()));
    if (!outbox.empty()) {
      auto s = MakeJsonlOutboxSink(outbox);
      EXPECT_TRUE(s.ok());
      sinks.push_back(std::move(s.value()));
    }
    auto r = Reminders::Create(o, std::move(sinks));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r.value()) : nullptr;
  }

  // Steps until `done` holds, failing the test on a Step error.
  bool StepUntil(Reminders& r, const std::function<bool()>& done) {
    return Eventually([&] {
      auto n = r.Step(200);
      EXPECT_TRUE(n.ok()) << n.status().ToString();
      return !n.ok() || done();
    });
  }

  std::vector<kafka::Message> ReadDlq(size_t expected) {
    auto c = kafka::Consumer::Create(Config(), "");
    EXPECT_TRUE(c.ok());
    EXPECT_TRUE((*c)->Assign({{"duban.events.dlq", 0, kafka::kOffsetBeginning}}).ok());
    std::vector<kafka::Message> out;
    Eventually(
        [&] {
          auto polled = (*c)->Poll(200);
          EXPECT_TRUE(polled.ok());
          if (polled.ok()) out.insert(out.end(), polled->begin(), polled->end());
          return out.size() >= expected;
        },
        60);
    return out;
  }

  static std::string Header(const kafka::Message& m, const std::string& name) {
    for (const auto& [k, v] : m.headers)
      if (k == name) return v;
    return "";
  }

  // Eventually, for conditions another process makes true: checks every 10 ms.
  static bool WaitFor(const std::function<bool()>& done) {
    return Eventually([&] {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      return false;
    });
  }

  std::filesystem::path data_;
};

}  // namespace duban::consumers::test_support
