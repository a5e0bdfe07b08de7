// A real `duban serve` on an ephemeral loopback port, over a RocksDB store in
// a temporary directory, with the accounts every test needs: office, auditor,
// two units (A: 市司法局, B: 市发改局), an admin, a disabled person of unit A
// and a machine token of unit A. Requests go through httplib::Client.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "duban/accounts.h"
#include "duban/core/workflow_timer_policy.h"
#include "duban/plan_import/import_command.h"
#include "duban/plan_import/plan_parser.h"
#include "duban/plan_import/unit_directory.h"
#include "duban/server/server.h"
#include "temp_dir.h"

namespace duban::testing {

using nlohmann::json;

// Sessions and throttling run on this clock; tests move it.
class TestClock : public EngineClock {
 public:
  Instant Now() const override { return SystemClock()->Now() + offset_; }
  void Advance(Instant ms) { offset_ += ms; }

 private:
  std::atomic<Instant> offset_{0};
};

// How a request identifies itself.
struct Auth {
  enum Kind { kNone, kCookie, kBearer } kind = kNone;
  std::string value, csrf;
  bool send_csrf = true;
};

struct Resp {
  int status = 0;
  std::string body;
  httplib::Headers headers;
  json j() const { return json::parse(body, nullptr, false); }
};

inline constexpr const char* kPassword = "correct horse battery";
inline constexpr const char* kPlan = "shaoguan-2021";

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string UrlEncode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.')
      out.push_back(static_cast<char>(c));
    else
      out += std::string("%") + hex[c >> 4] + hex[c & 15];
  }
  return out;
}

class ServerTest : public ::testing::Test {
 protected:
  std::string unit_a = "市司法局", unit_b = "市发改局";
  int32_t task_a = 0, task_b = 0;  // held by A and not B, by B and not A
  std::string token_a;             // machine token of unit A
  std::shared_ptr<TestClock> clock = std::make_shared<TestClock>();
  TempDir dir{"duban-server-test"};
  std::unique_ptr<Engine> engine;
  std::unique_ptr<server::Server> srv;
  std::thread runner;
  server::ServerOptions options;

  void SetUp() override {
    auto policy = WorkflowTimerPolicy::Default();
    ASSERT_TRUE(policy.ok());
    EngineOptions o;
    o.data_dir = dir.path() + "/data";
    o.clock = SystemClock();
    auto e = Engine::Open(o, *policy);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine = std::move(e).value();
    AddAccounts();
    options.port = 0;
    options.threads = 8;
    options.data_dir = o.data_dir;
    options.clock = clock;
    options.max_body_bytes = size_t{2} << 20;
    options.read_timeout_seconds = 2;
    options.write_timeout_seconds = 2;
    // The sample plan's 2021 deadlines are long past: a tick would write
    // timer events beside the tests' own writes. tests/server/clock_test.cc
    // turns the clock on.
    options.tick_interval_ms = 0;
  }
  void TearDown() override {
    StopServer();
    engine.reset();
  }

  void AddAccounts() {
    accounts::Accounts acc(*engine, SystemClock());
    const auto by = accounts::ActorOfOperator();
    using R = accounts::AccountRole;
    for (const auto& [name, role, unit] :
         std::vector<std::tuple<std::string, R, std::string>>{{"office", R::kOffice, ""},
                                                              {"auditor", R::kAuditor, ""},
                                                              {"unit-a", R::kUnit, unit_a},
                                                              {"unit-b", R::kUnit, unit_b},
                                                              {"admin", R::kAdmin, ""},
                                                              {"gone", R::kUnit, unit_a}}) {
      auto a = acc.Add({name, name, role, unit}, kPassword, by);
      ASSERT_TRUE(a.ok()) << name << ": " << a.status().ToString();
    }
    auto t = acc.CreateToken({"bot-a", "bot of unit A", R::kUnit, unit_a}, by);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    token_a = *t;
  }

