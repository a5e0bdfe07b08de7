// The clock inside `duban serve`: the server holds the store, so `duban tick`
// from cron cannot open it; the server itself fires the timers that are due,
// at start and every tick interval, with no request needed, and says so in
// /healthz and /metrics.
#include <chrono>
#include <thread>

#include "server_fixture.h"

namespace duban::testing {
namespace {

class ClockTest : public ServerTest {};

double MetricValue(const std::string& text, const std::string& name) {
  const size_t at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + name.size() + 2));
}

TEST_F(ClockTest, TheServerFiresDueTimersWhileItHoldsTheStore) {
  ImportSamplePlan();  // 2021 deadlines: every reminder and escalation step is due
  const uint64_t imported_end = engine->LogEnd();
  options.tick_interval_ms = 100;
  StartServer();
  const Auth office = SignIn("office");

  // No request asks for it: the first tick runs at start.
  std::string health;
  for (int i = 0; i < 200; ++i) {
    health = Call("GET", "/healthz").body;
    if (health.find("last_tick=none") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(health.find("last_tick=none"), std::string::npos) << health;
  EXPECT_NE(health.find("tick_failures=0"), std::string::npos) << health;
  EXPECT_GT(LogEnd(), imported_end) << "the due timers wrote their events";

  const Resp task = Call("GET", std::string("/api/v1/plans/") + kPlan + "/tasks/" + std::to_string(task_a), office);
  ASSERT_EQ(task.status, 200) << task.body;
  int by_clock = 0;
  const json history = task.j()["history"];
  for (const auto& e : history)
    if (e["actor"]["id"] == "clock") ++by_clock;
  EXPECT_GT(by_clock, 0) << "task " << task_a << "'s overdue assignment was reminded and escalated by the clock";

  // And it keeps ticking: the counter grows with no request in between.
  const double first = MetricValue(Call("GET", "/metrics").body, "duban_clock_ticks");
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  const std::string metrics = Call("GET", "/metrics").body;
  EXPECT_GT(MetricValue(metrics, "duban_clock_ticks"), first) << metrics;
  EXPECT_GT(MetricValue(metrics, "duban_timer_events"), 0) << metrics;
  EXPECT_EQ(MetricValue(metrics, "duban_clock_tick_failures"), 0) << metrics;

  // A tick repeated at the same moment writes nothing new (idempotent).
  const uint64_t settled = LogEnd();
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(LogEnd(), settled);
}

TEST_F(ClockTest, TickIntervalZeroMeansTheServerNeverTicks) {
  ImportSamplePlan();
  const uint64_t imported_end = engine->LogEnd();
  options.tick_interval_ms = 0;
  StartServer();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(LogEnd(), imported_end);
  const std::string health = Call("GET", "/healthz").body;
  EXPECT_NE(health.find("clock=off"), std::string::npos) << "a monitor sees the clock is off: " << health;
}

}  // namespace
}  // namespace duban::testing
