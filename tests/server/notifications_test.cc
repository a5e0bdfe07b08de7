// /api/v1/notifications over a list the reminders consumer's workbench
// channel keeps (consumer-state/workbench.jsonl). Here the lines are written
// as that channel writes them (one NotificationToJson object per line), with
// the damage a disk or a crash leaves: a line that is not JSON, a last line
// still being written. The consumer itself writing the list is
// tests/reminders/serve_thread_test.cc.
#include <filesystem>
#include <fstream>

#include "server_fixture.h"

namespace duban::testing {
namespace {

class NotificationsTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    state = dir.path() + "/consumer-state";
    std::filesystem::create_directories(state);
    options.notifications_dir = state;
  }
  static std::string Line(const std::string& id, const std::string& recipient, const std::string& kind) {
    return json{{"notification_id", id},
                {"event_id", id},
                {"event_type", "DeadlineMissed"},
                {"recipient", recipient},
                {"recipient_kind", kind},
                {"channel", "overdue"},
                {"level", "warning"},
                {"escalation_level", 0},
                {"title", "逾期：" + id},
                {"text", "任务已逾期，请尽快办理。"},
                {"due_on", "2026-11-30"},
                {"plan", kPlan},
                {"plan_title", "韶关"},
                {"task", 3},
                {"task_text", "t"},
                {"occurred_at", 1796000000000}}
               .dump() +
           "\n";
  }
  void Append(const std::string& text) {
    std::ofstream(state + "/workbench.jsonl", std::ios::app | std::ios::binary) << text;
  }
  std::set<std::string> Ids(const Auth& a, const std::string& query = "") {
    Resp r = Call("GET", "/api/v1/notifications" + query, a);
    EXPECT_EQ(r.status, 200) << r.body;
    std::set<std::string> ids;
    const json body = r.j();  // kept: a loop over a temporary's member would read freed memory
    EXPECT_TRUE(body["enabled"].get<bool>()) << r.body;
    for (const auto& n : body["notifications"]) ids.insert(n["id"].get<std::string>());
    return ids;
  }
  std::string state;
};

TEST_F(NotificationsTest, EachAccountSeesItsOwnWholeLinesOnly) {
  Append(Line("e1:" + unit_a, unit_a, "unit") + Line("e1:" + unit_b, unit_b, "unit") + "{not json\n" +
         Line("e2:" + unit_a + "主要负责同志", unit_a + "主要负责同志", "notify") +
         Line("e2:督查室", "督查室", "office"));
  const std::string torn = Line("e3:" + unit_a, unit_a, "unit");
  Append(torn.substr(0, torn.size() / 2));
  StartServer();
  const Auth a = SignIn("unit-a"), b = SignIn("unit-b"), office = SignIn("office");
  EXPECT_EQ(Ids(a), (std::set<std::string>{"e1:" + unit_a, "e2:" + unit_a + "主要负责同志"}));
  EXPECT_EQ(Ids(b), (std::set<std::string>{"e1:" + unit_b}));
  EXPECT_EQ(Ids(office), (std::set<std::string>{"e2:督查室"}));
  EXPECT_EQ(Call("GET", "/api/v1/notifications", SignIn("auditor")).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/notifications", SignIn("admin")).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/notifications").status, 401);

  // The line being written appears once it is whole; newest first.
  Append(torn.substr(torn.size() / 2));
  Resp r = Call("GET", "/api/v1/notifications", a);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.j()["notifications"][0]["id"], "e3:" + unit_a);
  EXPECT_EQ(r.j()["total"], 3);
  EXPECT_EQ(r.j()["unread"], 3);
  EXPECT_EQ(r.j()["notifications"][0]["at"].get<std::string>().substr(0, 4), "2026");
}

