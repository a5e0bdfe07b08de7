// The demo year's real events (`duban demo`'s simulated second year, the
// first 16 tasks) through the delivery loop on `duban dev-broker`: one outbox
// line per notification, each naming its task, the recipients checked
// against the documented rules worked out without the renderer.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "delivery_fixture.h"
#include "duban/engine.h"

namespace duban::consumers {
namespace {

using namespace test_support;  // NOLINT(google-build-using-namespace): the fixture's names

// The channel and recipients an event's notifications should have, by the
// documented rules (default RenderOptions: office 督查室, leaders suffix
// 主要负责同志): the unit for reminders, misses, report requests, rejections
// and quiet report overdues; the unit, the office and the notify list (roles
// mapped, each recipient once) for escalations and escalated report overdues.
std::pair<std::string, std::vector<std::string>> ExpectedRecipients(const schemas::Event& e) {
  const std::string office = "督查室";
  auto with_list = [&](const std::string& unit, const std::vector<std::string>& notify) {
    std::vector<std::string> out = {unit, office};
    for (const auto& who : notify) {
      const std::string name = who == "unit"           ? unit
                               : who == "office"       ? office
                               : who == "unit_leaders" ? unit + "主要负责同志"
                                                       : who;
      if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    }
    return out;
  };
  using R = std::pair<std::string, std::vector<std::string>>;
  if (auto* b = std::get_if<schemas::DeadlineApproaching>(&e.body)) return R{"reminder", {b->unit}};
  if (auto* b = std::get_if<schemas::DeadlineMissed>(&e.body)) return R{"overdue", {b->unit}};
  if (auto* b = std::get_if<schemas::ProgressReportRequested>(&e.body)) return R{"report_request", {b->unit}};
  if (auto* b = std::get_if<schemas::CompletionRejected>(&e.body)) return R{"completion_rejected", {b->unit}};
  if (auto* b = std::get_if<schemas::CompletionApproved>(&e.body)) return R{"completion_approved", {b->unit}};
  if (auto* b = std::get_if<schemas::ExtensionGranted>(&e.body)) return R{"extension_granted", {b->unit}};
  if (auto* b = std::get_if<schemas::ExtensionDenied>(&e.body)) return R{"extension_denied", {b->unit}};
  if (auto* b = std::get_if<schemas::EscalationRaised>(&e.body)) return R{"escalation", with_list(b->unit, b->notify)};
  if (auto* b = std::get_if<schemas::ReportOverdue>(&e.body))
    return R{"report_overdue", b->level >= 1 ? with_list(b->unit, b->notify) : std::vector<std::string>{b->unit}};
  return R{"", {}};
}

TEST_F(RemindersDeliveryTest, TheDemoYearsEventsGiveOneOutboxLinePerNotificationEachNamingItsTask) {
  std::string store = (data_ / "demo").string();
  std::string cmd = std::string(DUBAN_EXE) + " --data " + store + " demo > /dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::vector<schemas::Event> events;
  {
    // The demo's second year, ticked every day (its first ticks once, after
    // every deadline, when reminders are moot and none is recorded).
    EngineOptions eo;
    eo.data_dir = store + "/simulation";
    eo.read_only = true;
    auto engine = Engine::Open(eo);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    // The first 16 tasks' events and every plan-wide one (a consistent
    // history of those tasks): the whole year is ~17,000 events, more than
    // the dev broker's 5 MiB partition keeps.
    ASSERT_TRUE((*engine)
                    ->ScanLog(0,
                              [&](uint64_t, const schemas::Event& e) {
                                const int32_t task = std::visit(
                                    [](const auto& b) -> int32_t {
                                      if constexpr (requires { b.task; })
                                        return b.task;
                                      else
                                        return 0;
                                    },
                                    e.body);
                                if (task <= 16) events.push_back(e);
                                return true;
                              })
                    .ok());
  }
  // Who should hear of each event, by the rules the reminders documentation
  // states (notification.h), worked out here without the renderer: one
  // notification per recipient, id "<event id>:<recipient>".
  std::set<std::string> expected;
  std::map<std::string, int> by_channel;
  for (const auto& e : events) {
    auto [channel, recipients] = ExpectedRecipients(e);
    for (const auto& who : recipients) expected.insert(e.event_id + ":" + who);
    if (!recipients.empty()) by_channel[channel] += static_cast<int>(recipients.size());
  }
  ASSERT_GT(by_channel["reminder"], 0);
  ASSERT_GT(by_channel["overdue"], 0);
  ASSERT_GT(by_channel["escalation"], 0);
  ASSERT_GT(by_channel["completion_rejected"], 0);
  ASSERT_GT(by_channel["completion_approved"], 0);
  {
    auto p = kafka::Producer::Create(Config());
    ASSERT_TRUE(p.ok());
    for (const auto& e : events)
      ASSERT_TRUE((*p)->Produce("duban.events", e.stream, FrameRecord(schemas::EncodeEvent(e))).ok());
    auto failures = (*p)->Flush(30000);
    ASSERT_TRUE(failures.ok() && failures->empty());
  }
  std::string outbox = (data_ / "outbox.jsonl").string();
  auto o = Options("g-demo");
  o.max_batch = 500;
  std::vector<std::unique_ptr<Sink>> sinks;
  sinks.push_back(std::move(MakeJsonlOutboxSink(outbox).value()));
  auto r = Reminders::Create(o, std::move(sinks));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(StepUntil(**r, [&] { return (*r)->stats().records == events.size(); }));
  ASSERT_TRUE((*r)->Close().ok());

  std::ifstream in(outbox);
  std::set<std::string> got;
  std::map<std::string, std::string> example;  // channel -> first text, printed below
  size_t lines = 0;
  for (std::string l; std::getline(in, l); ++lines) {
    auto j = nlohmann::json::parse(l);
    got.insert(j["notification_id"].get<std::string>());
    std::string want = "第" + std::to_string(j["task"].get<int>()) + "项任务「";
    EXPECT_NE(j["text"].get<std::string>().find(want), std::string::npos) << j["text"];
    EXPECT_FALSE(j["plan_title"].get<std::string>().empty());
    example.emplace(j["channel"].get<std::string>(),
                    j["recipient"].get<std::string>() + ": " + j["text"].get<std::string>());
  }
  EXPECT_EQ(lines, expected.size());
  EXPECT_EQ(got, expected);
  std::printf(
      "demo: %zu events -> %zu notifications (reminder %d, overdue %d, escalation %d, "
      "completion_rejected %d); %s\n",
      events.size(), expected.size(), by_channel["reminder"], by_channel["overdue"], by_channel["escalation"],
      by_channel["completion_rejected"], Reminders::FormatStats((*r)->stats()).c_str());
  int shown = 0;
  for (const auto& [k, text] : example)
    if (shown++ < 6) std::printf("  %s: %s\n", k.c_str(), text.c_str());
}

}  // namespace
}  // namespace duban::consumers
