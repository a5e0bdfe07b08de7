// The reminders delivery loop against `duban dev-broker` (over TCP, a child
// process per test) and a real HTTP receiver on 127.0.0.1: retries, dedupe
// across restarts, dead-lettering of poison and undeliverable events. The
// demo year's real events are in demo_year_test.cc.
#include <gtest/gtest.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "delivery_fixture.h"

namespace duban::consumers {
namespace {

using namespace test_support;  // NOLINT(google-build-using-namespace): the fixture's names
using testing::EventRecord;
using testing::MakeEvent;

// An HTTP receiver that answers 503 to the first `fail_first` POSTs of each
// notification id, and always 503 for recipients in `always_fail`. Once
// Hold(n) has been called and n notifications are accepted, it holds every
// further POST unanswered until Release(), then answers it 503 (as a webhook
// that hung): a test can stop its client at an exact point of the work.
class Receiver {
 public:
  explicit Receiver(int fail_first, std::set<std::string> always_fail = {})
      : fail_first_(fail_first), always_fail_(std::move(always_fail)) {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      auto j = nlohmann::json::parse(req.body, nullptr, false);
      std::unique_lock<std::mutex> lock(mu_);
      if (accepted_.size() >= hold_after_) {
        ++held_;
        released_.wait(lock, [this] { return accepted_.size() < hold_after_; });
        res.status = 503;
        return;
      }
      if (!j.is_object() || !j.contains("notification_id")) {
        res.status = 400;
        return;
      }
      std::string id = j["notification_id"];
      int attempt = ++attempts_[id];
      if (attempt <= fail_first_ || always_fail_.count(j["recipient"].get<std::string>())) {
        res.status = 503;
        return;
      }
      ++accepted_[id];
      bodies_[id] = j;
      if (req.get_header_value("Idempotency-Key") != id) bad_keys_++;
      res.status = 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Receiver() {
    Release();
    server_.stop();
    thread_.join();
  }
  void Hold(size_t after_accepted) {
    std::lock_guard<std::mutex> lock(mu_);
    hold_after_ = after_accepted;
  }
  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      hold_after_ = SIZE_MAX;
    }
    released_.notify_all();
  }
  // POSTs that arrived while holding.
  int held() const {
    std::lock_guard<std::mutex> lock(mu_);
    return held_;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  std::map<std::string, int> accepted() const {
    std::lock_guard<std::mutex> lock(mu_);
    return accepted_;
  }
  std::map<std::string, int> attempts() const {
    std::lock_guard<std::mutex> lock(mu_);
    return attempts_;
  }
  nlohmann::json body(const std::string& id) const {
    std::lock_guard<std::mutex> lock(mu_);
    return bodies_.at(id);
  }
  int bad_keys() const {
    std::lock_guard<std::mutex> lock(mu_);
    return bad_keys_;
  }

 private:
  int fail_first_;
  std::set<std::string> always_fail_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable released_;
  size_t hold_after_ = SIZE_MAX;
  int held_ = 0;
  std::map<std::string, int> attempts_, accepted_;
  std::map<std::string, nlohmann::json> bodies_;
  int bad_keys_ = 0;
};

std::vector<std::string> OutboxIds(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> ids;
  for (std::string l; std::getline(in, l);) ids.push_back(nlohmann::json::parse(l)["notification_id"]);
  return ids;
}

TEST_F(RemindersDeliveryTest, WebhookFailingTwiceStillGetsEachNotificationExactlyOnce) {
  Receiver receiver(/*fail_first=*/2);
  auto events = PlanWithReminders("plan-a", 3);
  schemas::EscalationRaised esc{2, "市财政局", 1, "督促整改", {"市政府办公室"}};
  events.push_back(MakeEvent("plan-a", 100, esc));
  Append(events);
  const size_t expected = 3 + 3;  // three reminders; unit, office, notify for the escalation
  std::string outbox = (data_ / "outbox.jsonl").string();

  auto r = Start(Options("g-once"), receiver.url(), outbox);
  ASSERT_TRUE(r);
  ASSERT_TRUE(StepUntil(*r, [&] { return receiver.accepted().size() == expected; }));
  ASSERT_TRUE(StepUntil(*r, [&] { return r->stats().records == events.size(); }));
  ASSERT_TRUE(r->Close().ok());

  for (const auto& [id, n] : receiver.accepted()) EXPECT_EQ(n, 1) << id;
  for (const auto& [id, n] : receiver.attempts()) EXPECT_EQ(n, 3) << id;  // 503, 503, 200
  EXPECT_EQ(receiver.bad_keys(), 0);
  std::string id = events[6].event_id + ":市财政局";  // the reminder of task 3
  ASSERT_EQ(receiver.accepted().count(id), 1u);
  EXPECT_EQ(receiver.body(id)["text"],
            "【督办提醒】韶关市plan-a分工方案 第3项任务「第3项工作内容」将于2021-12-31到期（剩3个工作日），"
            "请市财政局按时完成并报送进度。");
  auto ids = OutboxIds(outbox);
  EXPECT_EQ(ids.size(), expected);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), expected);
  RemindersStats s = r->stats();
  EXPECT_EQ(s.notifications, expected);
  EXPECT_EQ(s.delivered, 2 * expected);  // webhook + outbox
  EXPECT_EQ(s.retries, 2 * expected);
  EXPECT_EQ(s.dead_lettered, 0u);
}

