// `duban deadline "PHRASE" --year 2021 [--issued 2021-09-10] [--provisional] [--json]`:
// lets an office check how a deadline phrase resolves, with the same rules and
// calendar the plan importer uses (the store's, with the notices it recorded;
// the compiled-in one where there is no store); a sentence from a task's text
// is read as the importer reads one (the deadline phrase found in it). Exit 0 resolved, 1 unresolved,
// 2 usage (bad date, bad year, unreadable calendar).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <optional>
#include <string>

#include "cli_common.h"
#include "duban/terminal_text.h"
#include "cli_registry.h"
#include "duban/core/workflow_timer_policy.h"
#include "duban/workflows/calendar.h"
#include "duban/workflows/deadline_phrase.h"

namespace duban::cli {
namespace {

struct DeadlineOpts {
  std::string phrase;
  int year = 0;
  std::string issued;
  bool provisional = false;
  std::string calendar_file;
  std::string calendar_version;
};

nlohmann::json DateOrNull(const std::optional<Date>& d) {
  return d ? nlohmann::json(d->ToString()) : nlohmann::json(nullptr);
}

// The phrase resolved whole, or else, for a sentence from a task's text
// ("分管领导一季度听取一次"), the phrase in it that marks a deadline, as the
// importer reads a task with no deadline cell (`found`: that phrase).
workflows::ResolvedDeadline ResolvePhraseOrSentence(const std::string& phrase, const workflows::DeadlineContext& ctx,
                                                    std::string& found) {
  workflows::ResolvedDeadline r = workflows::ResolveDeadline(phrase, ctx);
  if (!r.unresolved) return r;
  auto inner = workflows::FindDeadlineInText(phrase);
  if (!inner || *inner == phrase) return r;
  workflows::ResolvedDeadline again = workflows::ResolveDeadline(*inner, ctx);
  if (again.unresolved) return r;
  found = *inner;
  return again;
}

// The calendar named (a file, a built-in version), else the store's: as an
// import into this store would count, a year's notice it recorded (duban
// calendar add) moving 国庆节前 and 印发后20个工作日内 here too.
Result<workflows::WorkCalendar> CalendarFor(const DeadlineOpts& o, Globals& g) {
  if (!o.calendar_file.empty()) return workflows::WorkCalendar::LoadFile(o.calendar_file);
  if (!o.calendar_version.empty()) return workflows::WorkCalendar::DefaultAsOf(o.calendar_version);
  auto policy = StoreTimerPolicy(g);
  if (!policy.ok())
    return Status::InvalidArgument("cannot read the store's calendar: " + policy.status().ToString() +
                                   " (--calendar-version cn-mainland/… counts on the compiled-in one)");
  if (auto* p = dynamic_cast<const WorkflowTimerPolicy*>(policy->get())) return p->latest_calendar();
  // A store named (--data, DUBAN_DATA) that is not there: a typo would
  // otherwise answer from another calendar without a word.
  if (g.data_dir != "./duban-data")
    std::cerr << "duban deadline: note: no store at " << ForTerminal(g.data_dir)
              << ": counted on the compiled-in calendar\n";
  return workflows::WorkCalendar::Default();
}

int RunDeadline(const DeadlineOpts& o, Globals& g) {
  if (o.year != 0 && (o.year < 1949 || o.year > 9999)) {
    std::cerr << "duban deadline: --year must be a year such as 2021\n";
    return kExitUsage;
  }
  workflows::DeadlineContext ctx;
  ctx.plan_year = o.year;
  if (!o.issued.empty()) {
    ctx.issued_on = Date::Parse(o.issued);
    if (!ctx.issued_on) {
      std::cerr << "duban deadline: --issued '" << o.issued << "' is not a real date in YYYY-MM-DD form\n";
      return kExitUsage;
    }
    if (ctx.plan_year == 0) ctx.plan_year = ctx.issued_on->year;
  }
  Result<workflows::WorkCalendar> cal = CalendarFor(o, g);
  if (!cal.ok()) {
    std::cerr << "duban deadline: calendar: " << cal.status().message() << "\n";
    return kExitUsage;
  }
  cal->set_provisional_rule(o.provisional);
  ctx.calendar = &*cal;

  std::string found;
  const workflows::ResolvedDeadline r = ResolvePhraseOrSentence(o.phrase, ctx, found);

  if (g.json) {
    nlohmann::json rec = nullptr;
    if (r.recurrence) {
      nlohmann::json cps = nlohmann::json::array();
      for (const Date& d : r.recurrence->checkpoints) cps.push_back(d.ToString());
      rec = {
          {"period", r.recurrence->period}, {"times_per_period", r.recurrence->times_per_period}, {"checkpoints", cps}};
    }
    nlohmann::json out = {
        {"due_on", DateOrNull(r.due_on)},
        {"recurrence", rec},
        {"text", r.text},
        {"unresolved", r.unresolved},
        {"effective_due_on", DateOrNull(r.effective_due_on)},
        {"calendar_version", r.calendar_version.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.calendar_version)},
        {"rule", r.rule.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.rule)},
        {"note", r.note.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.note)},
        // The phrase read from inside a sentence; null: the whole text was one.
        {"found_in_text", found.empty() ? nlohmann::json(nullptr) : nlohmann::json(found)},
    };
    std::cout << out.dump() << "\n";
  } else if (r.unresolved) {
    std::cout << "unresolved\n";
  } else {
    std::cout << r.due_on->ToString() << "\n";
    if (r.effective_due_on && *r.effective_due_on != *r.due_on) {
      std::cout << "effective " << r.effective_due_on->ToString() << " (" << r.due_on->ToString()
                << " is a rest day)\n";
    }
    if (r.recurrence) {
      std::cout << "recurring: " << r.recurrence->times_per_period << " per " << r.recurrence->period
                << "; checkpoints";
      for (const Date& d : r.recurrence->checkpoints) std::cout << " " << d.ToString();
      std::cout << "\n";
    }
    if (!r.calendar_version.empty()) std::cout << "calendar " << r.calendar_version << "\n";
    if (!found.empty()) std::cout << "read from the sentence: " << found << "\n";
  }
  // Why it is unresolved, or the provisional warning, always reaches stderr.
  if (!r.note.empty()) {
    std::cerr << "duban deadline: " << (r.unresolved ? "unresolved: " : "") << r.note << "\n";
  }
  return r.unresolved ? kExitRejected : kExitOk;
}

