// What the embedded-mode tests share (embedded_test.cc,
// embedded_channels_test.cc): child processes run to completion or left
// running, waits for what another process makes true, the outbox read back,
// and RemindersEmbeddedTest, whose store the `duban` binary makes and which
// runs the `duban-reminders` binary on it.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "duban/consumers/notification.h"
#include "duban/core/workflow_timer_policy.h"
#include "duban/engine.h"
#include "temp_dir.h"

namespace duban::consumers::test_support {

struct Ran {
  int rc = -1;
  std::string out, err;
};

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs exe with args to completion (stdin from `input`), capturing both streams.
inline Ran RunProcess(const std::string& exe, const std::vector<std::string>& args, const std::string& scratch,
                      const std::string& input = "") {
  const std::string in = scratch + "/run.in", out = scratch + "/run.out", err = scratch + "/run.err";
  std::ofstream(in) << input;
  pid_t pid = ::fork();
  if (pid == 0) {
    int i = ::open(in.c_str(), O_RDONLY), o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644),
        e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(i, 0), ::dup2(o, 1), ::dup2(e, 2);
    std::vector<std::string> copy = args;
    std::vector<char*> argv{const_cast<char*>(exe.c_str())};
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), Slurp(out), Slurp(err)};
}

// A child process left running (duban-reminders without --exit-when-idle,
// duban serve); stdout and stderr go to files.
class Child {
 public:
  Child(const std::string& exe, const std::vector<std::string>& args, const std::string& out_path) {
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1), ::dup2(fd, 2);
      int null = ::open("/dev/null", O_RDONLY);
      ::dup2(null, 0);
      std::vector<std::string> copy = args;
      std::vector<char*> argv{const_cast<char*>(exe.c_str())};
      for (auto& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(exe.c_str(), argv.data());
      ::_exit(127);
    }
  }
  ~Child() {
    if (pid_ > 0) Signal(SIGKILL);
  }
  // Sends `sig`, waits, returns the status as waitpid gives it.
  int Signal(int sig) {
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }
  bool running() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }

 private:
  pid_t pid_ = -1;
};

// Waits for a condition another process makes true (checked every 10 ms, at
// most two minutes: a bound for a stuck test, not a timing assumption).
inline bool WaitFor(const std::function<bool()>& done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

// The outbox's whole lines. A test may read it while the consumer is
// writing one: a last line without its newline is not there yet.
inline std::vector<nlohmann::json> OutboxLines(const std::string& path) {
  const std::string text = Slurp(path);
  std::vector<nlohmann::json> out;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    if (nl > start) out.push_back(nlohmann::json::parse(text.substr(start, nl - start)));
  return out;
}

inline std::vector<std::string> OutboxIds(const std::string& path) {
  std::vector<std::string> ids;
  for (const auto& j : OutboxLines(path)) ids.push_back(j["notification_id"]);
  return ids;
}

// Every notification the store's log makes, rendered as the consumer renders
// it and read the way the consumer reads the store (read-only, beside a
// writer too): fn(event, notification) for each. False (and a test failure)
// when the store cannot be opened.
inline bool ForEachExpectedNotification(const std::string& store,
                                        const std::function<void(const schemas::Event&, Notification&)>& fn) {
  EngineOptions eo;
  eo.data_dir = store;
  eo.read_only = true;
  eo.create_if_missing = false;
  auto engine = Engine::Open(eo, WorkflowTimerPolicy::Default().value());
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  if (!engine.ok()) return false;
  TaskDirectory dir;
  (void)(*engine)->ScanLog(0, [&](uint64_t, const schemas::Event& e) {
    dir.Apply(e);
    for (auto& n : RenderNotifications(e, dir)) fn(e, n);
    return true;
  });
  return true;
}

class RemindersEmbeddedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = tmp_.path() + "/store";
    state_ = tmp_.path() + "/reminders";
    outbox_ = tmp_.path() + "/outbox.jsonl";
  }

  Ran Duban(const std::vector<std::string>& args, const std::string& input = "") {
    std::vector<std::string> all = {"--data", store_};
    all.insert(all.end(), args.begin(), args.end());
    return RunProcess(DUBAN_EXE, all, tmp_.path(), input);
  }
  Ran Reminders(const std::vector<std::string>& extra) {
    return RunProcess(DUBAN_REMINDERS_EXE, Args(extra), tmp_.path());
  }
  std::vector<std::string> Args(const std::vector<std::string>& extra) const {
    std::vector<std::string> a = {"--store", store_, "--data", state_, "--log-level", "error"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  // A real store (the machine's clock) with an office account and a plan.
  void MakeStoreWithPlan(const std::string& plan_file = "shaoguan-2021.txt",
                         const std::string& issued_on = "2021-03-01") {
    if (!std::filesystem::exists(store_)) {
      Ran u = Duban({"user", "add", "zr", "--role", "office", "--password-stdin"}, "office pass 123\n");
      ASSERT_EQ(u.rc, 0) << u.out << u.err;
    }
    // Entered as made early in 2021 (a back-entry): its deadlines were still
    // to come then, so the first tick fires each one's whole ladder. Imported
    // today (issued_on empty), each is late from the import, its escalations
    // weeks away.
    std::vector<std::string> args = {"--as", "zr", "plan", "import",
                                     std::string(DUBAN_SOURCE_DIR) + "/workflows/plans/" + plan_file};
    if (!issued_on.empty()) args.insert(args.end(), {"--issued-on", issued_on});
    Ran i = Duban(args);
    ASSERT_EQ(i.rc, 0) << i.out << i.err;
  }
  void Tick() {
    Ran t = Duban({"tick"});
    ASSERT_EQ(t.rc, 0) << t.out << t.err;
  }

  // The notification ids the store's log yields: what must reach each sink.
  // Read the way the consumer reads it (read-only, beside a writer too).
  std::set<std::string> ExpectedIds() {
    std::set<std::string> ids;
    ForEachExpectedNotification(store_, [&](const schemas::Event&, Notification& n) { ids.insert(n.notification_id); });
    return ids;
  }

  duban::testing::TempDir tmp_{"duban-reminders-embedded"};
  std::string store_, state_, outbox_;
};

}  // namespace duban::consumers::test_support
