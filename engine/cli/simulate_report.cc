// `duban simulate`'s report: the timeline of what the clock and the script
// did, and each unit's final standing (see simulate_script.h).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "cli_common.h"
#include "duban/schemas/codec.h"
#include "simulate_script.h"

namespace duban::cli::sim {

namespace {

using nlohmann::json;

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

// The label and item of an event's timeline line; label "" for an event not shown.
std::pair<std::string, std::string> LabelOf(const schemas::Event& e) {
  return std::visit(
      [](const auto& b) -> std::pair<std::string, std::string> {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, schemas::DeadlineApproaching>) {
          return {"reminder: " + std::to_string(b.working_days_left) + " working day(s) left", Item(b.task, b.unit)};
        } else if constexpr (std::is_same_v<T, schemas::DeadlineMissed>) {
          return {"DEADLINE MISSED (overdue)", Item(b.task, b.unit)};
        } else if constexpr (std::is_same_v<T, schemas::EscalationRaised>) {
          return {"ESCALATION level " + std::to_string(b.level) + " " + b.step, Item(b.task, b.unit)};
        } else if constexpr (std::is_same_v<T, schemas::EscalationCleared>) {
          return {"escalation cleared (" + b.reason + ")", Item(b.task, b.unit)};
        } else if constexpr (std::is_same_v<T, schemas::ReportOverdue>) {
          if (b.level == 0) return {"progress report overdue (" + b.cycle_id + ")", Item(b.task, b.unit)};
          return {"report silence escalated level " + std::to_string(b.level) + " " + b.step + " (" + b.cycle_id + ")",
                  Item(b.task, b.unit)};
        } else if constexpr (std::is_same_v<T, schemas::AcceptanceOverdue>) {
          return {"not signed within the acceptance limit (签收超时)", Item(b.task, b.unit)};
        } else if constexpr (std::is_same_v<T, schemas::ReviewOverdue>) {
          return {"submission not reviewed within the review limit (审核超时)", Item(b.task, b.unit)};
        } else if constexpr (std::is_same_v<T, schemas::ReviewCycleStarted>) {
          return {"review cycle " + b.cycle_id + " (" + b.kind + ") started, reports due " + b.due_on, ""};
        } else if constexpr (std::is_same_v<T, schemas::ReviewCycleClosed>) {
          return {"review cycle " + b.cycle_id + " closed: answered " + std::to_string(b.answered) + " (late " +
                      std::to_string(b.late) + "), silent " + std::to_string(b.silent),
                  ""};
        } else if constexpr (std::is_same_v<T, schemas::AssignmentReopened>) {
          return {"REOPENED by the look-back, due " + b.due_on + ": " + b.reason, Item(b.task, b.unit)};
        } else if constexpr (std::is_same_v<T, schemas::ExtensionGranted>) {
          return {"extension granted", Item(b.task, b.unit)};
        } else if constexpr (std::is_same_v<T, schemas::CompletionApproved>) {
          return {"closed out (销号)", Item(b.task, b.unit)};
        } else if constexpr (std::is_same_v<T, schemas::CompletionRejected>) {
          return {"submission sent back", Item(b.task, b.unit)};
        } else if constexpr (std::is_same_v<T, schemas::AssignmentReturned>) {
          return {"returned by the unit (退回)", Item(b.task, b.unit)};
        } else {
          return {"", ""};
        }
      },
      e.body);
}

struct Standing {
  int assignments = 0, completed = 0, open = 0, overdue = 0, level = 0, max_level = 0, reminders = 0;
  int answered = 0, late = 0, silent = 0;
};

int CountOf(const std::map<std::string, int>& m, const std::string& unit) {
  auto it = m.find(unit);
  return it == m.end() ? 0 : it->second;
}

std::map<std::string, Standing> Standings(const RunSummary& r, const core::PlanState& plan) {
  std::map<std::string, Standing> out;
  for (const auto& [k, a] : plan.assignments) {
    if (a.status == core::AssignmentStatus::kCancelled) continue;
    auto& s = out[k.second];
    ++s.assignments;
    if (a.status == core::AssignmentStatus::kCompleted) ++s.completed;
    if (core::IsOpen(a.status)) ++s.open;
    if (core::IsOpen(a.status) && a.overdue) ++s.overdue;
    s.level = std::max(s.level, a.escalation_level);
  }
  for (const auto& [id, c] : plan.cycles)
    for (const auto& k : c.requested) {
      auto& s = out[k.second];
      if (!c.answered.count(k))
        ++s.silent;
      else if (c.late.count(k))
        ++s.late;
      else
        ++s.answered;
    }
  for (auto& [unit, s] : out) {
    s.reminders = CountOf(r.reminders, unit);
    s.max_level = CountOf(r.max_level, unit);
  }
  return out;
}

void PrintJson(const RunSummary& r, const std::map<std::string, Standing>& standings,
               const WorkflowTimerPolicy& policy) {
  json j;
  j["plan_id"] = r.plan_id;
  j["title"] = r.title;
  j["year"] = r.year;
  j["calendar"] = policy.latest_calendar().version();
  json tl = json::array();
  for (const auto& e : r.all_events) tl.push_back(json::parse(schemas::EventToJson(e)));
  j["events"] = tl;
  json st = json::object();
  for (const auto& [unit, s] : standings)
    st[unit] = {{"assignments", s.assignments}, {"completed", s.completed},      {"open", s.open},
                {"overdue", s.overdue},         {"escalation_level", s.level},   {"max_escalation_level", s.max_level},
                {"reminders", s.reminders},     {"reports_on_time", s.answered}, {"reports_late", s.late},
                {"reports_missing", s.silent}};
  j["standing"] = st;
  j["replay"] = {{"events", r.events},
                 {"projection_digest", r.digest},
                 {"rebuild_identical", r.rebuilt_identical},
                 {"verify_ok", r.verify_ok},
                 {"second_tick_events", r.second_tick_events}};
  std::cout << j.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
}

// The rules the run applied and how the script divided the units.
void PrintHeading(const RunSummary& r, const WorkflowTimerPolicy& policy) {
  std::printf("== duban simulate: %s\n", r.title.c_str());
  std::printf("   plan %s, year %d, store %s\n", r.plan_id.c_str(), r.year, r.data_dir.c_str());
  const auto& def = policy.definition();
  std::string ladder, reminders;
  for (int n : def.reminder_working_days_before) reminders += (reminders.empty() ? "" : "/") + std::to_string(n);
  for (const auto& s : def.escalation)
    ladder += (ladder.empty() ? "" : " -> ") + s.name + "(+" + std::to_string(s.delay_working_days) + ")";
  std::printf("   rules: reminders %s working days before; missed on the next working day; ladder %s\n",
              reminders.c_str(), ladder.c_str());
  auto groups = [&](Group g) {
    auto it = r.groups.find(g);
    return it == r.groups.end() ? 0 : it->second;
  };
  std::printf(
      "   calendar %s; script by unit: %d on time, %d late, %d extended, %d sent back once, %d silent, %d returned\n\n",
      policy.latest_calendar().version().c_str(), groups(Group::kOnTime), groups(Group::kLate),
      groups(Group::kExtended), groups(Group::kSentBack), groups(Group::kSilent), groups(Group::kReturned));
}

// One line per day and kind; the assignments named when few.
void PrintTimelineByDay(const std::vector<TimelineEntry>& timeline, size_t max_lines) {
  std::vector<std::pair<std::pair<Date, std::string>, std::vector<std::string>>> lines;
  std::map<std::pair<Date, std::string>, size_t> index;
  for (const auto& t : timeline) {
    auto key = std::make_pair(t.day, t.label);
    auto it = index.find(key);
    if (it == index.end()) {
      it = index.emplace(key, lines.size()).first;
      lines.push_back({key, {}});
    }
    if (!t.item.empty()) lines[it->second].second.push_back(t.item);
  }
  std::stable_sort(lines.begin(), lines.end(),
                   [](const auto& a, const auto& b) { return a.first.first < b.first.first; });
  size_t printed = 0;
  for (const auto& [key, items] : lines) {
    if (max_lines && printed == max_lines) {
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

void PrintStandings(const std::map<std::string, Standing>& standings) {
  std::printf("\nFinal standing per unit\n");
  std::printf("  %s %5s %5s %5s %7s %5s %5s %9s %14s\n", Pad("unit", 30).c_str(), "tasks", "done", "open", "overdue",
              "level", "peak", "reminders", "reports ok/late/none");
  for (const auto& [unit, s] : standings) {
    char reports[40];
    std::snprintf(reports, sizeof reports, "%d/%d/%d", s.answered, s.late, s.silent);
    std::printf("  %s %5d %5d %5d %7d %5d %5d %9d %14s\n", Pad(unit, 30).c_str(), s.assignments, s.completed, s.open,
                s.overdue, s.level, s.max_level, s.reminders, reports);
  }
}

void PrintReplay(const RunSummary& r) {
  std::printf(
      "\nReplay: %llu events; rebuild from the log gives %s projections (digest %s), verify %s, "
      "a second tick at %s fires %zu new event(s)\n",
      static_cast<unsigned long long>(r.events), r.rebuilt_identical ? "identical" : "DIFFERENT",
      r.digest.substr(0, 16).c_str(), r.verify_ok ? "ok" : "FAILED", DayOf(r.last_tick).ToString().c_str(),
      r.second_tick_events);
  if (r.script_rejected) std::printf("(%d scripted command(s) were refused by the engine)\n", r.script_rejected);
}

}  // namespace

std::optional<TimelineEntry> TimelineEntryOf(const schemas::Event& e) {
  auto [label, item] = LabelOf(e);
  if (label.empty()) return std::nullopt;
  return TimelineEntry{DayOf(e.occurred_at), std::move(label), std::move(item)};
}

void PrintReport(const RunSummary& r, const core::PlanState& final_plan, const WorkflowTimerPolicy& policy,
                 bool as_json, bool print_timeline, bool detail, size_t max_lines) {
  const auto standings = Standings(r, final_plan);
  if (as_json) return PrintJson(r, standings, policy);
  PrintHeading(r, policy);
  if (print_timeline) {
    std::printf("Timeline (reminders and escalations fired by the clock; the office's and units' steps)\n");
    if (detail) {
      for (const auto& e : r.all_events)
        std::printf("  %s  %s\n", DayOf(e.occurred_at).ToString().c_str(), EventLine(e).c_str());
    } else {
      PrintTimelineByDay(r.timeline, max_lines);
    }
  }
  PrintStandings(standings);
  PrintReplay(r);
}

}  // namespace duban::cli::sim
