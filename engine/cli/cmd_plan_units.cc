// `duban plan add-unit`: the office adds a unit to a live plan (职责调整: the
// work goes to a unit the plan never named), read against the unit directory
// as an import reads the plan's units (plan_import/unit_addition.h). Then
// `assign` or `reassign --to` gives it work.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "plan_commands.h"
#include "duban/plan_import/unit_addition.h"
#include "duban/plan_import/unit_directory.h"
#include "duban/terminal_text.h"

namespace duban::cli {
namespace {

struct AddUnitArgs {
  std::string plan, unit, reason, units, command_id, at, back_entry;
  bool accept_unknown = false;
};

// The directory the name is read against: --units FILE, else the shipped one
// matching the plan. False (said on stderr) when --units cannot be loaded.
bool ChooseDirectory(const AddUnitArgs& a, const core::PlanState& plan,
                     std::optional<plan_import::UnitDirectory>* dir) {
  if (!a.units.empty()) {
    auto loaded = plan_import::UnitDirectory::LoadFile(a.units);
    if (!loaded.ok()) {
      std::cerr << "duban plan add-unit: " << ForTerminal(loaded.status().message()) << "\n";
      return false;
    }
    *dir = std::move(loaded).value();
    return true;
  }
  *dir = plan_import::ChooseDirectoryForPlan(plan.meta);
  if (!*dir && a.accept_unknown)
    std::cerr << "duban plan add-unit: no shipped unit directory matches this plan; the name is taken as written "
                 "and no sub-unit comes with it\n";
  return true;
}

void RunAddUnit(Globals& g, const AddUnitArgs& a) {
  auto cmd = MakeCommand(g, a.plan, schemas::Role::kSupervisor, "office", a.command_id, a.at, schemas::AddUnit{},
                         a.back_entry);
  if (!cmd) return;
  std::shared_ptr<CliClock> clock;
  auto engine = OpenEngine(g, false, &clock);
  if (!engine) return;
  if (!PrepareWrite(g, *engine, *clock, *cmd)) return;
  auto plan = engine->Plan(a.plan);
  if (!plan.ok()) return Fail(g, plan.status());
  std::optional<plan_import::UnitDirectory> dir;
  if (!ChooseDirectory(a, *plan, &dir)) {
    g.exit_code = kExitUsage;
    return;
  }
  plan_import::UnitAdditionRequest req;
  req.name = a.unit;
  req.reason = a.reason;
  req.directory = dir ? &*dir : nullptr;
  req.accept_unknown = a.accept_unknown;
  auto body = plan_import::BuildAddUnit(req);
  if (!body.ok()) {
    if (g.json)
      std::cout << nlohmann::json{{"outcome", "rejected"},
                                  {"reason", "not_in_directory"},
                                  {"message", body.status().message()}}
                       .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                << "\n";
    std::cerr << "duban plan add-unit: " << ForTerminal(body.status().message()) << "\n";
    g.exit_code = kExitRejected;
    return;
  }
  if (body->name != a.unit)
    std::cerr << "note: " << ForTerminal(a.unit) << " is " << ForTerminal(body->name) << " in the unit directory\n";
  cmd->body = std::move(body).value();
  PrintOutcome(g, engine->Submit(*cmd));
}

void AddPlanUnitCommands(CLI::App& app, Globals& g) {
  CLI::App* plan = PlanCommand(app);
  auto a = std::make_shared<AddUnitArgs>();
  CLI::App* sub = plan->add_subcommand(
      "add-unit",
      "add a unit to a live plan (职责调整: work goes to a unit the plan never named), with the units below it in "
      "the unit directory, and below the plan's unit the directory puts it under (which may then delegate to it); "
      "then assign or reassign --to it (supervisor)");
  sub->add_option("unit", a->unit, "the unit's name (or an alias the directory lists)")->required();
  sub->add_option("--plan", a->plan, "plan id")->required();
  sub->add_option("--reason", a->reason, "why (kept in the history)")->required();
  sub->add_option("--units", a->units, "unit directory YAML (default: the shipped directory matching the plan)");
  sub->add_flag("--accept-unknown-unit", a->accept_unknown,
                "add a name the directory lacks as written (check its spelling first)");
  sub->add_option("--command-id", a->command_id, "idempotency key (default: generated)");
  sub->add_option("--at", a->at,
                  "when it happened, YYYY-MM-DD[THH:MM] in CST (default: now); an earlier day with --back-entry");
  sub->add_option("--back-entry", a->back_entry, "the office enters a paper record late: why");
  sub->callback([&g, a] { RunAddUnit(g, *a); });
}

}  // namespace
}  // namespace duban::cli

DUBAN_REGISTER_COMMANDS(22, &duban::cli::AddPlanUnitCommands);
