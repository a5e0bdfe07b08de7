// The OpenAPI document against the live router, and the operations routes:
// /healthz, /metrics, the access log's silence about secrets, a graceful stop.
#include <algorithm>
#include <chrono>
#include <regex>

#include "server_fixture.h"

namespace duban::testing {
namespace {

class OpsTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    ImportSamplePlan();
    StartServer();
  }
};

TEST_F(OpsTest, EveryRegisteredRouteIsDocumentedAndEveryDocumentedRouteIsServed) {
  const Resp doc = Call("GET", "/api/v1/openapi.json");
  ASSERT_EQ(doc.status, 200);
  const json j = doc.j();
  ASSERT_EQ(j["openapi"], "3.0.3");
  std::set<std::pair<std::string, std::string>> documented, registered;
  for (const auto& [path, ops] : j["paths"].items())
    for (const auto& [method, _] : ops.items()) {
      std::string m = method;
      for (auto& ch : m) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      documented.insert({m, path});
    }
  for (const auto& r : srv->RegisteredRoutes()) registered.insert(r);
  EXPECT_EQ(documented, registered);
  // Every query parameter is a name (a ';' in a description once split one off).
  for (const auto& [path, ops] : j["paths"].items())
    for (const auto& [method, op] : ops.items())
      for (const auto& p : op.value("parameters", json::array()))
        EXPECT_TRUE(std::regex_match(p["name"].get<std::string>(), std::regex("[a-z0-9_]+")))
            << method << " " << path << ": '" << p["name"] << "'";
  // Each documented path reaches a handler: the router's own 404 says "no_route".
  const Auth office = SignIn("office", Auth::kBearer);
  for (const auto& [method, path] : documented) {
    std::string p = path;
    for (const auto& [param, value] : std::vector<std::pair<std::string, std::string>>{
             {"{plan}", kPlan}, {"{task}", "1"}, {"{sha256}", std::string(64, 'a')}, {"{name}", "unit-a"}})
      if (auto at = p.find(param); at != std::string::npos) p.replace(at, param.size(), value);
    if (method == "DELETE") continue;  // signs the office out; reached in the matrix
    const Resp r = Call(method, p, office, method == "POST" ? "{}" : "");
    EXPECT_EQ(r.body.find("no_route"), std::string::npos) << method << " " << p << ": " << r.body;
  }
  EXPECT_NE(Call("GET", "/api/v1/nowhere", office).body.find("no_route"), std::string::npos);
}

