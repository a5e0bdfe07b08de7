// duban-reminders in embedded mode, as a user runs it: a real RocksDB store
// made by the `duban` binary (an account, a plan from workflows/plans/, a
// tick that fires its 2021 deadlines on today's clock), followed by the
// `duban-reminders` binary with --store. Covers delivery to the outbox, the
// durable cursor across runs, kill -9 mid-delivery and restart, a store held
// by a running `duban serve`, and refusals (missing or damaged store, state
// inside the store, a second consumer on one state directory, a cursor of
// another store). The channels file in embedded mode is in
// embedded_channels_test.cc. No sleeps decide anything:
// each wait is for progress another process makes, with a generous bound.
#include <gtest/gtest.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "embedded_fixture.h"
#include "receivers.h"

namespace duban::consumers {
namespace {

namespace fs = std::filesystem;
using namespace test_support;  // NOLINT(google-build-using-namespace): the fixture's names

// An HTTP receiver that accepts notifications until `hold_after` have been
// accepted, then holds every further POST unanswered (as a hung webhook)
// until the limit is raised, and answers those 503: a test stops the consumer
// at an exact point of its work, however fast it ran until then.
class HoldingReceiver {
 public:
  HoldingReceiver() {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      auto j = nlohmann::json::parse(req.body, nullptr, false);
      std::unique_lock<std::mutex> lock(mu_);
      if (accepted_total_ >= hold_after_) {
        ++held_;
        changed_.wait(lock, [this] { return accepted_total_ < hold_after_; });
        res.status = 503;
        return;
      }
      if (!j.is_object() || req.get_header_value("Idempotency-Key") != j.value("notification_id", "")) {
        res.status = 400;
        return;
      }
      ++accepted_[j["notification_id"].get<std::string>()];
      ++accepted_total_;
      res.status = 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~HoldingReceiver() {
    Hold(SIZE_MAX);
    server_.stop();
    thread_.join();
  }
  void Hold(size_t after_accepted) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      hold_after_ = after_accepted;
    }
    changed_.notify_all();
  }
  int held() const {
    std::lock_guard<std::mutex> lock(mu_);
    return held_;
  }
  std::map<std::string, int> accepted() const {
    std::lock_guard<std::mutex> lock(mu_);
    return accepted_;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  size_t hold_after_ = SIZE_MAX, accepted_total_ = 0;
  int held_ = 0;
  std::map<std::string, int> accepted_;
};

TEST_F(RemindersEmbeddedTest, TickedRemindersReachTheOutboxOnceEachAndARerunDeliversOnlyNewEvents) {
  MakeStoreWithPlan();
  Tick();
  const std::set<std::string> expected = ExpectedIds();
  ASSERT_GT(expected.size(), 20u);

  Ran first = Reminders({"--outbox", outbox_, "--exit-when-idle"});
  ASSERT_EQ(first.rc, 0) << first.out << first.err;
  auto lines = OutboxLines(outbox_);
  std::set<std::string> got;
  std::map<std::string, int> channels;
  for (const auto& j : lines) {
    got.insert(j["notification_id"].get<std::string>());
    ++channels[j["channel"].get<std::string>()];
    // The directory knowledge Kafka mode has: plan title and task text.
    EXPECT_NE(j["plan_title"].get<std::string>(), j["plan"].get<std::string>()) << j.dump();
    EXPECT_FALSE(j["task_text"].get<std::string>().empty()) << j.dump();
    EXPECT_NE(j["text"].get<std::string>().find("第" + std::to_string(j["task"].get<int>()) + "项任务「"),
              std::string::npos)
        << j["text"];
  }
  EXPECT_EQ(lines.size(), expected.size());
  EXPECT_EQ(got, expected);
  EXPECT_GT(channels["overdue"], 0);
  EXPECT_GT(channels["escalation"], 0);
  EXPECT_NE(first.out.find("delivered=" + std::to_string(expected.size()) + " "), std::string::npos) << first.out;
  std::printf("first run: %s", first.out.c_str());

  // The cursor is durable: a second run reads nothing and delivers nothing.
  Ran again = Reminders({"--outbox", outbox_, "--exit-when-idle"});
  ASSERT_EQ(again.rc, 0) << again.err;
  EXPECT_NE(again.out.find("records=0 "), std::string::npos) << again.out;
  EXPECT_EQ(OutboxLines(outbox_).size(), expected.size());

  // New events after the cursor: only theirs are delivered.
  Ran v2 = Duban({"--as", "zr", "plan", "import", std::string(DUBAN_SOURCE_DIR) + "/workflows/plans/shaoguan-2021.txt",
                  "--new-version"});
  ASSERT_EQ(v2.rc, 0) << v2.out << v2.err;
  Tick();
  const std::set<std::string> all = ExpectedIds();
  ASSERT_GT(all.size(), expected.size());
  Ran third = Reminders({"--outbox", outbox_, "--exit-when-idle"});
  ASSERT_EQ(third.rc, 0) << third.err;
  EXPECT_NE(third.out.find("delivered=" + std::to_string(all.size() - expected.size()) + " duplicates_skipped=0"),
            std::string::npos)
      << third.out;
  auto ids = OutboxIds(outbox_);
  EXPECT_EQ(ids.size(), all.size());
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), all);
}

