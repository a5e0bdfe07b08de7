// `duban simulate` (see simulate.h): the command and the run. Imports the
// plan into a fresh simulated store, writes the script (simulate_script.cc),
// then ticks the clock day by day, running the steps due; ends by checking
// that a rebuild from the log gives the same projections, and prints the
// report (simulate_report.cc).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <tuple>

#include "cli_common.h"
#include "duban/plan_import/plan_parser.h"
#include "duban/plan_import/unit_directory.h"
#include "embedded_plans.h"
#include "plan_commands.h"
#include "simulate.h"
#include "simulate_script.h"

namespace duban::cli {
namespace {

using schemas::Command;
using schemas::Role;
using sim::Step;

class Simulation {
 public:
  Simulation(Globals& g, const SimulateOptions& o) : g_(g), o_(o) {}

  int Run() {
    Globals eg = g_;
    eg.data_dir = o_.data_dir;
    engine_ = OpenScriptedEngine(eg);  // the script's clock: marked simulated before any command
    if (!engine_) return g_.exit_code = eg.exit_code;
    if (!MarkScripted(eg, *engine_, "simulate")) return g_.exit_code = eg.exit_code;
    auto policy = WorkflowTimerPolicy::Default();
    if (!policy.ok()) return Fail(policy.status());
    policy_ = *policy;
    if (int rc = Import(); rc != kExitOk) return rc;
    script_ = sim::WriteScript(year_, import_day_, plan0_, *policy_);
    if (int rc = RunTheYear(); rc != kExitOk) return rc;
    if (int rc = CheckReplay(); rc != kExitOk) return rc;
    // The clock stays on the last day the year's ticks ran to (what fired on
    // it, none maybe, was seen), not at the year's last event before it.
    if (!ClockToLogEnd(eg, *engine_) || !AdvanceSimulatedNow(eg, *engine_, StartOfDay(LastDay())))
      return g_.exit_code = eg.exit_code;
    Print();
    return g_.exit_code = kExitOk;
  }

 private:
  int Fail(const Status& st) {
    cli::Fail(g_, st);
    return g_.exit_code;
  }

  // The plan text and its id: --plan-file, else the sample plan compiled in.
  int ReadPlan(std::string& text) {
    if (o_.plan_file.empty()) {
      text = std::string(EmbeddedPlanShaoguan2021());
      plan_id_ = "shaoguan-2021";
    } else {
      auto read = ReadPlanFile(o_.plan_file);
      if (!read.ok()) {
        std::cerr << "duban simulate: " << read.status().message() << "\n";
        return g_.exit_code = kExitUsage;
      }
      text = std::move(read).value();
      plan_id_ = PlanIdFromPath(o_.plan_file);
    }
    plan_id_ += "-sim";
    return kExitOk;
  }

  int Import() {
    std::string text;
    if (int rc = ReadPlan(text); rc != kExitOk) return rc;
    if (engine_->Plan(plan_id_).ok()) {
      std::cerr << "duban simulate: " << o_.data_dir << " already holds plan " << plan_id_
                << "; run it on a fresh --data directory\n";
      return g_.exit_code = kExitRejected;
    }
    auto dir = plan_import::UnitDirectory::ChooseEmbedded(text);
    plan_import::ParseOptions po;
    po.default_year = o_.year ? o_.year : 2021;
    auto parsed = plan_import::ParsePlan(text, dir ? *dir : plan_import::UnitDirectory(), po);
    if (parsed.tasks.empty()) {
      std::cerr << "duban simulate: no tasks found in the plan\n";
      return g_.exit_code = kExitRejected;
    }
    year_ = o_.year ? o_.year : (parsed.plan.year ? parsed.plan.year : 2021);
    // The year runs to the next February; the store's clock ends there and
    // never moves back (cli_common.h: kSimulatedYearsAhead).
    if (const Date today = DayOf(*IssuedAt(g_, "")); year_ + 1 > today.year + kSimulatedYearsAhead) {
      std::cerr << "duban simulate: the year " << year_ << " would run the store's clock more than "
                << kSimulatedYearsAhead << " years past today (" << today.ToString()
                << "), and it never moves back: simulate a year up to " << today.year + kSimulatedYearsAhead - 1
                << " (--year)\n";
      return g_.exit_code = kExitRejected;
    }
    title_ = parsed.plan.title.empty() ? plan_id_ : parsed.plan.title;
    ImportRequest req;
    req.plan_id = plan_id_;
    req.source_bytes = text;
    req.accept_unknown_units = true;
    req.default_due = Date{year_, 12, 31};
    if (dir) req.directory = &*dir;
    import_day_ = Date{year_, 3, 1};
    if (parsed.plan.issued_on && parsed.plan.issued_on->year == year_ && *parsed.plan.issued_on > import_day_)
      import_day_ = *parsed.plan.issued_on;
    Outcome o = engine_->Submit(Make(Role::kSupervisor, "督查室", import_day_, 9, BuildImportPlan(parsed, req)));
    if (!o.status.ok()) {
      std::cerr << "duban simulate: import failed: " << o.status.ToString() << "\n";
      return g_.exit_code = kExitRejected;
    }
    auto plan = engine_->Plan(plan_id_);
    if (!plan.ok()) return Fail(plan.status());
    plan0_ = *plan;
    summary_.timeline.push_back({import_day_,
                                 "plan imported: " + std::to_string(plan0_.tasks.size()) + " tasks, " +
                                     std::to_string(plan0_.assignments.size()) + " assignments",
                                 ""});
    return kExitOk;
  }

