// Every route x every kind of caller -> the status it must get, and for each
// write that must fail, the log end unchanged. Then every unit step against
// the other unit's assignment: none may succeed.
#include "server_fixture.h"

namespace duban::testing {
namespace {

// Callers, in the order the columns below are written.
enum Who { kAnon, kUnitA, kUnitB, kOffice, kAuditor, kDisabled, kExpired, kToken, kAdmin, kWhoCount };
const char* kWhoNames[] = {"anonymous", "unit A",  "unit B",   "office", "auditor",
                           "disabled",  "expired", "token(A)", "admin"};

struct Cell {
  std::string method, path;
  std::string body;
  int expected[kWhoCount];
};

class AuthzMatrixTest : public ServerTest {
 protected:
  Auth who[kWhoCount];
  std::string sha_a;  // a file unit A uploaded

  void SetUp() override {
    ServerTest::SetUp();
    ImportSamplePlan();
    options.notifications_dir = dir.path() + "/reminders-state";  // nothing told yet: an empty list
    StartServer();
    // The expired session idles past its limit first; then the others sign in.
    who[kExpired] = SignIn("unit-a");
    clock->Advance(Instant{options.session_idle_minutes + 1} * 60000);
    who[kUnitA] = SignIn("unit-a");
    who[kUnitB] = SignIn("unit-b");
    who[kOffice] = SignIn("office", Auth::kBearer);
    who[kAuditor] = SignIn("auditor");
    who[kDisabled] = SignIn("gone");
    who[kToken] = Token();
    who[kAdmin] = SignIn("admin");
    srv->WithEngine([&](Engine& e) {
      accounts::Accounts acc(e, SystemClock());
      ASSERT_TRUE(acc.SetDisabled("gone", true, "left the unit", accounts::ActorOfOperator()).ok());
      // The account the admin rows change (no caller here signs in with it).
      ASSERT_TRUE(
          acc.Add({"spare", "spare", accounts::AccountRole::kUnit, unit_b}, kPassword, accounts::ActorOfOperator())
              .ok());
    });
    Resp up = Call("POST", "/api/v1/evidence?name=a.pdf", who[kUnitA], "%PDF-1.4 unit A's report");
    ASSERT_EQ(up.status, 200) << up.body;
    sha_a = up.j()["sha256"];
  }

