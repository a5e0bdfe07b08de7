// The fixture of the domain tests (decide_*_test.cc, evolve_test.cc,
// two_times_test.cc): a plan state in memory, commands decided against it and
// their events evolved into it, given/when/then. No disk, no clock.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "duban/core/domain.h"
#include "test_support.h"

namespace duban::core {

using namespace duban::testing;
using namespace duban::schemas;
using Events = std::vector<EventBody>;

class DomainTest : public ::testing::Test {
 public:
  PlanState state;
  Instant now = At("2021-03-20");
  int next_id = 1;
  std::vector<Event> applied;  // every event Apply evolved `state` with, in order

  Command Cmd(CommandBody body, Actor actor) {
    Command c;
    c.command_id = "cmd-" + std::to_string(next_id++);
    c.plan_id = "p1";
    c.actor = std::move(actor);
    c.issued_at = now;
    c.body = std::move(body);
    return c;
  }

  Result<Events> When(CommandBody body, Actor actor) { return Decide(state, Cmd(std::move(body), std::move(actor))); }

  void Apply(const EventBody& body, const Actor& actor = Supervisor(), const std::string& back_entry = "") {
    Event e;
    e.stream = "p1";
    e.stream_seq = state.version + 1;
    e.type = std::holds_alternative<UnknownEvent>(body) ? std::get<UnknownEvent>(body).type
                                                        : static_cast<uint16_t>(TypeOf(body));
    e.occurred_at = now;
    e.recorded_at = now;
    e.actor = actor;
    e.hash = "h" + std::to_string(e.stream_seq);
    e.prev_hash = state.last_hash;
    e.body = body;
    e.back_entry_reason = back_entry;
    Evolve(state, e);
    applied.push_back(std::move(e));
  }

  // Decides a command that must be accepted, and applies its events.
  Events Do(CommandBody body, Actor actor) {
    auto r = When(std::move(body), actor);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    for (const auto& e : *r) Apply(e, actor);
    return *r;
  }

  const AssignmentState& A(int32_t task, const std::string& unit) { return state.assignments.at({task, unit}); }

  void GivenPlan() { Do(SamplePlan(), Supervisor()); }
  void GivenAccepted(int32_t task, const std::string& unit) { Do(Accept{task, unit}, UnitActor(unit)); }
  void GivenInProgress(int32_t task, const std::string& unit) {
    GivenAccepted(task, unit);
    Do(ReportProgress{task, unit, 50, "过半", "", "张三", "123"}, UnitActor(unit));
  }
  void GivenSubmitted(int32_t task, const std::string& unit) {
    GivenInProgress(task, unit);
    Do(Submit{task, unit, "完成", "报告.pdf"}, UnitActor(unit));
  }
  void GivenCompleted(int32_t task, const std::string& unit) {
    GivenSubmitted(task, unit);
    Do(Approve{task, unit, "同意"}, Supervisor());
  }
  void GivenOverdue(int32_t task, const std::string& unit) {
    Do(FireTimer{task, unit, TimerKind::kMissed, A(task, unit).due_on}, Clock());
    ASSERT_TRUE(A(task, unit).overdue);
  }
};

}  // namespace duban::core
