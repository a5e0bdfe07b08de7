// The fixture of the workflow engine tests (tests/workflow_engine/*_test.cc):
// a fresh store with the workflow timer policy, a plan of three assignments,
// commands on chosen days and ticks day by day, and what fired, per day.
//
// The workflow timer policy on the embedded engine, with a simulated clock:
// each test ticks the engine day by day (Tick at the start of each day, China
// time) and checks which reminders and escalations fired on which day. The
// expected days are written out by hand from the 2021 calendar: Mid-Autumn
// 09-19..21 (Saturday 09-18 worked), National Day 10-01..07 (Sunday 09-26 and
// Saturday 10-09 worked). Rules (workflows/definitions/default.yaml):
// reminders 10/3/1 working days before, missed on the next working day,
// 督促整改 +1, 通报批评 +5, 约谈 +10 working days.
#pragma once

#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "duban/core/workflow_timer_policy.h"
#include "duban/engine.h"
#include "temp_dir.h"

namespace duban::wf_test {

using namespace schemas;
using duban::testing::TempDir;

inline const std::string kFinance = "市财政局";
inline const std::string kEducation = "市教育局";
inline const std::string kPolice = "市公安局";
inline constexpr Instant kForever = std::numeric_limits<Instant>::max() - 1;

inline Instant At(const std::string& day, int hour = 9) {
  return StartOfDay(*Date::Parse(day)) + int64_t{hour} * 3'600'000;
}
inline std::string Day(Instant t) { return DayOf(t).ToString(); }

// One thing the clock did: "2021-10-08 DeadlineMissed 1 市财政局".
struct Fired {
  std::string day, type;
  int32_t task = 0;
  std::string unit;
  int32_t detail = 0;        // days left (reminders) or level (escalations, report silence)
  bool provisional = false;  // the day was counted by the calendar's provisional rule
  bool operator==(const Fired&) const = default;
};
inline std::ostream& operator<<(std::ostream& os, const Fired& f) {
  return os << "{" << f.day << " " << f.type << " " << f.task << " " << f.unit << " " << f.detail
            << (f.provisional ? " provisional" : "") << "}";
}

class WorkflowEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = WorkflowTimerPolicy::Default();
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    policy = *p;
    Open();
  }
  void Open(uint64_t replay_chunk_events = EngineOptions{}.replay_chunk_events) {
    EngineOptions o;
    o.data_dir = dir.path();
    o.replay_chunk_events = replay_chunk_events;
    auto e = Engine::Open(o, policy);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine = std::move(e).value();
  }
  // A rebuild replays in chunks (EngineOptions::replay_chunk_events): rebuilt
  // in chunks whose first boundary falls just before, at and after log
  // position `at`, the projections are `digest` each time.
  void ExpectChunkedRebuildsGive(uint64_t at, const std::string& digest) {
    for (uint64_t chunk = at - 2; chunk <= at + 1; ++chunk) {
      engine.reset();
      Open(chunk);
      ASSERT_TRUE(engine->Rebuild().ok());
      auto got = engine->ProjectionDigest();
      ASSERT_TRUE(got.ok());
      EXPECT_EQ(*got, digest) << "chunks of " << chunk;
    }
  }

  // Task 1 due 2021-09-30 for 财政 and 教育, task 2 due 2021-12-31 for 公安.
  void GivenPlan(const std::string& import_day = "2021-09-01") {
    ImportPlan p;
    p.plan = PlanImported{"2021年政务公开工作要点分工方案",
                          "市政府办公室",
                          "府办〔2021〕7号",
                          "2021-03-15",
                          2021,
                          "digest",
                          {kFinance, kEducation, kPolice},
                          {}};
    const std::string cal = policy->latest_calendar().version();
    p.tasks.push_back(ImportTask{1,
                                 {"一"},
                                 "推进决策公开",
                                 "全面推进决策公开",
                                 Deadline{"9月底前", "2021-09-30", "", false, cal},
                                 {kFinance},
                                 {kEducation}});
    p.tasks.push_back(ImportTask{
        2, {"一"}, "加强政策解读", "加强政策解读", Deadline{"年底前", "2021-12-31", "", false, cal}, {}, {kPolice}});
    Ok(Do(Supervisor(), import_day, p));
    for (const auto& [task, unit] :
         std::vector<std::pair<int, std::string>>{{1, kFinance}, {1, kEducation}, {2, kPolice}})
      Ok(Do(UnitActor(unit), import_day, Accept{task, unit}, 10));
  }

  static Actor Supervisor() { return Actor{"督查室", Role::kSupervisor, "王五"}; }
  static Actor UnitActor(const std::string& u) { return Actor{u, Role::kUnit, u}; }

  Outcome Do(const Actor& who, const std::string& day, CommandBody body, int hour = 9) {
    Command c;
    c.command_id = "cmd-" + std::to_string(++seq);
    c.plan_id = "p";
    c.actor = who;
    c.issued_at = At(day, hour);
    c.body = std::move(body);
    return engine->Submit(c);
  }
  static void Ok(const Outcome& o) { ASSERT_TRUE(o.status.ok()) << o.status.ToString(); }

  // Ticks at the start of every day from `from` to `to` inclusive; returns what fired.
  std::vector<Fired> TickDays(const std::string& from, const std::string& to) {
    std::vector<Fired> out;
    for (Date d = *Date::Parse(from); d <= *Date::Parse(to); d = d.AddDays(1)) {
      auto r = engine->Tick(StartOfDay(d));
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      if (!r.ok()) break;
      for (const auto& o : *r)
        for (const auto& e : o.events) out.push_back(Describe(e));
    }
    return out;
  }
  static Fired Describe(const Event& e) {
    Fired f{Day(e.occurred_at), EventTypeName(e.type), TaskOf(e.body), UnitOf(e.body), 0};
    if (auto* r = std::get_if<DeadlineApproaching>(&e.body)) f.detail = r->working_days_left;
    if (auto* r = std::get_if<EscalationRaised>(&e.body)) f.detail = r->level;
    if (auto* r = std::get_if<ReportOverdue>(&e.body)) f.detail = r->level;
    std::visit(
        [&](const auto& b) {
          if constexpr (requires { b.provisional; }) f.provisional = b.provisional;
        },
        e.body);
    return f;
  }
  static std::vector<Fired> For(const std::vector<Fired>& all, int32_t task, const std::string& unit) {
    std::vector<Fired> out;
    for (const auto& f : all)
      if (f.task == task && f.unit == unit) out.push_back(f);
    return out;
  }
  std::vector<DueTimer> PendingOf(int32_t task, const std::string& unit) {
    auto all = engine->PendingTimers(kForever, 1'000'000);
    EXPECT_TRUE(all.ok());
    std::vector<DueTimer> out;
    for (auto& t : *all)
      if (t.timer.task == task && t.timer.unit == unit) out.push_back(t);
    return out;
  }
  core::AssignmentState A(int32_t task, const std::string& unit) {
    auto p = engine->Plan("p");
    EXPECT_TRUE(p.ok());
    return p->assignments.at({task, unit});
  }

  TempDir dir;
  std::shared_ptr<WorkflowTimerPolicy> policy;
  std::unique_ptr<Engine> engine;
  int seq = 0;
};

}  // namespace duban::wf_test