TEST_F(RemindersDeliveryTest, RestartAfterACrashBeforeCommitDeliversNothingTwice) {
  Receiver receiver(/*fail_first=*/0);
  auto events = PlanWithReminders("plan-b", 6);  // 13 records, 6 notifications
  Append(events);
  std::string outbox = (data_ / "outbox.jsonl").string();
  auto o = Options("g-restart");
  {
    auto crashing = o;
    // 7 directory events, then the reminders of tasks 1-3; the batch holding
    // record 10 (task 3) is never committed.
    crashing.crash_after_records = 10;
    auto r = Start(crashing, receiver.url(), outbox);
    ASSERT_TRUE(r);
    Status crashed;
    ASSERT_TRUE(Eventually([&] {
      auto n = r->Step(200);
      if (!n.ok()) crashed = n.status();
      return !n.ok();
    })) << "before the crash: "
        << Reminders::FormatStats(r->stats());
    EXPECT_NE(crashed.ToString().find("simulated crash"), std::string::npos) << crashed.ToString();
    EXPECT_GE(receiver.accepted().size(), 1u);
    EXPECT_LT(receiver.accepted().size(), 6u);
  }
  size_t before_restart = receiver.accepted().size();
  {
    auto r = Start(o, receiver.url(), outbox);
    ASSERT_TRUE(r);
    ASSERT_TRUE(StepUntil(*r, [&] { return receiver.accepted().size() == 6; }))
        << "after restart: " << Reminders::FormatStats(r->stats()) << " accepted=" << receiver.accepted().size();
    ASSERT_TRUE(r->Close().ok());
    // At least record 10 was read again; its notification (webhook and outbox) was skipped.
    EXPECT_GE(r->stats().duplicates, 2u);
    EXPECT_EQ(r->stats().delivered, 2 * (6 - before_restart));
  }
  {
    // A clean restart after everything was committed reads nothing new.
    Append({MakeEvent("plan-b", 200, schemas::DeadlineMissed{1, "市财政局", "2021-12-31"})});
    auto r = Start(o, receiver.url(), outbox);
    ASSERT_TRUE(r);
    ASSERT_TRUE(StepUntil(*r, [&] { return receiver.accepted().size() == 7; }))
        << "clean restart: " << Reminders::FormatStats(r->stats()) << " accepted=" << receiver.accepted().size();
    ASSERT_TRUE(r->Close().ok());
    EXPECT_EQ(r->stats().records, 1u);
    EXPECT_EQ(r->stats().delivered, 2u);
  }
  for (const auto& [id, n] : receiver.attempts()) EXPECT_EQ(n, 1) << id;
  auto ids = OutboxIds(outbox);
  EXPECT_EQ(ids.size(), 7u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 7u);
  // Task content was known after the restart although its TaskAdded was committed
  // before: the directory came back from DATA/directory.log.
  EXPECT_NE(receiver.body(events.back().event_id + ":市财政局")["text"].get<std::string>().find("「第6项工作内容」"),
            std::string::npos);
}

