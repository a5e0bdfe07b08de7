// The assignment lifecycle, as the office and the units write it: assign,
// accept (签收), return (退回), delegate (多级下发), reassign, progress (台账), submit, approve (销号),
// reject, extension request|grant|deny, cancel; and the office's tools:
// set-deadline, cancel-assignment, accept-return, note, schedule. Each builds one command
// (actor and time from the global options and --at), resolves unit aliases
// against the plan (CanonicalUnit) and prints the outcome.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "cli_common.h"
#include "duban/core/consolidation.h"
#include "duban/workflows/deadline_phrase.h"

namespace duban::cli {
namespace {

using schemas::Role;

// Options every write command shares.
struct WriteOpts {
  std::string plan, command_id, at, back_entry;
  int task = 0;
  std::string unit;
};

void AddWriteOptions(CLI::App* sub, WriteOpts& w, bool with_task_unit = true) {
  sub->add_option("--plan", w.plan, "plan id")->required();
  if (with_task_unit) {
    sub->add_option("task", w.task, "task number")->required();
    sub->add_option("--unit", w.unit,
                    "the unit holding the assignment (its name, or an alias the unit directory lists)")
        ->required();
  }
  sub->add_option("--command-id", w.command_id, "idempotency key (default: generated)");
  sub->add_option("--at", w.at,
                  "when it happened, YYYY-MM-DD[THH:MM] in CST (default: now); more than a few minutes from "
                  "now only for the office, with --back-entry (a simulated store: the simulated clock)");
  sub->add_option("--back-entry", w.back_entry,
                  "the office enters a paper record late: why (e.g. the document it copies); required with an "
                  "earlier --at, and lets the office record a unit's act on its behalf");
}

const char* kOffice = "office";

// Lead mode leaves a task with several lead units, or none, answering unit
// by unit (consolidation.h): said, so the office's choice is not silently a
// no-op there.
void NoteTasksWithoutOneLead(Engine& engine, const schemas::Command& cmd) {
  const auto* b = std::get_if<schemas::SetConsolidation>(&cmd.body);
  if (!b || b->mode != core::kConsolidationLead) return;
  auto plan = engine.Plan(cmd.plan_id);
  if (!plan.ok()) return;
  const std::vector<int32_t> tasks = core::TasksWithoutOneLead(*plan);
  if (tasks.empty()) return;
  std::string list;
  for (size_t i = 0; i < tasks.size() && i < 20; ++i) list += (i ? ", " : "") + std::to_string(tasks[i]);
  if (tasks.size() > 20) list += ", …";
  std::cerr << "note: " << tasks.size() << " task(s) have several lead units or none (" << list
            << "): their units still answer to the office each for its own part\n";
}

void Run(Globals& g, const WriteOpts& w, Role role, const std::string& default_actor, schemas::CommandBody body) {
  // A back-entry is the office's: a unit's act entered from paper is still
  // made by the office, on the unit's behalf (the event names the office).
  if (!w.back_entry.empty() && g.role.empty()) role = Role::kSupervisor;
  auto cmd = MakeCommand(g, w.plan, role, role == Role::kSupervisor ? kOffice : default_actor, w.command_id, w.at,
                         std::move(body), w.back_entry);
  if (!cmd) return;
  std::shared_ptr<CliClock> clock;
  auto engine = OpenEngine(g, false, &clock);
  if (!engine) return;
  if (!PrepareWrite(g, *engine, *clock, *cmd)) return;
  if (auto plan = engine->Plan(w.plan); plan.ok()) {
    auto resolve = [&](std::string& unit) {
      const std::string c = CanonicalUnit(*plan, unit);
      if (c == unit) return;
      std::cerr << "note: " << unit << " is " << c << " in the unit directory\n";
      unit = c;
    };
    // A unit acts as its unit, named as the plan names it (an account made
    // with an alias acts on the canonical unit's assignments); who acted
    // (actor.name, the account) is never rewritten.
    if (cmd->actor.role == Role::kUnit) cmd->actor.id = CanonicalUnit(*plan, cmd->actor.id);
    std::visit(
        [&](auto& b) {
          if constexpr (requires { b.unit; }) resolve(b.unit);
          if constexpr (requires { b.from_unit; }) resolve(b.from_unit);
          if constexpr (requires { b.to_unit; }) resolve(b.to_unit);
        },
        cmd->body);
  }
  const Outcome outcome = engine->Submit(*cmd);
  PrintOutcome(g, outcome);
  if (outcome.status.ok()) NoteTasksWithoutOneLead(*engine, *cmd);
}

// Who holds the work: assign, accept (签收), return (退回), reassign.
void AddHoldingCommands(CLI::App& app, Globals& g) {
  {
    auto* sub = app.add_subcommand("assign", "assign a task to a unit (supervisor)");
    auto w = std::make_shared<WriteOpts>();
    auto lead = std::make_shared<bool>(false);
    auto due = std::make_shared<std::string>();
    AddWriteOptions(sub, *w);
    // A flag, not "--as lead": --as after the subcommand is who acts (the global option).
    sub->add_flag("--lead", *lead, "the unit leads the task (牵头); default: responsible (责任)");
    sub->add_option("--due", *due,
                    "the unit's own date YYYY-MM-DD, today or later (default: the task's, which must not have "
                    "passed)");
    sub->callback([&g, w, lead, due] {
      Run(g, *w, Role::kSupervisor, kOffice,
          schemas::Assign{w->task, w->unit,
                          *lead ? schemas::AssignmentRole::kLead : schemas::AssignmentRole::kResponsible, *due});
    });
  }
  {
    auto* sub = app.add_subcommand("accept", "accept (签收) an assignment (the unit)");
    auto w = std::make_shared<WriteOpts>();
    AddWriteOptions(sub, *w);
    sub->callback([&g, w] { Run(g, *w, Role::kUnit, w->unit, schemas::Accept{w->task, w->unit}); });
  }
  {
    auto* sub = app.add_subcommand("return", "return (退回) an assignment with a reason (the unit)");
    auto w = std::make_shared<WriteOpts>();
    auto reason = std::make_shared<std::string>();
    AddWriteOptions(sub, *w);
    sub->add_option("--reason", *reason, "why")->required();
    sub->callback([&g, w, reason] { Run(g, *w, Role::kUnit, w->unit, schemas::Return{w->task, w->unit, *reason}); });
  }
  {
    auto* sub = app.add_subcommand(
        "delegate",
        "pass the unit's assignment one level down (多级下发) to a sub-unit the unit directory puts below it "
        "(`parent:`); the unit reviews (approve/reject) or cancels it, and submits its own once none is open "
        "(the unit)");
    auto w = std::make_shared<WriteOpts>();
    auto b = std::make_shared<schemas::Delegate>();
    AddWriteOptions(sub, *w);
    sub->add_option("--to", b->to_unit, "the sub-unit")->required();
    sub->add_option("--due", b->due_on, "its due date YYYY-MM-DD, no later than the unit's own (default: the same)");
    sub->add_option("--note", b->note, "what the sub-unit is to do (kept in the history)");
    sub->callback([&g, w, b] {
      b->task = w->task;
      b->unit = w->unit;
      Run(g, *w, Role::kUnit, w->unit, *b);
    });
  }
  {
    auto* sub = app.add_subcommand("reassign", "move an assignment to another unit (supervisor)");
    auto w = std::make_shared<WriteOpts>();
    auto to = std::make_shared<std::string>();
    auto reason = std::make_shared<std::string>();
    auto due = std::make_shared<std::string>();
    AddWriteOptions(sub, *w);
    sub->add_option("--to", *to, "the new unit")->required();
    sub->add_option("--reason", *reason, "why (kept in the history; required with --due)");
    sub->add_option("--due", *due,
                    "the new unit's due date YYYY-MM-DD (default: the work's own, which must not have passed)");
    sub->callback([&g, w, to, reason, due] {
      Run(g, *w, Role::kSupervisor, kOffice, schemas::Reassign{w->task, w->unit, *to, *reason, *due});
    });
  }
}

// The unit's reports: progress in the ledger (台账), then completion.
void AddReportingCommands(CLI::App& app, Globals& g) {
  {
    auto* sub = app.add_subcommand("progress", "report progress in the ledger (台账) (the unit)");
    auto w = std::make_shared<WriteOpts>();
    auto p = std::make_shared<schemas::ReportProgress>();
    AddWriteOptions(sub, *w);
    sub->add_option("--percent", p->percent, "0..100")->required();
    sub->add_option("--text", p->text, "具体工作事项进度")->required();
    sub->add_option("--evidence", p->evidence, "link or file reference");
    sub->add_option("--reporter", p->reporter, "填报人");
    sub->add_option("--contact", p->contact, "联系方式");
    sub->callback([&g, w, p] {
      p->task = w->task;
      p->unit = w->unit;
      Run(g, *w, Role::kUnit, w->unit, *p);
    });
  }
  {
    auto* sub = app.add_subcommand("submit", "submit completion for review (the unit)");
    auto w = std::make_shared<WriteOpts>();
    auto text = std::make_shared<std::string>();
    auto evidence = std::make_shared<std::string>();
    AddWriteOptions(sub, *w);
    sub->add_option("--text", *text, "what was done");
    sub->add_option("--evidence", *evidence, "link or file reference");
    sub->callback([&g, w, text, evidence] {
      Run(g, *w, Role::kUnit, w->unit, schemas::Submit{w->task, w->unit, *text, *evidence});
    });
  }
}

// The office's review of a submission: approve (销号) or reject.
void AddReviewCommands(CLI::App& app, Globals& g) {
  {
    auto* sub = app.add_subcommand(
        "approve",
        "approve a submission and close it out (销号) (supervisor, or the unit that delegated the assignment)");
    auto w = std::make_shared<WriteOpts>();
    auto comment = std::make_shared<std::string>();
    AddWriteOptions(sub, *w);
    sub->add_option("--comment", *comment, "review comment");
    sub->callback([&g, w, comment] {
      Run(g, *w, Role::kSupervisor, kOffice, schemas::Approve{w->task, w->unit, *comment});
    });
  }
  {
    auto* sub = app.add_subcommand(
        "reject",
        "send a submission back to work with a reason (supervisor, or the unit that delegated the assignment)");
    auto w = std::make_shared<WriteOpts>();
    auto reason = std::make_shared<std::string>();
    AddWriteOptions(sub, *w);
    sub->add_option("--reason", *reason, "why")->required();
    sub->callback([&g, w, reason] {
      Run(g, *w, Role::kSupervisor, kOffice, schemas::Reject{w->task, w->unit, *reason});
    });
  }
}

// `extension request|grant|deny`: the three share one set of options.
void AddExtensionCommands(CLI::App& app, Globals& g) {
  auto* ext = app.add_subcommand("extension", "request, grant or deny a deadline extension");
  ext->require_subcommand(1);
  auto w = std::make_shared<WriteOpts>();
  auto date = std::make_shared<std::string>();
  auto reason = std::make_shared<std::string>();
  auto* req = ext->add_subcommand("request", "the unit asks for a later due date");
  AddWriteOptions(req, *w);
  req->add_option("--until", *date, "new due date YYYY-MM-DD")->required();
  req->add_option("--reason", *reason, "why")->required();
  req->callback([&g, w, date, reason] {
    Run(g, *w, Role::kUnit, w->unit, schemas::RequestExtension{w->task, w->unit, *date, *reason});
  });
  auto* grant = ext->add_subcommand(
      "grant",
      "the office grants (optionally another date); a unit, on an assignment it delegated, not past its own date");
  AddWriteOptions(grant, *w);
  grant->add_option("--until", *date, "due date granted (default: as requested)");
  grant->callback([&g, w, date] {
    Run(g, *w, Role::kSupervisor, kOffice, schemas::GrantExtension{w->task, w->unit, *date});
  });
  auto* deny = ext->add_subcommand("deny", "the office refuses (or the unit that delegated the assignment)");
  AddWriteOptions(deny, *w);
  deny->add_option("--reason", *reason, "why")->required();
  deny->callback([&g, w, reason] {
    Run(g, *w, Role::kSupervisor, kOffice, schemas::DenyExtension{w->task, w->unit, *reason});
  });
}

void AddCancelTask(CLI::App& app, Globals& g) {
  auto* sub = app.add_subcommand("cancel", "cancel a task with a reason (supervisor)");
  auto w = std::make_shared<WriteOpts>();
  auto reason = std::make_shared<std::string>();
  AddWriteOptions(sub, *w, false);
  sub->add_option("task", w->task, "task number")->required();
  sub->add_option("--reason", *reason, "why")->required();
  sub->callback([&g, w, reason] { Run(g, *w, Role::kSupervisor, kOffice, schemas::CancelTask{w->task, *reason}); });
}

// The lifecycle's steps in `duban --help` order.
void AddLifecycle(CLI::App& app, Globals& g) {
  AddHoldingCommands(app, g);
  AddReportingCommands(app, g);
  AddReviewCommands(app, g);
  AddExtensionCommands(app, g);
  AddCancelTask(app, g);
}

// "每季度", "一季度一次", "quarter:1" -> "quarter:1"; empty with a message
// on stderr for words that name no recurrence.
std::string RecurrenceOf(const std::string& words) {
  if (words.find(':') != std::string::npos) {
    auto direct = workflows::ParseRecurrence(words, 2000);
    if (direct.ok()) return workflows::RecurrenceText(*direct);
    std::cerr << "duban schedule: " << direct.status().message() << "\n";
    return "";
  }
  workflows::DeadlineContext ctx;
  ctx.plan_year = 2000;  // only the period and the times are taken
  // The whole words, never a phrase picked out of them: "每月25日前" or
  // "每季度结束后5个工作日内" is no period-end schedule.
  const auto r = workflows::ResolveDeadline(words, ctx);
  if (r.recurrence) {
    std::string text = workflows::RecurrenceText(*r.recurrence);
    if (auto ok = workflows::ParseRecurrence(text, 2000); !ok.ok()) {
      std::cerr << "duban schedule: " << ok.status().message() << "\n";
      return "";
    }
    return text;
  }
  const auto found = workflows::FindDeadlineInText(words);
  std::cerr << "duban schedule: '" << words << "' names no recurring duty"
            << (r.due_on ? " (it is a single date: use `duban set-deadline`)" : "")
            << (found ? " (it holds '" + *found + "': give the recurrence alone, if that is what it means)" : "")
            << "; say 每月, 每季度, 每半年, 每年, 一季度一次, or month|quarter|half_year|year:N\n";
  return "";
}

// A task's reporting schedule (每季度报送): each open assignment is asked for
// its progress report before every checkpoint (duban/core/schedule.h).
void AddScheduleCommand(CLI::App& app, Globals& g) {
  auto* sub = app.add_subcommand(
      "schedule",
      "set, change or stop a task's reporting schedule (每月/每季度/每半年/每年报送): its units are asked for a "
      "progress report before each checkpoint, on the working-day calendar (supervisor)");
  auto w = std::make_shared<WriteOpts>();
  auto every = std::make_shared<std::string>();
  auto stop = std::make_shared<bool>(false);
  auto b = std::make_shared<schemas::SetSchedule>();
  AddWriteOptions(sub, *w, false);
  sub->add_option("task", w->task, "task number")->required();
  auto* every_opt = sub->add_option("--every", *every, "the plan's words (每季度, 一季度一次, 每月) or quarter:1 ...");
  auto* stop_opt = sub->add_flag("--stop", *stop, "no more scheduled reports (cycles already asked go on)");
  every_opt->excludes(stop_opt);
  sub->add_option("--year", b->year, "the year of the checkpoints (default: the plan's year)")->excludes(stop_opt);
  sub->add_option("--reason", b->reason, "why (kept in the history)")->required();
  sub->callback([&g, w, every, stop, b] {
    if (every->empty() && !*stop) {
      std::cerr << "duban schedule: say how often: --every 每季度 (or quarter:1 ...), or --stop\n";
      g.exit_code = kExitUsage;
      return;
    }
    b->task = w->task;
    b->recurrence = *stop ? "" : RecurrenceOf(*every);
    if (!*stop && b->recurrence.empty()) {
      g.exit_code = kExitUsage;
      return;
    }
    Run(g, *w, Role::kSupervisor, kOffice, *b);
  });
}

// Lead-unit consolidation (牵头单位汇总, duban/core/consolidation.h): the
// office chooses whether a task's one lead unit answers for its units.
void AddConsolidationCommand(CLI::App& app, Globals& g) {
  auto* sub = app.add_subcommand(
      "consolidation",
      "choose how the plan's tasks answer to the office: lead (a task's one lead unit reads its units' parts, "
      "submits once they have, and the office's approval of its report closes theirs) or per_unit (supervisor); a "
      "task with several lead units or none answers unit by unit either way, and choosing lead lists them");
  auto w = std::make_shared<WriteOpts>();
  auto b = std::make_shared<schemas::SetConsolidation>();
  AddWriteOptions(sub, *w, false);
  sub->add_option("mode", b->mode, "lead | per_unit")->required()->check(CLI::IsMember({"lead", "per_unit"}));
  sub->add_option("--reason", b->reason, "why (kept in the history)")->required();
  sub->callback([&g, w, b] { Run(g, *w, Role::kSupervisor, kOffice, *b); });
}

// `accept-return`: a unit's return (退回) dropped, or the work moved on
// (merged into the unit's own assignment if it holds one), with its date.
void AddAcceptReturnCommand(CLI::App& app, Globals& g) {
  auto* sub =
      app.add_subcommand("accept-return",
                         "accept a unit's return (退回): drop the assignment, or move it to another unit, merged into "
                         "that unit's own assignment of the task if it holds one (supervisor)");
  auto w = std::make_shared<WriteOpts>();
  auto to = std::make_shared<std::string>();
  auto drop = std::make_shared<bool>(false);
  auto reason = std::make_shared<std::string>();
  auto due = std::make_shared<std::string>();
  AddWriteOptions(sub, *w);
  auto* to_opt = sub->add_option("--to", *to, "the unit that takes the work over");
  auto* drop_opt = sub->add_flag("--drop", *drop, "nobody takes it over: the assignment is cancelled");
  to_opt->excludes(drop_opt);
  sub->add_option("--reason", *reason, "why")->required();
  sub->add_option("--due", *due,
                  "with --to, to a unit not yet on the task: its due date YYYY-MM-DD (default: the work's own, "
                  "which must not have passed)")
      ->needs(to_opt);
  sub->callback([&g, w, to, drop, reason, due] {
    if (to->empty() && !*drop) {
      std::cerr << "duban accept-return: say where the work goes: --to UNIT, or --drop\n";
      g.exit_code = kExitUsage;
      return;
    }
    Run(g, *w, Role::kSupervisor, kOffice, schemas::ResolveReturn{w->task, w->unit, *to, *reason, *due});
  });
}

// The office's tools (issue 20): deadlines set with a reason, one assignment
// cancelled, a return accepted, instructions and comments. The office only:
// decide refuses a unit's or an auditor's account (forbidden_role).
void AddOfficeTools(CLI::App& app, Globals& g) {
  {
    auto* sub =
        app.add_subcommand("set-deadline",
                           "set or change a deadline with a reason: of one assignment (--unit), or of the task and all "
                           "its open assignments; timers re-armed as for a granted extension (supervisor)");
    auto w = std::make_shared<WriteOpts>();
    auto b = std::make_shared<schemas::SetDeadline>();
    AddWriteOptions(sub, *w, false);
    sub->add_option("task", w->task, "task number")->required();
    sub->add_option("--unit", w->unit, "only this unit's assignment (default: the task and all its open assignments)");
    sub->add_option("--due", b->due_on, "the new due date YYYY-MM-DD (today or later)")->required();
    sub->add_option("--reason", b->reason, "why (kept in the history)")->required();
    sub->callback([&g, w, b] {
      b->task = w->task;
      b->unit = w->unit;
      Run(g, *w, Role::kSupervisor, kOffice, *b);
    });
  }
  {
    auto* sub = app.add_subcommand(
        "cancel-assignment",
        "cancel one assignment with a reason, and what was delegated from it; the task's others go on "
        "(supervisor, or the unit that delegated the assignment)");
    auto w = std::make_shared<WriteOpts>();
    auto reason = std::make_shared<std::string>();
    AddWriteOptions(sub, *w);
    sub->add_option("--reason", *reason, "why")->required();
    sub->callback([&g, w, reason] {
      Run(g, *w, Role::kSupervisor, kOffice, schemas::CancelAssignment{w->task, w->unit, *reason});
    });
  }
  AddAcceptReturnCommand(app, g);
  {
    auto* sub = app.add_subcommand(
        "note",
        "record a leader's instruction (领导批示) or an office comment (办公室意见) on a task or one of "
        "its assignments, or urge (催办) a unit on its open assignment; shown in its history, told to the "
        "units (supervisor)");
    auto w = std::make_shared<WriteOpts>();
    auto b = std::make_shared<schemas::AddNote>();
    b->kind = "comment";
    AddWriteOptions(sub, *w, false);
    sub->add_option("task", w->task, "task number")->required();
    sub->add_option("--unit", w->unit, "on this unit's assignment (default: on the task)");
    sub->add_option("--kind", b->kind, "instruction | comment (default) | urge (needs --unit; --text optional)")
        ->check(CLI::IsMember({"instruction", "comment", "urge"}));
    sub->add_option("--text", b->text, "the text (required but for urge)");
    sub->callback([&g, w, b] {
      b->task = w->task;
      b->unit = w->unit;
      Run(g, *w, Role::kSupervisor, kOffice, *b);
    });
  }
  AddScheduleCommand(app, g);
  AddConsolidationCommand(app, g);
}

}  // namespace
}  // namespace duban::cli

// After `demo` (5), before `plan import` (20): the order of `duban --help`.
DUBAN_REGISTER_COMMANDS(17, &duban::cli::AddLifecycle);
DUBAN_REGISTER_COMMANDS(17, &duban::cli::AddOfficeTools);
