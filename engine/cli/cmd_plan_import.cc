// `duban plan import FILE [--dry-run] [--json] [--units FILE] [--new-version]`:
// parses a published division plan and either shows the parse (dry run:
// JSON or a readable preview, nothing written) or hands it to the engine.
// Exit codes: 0 ok, 1 the file could not be read or yielded no task, 2 usage.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_common.h"
#include "duban/terminal_text.h"
#include "cli_import_hook.h"
#include "cli_registry.h"
#include "plan_commands.h"
#include "duban/plan_import/plan_parser.h"
#include "duban/plan_import/unit_directory.h"
#include "duban/core/workflow_timer_policy.h"
#include "duban/engine.h"

namespace duban::cli {

namespace {

struct PlanImportArgs {
  std::string file;
  std::string units;
  bool dry_run = false;
  bool json = false;
  bool new_version = false;
  bool accept_unknown = false;
  std::string plan_id;
  std::string default_deadline;
  int year = 0;
  bool keep_groups = false;
  bool dates_after_issue = false;
  std::string issued_on, back_entry;
  std::string at;  // --at: another name of --issued-on, as the write commands call the day of an act
};

// The unit directory: --units FILE, else the shipped directory whose place
// name appears at the head of the plan, else an empty one. False (said on
// stderr) if --units cannot be loaded.
bool ChooseUnitDirectory(const PlanImportArgs& a, const std::string& bytes, plan_import::UnitDirectory* dir) {
  if (!a.units.empty()) {
    auto loaded = plan_import::UnitDirectory::LoadFile(a.units);
    if (!loaded.ok()) {
      std::cerr << "duban plan import: " << loaded.status().message() << "\n";
      return false;
    }
    *dir = std::move(loaded).value();
  } else if (auto chosen = plan_import::UnitDirectory::ChooseEmbedded(bytes)) {
    *dir = std::move(*chosen);
  } else {
    std::cerr << "duban plan import: no unit directory matches this plan, none is used: no unit "
                 "name is checked (pass --units FILE)\n";
  }
  return true;
}

// Nothing importable: show why, on stderr, in the requested shape on stdout.
int ExplainNoTask(const plan_import::ParsedPlan& plan, const std::string& file, bool json) {
  if (json) std::cout << plan_import::ParsedPlanToJson(plan);
  std::cerr << "duban plan import: no task found in " << ForTerminal(file) << "\n";
  for (const auto& p : plan.problems) {
    std::cerr << "  " << (p.line ? "line " + std::to_string(p.line) : std::string("file")) << ": "
              << ForTerminal(p.message) << "\n";
  }
  return kExitRejected;
}

// The preview shows units as written; say what an import would assign.
void PrintWhatImportAssigns(const plan_import::ParsedPlan& plan, const plan_import::UnitDirectory& dir,
                            bool keep_groups) {
  ImportRequest preview;
  preview.directory = &dir;
  preview.keep_groups = keep_groups;
  preview.accept_unknown_units = true;
  std::map<std::string, std::vector<std::string>> expanded;
  const size_t assignments = AssignmentsOf(BuildImportPlan(plan, preview, &expanded));
  if (!expanded.empty()) {
    std::cout << "\ngroups an import assigns to each member unit (--keep-groups: as one unit), and sub-offices to "
                 "their office:\n";
    for (const auto& [group, members] : expanded) {
      std::cout << "  " << ForTerminal(group) << " (" << members.size() << "): ";
      for (size_t i = 0; i < members.size(); ++i) std::cout << (i ? "、" : "") << ForTerminal(members[i]);
      std::cout << "\n";
    }
  }
  // What the import itself would refuse, so the preview does not promise it.
  std::map<int, int> first_line;
  for (const auto& t : plan.tasks) {
    if (auto [it, fresh] = first_line.emplace(t.number, t.source_line); !fresh) {
      std::cout << "an import would be refused: task " << t.number << " appears twice (lines " << it->second << " and "
                << t.source_line << "): correct its 序号\n";
      return;
    }
  }
  if (auto unplaced = plan_import::RowsNotImported(plan)) {
    std::cout << "an import would be refused: " << ForTerminal(unplaced->message) << "\n";
    return;
  }
  std::cout << "an import would create " << assignments << " assignment(s)\n";
}

// What the parse yielded, as it goes to the engine.
struct ParsedFile {
  const std::string& bytes;
  const plan_import::UnitDirectory& dir;
  const plan_import::ParsedPlan& plan;
  const std::optional<Date>& issued_on;
};

int ImportPlanFile(Globals& g, const PlanImportArgs& a, const ParsedFile& f) {
  ImportRequest req;
  req.plan_id = a.plan_id.empty() ? PlanIdFromPath(a.file) : a.plan_id;
  req.source_bytes = f.bytes;
  req.new_version = a.new_version;
  req.accept_unknown_units = a.accept_unknown;
  req.directory = &f.dir;
  req.keep_groups = a.keep_groups;
  req.issued_on = f.issued_on;
  req.back_entry = a.back_entry;
  if (!a.default_deadline.empty()) {
    req.default_due = Date::Parse(a.default_deadline);
    if (!req.default_due) {
      std::cerr << "duban plan import: --default-deadline must be a date YYYY-MM-DD\n";
      return kExitUsage;
    }
  }
  for (const auto& p : f.plan.problems)
    std::cerr << "warning: " << (p.line ? "line " + std::to_string(p.line) : std::string("file")) << ": "
              << ForTerminal(p.message) << "\n";
  return ImportParsedPlan(g, f.plan, req);
}

int RunPlanImport(Globals& g, const PlanImportArgs& a) {
  auto read = ReadPlanFile(a.file);
  if (!read.ok()) {
    std::cerr << "duban plan import: " << read.status().message() << "\n";
    return kExitRejected;
  }
  const std::string bytes = std::move(read).value();
  plan_import::UnitDirectory dir;
  if (!ChooseUnitDirectory(a, bytes, &dir)) return kExitUsage;

  plan_import::ParseOptions opts;
  opts.default_year = a.year;
  opts.year = a.year;  // wins over the year of --issued-on or the document number
  auto read_policy = StoreTimerPolicy(g);
  if (!read_policy.ok()) {
    std::cerr << "duban plan import: cannot read the store's calendar: " << read_policy.status().ToString() << "\n";
    return kExitRejected;
  }
  const std::shared_ptr<const TimerPolicy> store_policy = *read_policy;  // holds opts.calendar
  if (auto* p = dynamic_cast<const WorkflowTimerPolicy*>(store_policy.get())) opts.calendar = &p->latest_calendar();
  if (!a.issued_on.empty()) {
    opts.issued_on = Date::Parse(a.issued_on);
    if (!opts.issued_on) {
      std::cerr << "duban plan import: --issued-on must be a date YYYY-MM-DD\n";
      return kExitUsage;
    }
  }
  opts.dates_after_issue = a.dates_after_issue;
  // The import's day: today (a simulated store's day too).
  const std::optional<Instant> now = IssuedAt(g, "");
  if (!now) return kExitUsage;
  opts.import_day = DayOf(*now);
  const plan_import::ParsedPlan plan = plan_import::ParsePlan(bytes, dir, opts);
  const bool json = a.json || g.json;
  if (a.dates_after_issue && !plan.plan.issued_on) {
    std::cerr << "duban plan import: --dates-after-issue reads dates from the plan's issue date on, and the file "
                 "names none: give it (--issued-on YYYY-MM-DD)\n";
    return kExitUsage;
  }
  if (auto contradicted = plan_import::StatedYearContradicted(plan, a.year)) {
    // Only the title can say otherwise: two stated years, and no way to tell
    // which the office meant.
    std::cerr << "duban plan import: --year: " << ForTerminal(contradicted->message) << "\n";
    return kExitUsage;
  }
  if (plan.tasks.empty()) return ExplainNoTask(plan, a.file, json);
  if (a.dry_run) {
    // The preview shows the file's text: escaped for the terminal, line by line.
    std::cout << (json ? plan_import::ParsedPlanToJson(plan) : ForTerminalLines(plan_import::RenderPreview(plan)));
    if (!json) PrintWhatImportAssigns(plan, dir, a.keep_groups);
    return kExitOk;
  }
  // Against the import's day when the plan names no issue date.
  if (auto doubt = plan_import::YearInDoubtOn(plan, *opts.import_day)) {
    std::cerr << "duban plan import: " << ForTerminal(doubt->message) << "\n";
    return kExitUsage;
  }
  if (auto impossible = plan_import::ImpossibleDeadline(plan)) {
    std::cerr << "duban plan import: line " << impossible->line << ": " << ForTerminal(impossible->message) << "\n";
    return kExitUsage;
  }
  if (auto unplaced = plan_import::RowsNotImported(plan)) {
    std::cerr << "duban plan import: " << ForTerminal(unplaced->message) << "\n";
    return kExitUsage;
  }
  if (auto late = plan_import::IssuedAfterItsYear(plan)) {
    // The date is --issued-on's, or the one the document itself names.
    std::cerr << "duban plan import: " << (a.issued_on.empty() ? "" : "--issued-on: ") << ForTerminal(late->message)
              << "\n";
    return kExitUsage;
  }
  return ImportPlanFile(g, a, ParsedFile{bytes, dir, plan, opts.issued_on});
}

}  // namespace

CLI::App* PlanCommand(CLI::App& app) {
  try {
    return app.get_subcommand("plan");
  } catch (const CLI::OptionNotFound&) {
    CLI::App* plan = app.add_subcommand("plan", "plans: import one, add a unit to one");
    plan->require_subcommand(1);
    return plan;
  }
}

namespace {

void AddPlanImportCommands(CLI::App& app, Globals& g) {
  CLI::App* plan = PlanCommand(app);
  auto args = std::make_shared<PlanImportArgs>();
  CLI::App* imp = plan->add_subcommand(
      "import", "import a published division plan (Word .docx, Excel .xlsx, web page .html, text export, CSV, TSV)");
  imp->add_option("file", args->file, "the plan file")->required();
  imp->add_flag("--dry-run", args->dry_run, "parse and show the result; write nothing");
  imp->add_flag("--json", args->json, "print the parse as JSON (with --dry-run)");
  imp->add_option("--units", args->units,
                  "unit directory YAML (default: the shipped directory matching the plan's place name)");
  imp->add_flag("--new-version", args->new_version, "import again as a new version of the same plan");
  imp->add_option("--year", args->year,
                  "the plan year (年底前 -> YEAR-12-31): wins over the year of the publication date (--issued-on, "
                  "which still anchors 印发后N个工作日内) and of the document number, and chooses among the "
                  "years a title names (…2035年远景目标纲要2021年…); a title naming only other years is refused. "
                  "Needed when no year is stated and deadlines fall before the issue date (a "
                  "December plan for next year): such an import is refused without it")
      ->check(CLI::Range(2000, 2099));
  imp->add_flag("--dates-after-issue", args->dates_after_issue,
                "a plan that runs across the turn of the year (issued in December: 12月底前 this December, "
                "1月底前 next January): a deadline naming no year that falls before the issue date is read in the "
                "next year");
  imp->add_option("--id", args->plan_id, "plan id (default: the file name without extension)");
  imp->add_flag("--accept-unknown-units", args->accept_unknown,
                "add units the directory lacks to this plan instead of refusing the import");
  imp->add_flag("--keep-groups", args->keep_groups,
                "assign a group the plan names (各县（市、区）政府) as one unit instead of to each member");
  imp->add_option("--default-deadline", args->default_deadline,
                  "due date YYYY-MM-DD for tasks whose plan names no deadline");
  imp->add_option("--issued-on", args->issued_on,
                  "the plan's publication date YYYY-MM-DD (the office): relative deadlines count from it, and an "
                  "earlier day enters the import as made that day (a back-entry)");
  imp->add_option("--at", args->at, "the same as --issued-on");
  imp->add_option(
      "--back-entry", args->back_entry,
      "why the plan is entered after its --issued-on day (default: 'plan published on DATE, entered later')");
  imp->callback([&g, args] {
    if (!args->at.empty()) {
      if (!args->issued_on.empty() && args->issued_on != args->at) {
        std::cerr << "duban plan import: --at is another name for --issued-on, and they differ ("
                  << ForTerminal(args->at) << ", " << ForTerminal(args->issued_on)
                  << "): give the plan's publication date once\n";
        g.exit_code = kExitUsage;
        return;
      }
      args->issued_on = args->at;
    }
    g.exit_code = RunPlanImport(g, *args);
  });
}

}  // namespace

DUBAN_REGISTER_COMMANDS(20, &AddPlanImportCommands);

}  // namespace duban::cli
