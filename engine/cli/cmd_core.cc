// Core commands: the assignment lifecycle (assign ... approve), queries
// (status, history, as-of, log), timers (tick) and maintenance (rebuild, verify).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <set>

#include "cli_common.h"
#include "duban/core/workflow_timer_policy.h"
#include "duban/salvage.h"
#include "duban/terminal_text.h"
#include "duban/utf8.h"
#include "duban/plan_import/unit_directory.h"
#include "duban/schemas/codec.h"

namespace duban::cli {
namespace {

using schemas::Role;
using nlohmann::json;

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
    sub->add_option("--unit", w.unit, "the unit holding the assignment (its name, or an alias the unit directory lists)")->required();
  }
  sub->add_option("--command-id", w.command_id, "idempotency key (default: generated)");
  sub->add_option("--at", w.at,
                  "when it happened, YYYY-MM-DD[THH:MM] in CST (default: now); more than a few minutes from "
                  "now only for the office, with --back-entry (a simulated store: the simulated clock)");
  sub->add_option("--back-entry", w.back_entry,
                  "the office enters a paper record late: why (e.g. the document it copies); required with an "
                  "earlier --at, and lets the office record a unit's act on its behalf");
}

// A unit named by an alias the unit directories know (市卫健局 for
// 市卫生健康局) is the plan's unit of that canonical name. Only at this edge:
// decide itself takes the plan's names exactly.
std::string CanonicalUnit(const core::PlanState& plan, const std::string& unit) {
  if (unit.empty() || plan.units.count(unit)) return unit;
  for (const auto& dir : plan_import::UnitDirectory::Embedded())
    if (auto c = dir.Canonical(unit); c && plan.units.count(*c)) return *c;
  return unit;
}

const char* kOffice = "office";

void Run(Globals& g, const WriteOpts& w, Role role, const std::string& default_actor,
         schemas::CommandBody body) {
  // A back-entry is the office's: a unit's act entered from paper is still
  // made by the office, on the unit's behalf (the event names the office).
  if (!w.back_entry.empty() && g.role.empty()) role = Role::kSupervisor;
  auto cmd = MakeCommand(g, w.plan, role, role == Role::kSupervisor ? kOffice : default_actor, w.command_id,
                         w.at, std::move(body), w.back_entry);
  if (!cmd) return;
  std::shared_ptr<CliClock> clock;
  auto engine = OpenEngine(g, false, &clock);
  if (!engine) return;
  UseStoreClock(*engine, *clock, *cmd);
  if (auto plan = engine->Plan(w.plan); plan.ok()) {
    auto resolve = [&](std::string& unit) {
      const std::string c = CanonicalUnit(*plan, unit);
      if (c == unit) return;
      std::cerr << "note: " << unit << " is " << c << " in the unit directory\n";
      if (cmd->actor.id == unit) cmd->actor.id = cmd->actor.name = c;
      unit = c;
    };
    std::visit([&](auto& b) {
      if constexpr (requires { b.unit; }) resolve(b.unit);
      if constexpr (requires { b.from_unit; }) resolve(b.from_unit);
      if constexpr (requires { b.to_unit; }) resolve(b.to_unit);
    }, cmd->body);
  }
  PrintOutcome(g, engine->Submit(*cmd));
}

using Provisional = std::map<AssignmentKey, ProvisionalTimer>;

const ProvisionalTimer* FindProvisional(const Provisional& p, const AssignmentRow& r) {
  auto it = p.find(AssignmentKey{r.plan_id, r.task, r.a.unit});
  return it == p.end() ? nullptr : &it->second;
}

json RowJson(const AssignmentRow& r, const ProvisionalTimer* prov) {
  return json{{"plan", r.plan_id},
              {"task", r.task},
              {"title", r.task_title},
              {"unit", r.a.unit},
              {"role", schemas::AssignmentRoleName(r.a.role)},
              {"status", core::StatusName(r.a.status)},
              {"percent", r.a.percent},
              {"due_on", r.a.due_on.empty() ? json(nullptr) : json(r.a.due_on)},
              {"deadline_text", r.deadline_text},
              {"overdue", r.a.overdue},
              {"escalation_level", r.a.escalation_level},
              {"acceptance_overdue", r.a.acceptance_overdue},
              {"review_overdue", r.a.review_overdue},
              {"pending_extension", r.a.pending_extension},
              {"provisional", prov != nullptr},
              {"provisional_calendar", prov ? json(prov->calendar_version) : json(nullptr)},
              {"updated_at", FormatInstant(r.a.updated_at)}};
}

