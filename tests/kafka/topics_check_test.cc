// duban topics check: the pure rules on hand-made observations, then the
// whole command against a broker (the real one: the dev broker cannot describe
// topic settings).
#include "duban/kafka/topics_check.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <ostream>
#include <string>

#include "broker_fixture.h"
#include "duban/kafka/admin.h"

namespace duban::kafka {
namespace {

using testing::BrokerTest;
using testing::DubanExe;

TopicSeen Healthy(const std::string& name, int partitions, int replicas, bool events) {
  TopicSeen t;
  t.name = name;
  t.exists = true;
  for (int p = 0; p < partitions; ++p) t.partitions.push_back({p, 1 + p % 3, replicas, replicas});
  t.configs = std::map<std::string, std::string>{{"cleanup.policy", "delete"},
                                                 {"retention.ms", events ? "-1" : "604800000"},
                                                 {"retention.bytes", "-1"},
                                                 {"min.insync.replicas", replicas >= 3 ? "2" : "1"},
                                                 {"unclean.leader.election.enable", "false"}};
  return t;
}

TopicsSeen HealthyCluster() {
  return TopicsSeen{Healthy("duban.commands", 12, 3, false), Healthy("duban.events", 12, 3, true)};
}

int Count(const std::vector<CheckFinding>& fs, CheckLevel level, const std::string& needle = "") {
  int n = 0;
  for (const auto& f : fs) n += f.level == level && f.message.find(needle) != std::string::npos;
  return n;
}

TEST(TopicsCheckRules, AHealthyProductionClusterHasNoFailureAndNoWarning) {
  const auto fs = CheckTopics(HealthyCluster());
  EXPECT_EQ(Count(fs, CheckLevel::kFail), 0);
  EXPECT_EQ(Count(fs, CheckLevel::kWarn), 0);
  EXPECT_GT(Count(fs, CheckLevel::kOk), 5);
}

struct Breakage {
  const char* what;
  void (*apply)(TopicsSeen&);
  CheckLevel level;
  const char* message;
};

void PrintTo(const Breakage& b, std::ostream* os) { *os << b.what; }

class TopicsCheckBreakage : public ::testing::TestWithParam<Breakage> {};

TEST_P(TopicsCheckBreakage, IsReportedWithItsLevelAndReason) {
  TopicsSeen seen = HealthyCluster();
  GetParam().apply(seen);
  const auto fs = CheckTopics(seen);
  EXPECT_EQ(Count(fs, GetParam().level, GetParam().message), 1) << GetParam().what;
  if (GetParam().level == CheckLevel::kWarn) {
    EXPECT_EQ(Count(fs, CheckLevel::kFail), 0) << GetParam().what;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, TopicsCheckBreakage,
    ::testing::Values(
        Breakage{"events_missing", [](TopicsSeen& s) { s.events.exists = false; }, CheckLevel::kFail, "does not exist"},
        Breakage{"partitions_differ", [](TopicsSeen& s) { s.events.partitions.pop_back(); }, CheckLevel::kFail,
                 "must share a partition number"},
        Breakage{"events_expire", [](TopicsSeen& s) { (*s.events.configs)["retention.ms"] = "604800000"; },
                 CheckLevel::kFail, "retention.ms=604800000"},
        Breakage{"events_capped", [](TopicsSeen& s) { (*s.events.configs)["retention.bytes"] = "1073741824"; },
                 CheckLevel::kFail, "retention.bytes"},
        Breakage{"events_compacted", [](TopicsSeen& s) { (*s.events.configs)["cleanup.policy"] = "compact"; },
                 CheckLevel::kFail, "compaction keeps only the newest"},
        Breakage{"leaderless", [](TopicsSeen& s) { s.commands.partitions[3].leader = -1; }, CheckLevel::kFail,
                 "without a leader"},
        Breakage{"one_insync", [](TopicsSeen& s) { (*s.events.configs)["min.insync.replicas"] = "1"; },
                 CheckLevel::kFail, "min.insync.replicas=1"},
        Breakage{"unclean", [](TopicsSeen& s) { (*s.events.configs)["unclean.leader.election.enable"] = "true"; },
                 CheckLevel::kFail, "unclean.leader.election"},
        Breakage{"under_replicated", [](TopicsSeen& s) { s.events.partitions[0].in_sync = 2; }, CheckLevel::kWarn,
                 "under-replicated"},
        Breakage{"one_replica",
                 [](TopicsSeen& s) {
                   for (auto& p : s.events.partitions) p.replicas = p.in_sync = 1;
                   (*s.events.configs)["min.insync.replicas"] = "1";
                 },
                 CheckLevel::kWarn, "replication factor 1"},
        Breakage{"commands_short", [](TopicsSeen& s) { (*s.commands.configs)["retention.ms"] = "3600000"; },
                 CheckLevel::kWarn, "less than a day"},
        Breakage{"settings_unreadable",
                 [](TopicsSeen& s) {
                   s.events.configs.reset();
                   s.events.configs_error = "no DescribeConfigs";
                 },
                 CheckLevel::kWarn, "could not be read"}),
    [](const ::testing::TestParamInfo<Breakage>& i) { return std::string(i.param.what); });

class TopicsCheckCommand : public BrokerTest {
 protected:
  int Run(const std::string& args, std::string* out) {
    const std::string cmd = std::string(DubanExe()) + " topics check --bootstrap " + bootstrap() + " " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return -1;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
    const int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
};

TEST_F(TopicsCheckCommand, PassesTheTopicsDubanMadeAndFailsEventsThatWouldBeDeleted) {
  if (!OnRealBroker()) GTEST_SKIP() << "the dev broker cannot describe topic settings";
  std::string out;
  EXPECT_EQ(Run("", &out), 0) << out;
  EXPECT_NE(out.find("0 failed"), std::string::npos) << out;
  EXPECT_NE(out.find("events are kept forever"), std::string::npos) << out;

  auto admin = Admin::Create(Config());
  ASSERT_TRUE(admin.ok());
  TopicSpec expiring{"expiring.events", 4, -1, {{"retention.ms", "86400000"}}};
  ASSERT_TRUE((*admin)->CreateTopics({expiring}, 60000).ok());
  out.clear();
  EXPECT_EQ(Run("--events-topic expiring.events", &out), 1) << out;
  EXPECT_NE(out.find("FAIL  expiring.events: retention.ms=86400000"), std::string::npos) << out;
}

}  // namespace
}  // namespace duban::kafka