TEST_F(RemindersEmbeddedTest, KilledWithSigkillMidDeliveryFiveTimesEachNotificationArrivesExactlyOnce) {
  MakeStoreWithPlan();
  Tick();
  const std::set<std::string> expected = ExpectedIds();
  ASSERT_GT(expected.size(), 60u);
  HoldingReceiver receiver;
  const auto args = Args({"--webhook", receiver.url(), "--outbox", outbox_, "--max-attempts", "1000", "--backoff-ms",
                          "1", "--max-backoff-ms", "2", "--poll-ms", "20"});
  // Each process is killed while the webhook holds its next notification:
  // after 10, 20, ... accepted, in the middle of a batch, its cursor unmoved.
  const int kKills = 5;
  for (int k = 1; k <= kKills; ++k) {
    receiver.Hold(static_cast<size_t>(10 * k));
    const int held_before = receiver.held();
    Child c(DUBAN_REMINDERS_EXE, args, tmp_.path() + "/kill" + std::to_string(k) + ".out");
    ASSERT_TRUE(WaitFor([&] { return receiver.held() > held_before; })) << "round " << k;
    int status = c.Signal(SIGKILL);
    EXPECT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(receiver.accepted().size(), static_cast<size_t>(10 * k));
    EXPECT_EQ(OutboxIds(outbox_).size(), static_cast<size_t>(10 * k));
  }
  receiver.Hold(SIZE_MAX);
  Ran finish = Reminders({"--webhook", receiver.url(), "--outbox", outbox_, "--exit-when-idle"});
  ASSERT_EQ(finish.rc, 0) << finish.out << finish.err;

  auto ids = OutboxIds(outbox_);
  EXPECT_EQ(ids.size(), expected.size());
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), expected);
  std::set<std::string> webhook;
  for (const auto& [id, n] : receiver.accepted()) {
    webhook.insert(id);
    // Killed while waiting for an answer, never between a 2xx and its record.
    EXPECT_EQ(n, 1) << id;
  }
  EXPECT_EQ(webhook, expected);
  std::printf("%d kills, %zu notifications, each once in the outbox and at the webhook; last run: %s", kKills,
              ids.size(), finish.out.c_str());
}

