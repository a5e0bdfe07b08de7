// `duban report ledger`, `duban report scorecard` and `duban report
// bulletin`: the office's paperwork as files (engine/reports).
// Opens the store read-only, so it runs beside `duban serve`. As-of is
// exact: a report as of a date is computed from the events up to the end of
// that day (China time), never from the current projections.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>

#include "cli_common.h"
#include "cli_registry.h"
#include "duban/reports/bulletin.h"
#include "duban/reports/bulletin_files.h"
#include "duban/reports/ledger.h"
#include "duban/reports/ledger_files.h"
#include "duban/reports/scorecard.h"
#include "duban/reports/scorecard_files.h"
#include "duban/workflows/definition.h"
#include "duban/workflows/scorecard.h"
#include "duban/file_text.h"

namespace duban::cli {
namespace {

struct LedgerArgs {
  std::string plan, unit, as_of, format = "xlsx", out;
};

// Writes `text` to `path`, or to stdout when path is empty.
Status WriteText(const std::string& text, const std::string& path) {
  if (path.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return std::fflush(stdout) == 0 ? Status::Ok() : Status::IOError("cannot write to stdout");
  }
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(text.data(), static_cast<std::streamsize>(text.size()));
  f.close();
  if (!f) return Status::IOError("cannot write " + path);
  return Status::Ok();
}

// A report is of a day that has come (the store's today: a simulated store's
// clock when later): paperwork dated ahead would name units late on a day
// no one has reached. The API refuses the same (handlers_reports.cc).
bool HasCome(Globals& g, const Engine& engine, Date day, const char* kind) {
  const Date today = StoreToday(g, engine);
  if (day <= today) return true;
  std::cerr << "duban: --as-of " << day.ToString() << " has not come yet (today is " << today.ToString() << "); a "
            << kind << " is of a day up to today\n";
  g.exit_code = kExitUsage;
  return false;
}

int RunLedger(Globals& g, LedgerArgs a) {
  auto day = Date::Parse(a.as_of);
  if (!day) {
    std::cerr << "duban: --as-of '" << a.as_of << "' is not a date (YYYY-MM-DD)\n";
    return kExitUsage;
  }
  auto engine = OpenEngine(g, /*read_only=*/true);
  if (!engine) return g.exit_code ? g.exit_code : kExitRejected;
  if (!HasCome(g, *engine, *day, "ledger")) return g.exit_code;
  if (!a.unit.empty()) {
    if (auto p = engine->Plan(a.plan); p.ok()) a.unit = CanonicalUnit(*p, a.unit);
  }
  auto ledger = reports::LedgerAsOf(*engine, a.plan, *day, a.unit);
  if (!ledger.ok()) {
    Fail(g, ledger.status());
    return g.exit_code;
  }
  Status st;
  if (a.format == "json") {
    st = WriteText(reports::LedgerJson(*ledger), a.out);
  } else if (a.format == "csv") {
    st = WriteText(reports::LedgerCsv(*ledger), a.out);
  } else {
    if (a.out.empty()) a.out = a.plan + "-ledger-" + day->ToString() + ".xlsx";
    st = reports::WriteLedgerXlsx(*ledger, a.out);
  }
  if (!st.ok()) {
    Fail(g, st);
    return g.exit_code;
  }
  if (!a.out.empty())
    std::fprintf(stderr, "wrote %s: ledger of %s as of %s, %zu row(s)\n", a.out.c_str(), a.plan.c_str(),
                 day->ToString().c_str(), ledger->rows.size());
  return kExitOk;
}

struct ScorecardArgs {
  std::string plan, as_of, format = "xlsx", out, definition;
};

int RunScorecard(Globals& g, const ScorecardArgs& a0) {
  ScorecardArgs a = a0;
  auto day = Date::Parse(a.as_of);
  if (!day) {
    std::cerr << "duban: --as-of '" << a.as_of << "' is not a date (YYYY-MM-DD)\n";
    return kExitUsage;
  }
  Result<workflows::ScorecardRule> rule = workflows::ScorecardRule::Default();
  if (!a.definition.empty()) {
    // The whole definition must load (so a file the engine would refuse is refused here too).
    auto def = workflows::WorkflowDefinition::LoadFile(a.definition);
    if (!def.ok()) {
      Fail(g, def.status());
      return g.exit_code;
    }
    auto text = file_text::ReadWhole(a.definition);
    if (!text.ok()) {
      Fail(g, Status::IOError("cannot open workflow definition " + a.definition + ": " + text.status().message()));
      return g.exit_code;
    }
    rule = workflows::ScorecardRule::FromDefinition(*text, a.definition);
  }
  if (!rule.ok()) {
    Fail(g, rule.status());
    return g.exit_code;
  }
  auto engine = OpenEngine(g, /*read_only=*/true);
  if (!engine) return g.exit_code ? g.exit_code : kExitRejected;
  if (!HasCome(g, *engine, *day, "scorecard")) return g.exit_code;
  auto card = reports::ScorecardAsOf(*engine, a.plan, *day, *rule);
  if (!card.ok()) {
    Fail(g, card.status());
    return g.exit_code;
  }
  Status st;
  if (a.format == "json") {
    st = WriteText(reports::ScorecardJson(*card), a.out);
  } else {
    if (a.out.empty()) a.out = a.plan + "-scorecard-" + day->ToString() + ".xlsx";
    st = reports::WriteScorecardXlsx(*card, a.out);
  }
  if (!st.ok()) {
    Fail(g, st);
    return g.exit_code;
  }
  if (!a.out.empty())
    std::fprintf(stderr, "wrote %s: scorecard of %s as of %s, %zu unit(s)\n", a.out.c_str(), a.plan.c_str(),
                 day->ToString().c_str(), card->units.size());
  return kExitOk;
}

struct BulletinArgs {
  std::string plan, as_of, format = "docx", out, definition;
};

int RunBulletin(Globals& g, BulletinArgs a) {
  auto day = Date::Parse(a.as_of);
  if (!day) {
    std::cerr << "duban: --as-of '" << a.as_of << "' is not a date (YYYY-MM-DD)\n";
    return kExitUsage;
  }
  std::optional<workflows::WorkflowDefinition> def;
  if (!a.definition.empty()) {
    auto d = workflows::WorkflowDefinition::LoadFile(a.definition);
    if (!d.ok()) {
      Fail(g, d.status());
      return g.exit_code;
    }
    def = std::move(d).value();
  }
  auto engine = OpenEngine(g, /*read_only=*/true);
  if (!engine) return g.exit_code ? g.exit_code : kExitRejected;
  if (!HasCome(g, *engine, *day, "bulletin")) return g.exit_code;
  auto bulletin = reports::BulletinAsOf(*engine, a.plan, *day, def ? &*def : nullptr);
  if (!bulletin.ok()) {
    Fail(g, bulletin.status());
    return g.exit_code;
  }
  Status st;
  if (a.format == "json") {
    st = WriteText(reports::BulletinJson(*bulletin), a.out);
  } else {
    // Like the ledger's xlsx, the .docx goes to a file, never to stdout.
    if (a.out.empty()) a.out = a.plan + "-bulletin-" + day->ToString() + ".docx";
    auto docx = reports::BulletinDocx(*bulletin);
    st = docx.ok() ? WriteText(*docx, a.out) : docx.status();
  }
  if (!st.ok()) {
    Fail(g, st);
    return g.exit_code;
  }
  if (!a.out.empty())
    std::fprintf(stderr, "wrote %s: bulletin of %s as of %s: %d late unit(s), %d silent, %zu on time\n", a.out.c_str(),
                 a.plan.c_str(), day->ToString().c_str(), bulletin->late_units, bulletin->silent_units,
                 bulletin->on_time.size());
  return kExitOk;
}

void AddReportCommands(CLI::App& app, Globals& g) {
  auto* report = app.add_subcommand(
      "report", "the office's paperwork as files: the work ledger (台账), the units' scorecard, the bulletin (通报)");
  report->require_subcommand(1);
  auto a = std::make_shared<LedgerArgs>();
  auto* ledger = report->add_subcommand(
      "ledger",
      "the plan's work ledger (工作台账) as of a date: one row per assignment, state, last progress report, "
      "overdue working days, escalation; xlsx in the office's form, csv (UTF-8 with BOM) or json");
  ledger->add_option("--plan", a->plan, "plan id")->required();
  ledger->add_option("--unit", a->unit, "only this unit's assignments (填报单位)");
  ledger
      ->add_option("--as-of", a->as_of,
                   "YYYY-MM-DD: the ledger as it stood at the end of that day (China time), from the events up to "
                   "then; a date before the plan was imported is an error")
      ->required();
  ledger->add_option("--format", a->format, "xlsx (default), csv or json")
      ->check(CLI::IsMember({"xlsx", "csv", "json"}));
  ledger->add_option("-o,--out", a->out,
                     "file to write (replaced); default: stdout for csv and json, <plan>-ledger-<date>.xlsx for xlsx");
  ledger->callback([&g, a] { g.exit_code = RunLedger(g, *a); });

  auto c = std::make_shared<ScorecardArgs>();
  auto* card = report->add_subcommand(
      "scorecard",
      "the units' scorecard (考核评分表) as of a date: per unit assignments, completed, on time, overdue now, "
      "peak escalation, progress reports, reminders, and a score by the workflow definition's `scorecard:` rule; "
      "xlsx with a chart, or json");
  card->add_option("--plan", c->plan, "plan id")->required();
  card->add_option("--as-of", c->as_of, "YYYY-MM-DD: as it stood at the end of that day (China time)")->required();
  card->add_option("--format", c->format, "xlsx (default) or json")->check(CLI::IsMember({"xlsx", "json"}));
  card->add_option("-o,--out", c->out,
                   "file to write (replaced); default: stdout for json, <plan>-scorecard-<date>.xlsx");
  card->add_option("--definition", c->definition,
                   "a workflow definition file whose `scorecard:` weights the score (default: the compiled-in "
                   "workflows/definitions/default.yaml)");
  card->callback([&g, c] { g.exit_code = RunScorecard(g, *c); });

  auto b = std::make_shared<BulletinArgs>();
  auto* bulletin = report->add_subcommand(
      "bulletin",
      "the bulletin (通报) draft as of a date: late units and units silent in review cycles, grouped by escalation "
      "level (督促整改 / 通报批评 / 约谈, as the workflow definition names them) with the tasks concerned, and the "
      "units "
      "that finished everything on time; a .docx to edit and sign (仿宋/黑体, A4), or json");
  bulletin->add_option("--plan", b->plan, "plan id")->required();
  bulletin
      ->add_option("--as-of", b->as_of,
                   "YYYY-MM-DD: as it stood at the end of that day (China time); a date before the plan was "
                   "imported is an error")
      ->required();
  bulletin->add_option("--format", b->format, "docx (default) or json")->check(CLI::IsMember({"docx", "json"}));
  bulletin->add_option("-o,--out", b->out,
                       "file to write (replaced); default: stdout for json, <plan>-bulletin-<date>.docx for docx");
  bulletin->add_option("--definition", b->definition,
                       "a workflow definition file whose `escalation:` ladder names the levels (default: the engine's, "
                       "the compiled-in workflows/definitions/default.yaml)");
  bulletin->callback([&g, b] { g.exit_code = RunBulletin(g, *b); });
}

}  // namespace
}  // namespace duban::cli

DUBAN_REGISTER_COMMANDS(63, &duban::cli::AddReportCommands);
