// Workflow commands: review cycles (`duban cycle start|close|reopen`) and
// `duban simulate`, a plan's year on a simulated clock (see simulate.h).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli_common.h"
#include "duban/core/workflow_timer_policy.h"
#include "duban/plan_import/plan_parser.h"
#include "duban/plan_import/unit_directory.h"
#include "duban/schemas/codec.h"
#include "embedded_plans.h"
#include "plan_commands.h"
#include "simulate.h"

namespace duban::cli {
namespace {

using nlohmann::json;
using schemas::Command;
using schemas::Role;
using core::AssignmentStatus;

// ---- duban cycle ---------------------------------------------------------------

void AddCycle(CLI::App& app, Globals& g) {
  auto* cycle = app.add_subcommand("cycle", "review cycles: progress rounds and the year-end look-back (回头看)");
  cycle->require_subcommand(1);
  {
    struct Args { std::string plan, id, kind, unit, due, at, command_id, back_entry; };
    auto a = std::make_shared<Args>();
    auto* sub = cycle->add_subcommand("start", "ask every open assignment in scope for a progress report by --due");
    sub->add_option("--plan", a->plan, "plan id")->required();
    sub->add_option("--id", a->id, "cycle id, e.g. 2021-Q3")->required();
    sub->add_option("--kind", a->kind, "monthly | quarterly | lookback (a template of the workflow definition)")->required();
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
      if (!cmd) return;
      std::shared_ptr<CliClock> clock;
      auto engine = OpenEngine(g, false, &clock);
      if (!engine) return;
      UseStoreClock(*engine, *clock, *cmd);
      PrintOutcome(g, engine->Submit(*cmd));
    });
  }
  {
    struct Args { std::string plan, id, at, command_id, back_entry; };
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
      if (!cmd) return;
      std::shared_ptr<CliClock> clock;
      auto engine = OpenEngine(g, false, &clock);
      if (!engine) return;
      UseStoreClock(*engine, *clock, *cmd);
      PrintOutcome(g, engine->Submit(*cmd));
    });
  }
  {
    struct Args { std::string plan, id, unit, reason, due, at, command_id, back_entry; int task = 0; };
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
      if (!cmd) return;
      std::shared_ptr<CliClock> clock;
      auto engine = OpenEngine(g, false, &clock);
      if (!engine) return;
      UseStoreClock(*engine, *clock, *cmd);
      PrintOutcome(g, engine->Submit(*cmd));
    });
  }
}

// ---- duban simulate --------------------------------------------------------------

// Stable per-assignment behaviour (the same hash as the demo's script).
int Behaviour(int task, const std::string& unit) {
  uint32_t h = 2166136261u;
  for (unsigned char c : unit) h = (h ^ c) * 16777619u;
  h = (h ^ static_cast<uint32_t>(task)) * 16777619u;
  return static_cast<int>(h % 100);
}

// Of the on-time units (4..59), these finish early.
constexpr int kEarly = 20;

enum class Group { kReturned, kOnTime, kLate, kExtended, kSentBack, kSilent };
Group GroupOf(int b) {
  if (b < 4) return Group::kReturned;
  if (b < 60) return Group::kOnTime;
  if (b < 75) return Group::kLate;
  if (b < 85) return Group::kExtended;
  if (b < 90) return Group::kSentBack;
  return Group::kSilent;
}

// One scripted step: on `day` at `hour`, if the assignment is in one of
// `need` (empty: always), `make` gives the command body.
struct Step {
  Date day;
  int hour = 10;
  uint64_t seq = 0;
  Role role = Role::kUnit;
  std::string actor;
  std::pair<int32_t, std::string> assignment;  // task 0: not about one assignment
  std::vector<AssignmentStatus> need;
  std::string cycle;  // the step answers this cycle: only if it asked and had no answer
  std::function<schemas::CommandBody(const core::PlanState&)> make;
};

struct TimelineEntry {
  Date day;
  std::string label;  // grouping key within the day
  std::string item;   // "市财政局 #7"
};

std::string Item(int32_t task, const std::string& unit) { return unit + " #" + std::to_string(task); }

