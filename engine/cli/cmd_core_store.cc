// The store itself: `init`, `tick` (fire the timers due), `rebuild`
// (projections replayed from the log), `verify` (hash chains, signed
// checkpoints, projections against a rebuild), `doctor` (what the data
// directory holds, in plain words; changes nothing) and `salvage` (what is
// whole in a damaged store, into a new one).
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli_common.h"
#include "duban/core/workflow_timer_policy.h"
#include "duban/salvage.h"
#include "duban/accounts.h"
#include "duban/server/evidence.h"
#include "duban/terminal_text.h"
#include "duban/schemas/codec.h"

namespace duban::cli {
namespace {

using nlohmann::json;
using schemas::Role;

// Only the engine's clock moves time. In a store marked simulated (demo,
// simulate) the office may drive it too, to any date. False after printing why.
bool MayTick(Globals& g, Instant t, bool simulated) {
  auto role = g.role.empty() ? std::optional<schemas::Role>(Role::kSystem) : schemas::ParseRole(g.role);
  if (!role || (*role != Role::kSystem && !(simulated && *role == Role::kSupervisor))) {
    std::cerr << "rejected (forbidden_role): only the engine's clock may tick"
              << (simulated ? " (or the office, in this simulated store)" : "") << "; "
              << (g.role.empty() ? "" : "role " + g.role + " may not") << "\n";
    g.exit_code = kExitRejected;
    return false;
  }
  const Instant wall = *IssuedAt(g, "");
  if (simulated) return WithinSimulatedHorizon(g, t, "--now");
  if (t > wall + CliTimeRules(g).max_skew_ms) {
    std::cerr << "rejected (clock_ahead): --now " << FormatInstant(t) << " is later than the engine's clock ("
              << FormatInstant(wall)
              << "); only a simulated store (`duban init --simulated`, `duban simulate`, `duban demo`) may be "
              << "ticked into the future\n";
    g.exit_code = kExitRejected;
    return false;
  }
  return true;
}

// The fired events (text or JSON), then warnings for provisional days and timers still due.
// JSON lists them in the log's order; text by the day each is dated: a tick
// that catches up fires in rounds (an escalation armed by a miss fires in the
// next round), so log order may put a step of 12-09 after a reminder of 12-15.
void PrintFired(Globals& g, const std::vector<Outcome>& outcomes, const TickReport& report) {
  size_t provisional = 0;
  std::string provisional_calendar;
  json a = json::array();
  std::vector<const schemas::Event*> fired;
  for (const auto& o : outcomes)
    for (const auto& e : o.events) fired.push_back(&e);
  if (!g.json)
    std::stable_sort(fired.begin(), fired.end(),
                     [](const schemas::Event* x, const schemas::Event* y) { return x->occurred_at < y->occurred_at; });
  const size_t events = fired.size();
  for (const schemas::Event* ep : fired) {
    const schemas::Event& e = *ep;
    std::visit(
        [&](const auto& b) {
          if constexpr (requires { b.provisional; })
            if (b.provisional) {
              ++provisional;
              provisional_calendar = b.calendar_version;
            }
        },
        e.body);
    if (g.json)
      a.push_back(json::parse(schemas::EventToJson(e)));
    else
      std::printf("%s  %-18s %s\n", FormatInstant(e.occurred_at).substr(0, 10).c_str(), ForTerminal(e.stream).c_str(),
                  EventLine(e).c_str());
  }
  if (g.json)
    std::cout << a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  else
    std::printf("%zu timer(s) fired, %zu event(s)\n", outcomes.size(), events);
  if (provisional)
    std::cerr << "warning: " << provisional << " event(s) fell on days counted provisionally (calendar "
              << provisional_calendar << "): their year has no published holiday schedule yet "
              << "(see `duban calendar status`)\n";
  if (report.moot_reminders)
    std::cerr << "note: " << report.moot_reminders << " reminder(s) not sent: the clock reached them only after "
              << "their deadline had passed (the overdue step is recorded instead) or beside a later reminder of "
              << "the same deadline (only that one is sent)\n";
  if (report.more_due)
    std::cerr << "warning: timers are still due after " << report.rounds
              << " rounds; run tick again to fire the rest\n";
}

void AddInit(CLI::App& app, Globals& g) {
  auto* sub = app.add_subcommand("init", "create an empty store (--simulated: one a simulated clock may drive)");
  auto simulated = std::make_shared<bool>(false);
  sub->add_flag("--simulated", *simulated,
                "mark it simulated: `tick --now` may go into the future and the office may tick; "
                "refused on a store that holds plans");
  sub->callback([&g, simulated] {
    auto engine = OpenEngine(g);
    if (!engine) return;
    if (*simulated && !MarkSimulated(g, *engine, "init")) return;
    std::printf("store %s: %s\n", g.data_dir.c_str(),
                IsSimulatedStore(*engine) ? "simulated" : "real (the engine's clock)");
    g.exit_code = kExitOk;
  });
}

void AddTick(CLI::App& app, Globals& g) {
  auto* sub = app.add_subcommand("tick", "fire every timer due at or before --now (system clock)");
  auto now = std::make_shared<std::string>();
  sub->add_option(
      "--now", *now,
      "YYYY-MM-DD[THH:MM] (default: the current time); a later time only in a simulated store (at most 10 years "
      "ahead)");
  sub->callback([&g, now] {
    auto t = IssuedAt(g, *now, "--now");
    if (!t) return;
    std::shared_ptr<CliClock> clock;
    auto engine = OpenEngine(g, false, &clock);
    if (!engine) return;
    const bool simulated = IsSimulatedStore(*engine);
    if (IsKafkaReadModel(*engine)) {
      std::fprintf(stderr,
                   "duban tick: %s is a Kafka read model (projected from duban.events): `duban engine` fires "
                   "its timers; a tick here would fork it from Kafka\n",
                   g.data_dir.c_str());
      g.exit_code = kExitRejected;
      return;
    }
    // A simulated store ticked ahead is not behind the machine's date: a tick
    // given no --now fires up to its own clock.
    Instant clock_now = 0;  // a simulated store's own clock; 0: none
    if (simulated)
      if (auto c = SimulatedNow(*engine)) clock_now = *c;
    if (clock_now > *t && now->empty()) t = clock_now;
    if (!MayTick(g, *t, simulated)) return;
    // In a simulated store --now is the clock the fired events are recorded at.
    if (simulated) clock->Set(*t);
    TickReport report;
    auto outcomes = engine->Tick(*t, "clock", &report);
    if (!outcomes.ok()) return Fail(g, outcomes.status());
    if (simulated && !AdvanceSimulatedNow(g, *engine, *t)) return;
    PrintFired(g, *outcomes, report);
    // The clock never moves back: say so rather than leave "0 fired" unexplained.
    if (clock_now > *t)
      std::cerr << "note: --now " << FormatInstant(*t) << " is before this simulated store's clock ("
                << FormatInstant(clock_now)
                << "), which does not move back; timers due after --now wait for a later tick\n";
  });
}

void AddRebuild(CLI::App& app, Globals& g) {
  auto* sub = app.add_subcommand("rebuild",
                                 "drop every projection and replay the log into them (refused when the log fails its "
                                 "hash chains or signed checkpoints)");
  sub->callback([&g] {
    auto engine = OpenEngine(g);
    if (!engine) return;
    // Opening the store may have just rebuilt it (an interrupted rebuild
    // finished, or the counts made once): the same replay again would only
    // double the wait.
    const bool at_open = engine->ProjectionsRebuiltAtOpen();
    if (!at_open)
      if (Status st = engine->Rebuild(); !st.ok()) return Fail(g, st);
    auto digest = engine->ProjectionDigest();
    if (!digest.ok()) return Fail(g, digest.status());
    if (g.json)
      std::cout << json{{"events", engine->LogEnd() - 1}, {"projection_digest", *digest}, {"at_open", at_open}}.dump(
                       -1, ' ', false, nlohmann::json::error_handler_t::replace)
                << "\n";
    else
      std::printf("rebuilt projections from %llu event(s)%s; digest %s\n",
                  static_cast<unsigned long long>(engine->LogEnd() - 1),
                  at_open ? " (replayed once, by the store's open)" : "", digest->c_str());
  });
}

void AddVerify(CLI::App& app, Globals& g) {
  auto* sub =
      app.add_subcommand("verify", "check hash chains, signed checkpoints, and that projections equal a rebuild");
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
    // Evidence files (duban serve) referenced from the log must be there, whole.
    auto files = evidence::CheckReferences(*engine, evidence::DirFor(g.data_dir));
    if (!files.ok()) return Fail(g, files.status());
    r->problems.insert(r->problems.end(), files->problems.begin(), files->problems.end());
    // Account rows (who may act) must agree with their recorded changes.
    auto rows = accounts::Accounts(*engine, nullptr).CompareRowsWithLog();
    if (!rows.ok()) return Fail(g, rows.status());
    r->problems.insert(r->problems.end(), rows->begin(), rows->end());
    if (g.json) {
      std::cout << json{{"ok", r->ok()},
                        {"events", r->events},
                        {"streams", r->streams},
                        {"projection_keys", r->projection_keys},
                        {"evidence_references", files->references},
                        {"problems", r->problems},
                        {"notes", r->notes}}
                       .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                << "\n";
    } else {
      std::printf("events: %llu in %llu stream(s); projection keys compared: %llu\n",
                  static_cast<unsigned long long>(r->events), static_cast<unsigned long long>(r->streams),
                  static_cast<unsigned long long>(r->projection_keys));
      if (files->references)
        std::printf("evidence files referenced: %llu\n", static_cast<unsigned long long>(files->references));
      for (const auto& p : r->problems) std::printf("PROBLEM: %s\n", ForTerminal(p).c_str());
      for (const auto& n : r->notes) std::printf("note: %s\n", ForTerminal(n).c_str());
      if (r->ok() && !anchors.empty())
        std::printf("anchors: %zu checked; the log matches each one and every event after them is signed\n",
                    anchors.size());
      std::printf(r->ok() ? "verify: ok (hash chains intact; projections identical to a rebuild)\n"
                          : "verify: FAILED\n");
    }
    g.exit_code = r->ok() ? kExitOk : kExitRejected;
  });
}