TEST_F(NotificationsTest, ReadMarksArePerAccountDurableAndOnlyForOnesOwn) {
  Append(Line("e1:" + unit_a, unit_a, "unit") + Line("e2:" + unit_a, unit_a, "unit") +
         Line("e1:" + unit_b, unit_b, "unit"));
  StartServer();
  Auth a = SignIn("unit-a");
  const Auth bot = Token();  // another account of unit A
  Resp m = Call("POST", "/api/v1/notifications/read", a, json{{"ids", {"e1:" + unit_a}}}.dump());
  ASSERT_EQ(m.status, 200) << m.body;
  EXPECT_EQ(m.j()["marked"], 1);
  EXPECT_EQ(m.j()["unread"], 1);
  EXPECT_EQ(Ids(a, "?unread=1"), (std::set<std::string>{"e2:" + unit_a}));
  EXPECT_EQ(Ids(bot, "?unread=1").size(), 2U);
  // Marked again: nothing new.
  EXPECT_EQ(Call("POST", "/api/v1/notifications/read", a, json{{"ids", {"e1:" + unit_a}}}.dump()).j()["marked"], 0);

  for (const std::string& body :
       {json{{"ids", {"e1:" + unit_b}}}.dump(), json{{"ids", {"e1:" + unit_a, "nope"}}}.dump()}) {
    Resp refused = Call("POST", "/api/v1/notifications/read", a, body);
    EXPECT_EQ(refused.status, 404) << body << refused.body;
  }
  EXPECT_EQ(Ids(a, "?unread=1"), (std::set<std::string>{"e2:" + unit_a})) << "a refused request marks nothing";
  for (const std::string& body :
       {std::string("{}"), json{{"ids", {"x"}}, {"all", true}}.dump(), std::string(R"({"ids": "e2"})"),
        std::string(R"({"all": 1})"), std::string(R"({"who": "unit-b"})"), std::string("[]")}) {
    Resp refused = Call("POST", "/api/v1/notifications/read", a, body);
    EXPECT_EQ(refused.status, 400) << body << refused.body;
  }
  for (const char* q : {"?limit=0", "?limit=501", "?limit=5x", "?limit=-1"})
    EXPECT_EQ(Call("GET", std::string("/api/v1/notifications") + q, a).status, 400) << q;
  // A cookie session needs its CSRF token to mark.
  Auth no_csrf = a;
  no_csrf.send_csrf = false;
  EXPECT_EQ(Call("POST", "/api/v1/notifications/read", no_csrf, R"({"all": true})").status, 403);

  // Durable: a restarted server still knows.
  StopServer();
  StartServer();
  a = SignIn("unit-a");
  EXPECT_EQ(Ids(a, "?unread=1"), (std::set<std::string>{"e2:" + unit_a}));
  // "All" as the page saw it: through the newest it listed. What came since stays unread.
  Append(Line("e3:" + unit_a, unit_a, "unit"));
  Resp seen = Call("POST", "/api/v1/notifications/read", a, json{{"all", true}, {"through", "e2:" + unit_a}}.dump());
  EXPECT_EQ(seen.status, 200) << seen.body;
  EXPECT_EQ(seen.j()["marked"], 1);
  EXPECT_EQ(Ids(a, "?unread=1"), (std::set<std::string>{"e3:" + unit_a})) << "the newer one was not seen";
  for (const std::string& body :
       {json{{"all", true}, {"through", "e1:" + unit_b}}.dump(), json{{"all", true}, {"through", "nope"}}.dump()})
    EXPECT_EQ(Call("POST", "/api/v1/notifications/read", a, body).status, 404) << body;
  for (const std::string& body : {json{{"ids", {"e3:" + unit_a}}, {"through", "e3:" + unit_a}}.dump(),
                                  json{{"all", true}, {"through", ""}}.dump()})
    EXPECT_EQ(Call("POST", "/api/v1/notifications/read", a, body).status, 400) << body;
  Resp all = Call("POST", "/api/v1/notifications/read", a, R"({"all": true})");
  EXPECT_EQ(all.j()["marked"], 1);
  EXPECT_EQ(all.j()["unread"], 0);
}

TEST_F(NotificationsTest, WithoutAConsumerTheListSaysItIsOff) {
  options.notifications_dir.clear();
  StartServer();
  Resp r = Call("GET", "/api/v1/notifications", SignIn("unit-a"));
  ASSERT_EQ(r.status, 200);
  EXPECT_FALSE(r.j()["enabled"].get<bool>());
  EXPECT_EQ(Call("POST", "/api/v1/notifications/read", SignIn("office"), R"({"all": true})").status, 404);
}

}  // namespace
}  // namespace duban::testing