// Display width of UTF-8 text (CJK takes two columns).
int Width(const std::string& s) {
  int w = 0;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = s[i];
    const int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    w += len == 1 ? 1 : 2;
    i += len;
  }
  return w;
}
std::string Pad(const std::string& s, int width) { return s + std::string(std::max(0, width - Width(s)), ' '); }

class Simulation {
 public:
  Simulation(Globals& g, const SimulateOptions& o) : g_(g), o_(o) {}

  int Run() {
    Globals eg = g_;
    eg.data_dir = o_.data_dir;
    engine_ = OpenScriptedEngine(eg);  // the script's clock: marked simulated before any command
    if (!engine_) return g_.exit_code = eg.exit_code;
    if (!MarkSimulated(eg, *engine_, "simulate")) return g_.exit_code = eg.exit_code;
    auto policy = WorkflowTimerPolicy::Default();
    if (!policy.ok()) return Fail(policy.status());
    policy_ = *policy;
    if (int rc = Import(); rc != kExitOk) return rc;
    Script();
    // The clock: every day from the import to two months after the year.
    const Date last{year_ + 1, 2, 28};
    std::sort(steps_.begin(), steps_.end(), [](const Step& a, const Step& b) {
      return std::tie(a.day, a.hour, a.seq) < std::tie(b.day, b.hour, b.seq);
    });
    size_t next = 0;
    for (Date d = import_day_; d <= last; d = d.AddDays(1)) {
      auto fired = engine_->Tick(StartOfDay(d), "clock");
      if (!fired.ok()) return Fail(fired.status());
      for (const auto& out : *fired) Record(out);
      if (next < steps_.size() && steps_[next].day == d) {
        auto plan = engine_->Plan(plan_id_);
        if (!plan.ok()) return Fail(plan.status());
        for (; next < steps_.size() && steps_[next].day == d; ++next) RunStep(steps_[next], *plan);
      }
    }
    last_tick_ = StartOfDay(last);
    if (int rc = CheckReplay(); rc != kExitOk) return rc;
    Print();
    return g_.exit_code = kExitOk;
  }

 private:
  int Fail(const Status& st) {
    cli::Fail(g_, st);
    return g_.exit_code;
  }

