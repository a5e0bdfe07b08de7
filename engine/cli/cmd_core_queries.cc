// Queries: `status` (assignments now), `history` (a task's audit trail),
// `as-of` (a plan at a past moment, back-entries marked), `log` (the event
// log in order), `plans`, `queue` (what waits for the office). Read-only: they open the store for reading.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <set>

#include "cli_common.h"
#include "duban/core/queue.h"
#include "duban/server/row_json.h"
#include "duban/terminal_text.h"
#include "duban/utf8.h"
#include "duban/schemas/codec.h"

namespace duban::cli {
namespace {

using nlohmann::json;

using Provisional = std::map<AssignmentKey, ProvisionalTimer>;

const ProvisionalTimer* FindProvisional(const Provisional& p, const AssignmentRow& r) {
  auto it = p.find(AssignmentKey{r.plan_id, r.task, r.a.unit});
  return it == p.end() ? nullptr : &it->second;
}

// The API's row (duban/server/row_json.h) and whether its open deadline was
// counted provisionally (a year the calendar does not cover yet).
json RowJson(const AssignmentRow& r, const ProvisionalTimer* prov) {
  json row = server::AssignmentRowJson(r);
  row["provisional"] = prov != nullptr;
  row["provisional_calendar"] = prov ? json(prov->calendar_version) : json(nullptr);
  return row;
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
  std::printf("%-16s %5s  %-24s %-11s %-12s %4s  %-10s %s\n", "plan", "task", "unit", "role", "status", "%", "due",
              "flags");
  for (const auto& r : rows) {
    std::string flags;
    // Finished or cancelled work keeps its lateness as a record ("was-"), not as
    // work late now: a unit reassigned away is no longer behind on it.
    const char* was =
        r.a.status == core::AssignmentStatus::kCompleted || r.a.status == core::AssignmentStatus::kCancelled ? "was-"
                                                                                                             : "";
    if (r.a.overdue) flags += was + std::string("overdue ");
    if (r.a.acceptance_overdue) flags += was + std::string("unsigned-past-limit ");
    if (r.a.review_overdue) flags += was + std::string("review-past-limit ");
    if (r.a.escalation_level) flags += was + std::string("escalation:") + std::to_string(r.a.escalation_level) + " ";
    if (!r.a.pending_extension.empty()) flags += "extension?" + r.a.pending_extension + " ";
    if (const auto* p = FindProvisional(prov, r)) flags += "provisional(" + p->kind + " " + p->fire_on + ") ";
    if (!r.a.parent.empty()) flags += "delegated-by:" + ForTerminal(r.a.parent);
    const std::string unit = ForTerminal(Cut(r.a.unit, 12));
    const int pad = std::max(0, 24 - static_cast<int>(utf8::DisplayWidth(unit)));
    std::printf("%-16s %5d  %s%*s %-11s %-12s %4d  %-10s %s\n", ForTerminal(r.plan_id).c_str(), r.task, unit.c_str(),
                pad, "", schemas::AssignmentRoleName(r.a.role), core::StatusName(r.a.status), r.a.percent,
                r.a.due_on.empty() ? "-" : r.a.due_on.c_str(), flags.c_str());
  }
  std::printf("%zu assignment(s)\n", rows.size());
  size_t n = 0;
  for (const auto& r : rows) n += FindProvisional(prov, r) != nullptr;
  if (n)
    std::printf(
        "%zu with provisional timers: their year has no published holiday schedule yet; days counted "
        "as weekdays minus 元旦, 劳动节, 国庆节 (see `duban calendar status`)\n",
        n);
}

// "  [back-entry, recorded 2026-12-01 10:02: REASON]" for a record the
// office entered after the fact, "" otherwise.
std::string BackEntryNote(const schemas::Event& e) {
  // The clock's events carry the moment they fell due; fired by a clock that
  // caught up (the server was down, or `duban tick` ran days later) they are
  // recorded after work entered meanwhile, which the history lists first: say when.
  constexpr Instant kHour = 3'600'000;
  if (e.actor.role == schemas::Role::kSystem && !schemas::IsBackEntry(e) && e.recorded_at - e.occurred_at > kHour)
    return "  [fired late: the clock caught up at " + FormatInstant(e.recorded_at).substr(0, 16) + "]";
  if (!schemas::IsBackEntry(e)) return "";
  return "  [back-entry, recorded " + FormatInstant(e.recorded_at).substr(0, 16) + ": " + Cut(e.back_entry_reason, 60) +
         "]";
}
// An empty answer for a unit no plan knows reads as "nothing late": say it
// is unknown instead (an alias resolves to its unit, and `rows` are read
// again for it). False after printing why.
bool UnitHoldsAssignments(Globals& g, Engine& engine, StatusFilter& f, Result<std::vector<AssignmentRow>>& rows) {
  StatusFilter any;
  any.unit = f.unit;
  auto held = engine.Assignments(any);
  if (!held.ok()) return Fail(g, held.status()), false;
  if (!held->empty()) return true;
  auto ids = engine.PlanIds();
  if (!ids.ok()) return Fail(g, ids.status()), false;
  std::string canonical;
  for (const auto& id : *ids)
    if (auto p = engine.Plan(id); p.ok() && canonical.empty()) {
      const std::string c = CanonicalUnit(*p, f.unit);
      if (c != f.unit) canonical = c;
    }
  if (canonical.empty())
    return Fail(g, Status::NotFound("no assignment of any plan is held by unit '" + f.unit + "'")), false;
  std::cerr << "note: " << f.unit << " is " << canonical << " in the unit directory\n";
  f.unit = canonical;
  rows = engine.Assignments(f);
  if (!rows.ok()) return Fail(g, rows.status()), false;
  return true;
}

// `as-of`: the plan's assignments (of one task, when `task` is not 0) as rows.
std::vector<AssignmentRow> AsOfRows(const std::string& plan, const core::PlanState& s, int task) {
  std::vector<AssignmentRow> rows;
  for (const auto& [k, a] : s.assignments) {
    if (task && k.first != task) continue;
    AssignmentRow r;
    r.plan_id = plan;
    r.task = k.first;
    r.a = a;
    auto ti = s.tasks.find(k.first);
    if (ti != s.tasks.end()) {
      r.task_title = ti->second.title;
      r.deadline_text = ti->second.deadline.text;
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

// Records the office entered later with an effective time in an as-of view:
// the view shows what is now known of that moment, and says which parts of
// it were not on record then. One line per back-entered command (an import
// entered late is many events).
struct BackEntries {
  std::vector<std::string> lines;
  std::map<std::string, std::pair<size_t, size_t>> by_command;  // command id -> (line, events)
  json by_assignment = json::object();                          // "task\x1funit" -> that assignment's back-entries
  std::set<std::string> entered_after;                          // command ids of those entered after `at`
};

Status CollectBackEntries(Engine& engine, const std::string& plan, const core::PlanState& s, int task, Instant at,
                          bool recorded, BackEntries& out) {
  std::set<int32_t> tasks{0};
  for (const auto& [number, t] : s.tasks) tasks.insert(number);
  for (int32_t number : tasks) {
    if (task && number != task) continue;
    auto h = engine.History(plan, number);
    if (!h.ok()) return h.status();
    for (const auto& e : *h) {
      if (!schemas::IsBackEntry(e.event) || e.event.occurred_at > at) continue;
      if (e.event.recorded_at > at) out.entered_after.insert(e.event.command_id);
      if (recorded && e.event.recorded_at > at) continue;  // not on record then
      auto [it, first] = out.by_command.try_emplace(e.event.command_id, out.lines.size(), 0);
      ++it->second.second;
      if (first)
        out.lines.push_back(FormatInstant(e.event.occurred_at).substr(0, 16) + "  " + EventLine(e.event) +
                            ForTerminal(BackEntryNote(e.event)));
      out.by_assignment[std::to_string(number) + "\x1f" + schemas::UnitOf(e.event.body)].push_back(
          {{"type", schemas::EventTypeName(e.event.type)},
           {"occurred_at", FormatInstant(e.event.occurred_at)},
           {"recorded_at", FormatInstant(e.event.recorded_at)},
           {"back_entry_reason", e.event.back_entry_reason}});
    }
  }
  return Status::Ok();
}

// The rows as `status --json`, each with the back-entries of its assignment.
void PrintAsOfJson(const std::vector<AssignmentRow>& rows, const BackEntries& late) {
  json a = json::array();
  for (const auto& r : rows) {
    json row = RowJson(r, nullptr);
    const std::string key = std::to_string(r.task) + "\x1f" + r.a.unit;
    row["back_entries"] = late.by_assignment.contains(key) ? late.by_assignment[key] : json::array();
    a.push_back(std::move(row));
  }
  std::cout << a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

void PrintAsOfText(Globals& g, const std::string& plan, const core::PlanState& s, Instant at, bool recorded,
                   const std::vector<AssignmentRow>& rows, BackEntries& late) {
  std::printf("plan %s as of %s%s: version %llu, %zu task(s)\n", ForTerminal(plan).c_str(), FormatInstant(at).c_str(),
              recorded ? " (as recorded then)" : "", static_cast<unsigned long long>(s.version), s.tasks.size());
  PrintRows(g, rows);
  if (!late.lines.empty()) {
    std::printf("%zu record(s) in this view were entered later by the office (back-entries):\n", late.lines.size());
    for (const auto& [id, where] : late.by_command)
      if (where.second > 1)
        late.lines[where.first] += " (and " + std::to_string(where.second - 1) + " more event(s) of it)";
    for (const auto& l : late.lines) std::printf("  %s\n", l.c_str());
  }
  if (!recorded && !late.entered_after.empty())
    std::printf(
        "%zu of them were entered after %s: the record then did not show them "
        "(as-of --as-recorded shows it as it stood)\n",
        late.entered_after.size(), FormatInstant(at).substr(0, 16).c_str());
}

void AddStatus(CLI::App& app, Globals& g) {
  auto* sub = app.add_subcommand("status", "assignments by plan, unit and status (current state)");
  auto f = std::make_shared<StatusFilter>();
  auto status = std::make_shared<std::string>();
  sub->add_option("--plan", f->plan_id, "only this plan (an unknown plan exits 1)");
  sub->add_option("--unit", f->unit, "only this unit, or an alias of it (a unit holding nothing exits 1)");
  sub->add_option("--status", *status,
                  "assigned | accepted | in_progress | submitted | completed | returned | cancelled");
  sub->add_flag("--overdue", f->overdue_only, "only late work not yet done (overdue, not completed or cancelled)");
  sub->footer(
      "Flags: overdue, unsigned-past-limit, review-past-limit and escalation:N are work late now; on completed or "
      "cancelled rows (a unit reassigned away is cancelled) they read was-overdue and so on, the record of how late "
      "it was (approval clears the escalation level; a cancelled row keeps it as was-escalation:N).");
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
    if (!f->unit.empty() && rows->empty() && !UnitHoldsAssignments(g, *engine, *f, rows)) return;
    auto prov = ProvisionalDeadlines(*engine);
    if (!prov.ok()) return Fail(g, prov.status());
    PrintRows(g, *rows, &*prov);
  });
}

void AddHistory(CLI::App& app, Globals& g) {
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
    // In the log's order (the record's). The time shown is the effective
    // one; a record entered later, or fired by a clock catching up, says so.
    for (const auto& e : *h)
      std::printf("%s  %-20s %-10s %s%s\n", FormatInstant(e.event.occurred_at).substr(0, 16).c_str(),
                  ForTerminal(e.event.actor.id).c_str(), schemas::RoleName(e.event.actor.role),
                  EventLine(e.event).c_str(), ForTerminal(BackEntryNote(e.event)).c_str());
  });
}

void AddAsOf(CLI::App& app, Globals& g) {
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
    const std::vector<AssignmentRow> rows = AsOfRows(*plan, *s, *task);
    BackEntries late;
    if (Status st = CollectBackEntries(*engine, *plan, *s, *task, at, *recorded, late); !st.ok()) return Fail(g, st);
    if (g.json) return PrintAsOfJson(rows, late);
    PrintAsOfText(g, *plan, *s, at, *recorded, rows, late);
  });
}

