// POST /api/v1/bulk over real HTTP: the office approves, rejects or urges
// (催办) many assignments, each its own command with its own outcome; a
// retried bulk writes nothing twice; a unit or an auditor is refused and a
// malformed bulk writes nothing, whatever is wrong with it.
#include "server_fixture.h"

namespace duban::testing {
namespace {

class BulkApiTest : public ServerTest {
 protected:
  json Post(const Auth& who, const json& cmd) {
    const Resp r = Call("POST", "/api/v1/commands", who, cmd.dump());
    EXPECT_EQ(r.status, 200) << cmd.dump() << ": " << r.body;
    return r.j();
  }
  static json Items(std::initializer_list<std::pair<int32_t, std::string>> items) {
    json a = json::array();
    for (const auto& [t, u] : items) a.push_back({{"task", t}, {"unit", u}});
    return a;
  }
};

TEST_F(BulkApiTest, EachItemHasItsOwnOutcomeAndARetryWritesNothingTwice) {
  ImportSamplePlan();
  StartServer();
  const Auth office = SignIn("office");
  const Auth a = SignIn("unit-a"), b = SignIn("unit-b");
  Post(a, Command("accept", task_a, unit_a, "bk-accept-a"));
  Post(a, Command("submit", task_a, unit_a, "bk-submit-a", {{"text", "已完成"}}));
  Post(b, Command("accept", task_b, unit_b, "bk-accept-b"));

  const json bulk = {{"type", "approve"},
                     {"plan", kPlan},
                     {"command_id", "weekly-1"},
                     {"comment", "同意销号"},
                     {"items", Items({{task_a, unit_a}, {task_b, unit_b}, {999, unit_a}})}};
  const uint64_t before = LogEnd();
  const Resp r = Call("POST", "/api/v1/bulk", office, bulk.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = r.j();
  EXPECT_EQ(j["accepted"], 1);
  EXPECT_EQ(j["rejected"], 2);
  EXPECT_EQ(j["duplicates"], 0);
  ASSERT_EQ(j["items"].size(), 3u);
  EXPECT_EQ(j["items"][0]["outcome"], "accepted");
  EXPECT_EQ(j["items"][0]["task"], task_a);
  EXPECT_EQ(j["items"][0]["events"][0]["type"], "CompletionApproved");
  EXPECT_EQ(j["items"][1]["reason"], "invalid_transition") << "B accepted but never submitted";
  EXPECT_EQ(j["items"][2]["reason"], "task_not_found");
  EXPECT_GT(LogEnd(), before);

  const uint64_t after_first = LogEnd();
  json again = bulk;
  again["items"] = Items({{999, unit_a}, {task_b, unit_b}, {task_a, unit_a}});
  const Resp r2 = Call("POST", "/api/v1/bulk", office, again.dump());
  ASSERT_EQ(r2.status, 200) << r2.body;
  EXPECT_EQ(r2.j()["duplicates"], 1);
  EXPECT_EQ(r2.j()["items"][2]["duplicate"], true) << "matched by task and unit, not by place";
  EXPECT_EQ(LogEnd(), after_first) << "the same bulk again writes nothing";
  json changed = bulk;
  changed["comment"] = "另一意见";
  const Resp r4 = Call("POST", "/api/v1/bulk", office, changed.dump());
  ASSERT_EQ(r4.status, 200) << r4.body;
  EXPECT_EQ(r4.j()["conflicts"], 3) << "the same id for another comment: a conflict for each item, nothing done";
  EXPECT_EQ(r4.j()["items"][0]["outcome"], "conflict");
  EXPECT_EQ(LogEnd(), after_first);

  const json remind = {{"type", "remind"},
                       {"plan", kPlan},
                       {"command_id", "urge-1"},
                       {"text", "请本周内报送进展"},
                       {"items", Items({{task_b, unit_b}, {task_a, unit_a}})}};
  const Resp r3 = Call("POST", "/api/v1/bulk", office, remind.dump());
  ASSERT_EQ(r3.status, 200) << r3.body;
  const json j3 = r3.j();
  const json& urged = j3["items"][0];
  EXPECT_EQ(urged["outcome"], "accepted");
  EXPECT_EQ(urged["events"][0]["type"], "NoteAdded");
  EXPECT_EQ(urged["events"][0]["body"]["kind"], "urge");
  EXPECT_EQ(urged["events"][0]["body"]["text"], "请本周内报送进展");
  EXPECT_EQ(urged["events"][0]["actor"]["name"], "office") << "the signed-in account acts";
  EXPECT_EQ(j3["items"][1]["reason"], "invalid_transition") << "A's part was approved: nothing to urge";
}

TEST_F(BulkApiTest, AUnitAnAuditorAndEveryMalformedBulkAreRefusedAndWriteNothing) {
  ImportSamplePlan();
  StartServer();
  const Auth office = SignIn("office"), a = SignIn("unit-a"), auditor = SignIn("auditor");
  const json good = {
      {"type", "approve"}, {"plan", kPlan}, {"command_id", "bad-1"}, {"items", Items({{task_a, unit_a}})}};
  const uint64_t before = LogEnd();
  EXPECT_EQ(Call("POST", "/api/v1/bulk", a, good.dump()).status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/bulk", auditor, good.dump()).status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/bulk", Token(), good.dump()).status, 403);

  std::vector<std::pair<std::string, json>> bad;
  auto with = [&](const char* why, auto edit) {
    json j = good;
    edit(j);
    bad.emplace_back(why, j);
  };
  with("an unknown field", [](json& j) { j["at"] = "2021-05-01"; });
  with("an unknown action", [](json& j) { j["type"] = "cancel"; });
  with("no items", [](json& j) { j["items"] = json::array(); });
  with("items not an array", [](json& j) { j["items"] = "1:市司法局"; });
  with("an item with another field", [](json& j) { j["items"][0]["reason"] = "x"; });
  with("an item's task a string", [](json& j) { j["items"][0]["task"] = "1"; });
  with("an item's task out of range", [](json& j) { j["items"][0]["task"] = 0; });
  with("an item twice", [&](json& j) { j["items"].push_back(j["items"][0]); });
  with("a unit with a control character", [](json& j) { j["items"][0]["unit"] = "市司\n法局"; });
  with("the reject's reason missing", [](json& j) { j["type"] = "reject"; });
  with("a reason on an approve", [](json& j) { j["reason"] = "x"; });
  with("no command_id", [](json& j) { j.erase("command_id"); });
  with("a command_id too long for its items'", [](json& j) { j["command_id"] = std::string(101, 'x'); });
  with("501 items", [](json& j) {
    j["items"] = json::array();
    for (int t = 1; t <= 501; ++t) j["items"].push_back({{"task", t}, {"unit", "市司法局"}});
  });
  for (const auto& [why, body] : bad) {
    const Resp r = Call("POST", "/api/v1/bulk", office, body.dump());
    EXPECT_EQ(r.status, 400) << why << ": " << r.body;
    EXPECT_EQ(r.j().value("error", ""), "bad_request") << why;
  }
  const Resp dup = Call("POST", "/api/v1/bulk", office, R"({"type":"approve","type":"reject"})");
  EXPECT_EQ(dup.status, 400) << "a key twice";
  json unknown_plan = good;
  unknown_plan["plan"] = "no-such-plan";
  const Resp np = Call("POST", "/api/v1/bulk", office, unknown_plan.dump());
  EXPECT_EQ(np.status, 404) << np.body;
  EXPECT_EQ(np.j().value("error", ""), "plan_not_found") << "refused once, not once per item";
  const Resp item_error = Call("POST", "/api/v1/bulk", office, [&] {
    json j = good;
    j["items"].push_back({{"task", 2}, {"unit", std::string(300, 'u')}});
    return j.dump();
  }());
  EXPECT_EQ(item_error.status, 400);
  EXPECT_NE(item_error.body.find("item 2"), std::string::npos) << "items counted from 1: " << item_error.body;
  EXPECT_EQ(LogEnd(), before) << "nothing refused before the domain is written";
}

}  // namespace
}  // namespace duban::testing