  int Import() {
    std::string text;
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
    Add(import_day_, "plan imported: " + std::to_string(plan0_.tasks.size()) + " tasks, " +
                         std::to_string(plan0_.assignments.size()) + " assignments", "");
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

  void Push(Date day, int hour, Role role, std::string actor, std::pair<int32_t, std::string> a,
            std::vector<AssignmentStatus> need, std::function<schemas::CommandBody(const core::PlanState&)> make,
            std::string cycle = "") {
    Step s;
    s.day = day;
    s.hour = hour;
    s.seq = steps_.size();
    s.role = role;
    s.actor = std::move(actor);
    s.assignment = std::move(a);
    s.need = std::move(need);
    s.make = std::move(make);
    s.cycle = std::move(cycle);
    steps_.push_back(std::move(s));
  }

  void Script() {
    using S = AssignmentStatus;
    const std::vector<S> working{S::kAccepted, S::kInProgress};
    const Date start = import_day_.AddDays(5);
    auto later = [](Date a, Date b) { return a < b ? b : a; };
    struct Cycle { std::string id, kind; Date start, due, close; };
    std::vector<Cycle> cycles = {
        {std::to_string(year_) + "-Q2", "quarterly", {year_, 6, 15}, {year_, 6, 30}, {year_, 7, 20}},
        {std::to_string(year_) + "-Q3", "quarterly", {year_, 9, 15}, {year_, 9, 30}, {year_, 10, 20}},
        {std::to_string(year_) + "-回头看", "lookback", {year_, 12, 1}, {year_, 12, 15}, {year_, 12, 20}},
    };
    for (const auto& c : cycles) {
      if (c.start <= import_day_) continue;
      cycle_ids_.push_back(c.id);
      const auto* tpl = policy_->definition().FindReviewCycle(c.kind);
      const std::string scope = tpl ? tpl->scope : "open";
      Push(c.start, 9, Role::kSupervisor, "督查室", {0, ""}, {}, [=](const core::PlanState&) {
        return schemas::CommandBody{schemas::StartReviewCycle{c.id, scope, c.kind, c.due.ToString(), ""}};
      });
      Push(c.close, 17, Role::kSupervisor, "督查室", {0, ""}, {}, [=](const core::PlanState&) {
        return schemas::CommandBody{schemas::CloseReviewCycle{c.id}};
      });
    }
    // The look-back finds one piece of closed-out work not done: it goes back into the ladder.
    if (!cycle_ids_.empty() && cycle_ids_.back().find("回头看") != std::string::npos) {
      const std::string id = cycle_ids_.back();
      for (const auto& [k, a] : plan0_.assignments)
        if (Behaviour(k.first, k.second) >= 4 && Behaviour(k.first, k.second) < kEarly && !a.due_on.empty()) {
          reopen_ = k;
          break;
        }
      if (reopen_.first)
        Push({year_, 12, 3}, 11, Role::kSupervisor, "督查室", reopen_, {S::kCompleted}, [=, this](const core::PlanState&) {
          return schemas::CommandBody{schemas::ReopenAssignment{reopen_.first, reopen_.second,
                                                                "回头看发现：佐证材料与实际不符，工作未完成", id,
                                                                std::to_string(year_) + "-12-31"}};
        });
    }
    for (const auto& [k, a] : plan0_.assignments) {
      const auto [task, unit] = k;
      const Group grp = GroupOf(Behaviour(task, unit));
      ++groups_[grp];
      const Date signed_on = import_day_.AddDays(2);
      if (grp == Group::kReturned) {
        Push(signed_on, 10, Role::kUnit, unit, k, {S::kAssigned}, [=](const core::PlanState&) {
          return schemas::CommandBody{schemas::Return{task, unit, "不属于本单位职责，建议由牵头单位承办"}};
        });
        continue;
      }
      Push(signed_on, 10, Role::kUnit, unit, k, {S::kAssigned},
           [=](const core::PlanState&) { return schemas::CommandBody{schemas::Accept{task, unit}}; });
      // Answers to the review cycles: on time three days in, late a week after the due day, or never.
      for (const auto& c : cycles) {
        if (grp == Group::kSilent || c.start <= import_day_) continue;
        const Date when = grp == Group::kLate ? c.due.AddDays(6) : c.start.AddDays(3);
        Push(when, 16, Role::kUnit, unit, k, working, [=](const core::PlanState&) {
          return schemas::CommandBody{schemas::ReportProgress{task, unit, grp == Group::kLate ? 30 : 60,
                                                              "按计划推进（" + c.id + "）", "", unit + "联络员",
                                                              "0751-8888000"}};
        }, c.id);
      }
      auto due = Date::Parse(a.due_on);
      if (!due || grp == Group::kSilent) continue;
      auto submit_and_approve = [&](Date on) {
        Push(on, 15, Role::kUnit, unit, k, working, [=](const core::PlanState&) {
          return schemas::CommandBody{schemas::Submit{task, unit, "已按要求完成", "见政府网站专栏"}};
        });
        Push(on.AddDays(3), 10, Role::kSupervisor, "督查室", k, {S::kSubmitted}, [=](const core::PlanState&) {
          return schemas::CommandBody{schemas::Approve{task, unit, "同意销号"}};
        });
      };
      switch (grp) {
        case Group::kOnTime: {
          // Some finish early (by late October), which the look-back can check.
          Date on = due->AddDays(-10);
          if (Behaviour(task, unit) < kEarly && Date{year_, 10, 25} < on) on = Date{year_, 10, 25};
          submit_and_approve(later(on, start));
          break;
        }
        case Group::kLate: submit_and_approve(later(due->AddDays(20), start)); break;
        case Group::kExtended: {
          const Date asked = later(due->AddDays(-20), start);
          const Date new_due = due->AddDays(45);
          Push(asked, 11, Role::kUnit, unit, k, working, [=](const core::PlanState&) {
            return schemas::CommandBody{schemas::RequestExtension{task, unit, new_due.ToString(), "需待上级平台升级后完成"}};
          });
          Push(asked.AddDays(1), 11, Role::kSupervisor, "督查室", k, {}, [=](const core::PlanState&) {
            return schemas::CommandBody{schemas::GrantExtension{task, unit, ""}};
          });
          submit_and_approve(new_due.AddDays(-5));
          break;
        }
        case Group::kSentBack: {
          const Date first = later(due->AddDays(-12), start);
          Push(first, 15, Role::kUnit, unit, k, working, [=](const core::PlanState&) {
            return schemas::CommandBody{schemas::Submit{task, unit, "已完成", ""}};
          });
          Push(first.AddDays(2), 10, Role::kSupervisor, "督查室", k, {S::kSubmitted}, [=](const core::PlanState&) {
            return schemas::CommandBody{schemas::Reject{task, unit, "佐证材料不足，请补充"}};
          });
          submit_and_approve(first.AddDays(5));
          break;
        }
        default: break;
      }
    }
  }

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
    if (!o.status.ok()) ++script_rejected_;
    Record(o);
  }

