// Account administration over HTTP (docs/API.md "Accounts"): an admin adds,
// disables, enables and resets accounts and creates tokens while the server
// holds the store; each change names the admin in the log; everyone else is
// refused with nothing written; a disable or reset ends the account's sessions.
#include "server_fixture.h"

namespace duban::testing {
namespace {

constexpr const char* kNewPassword = "a different long secret";

class AdminTest : public ServerTest {
 protected:
  Auth admin;

  void SetUp() override {
    ServerTest::SetUp();
    ImportSamplePlan();
    StartServer();
    admin = SignIn("admin");  // by cookie: writes carry the CSRF token
  }

  Resp SignInWith(const std::string& user, const std::string& password) {
    return Call("POST", "/api/v1/session", {}, json{{"user", user}, {"password", password}}.dump());
  }
  static Auth AsBearer(const Resp& r) { return Auth{Auth::kBearer, r.j()["token"].get<std::string>(), ""}; }

  // The AccountChanged events about `account`, in log order.
  std::vector<schemas::Event> ChangesOf(const std::string& account) {
    std::vector<schemas::Event> out;
    srv->WithEngine([&](Engine& e) {
      (void)e.ScanLog(1, [&](uint64_t, const schemas::Event& ev) {
        if (auto* a = std::get_if<schemas::AccountChanged>(&ev.body); a && a->account == account) out.push_back(ev);
        return true;
      });
    });
    return out;
  }
};

TEST_F(AdminTest, AdminAddsAUnitAccountThatActsThenDisablesItAndItsSessionEnds) {
  const json add = {{"name", "clerk-a"},
                    {"role", "unit"},
                    {"unit", unit_a},
                    {"display_name", "司法局 办事员"},
                    {"password", kNewPassword}};
  const Resp made = Call("POST", "/api/v1/users", admin, add.dump());
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(made.j()["name"], "clerk-a");
  EXPECT_EQ(made.j()["role"], "unit");
  EXPECT_EQ(made.j()["unit"], unit_a);
  EXPECT_EQ(made.j()["kind"], "person");
  EXPECT_EQ(made.j()["disabled"], false);
  EXPECT_EQ(made.body.find(kNewPassword), std::string::npos);

  // The new account signs in and acts for its unit.
  const Resp in = SignInWith("clerk-a", kNewPassword);
  ASSERT_EQ(in.status, 200) << in.body;
  const Auth clerk = AsBearer(in);
  const Resp acted = Call("POST", "/api/v1/commands", clerk, Command("accept", task_a, unit_a, "clerk-accept").dump());
  EXPECT_EQ(acted.status, 200) << acted.body;

  // The list shows accounts and tokens, never a secret.
  const Resp list = Call("GET", "/api/v1/users", admin);
  ASSERT_EQ(list.status, 200) << list.body;
  std::map<std::string, json> by_name;
  const json listed = list.j();
  for (const auto& a : listed["accounts"]) by_name[a["name"].get<std::string>()] = a;
  ASSERT_TRUE(by_name.count("clerk-a")) << list.body;
  EXPECT_EQ(by_name["bot-a"]["kind"], "token");
  EXPECT_EQ(by_name["gone"]["disabled"], false);
  for (const char* field : {"name", "display_name", "role", "unit", "kind", "disabled", "created_at", "changed_at"})
    EXPECT_TRUE(by_name["clerk-a"].contains(field)) << field;
  for (const char* secret : {kNewPassword, kPassword, "argon2", "dbt_", "secret", "hash"})
    EXPECT_EQ(list.body.find(secret), std::string::npos) << secret;

  // Disabled: its session is refused on the next request; the log names the admin.
  const Resp off = Call("POST", "/api/v1/users/clerk-a/disable", admin, json{{"reason", "调岗"}}.dump());
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(off.j()["disabled"], true);
  EXPECT_EQ(Call("GET", "/api/v1/me", clerk).status, 401);
  EXPECT_EQ(SignInWith("clerk-a", kNewPassword).status, 403);
  const auto changes = ChangesOf("clerk-a");
  ASSERT_EQ(changes.size(), 2u);
  const auto& disabled = std::get<schemas::AccountChanged>(changes[1].body);
  EXPECT_EQ(disabled.change, "disabled");
  EXPECT_EQ(disabled.reason, "调岗");
  for (const auto& ev : changes) {
    EXPECT_EQ(ev.actor.name, "admin");
    EXPECT_EQ(ev.actor.id, "admin");
  }

  // Enabled again: a new sign-in works; the old session stays ended.
  const Resp on = Call("POST", "/api/v1/users/clerk-a/enable", admin);
  ASSERT_EQ(on.status, 200) << on.body;
  EXPECT_EQ(on.j()["disabled"], false);
  EXPECT_EQ(Call("GET", "/api/v1/me", clerk).status, 401);
  EXPECT_EQ(SignInWith("clerk-a", kNewPassword).status, 200);
  EXPECT_EQ(ChangesOf("clerk-a").back().actor.name, "admin");
}

TEST_F(AdminTest, AChineseNameIsAddressedPercentEncodedInThePath) {
  const json add = {{"name", "王伟"}, {"role", "office"}, {"password", kNewPassword}};
  ASSERT_EQ(Call("POST", "/api/v1/users", admin, add.dump()).status, 201);
  const Resp off = Call("POST", "/api/v1/users/" + UrlEncode("王伟") + "/disable", admin);
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(off.j()["name"], "王伟");
  EXPECT_EQ(SignInWith("王伟", kNewPassword).status, 403);
}

TEST_F(AdminTest, ResetPasswordEndsTheAccountsSessions) {
  const Auth unit = SignIn("unit-a", Auth::kBearer);
  ASSERT_EQ(Call("GET", "/api/v1/me", unit).status, 200);
  const Resp r = Call("POST", "/api/v1/users/unit-a/reset-password", admin, json{{"password", kNewPassword}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find(kNewPassword), std::string::npos);
  EXPECT_EQ(Call("GET", "/api/v1/me", unit).status, 401);
  EXPECT_EQ(SignInWith("unit-a", kPassword).status, 401);
  EXPECT_EQ(SignInWith("unit-a", kNewPassword).status, 200);
  EXPECT_EQ(ChangesOf("unit-a").back().actor.name, "admin");
  EXPECT_EQ(std::get<schemas::AccountChanged>(ChangesOf("unit-a").back().body).change, "password_reset");
}

TEST_F(AdminTest, TokenCreationReturnsAWorkingTokenShownOnceAndRevokeEndsIt) {
  const Resp t =
      Call("POST", "/api/v1/tokens", admin, json{{"name", "bot-b"}, {"role", "unit"}, {"unit", unit_b}}.dump());
  ASSERT_EQ(t.status, 201) << t.body;
  const std::string token = t.j()["token"];
  EXPECT_EQ(token.rfind("dbt_", 0), 0u) << token;
  EXPECT_EQ(t.j()["account"]["kind"], "token");
  const Auth bot{Auth::kBearer, token, ""};
  const Resp me = Call("GET", "/api/v1/me", bot);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.j()["name"], "bot-b");
  EXPECT_EQ(Call("POST", "/api/v1/commands", bot, Command("accept", task_b, unit_b, "bot-b-accept").dump()).status,
            200);
  // The secret is not listed afterwards.
  EXPECT_EQ(Call("GET", "/api/v1/users", admin).body.find(token), std::string::npos);
  ASSERT_EQ(Call("POST", "/api/v1/users/bot-b/disable", admin).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/me", bot).status, 401);
  // A revoked token stays revoked; its name stays taken.
  const Resp again = Call("POST", "/api/v1/users/bot-b/enable", admin);
  EXPECT_EQ(again.status, 400) << again.body;
  EXPECT_NE(again.j()["message"].get<std::string>().find("revoked token"), std::string::npos) << again.body;
  EXPECT_EQ(
      Call("POST", "/api/v1/tokens", admin, json{{"name", "bot-b"}, {"role", "unit"}, {"unit", unit_b}}.dump()).status,
      409);
  EXPECT_EQ(ChangesOf("bot-b").front().actor.name, "admin");
}

TEST_F(AdminTest, RefusedRequestsWriteNothing) {
  struct Bad {
    std::string path, body;
    int status;
    std::string error;
  };
  const json ok = {{"name", "new-one"}, {"role", "office"}, {"password", kNewPassword}};
  auto with = [&](const char* k, json v) {
    json b = ok;
    b[k] = std::move(v);
    return b.dump();
  };
  const std::vector<Bad> bad = {
      {"/api/v1/users", with("password", "short"), 422, "weak_password"},
      {"/api/v1/users", with("password", "aaaaaaaaaaaaaaaa"), 422, "weak_password"},
      {"/api/v1/users", with("password", "new-one"), 422, "weak_password"},
      {"/api/v1/users", with("name", "a/b"), 400, "bad_request"},
      {"/api/v1/users", with("name", ""), 400, "bad_request"},
      {"/api/v1/users", with("name", std::string(65, 'x')), 400, "bad_request"},
      {"/api/v1/users", with("role", "supervisor"), 400, "bad_request"},
      {"/api/v1/users", with("role", "unit"), 400, "bad_request"},  // a unit account names its unit
      {"/api/v1/users", with("unit", unit_a), 400, "bad_request"},  // an office account has none
      {"/api/v1/users", with("actor", "admin"), 400, "bad_request"},
      {"/api/v1/users", with("password", 12345678901), 400, "bad_request"},
      {"/api/v1/users", json{{"name", "x1"}, {"role", "office"}}.dump(), 400, "bad_request"},
      {"/api/v1/users", "[1,2]", 400, "bad_request"},
      {"/api/v1/users", "{\"name\":", 400, "bad_request"},
      {"/api/v1/users", with("name", "office"), 409, "account_exists"},
      {"/api/v1/tokens", json{{"name", "bot-a"}, {"role", "unit"}, {"unit", unit_a}}.dump(), 409, "account_exists"},
      {"/api/v1/tokens", json{{"name", "t1"}, {"role", "unit"}, {"password", "x"}}.dump(), 400, "bad_request"},
      {"/api/v1/users/nobody/disable", "", 404, "account_not_found"},
      {"/api/v1/users/nobody/enable", "", 404, "account_not_found"},
      {"/api/v1/users/nobody/reset-password", json{{"password", kNewPassword}}.dump(), 404, "account_not_found"},
      {"/api/v1/users/unit-a/reset-password", json{{"password", "short"}}.dump(), 422, "weak_password"},
      {"/api/v1/users/unit-a/reset-password", "{}", 400, "bad_request"},
      {"/api/v1/users/bot-a/reset-password", json{{"password", kNewPassword}}.dump(), 400, "bad_request"},
      {"/api/v1/users/unit-a/disable", json{{"reason", "x"}, {"until", "never"}}.dump(), 400, "bad_request"},
      {"/api/v1/users/admin/disable", "", 422, "cannot_disable_self"},
  };
  const uint64_t before = LogEnd();
  for (const Bad& b : bad) {
    const Resp r = Call("POST", b.path, admin, b.body);
    EXPECT_EQ(r.status, b.status) << b.path << " " << b.body << ": " << r.body;
    EXPECT_EQ(r.j().value("error", ""), b.error) << b.path << " " << b.body << ": " << r.body;
  }
  // A cookie write without the CSRF token, or from another site.
  Auth no_csrf = admin;
  no_csrf.send_csrf = false;
  EXPECT_EQ(Call("POST", "/api/v1/users", no_csrf, ok.dump()).status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/users", admin, ok.dump(), {{"Origin", "http://evil.example"}}).status, 403);
  EXPECT_EQ(LogEnd(), before);
  const Resp list = Call("GET", "/api/v1/users", admin);
  EXPECT_EQ(list.body.find("new-one"), std::string::npos);
  // The admin is still enabled and signed in.
  EXPECT_EQ(Call("GET", "/api/v1/me", admin).status, 200);
}

TEST_F(AdminTest, EveryoneButAnAdminIsRefusedEveryAdminRoute) {
  const json person = {{"name", "intruder"}, {"role", "admin"}, {"password", kNewPassword}};
  const std::vector<std::tuple<std::string, std::string, std::string>> routes = {
      {"GET", "/api/v1/users", ""},
      {"POST", "/api/v1/users", person.dump()},
      {"POST", "/api/v1/users/unit-b/disable", ""},
      {"POST", "/api/v1/users/gone/enable", ""},
      {"POST", "/api/v1/users/office/reset-password", json{{"password", kNewPassword}}.dump()},
      {"POST", "/api/v1/tokens", json{{"name", "intruder"}, {"role", "admin"}}.dump()},
  };
  const std::vector<std::pair<std::string, Auth>> callers = {
      {"anonymous", {}},          {"office", SignIn("office", Auth::kBearer)},
      {"unit", SignIn("unit-a")}, {"auditor", SignIn("auditor")},
      {"token", Token()},
  };
  const uint64_t before = LogEnd();
  int refused = 0;
  for (const auto& [method, path, body] : routes)
    for (const auto& [who, auth] : callers) {
      const Resp r = Call(method, path, auth, body);
      EXPECT_EQ(r.status, who == "anonymous" ? 401 : 403) << method << " " << path << " as " << who << ": " << r.body;
      if (r.status == 401 || r.status == 403) ++refused;
    }
  EXPECT_EQ(LogEnd(), before);
  EXPECT_EQ(refused, static_cast<int>(routes.size() * callers.size()));
  // Nothing changed: the office still signs in with its password, nobody named intruder.
  EXPECT_EQ(SignInWith("office", kPassword).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/users", admin).body.find("intruder"), std::string::npos);
}

}  // namespace
}  // namespace duban::testing
