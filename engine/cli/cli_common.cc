#include "cli_common.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <limits>
#include <random>

#include "duban/accounts.h"
#include "duban/core/workflow_timer_policy.h"
#include "duban/plan_import/unit_directory.h"
#include "duban/server/row_json.h"
#include "duban/schemas/codec.h"
#include "duban/terminal_text.h"
#include "duban/utf8.h"
#include "duban/file_text.h"

namespace duban::cli {

std::shared_ptr<WorkflowTimerPolicy> CliPolicy(Globals& g) {
  // The workflow rules (reminders, escalation ladder, review-cycle silence on
  // the working-day calendar) are the timers everywhere people use the engine.
  static const auto policy = WorkflowTimerPolicy::Default();
  if (!policy.ok()) {
    Fail(g, policy.status());
    return nullptr;
  }
  return *policy;
}

// Phrases are counted on the store's calendar, notices it recorded included
// (`duban calendar add`); a store that does not exist yet has the compiled-in
// one (null here), and so does one whose creation was interrupted (the
// import's writer finishes it). Any other store that cannot be read is
// refused: its phrases counted on the compiled-in calendar would enter the
// log for good.
Result<std::shared_ptr<const TimerPolicy>> StoreTimerPolicy(Globals& g) {
  std::shared_ptr<const TimerPolicy> store_policy;
  if (Engine::InspectDataDir(g.data_dir).kind == "store") {
    EngineOptions o;
    o.data_dir = g.data_dir;
    o.read_only = true;
    o.create_if_missing = false;
    o.block_cache_mb = g.block_cache_mb;
    auto e = Engine::Open(o, CliPolicy(g));
    if (!e.ok() && e.status().code() == Status::Code::kNotFound) return store_policy;
    if (!e.ok()) return e.status();
    store_policy = (*e)->timer_policy();
  }
  return store_policy;
}

bool IsSimulatedStore(const Engine& engine) {
  auto kind = engine.GetMeta(kStoreKindKey);
  return kind.ok() && kind->has_value() && **kind == "simulated";
}

bool IsKafkaReadModel(const Engine& engine) {
  auto offsets = engine.MetaWithPrefix("events.offset.");
  return offsets.ok() && !offsets->empty();
}

bool MarkSimulated(Globals& g, Engine& engine, const char* who) {
  if (IsSimulatedStore(engine)) return true;
  auto plans = engine.PlanIds();
  if (!plans.ok()) {
    Fail(g, plans.status());
    return false;
  }
  if (!plans->empty() || engine.LogEnd() > 1) {
    std::cerr << "duban " << who << ": " << g.data_dir << " holds real plans or records (" << plans->size()
              << " plan(s), " << engine.LogEnd() - 1
              << " event(s)); a simulated clock may only drive a store made for it: use a fresh --data directory\n";
    g.exit_code = kExitRejected;
    return false;
  }
  for (const auto& o : engine.SubmitBatch({}, {{kStoreKindKey, "simulated"}}))
    if (!o.status.ok()) {
      Fail(g, o.status);
      return false;
    }
  if (!IsSimulatedStore(engine)) {
    Fail(g, Status::IOError("could not mark " + g.data_dir + " as simulated"));
    return false;
  }
  return true;
}

bool MarkScripted(Globals& g, Engine& engine, const char* who) {
  if (!MarkSimulated(g, engine, who)) return false;
  auto plans = engine.PlanIds();
  if (!plans.ok()) {
    Fail(g, plans.status());
    return false;
  }
  const std::optional<Instant> clock = SimulatedNow(engine);
  if (plans->empty() && !clock) return true;
  std::string what = plans->empty() ? std::string() : "already holds " + std::to_string(plans->size()) + " plan(s)";
  if (clock)
    what +=
        (what.empty() ? "" : " and ") + std::string("has its clock moved to ") + FormatInstant(*clock).substr(0, 16);
  std::cerr << "duban " << who << ": " << g.data_dir << " " << what
            << "; a scripted year writes its events from its own start, before them: run it on a fresh --data "
               "directory\n";
  g.exit_code = kExitRejected;
  return false;
}

bool ClockToLogEnd(Globals& g, Engine& engine) {
  Instant last = 0;
  if (const uint64_t end = engine.LogEnd(); end > 1)
    if (Status st = engine.ScanLog(end - 1,
                                   [&last](uint64_t, const schemas::Event& e) {
                                     last = e.recorded_at;
                                     return false;
                                   });
        !st.ok()) {
      Fail(g, st);
      return false;
    }
  return last == 0 || AdvanceSimulatedNow(g, engine, last);
}

core::TimeRules CliTimeRules(Globals& g) {
  core::TimeRules rules;
  if (auto policy = CliPolicy(g)) {
    rules.max_skew_ms = static_cast<Instant>(policy->definition().clock_skew_minutes) * 60 * 1000;
    rules.office_back_entry = policy->definition().office_back_entry;
  }
  return rules;
}

namespace {
std::unique_ptr<Engine> Open(Globals& g, bool read_only, std::shared_ptr<const EngineClock> clock) {
  EngineOptions o;
  o.data_dir = g.data_dir;
  o.read_only = read_only;
  o.create_if_missing = !read_only;
  o.block_cache_mb = g.block_cache_mb;
  o.clock = std::move(clock);
  o.time_rules = CliTimeRules(g);
  // Only a writer signs; a key that is not safe to use is a misconfiguration
  // refused before the store is touched.
  if (!read_only && !g.anchor_key.empty()) {
    auto key = anchor::AnchorKey::Load(g.anchor_key, g.data_dir);
    if (!key.ok()) {
      Fail(g, key.status());
      return nullptr;
    }
    o.anchor_key = std::move(key).value();
  }
  auto policy = CliPolicy(g);
  if (!policy) return nullptr;
  auto e = Engine::Open(o, policy);
  if (!e.ok()) {
    Fail(g, e.status());
    return nullptr;
  }
  return std::move(e).value();
}
}  // namespace

std::unique_ptr<Engine> OpenEngine(Globals& g, bool read_only, std::shared_ptr<CliClock>* clock) {
  auto c = std::make_shared<CliClock>();
  if (clock) *clock = c;
  return Open(g, read_only, c);
}

std::unique_ptr<Engine> OpenScriptedEngine(Globals& g) { return Open(g, false, nullptr); }

std::optional<Instant> SimulatedNow(const Engine& engine) {
  auto now = engine.GetMeta(kSimulatedNowKey);
  if (!now.ok() || !now->has_value()) return std::nullopt;
  return ParseInstant(**now);
}

Date StoreToday(Globals& g, const Engine& engine) {
  Instant now = *IssuedAt(g, "");
  if (IsSimulatedStore(engine))
    if (auto clock = SimulatedNow(engine); clock && *clock > now) now = *clock;
  return DayOf(now);
}

bool AdvanceSimulatedNow(Globals& g, Engine& engine, Instant t) {
  if (auto now = SimulatedNow(engine); now && *now >= t) return true;
  for (const auto& o : engine.SubmitBatch({}, {{kSimulatedNowKey, FormatInstant(t)}}))
    if (!o.status.ok()) {
      Fail(g, o.status);
      return false;
    }
  return true;
}

bool WithinSimulatedHorizon(Globals& g, Instant t, const char* flag) {
  const Date today = DayOf(*IssuedAt(g, ""));
  const int y = today.year + kSimulatedYearsAhead;
  const Date limit{y, today.month, std::min(today.day, Date::DaysInMonth(y, today.month))};
  if (DayOf(t) <= limit) return true;
  std::cerr << "rejected (clock_ahead): " << flag << " " << FormatInstant(t).substr(0, 10) << " is more than "
            << kSimulatedYearsAhead << " years after today (" << today.ToString() << "); a simulated store's clock "
            << "never moves back, so it would stay there: give a date up to " << limit.ToString() << "\n";
  g.exit_code = kExitRejected;
  return false;
}

// A simulated store's clock (set by a tick or by the latest --at) is its
// "now": --at before it is a claim about the past, as on a real store (the
// office's back-entry keeps its reason and its recording time; a unit may not
// backdate); --at at or after it becomes the clock and moves it there.
bool UseStoreClock(const Engine& engine, CliClock& clock, schemas::Command& c) {
  if (!IsSimulatedStore(engine)) return false;
  const std::optional<Instant> now = SimulatedNow(engine);
  bool moves = false;
  if (c.effective_at && now && c.effective_at < *now) {
    c.issued_at = *now;
  } else if (c.effective_at) {
    c.issued_at = c.effective_at;
    c.effective_at = 0;
    moves = true;
  } else if (now && *now > c.issued_at) {
    c.issued_at = *now;
  }
  clock.Set(c.issued_at);
  return moves;
}

bool ActAs(Globals& g, Engine& engine, schemas::Actor& actor) {
  const bool simulated = IsSimulatedStore(engine);
  if (!simulated && (!g.actor.empty() || !g.role.empty())) {
    std::cerr << "duban: --actor/--role name who acts only in a simulated store (init --simulated, demo, simulate); in "
                 "this store "
                 "a write acts as an account: --as USER (`duban user list` shows them)\n";
    g.exit_code = kExitUsage;
    return false;
  }
  if (g.as.empty()) {
    if (simulated) return true;
    std::cerr << "duban: who acts? name your account with --as USER (or $DUBAN_AS); `duban user list` shows the "
                 "accounts, `duban user add` makes one\n";
    g.exit_code = kExitUsage;
    return false;
  }
  accounts::Accounts accounts(engine, nullptr);
  auto account = accounts.Get(g.as);
  if (!account.ok()) {
    if (account.status().code() == Status::Code::kNotFound) {
      std::cerr << "duban: no account named " << ForTerminal(g.as) << " in " << g.data_dir
                << " (`duban user list` shows them)\n";
      g.exit_code = kExitUsage;
    } else {
      Fail(g, account.status());
    }
    return false;
  }
  if (account->kind == accounts::AccountKind::kToken) {
    std::cerr << "duban: " << ForTerminal(g.as) << " is a machine token: it acts over the HTTP API only\n";
    g.exit_code = kExitUsage;
    return false;
  }
  if (account->disabled) {
    std::cerr << "duban: account " << ForTerminal(g.as) << " is disabled; nothing was written\n";
    g.exit_code = kExitRejected;
    return false;
  }
  actor = accounts::ActorOf(*account);
  return true;
}

bool PrepareWrite(Globals& g, Engine& engine, CliClock& clock, schemas::Command& c) {
  // A write at a later --at moves the store's clock there, so the next write
  // given no --at is not taken for one made before it.
  if (UseStoreClock(engine, clock, c) &&
      (!WithinSimulatedHorizon(g, c.issued_at, "--at") || !AdvanceSimulatedNow(g, engine, c.issued_at)))
    return false;
  return ActAs(g, engine, c.actor);
}

std::optional<Instant> IssuedAt(Globals& g, const std::string& at, const char* flag) {
  if (at.empty())
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  auto t = ParseInstant(at);
  if (!t) {
    std::cerr << "duban: " << flag << " '" << ForTerminal(at) << "' is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM)\n";
    g.exit_code = kExitUsage;
  }
  return t;
}

std::string NewCommandId() {
  static std::atomic<uint64_t> counter{0};
  std::random_device rd;
  const auto now = std::chrono::system_clock::now().time_since_epoch().count();
  return "cli-" + std::to_string(now) + "-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 100000) + "-" +
         std::to_string(counter++);
}

std::optional<schemas::Command> MakeCommand(Globals& g, const std::string& plan_id, schemas::Role default_role,
                                            const std::string& default_actor, const std::string& command_id,
                                            const std::string& at, schemas::CommandBody body,
                                            const std::string& back_entry) {
  schemas::Command c;
  c.plan_id = plan_id;
  c.command_id = command_id.empty() ? NewCommandId() : command_id;
  c.actor.role = default_role;
  if (!g.role.empty()) {
    auto r = schemas::ParseRole(g.role);
    if (!r) {
      std::cerr << "duban: --role must be supervisor, unit, auditor or system (got '" << g.role << "')\n";
      g.exit_code = kExitUsage;
      return std::nullopt;
    }
    c.actor.role = *r;
  }
  c.actor.id = g.actor.empty() ? default_actor : g.actor;
  c.actor.name = c.actor.id;
  c.issued_at = *IssuedAt(g, "");
  if (!at.empty()) {
    auto t = IssuedAt(g, at);
    if (!t) return std::nullopt;
    c.effective_at = *t;
  }
  c.back_entry_reason = back_entry;
  c.body = std::move(body);
  return c;
}

std::string EventLine(const schemas::Event& e) {
  std::string line = schemas::EventTypeName(e.type);
  const int32_t task = schemas::TaskOf(e.body);
  const std::string unit = schemas::UnitOf(e.body);
  if (task) line += " task " + std::to_string(task);
  if (!unit.empty()) line += " " + unit;
  std::string details = schemas::DescribeBody(e.body);
  // A deadline's change reads old -> new, "none" where there was no date.
  if (const auto* d = std::get_if<schemas::DeadlineChanged>(&e.body))
    details = "deadline " + (d->old_due_on.empty() ? std::string("none") : d->old_due_on) + " -> " + d->new_due_on +
              "; reason=" + d->reason;
  // A stopped schedule has no year to show.
  if (const auto* s = std::get_if<schemas::ScheduleSet>(&e.body); s && s->recurrence.empty())
    details = "stopped; old_recurrence=" + s->old_recurrence + "; reason=" + s->reason;
  // Keep one line per event: long texts (task content) are cut whole characters.
  if (utf8::CodePoints(details) > 120) details = utf8::Prefix(details, 120) + "…";
  if (!details.empty()) line += " (" + details + ")";
  return ForTerminal(line);
}

void PrintOutcome(Globals& g, const Outcome& o) {
  if (o.status.code() == Status::Code::kConflict) {
    if (g.json)
      std::cout << nlohmann::json{{"command_id", o.command_id},
                                  {"outcome", "conflict"},
                                  {"message", o.status.message()}}
                       .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                << "\n";
    std::cerr << "conflict: " << ForTerminal(o.status.message()) << "\n";
    g.exit_code = kExitConflict;
    return;
  }
  const bool rejected = o.status.code() == Status::Code::kRejected;
  if (!o.status.ok() && !rejected) {
    Fail(g, o.status);
    return;
  }
  if (g.json) {
    std::cout << server::OutcomeJson(o).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else if (rejected) {
    std::cerr << "rejected (" << o.status.reason() << "): " << ForTerminal(o.status.message()) << "\n";
  } else {
    std::cout << (o.duplicate ? "already done (same command id); nothing new written\n" : "");
    for (const auto& e : o.events) std::cout << "  " << EventLine(e) << "\n";
    if (o.events.empty() && !o.duplicate) std::cout << "ok, nothing to record\n";
  }
  g.exit_code = rejected ? kExitRejected : kExitOk;
}

Result<anchor::Checkpoint> ReadAnchorFile(const std::string& path) {
  auto text = file_text::ReadWhole(path, 64 << 10);
  if (!text.ok() && text.status().code() == Status::Code::kInvalidArgument)
    return Status::InvalidArgument("anchor file " + path + " is too large to be one");
  if (!text.ok()) return Status::InvalidArgument("cannot read anchor file " + path + ": " + text.status().message());
  auto cp = anchor::Checkpoint::FromJson(*text);
  if (!cp.ok()) return Status::InvalidArgument("anchor file " + path + ": " + cp.status().message());
  return cp;
}

void Fail(Globals& g, const Status& st) {
  std::cerr << "duban: " << ForTerminal(st.ToString()) << "\n";
  g.exit_code = st.code() == Status::Code::kInvalidArgument ? kExitUsage
                : st.code() == Status::Code::kConflict      ? kExitConflict
                                                            : kExitRejected;
}

std::string CanonicalUnit(const core::PlanState& plan, const std::string& unit) {
  // The plan's units and the sub-units they may delegate to (多级下发).
  const auto known = [&](const std::string& u) {
    return plan.units.count(u) > 0 || std::any_of(plan.meta.sub_units.begin(), plan.meta.sub_units.end(),
                                                  [&](const schemas::SubUnit& s) { return s.name == u; });
  };
  if (unit.empty() || known(unit)) return unit;
  for (const auto& dir : plan_import::UnitDirectory::Embedded())
    if (auto c = dir.Canonical(unit); c && known(*c)) return *c;
  return unit;
}

}  // namespace duban::cli