void AddLog(CLI::App& app, Globals& g) {
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
      if (g.json)
        std::cout << schemas::EventToJson(e) << "\n";
      else
        std::printf("%8llu  %s  %-18s %s %s\n", static_cast<unsigned long long>(pos),
                    FormatInstant(e.occurred_at).substr(0, 16).c_str(), ForTerminal(e.stream).c_str(),
                    ForTerminal(e.actor.id).c_str(), EventLine(e).c_str());
      return ++n < *limit;
    });
    if (!st.ok()) Fail(g, st);
  });
}

void AddPlans(CLI::App& app, Globals& g) {
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
        a.push_back(server::PlanSummaryJson(id, *p));
      else
        std::printf("%-20s %4d  %3zu tasks  %4zu assignments  %s\n", ForTerminal(id).c_str(), p->meta.year,
                    p->tasks.size(), p->assignments.size(), ForTerminal(p->meta.title).c_str());
    }
    if (g.json) std::cout << a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  });
}

// `queue KIND`: what waits for the office (or, --for, a unit on what it
// delegated), oldest first, over one plan or all (core::Queue). Silence is counted in working days on the store's
// calendar (the compiled-in one plus the notices it recorded).
void AddQueue(CLI::App& app, Globals& g) {
  auto* sub =
      app.add_subcommand("queue",
                         "what waits for the office: returns to resolve, extension requests and submissions to review, "
                         "assignments gone silent (not accepted, or no progress reported, for --days working days)");
  auto kind = std::make_shared<std::string>();
  auto plan = std::make_shared<std::string>();
  auto on = std::make_shared<std::string>();
  auto days = std::make_shared<int>(core::kDefaultSilentWorkingDays);
  sub->add_option("kind", *kind, core::QueueKindNames())->required();
  sub->add_option("--plan", *plan, "only this plan (an unknown plan exits 1)");
  sub->add_option("--days", *days, "silent: working days without a word (default 10)")->check(CLI::Range(1, 250));
  sub->add_option(
      "--on", *on,
      "the day to read silence on, YYYY-MM-DD (default: today; in a simulated store, its clock when later)");
  auto delegator = std::make_shared<std::string>();
  sub->add_option("--for", *delegator,
                  "what waits for this unit on the assignments it delegated (多级下发), not for the office");
  sub->callback([&g, kind, plan, on, days, delegator] {
    const auto k = core::ParseQueueKind(*kind);
    if (!k) {
      std::cerr << "duban queue: unknown queue '" << ForTerminal(*kind) << "' (" << core::QueueKindNames() << ")\n";
      g.exit_code = kExitUsage;
      return;
    }
    core::QueueOptions o;
    o.silent_working_days = *days;
    o.delegator = *delegator;
    const std::optional<Date> day = on->empty() ? std::nullopt : Date::Parse(*on);
    if (!on->empty() && !day) {
      std::cerr << "duban queue: '" << ForTerminal(*on) << "' is not a date (YYYY-MM-DD)\n";
      g.exit_code = kExitUsage;
      return;
    }
    auto engine = OpenEngine(g, true);
    if (!engine) return;
    o.today = day ? *day : StoreToday(g, *engine);
    auto cal = core::QueueCalendar(engine->CalendarNotices());
    if (!cal.ok()) return Fail(g, cal.status());
    o.calendar = &*cal;
    std::vector<std::string> ids;
    if (!plan->empty()) {
      ids.push_back(*plan);
    } else {
      auto all = engine->PlanIds();
      if (!all.ok()) return Fail(g, all.status());
      ids = *all;
    }
    std::vector<core::QueueItem> items;
    for (const auto& id : ids) {
      auto p = engine->Plan(id);
      if (!p.ok()) return Fail(g, p.status());
      auto some = core::Queue(*p, *k, o);
      items.insert(items.end(), some.begin(), some.end());
    }
    if (g.json) {
      json a = json::array();
      for (const auto& i : items) a.push_back(server::QueueItemJson(i));
      std::cout << a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      return;
    }
    std::printf("%-16s %5s  %-24s %-12s %-10s %-10s %s\n", "plan", "task", "unit", "status", "since", "due", "detail");
    for (const auto& i : items) {
      const std::string unit = ForTerminal(Cut(i.unit, 12));
      const int pad = std::max(0, 24 - static_cast<int>(utf8::DisplayWidth(unit)));
      std::printf("%-16s %5d  %s%*s %-12s %-10s %-10s %s\n", ForTerminal(i.plan).c_str(), i.task, unit.c_str(), pad, "",
                  core::StatusName(i.status), i.since.c_str(), i.due_on.empty() ? "-" : i.due_on.c_str(),
                  ForTerminal(Cut(i.detail, 60)).c_str());
    }
    std::printf("%zu waiting (%s)\n", items.size(), core::QueueKindName(*k));
  });
}

void AddQueries(CLI::App& app, Globals& g) {
  AddStatus(app, g);
  AddHistory(app, g);
  AddAsOf(app, g);
  AddLog(app, g);
  AddPlans(app, g);
  AddQueue(app, g);
}

}  // namespace
}  // namespace duban::cli

DUBAN_REGISTER_COMMANDS(18, &duban::cli::AddQueries);
