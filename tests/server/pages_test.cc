// What the workbench's pages rely on beyond the JSON API: GET /api/v1/verify
// reports the chain heads (log head, each plan stream's last hash, the newest
// signed checkpoint) and they move with every event written; a browser that
// navigates to an API URL it may not read (an evidence file or a task of
// another unit, opened in a new tab or typed) gets a Chinese 403 page with a
// link back, while API clients keep the JSON error.
#include <filesystem>

#include "duban/anchor.h"
#include "server_fixture.h"

namespace duban::testing {
namespace {

class PagesTest : public ServerTest {
 protected:
  const httplib::Headers kBrowser = {
      {"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"}};

  static bool IsHex64(const json& v) {
    if (!v.is_string()) return false;
    const std::string s = v.get<std::string>();
    return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
  }
  static std::string Header(const Resp& r, const std::string& name) {
    auto it = r.headers.find(name);
    return it == r.headers.end() ? "" : it->second;
  }
  json PlanHeads(const json& verify) {
    for (const auto& p : verify["plans"])
      if (p["id"] == kPlan) return p;
    return json();
  }
};

TEST_F(PagesTest, VerifyReportsTheChainHeadsAndTheyMoveWithAnEvent) {
  ImportSamplePlan();
  StartServer();
  const Auth auditor = SignIn("auditor");
  const Auth unit = SignIn("unit-a", Auth::kBearer);

  const Resp before = Call("GET", "/api/v1/verify", auditor);
  ASSERT_EQ(before.status, 200) << before.body;
  const json b = before.j();
  EXPECT_TRUE(b["ok"].get<bool>()) << before.body;
  EXPECT_EQ(b["log"]["end"].get<uint64_t>(), LogEnd() - 1) << "the log head is taken at the last position";
  EXPECT_EQ(b["log"]["end"].get<uint64_t>(), b["events"].get<uint64_t>());
  ASSERT_TRUE(IsHex64(b["log"]["head"])) << before.body;
  EXPECT_TRUE(b["checkpoint"].is_null()) << "this store is not anchored";
  const json plan_before = PlanHeads(b);
  ASSERT_TRUE(plan_before.is_object()) << before.body;
  srv->WithEngine([&](Engine& e) {
    auto p = e.Plan(kPlan);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(plan_before["version"].get<uint64_t>(), p->version);
    EXPECT_EQ(plan_before["last_hash"].get<std::string>(), p->last_hash);
  });

  // Nothing written: the same heads again.
  const json again = Call("GET", "/api/v1/verify", auditor).j();
  EXPECT_EQ(again["log"], b["log"]);
  EXPECT_EQ(PlanHeads(again), plan_before);

  // One command: the heads move, and by exactly its events.
  const Resp accepted =
      Call("POST", "/api/v1/commands", unit, Command("accept", task_a, unit_a, "pages-accept").dump());
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  const json events = accepted.j()["events"];
  ASSERT_FALSE(events.empty());
  const json a = Call("GET", "/api/v1/verify", auditor).j();
  EXPECT_TRUE(a["ok"].get<bool>()) << a.dump();
  EXPECT_EQ(a["log"]["end"].get<uint64_t>(), b["log"]["end"].get<uint64_t>() + events.size());
  EXPECT_NE(a["log"]["head"], b["log"]["head"]);
  std::string head = b["log"]["head"].get<std::string>();
  uint64_t pos = b["log"]["end"].get<uint64_t>();
  for (const auto& e : events) head = anchor::ExtendHead(head, ++pos, e["hash"].get<std::string>());
  EXPECT_EQ(a["log"]["head"].get<std::string>(), head) << "head(P) = sha256(head(P-1) | P | hash of the event at P)";
  const json plan_after = PlanHeads(a);
  EXPECT_EQ(plan_after["version"].get<uint64_t>(), plan_before["version"].get<uint64_t>() + events.size());
  EXPECT_EQ(plan_after["last_hash"], events.back()["hash"]);
  EXPECT_NE(plan_after["last_hash"], plan_before["last_hash"]);
}

TEST_F(PagesTest, VerifyShowsTheNewestSignedCheckpointOfAnAnchoredStore) {
  // Reopen the fixture's store with a signing key: every commit is signed.
  TempDir keys{"duban-pages-key"};
  const std::string key_path = keys.path() + "/anchor.pem";
  ASSERT_TRUE(anchor::AnchorKey::Generate(key_path).ok());
  auto key = anchor::AnchorKey::Load(key_path, options.data_dir);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  engine.reset();
  auto policy = WorkflowTimerPolicy::Default();
  ASSERT_TRUE(policy.ok());
  EngineOptions o;
  o.data_dir = options.data_dir;
  o.clock = SystemClock();
  o.anchor_key = *key;
  auto e = Engine::Open(o, *policy);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  engine = std::move(e).value();
  ASSERT_TRUE(engine->SignCheckpoint().ok());
  ImportSamplePlan();
  StartServer();
  const Auth auditor = SignIn("auditor");
  const Auth unit = SignIn("unit-a", Auth::kBearer);

  auto check = [&](const char* when) {
    const Resp r = Call("GET", "/api/v1/verify", auditor);
    ASSERT_EQ(r.status, 200) << r.body;
    const json v = r.j();
    EXPECT_TRUE(v["ok"].get<bool>()) << when << ": " << r.body;
    const json& cp = v["checkpoint"];
    ASSERT_TRUE(cp.is_object()) << when << ": " << r.body;
    EXPECT_EQ(cp["log_end"], v["log"]["end"]) << when << ": every commit of an anchored store is signed";
    EXPECT_EQ(cp["log_head"], v["log"]["head"]) << when;
    EXPECT_TRUE(cp["signature_valid"].get<bool>()) << when;
    EXPECT_EQ(cp["public_key"].get<std::string>(), (*key)->public_key()) << when;
    EXPECT_FALSE(cp["signed_at"].get<std::string>().empty()) << when;
  };
  check("after the import");
  const json before = Call("GET", "/api/v1/verify", auditor).j();
  ASSERT_EQ(Call("POST", "/api/v1/commands", unit, Command("accept", task_a, unit_a, "pages-anchored").dump()).status,
            200);
  check("after a command");
  const json after = Call("GET", "/api/v1/verify", auditor).j();
  EXPECT_GT(after["checkpoint"]["log_end"].get<uint64_t>(), before["checkpoint"]["log_end"].get<uint64_t>());
  EXPECT_NE(after["checkpoint"]["log_head"], before["checkpoint"]["log_head"]);
}

TEST_F(PagesTest, ABrowserGetsAChinese403PageAnApiClientTheJsonError) {
  ImportSamplePlan();
  StartServer();
  const Auth a = SignIn("unit-a");
  const Auth b = SignIn("unit-b");  // a browser of the other unit: cookie session
  const Resp up = Call("POST", "/api/v1/evidence?name=" + UrlEncode("台账.pdf"), a, "%PDF-1.7 unit A's ledger");
  ASSERT_EQ(up.status, 200) << up.body;
  const std::string sha = up.j()["sha256"];
  ASSERT_EQ(Call("POST", "/api/v1/commands", a, Command("accept", task_a, unit_a, "pages-a-accept").dump()).status,
            200);
  ASSERT_EQ(Call("POST", "/api/v1/commands", a,
                 Command("progress", task_a, unit_a, "pages-a-progress",
                         {{"percent", 10},
                          {"text", "开始"},
                          {"evidence", json::array({{{"sha256", sha}, {"name", "台账.pdf"}}})}})
                     .dump())
                .status,
            200);
  const std::string evidence = "/api/v1/evidence/" + sha;
  const std::string task = std::string("/api/v1/plans/") + kPlan + "/tasks/" + std::to_string(task_a);

  for (const std::string& path : {evidence, task}) {
    SCOPED_TRACE(path);
    const Resp page = Call("GET", path, b, "", kBrowser);
    EXPECT_EQ(page.status, 403);
    EXPECT_EQ(Header(page, "Content-Type").rfind("text/html", 0), 0u) << Header(page, "Content-Type");
    EXPECT_NE(page.body.find("<h1>无权查看</h1>"), std::string::npos) << page.body;
    EXPECT_NE(page.body.find("href=\"/\""), std::string::npos) << "a link back into the workbench";
    EXPECT_NE(page.body.find("not_assignee"), std::string::npos);
    EXPECT_EQ(page.body.find("%PDF"), std::string::npos);
    EXPECT_EQ(page.body.find("<script"), std::string::npos);
    EXPECT_EQ(page.body.find("style="), std::string::npos);
    EXPECT_NE(Header(page, "Content-Security-Policy").find("script-src 'self'"), std::string::npos);
    EXPECT_EQ(Header(page, "Cache-Control"), "no-store");

    // API clients: no Accept (httplib sends */*), JSON asked for, or both named.
    for (const httplib::Headers& h : {httplib::Headers{}, httplib::Headers{{"Accept", "application/json"}},
                                      httplib::Headers{{"Accept", "text/html, application/json"}}}) {
      const Resp api = Call("GET", path, b, "", h);
      EXPECT_EQ(api.status, 403);
      EXPECT_EQ(Header(api, "Content-Type").rfind("application/json", 0), 0u) << Header(api, "Content-Type");
      EXPECT_EQ(api.j()["error"], "not_assignee") << api.body;
    }
    // The owner's browser gets the thing itself.
    const Resp own = Call("GET", path, a, "", kBrowser);
    EXPECT_EQ(own.status, 200) << own.body.substr(0, 200);
  }
  EXPECT_EQ(Call("GET", evidence, a, "", kBrowser).body, "%PDF-1.7 unit A's ledger");

  // Signed out: 请先登录 with a link to sign-in; an unknown route: 未找到.
  const Resp anon = Call("GET", evidence, {}, "", kBrowser);
  EXPECT_EQ(anon.status, 401);
  EXPECT_NE(anon.body.find("请先登录"), std::string::npos) << anon.body;
  EXPECT_NE(anon.body.find("href=\"/#/login\""), std::string::npos) << anon.body;
  const Resp none = Call("GET", "/api/v1/no-such-thing", b, "", kBrowser);
  EXPECT_EQ(none.status, 404);
  EXPECT_NE(none.body.find("未找到"), std::string::npos) << none.body;
  EXPECT_EQ(Call("GET", "/api/v1/no-such-thing", b).j()["error"], "no_route");

  // What the server says is text on the page, never markup.
  const Resp odd = Call("GET", "/api/v1/plans/%3Cb%3Ex/tasks/1", b, "", kBrowser);
  EXPECT_EQ(odd.status, 404);
  EXPECT_EQ(odd.body.find("<b>x"), std::string::npos) << odd.body;
  EXPECT_NE(odd.body.find("&lt;b&gt;x"), std::string::npos) << odd.body;

  // A write is never answered with a page, whatever it accepts.
  const Resp write =
      Call("POST", "/api/v1/commands", b, Command("accept", task_a, unit_a, "pages-b-tries").dump(), kBrowser);
  EXPECT_EQ(write.status, 403);
  EXPECT_EQ(write.j()["error"], "not_assignee") << write.body;
}

}  // namespace
}  // namespace duban::testing