  void Add(Date day, std::string label, std::string item) {
    timeline_.push_back(TimelineEntry{day, std::move(label), std::move(item)});
  }

  void Record(const Outcome& o) {
    for (const auto& e : o.events) {
      if (o_.detail || g_.json) all_events_.push_back(e);
      const Date day = DayOf(e.occurred_at);
      std::visit(
          [&](const auto& b) {
            using T = std::decay_t<decltype(b)>;
            if constexpr (std::is_same_v<T, schemas::DeadlineApproaching>) {
              ++reminders_[b.unit];
              Add(day, "reminder: " + std::to_string(b.working_days_left) + " working day(s) left", Item(b.task, b.unit));
            } else if constexpr (std::is_same_v<T, schemas::DeadlineMissed>) {
              Add(day, "DEADLINE MISSED (overdue)", Item(b.task, b.unit));
            } else if constexpr (std::is_same_v<T, schemas::EscalationRaised>) {
              max_level_[b.unit] = std::max(max_level_[b.unit], b.level);
              Add(day, "ESCALATION level " + std::to_string(b.level) + " " + b.step, Item(b.task, b.unit));
            } else if constexpr (std::is_same_v<T, schemas::EscalationCleared>) {
              Add(day, "escalation cleared (" + b.reason + ")", Item(b.task, b.unit));
            } else if constexpr (std::is_same_v<T, schemas::ReportOverdue>) {
              if (b.level == 0)
                Add(day, "progress report overdue (" + b.cycle_id + ")", Item(b.task, b.unit));
              else
                Add(day, "report silence escalated level " + std::to_string(b.level) + " " + b.step + " (" + b.cycle_id + ")",
                    Item(b.task, b.unit));
            } else if constexpr (std::is_same_v<T, schemas::AcceptanceOverdue>) {
              Add(day, "not signed within the acceptance limit (签收超时)", Item(b.task, b.unit));
            } else if constexpr (std::is_same_v<T, schemas::ReviewOverdue>) {
              Add(day, "submission not reviewed within the review limit (审核超时)", Item(b.task, b.unit));
            } else if constexpr (std::is_same_v<T, schemas::ReviewCycleStarted>) {
              Add(day, "review cycle " + b.cycle_id + " (" + b.kind + ") started, reports due " + b.due_on, "");
            } else if constexpr (std::is_same_v<T, schemas::ReviewCycleClosed>) {
              Add(day, "review cycle " + b.cycle_id + " closed: answered " + std::to_string(b.answered) + " (late " +
                           std::to_string(b.late) + "), silent " + std::to_string(b.silent), "");
            } else if constexpr (std::is_same_v<T, schemas::AssignmentReopened>) {
              Add(day, "REOPENED by the look-back, due " + b.due_on + ": " + b.reason, Item(b.task, b.unit));
            } else if constexpr (std::is_same_v<T, schemas::ExtensionGranted>) {
              Add(day, "extension granted", Item(b.task, b.unit));
            } else if constexpr (std::is_same_v<T, schemas::CompletionApproved>) {
              Add(day, "closed out (销号)", Item(b.task, b.unit));
            } else if constexpr (std::is_same_v<T, schemas::CompletionRejected>) {
              Add(day, "submission sent back", Item(b.task, b.unit));
            } else if constexpr (std::is_same_v<T, schemas::AssignmentReturned>) {
              Add(day, "returned by the unit (退回)", Item(b.task, b.unit));
            }
          },
          e.body);
    }
  }