std::string Cut(const std::string& s, size_t max_chars) {
  std::string head = utf8::Prefix(s, max_chars);
  return head.size() == s.size() ? s : head + "…";
}

// `provisional`: open deadlines whose armed timers were counted provisionally
// (null for past states, e.g. as-of, where it is not known).
void PrintRows(Globals& g, const std::vector<AssignmentRow>& rows, const Provisional* provisional = nullptr) {
  static const Provisional kNone;
  const Provisional& prov = provisional ? *provisional : kNone;
  if (g.json) {
    json a = json::array();
    for (const auto& r : rows) a.push_back(RowJson(r, FindProvisional(prov, r)));
    std::cout << a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return;
  }
  std::printf("%-16s %5s  %-24s %-11s %-12s %4s  %-10s %s\n", "plan", "task", "unit", "role", "status",
              "%", "due", "flags");
  for (const auto& r : rows) {
    std::string flags;
    if (r.a.overdue) flags += "overdue ";
    if (r.a.acceptance_overdue) flags += "unsigned-past-limit ";
    if (r.a.review_overdue) flags += "review-past-limit ";
    if (r.a.escalation_level) flags += "escalation:" + std::to_string(r.a.escalation_level) + " ";
    if (!r.a.pending_extension.empty()) flags += "extension?" + r.a.pending_extension + " ";
    if (const auto* p = FindProvisional(prov, r)) flags += "provisional(" + p->kind + " " + p->fire_on + ")";
    const std::string unit = ForTerminal(Cut(r.a.unit, 12));
    const int pad = std::max(0, 24 - static_cast<int>(utf8::DisplayWidth(unit)));
    std::printf("%-16s %5d  %s%*s %-11s %-12s %4d  %-10s %s\n", ForTerminal(r.plan_id).c_str(), r.task, unit.c_str(), pad, "",
                schemas::AssignmentRoleName(r.a.role),
                core::StatusName(r.a.status), r.a.percent, r.a.due_on.empty() ? "-" : r.a.due_on.c_str(),
                flags.c_str());
  }
  std::printf("%zu assignment(s)\n", rows.size());
  size_t n = 0;
  for (const auto& r : rows) n += FindProvisional(prov, r) != nullptr;
  if (n)
    std::printf("%zu with provisional timers: their year has no published holiday schedule yet; days counted "
                "as weekdays minus 元旦, 劳动节, 国庆节 (see `duban calendar status`)\n", n);
}

// "  [back-entry, recorded 2026-12-01 10:02: REASON]" for a record the
// office entered after the fact, "" otherwise.
std::string BackEntryNote(const schemas::Event& e) {
  if (!schemas::IsBackEntry(e)) return "";
  return "  [back-entry, recorded " + FormatInstant(e.recorded_at).substr(0, 16) + ": " +
         Cut(e.back_entry_reason, 60) + "]";
}