// Kafka mode with digests: two plans' reminders for one unit, on two
// partitions, recorded on Monday 2021-12-20 at 19:33 (China time): after a
// crash before the commit and a restart, the webhook has one digest for
// 2021-12-21 09:00 listing all eight, and nothing else.
TEST_F(RemindersDeliveryTest, WithDigestsOneUnitGetsOneMessageAcrossPartitionsAndACrashRepeatsNothing) {
  Receiver receiver(/*fail_first=*/0);
  auto a = PlanWithReminders("plan-a", 4), b = PlanWithReminders("plan-c", 4);
  Append(a);
  Append(b);
  auto o = Options("g-digest");
  o.digest_minute = 9 * 60;
  {
    auto crashing = o;
    crashing.crash_after_records = 12;
    auto r = Start(crashing, receiver.url());
    ASSERT_TRUE(r);
    ASSERT_TRUE(Eventually([&] { return !r->Step(200).ok(); }));
    EXPECT_TRUE(receiver.accepted().empty()) << "nothing is sent before the digest's slot has passed";
  }
  auto r = Start(o, receiver.url());
  ASSERT_TRUE(r);
  ASSERT_TRUE(StepUntil(*r, [&] { return !receiver.accepted().empty(); })) << Reminders::FormatStats(r->stats());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(r->Step(200).ok());
  ASSERT_TRUE(r->Close().ok());
  const auto accepted = receiver.accepted();
  ASSERT_EQ(accepted.size(), 1u);
  const nlohmann::json d = receiver.body(accepted.begin()->first);
  EXPECT_EQ(d["event_type"], "Digest");
  EXPECT_EQ(d["recipient"], "市财政局");
  EXPECT_EQ(d["title"], "【督办提醒】2021-12-21 督办事项汇总（8项）");
  std::set<std::string> items;
  for (const auto& id : d["items"]) items.insert(id.get<std::string>());
  std::set<std::string> expected;
  for (const auto* plan : {&a, &b})
    for (const auto& e : *plan)
      if (std::holds_alternative<schemas::DeadlineApproaching>(e.body)) expected.insert(e.event_id + ":市财政局");
  EXPECT_EQ(items, expected);
  EXPECT_EQ(d["items"].size(), 8u) << "each reminder once, the crash's re-read ones included";
}

TEST_F(RemindersDeliveryTest, PoisonAndUndeliverableEventsLandInTheDeadLetterTopic) {
  Receiver receiver(/*fail_first=*/0, /*always_fail=*/{"市教育局"});
  AppendRaw("plan-c", "not a frame at all");
  AppendRaw("plan-c", FrameRecord("framed, but not an event"));
  auto events = PlanWithReminders("plan-c", 1);
  events.push_back(MakeEvent("plan-c", 50, schemas::DeadlineMissed{1, "市教育局", "2021-12-31"}));
  events.push_back(MakeEvent("plan-c", 51, schemas::DeadlineMissed{1, "市财政局", "2021-12-31"}));
  Append(events);
  auto o = Options("g-dlq");
  o.retry = {3, 1, 4};
  auto r = Start(o, receiver.url());
  ASSERT_TRUE(r);
  ASSERT_TRUE(StepUntil(*r, [&] { return r->stats().records == events.size() + 2; }));
  ASSERT_TRUE(r->Close().ok());

  EXPECT_EQ(r->stats().poison, 2u);
  EXPECT_EQ(r->stats().dead_lettered, 1u);
  // The event after the undeliverable one was not held up.
  EXPECT_EQ(receiver.accepted().size(), 2u);
  EXPECT_EQ(receiver.attempts().at(events[3].event_id + ":市教育局"), 3);

  auto dlq = ReadDlq(3);
  ASSERT_EQ(dlq.size(), 3u);
  std::map<std::string, kafka::Message> by_value;
  for (auto& m : dlq) by_value[m.value] = m;
  ASSERT_TRUE(by_value.count("not a frame at all"));
  EXPECT_NE(Header(by_value["not a frame at all"], kDlqReason).find("poison: bad frame"), std::string::npos);
  EXPECT_EQ(Header(by_value["not a frame at all"], kDlqAttempts), "0");
  ASSERT_TRUE(by_value.count(FrameRecord("framed, but not an event")));
  EXPECT_NE(Header(by_value[FrameRecord("framed, but not an event")], kDlqReason).find("poison: undecodable"),
            std::string::npos);
  std::string undeliverable = EventRecord(events[3]);
  ASSERT_TRUE(by_value.count(undeliverable));
  const auto& m = by_value[undeliverable];
  EXPECT_NE(Header(m, kDlqReason).find("webhook failed"), std::string::npos) << Header(m, kDlqReason);
  EXPECT_EQ(Header(m, kDlqAttempts), "3");
  EXPECT_EQ(Header(m, kDlqNotifications), "webhook:" + events[3].event_id + ":市教育局");
  EXPECT_EQ(Header(m, kDlqSource).rfind("duban.events/", 0), 0u);
  EXPECT_EQ(m.key, "plan-c");
}