  int CheckReplay() {
    auto before = engine_->ProjectionDigest();
    if (!before.ok()) return Fail(before.status());
    if (Status st = engine_->Rebuild(); !st.ok()) return Fail(st);
    auto after = engine_->ProjectionDigest();
    if (!after.ok()) return Fail(after.status());
    auto verify = engine_->Verify();
    if (!verify.ok()) return Fail(verify.status());
    auto again = engine_->Tick(last_tick_, "clock");
    if (!again.ok()) return Fail(again.status());
    size_t n = 0;
    for (const auto& o : *again) n += o.events.size();
    digest_ = *before;
    rebuilt_identical_ = *before == *after;
    verify_ok_ = verify->ok();
    second_tick_events_ = n;
    events_ = engine_->LogEnd() - 1;
    return kExitOk;
  }

  struct Standing {
    int assignments = 0, completed = 0, open = 0, overdue = 0, level = 0, max_level = 0, reminders = 0;
    int answered = 0, late = 0, silent = 0;
  };

  std::map<std::string, Standing> Standings() {
    std::map<std::string, Standing> out;
    auto plan = engine_->Plan(plan_id_);
    if (!plan.ok()) return out;
    for (const auto& [k, a] : plan->assignments) {
      if (a.status == AssignmentStatus::kCancelled) continue;
      auto& s = out[k.second];
      ++s.assignments;
      if (a.status == AssignmentStatus::kCompleted) ++s.completed;
      if (core::IsOpen(a.status)) ++s.open;
      if (core::IsOpen(a.status) && a.overdue) ++s.overdue;
      s.level = std::max(s.level, a.escalation_level);
    }
    for (const auto& [id, c] : plan->cycles)
      for (const auto& k : c.requested) {
        auto& s = out[k.second];
        if (!c.answered.count(k)) ++s.silent;
        else if (c.late.count(k)) ++s.late;
        else ++s.answered;
      }
    for (auto& [unit, s] : out) {
      s.reminders = reminders_.count(unit) ? reminders_[unit] : 0;
      s.max_level = max_level_.count(unit) ? max_level_[unit] : 0;
    }
    return out;
  }

  void Print() {
    const auto standings = Standings();
    if (g_.json) {
      json j;
      j["plan_id"] = plan_id_;
      j["title"] = title_;
      j["year"] = year_;
      j["calendar"] = policy_->latest_calendar().version();
      json tl = json::array();
      for (const auto& e : all_events_) tl.push_back(json::parse(schemas::EventToJson(e)));
      j["events"] = tl;
      json st = json::object();
      for (const auto& [unit, s] : standings)
        st[unit] = {{"assignments", s.assignments}, {"completed", s.completed}, {"open", s.open},
                    {"overdue", s.overdue}, {"escalation_level", s.level}, {"max_escalation_level", s.max_level},
                    {"reminders", s.reminders}, {"reports_on_time", s.answered}, {"reports_late", s.late},
                    {"reports_missing", s.silent}};
      j["standing"] = st;
      j["replay"] = {{"events", events_}, {"projection_digest", digest_}, {"rebuild_identical", rebuilt_identical_},
                     {"verify_ok", verify_ok_}, {"second_tick_events", second_tick_events_}};
      std::cout << j.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
      return;
    }
    std::printf("== duban simulate: %s\n", title_.c_str());
    std::printf("   plan %s, year %d, store %s\n", plan_id_.c_str(), year_, o_.data_dir.c_str());
    const auto& def = policy_->definition();
    std::string ladder, reminders;
    for (int n : def.reminder_working_days_before) reminders += (reminders.empty() ? "" : "/") + std::to_string(n);
    for (const auto& s : def.escalation)
      ladder += (ladder.empty() ? "" : " -> ") + s.name + "(+" + std::to_string(s.delay_working_days) + ")";
    std::printf("   rules: reminders %s working days before; missed on the next working day; ladder %s\n",
                reminders.c_str(), ladder.c_str());
    std::printf("   calendar %s; script by unit: %d on time, %d late, %d extended, %d sent back once, %d silent, %d returned\n\n",
                policy_->latest_calendar().version().c_str(), groups_[Group::kOnTime], groups_[Group::kLate],
                groups_[Group::kExtended], groups_[Group::kSentBack], groups_[Group::kSilent], groups_[Group::kReturned]);
    if (o_.print_timeline) PrintTimeline();
    std::printf("\nFinal standing per unit\n");
    std::printf("  %s %5s %5s %5s %7s %5s %5s %9s %14s\n", Pad("unit", 30).c_str(), "tasks", "done", "open", "overdue",
                "level", "peak", "reminders", "reports ok/late/none");
    for (const auto& [unit, s] : standings) {
      char reports[40];
      std::snprintf(reports, sizeof reports, "%d/%d/%d", s.answered, s.late, s.silent);
      std::printf("  %s %5d %5d %5d %7d %5d %5d %9d %14s\n", Pad(unit, 30).c_str(), s.assignments, s.completed, s.open,
                  s.overdue, s.level, s.max_level, s.reminders, reports);
    }
    std::printf("\nReplay: %llu events; rebuild from the log gives %s projections (digest %s), verify %s, "
                "a second tick at %s fires %zu new event(s)\n",
                static_cast<unsigned long long>(events_), rebuilt_identical_ ? "identical" : "DIFFERENT",
                digest_.substr(0, 16).c_str(), verify_ok_ ? "ok" : "FAILED", DayOf(last_tick_).ToString().c_str(),
                second_tick_events_);
    if (script_rejected_) std::printf("(%d scripted command(s) were refused by the engine)\n", script_rejected_);
  }