void AddMaintenance(CLI::App& app, Globals& g) {
  AddInit(app, g);
  AddTick(app, g);
  AddRebuild(app, g);
  AddVerify(app, g);
}

// Advice for a directory that holds no store to open (missing, empty, foreign,
// damaged); false for one that may hold a healthy store. Sets the exit code.
bool AdviseOnUnopenable(Globals& g, const DataDirReport& dir) {
  if (dir.kind == "missing" || dir.kind == "empty") {
    std::printf("advice: no store yet; `duban plan import FILE` creates one here\n");
    g.exit_code = kExitOk;
    return true;
  }
  if (dir.kind == "foreign") {
    std::printf(
        "advice: this is not a duban store; give --data (or DUBAN_DATA) the store's directory, or an "
        "empty one for a new store\n");
    return true;
  }
  if (dir.kind == "damaged") {
    std::printf(
        "advice: do not run commands that write here. Copy the directory aside first; restore the store "
        "from a copy made before the damage, or, in Kafka mode, let the engine rebuild it from "
        "duban.events. Without either, `duban salvage --out NEW_DIR` says what it can keep and what "
        "is lost, and with --yes writes that to a new store. Nothing here was changed.\n");
    return true;
  }
  return false;
}

// The opened store's anchor, kind, accounts and the directory's permissions.
void PrintStoreFacts(const Globals& g, Engine& engine, accounts::Accounts& accounts) {
  std::printf("open: ok; log end %llu\n", static_cast<unsigned long long>(engine.LogEnd() - 1));
  if (auto cp = engine.LatestCheckpoint(); cp.ok() && cp->has_value())
    std::printf(
        "anchored: the newest signed checkpoint covers position %llu (signed %s, key %s…); writers need "
        "the key\n",
        static_cast<unsigned long long>((*cp)->log_end), FormatInstant((*cp)->signed_at).c_str(),
        (*cp)->public_key.substr(0, 16).c_str());
  else
    std::printf("anchored: no (no signed checkpoint; see `duban anchor` in docs/RUNBOOK.md)\n");
  std::printf("kind: %s\n", IsSimulatedStore(engine)
                                ? "simulated (a trial store: free-text actors, a clock that moves with commands)"
                                : "real (every write acts as an account)");
  if (auto list = accounts.List(); list.ok()) {
    size_t people = 0, tokens = 0, off = 0;
    for (const auto& a : *list) {
      (a.kind == accounts::AccountKind::kToken ? tokens : people)++;
      off += a.disabled;
    }
    std::printf("accounts: %zu people, %zu tokens (%zu disabled or revoked)\n", people, tokens, off);
  }
  struct stat st {};
  if (::stat(g.data_dir.c_str(), &st) == 0 && (st.st_mode & 077))
    std::printf(
        "permissions: WARNING the data directory is open to others (mode %03o) and holds the accounts' "
        "password hashes: chmod 700 %s\n",
        static_cast<unsigned>(st.st_mode & 0777), g.data_dir.c_str());
}

