// `duban demo`, the README's main job: on a fresh embedded store, import the
// sample plan shaoguan-2021 (compiled into the binary), let the units act on a
// scripted 2021 timeline, tick the clock past the deadline, and print a
// readable summary (status per unit) and one task's audit trail; then the
// same plan's year on a simulated clock (`duban simulate`, in <data>/simulation).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "cli_common.h"
#include "duban/utf8.h"
#include "duban/plan_import/plan_parser.h"
#include "duban/schemas/codec.h"
#include "script.h"
#include "simulate.h"

namespace duban::cli {
namespace {

using schemas::Role;

Instant At(const char* when) { return ScriptTime(when); }

// Stable per-assignment behaviour: the same script every run.
int Behaviour(int task, const std::string& unit) {
  uint32_t h = 2166136261u;
  for (unsigned char c : unit) h = (h ^ c) * 16777619u;
  h = (h ^ static_cast<uint32_t>(task)) * 16777619u;
  return static_cast<int>(h % 100);
}

using AssignmentKeys = std::vector<std::pair<int, std::string>>;

// Parses the compiled-in plan, prints the banner and imports it as the office.
// The plan as imported, or nothing (the exit code set) if the import failed.
std::optional<core::PlanState> ImportSamplePlan(Globals& g, Engine& engine, Script& s, const std::string& plan_id) {
  const SamplePlan sample(plan_id);
  const auto& parsed = sample.parsed;
  const auto& req = sample.request;

  std::printf("== duban demo: %s\n", parsed.plan.title.c_str());
  std::printf("   data directory: %s\n\n", g.data_dir.c_str());
  Outcome imported = s.Do(Role::kSupervisor, "督查室", "2021-03-01T09:00", BuildImportPlan(parsed, req));
  if (!imported.status.ok()) {
    std::cerr << "duban demo: import failed: " << imported.status.ToString() << "\n";
    g.exit_code = kExitRejected;
    return std::nullopt;
  }
  auto plan = engine.Plan(plan_id);
  if (!plan.ok()) return Fail(g, plan.status()), std::nullopt;
  std::printf("2021-03-01  督查室 imports the plan: %zu tasks, %zu assignments (%zu events)\n", plan->tasks.size(),
              plan->assignments.size(), imported.events.size());
  return std::move(plan).value();
}

// Every unit signs for its work in the first week, but one in twenty-five returns it.
void SignForAssignments(Script& s, const AssignmentKeys& keys) {
  int returned = 0;
  for (const auto& [task, unit] : keys) {
    const int b = Behaviour(task, unit);
    if (b < 4) {
      s.Do(Role::kUnit, unit, "2021-03-04T10:00", schemas::Return{task, unit, "不属于本单位职责，建议由牵头单位承办"});
      ++returned;
    } else {
      s.Do(Role::kUnit, unit, "2021-03-04T10:00", schemas::Accept{task, unit});
    }
  }
  std::printf("2021-03-04  units sign for their assignments (签收); %d returned (退回)\n", returned);
}

void EnterQuarterlyProgress(Script& s, const AssignmentKeys& keys) {
  const char* quarters[] = {"2021-04-15T16:00", "2021-07-15T16:00", "2021-10-15T16:00"};
  for (int q = 0; q < 3; ++q)
    for (const auto& [task, unit] : keys) {
      const int b = Behaviour(task, unit);
      if (b < 4 || b >= 90) continue;  // returned, or silent all year
      s.Do(
          Role::kUnit, unit, quarters[q],
          schemas::ReportProgress{task, unit, 25 * (q + 1), "按计划推进，已完成第" + std::to_string(q + 1) + "季度工作",
                                  "", unit + "联络员", "0751-8888000"});
    }
  std::printf("2021-10-15  three quarterly progress rounds entered in the ledger (台账)\n");
}

// A unit asks for more time; the office grants it.
void RequestAndGrantExtensions(Script& s, const AssignmentKeys& keys) {
  int extensions = 0;
  for (const auto& [task, unit] : keys) {
    const int b = Behaviour(task, unit);
    if (b >= 80 && b < 84) {
      s.Do(Role::kUnit, unit, "2021-12-01T09:00",
           schemas::RequestExtension{task, unit, "2022-01-31", "需待省级平台升级后完成"});
      s.Do(Role::kSupervisor, "督查室", "2021-12-02T09:00", schemas::GrantExtension{task, unit, ""});
      ++extensions;
    }
  }
  std::printf("2021-12-02  %d extension(s) requested and granted\n", extensions);
}

// On-time submissions, reviewed by the office; some need another round.
void SubmitAndReviewOnTime(Script& s, const AssignmentKeys& keys) {
  int rejected_once = 0;
  for (const auto& [task, unit] : keys) {
    const int b = Behaviour(task, unit);
    if (b < 4 || b >= 70) continue;
    s.Do(Role::kUnit, unit, "2021-11-20T15:00", schemas::Submit{task, unit, "已按要求完成", "见政府网站专栏"});
    if (b < 12) {
      s.Do(Role::kSupervisor, "督查室", "2021-11-25T10:00", schemas::Reject{task, unit, "佐证材料不足，请补充"});
      s.Do(Role::kUnit, unit, "2021-12-10T15:00", schemas::Submit{task, unit, "已补充佐证材料", "补充材料"});
      ++rejected_once;
    }
    s.Do(Role::kSupervisor, "督查室", "2021-12-15T10:00", schemas::Approve{task, unit, "同意销号"});
  }
  std::printf("2021-12-15  on-time work approved and closed out (销号); %d sent back once for more evidence\n",
              rejected_once);
}

// The clock passes the year-end deadline. False (the exit code set) if the tick failed.
bool TickPastDeadline(Globals& g, Engine& engine) {
  auto fired = engine.Tick(At("2022-01-10T00:00"));
  if (!fired.ok()) return Fail(g, fired.status()), false;
  size_t missed = 0;
  for (const auto& o : *fired)
    for (const auto& e : o.events)
      if (std::holds_alternative<schemas::DeadlineMissed>(e.body)) ++missed;
  std::printf("2022-01-10  the clock ticks past the deadline: %zu assignment(s) marked overdue\n", missed);
  return true;
}

void LateUnitsSubmit(Script& s, const AssignmentKeys& keys) {
  for (const auto& [task, unit] : keys) {
    const int b = Behaviour(task, unit);
    if (b < 70 || b >= 80) continue;
    s.Do(Role::kUnit, unit, "2022-01-12T15:00", schemas::Submit{task, unit, "已完成（逾期）", ""});
  }
  std::printf("2022-01-12  late units submit\n\n");
}

// The scripted 2021 timeline after the import. False (the exit code set) if the store failed.
bool PlayScriptedYear(Globals& g, Engine& engine, Script& s, const AssignmentKeys& keys) {
  SignForAssignments(s, keys);
  EnterQuarterlyProgress(s, keys);
  RequestAndGrantExtensions(s, keys);
  SubmitAndReviewOnTime(s, keys);
  // An auditor tries to change the record, and a unit acts on another's work: both refused.
  Outcome auditor = s.Do(Role::kAuditor, "审计员", "2021-12-16T09:00", schemas::Accept{keys[0].first, keys[0].second});
  std::printf("2021-12-16  an auditor tries to write: rejected (%s)\n", auditor.status.reason().c_str());
  if (!TickPastDeadline(g, engine)) return false;
  LateUnitsSubmit(s, keys);
  return true;
}

// The table of statuses per unit, with a TOTAL line. False (the exit code set) if the store failed.
bool PrintStatusPerUnit(Globals& g, Engine& engine, const std::string& plan_id) {
  auto rows = engine.Assignments(StatusFilter{plan_id, "", std::nullopt, false});
  if (!rows.ok()) return Fail(g, rows.status()), false;
  std::map<std::string, std::map<std::string, int>> per_unit;
  std::map<std::string, int> totals;
  std::map<std::string, int> overdue;
  for (const auto& r : *rows) {
    per_unit[r.a.unit][core::StatusName(r.a.status)]++;
    totals[core::StatusName(r.a.status)]++;
    if (r.a.overdue) overdue[r.a.unit]++;
  }
  const char* cols[] = {"assigned", "accepted", "in_progress", "submitted", "completed", "returned"};
  std::printf("Tasks by status per unit (plan %s)\n", plan_id.c_str());
  std::printf("  %-28s", "unit");
  for (const char* c : cols) std::printf(" %11s", c);
  std::printf(" %8s\n", "overdue");
  for (const auto& [unit, counts] : per_unit) {
    std::string name = unit;
    const int width = static_cast<int>(utf8::DisplayWidth(name));
    std::printf("  %s%*s", name.c_str(), std::max(0, 28 - width), "");
    for (const char* c : cols) {
      auto it = counts.find(c);
      std::printf(" %11d", it == counts.end() ? 0 : it->second);
    }
    std::printf(" %8d\n", overdue.count(unit) ? overdue[unit] : 0);
  }
  std::printf("  %-28s", "TOTAL");
  for (const char* c : cols) std::printf(" %11d", totals[c]);
  int all_overdue = 0;
  for (auto& [u, n] : overdue) all_overdue += n;
  std::printf(" %8d\n\n", all_overdue);
  return true;
}

// False (the exit code set) if the store failed.
bool PrintAuditTrail(Globals& g, Engine& engine, const std::string& plan_id, const core::PlanState& plan,
                     int history_task) {
  auto hist = engine.History(plan_id, history_task);
  if (!hist.ok()) return Fail(g, hist.status()), false;
  auto t = plan.tasks.find(history_task);
  std::printf("Audit trail of task %d%s\n", history_task,
              t == plan.tasks.end() ? "" : ("：" + utf8::Prefix(t->second.content, 30) + "…").c_str());
  for (const auto& h : *hist)
    std::printf("  %s  %-14s %-10s %s\n", FormatInstant(h.event.occurred_at).substr(0, 16).c_str(),
                h.event.actor.id.c_str(), schemas::RoleName(h.event.actor.role), EventLine(h.event).c_str());
  return true;
}

// The same plan's year again, this time on a simulated clock that ticks
// every day: reminders, the escalation ladder, review cycles and the look-back.
// False (the exit code set) if the simulation did not succeed.
bool RunDemoSimulation(Globals& g) {
  std::printf("\n");
  Globals sg = g;
  sg.json = false;
  SimulateOptions so;
  so.data_dir = g.data_dir + "/simulation";
  so.max_lines = 40;
  if (RunSimulation(sg, so) != kExitOk) {
    g.exit_code = sg.exit_code;
    return false;
  }
  return true;
}

void PrintNextSteps(const Globals& g, const std::string& plan_id, int history_task) {
  std::printf(
      "Next, try:\n  duban --data %s status --unit 市财政局\n  duban --data %s history --plan %s %d\n"
      "  duban --data %s as-of 2021-06-30 --plan %s --task %d\n  duban --data %s verify\n"
      "  duban --data %s simulate --detail   (a fresh directory)\n",
      g.data_dir.c_str(), g.data_dir.c_str(), plan_id.c_str(), history_task, g.data_dir.c_str(), plan_id.c_str(),
      history_task, g.data_dir.c_str(), (g.data_dir + "-sim").c_str());
}

void RunDemo(Globals& g, int history_task) {
  auto engine = OpenScriptedEngine(g);  // the script's clock: marked simulated before any command
  if (!engine) return;
  const std::string plan_id = "shaoguan-2021";
  if (engine->Plan(plan_id).ok()) {
    std::cerr << "duban demo: " << g.data_dir << " already holds the demo plan; "
              << "run it on a fresh --data directory\n";
    g.exit_code = kExitRejected;
    return;
  }
  // The demo's clock is simulated (2021 replayed now): its store says so.
  if (!MarkScripted(g, *engine, "demo")) return;
  Script s(*engine, plan_id);
  auto plan = ImportSamplePlan(g, *engine, s, plan_id);
  if (!plan) return;
  AssignmentKeys keys;
  for (const auto& [k, a] : plan->assignments) keys.push_back(k);
  if (!PlayScriptedYear(g, *engine, s, keys) || !ClockToLogEnd(g, *engine)) return;
  if (!PrintStatusPerUnit(g, *engine, plan_id)) return;
  if (!PrintAuditTrail(g, *engine, plan_id, *plan, history_task)) return;
  std::printf("\n%d command(s) accepted, %d rejected; %llu event(s) in the log.\n", s.accepted(), s.rejected(),
              static_cast<unsigned long long>(engine->LogEnd() - 1));
  if (!RunDemoSimulation(g)) return;
  PrintNextSteps(g, plan_id, history_task);
  g.exit_code = kExitOk;
}

void AddDemo(CLI::App& app, Globals& g) {
  auto* sub = app.add_subcommand("demo", "import the sample plan, run a scripted year, print a summary");
  auto task = std::make_shared<int>(7);
  sub->add_option("--history-task", *task, "task whose audit trail to print");
  sub->callback([&g, task] { RunDemo(g, *task); });
}

}  // namespace
}  // namespace duban::cli

DUBAN_REGISTER_COMMANDS(5, &duban::cli::AddDemo);
