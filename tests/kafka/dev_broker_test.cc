// `duban dev-broker` as a process: bootstrap line, bootstrap file, control
// channel, topics created at start.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "broker_fixture.h"
#include "duban/kafka/admin.h"

namespace duban::kafka::testing {
namespace {

int Count(const std::string& s, char c) { return static_cast<int>(std::count(s.begin(), s.end(), c)); }

class ThreeBrokerDevBroker : public BrokerTest {
 protected:
  DevBrokerOptions BrokerOptions() const override {
    DevBrokerOptions o;
    o.brokers = 3;
    o.partitions = 6;
    o.topics = {"extra.three:3", "extra.default"};
    return o;
  }
};

TEST_F(ThreeBrokerDevBroker, PrintsOneLoopbackAddressPerBroker) {
  NeedDevBroker("a test of duban dev-broker itself");
  const std::string& bs = bootstrap();
  EXPECT_EQ(Count(bs, ','), 2) << bs;
  std::istringstream in(bs);
  std::string one;
  while (std::getline(in, one, ',')) EXPECT_EQ(one.rfind("127.0.0.1:", 0), 0u) << one;
}

TEST_F(ThreeBrokerDevBroker, CreatesTheDubanTopicsAndExtraTopicsWithTheirPartitionCounts) {
  NeedDevBroker("a test of duban dev-broker itself");
  auto admin = Admin::Create(Config());
  ASSERT_TRUE(admin.ok());
  auto topics = (*admin)->ListTopics(10000);
  ASSERT_TRUE(topics.ok()) << topics.status().ToString();
  EXPECT_EQ((*topics)["duban.commands"], 6);
  EXPECT_EQ((*topics)["duban.events"], 6);
  EXPECT_EQ((*topics)["extra.three"], 3);
  EXPECT_EQ((*topics)["extra.default"], 6);
}

TEST_F(ThreeBrokerDevBroker, ControlChannelMovesLeadersAndTogglesBrokers) {
  NeedDevBroker("a test of duban dev-broker itself");
  ASSERT_TRUE(dev_broker().Command("ping").ok());
  ASSERT_TRUE(dev_broker().SetLeader("extra.three", 1, 3).ok());
  auto admin = Admin::Create(Config());
  ASSERT_TRUE(admin.ok());
  bool moved = Eventually([&] {
    auto parts = (*admin)->ListPartitions("extra.three", 10000);
    return parts.ok() && parts->size() == 3 && (*parts)[1].leader == 3;
  });
  EXPECT_TRUE(moved);
  EXPECT_TRUE(dev_broker().BrokerDown(2).ok());
  EXPECT_TRUE(dev_broker().BrokerUp(2).ok());
}

TEST_F(BrokerTest, ControlChannelRejectsUnknownCommandsAndBrokers) {
  NeedDevBroker("a test of duban dev-broker itself");
  Status unknown = dev_broker().Command("make coffee");
  EXPECT_FALSE(unknown.ok());
  EXPECT_NE(unknown.message().find("unknown command"), std::string::npos) << unknown.ToString();
  EXPECT_FALSE(dev_broker().BrokerDown(9).ok());
  EXPECT_FALSE(dev_broker().Command("leader only-two-args 1").ok());
  // Still serving after bad input.
  EXPECT_TRUE(dev_broker().Command("ping").ok());
}

TEST_F(BrokerTest, ControlChannelCreatesTopics) {
  NeedDevBroker("a test of duban dev-broker itself");
  ASSERT_TRUE(dev_broker().CreateTopic("made.later", 5).ok());
  auto admin = Admin::Create(Config());
  ASSERT_TRUE(admin.ok());
  auto parts = (*admin)->ListPartitions("made.later", 10000);
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  EXPECT_EQ(parts->size(), 5u);
}

TEST(DevBrokerProcessTest, WritesTheBootstrapFileAndRemovesItWhenStopped) {
  std::string path = ::testing::TempDir() + "duban-bootstrap-" + std::to_string(getpid());
  DevBrokerOptions o;
  o.bootstrap_file = path;
  auto b = DevBrokerProcess::Spawn(DubanExe(), o);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  std::ifstream in(path);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(line, (*b)->bootstrap());
  Status stopped = (*b)->Stop();
  ASSERT_TRUE(stopped.ok()) << stopped.ToString();
  struct stat st;
  EXPECT_NE(stat(path.c_str(), &st), 0) << "bootstrap file left behind after stop";
}

TEST(DevBrokerProcessTest, ReportsAMissingExecutable) {
  auto b = DevBrokerProcess::Spawn("/nonexistent/duban", DevBrokerOptions{});
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace duban::kafka::testing