TEST_F(RemindersEmbeddedTest, AStoreHeldByARunningServeIsFollowedAsItsClockFiresTimers) {
  MakeStoreWithPlan();  // not ticked: the server's own clock fires the timers
  const std::set<std::string> before = ExpectedIds();
  EXPECT_TRUE(before.empty());
  Child reminders(DUBAN_REMINDERS_EXE, Args({"--outbox", outbox_, "--poll-ms", "50"}), tmp_.path() + "/rem.out");
  // The consumer has read the store (its cursor is written once it has).
  ASSERT_TRUE(WaitFor([&] { return fs::exists(state_ + "/cursor"); }));

  const std::string listen = "127.0.0.1:" + std::to_string(testing::FreeLoopbackPort());
  Child serve(DUBAN_EXE, {"--data", store_, "serve", "--listen", listen, "--tick-interval", "1"},
              tmp_.path() + "/serve.out");
  // Once it answers it holds the store: a second writer is refused meanwhile.
  httplib::Client http("http://" + listen);
  ASSERT_TRUE(WaitFor([&] {
    auto res = http.Get("/healthz");
    return res && res->status == 200;
  })) << Slurp(tmp_.path() + "/serve.out");
  Ran refused = Duban({"tick"});
  EXPECT_NE(refused.rc, 0);
  EXPECT_NE(refused.err.find("in use"), std::string::npos) << refused.err;

  // Its tick's reminders reach the outbox while it runs.
  std::set<std::string> expected;
  ASSERT_TRUE(WaitFor([&] {
    expected = ExpectedIds();
    auto ids = OutboxIds(outbox_);
    return !expected.empty() && std::set<std::string>(ids.begin(), ids.end()) == expected;
  })) << "expected "
      << expected.size() << ", outbox " << OutboxIds(outbox_).size() << "\n"
      << Slurp(tmp_.path() + "/rem.out");
  EXPECT_TRUE(serve.running());
  EXPECT_EQ(OutboxIds(outbox_).size(), expected.size());

  int st = reminders.Signal(SIGTERM);
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 0) << Slurp(tmp_.path() + "/rem.out");
  st = serve.Signal(SIGTERM);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << Slurp(tmp_.path() + "/serve.out");
  std::printf("beside serve: %zu notifications; %s", expected.size(), Slurp(tmp_.path() + "/rem.out").c_str());
}

TEST_F(RemindersEmbeddedTest, AMissingOrDamagedStoreIsRefusedWithAClearErrorAndExitOne) {
  Ran missing = Reminders({"--outbox", outbox_, "--exit-when-idle"});
  EXPECT_EQ(missing.rc, 1);
  EXPECT_NE(missing.err.find("no duban store in " + store_), std::string::npos) << missing.err;

  MakeStoreWithPlan();
  Tick();
  Ran inside =
      RunProcess(DUBAN_REMINDERS_EXE, {"--store", store_, "--data", store_ + "/rem", "--outbox", outbox_}, tmp_.path());
  EXPECT_EQ(inside.rc, 1);
  EXPECT_NE(inside.err.find("lies inside --store"), std::string::npos) << inside.err;
  EXPECT_FALSE(fs::exists(store_ + "/rem"));

  Ran usage = RunProcess(DUBAN_REMINDERS_EXE, {"--data", state_, "--outbox", outbox_}, tmp_.path());
  EXPECT_EQ(usage.rc, 2);
  EXPECT_NE(usage.err.find("--store"), std::string::npos) << usage.err;

  // One consumer per state directory: a second one is refused while the
  // first runs.
  {
    Child first(DUBAN_REMINDERS_EXE, Args({"--outbox", outbox_, "--poll-ms", "50"}), tmp_.path() + "/first.out");
    ASSERT_TRUE(WaitFor([&] { return fs::exists(state_ + "/cursor"); }));
    Ran second = Reminders({"--outbox", outbox_, "--exit-when-idle"});
    EXPECT_EQ(second.rc, 1);
    EXPECT_NE(second.err.find("in use by another duban-reminders"), std::string::npos) << second.err;
    int st = first.Signal(SIGTERM);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }

  // A cursor made on another store is not applied to this one.
  ASSERT_EQ(Reminders({"--outbox", outbox_, "--exit-when-idle"}).rc, 0);
  const std::string other_store = store_;
  store_ = tmp_.path() + "/store2";
  MakeStoreWithPlan();
  Ran other = Reminders({"--outbox", outbox_, "--exit-when-idle"});
  EXPECT_EQ(other.rc, 1);
  EXPECT_NE(other.err.find("belongs to store"), std::string::npos) << other.err;
  store_ = other_store;

  // Damaged: a file RocksDB needs is gone.
  for (const auto& f : fs::directory_iterator(store_))
    if (f.path().filename().string().rfind("MANIFEST-", 0) == 0) fs::remove(f.path());
  Ran damaged = Reminders({"--outbox", outbox_, "--exit-when-idle"});
  EXPECT_EQ(damaged.rc, 1);
  EXPECT_NE(damaged.err.find("damaged"), std::string::npos) << damaged.err;
  EXPECT_EQ(damaged.out, "") << "nothing delivered, no counters printed";
}

