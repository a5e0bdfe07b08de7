// A zombie engine is fenced (real broker only: librdkafka's mock does not
// model transactions). Engine A owns every partition and is paused
// (SIGSTOP) holding decided batches it has not produced yet; engine B takes
// its partitions over (A's session expires), fencing A's transactional ids,
// and decides every command, A's held ones included. Then A resumes: its
// transactions are refused, it steps down with a clear line and exit code 3,
// and duban.events holds every command's events exactly once with no stream
// forked. Restarted later on its old store, A throws its never-committed
// decisions away (rebuilds the partitions from duban.events) rather than
// producing them.
#include "engine_test_support.h"

namespace duban::kafka::testing {
namespace {

// The engine's log, or what the test saw of it so far.
std::string Tail(const std::string& log) { return log.size() > 4000 ? log.substr(log.size() - 4000) : log; }

TEST_F(KafkaEngineTest, AZombieEngineIsFencedAndNoStreamForks) {
  if (!OnRealBroker()) GTEST_SKIP() << "the dev broker (librdkafka's mock) does not model transactions";
  const KafkaConfig cfg = EngineConfig();
  const std::string dir = TempDir("fence");
  const std::string hold = dir + "/hold";
  Load load = MakeLoad(8, 3, 2, 160, "z-");
  const size_t n = load.commands.size();
  const size_t first = n / 2, held = n * 3 / 4, before_restart = n - 8;
  EngineProcess a(cfg.bootstrap, dir + "/a", {"--test-hold-file", hold});
  EventsReader reader(cfg);
  auto answered = [&](size_t want) {
    return Eventually([&] {
      reader.PollOnce();
      return reader.census.events_per_command.size() >= want;
    });
  };

  // 1. A alone owns every partition and decides the first half.
  a.Start();
  ProduceAll(cfg, load.commands, 0, first);
  ASSERT_TRUE(answered(first)) << Tail(ReadFile(dir + "/a.log"));
  EXPECT_NE(ReadFile(dir + "/a.log").find("transactions on"), std::string::npos) << Tail(ReadFile(dir + "/a.log"));

  // 2. A decides the next quarter (committed to its RocksDB) and holds it
  //    before producing; then it is paused.
  {
    std::FILE* f = std::fopen(hold.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
  }
  ProduceAll(cfg, load.commands, first, held);
  ASSERT_TRUE(Eventually([&] { return ReadFile(dir + "/a.log").find("holding a decided batch") != std::string::npos; }))
      << Tail(ReadFile(dir + "/a.log"));
  a.Signal(SIGSTOP);
  // Fresh stores hold nothing uncommitted: nothing was rebuilt so far.
  EXPECT_EQ(ReadFile(dir + "/a.log").find("rebuilding"), std::string::npos) << Tail(ReadFile(dir + "/a.log"));

  // 3. B takes the partitions over (A's session expires) and decides
  //    everything A holds, and more.
  EngineProcess b(cfg.bootstrap, dir + "/b");
  b.Start();
  ProduceAll(cfg, load.commands, held, before_restart);
  ASSERT_TRUE(answered(before_restart)) << Tail(ReadFile(dir + "/b.log"));

  // 4. A resumes with its held batches: its transactions must be refused.
  a.Signal(SIGCONT);
  std::filesystem::remove(hold);
  const int a_exit = a.Wait();
  const std::string a_log = ReadFile(dir + "/a.log");
  std::printf("engine A exited with %d; its last lines:\n%s\n", a_exit, Tail(a_log).c_str());
  EXPECT_EQ(a_exit, 3) << "a fenced engine exits with 3 (conflict)";
  EXPECT_NE(a_log.find("duban engine: stepping down: fenced: partition "), std::string::npos) << Tail(a_log);
  EXPECT_EQ(a_log.find("transactions=0 "), std::string::npos) << "A committed no transaction before the pause?";

  // Whatever A held never reached duban.events: B's events are the only
  // version of every command.
  reader.CatchUp();
  EXPECT_TRUE(reader.census.conflicts.empty()) << reader.census.conflicts.front();

  // 5. B stops; A comes back on its old store, which holds decisions no
  //    committed transaction carries: it rebuilds those partitions from
  //    duban.events, and decides the last commands.
  EXPECT_EQ(b.Kill(SIGTERM), 0);
  EngineProcess a2(cfg.bootstrap, dir + "/a");
  a2.Start();
  ProduceAll(cfg, load.commands, before_restart);
  AwaitAll(reader, load);
  EXPECT_EQ(a2.Kill(SIGTERM), 0);
  const std::string a2_log = ReadFile(dir + "/a.log").substr(a_log.size());
  if (const auto at = a2_log.rfind("commands="); at != std::string::npos)
    std::printf("engine A restarted: %s", a2_log.substr(at).c_str());
  // Every partition A held has decisions no transaction carries: each is
  // rebuilt (others of the same poll may be too: they were decided after the
  // release and refused as well), and nothing of A's is produced again.
  std::set<std::string> held_partitions;
  for (size_t at = 0; (at = a_log.find(": holding a decided batch", at)) != std::string::npos; ++at)
    held_partitions.insert(a_log.substr(a_log.rfind("partition ", at), at - a_log.rfind("partition ", at)));
  ASSERT_FALSE(held_partitions.empty());
  const auto rebuilt_at = a2_log.find("rebuilt=");
  ASSERT_NE(rebuilt_at, std::string::npos) << Tail(a2_log);
  const int rebuilt = std::atoi(a2_log.c_str() + rebuilt_at + 8);
  EXPECT_GE(rebuilt, static_cast<int>(held_partitions.size())) << Tail(a2_log);
  EXPECT_LE(rebuilt, cfg.partitions);
  EXPECT_NE(a2_log.find("reproduced=0 "), std::string::npos) << Tail(a2_log);

  reader.CatchUp();
  ExpectExactlyOnce(reader.census, load);  // also: no event id with two hashes
  ProjectAndVerify(cfg, dir + "/read", load.expected_events);
  if (HasFailure()) {
    std::printf("kept for diagnosis: %s\n", dir.c_str());
    return;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace duban::kafka::testing
