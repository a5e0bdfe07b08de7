// `duban serve --reminders FILE`: the reminders consumer as a thread of the
// server, as an office runs it. A real store made by the `duban` binary (the
// 2021 sample plan, so the server's first tick fires its deadlines on today's
// clock), the `duban serve` binary with a reminders file, and the accounts'
// notifications read and marked over HTTP on loopback: a unit sees its own
// and its leaders', the office its own, read marks are per account and
// survive a restart, an id of another unit cannot be marked, and the outbox
// has each notification once across the restart.
#include <gtest/gtest.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "embedded_fixture.h"
#include "receivers.h"

namespace duban::consumers {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace test_support;  // NOLINT(google-build-using-namespace): the fixture's names

constexpr const char* kUnit = "仁化县政府";
constexpr const char* kOtherUnit = "市司法局";
constexpr const char* kPassword = "unit pass 1234";

class ServeRemindersTest : public RemindersEmbeddedTest {
 protected:
  void AddAccounts() {
    for (const auto& [name, role, unit] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"rh1", "unit", kUnit}, {"rh2", "unit", kUnit}, {"ry", "unit", kOtherUnit}, {"office2", "office", ""}}) {
      std::vector<std::string> args = {"user", "add", name, "--role", role, "--password-stdin"};
      if (!unit.empty()) args.insert(args.end(), {"--unit", unit});
      Ran r = Duban(args, std::string(kPassword) + "\n");
      ASSERT_EQ(r.rc, 0) << name << ": " << r.out << r.err;
    }
  }
  void StartServe(const std::vector<std::string>& extra = {}) {
    listen_ = "127.0.0.1:" + std::to_string(testing::FreeLoopbackPort());
    std::vector<std::string> args = {"--data", store_, "serve", "--listen", listen_, "--tick-interval", "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    serve_ = std::make_unique<Child>(DUBAN_EXE, args, tmp_.path() + "/serve.out");
    httplib::Client http("http://" + listen_);
    ASSERT_TRUE(WaitFor([&] {
      auto res = http.Get("/healthz");
      return res && res->status == 200;
    })) << Slurp(tmp_.path() + "/serve.out");
  }
  int StopServe() {
    const int st = serve_->Signal(SIGTERM);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
  // A bearer session of `user`.
  std::string SignIn(const std::string& user) {
    httplib::Client http("http://" + listen_);
    auto r = http.Post("/api/v1/session", json{{"user", user}, {"password", kPassword}}.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 200) << user << ": " << (r ? r->body : "no answer");
    return r && r->status == 200 ? json::parse(r->body)["token"].get<std::string>() : "";
  }
  std::pair<int, json> Call(const std::string& token, const std::string& method, const std::string& path,
                            const json& body = nullptr) {
    httplib::Client http("http://" + listen_);
    httplib::Headers h = {{"Authorization", "Bearer " + token}};
    auto r = method == "GET" ? http.Get(path, h) : http.Post(path, h, body.dump(), "application/json");
    if (!r) return {-1, nullptr};
    return {r->status, json::parse(r->body, nullptr, false)};
  }
  // What the log says each recipient must be told (the consumer's renderer over the store).
  std::map<std::string, std::set<std::string>> ExpectedByRecipient(std::set<std::string>* office) {
    std::map<std::string, std::set<std::string>> out;
    ForEachExpectedNotification(store_, [&](const schemas::Event&, Notification& n) {
      if (n.recipient_kind == RecipientKind::kOffice)
        office->insert(n.notification_id);
      else
        out[n.recipient].insert(n.notification_id);
    });
    return out;
  }
  std::set<std::string> Ids(const json& list) {
    std::set<std::string> ids;
    for (const auto& n : list["notifications"]) ids.insert(n["id"].get<std::string>());
    return ids;
  }

  std::string listen_;
  std::unique_ptr<Child> serve_;
};

TEST_F(ServeRemindersTest, TheServersOwnConsumerTellsEachAccountItsNotificationsReadAndUnread) {
  MakeStoreWithPlan();
  AddAccounts();
  // A relative outbox: read relative to the file's own folder.
  fs::create_directories(tmp_.path() + "/conf");
  std::ofstream(tmp_.path() + "/conf/reminders.yaml") << "reminders:\n  outbox: ../outbox.jsonl\n  poll_ms: 50\n";
  StartServe({"--reminders", tmp_.path() + "/conf/reminders.yaml"});

  // The first tick fires the sample's 2021 deadlines; the thread tells everyone.
  std::set<std::string> office_expected;
  std::map<std::string, std::set<std::string>> expected;
  ASSERT_TRUE(WaitFor([&] {
    office_expected.clear();
    expected = ExpectedByRecipient(&office_expected);
    size_t all = office_expected.size();
    for (const auto& [who, ids] : expected) all += ids.size();
    auto got = OutboxIds(outbox_);
    return all > 0 && std::set<std::string>(got.begin(), got.end()).size() == all;
  })) << Slurp(tmp_.path() + "/serve.out");
  ASSERT_TRUE(fs::exists(store_ + "-reminders/workbench.jsonl")) << "state beside the store by default";

  std::set<std::string> mine = expected[kUnit];
  const std::set<std::string> leaders = expected[std::string(kUnit) + "主要负责同志"];
  mine.insert(leaders.begin(), leaders.end());
  ASSERT_FALSE(mine.empty());
  ASSERT_FALSE(office_expected.empty());

  const std::string rh1 = SignIn("rh1"), rh2 = SignIn("rh2"), ry = SignIn("ry"), office = SignIn("office2");
  auto [st, list] = Call(rh1, "GET", "/api/v1/notifications?limit=500");
  ASSERT_EQ(st, 200) << list.dump();
  EXPECT_TRUE(list["enabled"].get<bool>());
  EXPECT_EQ(list["total"].get<size_t>(), mine.size());
  EXPECT_EQ(list["unread"].get<size_t>(), mine.size());
  EXPECT_EQ(Ids(list), mine);
  for (const auto& n : list["notifications"]) {
    EXPECT_FALSE(n["read"].get<bool>());
    EXPECT_FALSE(n["text"].get<std::string>().empty());
  }
  // The office hears every unit's acceptance limit and escalations: more
  // than a page of 500; the page is the newest of its own, the total all.
  auto [ost, olist] = Call(office, "GET", "/api/v1/notifications?limit=500");
  ASSERT_EQ(ost, 200);
  EXPECT_EQ(olist["total"].get<size_t>(), office_expected.size());
  const std::set<std::string> office_page = Ids(olist);
  EXPECT_EQ(office_page.size(), std::min<size_t>(500, office_expected.size()));
  EXPECT_TRUE(std::includes(office_expected.begin(), office_expected.end(), office_page.begin(), office_page.end()))
      << "only the office's own";

  // One read by rh1: rh1 has one fewer unread, rh2 (same unit) none fewer.
  const std::string first = *mine.begin();
  auto [mst, marked] = Call(rh1, "POST", "/api/v1/notifications/read", json{{"ids", {first}}});
  ASSERT_EQ(mst, 200) << marked.dump();
  EXPECT_EQ(marked["marked"], 1);
  EXPECT_EQ(marked["unread"].get<size_t>(), mine.size() - 1);
  EXPECT_EQ(Call(rh2, "GET", "/api/v1/notifications?limit=1").second["unread"].get<size_t>(), mine.size());
  auto unread = Call(rh1, "GET", "/api/v1/notifications?unread=1&limit=500").second;
  EXPECT_EQ(Ids(unread).count(first), 0U);

  // Another unit's notification cannot be marked (nor seen), and nothing is marked then.
  auto [fst, forged] = Call(ry, "POST", "/api/v1/notifications/read", json{{"ids", {*std::next(mine.begin())}}});
  EXPECT_EQ(fst, 404) << forged.dump();
  EXPECT_EQ(Ids(Call(ry, "GET", "/api/v1/notifications?limit=500").second).count(first), 0U);
  auto [ast, all] = Call(rh1, "POST", "/api/v1/notifications/read", json{{"all", true}});
  ASSERT_EQ(ast, 200);
  EXPECT_EQ(all["marked"].get<size_t>(), mine.size() - 1);
  EXPECT_EQ(all["unread"], 0);

  // A restart: the marks stay, and the consumer tells no one twice.
  ASSERT_EQ(StopServe(), 0) << Slurp(tmp_.path() + "/serve.out");
  const size_t told = OutboxIds(outbox_).size();
  StartServe({"--reminders", tmp_.path() + "/conf/reminders.yaml"});
  const std::string again = SignIn("rh1");
  auto after = Call(again, "GET", "/api/v1/notifications?limit=500").second;
  EXPECT_EQ(after["unread"], 0);
  EXPECT_EQ(after["total"].get<size_t>(), mine.size());
  ASSERT_EQ(StopServe(), 0) << Slurp(tmp_.path() + "/serve.out");
  const auto ids = OutboxIds(outbox_);
  EXPECT_EQ(ids.size(), std::set<std::string>(ids.begin(), ids.end()).size()) << "a notification told twice";
  EXPECT_EQ(ids.size(), told);
  std::printf("%zu notifications told once each; %s: %zu, office: %zu\n", told, kUnit, mine.size(),
              office_expected.size());
}

TEST_F(ServeRemindersTest, HealthzSaysWhenTheRemindersThreadFailsAndWhenItStopped) {
  MakeStoreWithPlan();
  AddAccounts();
  std::ofstream(tmp_.path() + "/r.yaml") << "reminders:\n  outbox: " << outbox_ << "\n  poll_ms: 50\n";
  StartServe({"--reminders", tmp_.path() + "/r.yaml"});
  httplib::Client http("http://" + listen_);
  auto health = [&] {
    auto r = http.Get("/healthz");
    return r ? std::make_pair(r->status, r->body) : std::make_pair(-1, std::string());
  };
  auto [ok_status, ok_body] = health();
  EXPECT_EQ(ok_status, 200);
  EXPECT_NE(ok_body.find(" reminders=ok"), std::string::npos) << ok_body;
  // The thread has told what the first tick fired: then its state goes away
  // under it, and an office comment gives it something to tell.
  ASSERT_TRUE(WaitFor([&] { return !OutboxIds(outbox_).empty(); })) << Slurp(tmp_.path() + "/serve.out");
  // The thread may be writing in it while it goes: a file made between
  // remove_all's listing and its rmdir fails it with "Directory not empty",
  // so it is removed until it is gone.
  ASSERT_TRUE(WaitFor([&] {
    std::error_code ec;
    fs::remove_all(store_ + "-reminders", ec);
    return !ec && !fs::exists(store_ + "-reminders");
  })) << "the consumer's state directory could not be removed";
  auto [st, out] = Call(SignIn("office2"), "POST", "/api/v1/commands",
                        json{{"type", "add_note"},
                             {"plan", "shaoguan-2021"},
                             {"task", 1},
                             {"kind", "comment"},
                             {"text", "请抓紧"},
                             {"command_id", "health-note"}});
  ASSERT_EQ(st, 200) << out.dump();
  std::string said;
  ASSERT_TRUE(WaitFor([&] {
    auto [code, body] = health();
    said = body;
    return code == 503 && body.find(" reminders=failing (1 in a row): ") != std::string::npos;
  })) << said;
  EXPECT_NE(said.find(store_ + "-reminders/"), std::string::npos) << "the error names what failed: " << said;
  // After its pause it finds the state directory gone and stops for good (it
  // would otherwise tell everyone everything again).
  ASSERT_TRUE(WaitFor([&] {
    auto [code, body] = health();
    said = body;
    return code == 503 && body.find(" reminders=stopped") != std::string::npos;
  })) << said;
  EXPECT_NE(said.find("is gone"), std::string::npos) << said;
  EXPECT_FALSE(fs::exists(store_ + "-reminders")) << "not made again empty";
  ASSERT_EQ(StopServe(), 0) << Slurp(tmp_.path() + "/serve.out");
}

TEST_F(ServeRemindersTest, AServerWithoutAConsumerSaysSoAndABadRemindersFileStopsItAtStart) {
  MakeStoreWithPlan();
  AddAccounts();
  StartServe();
  auto [st, list] = Call(SignIn("rh1"), "GET", "/api/v1/notifications");
  EXPECT_EQ(st, 200);
  EXPECT_FALSE(list["enabled"].get<bool>()) << list.dump();
  ASSERT_EQ(StopServe(), 0);

  const std::string bad = tmp_.path() + "/bad.yaml";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"reminders:\n  store: /elsewhere\n", "leave store and kafka.bootstrap out"},
      {"reminders:\n  digest_at: \"9 o'clock\"\n", "--digest-at 9 o'clock: give a time of day as HH:MM"},
      {"reminders:\n  templates: missing.yaml\n", "missing.yaml"},
      {"- a list\n", "must be a mapping"},
      {"reminders:\n  pollms: 100\n", "bad.yaml:2: reminders: unknown key \"pollms\""},
      {"reminders:\n  state_dir:\n", "reminders: state_dir is empty"},
  };
  for (const auto& [text, said] : cases) {
    std::ofstream(bad) << text;
    Ran r = Duban({"serve", "--listen", listen_, "--reminders", bad});
    EXPECT_EQ(r.rc, 2) << text << r.err;
    EXPECT_NE(r.err.find(said), std::string::npos) << text << " -> " << r.err;
  }
  Ran missing = Duban({"serve", "--listen", listen_, "--reminders", tmp_.path() + "/none.yaml"});
  EXPECT_EQ(missing.rc, 2) << missing.err;
  EXPECT_NE(missing.err.find("none.yaml"), std::string::npos) << missing.err;
  // The state directory is no other store's, and a --notifications folder must be one.
  std::ofstream(bad) << "reminders:\n  state_dir: " << store_ << "\n";
  Ran inside = Duban({"serve", "--listen", listen_, "--reminders", bad});
  EXPECT_EQ(inside.rc, 1) << inside.err;
  EXPECT_NE(inside.err.find("keep the consumer's state in a directory of its own"), std::string::npos) << inside.err;
  Ran typo = Duban({"serve", "--listen", listen_, "--notifications", tmp_.path() + "/typo"});
  EXPECT_EQ(typo.rc, 2) << typo.err;
  EXPECT_NE(typo.err.find("is not a directory"), std::string::npos) << typo.err;
}

}  // namespace
}  // namespace duban::consumers