void AddDeadlineCommands(CLI::App& app, Globals& g) {
  auto opts = std::make_shared<DeadlineOpts>();
  CLI::App* sub =
      app.add_subcommand("deadline", "resolve a deadline phrase (10月底前, 全年, 印发后20个工作日内, 每季度听取一次)");
  sub->add_option("phrase", opts->phrase,
                  "the phrase as written in the plan, or a sentence of a task holding one (分管领导一季度听取一次)")
      ->required();
  sub->add_option("--year", opts->year, "the plan's year (default: the year of --issued)");
  sub->add_option("--issued", opts->issued, "the plan's issue date, YYYY-MM-DD");
  sub->add_flag("--provisional,--weekends-only", opts->provisional,
                "count years the calendar does not cover by the provisional rule: weekdays minus "
                "元旦, 劳动节, 国庆节 (prints a warning; --weekends-only is the old name)");
  sub->add_option("--calendar", opts->calendar_file,
                  "a calendar YAML file instead of the store's (the built-in one with the notices `duban calendar "
                  "add` recorded in --data; the built-in one where there is no store)");
  sub->add_option("--calendar-version", opts->calendar_version,
                  "the built-in calendar as of a version, e.g. cn-mainland/2019-11-21 (no notice a store recorded)");
  sub->callback([opts, &g] { g.exit_code = RunDeadline(*opts, g); });
}

}  // namespace

DUBAN_REGISTER_COMMANDS(60, &AddDeadlineCommands);

}  // namespace duban::cli