void AddLifecycle(CLI::App& app, Globals& g) {
  {
    auto* sub = app.add_subcommand("assign", "assign a task to a unit (supervisor)");
    auto w = std::make_shared<WriteOpts>();
    auto role = std::make_shared<std::string>("responsible");
    AddWriteOptions(sub, *w);
    sub->add_option("--as", *role, "lead | responsible")->check(CLI::IsMember({"lead", "responsible"}));
    sub->callback([&g, w, role] {
      Run(g, *w, Role::kSupervisor, kOffice,
          schemas::Assign{w->task, w->unit,
                          *role == "lead" ? schemas::AssignmentRole::kLead : schemas::AssignmentRole::kResponsible});
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
    auto* sub = app.add_subcommand("reassign", "move an assignment to another unit (supervisor)");
    auto w = std::make_shared<WriteOpts>();
    auto to = std::make_shared<std::string>();
    auto reason = std::make_shared<std::string>();
    AddWriteOptions(sub, *w);
    sub->add_option("--to", *to, "the new unit")->required();
    sub->add_option("--reason", *reason, "why");
    sub->callback([&g, w, to, reason] {
      Run(g, *w, Role::kSupervisor, kOffice, schemas::Reassign{w->task, w->unit, *to, *reason});
    });
  }
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
  {
    auto* sub = app.add_subcommand("approve", "approve a submission and close it out (销号) (supervisor)");
    auto w = std::make_shared<WriteOpts>();
    auto comment = std::make_shared<std::string>();
    AddWriteOptions(sub, *w);
    sub->add_option("--comment", *comment, "review comment");
    sub->callback([&g, w, comment] {
      Run(g, *w, Role::kSupervisor, kOffice, schemas::Approve{w->task, w->unit, *comment});
    });
  }
  {
    auto* sub = app.add_subcommand("reject", "send a submission back to work with a reason (supervisor)");
    auto w = std::make_shared<WriteOpts>();
    auto reason = std::make_shared<std::string>();
    AddWriteOptions(sub, *w);
    sub->add_option("--reason", *reason, "why")->required();
    sub->callback([&g, w, reason] {
      Run(g, *w, Role::kSupervisor, kOffice, schemas::Reject{w->task, w->unit, *reason});
    });
  }
  {
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
    auto* grant = ext->add_subcommand("grant", "the office grants (optionally another date)");
    AddWriteOptions(grant, *w);
    grant->add_option("--until", *date, "due date granted (default: as requested)");
    grant->callback([&g, w, date] {
      Run(g, *w, Role::kSupervisor, kOffice, schemas::GrantExtension{w->task, w->unit, *date});
    });
    auto* deny = ext->add_subcommand("deny", "the office refuses");
    AddWriteOptions(deny, *w);
    deny->add_option("--reason", *reason, "why")->required();
    deny->callback([&g, w, reason] {
      Run(g, *w, Role::kSupervisor, kOffice, schemas::DenyExtension{w->task, w->unit, *reason});
    });
  }
  {
    auto* sub = app.add_subcommand("cancel", "cancel a task with a reason (supervisor)");
    auto w = std::make_shared<WriteOpts>();
    auto reason = std::make_shared<std::string>();
    AddWriteOptions(sub, *w, false);
    sub->add_option("task", w->task, "task number")->required();
    sub->add_option("--reason", *reason, "why")->required();
    sub->callback([&g, w, reason] {
      Run(g, *w, Role::kSupervisor, kOffice, schemas::CancelTask{w->task, *reason});
    });
  }
}

void AddQueries(CLI::App& app, Globals& g) {
  {
    auto* sub = app.add_subcommand("status", "assignments by plan, unit and status (current state)");
    auto f = std::make_shared<StatusFilter>();
    auto status = std::make_shared<std::string>();
    sub->add_option("--plan", f->plan_id, "only this plan (an unknown plan exits 1)");
    sub->add_option("--unit", f->unit, "only this unit, or an alias of it (a unit holding nothing exits 1)");
    sub->add_option("--status", *status,
                    "assigned | accepted | in_progress | submitted | completed | returned | cancelled");
    sub->add_flag("--overdue", f->overdue_only, "only overdue assignments");
    sub->callback([&g, f, status] {
      if (!status->empty()) {
        f->status = core::ParseStatus(*status);
        if (!f->status) {
          std::cerr << "duban: unknown status '" << *status << "'\n";
          g.exit_code = kExitUsage;
          return;
        }
      }
      auto engine = OpenEngine(g, true);
      if (!engine) return;
      if (!f->plan_id.empty()) {
        auto plan = engine->Plan(f->plan_id);
        if (!plan.ok()) return Fail(g, plan.status());
        f->unit = CanonicalUnit(*plan, f->unit);
      }
      auto rows = engine->Assignments(*f);
      if (!rows.ok()) return Fail(g, rows.status());
      if (!f->unit.empty() && rows->empty()) {
        // An empty answer for a unit no plan knows reads as "nothing late":
        // say it is unknown instead (an alias resolves to its unit).
        StatusFilter any;
        any.unit = f->unit;
        auto held = engine->Assignments(any);
        if (!held.ok()) return Fail(g, held.status());
        if (held->empty()) {
          auto ids = engine->PlanIds();
          if (!ids.ok()) return Fail(g, ids.status());
          std::string canonical;
          for (const auto& id : *ids)
            if (auto p = engine->Plan(id); p.ok() && canonical.empty()) {
              const std::string c = CanonicalUnit(*p, f->unit);
              if (c != f->unit) canonical = c;
            }
          if (!canonical.empty()) {
            std::cerr << "note: " << f->unit << " is " << canonical << " in the unit directory\n";
            f->unit = canonical;
            rows = engine->Assignments(*f);
            if (!rows.ok()) return Fail(g, rows.status());
          } else {
            return Fail(g, Status::NotFound("no assignment of any plan is held by unit '" + f->unit + "'"));
          }
        }
      }
      auto prov = ProvisionalDeadlines(*engine);
      if (!prov.ok()) return Fail(g, prov.status());
      PrintRows(g, *rows, &*prov);
    });
  }
  {
    auto* sub = app.add_subcommand("history", "audit trail of a task: time, actor, event, details");
    auto plan = std::make_shared<std::string>();
    auto task = std::make_shared<int>(0);
    sub->add_option("--plan", *plan, "plan id")->required();
    sub->add_option("task", *task, "task number (0: plan-level events)")->required();
    sub->callback([&g, plan, task] {
      auto engine = OpenEngine(g, true);
      if (!engine) return;
      auto h = engine->History(*plan, *task);
      if (!h.ok()) return Fail(g, h.status());
      if (h->empty()) {
        std::cerr << "duban: no history for task " << *task << " of plan " << ForTerminal(*plan) << "\n";
        g.exit_code = kExitRejected;
        return;
      }
      if (g.json) {
        json a = json::array();
        for (const auto& e : *h) a.push_back(json::parse(schemas::EventToJson(e.event)));
        std::cout << a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        return;
      }
      // The time shown is the effective one; a record entered later says so.
      for (const auto& e : *h)
        std::printf("%s  %-20s %-10s %s%s\n", FormatInstant(e.event.occurred_at).substr(0, 16).c_str(),
                    ForTerminal(e.event.actor.id).c_str(), schemas::RoleName(e.event.actor.role),
                    EventLine(e.event).c_str(), ForTerminal(BackEntryNote(e.event)).c_str());
    });
  }
  {
    auto* sub = app.add_subcommand("as-of", "the state of a plan (or one task) at a past moment");
    auto plan = std::make_shared<std::string>();
    auto when = std::make_shared<std::string>();
    auto task = std::make_shared<int>(0);
    auto recorded = std::make_shared<bool>(false);
    sub->add_option("date", *when, "YYYY-MM-DD (end of that day) or YYYY-MM-DDTHH:MM")->required();
    sub->add_option("--plan", *plan, "plan id")->required();
    sub->add_option("--task", *task, "only this task");
    sub->add_flag("--as-recorded", *recorded,
                  "the record as it stood then (events recorded by that time); default: what is now known of "
                  "that moment, records the office entered later (back-entries) included");
    sub->callback([&g, plan, when, task, recorded] {
      auto t = ParseInstant(*when);
      if (!t) {
        std::cerr << "duban: '" << *when << "' is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM)\n";
        g.exit_code = kExitUsage;
        return;
      }
      Instant at = *t;
      if (when->size() == 10) at += 86'400'000 - 1;  // a bare date means the end of that day
      auto engine = OpenEngine(g, true);
      if (!engine) return;
      auto s = engine->PlanAsOf(*plan, at, *recorded ? Engine::AsOf::kRecorded : Engine::AsOf::kEffective);
      if (!s.ok()) return Fail(g, s.status());
      std::vector<AssignmentRow> rows;
      for (const auto& [k, a] : s->assignments) {
        if (*task && k.first != *task) continue;
        AssignmentRow r;
        r.plan_id = *plan;
        r.task = k.first;
        r.a = a;
        auto ti = s->tasks.find(k.first);
        if (ti != s->tasks.end()) {
          r.task_title = ti->second.title;
          r.deadline_text = ti->second.deadline.text;
        }
        rows.push_back(std::move(r));
      }
      // Records the office entered later with an effective time in this
      // view: the view shows what is now known of that moment, and says
      // which parts of it were not on record then.
      // One line per back-entered command (an import entered late is many events).
      std::vector<std::string> late;
      std::map<std::string, std::pair<size_t, size_t>> late_lines;  // command id -> (line, events)
      json late_json = json::object();  // "task\x1funit" -> that assignment's back-entries
      std::set<std::string> entered_after;  // command ids of those entered after `at`
      std::set<int32_t> tasks{0};
      for (const auto& [number, t] : s->tasks) tasks.insert(number);
      for (int32_t number : tasks) {
        if (*task && number != *task) continue;
        auto h = engine->History(*plan, number);
        if (!h.ok()) return Fail(g, h.status());
        for (const auto& e : *h) {
          if (!schemas::IsBackEntry(e.event) || e.event.occurred_at > at) continue;
          if (e.event.recorded_at > at) entered_after.insert(e.event.command_id);
          if (*recorded && e.event.recorded_at > at) continue;  // not on record then
          auto [it, first] = late_lines.try_emplace(e.event.command_id, late.size(), 0);
          ++it->second.second;
          if (first)
            late.push_back(FormatInstant(e.event.occurred_at).substr(0, 16) + "  " + EventLine(e.event) +
                           ForTerminal(BackEntryNote(e.event)));
          late_json[std::to_string(number) + "\x1f" + schemas::UnitOf(e.event.body)].push_back(
              {{"type", schemas::EventTypeName(e.event.type)},
               {"occurred_at", FormatInstant(e.event.occurred_at)},
               {"recorded_at", FormatInstant(e.event.recorded_at)},
               {"back_entry_reason", e.event.back_entry_reason}});
        }
      }
      if (g.json) {  // the rows as `status --json`, each with the back-entries of its assignment
        json a = json::array();
        for (const auto& r : rows) {
          json row = RowJson(r, nullptr);
          const std::string key = std::to_string(r.task) + "\x1f" + r.a.unit;
          row["back_entries"] = late_json.contains(key) ? late_json[key] : json::array();
          a.push_back(std::move(row));
        }
        std::cout << a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        return;
      }
      std::printf("plan %s as of %s%s: version %llu, %zu task(s)\n", ForTerminal(*plan).c_str(), FormatInstant(at).c_str(),
                  *recorded ? " (as recorded then)" : "", static_cast<unsigned long long>(s->version),
                  s->tasks.size());
      PrintRows(g, rows);
      if (!late.empty()) {
        std::printf("%zu record(s) in this view were entered later by the office (back-entries):\n",
                    late.size());
        for (const auto& [id, where] : late_lines)
          if (where.second > 1) late[where.first] += " (and " + std::to_string(where.second - 1) + " more event(s) of it)";
        for (const auto& l : late) std::printf("  %s\n", l.c_str());
      }
      if (!*recorded && !entered_after.empty())
        std::printf("%zu of them were entered after %s: the record then did not show them "
                    "(as-of --as-recorded shows it as it stood)\n",
                    entered_after.size(), FormatInstant(at).substr(0, 16).c_str());
    });
  }
  {
    auto* sub = app.add_subcommand("log", "the event log in order (for auditors and tools)");
    auto from = std::make_shared<uint64_t>(1);
    auto limit = std::make_shared<uint64_t>(UINT64_MAX);
    sub->add_option("--from", *from, "first log position");
    sub->add_option("--limit", *limit, "at most this many events");
    sub->callback([&g, from, limit] {
      auto engine = OpenEngine(g, true);
      if (!engine) return;
      uint64_t n = 0;
      Status st = engine->ScanLog(*from, [&](uint64_t pos, const schemas::Event& e) {
        if (g.json) std::cout << schemas::EventToJson(e) << "\n";
        else
          std::printf("%8llu  %s  %-18s %s %s\n", static_cast<unsigned long long>(pos),
                      FormatInstant(e.occurred_at).substr(0, 16).c_str(), ForTerminal(e.stream).c_str(),
                      ForTerminal(e.actor.id).c_str(), EventLine(e).c_str());
        return ++n < *limit;
      });
      if (!st.ok()) Fail(g, st);
    });
  }
  {
    auto* sub = app.add_subcommand("plans", "the plans in the store");
    sub->callback([&g] {
      auto engine = OpenEngine(g, true);
      if (!engine) return;
      auto ids = engine->PlanIds();
      if (!ids.ok()) return Fail(g, ids.status());
      json a = json::array();
      for (const auto& id : *ids) {
        auto p = engine->Plan(id);
        if (!p.ok()) return Fail(g, p.status());
        if (g.json)
          a.push_back({{"id", id}, {"title", p->meta.title}, {"year", p->meta.year},
                       {"tasks", p->tasks.size()}, {"assignments", p->assignments.size()},
                       {"version", p->version}, {"withdrawn", p->withdrawn}});
        else
          std::printf("%-20s %4d  %3zu tasks  %4zu assignments  %s\n", ForTerminal(id).c_str(), p->meta.year,
                      p->tasks.size(), p->assignments.size(), ForTerminal(p->meta.title).c_str());
      }
      if (g.json) std::cout << a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    });
  }
}

void AddMaintenance(CLI::App& app, Globals& g) {
  {
    auto* sub = app.add_subcommand("init", "create an empty store (--simulated: one a simulated clock may drive)");
    auto simulated = std::make_shared<bool>(false);
    sub->add_flag("--simulated", *simulated,
                  "mark it simulated: `tick --now` may go into the future and the office may tick; "
                  "refused on a store that holds plans");
    sub->callback([&g, simulated] {
      auto engine = OpenEngine(g);
      if (!engine) return;
      if (*simulated && !MarkSimulated(g, *engine, "init")) return;
      std::printf("store %s: %s\n", g.data_dir.c_str(), IsSimulatedStore(*engine) ? "simulated" : "real (the engine's clock)");
      g.exit_code = kExitOk;
    });
  }
  {
    auto* sub = app.add_subcommand("tick", "fire every timer due at or before --now (system clock)");
    auto now = std::make_shared<std::string>();
    sub->add_option("--now", *now,
                    "YYYY-MM-DD[THH:MM] (default: the current time); a later time only in a simulated store");
    sub->callback([&g, now] {
      auto t = IssuedAt(g, *now);
      if (!t) return;
      std::shared_ptr<CliClock> clock;
      auto engine = OpenEngine(g, false, &clock);
      if (!engine) return;
      // Only the engine's clock moves time. In a store marked simulated
      // (demo, simulate) the office may drive it too, to any date.
      const bool simulated = IsSimulatedStore(*engine);
      auto role = g.role.empty() ? std::optional<schemas::Role>(Role::kSystem) : schemas::ParseRole(g.role);
      if (!role || (*role != Role::kSystem && !(simulated && *role == Role::kSupervisor))) {
        std::cerr << "rejected (forbidden_role): only the engine's clock may tick"
                  << (simulated ? " (or the office, in this simulated store)" : "") << "; "
                  << (g.role.empty() ? "" : "role " + g.role + " may not") << "\n";
        g.exit_code = kExitRejected;
        return;
      }
      const Instant wall = *IssuedAt(g, "");
      if (!simulated && *t > wall + CliTimeRules(g).max_skew_ms) {
        std::cerr << "rejected (clock_ahead): --now " << FormatInstant(*t) << " is later than the engine's clock ("
                  << FormatInstant(wall) << "); only a store made by `duban simulate` or `duban demo` may be ticked "
                  << "into the future\n";
        g.exit_code = kExitRejected;
        return;
      }
      // In a simulated store --now is the clock the fired events are recorded at.
      if (simulated) clock->Set(*t);
      TickReport report;
      auto outcomes = engine->Tick(*t, "clock", &report);
      if (!outcomes.ok()) return Fail(g, outcomes.status());
      size_t events = 0, provisional = 0;
      std::string provisional_calendar;
      json a = json::array();
      for (const auto& o : *outcomes)
        for (const auto& e : o.events) {
          ++events;
          std::visit([&](const auto& b) {
            if constexpr (requires { b.provisional; })
              if (b.provisional) {
                ++provisional;
                provisional_calendar = b.calendar_version;
              }
          }, e.body);
          if (g.json) a.push_back(json::parse(schemas::EventToJson(e)));
          else std::printf("%s  %-18s %s\n", FormatInstant(e.occurred_at).substr(0, 10).c_str(),
                           ForTerminal(e.stream).c_str(), EventLine(e).c_str());
        }
      if (g.json) std::cout << a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      else std::printf("%zu timer(s) fired, %zu event(s)\n", outcomes->size(), events);
      if (provisional)
        std::cerr << "warning: " << provisional << " event(s) fell on days counted provisionally (calendar "
                  << provisional_calendar << "): their year has no published holiday schedule yet "
                  << "(see `duban calendar status`)\n";
      if (report.more_due)
        std::cerr << "warning: timers are still due after " << report.rounds
                  << " rounds; run tick again to fire the rest\n";
    });
  }
  {
    auto* sub = app.add_subcommand("rebuild", "drop every projection and replay the log into them (refused when the log fails its hash chains or signed checkpoints)");
    sub->callback([&g] {
      auto engine = OpenEngine(g);
      if (!engine) return;
      if (Status st = engine->Rebuild(); !st.ok()) return Fail(g, st);
      auto digest = engine->ProjectionDigest();
      if (!digest.ok()) return Fail(g, digest.status());
      if (g.json)
        std::cout << json{{"events", engine->LogEnd() - 1}, {"projection_digest", *digest}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      else
        std::printf("rebuilt projections from %llu event(s); digest %s\n",
                    static_cast<unsigned long long>(engine->LogEnd() - 1), digest->c_str());
    });
  }
  {
    auto* sub = app.add_subcommand("verify", "check hash chains, signed checkpoints, and that projections equal a rebuild");
    static std::vector<std::string> anchor_files;
    sub->add_option("--anchors", anchor_files,
                    "an anchor file exported earlier (`duban anchor export`); its key is then the only one trusted")
        ->check(CLI::ExistingFile);
    sub->callback([&g] {
      std::vector<anchor::Checkpoint> anchors;
      for (const auto& f : anchor_files) {
        auto cp = ReadAnchorFile(f);
        if (!cp.ok()) return Fail(g, cp.status());
        anchors.push_back(std::move(cp).value());
      }
      auto engine = OpenEngine(g, true);
      if (!engine) return;
      auto r = engine->Verify(anchors);
      if (!r.ok()) return Fail(g, r.status());
      if (g.json) {
        std::cout << json{{"ok", r->ok()}, {"events", r->events}, {"streams", r->streams},
                          {"projection_keys", r->projection_keys}, {"problems", r->problems}}
                         .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                  << "\n";
      } else {
        std::printf("events: %llu in %llu stream(s); projection keys compared: %llu\n",
                    static_cast<unsigned long long>(r->events), static_cast<unsigned long long>(r->streams),
                    static_cast<unsigned long long>(r->projection_keys));
        for (const auto& p : r->problems) std::printf("PROBLEM: %s\n", ForTerminal(p).c_str());
        if (r->ok() && !anchors.empty())
          std::printf("anchors: %zu checked; the log matches each one and every event after them is signed\n",
                      anchors.size());
        std::printf(r->ok() ? "verify: ok (hash chains intact; projections identical to a rebuild)\n"
                            : "verify: FAILED\n");
      }
      g.exit_code = r->ok() ? kExitOk : kExitRejected;
    });
  }
}

// `duban doctor`: what the data directory holds and whether it is healthy,
// in plain words, with what the operator can do. Changes nothing.
void AddDoctor(CLI::App& app, Globals& g) {
  auto* sub = app.add_subcommand("doctor", "say what the data directory holds and whether it is healthy; changes nothing");
  sub->callback([&g] {
    const DataDirReport dir = Engine::InspectDataDir(g.data_dir);
    std::printf("data directory: %s\n", g.data_dir.c_str());
    std::printf("holds: %s (%s)\n", dir.kind.c_str(), dir.detail.c_str());
    g.exit_code = kExitRejected;
    if (dir.kind == "missing" || dir.kind == "empty") {
      std::printf("advice: no store yet; `duban plan import FILE` creates one here\n");
      g.exit_code = kExitOk;
      return;
    }
    if (dir.kind == "foreign") {
      std::printf("advice: this is not a duban store; give --data (or DUBAN_DATA) the store's directory, or an "
                  "empty one for a new store\n");
      return;
    }
    if (dir.kind == "damaged") {
      std::printf("advice: do not run commands that write here. Copy the directory aside first; restore the store "
                  "from a copy made before the damage, or, in Kafka mode, let the engine rebuild it from "
                  "duban.events. Without either, `duban salvage --out NEW_DIR` says what it can keep and what "
                  "is lost, and with --yes writes that to a new store. Nothing here was changed.\n");
      return;
    }
    // Opened as every command opens it: verify rebuilds with the workflow's
    // timer policy, and another policy would name timers as differences.
    auto engine = OpenEngine(g, true);
    if (!engine) {
      std::printf("open: FAILED (the reason is printed above)\n");
      std::printf("advice: if another duban process is writing, run doctor again; otherwise the store is damaged "
                  "and should be restored from a copy (or see what `duban salvage --out NEW_DIR` can keep)\n");
      g.exit_code = kExitRejected;
      return;
    }
    std::printf("open: ok; log end %llu\n", static_cast<unsigned long long>(engine->LogEnd() - 1));
    if (auto cp = engine->LatestCheckpoint(); cp.ok() && cp->has_value())
      std::printf("anchored: the newest signed checkpoint covers position %llu (signed %s, key %s…); writers need "
                  "the key\n",
                  static_cast<unsigned long long>((*cp)->log_end), FormatInstant((*cp)->signed_at).c_str(),
                  (*cp)->public_key.substr(0, 16).c_str());
    else
      std::printf("anchored: no (no signed checkpoint; see `duban anchor` in docs/RUNBOOK.md)\n");
    auto r = engine->Verify();
    if (!r.ok()) {
      std::printf("verify: could not run: %s\n", r.status().ToString().c_str());
      return;
    }
    std::printf("verify: %llu events in %llu stream(s), %llu projection keys compared\n",
                static_cast<unsigned long long>(r->events), static_cast<unsigned long long>(r->streams),
                static_cast<unsigned long long>(r->projection_keys));
    for (const auto& p : r->problems) std::printf("PROBLEM: %s\n", ForTerminal(p).c_str());
    if (r->ok()) {
      std::printf("healthy: hash chains intact, projections identical to a rebuild\n");
      g.exit_code = kExitOk;
    } else {
      std::printf("advice: if only projections differ, `duban rebuild` recomputes them from the log; a broken hash "
                  "chain means the log itself was changed: keep a copy and compare with an anchor or backup\n");
    }
  });
}

// `duban salvage --out DIR [--yes]`: what can be read from a damaged store,
// into a new one; without --yes it only says what it would keep and lose.
void AddSalvage(CLI::App& app, Globals& g) {
  auto* sub = app.add_subcommand(
      "salvage", "read what is whole in a damaged store into a new store; says what is kept and lost first");
  static std::string out;
  static bool yes = false;
  sub->add_option("--out", out, "the new store's directory (must not exist or be empty)")->required();
  sub->add_flag("--yes", yes, "write the new store (without it, nothing is written)");
  sub->callback([&g] {
    auto policy = CliPolicy(g);
    if (!policy) return;
    auto r = Salvage(g.data_dir, out, yes, policy);
    if (!r.ok()) return Fail(g, r.status());
    if (g.json) {
      json j;
      j["store_id"] = r->store_id;
      j["kept"] = r->kept;
      j["recorded_end"] = r->recorded_end;
      j["lost"] = r->lost;
      j["lost_is_lower_bound"] = r->recorded_end_is_lower_bound;
      j["found_after"] = r->found_after;
      j["stopped"] = r->stopped;
      j["repaired_copy"] = r->repaired_copy;
      j["newest_checkpoint"] = r->newest_checkpoint;
      j["notes"] = r->notes;
      j["written"] = r->written;
      std::cout << j.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    } else {
      std::printf("damaged store: %s (store %s)\n", ForTerminal(g.data_dir).c_str(),
                  r->store_id.empty() ? "without an identity" : r->store_id.c_str());
      for (const auto& n : r->notes) std::printf("read: %s\n", ForTerminal(n).c_str());
      std::printf("kept: log positions 1..%llu (%llu event(s), every hash chain intact)\n",
                  static_cast<unsigned long long>(r->kept), static_cast<unsigned long long>(r->kept));
      if (!r->stopped.empty()) std::printf("stopped: %s\n", ForTerminal(r->stopped).c_str());
      if (r->found_after > 0)
        std::printf("not kept: %llu record(s) found past that point (events after a hole in the record)\n",
                    static_cast<unsigned long long>(r->found_after));
      if (r->recorded_end > 0)
        std::printf("recorded log end: %llu%s; lost: %s%llu acknowledged event(s)%s\n",
                    static_cast<unsigned long long>(r->recorded_end),
                    r->recorded_end_is_lower_bound ? " (where the last writer began: it did not close cleanly)" : "",
                    r->recorded_end_is_lower_bound ? "at least " : "", static_cast<unsigned long long>(r->lost),
                    r->lost ? " (in Kafka mode duban.events still holds them)" : "");
      else
        std::printf("recorded log end: unknown (the store kept none); events past position %llu may be lost\n",
                    static_cast<unsigned long long>(r->kept));
      if (r->newest_checkpoint > 0)
        std::printf("signed checkpoints: the newest covered position %llu; they are not copied (sign a new one with "
                    "`duban anchor checkpoint`); exported anchors still verify what was kept%s\n",
                    static_cast<unsigned long long>(r->newest_checkpoint),
                    r->newest_checkpoint > r->kept ? " and show the loss" : "");
      const std::string where = ForTerminal(out);
      if (r->written)
        std::printf("written: a new store in %s with the damaged store's id; the damaged store is untouched. Check "
                    "it (`duban --data %s verify`) before you put it in its place\n",
                    where.c_str(), where.c_str());
      else
        std::printf("nothing was written; run again with --yes to write the new store in %s\n", where.c_str());
    }
    g.exit_code = kExitOk;
  });
}

void AddCoreCommands(CLI::App& app, Globals& g) {
  AddLifecycle(app, g);
  AddQueries(app, g);
  AddMaintenance(app, g);
  AddDoctor(app, g);
  AddSalvage(app, g);
}

}  // namespace
}  // namespace duban::cli

DUBAN_REGISTER_COMMANDS(20, &duban::cli::AddCoreCommands);
