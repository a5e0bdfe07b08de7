// Admin and `duban topics create` against the dev broker. The mock cluster has
// no CreateTopics API, so creation of new topics is covered by the compose
// setup (ops/kafka); here: idempotence and metadata.
#include <sys/wait.h>

#include <cstdio>

#include "broker_fixture.h"
#include "duban/kafka/admin.h"

namespace duban::kafka::testing {
namespace {

// Its standard output and error: a failure shows the command's own words.
std::string RunCommand(const std::string& cmd, int* rc) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  *rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

TEST_F(BrokerTest, CreateTopicsReportsExistingTopicsInsteadOfFailing) {
  auto admin = Admin::Create(Config());
  ASSERT_TRUE(admin.ok());
  KafkaConfig cfg = Config();
  auto res = (*admin)->CreateTopics(DubanTopicSpecs(cfg), 10000);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  ASSERT_EQ(res->size(), 2u);
  for (auto& r : *res) {
    EXPECT_EQ(r.outcome, TopicOutcome::kAlreadyExists) << r.name;
    EXPECT_EQ(r.partitions, 4) << r.name;
  }
}

TEST_F(BrokerTest, TopicsCreateCommandIsIdempotentOnExistingTopics) {
  int rc = -1;
  std::string cmd = std::string(DubanExe()) + " topics create --bootstrap " + bootstrap();
  std::string out = RunCommand(cmd, &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("duban.commands already exists (4 partitions)"), std::string::npos) << out;
  EXPECT_NE(out.find("duban.events already exists (4 partitions)"), std::string::npos) << out;
  out = RunCommand(std::string(DubanExe()) + " --json topics list --bootstrap " + bootstrap(), &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("\"duban.events\":4"), std::string::npos) << out;
}

TEST_F(BrokerTest, ListPartitionsNamesAMissingTopicAsNotFound) {
  auto admin = Admin::Create(Config());
  ASSERT_TRUE(admin.ok());
  auto parts = (*admin)->ListPartitions("no.such.topic", 10000);
  ASSERT_FALSE(parts.ok());
  EXPECT_EQ(parts.status().code(), Status::Code::kNotFound);
}

TEST(DubanTopicSpecsTest, EventsAreNeverDeletedByTimeAndCommandsExpire) {
  KafkaConfig cfg;
  cfg.partitions = 12;
  cfg.replication_factor = 3;
  auto specs = DubanTopicSpecs(cfg);
  ASSERT_EQ(specs.size(), 2u);
  const TopicSpec& commands = specs[0];
  const TopicSpec& events = specs[1];
  EXPECT_EQ(events.name, "duban.events");
  EXPECT_EQ(events.partitions, 12);
  EXPECT_EQ(events.configs.at("retention.ms"), "-1");
  EXPECT_EQ(events.configs.at("retention.bytes"), "-1");
  EXPECT_EQ(events.configs.at("cleanup.policy"), "delete");
  EXPECT_EQ(events.configs.at("min.insync.replicas"), "2");
  EXPECT_EQ(commands.name, "duban.commands");
  EXPECT_NE(commands.configs.at("retention.ms"), "-1");
  EXPECT_GT(std::stoll(commands.configs.at("retention.ms")), 0);
}

}  // namespace
}  // namespace duban::kafka::testing
