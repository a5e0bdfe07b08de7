// Shared vocabulary of the core tests: the actors, a small fixed plan (three
// tasks over four units), instants on named days, and the assertion that a
// rejection carries a given reason code and a message in plain words.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "duban/core/domain.h"
#include "duban/date.h"
#include "duban/schemas/commands.h"

namespace duban::testing {

using namespace duban::schemas;

inline const std::string kFinance = "市财政局";
inline const std::string kEducation = "市教育局";
inline const std::string kPolice = "市公安局";
inline const std::string kHealth = "市卫健局";  // in the directory, holds nothing at first

inline Actor Supervisor() { return Actor{"督查室", Role::kSupervisor, "王五"}; }
inline Actor UnitActor(const std::string& unit) { return Actor{unit, Role::kUnit, unit + "联络员"}; }
inline Actor Auditor() { return Actor{"审计组", Role::kAuditor, "赵六"}; }
inline Actor Clock() { return Actor{"clock", Role::kSystem, "clock"}; }

// 09:00 China time on a YYYY-MM-DD day.
inline Instant At(const char* day, int hour = 9) { return StartOfDay(*Date::Parse(day)) + int64_t{hour} * 3'600'000; }

// Task 1: lead 财政 (also listed as responsible), responsible 教育, due 2021-10-31.
// Task 2: responsible 公安, due 2021-12-31. Task 3: lead 财政, no due date.
inline ImportPlan SamplePlan() {
  ImportPlan p;
  p.plan = PlanImported{"2021年政务公开工作要点分工方案",
                        "市政府办公室",
                        "府办〔2021〕7号",
                        "2021-03-15",
                        2021,
                        "digest",
                        {kFinance, kEducation, kPolice, kHealth},
                        {}};
  p.tasks.push_back(ImportTask{1,
                               {"一、重点任务"},
                               "推进决策公开",
                               "全面推进决策公开",
                               Deadline{"10月底前", "2021-10-31", "", false, "cn-1"},
                               {kFinance},
                               {kEducation, kFinance}});
  p.tasks.push_back(ImportTask{2,
                               {"一、重点任务"},
                               "加强政策解读",
                               "加强政策解读",
                               Deadline{"年底前", "2021-12-31", "", false, "cn-1"},
                               {},
                               {kPolice}});
  p.tasks.push_back(ImportTask{
      3, {"二、保障措施"}, "强化督促检查", "强化督促检查", Deadline{"全年", "", "", true, ""}, {kFinance}, {}});
  return p;
}

// Sub-units of the sample plan's units, as the unit directory's `parent:`
// gives them: 财政 -> 预算科 -> 一股 -> 一组 (four levels), 教育 -> 办公室.
inline const std::string kBudget = "市财政局预算科";
inline const std::string kBudgetDesk = "市财政局预算科一股";
inline const std::string kBudgetTeam = "市财政局预算科一股一组";
inline const std::string kSchoolOffice = "市教育局办公室";
inline ImportPlan SamplePlanWithSubUnits() {
  ImportPlan p = SamplePlan();
  p.plan.sub_units = {
      {kBudget, kFinance}, {kBudgetDesk, kBudget}, {kBudgetTeam, kBudgetDesk}, {kSchoolOffice, kEducation}};
  return p;
}

// A command to `plan` with the fields a test chooses (no expected version,
// no correlation id).
inline Command PlanCommand(std::string plan, std::string id, Actor actor, Instant at, CommandBody body) {
  Command c;
  c.command_id = std::move(id);
  c.plan_id = std::move(plan);
  c.actor = std::move(actor);
  c.issued_at = at;
  c.body = std::move(body);
  return c;
}

// A rejection with exactly `code`, and a message a person can read: several
// words, no control characters, no unfilled placeholder, not just the code.
inline ::testing::AssertionResult IsRejection(const Status& st, const std::string& code) {
  if (st.ok()) return ::testing::AssertionFailure() << "accepted, expected rejection " << code;
  if (st.code() != Status::Code::kRejected)
    return ::testing::AssertionFailure() << "not a rejection: " << st.ToString();
  if (st.reason() != code)
    return ::testing::AssertionFailure() << "reason " << st.reason() << ", expected " << code
                                         << " (message: " << st.message() << ")";
  const std::string& m = st.message();
  int spaces = 0;
  for (unsigned char c : m) {
    if (c < 0x20 || c == 0x7f) return ::testing::AssertionFailure() << "control character in message: " << m;
    spaces += c == ' ';
  }
  if (spaces < 2) return ::testing::AssertionFailure() << "message is not a sentence: '" << m << "'";
  if (m.find(code) != std::string::npos) return ::testing::AssertionFailure() << "message repeats the code: " << m;
  if (m.find("{}") != std::string::npos || m.find("%s") != std::string::npos)
    return ::testing::AssertionFailure() << "unfilled placeholder: " << m;
  return ::testing::AssertionSuccess();
}
template <class T>
::testing::AssertionResult IsRejection(const Result<T>& r, const std::string& code) {
  return IsRejection(r.status(), code);
}

}  // namespace duban::testing