  void PrintTimeline() {
    std::printf("Timeline (reminders and escalations fired by the clock; the office's and units' steps)\n");
    if (o_.detail) {
      for (const auto& e : all_events_)
        std::printf("  %s  %s\n", DayOf(e.occurred_at).ToString().c_str(), EventLine(e).c_str());
      return;
    }
    // One line per day and kind; the assignments named when few.
    std::vector<std::pair<std::pair<Date, std::string>, std::vector<std::string>>> lines;
    std::map<std::pair<Date, std::string>, size_t> index;
    for (const auto& t : timeline_) {
      auto key = std::make_pair(t.day, t.label);
      auto it = index.find(key);
      if (it == index.end()) {
        it = index.emplace(key, lines.size()).first;
        lines.push_back({key, {}});
      }
      if (!t.item.empty()) lines[it->second].second.push_back(t.item);
    }
    std::stable_sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) { return a.first.first < b.first.first; });
    size_t printed = 0;
    for (const auto& [key, items] : lines) {
      if (o_.max_lines && printed == o_.max_lines) {
        std::printf("  ... %zu more line(s): run `duban simulate` for the whole year\n", lines.size() - printed);
        break;
      }
      std::string names;
      if (items.size() == 1 || (!items.empty() && key.second.find("reminder") == std::string::npos)) {
        for (size_t i = 0; i < items.size() && i < 4; ++i) names += (i ? ", " : "") + items[i];
        if (items.size() > 4) names += ", …";
      }
      if (items.empty())
        std::printf("  %s  %s\n", key.first.ToString().c_str(), key.second.c_str());
      else
        std::printf("  %s  %s: %zu%s%s\n", key.first.ToString().c_str(), key.second.c_str(), items.size(),
                    names.empty() ? "" : " — ", names.c_str());
      ++printed;
    }
  }

  Globals& g_;
  const SimulateOptions& o_;
  std::unique_ptr<Engine> engine_;
  std::shared_ptr<WorkflowTimerPolicy> policy_;
  std::string plan_id_, title_;
  int year_ = 2021;
  Date import_day_{2021, 3, 1};
  core::PlanState plan0_;
  std::vector<Step> steps_;
  std::vector<std::string> cycle_ids_;
  std::pair<int32_t, std::string> reopen_{0, ""};
  std::map<Group, int> groups_;
  uint64_t commands_ = 0;
  int script_rejected_ = 0;
  std::vector<TimelineEntry> timeline_;
  std::vector<schemas::Event> all_events_;
  std::map<std::string, int> reminders_, max_level_;
  Instant last_tick_ = 0;
  std::string digest_;
  bool rebuilt_identical_ = false, verify_ok_ = false;
  size_t second_tick_events_ = 0;
  uint64_t events_ = 0;
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

DUBAN_REGISTER_COMMANDS(45, &duban::cli::AddCycle);
DUBAN_REGISTER_COMMANDS(46, &duban::cli::AddSimulate);
