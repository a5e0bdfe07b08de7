// `duban calendar status`: which years the working-day calendar covers, the
// notices it is made of, the provisional rule for the years it does not, and
// which open deadlines have timers counted by that rule (so an office sees
// them before they fire, and knows a notice is due).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "duban/terminal_text.h"
#include "cli_common.h"
#include "duban/core/workflow_timer_policy.h"
#include "duban/utf8.h"
#include "duban/workflows/calendar.h"

namespace duban::cli {
namespace {

using nlohmann::json;

constexpr const char* kProvisionalRule =
    "weekdays are working days except 元旦 01-01, 劳动节 05-01 (and 05-02 from 2025), 国庆节 10-01..03; "
    "lunar holidays and 调休 are unknown until the State Council's notice";

int RunCalendarStatus(Globals& g) {
  auto policy = CliPolicy(g);
  if (!policy) return g.exit_code;
  const workflows::WorkCalendar& cal = policy->latest_calendar();
  auto engine = OpenEngine(g, true);
  if (!engine) return g.exit_code;
  auto prov = ProvisionalDeadlines(*engine);
  if (!prov.ok()) {
    Fail(g, prov.status());
    return g.exit_code;
  }
  const std::set<int>& years = cal.covered_years();
  if (g.json) {
    json open = json::array();
    for (const auto& [k, p] : *prov)
      open.push_back({{"plan", std::get<0>(k)}, {"task", std::get<1>(k)}, {"unit", std::get<2>(k)},
                      {"due_on", p.due_on}, {"next_provisional_timer", p.kind}, {"fires_on", p.fire_on},
                      {"calendar_version", p.calendar_version}});
    std::cout << json{{"version", cal.version()},
                      {"covered_years", json(std::vector<int>(years.begin(), years.end()))},
                      {"notices", cal.all_versions()},
                      {"provisional_rule", kProvisionalRule},
                      {"provisional_deadlines", open}}
                     .dump(-1, ' ', false, json::error_handler_t::replace)
              << "\n";
    return g.exit_code = kExitOk;
  }
  std::printf("calendar %s\n", cal.version().c_str());
  if (!years.empty())
    std::printf("covered years: %d-%d (%zu notice(s))\n", *years.begin(), *years.rbegin(), cal.all_versions().size());
  std::printf("other years are provisional: %s\n", kProvisionalRule);
  if (prov->empty()) {
    std::printf("open deadlines with provisional timers: none\n");
  } else {
    std::printf("open deadlines with provisional timers: %zu\n", prov->size());
    std::printf("  %-16s %5s  %-24s %-10s  %s\n", "plan", "task", "unit", "due", "next provisional timer");
    for (const auto& [k, p] : *prov) {
      const std::string unit = ForTerminal(std::get<2>(k));
      const int pad = std::max(0, 24 - static_cast<int>(utf8::DisplayWidth(unit)));  // CJK takes two columns
      std::printf("  %-16s %5d  %s%*s %-10s  %s on %s (%s)\n", ForTerminal(std::get<0>(k)).c_str(), std::get<1>(k), unit.c_str(),
                  pad, "", p.due_on.c_str(), p.kind.c_str(), p.fire_on.c_str(), p.calendar_version.c_str());
    }
  }
  return g.exit_code = kExitOk;
}

void AddCalendarCommands(CLI::App& app, Globals& g) {
  auto* cal = app.add_subcommand("calendar", "the working-day calendar: covered years, provisional deadlines");
  cal->require_subcommand(1);
  auto* status = cal->add_subcommand(
      "status", "covered years, the provisional rule, and open deadlines whose timers are provisional");
  status->callback([&g] { RunCalendarStatus(g); });
}

}  // namespace
}  // namespace duban::cli

DUBAN_REGISTER_COMMANDS(61, &duban::cli::AddCalendarCommands);
