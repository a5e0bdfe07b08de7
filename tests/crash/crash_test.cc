// Crash test: a load of 100,000 commands, the loading process killed with
// SIGKILL at random moments (at least 5 times) and restarted each time a
// little before its last acknowledgement (so acknowledged commands are
// submitted again). Afterwards every command is in the log exactly once, every
// acknowledged one among them, and `verify` finds the projections identical
// to a rebuild.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>

#include "duban/engine.h"

namespace {

constexpr uint64_t kCommands = 100000;

struct Child {
  pid_t pid = -1;
  FILE* out = nullptr;
};

Child Spawn(const std::string& data, uint64_t start) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    std::string s = std::to_string(start), n = std::to_string(kCommands);
    execl(DUBAN_CRASH_LOAD, DUBAN_CRASH_LOAD, "--data", data.c_str(), "--start", s.c_str(), "--end",
          n.c_str(), "--batch", "64", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  return Child{pid, fdopen(fds[0], "r")};
}

TEST(CrashTest, KilledLoadLosesAndDuplicatesNothingAcknowledged) {
  const std::string data =
      (std::filesystem::temp_directory_path() / ("duban-crash-" + std::to_string(getpid()))).string();
  std::filesystem::remove_all(data);
  std::mt19937 rng(12345);
  int64_t acked = -1;
  int kills = 0;
  bool finished = false;
  for (int round = 0; round < 40 && !finished; ++round) {
    // Restart a little before the last acknowledgement: those commands come again.
    const uint64_t start = acked < 0 ? 0 : static_cast<uint64_t>(std::max<int64_t>(0, acked - 100));
    Child c = Spawn(data, start);
    ASSERT_GT(c.pid, 0);
    const bool kill_this_round = kills < 6;
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(kill_this_round ? 150 + rng() % 400 : 600000);
    std::thread killer;
    if (kill_this_round) {
      killer = std::thread([pid = c.pid, deadline] {
        std::this_thread::sleep_until(deadline);
        kill(pid, SIGKILL);
      });
    }
    char line[128];
    while (std::fgets(line, sizeof line, c.out)) {
      unsigned long long i;
      if (std::sscanf(line, "ack %llu", &i) == 1) acked = std::max<int64_t>(acked, static_cast<int64_t>(i));
      if (std::string(line) == "done\n") finished = true;
    }
    int status = 0;
    waitpid(c.pid, &status, 0);
    if (killer.joinable()) killer.join();
    std::fclose(c.out);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
      ++kills;
      std::printf("kill %d: SIGKILL after acknowledgement of command %lld\n", kills, static_cast<long long>(acked));
      finished = false;
    } else {
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "loader failed, status " << status;
    }
  }
  ASSERT_TRUE(finished);
  ASSERT_GE(kills, 5) << "the load finished before it could be killed five times";

  duban::EngineOptions o;
  o.data_dir = data;
  auto engine = duban::Engine::Open(o);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  std::vector<uint32_t> seen(kCommands, 0);
  uint64_t other = 0, rejected = 0;
  ASSERT_TRUE((*engine)
                  ->ScanLog(1,
                            [&](uint64_t, const duban::schemas::Event& e) {
                              if (e.command_id.size() > 1 && e.command_id[0] == 'c') {
                                const uint64_t i = std::stoull(e.command_id.substr(1));
                                if (i < kCommands) ++seen[i];
                                if (e.stream == "!rejected") ++rejected;
                              } else {
                                ++other;
                              }
                              return true;
                            })
                  .ok());
  uint64_t missing = 0, duplicated = 0;
  for (uint64_t i = 0; i < kCommands; ++i) {
    if (seen[i] == 0) ++missing;
    if (seen[i] > 1) ++duplicated;
  }
  std::printf("crash test: %d kills, last acknowledged command %lld, %llu commands, %llu missing, "
              "%llu duplicated, %llu rejections logged, %llu setup events\n",
              kills, static_cast<long long>(acked), static_cast<unsigned long long>(kCommands),
              static_cast<unsigned long long>(missing), static_cast<unsigned long long>(duplicated),
              static_cast<unsigned long long>(rejected), static_cast<unsigned long long>(other));
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(duplicated, 0u);
  EXPECT_EQ(rejected, (kCommands + 996) / 997);
  auto report = (*engine)->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  for (const auto& p : report->problems) ADD_FAILURE() << p;
  EXPECT_TRUE(report->ok());
  engine->reset();
  std::filesystem::remove_all(data);
}

}  // namespace