  // The clock: every day from the import to two months after the year; the
  // timers due fire first, then the day's scripted steps.
  Date LastDay() const { return Date{year_ + 1, 2, 28}; }
  int RunTheYear() {
    const Date last = LastDay();
    auto& steps = script_.steps;
    std::sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) {
      return std::tie(a.day, a.hour, a.seq) < std::tie(b.day, b.hour, b.seq);
    });
    size_t next = 0;
    for (Date d = import_day_; d <= last; d = d.AddDays(1)) {
      auto fired = engine_->Tick(StartOfDay(d), "clock");
      if (!fired.ok()) return Fail(fired.status());
      for (const auto& out : *fired) Record(out);
      if (next < steps.size() && steps[next].day == d) {
        auto plan = engine_->Plan(plan_id_);
        if (!plan.ok()) return Fail(plan.status());
        for (; next < steps.size() && steps[next].day == d; ++next) RunStep(steps[next], *plan);
      }
    }
    summary_.last_tick = StartOfDay(last);
    return kExitOk;
  }

  Command Make(Role role, const std::string& actor, Date day, int hour, schemas::CommandBody body) {
    Command c;
    c.command_id = "sim-" + std::to_string(++commands_);
    c.plan_id = plan_id_;
    c.actor = schemas::Actor{actor, role, actor};
    c.issued_at = StartOfDay(day) + static_cast<Instant>(hour) * 3600 * 1000;
    c.body = std::move(body);
    return c;
  }

  // A step runs only while its assignment is in a state it needs, and a
  // cycle answer only while the cycle asked and had no answer.
  void RunStep(const Step& s, const core::PlanState& plan) {
    if (s.assignment.first) {
      auto it = plan.assignments.find(s.assignment);
      if (it == plan.assignments.end()) return;
      if (!s.need.empty() && std::find(s.need.begin(), s.need.end(), it->second.status) == s.need.end()) return;
    }
    if (!s.cycle.empty()) {
      auto c = plan.cycles.find(s.cycle);
      if (c == plan.cycles.end() || c->second.closed || !c->second.requested.count(s.assignment) ||
          c->second.answered.count(s.assignment))
        return;
    }
    Outcome o = engine_->Submit(Make(s.role, s.actor, s.day, s.hour, s.make(plan)));
    if (!o.status.ok()) ++summary_.script_rejected;
    Record(o);
  }

  void Record(const Outcome& o) {
    for (const auto& e : o.events) {
      if (o_.detail || g_.json) summary_.all_events.push_back(e);
      if (const auto* b = std::get_if<schemas::DeadlineApproaching>(&e.body)) ++summary_.reminders[b->unit];
      if (const auto* b = std::get_if<schemas::EscalationRaised>(&e.body))
        summary_.max_level[b->unit] = std::max(summary_.max_level[b->unit], b->level);
      if (auto t = sim::TimelineEntryOf(e)) summary_.timeline.push_back(std::move(*t));
    }
  }

  // Replay: the projections rebuilt from the log must be identical, the
  // chain must verify, and a second tick at the end must fire nothing.
  int CheckReplay() {
    auto before = engine_->ProjectionDigest();
    if (!before.ok()) return Fail(before.status());
    if (Status st = engine_->Rebuild(); !st.ok()) return Fail(st);
    auto after = engine_->ProjectionDigest();
    if (!after.ok()) return Fail(after.status());
    auto verify = engine_->Verify();
    if (!verify.ok()) return Fail(verify.status());
    auto again = engine_->Tick(summary_.last_tick, "clock");
    if (!again.ok()) return Fail(again.status());
    size_t n = 0;
    for (const auto& o : *again) n += o.events.size();
    summary_.digest = *before;
    summary_.rebuilt_identical = *before == *after;
    summary_.verify_ok = verify->ok();
    summary_.second_tick_events = n;
    summary_.events = engine_->LogEnd() - 1;
    return kExitOk;
  }

  void Print() {
    summary_.data_dir = o_.data_dir;
    summary_.plan_id = plan_id_;
    summary_.title = title_;
    summary_.year = year_;
    summary_.groups = script_.groups;
    auto plan = engine_->Plan(plan_id_);
    sim::PrintReport(summary_, plan.ok() ? *plan : core::PlanState{}, *policy_, g_.json, o_.print_timeline, o_.detail,
                     o_.max_lines);
  }

  Globals& g_;
  const SimulateOptions& o_;
  std::unique_ptr<Engine> engine_;
  std::shared_ptr<WorkflowTimerPolicy> policy_;
  std::string plan_id_, title_;
  int year_ = 2021;
  Date import_day_{2021, 3, 1};
  core::PlanState plan0_;
  sim::Script script_;
  uint64_t commands_ = 0;
  sim::RunSummary summary_;
};

void AddSimulate(CLI::App& app, Globals& g) {
  auto o = std::make_shared<SimulateOptions>();
  auto* sub = app.add_subcommand("simulate",
                                 "fast-forward a plan's year on a simulated clock with scripted units; print the "
                                 "timeline of reminders and escalations and each unit's final standing");
  sub->add_option("--plan-file", o->plan_file, "plan document (default: the sample plan shaoguan-2021)");
  sub->add_option("--year", o->year, "plan year (default: the plan's own, else 2021)");
  sub->add_flag("--detail", o->detail, "one line per event instead of per day and kind");
  sub->callback([&g, o] {
    o->data_dir = g.data_dir;
    RunSimulation(g, *o);
  });
}

}  // namespace

int RunSimulation(Globals& g, const SimulateOptions& options) {
  Simulation sim(g, options);
  return sim.Run();
}

}  // namespace duban::cli
DUBAN_REGISTER_COMMANDS(46, &duban::cli::AddSimulate);