  // The sample plan, imported straight into the engine (as the office),
  // effective at `effective_at` (0: now, the engine's clock), as an
  // office's back-entry.
  void ImportSamplePlan(Instant effective_at = 0) {
    const std::string bytes = ReadFile(std::string(DUBAN_SOURCE_DIR) + "/workflows/plans/shaoguan-2021.txt");
    auto units = plan_import::UnitDirectory::ChooseEmbedded(bytes);
    ASSERT_TRUE(units.has_value());
    const auto parsed = plan_import::ParsePlan(bytes, *units, {});
    plan_import::ImportRequest req;
    req.plan_id = kPlan;
    req.source_bytes = bytes;
    req.directory = &*units;
    req.accept_unknown_units = true;
    schemas::Command c;
    c.command_id = "fixture-import";
    c.plan_id = kPlan;
    c.actor = {"office", schemas::Role::kSupervisor, "office"};
    c.effective_at = effective_at;
    if (effective_at) c.back_entry_reason = "the test's plan, imported on its day";
    c.body = plan_import::BuildImportPlan(parsed, req);
    const Outcome out = engine->Submit(c);
    ASSERT_TRUE(out.status.ok()) << out.status.ToString();
    FindTasks(*engine);
  }

  void FindTasks(Engine& e) {
    auto p = e.Plan(kPlan);
    ASSERT_TRUE(p.ok());
    auto holds = [&](int32_t t, const std::string& u) { return p->assignments.count({t, u}) > 0; };
    for (const auto& [n, _] : p->tasks) {
      if (!task_a && holds(n, unit_a) && !holds(n, unit_b)) task_a = n;
      if (!task_b && holds(n, unit_b) && !holds(n, unit_a)) task_b = n;
    }
    ASSERT_GT(task_a, 0);
    ASSERT_GT(task_b, 0);
  }

  void StartServer() {
    srv = std::make_unique<server::Server>(*engine, options);
    ASSERT_TRUE(srv->Bind().ok());
    runner = std::thread([this] { (void)srv->Run(); });
  }
  void StopServer() {
    if (!srv) return;
    srv->Stop();
    if (runner.joinable()) runner.join();
    srv.reset();
  }

  uint64_t LogEnd() {
    uint64_t end = 0;
    srv->WithEngine([&](Engine& e) { end = e.LogEnd(); });
    return end;
  }

  Resp Call(const std::string& method, const std::string& path, const Auth& auth = {}, const std::string& body = "",
            httplib::Headers extra = {}) {
    httplib::Client cli("127.0.0.1", srv->port());
    cli.set_read_timeout(30, 0);
    httplib::Request req;
    req.method = method;
    req.path = path;
    req.headers = std::move(extra);
    if (auth.kind == Auth::kCookie) req.headers.emplace("Cookie", "duban_session=" + auth.value);
    if (auth.kind == Auth::kBearer) req.headers.emplace("Authorization", "Bearer " + auth.value);
    if (auth.kind == Auth::kCookie && auth.send_csrf && method != "GET") req.headers.emplace("X-CSRF-Token", auth.csrf);
    if (!body.empty() || method == "POST") {
      req.body = body;
      if (!req.headers.count("Content-Type")) req.headers.emplace("Content-Type", "application/json");
    }
    auto r = cli.send(req);
    if (!r) return Resp{-static_cast<int>(r.error()), "", {}};
    return Resp{r->status, r->body, r->headers};
  }

  // Signs in by password: the session as a cookie (with its CSRF token), or as a bearer token.
  Auth SignIn(const std::string& user, Auth::Kind kind = Auth::kCookie) {
    Resp r = Call("POST", "/api/v1/session", {}, json{{"user", user}, {"password", kPassword}}.dump());
    EXPECT_EQ(r.status, 200) << user << ": " << r.body;
    const json j = r.j();
    if (!j.is_object() || !j.contains("token")) return {};
    return Auth{kind, j["token"].get<std::string>(), j["csrf_token"].get<std::string>()};
  }
  Auth Token() { return Auth{Auth::kBearer, token_a, ""}; }

  json Command(const std::string& type, int32_t task, const std::string& unit, const std::string& id,
               json extra = json::object()) {
    json c = {{"type", type}, {"plan", kPlan}, {"task", task}, {"unit", unit}, {"command_id", id}};
    for (auto& [k, v] : extra.items()) c[k] = v;
    return c;
  }
};

}  // namespace duban::testing
