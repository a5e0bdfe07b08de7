// `duban calendar status`: which years the working-day calendar covers, the
// notices it is made of (compiled in, and recorded in this store), the
// provisional rule for the years it does not, and which open deadlines have
// timers counted by that rule (so an office sees them before they fire, and
// knows a notice is due).
// `duban calendar add NOTICE.yaml`: the office records a new State Council
// notice in the store (Engine::AddCalendarNotice); open deadlines are
// recounted on it at once, without a rebuild or a new build.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "duban/terminal_text.h"
#include "cli_common.h"
#include "plan_commands.h"
#include "duban/core/workflow_timer_policy.h"
#include "duban/schemas/codec.h"
#include "duban/utf8.h"
#include "duban/workflows/calendar.h"

namespace duban::cli {
namespace {

using nlohmann::json;

constexpr const char* kProvisionalRule =
    "weekdays are working days except 元旦 01-01, 劳动节 05-01 (and 05-02 from 2025), 国庆节 10-01..03; "
    "lunar holidays and 调休 are unknown until the State Council's notice";

int RunCalendarStatus(Globals& g) {
  auto engine = OpenEngine(g, true);
  if (!engine) return g.exit_code;
  // The store's calendar: compiled-in notices plus those recorded in it.
  const auto* policy = dynamic_cast<const WorkflowTimerPolicy*>(engine->timer_policy().get());
  if (!policy) {
    Fail(g, Status::InvalidArgument("this engine counts no working-day calendar"));
    return g.exit_code;
  }
  const workflows::WorkCalendar& cal = policy->latest_calendar();
  const auto recorded = engine->CalendarNotices();
  auto prov = ProvisionalDeadlines(*engine);
  if (!prov.ok()) {
    Fail(g, prov.status());
    return g.exit_code;
  }
  const std::set<int>& years = cal.covered_years();
  if (g.json) {
    json open = json::array();
    for (const auto& [k, p] : *prov)
      open.push_back({{"plan", std::get<0>(k)},
                      {"task", std::get<1>(k)},
                      {"unit", std::get<2>(k)},
                      {"due_on", p.due_on},
                      {"next_provisional_timer", p.kind},
                      {"fires_on", p.fire_on},
                      {"calendar_version", p.calendar_version}});
    json rec = json::array();
    for (const auto& n : recorded)
      rec.push_back(
          {{"version", n.calendar + "/" + n.version}, {n.amends ? "amends" : "covers", n.year}, {"source", n.source}});
    std::cout << json{{"version", cal.version()},
                      {"recorded_notices", rec},
                      {"covered_years", json(std::vector<int>(years.begin(), years.end()))},
                      {"notices", cal.all_versions()},
                      {"provisional_rule", kProvisionalRule},
                      {"provisional_deadlines", open}}
                     .dump(-1, ' ', false, json::error_handler_t::replace)
              << "\n";
    return g.exit_code = kExitOk;
  }
  std::printf("calendar %s\n", ForTerminal(cal.version()).c_str());
  if (!years.empty())
    std::printf("covered years: %d-%d (%zu notice(s))\n", *years.begin(), *years.rbegin(), cal.all_versions().size());
  if (recorded.empty()) {
    std::printf("recorded notices: none (the compiled-in calendar)\n");
  } else {
    std::printf("recorded notices (duban calendar add): %zu\n", recorded.size());
    for (const auto& n : recorded)
      std::printf("  %s/%s %s %d  (%s)\n", ForTerminal(n.calendar).c_str(), ForTerminal(n.version).c_str(),
                  n.amends ? "amends" : "covers", n.year, ForTerminal(n.source).c_str());
  }
  std::printf("other years are provisional: %s\n", kProvisionalRule);
  if (prov->empty()) {
    std::printf("open deadlines with provisional timers: none\n");
  } else {
    std::printf("open deadlines with provisional timers: %zu\n", prov->size());
    std::printf("  %-16s %5s  %-24s %-10s  %s\n", "plan", "task", "unit", "due", "next provisional timer");
    for (const auto& [k, p] : *prov) {
      const std::string unit = ForTerminal(std::get<2>(k));
      const int pad = std::max(0, 24 - static_cast<int>(utf8::DisplayWidth(unit)));  // CJK takes two columns
      std::printf("  %-16s %5d  %s%*s %-10s  %s on %s (%s)\n", ForTerminal(std::get<0>(k)).c_str(), std::get<1>(k),
                  unit.c_str(), pad, "", p.due_on.c_str(), p.kind.c_str(), p.fire_on.c_str(),
                  p.calendar_version.c_str());
    }
  }
  return g.exit_code = kExitOk;
}

// A notice file is a few hundred bytes; anything far larger is not one.
constexpr size_t kMaxNoticeBytes = 64 << 10;

int RunCalendarAdd(Globals& g, const std::string& file, const std::string& command_id) {
  // Only a regular file: a directory would read as nothing, and a FIFO would
  // wait at open for a writer that never comes.
  std::error_code ec;
  const auto type = std::filesystem::status(file, ec).type();
  if (type == std::filesystem::file_type::not_found || ec) {
    std::cerr << "duban calendar add: cannot open " << file << "\n";
    return g.exit_code = kExitUsage;
  }
  if (type != std::filesystem::file_type::regular) {
    std::cerr << "duban calendar add: " << file
              << (type == std::filesystem::file_type::directory ? " is a directory" : " is not a regular file")
              << "; give the notice's YAML file\n";
    return g.exit_code = kExitUsage;
  }
  auto read = ReadBoundedFile(
      file, kMaxNoticeBytes,
      std::to_string(kMaxNoticeBytes >> 10) + " KiB; a notice file is a few hundred bytes: is it the right file?");
  if (!read.ok()) {
    std::cerr << "duban calendar add: " << read.status().message() << "\n";
    return g.exit_code = read.status().code() == Status::Code::kNotFound ? kExitUsage : kExitRejected;
  }
  std::string text = std::move(read).value();
  auto engine = OpenEngine(g);
  if (!engine) return g.exit_code;
  // Who acts and when, as for every write (MakeCommand); the office by default.
  auto cmd = MakeCommand(g, "!calendar", schemas::Role::kSupervisor, "office", command_id, "", schemas::WithdrawPlan{});
  if (!cmd) return g.exit_code;
  if (!ActAs(g, *engine, cmd->actor)) return g.exit_code;
  Engine::CalendarNoticeRequest r;
  // The same notice recorded twice by the same account is one command: the
  // second says so. Who acts is part of it, so a unit's refused attempt does
  // not answer the office's.
  r.command_id =
      command_id.empty()
          ? "calendar:" + schemas::Sha256Hex(cmd->actor.id + '\0' + schemas::RoleName(cmd->actor.role) + '\0' + text)
                              .substr(0, 32)
          : command_id;
  r.actor = cmd->actor;
  r.issued_at = cmd->issued_at;
  r.source = std::filesystem::path(file).filename().string();
  r.text = std::move(text);
  const Outcome o = engine->AddCalendarNotice(r);
  if (o.duplicate && o.status.ok()) {
    // The engine answers a reused id for anything but this notice (by this
    // actor) with a conflict, so the stored outcome here is this notice's.
    std::cerr << "duban: this notice was already recorded (command id " << r.command_id << "); nothing written\n";
  }
  PrintOutcome(g, o);
  if (o.status.ok() && !g.json) {
    // Every open assignment counts on the notice from now on; of those, the
    // ones whose armed timers moved; and the tasks later assignments start from.
    size_t assignments = 0, moved = 0, tasks = 0, redated = 0;
    for (const auto& e : o.events)
      if (const auto* rc = std::get_if<schemas::DeadlineRecounted>(&e.body)) {
        if (rc->unit.empty()) {
          ++tasks;
          redated += !rc->changes.empty();  // a task's only change is its date counted again
          continue;
        }
        ++assignments;
        moved += !rc->changes.empty();
      }
    std::printf(
        "calendar now %s; %zu open assignment(s) recounted on it, %zu with timers moved; %zu task deadline(s) "
        "counted on it for assignments made later, %zu of them a working-day date counted again\n",
        engine->timer_policy()->CalendarVersion().c_str(), assignments, moved, tasks, redated);
  }
  return g.exit_code;
}

void AddCalendarCommands(CLI::App& app, Globals& g) {
  auto* cal = app.add_subcommand("calendar", "the working-day calendar: covered years, provisional deadlines");
  cal->require_subcommand(1);
  auto* status = cal->add_subcommand(
      "status", "covered years, the provisional rule, and open deadlines whose timers are provisional");
  status->callback([&g] { RunCalendarStatus(g); });
  auto file = std::make_shared<std::string>();
  auto id = std::make_shared<std::string>();
  auto add = cal->add_subcommand(
      "add",
      "record a State Council holiday notice (one notice, the format of workflows/calendars/cn-mainland.yaml) "
      "and recount open deadlines on it; the office only");
  add->add_option("notice", *file, "the notice YAML file")->required();
  add->add_option("--id", *id, "command id (default: derived from the file's bytes)");
  add->callback([&g, file, id] { RunCalendarAdd(g, *file, *id); });
}

}  // namespace
}  // namespace duban::cli

DUBAN_REGISTER_COMMANDS(61, &duban::cli::AddCalendarCommands);