// ---- the duban-reminders process -------------------------------------------

// Runs duban-reminders as a child; stdout goes to a file.
class ReminderProcess {
 public:
  ReminderProcess(const std::vector<std::string>& args, const std::string& stdout_path) {
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      std::vector<char*> argv;
      std::string exe = DUBAN_REMINDERS_EXE;
      argv.push_back(exe.data());
      std::vector<std::string> copy = args;
      for (auto& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(exe.c_str(), argv.data());
      ::_exit(127);
    }
  }
  ~ReminderProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  // Sends `sig` and returns the exit status as waitpid gives it.
  int Signal(int sig) {
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(RemindersDeliveryTest, ProcessKilledMidwayAndRestartedDeliversEveryNotificationOnceToTheOutbox) {
  Receiver receiver(/*fail_first=*/1);
  auto events = PlanWithReminders("plan-d", 40);  // 82 records, 40 notifications
  Append(events);
  std::string outbox = (data_ / "outbox.jsonl").string();
  std::vector<std::string> args = {"--bootstrap",      Config().bootstrap,
                                   "--webhook",        receiver.url(),
                                   "--outbox",         outbox,
                                   "--data",           (data_ / "state").string(),
                                   "--backoff-ms",     "1",
                                   "--max-backoff-ms", "4",
                                   "--log-level",      "error"};
  // The receiver takes 10 notifications, then hangs: the first process is
  // killed while it waits on the 11th, however fast it ran until then.
  receiver.Hold(10);
  {
    ReminderProcess first(args, (data_ / "first.out").string());
    ASSERT_TRUE(WaitFor([&] { return receiver.held() > 0; }));
    int status = first.Signal(SIGKILL);
    EXPECT_TRUE(WIFSIGNALED(status));
  }
  EXPECT_EQ(receiver.accepted().size(), 10u);
  receiver.Release();
  ReminderProcess second(args, (data_ / "second.out").string());
  ASSERT_TRUE(WaitFor([&] { return receiver.accepted().size() == 40; }));
  ASSERT_TRUE(WaitFor([&] { return OutboxIds(outbox).size() >= 40; }));
  int status = second.Signal(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_NE(ReadFile((data_ / "second.out").string()).find("dead_lettered=0 poison=0"), std::string::npos);

  auto ids = OutboxIds(outbox);
  EXPECT_EQ(ids.size(), 40u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 40u);
  // kill -9 may fall between the webhook's 2xx and the fsync of delivered.log:
  // that one notification may reach the webhook twice (same Idempotency-Key).
  int twice = 0;
  for (const auto& [id, n] : receiver.accepted()) {
    EXPECT_LE(n, 2) << id;
    twice += n - 1;
  }
  EXPECT_LE(twice, 1);
}

}  // namespace
}  // namespace duban::consumers