  std::vector<Cell> Table() {
    const std::string plan = std::string("/api/v1/plans/") + kPlan;
    const std::string ta = std::to_string(task_a);
    return {
        {"GET", "/healthz", "", {200, 200, 200, 200, 200, 200, 200, 200, 200}},
        // Loopback callers may read metrics (docs/API.md).
        {"GET", "/metrics", "", {200, 200, 200, 200, 200, 200, 200, 200, 200}},
        {"GET", "/api/v1/openapi.json", "", {200, 200, 200, 200, 200, 200, 200, 200, 200}},
        {"GET", "/api/v1/me", "", {401, 200, 200, 200, 200, 401, 401, 200, 200}},
        {"GET", "/api/v1/plans", "", {401, 200, 200, 200, 200, 401, 401, 200, 403}},
        {"GET", plan, "", {401, 200, 200, 200, 200, 401, 401, 200, 403}},
        {"GET", plan + "/tasks/" + ta, "", {401, 200, 403, 200, 200, 401, 401, 200, 403}},
        {"GET", plan + "/as-of?date=2031-01-01", "", {401, 200, 200, 200, 200, 401, 401, 200, 403}},
        {"GET", "/api/v1/assignments?unit=" + UrlEncode(unit_a), "", {401, 200, 403, 200, 200, 401, 401, 200, 403}},
        {"GET", "/api/v1/queues", "", {401, 403, 403, 200, 200, 401, 401, 403, 403}},
        // A unit reads what waits for it on what it delegated.
        {"GET", "/api/v1/queue/returns", "", {401, 200, 200, 200, 200, 401, 401, 200, 403}},
        {"GET", plan + "/cycles", "", {401, 403, 403, 200, 200, 401, 401, 403, 403}},
        {"GET", std::string("/api/v1/dashboard?plan=") + kPlan, "", {401, 403, 403, 200, 200, 401, 401, 403, 403}},
        {"GET", "/api/v1/verify", "", {401, 403, 403, 200, 200, 401, 401, 403, 403}},
        // A unit fetches its own ledger; the scorecard and bulletin are the office's and auditor's.
        {"GET",
         std::string("/api/v1/reports/ledger?format=json&plan=") + kPlan,
         "",
         {401, 200, 200, 200, 200, 401, 401, 200, 403}},
        {"GET",
         std::string("/api/v1/reports/scorecard?format=json&plan=") + kPlan,
         "",
         {401, 403, 403, 200, 200, 401, 401, 403, 403}},
        {"GET",
         std::string("/api/v1/reports/bulletin?format=json&plan=") + kPlan,
         "",
         {401, 403, 403, 200, 200, 401, 401, 403, 403}},
        {"GET", "/api/v1/evidence/" + sha_a, "", {401, 200, 403, 200, 200, 401, 401, 200, 403}},
        {"POST", "/api/v1/evidence?name=x.png", "\x89PNG\r\n\x1A\nfake", {401, 200, 200, 200, 403, 401, 401, 200, 403}},
        {"POST",
         "/api/v1/plans/import?dry_run=1",
         ReadFile(std::string(DUBAN_SOURCE_DIR) + "/workflows/plans/yichun-2021.txt"),
         {401, 403, 403, 200, 403, 401, 401, 403, 403}},
        {"GET", "/api/v1/calendar", "", {401, 403, 403, 200, 200, 401, 401, 403, 403}},
        {"POST",
         "/api/v1/calendar/notices?source=2027.yaml",
         ReadFile(std::string(DUBAN_SOURCE_DIR) + "/tests/workflow_engine/data/cn-mainland-2027.TEST-FIXTURE.yaml"),
         {401, 403, 403, 200, 403, 401, 401, 403, 403}},
        // Each writer's own notifications; auditors and admins have none.
        {"GET", "/api/v1/notifications", "", {401, 200, 200, 200, 403, 401, 401, 200, 403}},
        {"POST", "/api/v1/notifications/read", R"({"all": true})", {401, 200, 200, 200, 403, 401, 401, 200, 403}},
        // A unit-A step on A's task, each caller with its own command id: only A (and its token) may.
        {"POST", "/api/v1/commands", "accept", {401, 200, 403, 403, 403, 401, 401, 200, 403}},
        // The office's bulk step: an office route (a unit is refused the whole of it).
        {"POST",
         "/api/v1/bulk",
         json{{"type", "remind"},
              {"plan", kPlan},
              {"command_id", "matrix-bulk"},
              {"items", json::array({{{"task", task_a}, {"unit", unit_a}}})}}
             .dump(),
         {401, 403, 403, 200, 403, 401, 401, 403, 403}},
        {"POST",
         "/api/v1/session",
         json{{"user", "auditor"}, {"password", kPassword}}.dump(),
         {200, 200, 200, 200, 200, 200, 200, 200, 200}},
        // Account administration: the admin only (it changes "spare", an account no caller uses).
        {"GET", "/api/v1/users", "", {401, 403, 403, 403, 403, 401, 401, 403, 200}},
        {"POST",
         "/api/v1/users",
         json{{"name", "matrix-new"}, {"role", "office"}, {"password", "matrix new secret"}}.dump(),
         {401, 403, 403, 403, 403, 401, 401, 403, 201}},
        {"POST", "/api/v1/users/spare/disable", "", {401, 403, 403, 403, 403, 401, 401, 403, 200}},
        {"POST", "/api/v1/users/spare/enable", "", {401, 403, 403, 403, 403, 401, 401, 403, 200}},
        {"POST",
         "/api/v1/users/spare/reset-password",
         json{{"password", "matrix new secret"}}.dump(),
         {401, 403, 403, 403, 403, 401, 401, 403, 200}},
        {"POST",
         "/api/v1/tokens",
         json{{"name", "matrix-bot"}, {"role", "auditor"}}.dump(),
         {401, 403, 403, 403, 403, 401, 401, 403, 201}},
        // Last: it signs each caller out.
        {"DELETE", "/api/v1/session", "", {401, 200, 200, 200, 200, 401, 401, 200, 200}},
    };
  }
};

TEST_F(AuthzMatrixTest, EveryRouteForEveryCallerGetsItsStatusAndRefusedWritesWriteNothing) {
  std::set<std::string> covered;
  int cells = 0, failed_writes_checked = 0;
  for (const Cell& cell : Table()) {
    covered.insert(cell.method + " " + cell.path.substr(0, cell.path.find('?')));
    for (int w = 0; w < kWhoCount; ++w) {
      std::string body = cell.body;
      if (body == "accept") {
        // Unit A accepts; its token then reports progress on the same assignment.
        const char* type = w == kToken ? "progress" : "accept";
        json extra = w == kToken ? json{{"percent", 10}, {"text", "起草中"}} : json::object();
        body = Command(type, task_a, unit_a, std::string("matrix-") + kWhoNames[w], extra).dump();
      }
      const uint64_t before = LogEnd();
      const Resp r = Call(cell.method, cell.path, who[w], body);
      ++cells;
      EXPECT_EQ(r.status, cell.expected[w])
          << cell.method << " " << cell.path << " as " << kWhoNames[w] << ": " << r.body;
      if (cell.method != "GET" && r.status >= 300) {
        EXPECT_EQ(LogEnd(), before) << cell.method << " " << cell.path << " as " << kWhoNames[w] << " wrote to the log";
        ++failed_writes_checked;
      }
    }
  }
  // Every registered route is in the table (its path template filled in).
  EXPECT_EQ(cells, static_cast<int>(Table().size()) * kWhoCount);
  EXPECT_EQ(srv->RegisteredRoutes().size(), Table().size()) << "a route is missing from the matrix";
  std::printf("authorization matrix: %d cells, %d refused writes checked for an unchanged log\n", cells,
              failed_writes_checked);
}

TEST_F(AuthzMatrixTest, NoUnitStepSucceedsOnAnotherUnitsAssignment) {
  const std::vector<std::pair<std::string, json>> steps = {
      {"accept", json::object()},
      {"return", {{"reason", "不属于本单位职责"}}},
      {"progress", {{"percent", 50}, {"text", "冒名填报"}}},
      {"submit", {{"text", "冒名报送"}}},
      {"request_extension", {{"new_due_on", "2031-12-31"}, {"reason", "冒名申请"}}},
  };
  struct Attempt {
    Who caller;
    int32_t task;
    std::string unit;
  };
  const std::vector<Attempt> attempts = {
      {kUnitA, task_b, unit_b}, {kUnitB, task_a, unit_a}, {kToken, task_b, unit_b}, {kUnitB, task_b, unit_a}};
  int succeeded = 0, tried = 0;
  const uint64_t before = LogEnd();
  for (const auto& a : attempts)
    for (const auto& [type, extra] : steps) {
      const Resp r = Call("POST", "/api/v1/commands", who[a.caller],
                          Command(type, a.task, a.unit, "cross-" + std::to_string(tried++), extra).dump());
      if (r.status == 200) ++succeeded;
      EXPECT_EQ(r.status, 403) << type << " by " << kWhoNames[a.caller] << " on " << a.unit << ": " << r.body;
    }
  EXPECT_EQ(LogEnd(), before);
  std::printf("cross-unit writes tried: %d; cross-unit writes that succeeded: %d\n", tried, succeeded);
  EXPECT_EQ(succeeded, 0);
}

}  // namespace
}  // namespace duban::testing
