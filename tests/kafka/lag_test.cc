// `duban engine --status-interval S --metrics-file F`: the lag of every owned
// partition of duban.commands, on stderr and as Prometheus text. The engine is
// made to fall behind for sure (a decided batch is held before it is produced,
// the test hook of the fencing test) while more commands arrive: the report
// must show them as lag, and after the release every partition at lag 0.
#include <fstream>
#include <regex>
#include <sstream>

#include "engine_test_support.h"

namespace duban::kafka::testing {
namespace {

struct Metrics {
  int owned = -1;
  std::map<int, int64_t> lag;  // partition -> lag
};

Metrics ReadMetrics(const std::string& path) {
  Metrics m;
  std::ifstream f(path);
  std::string line;
  static const std::regex owned(R"re(^duban_engine_owned_partitions\{[^}]*\} (\d+)$)re");
  static const std::regex lag(R"re(^duban_engine_consumer_lag\{[^}]*partition="(\d+)"\} (-?\d+)$)re");
  std::smatch g;
  while (std::getline(f, line)) {
    if (std::regex_match(line, g, owned)) m.owned = std::stoi(g[1]);
    if (std::regex_match(line, g, lag)) m.lag[std::stoi(g[1])] = std::stoll(g[2]);
  }
  return m;
}

TEST_F(KafkaEngineTest, TheEngineReportsTheLagOfEachOwnedPartition) {
  const KafkaConfig cfg = EngineConfig();
  const std::string dir = TempDir("lag");
  const std::string hold = dir + "/hold", metrics = dir + "/metrics.prom";
  Load load = MakeLoad(8, 2, 2, 120, "lag-");
  const size_t first = 40;
  EngineProcess engine(cfg.bootstrap, dir + "/engine",
                       {"--test-hold-file", hold, "--status-interval", "0.1", "--metrics-file", metrics});
  {
    std::FILE* f = std::fopen(hold.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
  }
  engine.Start();
  ProduceAll(cfg, load.commands, 0, first);
  ASSERT_TRUE(Eventually([&] {
    return ReadFile(dir + "/engine.log").find("holding a decided batch") != std::string::npos;
  })) << ReadFile(dir + "/engine.log");
  // Held: what arrives now cannot be decided.
  ProduceAll(cfg, load.commands, first);
  int64_t seen = 0;
  ASSERT_TRUE(Eventually([&] {
    Metrics m = ReadMetrics(metrics);
    int64_t total = 0;
    for (const auto& [p, l] : m.lag) total += std::max<int64_t>(l, 0);
    seen = total;
    return m.owned == cfg.partitions && total > 0;
  })) << "no lag reported while the engine was held: "
      << ReadFile(metrics);
  std::printf("lag while held: %lld commands; metrics file:\n%s", static_cast<long long>(seen),
              ReadFile(metrics).c_str());
  EXPECT_LE(seen, static_cast<int64_t>(load.commands.size()));
  std::filesystem::remove(hold);
  EventsReader reader(cfg);
  AwaitAll(reader, load);
  // Caught up: every owned partition reports 0.
  ASSERT_TRUE(Eventually([&] {
    Metrics m = ReadMetrics(metrics);
    if (m.owned != cfg.partitions || static_cast<int>(m.lag.size()) != cfg.partitions) return false;
    for (const auto& [p, l] : m.lag)
      if (l != 0) return false;
    return true;
  })) << ReadFile(metrics);
  EXPECT_EQ(engine.Kill(SIGTERM), 0);
  const std::string log = ReadFile(dir + "/engine.log");
  EXPECT_NE(log.find("duban engine: lag p0="), std::string::npos) << log.substr(0, 2000);
  reader.CatchUp();
  ExpectExactlyOnce(reader.census, load);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace duban::kafka::testing