// A simulated year (`duban simulate`: scripted units, the year's reminders
// and escalations), delivered by a consumer killed with SIGKILL at random
// points 20 times. Afterwards every notification is in the outbox exactly
// once (the receiver with no crash window: it dedupes from its own file) and
// the dead letters are exactly the poison ones (the office's robot has a
// revoked key: errcode 93000). The webhook's window is covered by the
// five-kill test above; leaving it out here keeps this test to minutes.
TEST_F(RemindersEmbeddedTest, KilledAtRandomTwentyTimesAYearIsDeliveredOnceAndOnlyPoisonIsDeadLettered) {
  Ran sim = Duban({"simulate"});
  ASSERT_EQ(sim.rc, 0) << sim.out << sim.err;
  const std::set<std::string> expected = ExpectedIds();
  std::set<std::string> poison, good;
  for (const auto& id : expected)
    (id.size() > 10 && id.compare(id.size() - 10, 10, ":督查室") == 0 ? poison : good).insert(id);
  ASSERT_GT(good.size(), 100u);
  ASSERT_GT(poison.size(), 0u);

  testing::RobotReceiver robot;
  robot.Refuse("key=REVOKED", 93000);
  const std::string channels = tmp_.path() + "/channels.yaml";
  std::ofstream(channels) << "channels:\n"
                          << "  box: {type: outbox, path: \"" << outbox_ << "\"}\n"
                          << "  office-wx: {type: wecom, url: \"" << robot.url("/send?key=REVOKED") << "\"}\n"
                          << "recipients:\n  default: [{channel: box}]\n"
                          << "  督查室: [{channel: office-wx}]\n";
  const auto args = Args({"--channels", channels, "--backoff-ms", "1", "--max-backoff-ms", "2", "--poll-ms", "20"});
  std::mt19937 rng(std::random_device{}());
  const int kKills = 20;
  int kills = 0;
  for (int k = 1; k <= kKills; ++k) {
    const size_t before = OutboxIds(outbox_).size() + robot.requests().size();
    if (before == good.size() + poison.size()) break;  // all done: no delivery left to interrupt
    Child c(DUBAN_REMINDERS_EXE, args, tmp_.path() + "/kill" + std::to_string(k) + ".out");
    // Killed mid-delivery: once it has made progress, after a random pause.
    ASSERT_TRUE(WaitFor([&] { return OutboxIds(outbox_).size() + robot.requests().size() > before; }))
        << "round " << k << ": no progress";
    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 3000)(rng)));
    int status = c.Signal(SIGKILL);
    ASSERT_TRUE(WIFSIGNALED(status)) << "round " << k << " ended before its kill";
    ++kills;
  }
  Ran finish = Reminders({"--channels", channels, "--exit-when-idle", "--backoff-ms", "1"});
  ASSERT_EQ(finish.rc, 0) << finish.out << finish.err;
  EXPECT_GE(kills, kKills) << "the year was delivered before " << kKills << " kills: too little work";

  auto ids = OutboxIds(outbox_);
  EXPECT_EQ(ids.size(), good.size()) << "each notification exactly once in the outbox";
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), good);
  Ran list = RunProcess(DUBAN_REMINDERS_EXE, {"dlq", "list", "--data", state_, "--json"}, tmp_.path());
  ASSERT_EQ(list.rc, 0) << list.err;
  std::multiset<std::string> dead;
  std::istringstream lines(list.out);
  for (std::string l; std::getline(lines, l);)
    dead.insert(nlohmann::json::parse(l)["notification_id"].get<std::string>());
  EXPECT_EQ(dead.size(), poison.size()) << "each poison notification dead-lettered once";
  EXPECT_EQ(std::set<std::string>(dead.begin(), dead.end()), poison);
  std::printf("%d kills: %zu notifications delivered once, %zu poison dead-lettered once; last run: %s", kills,
              good.size(), poison.size(), finish.out.c_str());
}

}  // namespace
}  // namespace duban::consumers
