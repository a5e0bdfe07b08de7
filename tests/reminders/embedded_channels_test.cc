// duban-reminders in embedded mode with a channels file (channels.h): a
// real store made by the `duban` binary, everyone routed to the outbox and
// the office to a 企业微信 robot whose key is refused at first; the robot's
// dead letters listed and retried with `dlq list|retry` (not while the
// consumer runs, a retry killed midway, one --id, then --all); and a
// malformed channels file refused before anything is read.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "embedded_fixture.h"
#include "receivers.h"

namespace duban::consumers {
namespace {

namespace fs = std::filesystem;
using namespace test_support;  // NOLINT(google-build-using-namespace): the fixture's names

TEST_F(RemindersEmbeddedTest, AChannelsFileRoutesRecipientsAndItsDeadLettersAreListedAndRetriedOnce) {
  MakeStoreWithPlan();
  Tick();
  const std::set<std::string> expected = ExpectedIds();
  std::set<std::string> to_office;
  for (const auto& id : expected)
    if (id.size() > 10 && id.compare(id.size() - 10, 10, ":督查室") == 0) to_office.insert(id);
  ASSERT_GT(to_office.size(), 1u) << "the plan's escalations reach the office";

  // Everyone to the outbox; the office to its 企业微信 robot, whose key is
  // wrong at first (errcode 93000: final, so dead-lettered at once).
  testing::RobotReceiver robot;
  robot.Refuse("key=OFFICE", 93000);
  const std::string channels = tmp_.path() + "/channels.yaml";
  std::ofstream(channels) << "channels:\n"
                          << "  box: {type: outbox, path: \"" << outbox_ << "\"}\n"
                          << "  office-wx: {type: wecom, url: \"" << robot.url("/cgi-bin/webhook/send?key=OFFICE")
                          << "\"}\n"
                          << "recipients:\n  default: [{channel: box}]\n  督查室: [{channel: office-wx}]\n";
  Ran run = Reminders({"--channels", channels, "--exit-when-idle", "--backoff-ms", "1"});
  ASSERT_EQ(run.rc, 0) << run.out << run.err;
  auto ids = OutboxIds(outbox_);
  EXPECT_EQ(ids.size(), expected.size() - to_office.size());
  for (const auto& id : ids) EXPECT_EQ(to_office.count(id), 0u) << id;
  EXPECT_EQ(robot.requests().size(), to_office.size()) << "a final errcode is not retried";
  EXPECT_EQ(robot.accepted(), 0);

  Ran list = RunProcess(DUBAN_REMINDERS_EXE, {"dlq", "list", "--data", state_, "--json"}, tmp_.path());
  ASSERT_EQ(list.rc, 0) << list.err;
  std::vector<nlohmann::json> entries;
  std::istringstream lines(list.out);
  for (std::string l; std::getline(lines, l);) entries.push_back(nlohmann::json::parse(l));
  ASSERT_EQ(entries.size(), to_office.size()) << list.out;
  std::set<std::string> listed;
  for (const auto& e : entries) {
    listed.insert(e["notification_id"].get<std::string>());
    EXPECT_EQ(e["channel"], "office-wx");
    EXPECT_EQ(e["attempts"], 1);
    EXPECT_NE(e["error"].get<std::string>().find("errcode 93000"), std::string::npos) << e;
  }
  EXPECT_EQ(listed, to_office);
  Ran table = RunProcess(DUBAN_REMINDERS_EXE, {"dlq", "list", "--data", state_}, tmp_.path());
  EXPECT_NE(table.out.find(std::to_string(to_office.size()) + " dead letter(s)"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("office-wx"), std::string::npos) << table.out;

  // Not while the consumer holds --data.
  {
    auto start = [&] {
      return std::make_unique<Child>(DUBAN_REMINDERS_EXE, Args({"--channels", channels, "--poll-ms", "50"}),
                                     tmp_.path() + "/run.out");
    };
    std::unique_ptr<Child> running = start();
    ASSERT_TRUE(WaitFor([&] { return running->running(); }));
    Ran busy;
    ASSERT_TRUE(WaitFor([&] {
      // A retry that takes the lock while the consumer starts makes the
      // consumer stop ("in use", exit 1): start it again (a loaded machine
      // made this race lose every round for two minutes). --id of no entry:
      // a retry that gets the lock delivers nothing.
      if (!running->running()) running = start();
      busy = RunProcess(DUBAN_REMINDERS_EXE,
                        {"dlq", "retry", "--data", state_, "--id", "999999", "--channels", channels}, tmp_.path());
      return busy.err.find("in use") != std::string::npos;
    })) << busy.err;
    EXPECT_EQ(busy.rc, 1);
    running->Signal(SIGTERM);
  }

  robot.Refuse("key=OFFICE", 0);  // the office fixed its robot
  Ran unknown = RunProcess(DUBAN_REMINDERS_EXE,
                           {"dlq", "retry", "--data", state_, "--id", "999999", "--channels", channels}, tmp_.path());
  EXPECT_EQ(unknown.rc, 1);
  EXPECT_NE(unknown.err.find("no dead letter #999999"), std::string::npos) << unknown.err;

  // A retry killed after delivering entries[0] and recording it, before it
  // rewrote the file: the entry is still there, its delivery recorded.
  std::ofstream(state_ + "/delivered.log", std::ios::app)
      << "office-wx\t" << entries[0]["notification_id"].get<std::string>() << "\n";
  Ran after_kill = RunProcess(DUBAN_REMINDERS_EXE, {"dlq", "list", "--data", state_, "--json"}, tmp_.path());
  EXPECT_EQ(std::count(after_kill.out.begin(), after_kill.out.end(), '\n'), static_cast<long>(to_office.size() - 1));

  const std::string one = std::to_string(entries[1]["id"].get<uint64_t>());
  Ran first = RunProcess(DUBAN_REMINDERS_EXE, {"dlq", "retry", "--data", state_, "--id", one, "--channels", channels},
                         tmp_.path());
  ASSERT_EQ(first.rc, 0) << first.out << first.err;
  // The entry the "killed" retry delivered leaves the file with this rewrite.
  EXPECT_NE(first.out.find("delivered=1 already_delivered=1 failed=0 poison=0 remaining=" +
                           std::to_string(to_office.size() - 2)),
            std::string::npos)
      << first.out;
  Ran all =
      RunProcess(DUBAN_REMINDERS_EXE, {"dlq", "retry", "--data", state_, "--all", "--channels", channels}, tmp_.path());
  ASSERT_EQ(all.rc, 0) << all.out << all.err;
  EXPECT_NE(all.out.find("delivered=" + std::to_string(to_office.size() - 2) +
                         " already_delivered=0 failed=0 poison=0 remaining=0"),
            std::string::npos)
      << all.out;
  // Each undelivered office notification reached the robot exactly once; the
  // one recorded before the "kill" was not sent again.
  EXPECT_EQ(robot.accepted(), static_cast<int>(to_office.size() - 1));
  std::multiset<std::string> texts;
  for (const auto& r : robot.requests())
    if (r.body.is_object()) texts.insert(r.body["text"]["content"].get<std::string>());
  for (const auto& t : texts) EXPECT_LE(texts.count(t), 2u) << t;  // once refused, at most once accepted
  Ran empty = RunProcess(DUBAN_REMINDERS_EXE, {"dlq", "list", "--data", state_}, tmp_.path());
  EXPECT_NE(empty.out.find("0 dead letter(s)"), std::string::npos) << empty.out;
  Ran again =
      RunProcess(DUBAN_REMINDERS_EXE, {"dlq", "retry", "--data", state_, "--all", "--channels", channels}, tmp_.path());
  EXPECT_EQ(again.rc, 0) << again.err;
  EXPECT_NE(again.out.find("delivered=0 already_delivered=0 failed=0 poison=0 remaining=0"), std::string::npos);
  EXPECT_EQ(robot.accepted(), static_cast<int>(to_office.size() - 1));
}

TEST_F(RemindersEmbeddedTest, AMalformedChannelsFileIsRefusedAtStartWithFileAndLine) {
  MakeStoreWithPlan();
  const std::string channels = tmp_.path() + "/bad.yaml";
  std::ofstream(channels) << "channels:\n  m: {type: email, url: \"smtp://127.0.0.1:1\", from: a@b.c}\n"
                          << "recipients:\n  default:\n    - {channel: mail, to: [x@y.z]}\n";
  Ran bad = Reminders({"--channels", channels, "--exit-when-idle"});
  EXPECT_EQ(bad.rc, 2);
  EXPECT_NE(bad.err.find(channels + ":5: recipient default: channel \"mail\" is not defined"), std::string::npos)
      << bad.err;
  EXPECT_FALSE(fs::exists(state_ + "/cursor")) << "nothing read with a half-read configuration";
}

}  // namespace
}  // namespace duban::consumers
