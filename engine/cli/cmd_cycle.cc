// Review cycles: `duban cycle start|close|reopen` (progress rounds and the
// year-end look-back, 回头看).
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "cli_common.h"
#include "duban/core/workflow_timer_policy.h"

namespace duban::cli {
namespace {

using schemas::Role;

// Opens the store for writing, lets a simulated store's clock follow the
// command's time, submits and prints the outcome.
void SubmitOnStore(Globals& g, schemas::Command& cmd) {
  std::shared_ptr<CliClock> clock;
  auto engine = OpenEngine(g, false, &clock);
  if (!engine) return;
  if (!PrepareWrite(g, *engine, *clock, cmd)) return;
  PrintOutcome(g, engine->Submit(cmd));
}

void AddCycle(CLI::App& app, Globals& g) {
  auto* cycle = app.add_subcommand("cycle", "review cycles: progress rounds and the year-end look-back (回头看)");
  cycle->require_subcommand(1);
  {
    struct Args {
      std::string plan, id, kind, unit, due, at, command_id, back_entry;
    };
    auto a = std::make_shared<Args>();
    auto* sub = cycle->add_subcommand("start", "ask every open assignment in scope for a progress report by --due");
    sub->add_option("--plan", a->plan, "plan id")->required();
    sub->add_option("--id", a->id, "cycle id, e.g. 2021-Q3")->required();
    sub->add_option("--kind", a->kind, "monthly | quarterly | lookback (a template of the workflow definition)")
        ->required();
    sub->add_option("--unit", a->unit, "only this unit's assignments (default: the whole plan)");
    sub->add_option("--due", a->due, "YYYY-MM-DD: reports are due on this day")->required();
    sub->add_option("--at", a->at, "issue time (default: now; earlier only with --back-entry)");
    sub->add_option("--back-entry", a->back_entry, "why the office enters it with an earlier --at (a paper record)");
    sub->add_option("--command-id", a->command_id, "idempotency key (default: random)");
    sub->callback([&g, a] {
      auto policy = WorkflowTimerPolicy::Default();
      if (!policy.ok()) return Fail(g, policy.status());
      const auto* tpl = (*policy)->definition().FindReviewCycle(a->kind);
      if (!tpl) {
        std::string known;
        for (const auto& t : (*policy)->definition().review_cycles) known += (known.empty() ? "" : ", ") + t.id;
        std::cerr << "duban cycle start: unknown --kind '" << a->kind << "' (the definition has: " << known << ")\n";
        g.exit_code = kExitUsage;
        return;
      }
      auto cmd = MakeCommand(g, a->plan, Role::kSupervisor, "office", a->command_id, a->at,
                             schemas::StartReviewCycle{a->id, tpl->scope, tpl->kind, a->due, a->unit}, a->back_entry);
      if (cmd) SubmitOnStore(g, *cmd);
    });
  }
  {
    struct Args {
      std::string plan, id, at, command_id, back_entry;
    };
    auto a = std::make_shared<Args>();
    auto* sub = cycle->add_subcommand("close", "close a cycle and record its counts (answered, late, silent)");
    sub->add_option("--plan", a->plan, "plan id")->required();
    sub->add_option("--id", a->id, "cycle id")->required();
    sub->add_option("--at", a->at, "issue time (default: now; earlier only with --back-entry)");
    sub->add_option("--back-entry", a->back_entry, "why the office enters it with an earlier --at (a paper record)");
    sub->add_option("--command-id", a->command_id, "idempotency key (default: random)");
    sub->callback([&g, a] {
      auto cmd = MakeCommand(g, a->plan, Role::kSupervisor, "office", a->command_id, a->at,
                             schemas::CloseReviewCycle{a->id}, a->back_entry);
      if (cmd) SubmitOnStore(g, *cmd);
    });
  }
  {
    struct Args {
      std::string plan, id, unit, reason, due, at, command_id, back_entry;
      int task = 0;
    };
    auto a = std::make_shared<Args>();
    auto* sub = cycle->add_subcommand("reopen", "look-back: reopen a completed assignment found not done");
    sub->add_option("--plan", a->plan, "plan id")->required();
    sub->add_option("--id", a->id, "the open look-back cycle")->required();
    sub->add_option("--task", a->task, "task number")->required();
    sub->add_option("--unit", a->unit, "unit")->required();
    sub->add_option("--reason", a->reason, "what the look-back found")->required();
    sub->add_option("--due", a->due, "new due date YYYY-MM-DD (default: keep the old one)");
    sub->add_option("--at", a->at, "issue time (default: now; earlier only with --back-entry)");
    sub->add_option("--back-entry", a->back_entry, "why the office enters it with an earlier --at (a paper record)");
    sub->add_option("--command-id", a->command_id, "idempotency key (default: random)");
    sub->callback([&g, a] {
      auto cmd = MakeCommand(g, a->plan, Role::kSupervisor, "office", a->command_id, a->at,
                             schemas::ReopenAssignment{a->task, a->unit, a->reason, a->id, a->due}, a->back_entry);
      if (cmd) SubmitOnStore(g, *cmd);
    });
  }
}

}  // namespace
}  // namespace duban::cli

DUBAN_REGISTER_COMMANDS(45, &duban::cli::AddCycle);
