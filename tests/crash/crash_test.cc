// Crash test: a load of 100,000 commands, the loading process killed with
// SIGKILL six times and restarted each time a little before its last
// acknowledgement (so acknowledged commands are submitted again). Afterwards
// every command is in the log exactly once, every acknowledged one among them,
// and `verify` finds the projections identical to a rebuild.
//
// The kills are driven by progress, not by the clock: each kill point is a
// random command number in its own sixth of the load, and the test sends
// SIGKILL as soon as the loader acknowledges a command at or past it, while the
// loader is writing the next batch. So the test kills exactly six times on a
// machine of any speed; a loader that runs far ahead of the test's reading
// stops at --hold-at (a few thousand commands past the point) and is killed
// there. DUBAN_CRASH_SEED repeats a run's kill points.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "duban/engine.h"

namespace {

constexpr uint64_t kCommands = 100000;
constexpr int kKills = 6;
// How far past its kill point the loader may run before it holds: 64 batches.
constexpr uint64_t kHoldMargin = 4096;

struct Child {
  pid_t pid = -1;
  FILE* out = nullptr;
};

Child Spawn(const std::string& data, uint64_t start, uint64_t hold_at) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    std::string s = std::to_string(start), n = std::to_string(kCommands), h = std::to_string(hold_at);
    execl(DUBAN_CRASH_LOAD, DUBAN_CRASH_LOAD, "--data", data.c_str(), "--start", s.c_str(), "--end", n.c_str(),
          "--batch", "64", "--hold-at", h.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  return Child{pid, fdopen(fds[0], "r")};
}

// kKills kill points, the k-th uniformly random within the k-th of kKills
// equal slices of the load's first 90% (so the last run always has work left).
std::vector<uint64_t> KillPoints(uint32_t seed) {
  std::mt19937 rng(seed);
  const uint64_t slice = kCommands * 9 / 10 / kKills;
  std::vector<uint64_t> points;
  for (int k = 0; k < kKills; ++k) points.push_back(k * slice + rng() % slice);
  return points;
}

// Right after a kill, the last acknowledged command's outcome is in the store.
void ExpectAcknowledgedInLog(const std::string& data, int64_t acked) {
  if (acked < 0) return;
  duban::EngineOptions o;
  o.data_dir = data;
  o.create_if_missing = false;
  auto engine = duban::Engine::Open(o);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  auto outcome = (*engine)->OutcomeOf("c" + std::to_string(acked));
  EXPECT_TRUE(outcome.ok()) << "acknowledged command c" << acked
                            << " is not in the log after the kill: " << outcome.status().ToString();
}

TEST(CrashTest, KilledLoadLosesAndDuplicatesNothingAcknowledged) {
  const std::string data =
      (std::filesystem::temp_directory_path() / ("duban-crash-" + std::to_string(getpid()))).string();
  std::filesystem::remove_all(data);
  const char* seed_env = std::getenv("DUBAN_CRASH_SEED");
  const uint32_t seed = seed_env ? static_cast<uint32_t>(std::strtoul(seed_env, nullptr, 10)) : std::random_device{}();
  const std::vector<uint64_t> points = KillPoints(seed);
  std::printf("crash test: seed %u (DUBAN_CRASH_SEED repeats it), kill points", seed);
  for (uint64_t p : points) std::printf(" %llu", static_cast<unsigned long long>(p));
  std::printf("\n");

  int64_t acked = -1;
  int kills = 0, held = 0;
  bool finished = false;
  // One run per kill, and a last one that finishes the load.
  for (int run = 0; run <= kKills; ++run) {
    const bool kill_this_run = run < kKills;
    // Restart a little before the last acknowledgement: those commands come again.
    const uint64_t start = acked < 0 ? 0 : static_cast<uint64_t>(std::max<int64_t>(0, acked - 100));
    const uint64_t point = kill_this_run ? std::max<uint64_t>(points[run], start) : 0;
    Child c = Spawn(data, start, kill_this_run ? point + kHoldMargin : UINT64_MAX);
    ASSERT_GT(c.pid, 0);
    bool killed = false, at_hold = false;
    char line[128];
    while (std::fgets(line, sizeof line, c.out)) {
      unsigned long long i;
      if (std::sscanf(line, "ack %llu", &i) == 1) acked = std::max<int64_t>(acked, static_cast<int64_t>(i));
      const std::string l(line);
      if (l == "done\n") finished = true;
      if (l == "hold\n") at_hold = true;
      if (kill_this_run && !killed && (at_hold || (acked >= 0 && static_cast<uint64_t>(acked) >= point))) {
        kill(c.pid, SIGKILL);
        killed = true;
      }
    }
    int status = 0;
    waitpid(c.pid, &status, 0);
    std::fclose(c.out);
    if (kill_this_run) {
      ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
          << "run " << run << " was to be killed at command " << point << " but ended with status " << status;
      ASSERT_FALSE(finished) << "the loader finished although it holds before the end";
      ++kills;
      held += at_hold;
      std::printf("kill %d: SIGKILL %s, last acknowledged command %lld (kill point %llu)\n", kills,
                  at_hold ? "while holding" : "while writing", static_cast<long long>(acked),
                  static_cast<unsigned long long>(point));
      ExpectAcknowledgedInLog(data, acked);
    } else {
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "loader failed, status " << status;
    }
  }
  ASSERT_TRUE(finished);
  ASSERT_EQ(kills, kKills);

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
  std::printf(
      "crash test: %d kills (%d while writing, %d while holding), last acknowledged command %lld, "
      "%llu commands, %llu missing, %llu duplicated, %llu rejections logged, %llu setup events\n",
      kills, kills - held, held, static_cast<long long>(acked), static_cast<unsigned long long>(kCommands),
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