// Verify, the account rows against the log included; healthy sets exit 0.
void PrintDoctorVerify(Globals& g, Engine& engine, accounts::Accounts& accounts) {
  auto r = engine.Verify();
  if (!r.ok()) {
    std::printf("verify: could not run: %s\n", r.status().ToString().c_str());
    return;
  }
  if (auto rows = accounts.CompareRowsWithLog(); rows.ok())
    r->problems.insert(r->problems.end(), rows->begin(), rows->end());
  std::printf("verify: %llu events in %llu stream(s), %llu projection keys compared\n",
              static_cast<unsigned long long>(r->events), static_cast<unsigned long long>(r->streams),
              static_cast<unsigned long long>(r->projection_keys));
  for (const auto& p : r->problems) std::printf("PROBLEM: %s\n", ForTerminal(p).c_str());
  if (r->ok()) {
    std::printf("healthy: hash chains intact, projections identical to a rebuild\n");
    g.exit_code = kExitOk;
  } else {
    std::printf(
        "advice: if only projections differ, `duban rebuild` recomputes them from the log; a broken hash "
        "chain means the log itself was changed: keep a copy and compare with an anchor or backup\n");
  }
}

void RunDoctor(Globals& g) {
  const DataDirReport dir = Engine::InspectDataDir(g.data_dir);
  std::printf("data directory: %s\n", g.data_dir.c_str());
  std::printf("holds: %s (%s)\n", dir.kind.c_str(), dir.detail.c_str());
  g.exit_code = kExitRejected;
  if (AdviseOnUnopenable(g, dir)) return;
  // Opened as every command opens it: verify rebuilds with the workflow's
  // timer policy, and another policy would name timers as differences.
  auto engine = OpenEngine(g, true);
  if (!engine) {
    std::printf("open: FAILED (the reason is printed above)\n");
    std::printf(
        "advice: if the reason is an unfinished rebuild, run `duban rebuild`; if another duban process is "
        "writing, run doctor again; otherwise the store is damaged "
        "and should be restored from a copy (or see what `duban salvage --out NEW_DIR` can keep)\n");
    g.exit_code = kExitRejected;
    return;
  }
  accounts::Accounts accounts(*engine, nullptr);
  PrintStoreFacts(g, *engine, accounts);
  PrintDoctorVerify(g, *engine, accounts);
}

