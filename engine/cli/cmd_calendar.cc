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
#include "duban/server/calendar_json.h"
#include "duban/utf8.h"

namespace duban::cli {
namespace {

using nlohmann::json;

int RunCalendarStatus(Globals& g) {
  auto engine = OpenEngine(g, true);
  if (!engine) return g.exit_code;
  // The store's calendar: compiled-in notices plus those recorded in it.
  // One document for both: the text below is read from it.
  auto doc = server::CalendarStatusJson(*engine);
  if (!doc.ok()) {
    Fail(g, doc.status());
    return g.exit_code;
  }
  if (g.json) {
    std::cout << doc->dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    return g.exit_code = kExitOk;
  }
  const json& d = *doc;
  const json& years = d["covered_years"];
  const json& recorded = d["recorded_notices"];
  const json& prov = d["provisional_deadlines"];
  std::printf("calendar %s\n", ForTerminal(d["version"].get<std::string>()).c_str());
  if (!years.empty())
    std::printf("covered years: %d-%d (%zu notice(s))\n", years.front().get<int>(), years.back().get<int>(),
                d["notices"].size());
  if (recorded.empty()) {
    std::printf("recorded notices: none (the compiled-in calendar)\n");
  } else {
    std::printf("recorded notices (duban calendar add): %zu\n", recorded.size());
    for (const json& n : recorded) {
      const bool amends = n.contains("amends");
      std::printf("  %s %s %d  (%s)\n", ForTerminal(n["version"].get<std::string>()).c_str(),
                  amends ? "amends" : "covers", n[amends ? "amends" : "covers"].get<int>(),
                  ForTerminal(n["source"].get<std::string>()).c_str());
    }
  }
  std::printf("other years are provisional: %s\n", server::kProvisionalRule);
  if (prov.empty()) {
    std::printf("open deadlines with provisional timers: none\n");
  } else {
    std::printf("open deadlines with provisional timers: %zu\n", prov.size());
    std::printf("  %-16s %5s  %-24s %-10s  %s\n", "plan", "task", "unit", "due", "next provisional timer");
    for (const json& p : prov) {
      const std::string unit = ForTerminal(p["unit"].get<std::string>());
      const int pad = std::max(0, 24 - static_cast<int>(utf8::DisplayWidth(unit)));  // CJK takes two columns
      std::printf("  %-16s %5d  %s%*s %-10s  %s on %s (%s)\n", ForTerminal(p["plan"].get<std::string>()).c_str(),
                  p["task"].get<int>(), unit.c_str(), pad, "", p["due_on"].get<std::string>().c_str(),
                  p["next_provisional_timer"].get<std::string>().c_str(), p["fires_on"].get<std::string>().c_str(),
                  p["calendar_version"].get<std::string>().c_str());
    }
  }
  return g.exit_code = kExitOk;
}

// A notice file is a few hundred bytes; anything far larger is not one.
constexpr size_t kMaxNoticeBytes = 64 << 10;

int RunCalendarAdd(Globals& g, const std::string& file, const std::string& command_id, const std::string& at) {
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
  std::shared_ptr<CliClock> clock;
  auto engine = OpenEngine(g, false, &clock);
  if (!engine) return g.exit_code;
  // --at is a simulated store's time (its clock, which the engine stamps the
  // notice with, and judges what is past by); a real store records it now.
  if (!at.empty() && !IsSimulatedStore(*engine)) {
    std::cerr << "duban calendar add: --at is for a simulated store; a real store records the notice now\n";
    return g.exit_code = kExitUsage;
  }
  // Who acts and when, as for every write (MakeCommand, PrepareWrite); the office by default.
  auto cmd = MakeCommand(g, "!calendar", schemas::Role::kSupervisor, "office", command_id, at, schemas::WithdrawPlan{});
  if (!cmd) return g.exit_code;
  if (!PrepareWrite(g, *engine, *clock, *cmd)) return g.exit_code;
  Engine::CalendarNoticeRequest r;
  // The same notice recorded twice by the same account is one command: the
  // second says so. Who acts is part of it, so a unit's refused attempt does
  // not answer the office's.
  r.command_id = command_id.empty() ? server::NoticeCommandId(cmd->actor, text) : command_id;
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
    const server::NoticeRecount n = server::CountRecount(o);
    std::printf(
        "calendar now %s; %zu open assignment(s) recounted on it, %zu with timers moved; %zu task deadline(s) "
        "counted on it for assignments made later, %zu of them a working-day date counted again\n",
        engine->timer_policy()->CalendarVersion().c_str(), n.assignments, n.moved, n.tasks, n.redated);
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
  auto at = std::make_shared<std::string>();
  add->add_option("--at", *at,
                  "a simulated store only: the simulated time it is recorded at, YYYY-MM-DD[THH:MM] in CST "
                  "(default: the store's clock)");
  add->callback([&g, file, id, at] { RunCalendarAdd(g, *file, *id, *at); });
}

}  // namespace
}  // namespace duban::cli

DUBAN_REGISTER_COMMANDS(61, &duban::cli::AddCalendarCommands);
