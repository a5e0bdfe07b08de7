// What the report tests share (ledger_test.cc, scorecard_test.cc,
// bulletin_test.cc): the four-unit sample plan on the 2021 calendar, a store
// the engine writes to (LedgerTest), and the scripted autumn every scripted
// test starts from (ScriptedLedgerTest).
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "duban/core/workflow_timer_policy.h"
#include "duban/engine.h"
#include "duban/reports/bulletin.h"
#include "duban/reports/bulletin_files.h"
#include "duban/reports/cycle_reports.h"
#include "duban/reports/ledger.h"
#include "duban/reports/ledger_files.h"
#include "duban/reports/light.h"
#include "duban/reports/scorecard.h"
#include "duban/reports/scorecard_files.h"
#include "duban/schemas/codec.h"
#include "duban/xml_text.h"
#include "temp_dir.h"

namespace duban::reports::test_support {

using namespace schemas;
using duban::testing::TempDir;

inline const std::string kFinance = "市财政局";
inline const std::string kEducation = "市教育局";
inline const std::string kPolice = "市公安局";
inline const std::string kHealth = "市卫健局";
inline const std::string kPlan = "p1";

inline Instant At(const std::string& day, int hour = 9) {
  return StartOfDay(*Date::Parse(day)) + int64_t{hour} * 3'600'000;
}
inline Date D(const std::string& day) { return *Date::Parse(day); }
inline Actor Office() { return Actor{"督查室", Role::kSupervisor, "王五"}; }
inline Actor UnitOf(const std::string& unit) { return Actor{unit, Role::kUnit, unit + "联络员"}; }

inline std::shared_ptr<WorkflowTimerPolicy> Policy() {
  auto p = WorkflowTimerPolicy::Default();
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return *p;
}

inline std::unique_ptr<Engine> OpenStore(const std::string& dir, std::shared_ptr<WorkflowTimerPolicy> policy) {
  EngineOptions o;
  o.data_dir = dir;
  o.sync = false;
  auto e = Engine::Open(o, std::move(policy));
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return e.ok() ? std::move(e).value() : nullptr;
}

// Task 1 (一、公开) lead 财政, responsible 教育, due 2021-09-30; task 2 (一、公开)
// responsible 公安 and 卫健, due 2021-10-20; task 3 (二、保障) lead 财政, due
// 2021-11-15; task 4 (二、保障) responsible 教育, no due date.
inline ImportPlan SamplePlan(const std::string& cal) {
  ImportPlan p;
  p.plan = PlanImported{"2021年政务公开工作要点分工方案",
                        "市政府办公室",
                        "府办〔2021〕7号",
                        "2021-08-30",
                        2021,
                        "digest",
                        {kFinance, kEducation, kPolice, kHealth},
                        {}};
  p.tasks.push_back(ImportTask{1,
                               {"一、公开"},
                               "推进决策公开",
                               "全面推进决策公开",
                               Deadline{"9月底前", "2021-09-30", "", false, cal},
                               {kFinance},
                               {kEducation}});
  p.tasks.push_back(ImportTask{2,
                               {"一、公开"},
                               "加强政策解读",
                               "加强政策解读",
                               Deadline{"10月20日前", "2021-10-20", "", false, cal},
                               {},
                               {kPolice, kHealth}});
  p.tasks.push_back(ImportTask{3,
                               {"二、保障"},
                               "强化督促检查",
                               "强化督促检查",
                               Deadline{"11月中旬前", "2021-11-15", "", false, cal},
                               {kFinance},
                               {}});
  p.tasks.push_back(ImportTask{
      4, {"二、保障"}, "建立工作台账", "建立工作台账", Deadline{"长期坚持", "", "", true, ""}, {}, {kEducation}});
  return p;
}

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    policy = Policy();
    engine = OpenStore(dir.path(), policy);
    ASSERT_TRUE(engine);
  }
  Outcome Send(Actor actor, Instant at, CommandBody body) {
    Command c;
    c.command_id = "c" + std::to_string(++n);
    c.plan_id = kPlan;
    c.actor = std::move(actor);
    c.issued_at = at;
    c.body = std::move(body);
    return engine->Submit(c);
  }
  void Expect(Actor actor, Instant at, CommandBody body) {
    Outcome o = Send(std::move(actor), at, std::move(body));
    ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  }
  void TickThrough(const std::string& from, const std::string& to) {
    for (Date d = D(from); d <= D(to); d = d.AddDays(1)) ASSERT_TRUE(engine->Tick(StartOfDay(d)).ok());
  }
  const LedgerRow& Row(const Ledger& l, int32_t task, const std::string& unit) {
    for (const auto& r : l.rows)
      if (r.task == task && r.unit == unit) return r;
    ADD_FAILURE() << "no row for task " << task << " " << unit;
    static const LedgerRow kNone;
    return kNone;
  }

  TempDir dir{"duban-report-test"};
  std::shared_ptr<WorkflowTimerPolicy> policy;
  std::unique_ptr<Engine> engine;
  int n = 0;
};

// The scripted autumn: 财政 reports twice, submits and is approved on time;
// 教育 accepts task 1 and goes silent past 2021-09-30 (National Day: 10-01..07
// off, Saturday 10-09 worked), so it is missed on 10-08 and 督促整改 on 10-09.
class ScriptedLedgerTest : public LedgerTest {
 protected:
  void SetUp() override {
    LedgerTest::SetUp();
    ASSERT_TRUE(engine);
    Expect(Office(), At("2021-09-01"), SamplePlan(policy->latest_calendar().version()));
    TickThrough("2021-09-02", "2021-09-02");
    Expect(UnitOf(kFinance), At("2021-09-02", 10), Accept{1, kFinance});
    Expect(UnitOf(kEducation), At("2021-09-02", 11), Accept{1, kEducation});
    TickThrough("2021-09-03", "2021-09-15");
    Expect(UnitOf(kFinance), At("2021-09-15", 10),
           ReportProgress{1, kFinance, 40, "已完成初稿", "", "张三", "13800000001"});
    TickThrough("2021-09-16", "2021-09-20");
    Expect(UnitOf(kFinance), At("2021-09-20", 10),
           ReportProgress{1, kFinance, 80, "已报审", "", "李四", "13800000002"});
    TickThrough("2021-09-21", "2021-09-28");
    Expect(UnitOf(kFinance), At("2021-09-28", 10), Submit{1, kFinance, "已完成", ""});
    TickThrough("2021-09-29", "2021-09-29");
    Expect(Office(), At("2021-09-29", 10), Approve{1, kFinance, "同意销号"});
    TickThrough("2021-09-30", "2021-10-15");
  }
};

}  // namespace duban::reports::test_support
