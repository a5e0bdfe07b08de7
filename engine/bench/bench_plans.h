// The synthetic plans the benchmarks load: P plans of T tasks, each task
// assigned to U units (unit 0 leads), named alike in every benchmark so their
// figures describe the same store shape.
#pragma once

#include <string>

#include "duban/date.h"
#include "duban/schemas/commands.h"

namespace duban::bench {

inline std::string BenchUnit(int u) { return "市直单位" + std::to_string(u); }

// Plan number `p` (title 基准测试工作台账 p) of `year`; every task due on
// `due_on`, its deadline in words `deadline_text`.
inline schemas::ImportPlan BenchPlan(int p, int tasks, int units, int year, const std::string& deadline_text,
                                     const std::string& due_on) {
  schemas::ImportPlan imp;
  imp.plan.title = "基准测试工作台账 " + std::to_string(p);
  imp.plan.year = year;
  for (int u = 0; u < units; ++u) imp.plan.units.push_back(BenchUnit(u));
  for (int t = 1; t <= tasks; ++t) {
    schemas::ImportTask task;
    task.number = t;
    task.title = "做好政务公开第" + std::to_string(t) + "项工作";
    task.content = task.title + "，按要求及时主动公开相关信息并做好解读。";
    task.deadline.text = deadline_text;
    task.deadline.due_on = due_on;
    task.lead_units.push_back(BenchUnit(0));
    for (int u = 1; u < units; ++u) task.responsible_units.push_back(BenchUnit(u));
    imp.tasks.push_back(std::move(task));
  }
  return imp;
}

// The office's import of plan `p` (id bench-p) on 2021-03-01 09:00 CST: the
// timer and reminder benchmarks date their scripted years from it.
inline schemas::Command BenchImportCommand(int p, schemas::ImportPlan ip) {
  schemas::Command c;
  c.command_id = "import-" + std::to_string(p);
  c.plan_id = "bench-" + std::to_string(p);
  c.actor = schemas::Actor{"督查室", schemas::Role::kSupervisor, "督查室"};
  c.issued_at = StartOfDay(Date{2021, 3, 1}) + int64_t{9} * 3600 * 1000;
  c.body = std::move(ip);
  return c;
}

}  // namespace duban::bench