// `duban doctor`: what the data directory holds and whether it is healthy,
// in plain words, with what the operator can do. Changes nothing.
void AddDoctor(CLI::App& app, Globals& g) {
  auto* sub =
      app.add_subcommand("doctor", "say what the data directory holds and whether it is healthy; changes nothing");
  sub->callback([&g] { RunDoctor(g); });
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
    auto r = Salvage(g.data_dir, out, yes, policy, g.block_cache_mb);
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
      if (r->kept == 0)
        std::printf("kept: nothing (the log's beginning cannot be read)\n");
      else
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
        std::printf(
            "signed checkpoints: the newest covered position %llu; they are not copied (sign a new one with "
            "`duban anchor checkpoint`); exported anchors still verify what was kept%s\n",
            static_cast<unsigned long long>(r->newest_checkpoint),
            r->newest_checkpoint > r->kept ? " and show the loss" : "");
      const std::string where = ForTerminal(out);
      if (r->written)
        std::printf(
            "written: a new store in %s with the damaged store's id; the damaged store is untouched. Check "
            "it (`duban --data %s verify`) before you put it in its place\n",
            where.c_str(), where.c_str());
      else
        std::printf(r->kept ? "nothing was written; run again with --yes to write the new store in %s\n"
                            : "nothing was written; with nothing to keep, --yes would write no store in %s either\n",
                    where.c_str());
    }
    g.exit_code = kExitOk;
  });
}

void AddStoreCommands(CLI::App& app, Globals& g) {
  AddMaintenance(app, g);
  AddDoctor(app, g);
  AddSalvage(app, g);
}

}  // namespace
}  // namespace duban::cli

DUBAN_REGISTER_COMMANDS(19, &duban::cli::AddStoreCommands);
