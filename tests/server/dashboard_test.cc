// The office's dashboard (GET /api/v1/dashboard) and the traffic light every
// assignment row carries (light, working_days_left), on the server's clock
// and the working-day calendar.
#include "server_fixture.h"

namespace duban::testing {
namespace {

// A day of next year by the machine's clock: to come, and within the ten
// years a date given for work may be (the engine decides on today).
std::string NextYear(const char* month_day) {
  return std::to_string(DayOf(SystemClock()->Now()).year + 1) + "-" + month_day;
}

class DashboardTest : public ServerTest {
 protected:
  // Moves the server's clock to the start of `day` in China (tests sign in after).
  void SetToday(const std::string& day) {
    auto at = ParseInstant(day);
    ASSERT_TRUE(at.has_value());
    clock->Advance(*at - clock->Now());
  }
  json Rows(const Auth& who) {
    const Resp r = Call("GET", std::string("/api/v1/assignments?plan=") + kPlan, who);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.j();
  }
};

TEST_F(DashboardTest, LightsFollowTheWorkingDaysLeftAndTheDashboardCountsThemByUnit) {
  ImportSamplePlan();
  // Monday 2021-12-27: a deadline of Friday 2021-12-31 is 4 working days away.
  SetToday("2021-12-27");
  StartServer();
  const Auth office = SignIn("office");
  const json rows = Rows(office);
  ASSERT_GT(rows.size(), 50u);
  std::map<std::string, int64_t> lights;
  std::map<std::string, int64_t> red_by_unit;
  int checked = 0;
  for (const auto& r : rows) {
    ASSERT_TRUE(r.contains("light")) << r.dump();
    const std::string light = r["light"];
    ++lights[light];
    if (light == "red") ++red_by_unit[r["unit"].get<std::string>()];
    if (r["due_on"] == "2021-12-31") {
      EXPECT_EQ(r["working_days_left"], 4) << r.dump();
      EXPECT_EQ(light, "yellow") << r.dump();
      ++checked;
    }
    if (r["due_on"].is_string() && r["due_on"].get<std::string>() < "2021-12-27") {
      EXPECT_EQ(light, "red") << r.dump();
      EXPECT_LT(r["working_days_left"].get<int>(), 0) << r.dump();
    }
    if (r["due_on"].is_string() && r["due_on"].get<std::string>() > "2022-01-10") {
      EXPECT_EQ(light, "green") << r.dump();
    }
  }
  EXPECT_GT(checked, 0) << "the sample plan has deadlines at the end of 2021";

  const Resp d = Call("GET", std::string("/api/v1/dashboard?plan=") + kPlan, office);
  ASSERT_EQ(d.status, 200) << d.body;
  const json dash = d.j();
  EXPECT_EQ(dash["today"], "2021-12-27");
  EXPECT_EQ(dash["assignments"].get<size_t>(), rows.size());
  for (const auto& [light, n] : lights) EXPECT_EQ(dash["lights"][light], n) << light;
  int64_t sum = 0, last_red = INT64_MAX;
  for (const auto& u : dash["units"]) {
    sum += u["assignments"].get<int64_t>();
    EXPECT_EQ(u["red"].get<int64_t>(), red_by_unit[u["unit"].get<std::string>()]) << u.dump();
    EXPECT_LE(u["red"].get<int64_t>(), last_red) << "most red first";
    last_red = u["red"].get<int64_t>();
  }
  EXPECT_EQ(sum, static_cast<int64_t>(rows.size()));

  // A unit's approval takes its assignment out of the lights: done.
  const Auth unit = SignIn("unit-a");
  for (const char* step : {"accept", "submit"}) {
    const Resp r =
        Call("POST", "/api/v1/commands", unit, Command(step, task_a, unit_a, std::string("d-") + step).dump());
    ASSERT_EQ(r.status, 200) << r.body;
  }
  ASSERT_EQ(Call("POST", "/api/v1/commands", office, Command("approve", task_a, unit_a, "d-approve").dump()).status,
            200);
  for (const auto& r : Rows(unit)) {
    if (r["task"] == task_a) {
      EXPECT_EQ(r["light"], "done") << r.dump();
      EXPECT_TRUE(r["working_days_left"].is_null()) << "a closed row counts no days: " << r.dump();
    }
  }
  EXPECT_EQ(Call("GET", "/api/v1/dashboard", office).j()["lights"]["done"], 1);
  EXPECT_EQ(Call("GET", "/api/v1/dashboard?plan=nope", office).status, 404);
}

TEST_F(DashboardTest, EachUnitsRemindersAreTheRemindersTheLogHoldsForIt) {
  // Imported today (a plan entered in 2026 is reminded of nothing dated
  // before: its units did not have the work then); one task's date moved to
  // next January; the clock run to the day before it: the reminders go out.
  ImportSamplePlan();
  schemas::Command move;
  move.command_id = "dash-next-year";
  move.plan_id = kPlan;
  move.actor = {"office", schemas::Role::kSupervisor, "office"};
  move.body = schemas::SetDeadline{task_a, "", NextYear("01-29"), "延至明年"};
  ASSERT_TRUE(engine->Submit(move).status.ok());
  const auto eve = ParseInstant(NextYear("01-28"));
  ASSERT_TRUE(eve.has_value());
  ASSERT_TRUE(engine->Tick(*eve).ok());
  std::map<std::string, int64_t> sent;
  ASSERT_TRUE(engine
                  ->ScanLog(1,
                            [&](uint64_t, const schemas::Event& e) {
                              if (auto* b = std::get_if<schemas::DeadlineApproaching>(&e.body)) ++sent[b->unit];
                              return true;
                            })
                  .ok());
  ASSERT_FALSE(sent.empty()) << "the moved task's units are reminded of its date";
  StartServer();
  const Auth office = SignIn("office");
  int64_t by_rows = 0;
  for (const auto& r : Rows(office)) by_rows += r["reminders"].get<int64_t>();
  int64_t total = 0;
  for (const auto& [_, n] : sent) total += n;
  EXPECT_EQ(by_rows, total);
  const json dash = Call("GET", std::string("/api/v1/dashboard?plan=") + kPlan, office).j();
  const json units = dash["units"];
  for (const auto& u : units) {
    const std::string name = u["unit"];
    EXPECT_EQ(u["reminders"].get<int64_t>(), sent.count(name) ? sent.at(name) : 0) << u.dump();
  }
}

TEST_F(DashboardTest, ADeadlineJustPastIsRedEvenWhenNoWorkingDayHasPassed) {
  ImportSamplePlan();
  SetToday("2022-01-01");  // a Saturday (and 元旦): the day after the 2021-12-31 deadlines
  StartServer();
  const Auth office = SignIn("office");
  int checked = 0;
  for (const auto& r : Rows(office)) {
    if (r["due_on"] != "2021-12-31" || r["status"] != "assigned") continue;
    EXPECT_EQ(r["working_days_left"], 0) << r.dump();
    EXPECT_EQ(r["light"], "red") << r.dump();
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST_F(DashboardTest, ACycleSaysPerUnitWhoAnsweredAndWhoIsSilent) {
  ImportSamplePlan();
  SetToday("2021-12-01");
  StartServer();
  const Auth office = SignIn("office");
  const std::string cycles = std::string("/api/v1/plans/") + kPlan + "/cycles";
  ASSERT_EQ(Call("GET", cycles, office).j()["cycles"].size(), 0u);
  const json start = {{"type", "start_cycle"}, {"plan", kPlan},     {"command_id", "cyc-start"},
                      {"cycle_id", "2021-12"}, {"kind", "monthly"}, {"due_on", NextYear("12-10")}};
  const Resp started = Call("POST", "/api/v1/commands", office, start.dump());
  ASSERT_EQ(started.status, 200) << started.body;
  const Auth unit = SignIn("unit-a");
  ASSERT_EQ(Call("POST", "/api/v1/commands", unit, Command("accept", task_a, unit_a, "cyc-accept").dump()).status, 200);
  const Resp answered =
      Call("POST", "/api/v1/commands", unit,
           Command("progress", task_a, unit_a, "cyc-progress", {{"percent", 30}, {"text", "按月报送"}}).dump());
  ASSERT_EQ(answered.status, 200) << answered.body;

  const Resp r = Call("GET", cycles, office);
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = r.j();
  ASSERT_EQ(body["cycles"].size(), 1u) << r.body;
  const json& cycle = body["cycles"][0];
  EXPECT_EQ(cycle["cycle_id"], "2021-12");
  EXPECT_EQ(cycle["due_on"], NextYear("12-10"));
  std::map<std::string, json> by_unit;
  for (const auto& u : cycle["units"]) by_unit[u["unit"].get<std::string>()] = u;
  ASSERT_TRUE(by_unit.count(unit_a) && by_unit.count(unit_b)) << r.body.substr(0, 800);
  EXPECT_GE(by_unit[unit_a]["answered"].get<int>(), 1);
  EXPECT_EQ(by_unit[unit_a]["requested"].get<int>() - by_unit[unit_a]["answered"].get<int>(),
            by_unit[unit_a]["silent"].get<int>());
  EXPECT_EQ(by_unit[unit_b]["answered"], 0);
  EXPECT_EQ(by_unit[unit_b]["silent"], by_unit[unit_b]["requested"]);
  EXPECT_GT(by_unit[unit_b]["silent"].get<int>(), 0);
  // The dashboard counts the answer as on time; nothing is missing before the due date.
  for (const auto& u : Call("GET", std::string("/api/v1/dashboard?plan=") + kPlan, office).j()["units"]) {
    if (u["unit"] == unit_a) {
      EXPECT_GE(u["reports_on_time"].get<int>(), 1) << u.dump();
    }
    EXPECT_EQ(u["reports_missing"], 0) << u.dump();
  }
  EXPECT_EQ(Call("GET", cycles, unit).status, 403) << "a unit does not read the office's cycle results";
}

// The office's queues (GET /api/v1/queues) list exactly what waits for it:
// the extension requests are found through the counts, not every row.
TEST_F(DashboardTest, TheQueuesListTheSubmissionsReturnsAndExtensionRequestsWaitingForTheOffice) {
  ImportSamplePlan();
  StartServer();
  const Auth a = SignIn("unit-a", Auth::kBearer), b = SignIn("unit-b", Auth::kBearer);
  auto post = [&](const Auth& who, const json& cmd) {
    const Resp r = Call("POST", "/api/v1/commands", who, cmd.dump());
    ASSERT_EQ(r.status, 200) << r.body;
  };
  post(a, Command("accept", task_a, unit_a, "q-accept-a"));
  post(a,
       Command("request_extension", task_a, unit_a, "q-ext-a", {{"new_due_on", "2031-12-31"}, {"reason", "需协调"}}));
  post(b, Command("accept", task_b, unit_b, "q-accept-b"));
  post(b, Command("submit", task_b, unit_b, "q-submit-b", {{"text", "已完成"}}));
  const Resp r = Call("GET", "/api/v1/queues", SignIn("office", Auth::kBearer));
  ASSERT_EQ(r.status, 200) << r.body;
  const json q = r.j();
  ASSERT_EQ(q["extension_requests"].size(), 1u) << r.body;
  EXPECT_EQ(q["extension_requests"][0]["task"], task_a);
  EXPECT_EQ(q["extension_requests"][0]["unit"], unit_a);
  ASSERT_EQ(q["submissions"].size(), 1u) << r.body;
  EXPECT_EQ(q["submissions"][0]["task"], task_b);
  EXPECT_EQ(q["submissions"][0]["unit"], unit_b);
  EXPECT_TRUE(q["returns"].empty()) << r.body;
}

TEST_F(DashboardTest, TheWorkbenchPageIsServedWithAStrictContentSecurityPolicy) {
  StartServer();
  const Resp page = Call("GET", "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<html"), std::string::npos);
  auto csp = page.headers.find("Content-Security-Policy");
  ASSERT_NE(csp, page.headers.end());
  EXPECT_NE(csp->second.find("default-src 'self'"), std::string::npos);
  EXPECT_EQ(page.headers.find("X-Frame-Options")->second, "DENY");
  EXPECT_EQ(Call("GET", "/web/index.html").status, 200);
  EXPECT_EQ(Call("GET", "/web/../CMakeLists.txt").status, 404);
  EXPECT_EQ(Call("GET", "/web/nothing-here.js").status, 404);
}

}  // namespace
}  // namespace duban::testing
