// Any Kafka client can read what duban produces: kcat (a separate process,
// librdkafka's own CLI) reads the dev broker's topic byte-exactly.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <random>

#include "broker_fixture.h"
#include "duban/kafka/producer.h"

namespace duban::kafka::testing {
namespace {

std::string ReadAll(const std::string& cmd, int* rc) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  *rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

bool HaveKcat() { return access("/usr/bin/kcat", X_OK) == 0; }

TEST_F(BrokerTest, KcatReadsProducedValuesByteExactly) {
  if (!HaveKcat()) GTEST_SKIP() << "kcat is not installed (apt-get install kcat)";
  auto producer = Producer::Create(Config());
  ASSERT_TRUE(producer.ok());
  std::mt19937 rng(7);
  std::string expected;
  for (int i = 0; i < 500; ++i) {
    std::string v;
    if (i == 0) {
      for (int c = 0; c < 256; ++c) v.push_back(static_cast<char>(c));  // every byte value once
    } else {
      v.resize(1 + rng() % 400);
      for (auto& c : v) c = static_cast<char>(rng());
    }
    expected += v;
    ASSERT_TRUE((*producer)->Produce("duban.events", "plan-" + std::to_string(i % 7), v, {}, 0).ok());
  }
  auto failures = (*producer)->Flush(30000);
  ASSERT_TRUE(failures.ok() && failures->empty());

  // -f '%s': the raw value, no delimiter; partition 0 keeps produce order.
  int rc = -1;
  std::string got =
      ReadAll("kcat -q -b " + bootstrap() + " -C -t duban.events -p 0 -o beginning -e -f '%s' 2>/dev/null", &rc);
  EXPECT_EQ(rc, 0);
  ASSERT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected) << "kcat read different bytes";
}

TEST_F(BrokerTest, KcatSeesKeysPartitionsAndOffsets) {
  if (!HaveKcat()) GTEST_SKIP() << "kcat is not installed (apt-get install kcat)";
  auto producer = Producer::Create(Config());
  ASSERT_TRUE(producer.ok());
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE((*producer)->Produce("duban.commands", "plan-A", "v" + std::to_string(i), {}, 3).ok());
  ASSERT_TRUE((*producer)->Flush(30000).ok());
  int rc = -1;
  std::string got = ReadAll(
      "kcat -q -b " + bootstrap() + " -C -t duban.commands -p 3 -o beginning -e -f '%p/%o %k=%s\\n' 2>/dev/null", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(got, "3/0 plan-A=v0\n3/1 plan-A=v1\n3/2 plan-A=v2\n");
}

}  // namespace
}  // namespace duban::kafka::testing