// What a route does not take is refused by name, never ignored: a path
// under a method it does not serve is 405 with the methods it does (not
// "no such route"), a query parameter it does not list is 400 naming it and
// those it takes (a misspelt filter would otherwise answer every row), and a
// file sent as a form (curl -d) is told to send the raw body.
TEST_F(OpsTest, AMethodAParameterOrABodyARouteDoesNotTakeIsRefusedByName) {
  const Auth office = SignIn("office", Auth::kBearer);
  const Resp put = Call("PUT", std::string("/api/v1/plans/") + kPlan, office, "{}");
  EXPECT_EQ(put.status, 405) << put.body;
  EXPECT_EQ(put.j()["error"], "method_not_allowed") << put.body;
  auto allow = put.headers.find("Allow");
  ASSERT_NE(allow, put.headers.end());
  EXPECT_EQ(allow->second, "GET, HEAD, OPTIONS");
  // Without a body too (httplib refuses a bodyless PUT before routing).
  EXPECT_EQ(Call("PUT", std::string("/api/v1/plans/") + kPlan, office).status, 405);
  const Resp options = Call("OPTIONS", "/api/v1/session", office);
  EXPECT_EQ(options.status, 204) << options.body;
  allow = options.headers.find("Allow");
  ASSERT_NE(allow, options.headers.end());
  EXPECT_EQ(allow->second, "POST, DELETE, OPTIONS");
  const Resp del = Call("DELETE", "/api/v1/users", office);
  EXPECT_EQ(del.status, 405) << del.body;
  allow = del.headers.find("Allow");
  ASSERT_NE(allow, del.headers.end());
  EXPECT_EQ(allow->second, "GET, HEAD, POST, OPTIONS");
  EXPECT_EQ(del.headers.find("Cache-Control")->second, "no-store");
  EXPECT_EQ(Call("PUT", "/api/v1/nowhere", office, "{}").status, 404);
  // The workbench's own paths too.
  for (const char* page : {"/", "/web/app.js"}) {
    const Resp wrong = Call("DELETE", page, office);
    EXPECT_EQ(wrong.status, 405) << page << ": " << wrong.body;
    allow = wrong.headers.find("Allow");
    ASSERT_NE(allow, wrong.headers.end()) << page;
    EXPECT_EQ(allow->second, "GET, HEAD, OPTIONS") << page;
  }

  const Resp typo = Call("GET", "/api/v1/assignments?plan=x&overdu=1", office);
  EXPECT_EQ(typo.status, 400) << typo.body;
  EXPECT_NE(typo.body.find("'overdu': unknown; this route takes plan, unit, status, overdue"), std::string::npos)
      << typo.body;
  const Resp none = Call("GET", "/api/v1/verify?full=1", office);
  EXPECT_EQ(none.status, 400) << none.body;
  EXPECT_NE(none.body.find("this route takes none"), std::string::npos) << none.body;
  // A name left out ("=overdu", which httplib would read as overdu), a
  // name given twice, or a flag that is neither yes nor no: none is guessed.
  const Resp nameless = Call("GET", "/api/v1/assignments?=overdu=1", office);
  EXPECT_EQ(nameless.status, 400) << nameless.body;
  EXPECT_NE(nameless.body.find("without a name"), std::string::npos) << nameless.body;
  const Resp twice = Call("GET", "/api/v1/assignments?plan=a&plan=b", office);
  EXPECT_EQ(twice.status, 400) << twice.body;
  EXPECT_NE(twice.body.find("'plan': given more than once"), std::string::npos) << twice.body;
  const Resp yes = Call("GET", "/api/v1/assignments?overdue=yes", office);
  EXPECT_EQ(yes.status, 400) << yes.body;
  EXPECT_NE(yes.body.find("'overdue': 1 (yes) or 0 (no)"), std::string::npos) << yes.body;
  const Resp no = Call("POST", "/api/v1/plans/import?dry_run=no&id=x", office, "序号\t工作任务\n",
                       {{"Content-Type", "text/plain"}});
  EXPECT_EQ(no.status, 400) << no.body;
  EXPECT_NE(no.body.find("'dry_run': 1 (yes) or 0 (no)"), std::string::npos) << no.body;
  EXPECT_EQ(Call("GET", "/api/v1/plans/nowhere").status, 401) << "still signed in first";
  // A probe's cache-buster on the public diagnostics is no failure.
  EXPECT_EQ(Call("GET", "/healthz?t=123").status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/openapi.json?v=1").status, 200);
  // Percent-encoded names are the names they encode.
  EXPECT_EQ(Call("GET", std::string("/api/v1/dashboard?pl%61n=") + kPlan, office).status, 200);
  EXPECT_EQ(Call("GET", std::string("/api/v1/dashboard?plan=") + kPlan, office).status, 200);
  // Refused before anything else is read, and only once signed in (401 first).
  EXPECT_EQ(Call("GET", "/api/v1/verify?full=1").status, 401);

  const Resp form = Call("POST", "/api/v1/plans/import?dry_run=1", office, "序号=1",
                         {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(form.status, 400) << form.body;
  EXPECT_NE(form.body.find("not as a form"), std::string::npos) << form.body;
  const Resp upload = Call("POST", "/api/v1/evidence?name=a.pdf", office, "x=1",
                           {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(upload.status, 400) << upload.body;
  EXPECT_NE(upload.body.find("not as a form: Content-Type: application/octet-stream"), std::string::npos)
      << upload.body;
}

TEST_F(OpsTest, HealthzAndMetricsSpeakTheirFormats) {
  const Resp h = Call("GET", "/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body.rfind("ok log_end=", 0), 0u) << h.body;
  const Auth unit = SignIn("unit-a", Auth::kBearer);
  ASSERT_EQ(Call("POST", "/api/v1/commands", unit, Command("accept", task_a, unit_a, "m1").dump()).status, 200);
  ASSERT_EQ(Call("POST", "/api/v1/commands", unit, Command("accept", task_a, unit_a, "m2").dump()).status, 422);
  const std::vector<std::string> wanted = {
      "duban_http_requests_total{method=\"POST\",route=\"/api/v1/commands\",status=\"200\"} 1",
      "duban_commands_total{outcome=\"accepted\"} 1",
      "duban_commands_total{outcome=\"rejected\"} 1",
      "duban_http_request_duration_seconds_bucket{route=\"/api/v1/commands\",le=\"+Inf\"} 2",
      "# TYPE duban_open_overdue_assignments gauge",
      "duban_timers_pending ",
      "duban_calendar_covered_until_year ",
      "# TYPE duban_open_escalations gauge"};
  // A request is counted once its answer is sent (httplib's logger): on a
  // busy machine the next request may be served first, so look again a
  // little while.
  Resp m;
  for (int i = 0; i < 200; ++i) {
    m = Call("GET", "/metrics");
    if (m.status == 200 && std::all_of(wanted.begin(), wanted.end(),
                                       [&](const std::string& w) { return m.body.find(w) != std::string::npos; }))
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(m.status, 200);
  for (const std::string& want : wanted)
    EXPECT_NE(m.body.find(want), std::string::npos) << want << "\n" << m.body.substr(0, 2000);
  // Every sample line is `name{labels} value` or `name value`.
  std::istringstream lines(m.body);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && line[0] != '#') {
      EXPECT_NE(line.rfind(' '), std::string::npos) << line;
    }
}

// The gauges come from the counts (a scrape must not read every row); they
// must say what counting the rows says.
TEST_F(OpsTest, TheOverdueAndEscalationGaugesSayWhatTheRowsSay) {
  // The sample plan's 2021 deadlines, imported today: late from the import,
  // and two months on escalated.
  ASSERT_TRUE(engine->Tick(SystemClock()->Now() + 60LL * 24 * 3600 * 1000).ok());
  auto rows = engine->Assignments({});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  int64_t overdue = 0;
  std::map<int32_t, int64_t> levels;
  for (const auto& r : *rows) {
    if (!core::IsOpen(r.a.status)) continue;
    overdue += r.a.overdue;
    if (r.a.escalation_level > 0) ++levels[r.a.escalation_level];
  }
  ASSERT_GT(overdue, 0);
  ASSERT_GE(levels.size(), 1u);
  const Resp m = Call("GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("\nduban_open_overdue_assignments " + std::to_string(overdue) + "\n"), std::string::npos)
      << overdue << "\n"
      << m.body;
  for (const auto& [level, n] : levels)
    EXPECT_NE(
        m.body.find("\nduban_open_escalations{level=\"" + std::to_string(level) + "\"} " + std::to_string(n) + "\n"),
        std::string::npos)
        << "level " << level << ": " << n << "\n"
        << m.body;
}

TEST_F(OpsTest, StopFinishesRequestsInFlightThenRefusesNewConnections) {
  const Auth unit = SignIn("unit-a", Auth::kBearer);
  std::vector<std::thread> writers;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i)
    writers.emplace_back([&, i] {
      const Resp r = Call(
          "POST", "/api/v1/commands", unit,
          Command("progress", task_a, unit_a, "stop-" + std::to_string(i), {{"percent", i}, {"text", "x"}}).dump());
      if (r.status == 200 || r.status == 422) ++ok;
    });
  for (auto& w : writers) w.join();
  const int port = srv->port();
  StopServer();
  EXPECT_EQ(ok.load(), 8);
  httplib::Client after("127.0.0.1", port);
  EXPECT_FALSE(after.Get("/healthz"));
}

}  // namespace
}  // namespace duban::testing
