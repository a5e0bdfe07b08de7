// Helpers shared by the CLI's command files: opening the store from the
// global options, building commands with actor and time, and printing
// outcomes and events for people (text) or tools (--json).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>

#include "cli_registry.h"
#include "duban/engine.h"
#include "duban/server/calendar_json.h"

namespace duban {
class WorkflowTimerPolicy;
}

namespace duban::cli {

// The clock of the engines the CLI opens: the machine's, except in a store
// marked simulated, where a command's own time (--at, tick --now) is set as
// the clock and so drives recorded_at (see UseStoreClock).
class CliClock : public EngineClock {
 public:
  Instant Now() const override { return set_ ? *set_ : SystemClock()->Now(); }
  void Set(Instant t) { set_ = t; }

 private:
  std::optional<Instant> set_;
};

// Opens the engine at --data, running on a CliClock (returned in *clock when
// asked); prints the error and sets exit code on failure.
std::unique_ptr<Engine> OpenEngine(Globals& g, bool read_only = false, std::shared_ptr<CliClock>* clock = nullptr);
// Opens the engine with no clock: the caller puts the time in every command
// (a script on a simulated clock: demo, simulate). REQUIRES: the caller marks
// the store simulated (MarkSimulated, which refuses a real store) before it
// submits anything.
std::unique_ptr<Engine> OpenScriptedEngine(Globals& g);

// A write command's two times for this store. Real store: the engine's
// clock takes it, --at stays the claimed effective time. Simulated store:
// the store's clock (kSimulatedNowKey) is its now; --at before it stays a
// claim, --at at or after it becomes the clock, which drives recorded_at.
// True when the write moves the store's clock.
bool UseStoreClock(const Engine& engine, CliClock& clock, schemas::Command& c);

// Who a write acts as. A real store: the account named by --as (or
// $DUBAN_AS), enabled, becomes the actor (accounts::ActorOf); free-text
// --actor/--role are refused there. A simulated store: --as when given, else
// the free-text actor MakeCommand made. False after printing why (exit 2 for
// a missing or unknown --as, 1 for a disabled account).
bool ActAs(Globals& g, Engine& engine, schemas::Actor& actor);
// UseStoreClock and ActAs: what every write does before it submits.
bool PrepareWrite(Globals& g, Engine& engine, CliClock& clock, schemas::Command& c);

// The time rules of the workflow definition the CLI runs (`times:`).
core::TimeRules CliTimeRules(Globals& g);

// Stores made by `duban demo` / `duban simulate` are marked simulated (meta
// key store_kind = simulated, written before their first event): only there
// may a simulated clock move time. MarkSimulated refuses (and prints why) a
// store that already holds plans and is not marked.
inline constexpr const char* kStoreKindKey = "store_kind";
// A simulated store's clock: the latest --now a tick drove it to. Writes
// given no --at happen then (or at the machine's time, when later), so a
// store ticked into next year does not take the office's next record for one
// made months before, and "already past" means past on that clock.
inline constexpr const char* kSimulatedNowKey = "simulated_now";
// A simulated store's clock, once a tick or a later --at set it.
std::optional<Instant> SimulatedNow(const Engine& engine);
// The day a read counts from: the machine's date, or a simulated store's
// clock when that is later (a store ticked into next year reads silence
// and lateness on its own date, as its writes happen on it).
Date StoreToday(Globals& g, const Engine& engine);
// Raises a simulated store's clock to `t` (never lowers it). False after printing why.
bool AdvanceSimulatedNow(Globals& g, Engine& engine, Instant t);
// The latest a simulated clock may be driven to: kSimulatedYearsAhead years
// after the machine's date. The clock never moves back, so a date far ahead
// (9999-12-31 typed for "the end") would leave the store stuck there, every
// later write recorded then. False after printing why (exit 1); `flag` is
// the option that gave `t`.
inline constexpr int kSimulatedYearsAhead = 10;
bool WithinSimulatedHorizon(Globals& g, Instant t, const char* flag);
bool IsSimulatedStore(const Engine& engine);
// A store `duban project` or `serve --bootstrap` keeps from duban.events (it
// holds their offsets): its timers are `duban engine`'s to fire, and an event
// written here directly would fork it from Kafka.
bool IsKafkaReadModel(const Engine& engine);
bool MarkSimulated(Globals& g, Engine& engine, const char* who);
// MarkSimulated for a scripted year (demo, scenario, simulate), which writes
// events from its own start: refused on a simulated store that already holds
// a plan or whose clock was moved (its events would be dated before what the
// store holds, with no back-entry reason). False after printing why.
bool MarkScripted(Globals& g, Engine& engine, const char* who);
// After a scripted year: the store's clock moves to its last event's
// recording time, so a write that follows is not dated before the year.
bool ClockToLogEnd(Globals& g, Engine& engine);

// The workflow timer policy every engine the CLI opens uses (compiled-in
// definition and calendar); null after printing the error.
std::shared_ptr<WorkflowTimerPolicy> CliPolicy(Globals& g);

// The store's timer policy, its calendar holding the notices the store
// recorded (`duban calendar add`), for commands that count working days:
// null when the data directory holds no store yet (the compiled-in calendar
// is the store's then); an error for a store that cannot be read.
Result<std::shared_ptr<const TimerPolicy>> StoreTimerPolicy(Globals& g);

// Open assignments whose armed timers were counted provisionally
// (duban/server/calendar_json.h, which the API shares).
using server::AssignmentKey;
using server::ProvisionalDeadlines;
using server::ProvisionalTimer;

// --at parsed (YYYY-MM-DD[THH:MM[:SS]], CST), else the machine's clock now.
// `flag` names the option in the message for a value that is not a date.
std::optional<Instant> IssuedAt(Globals& g, const std::string& at, const char* flag = "--at");

// Fills id, actor and the two times: issued_at is now (the engine restamps
// it), effective_at is --at when given (a claim decide checks), with the
// office's back-entry reason. The role defaults to `default_role` and the
// actor id to `default_actor` when --role / --actor are not given.
std::optional<schemas::Command> MakeCommand(Globals& g, const std::string& plan_id, schemas::Role default_role,
                                            const std::string& default_actor, const std::string& command_id,
                                            const std::string& at, schemas::CommandBody body,
                                            const std::string& back_entry = "");

// Prints an outcome (text or JSON) and sets g.exit_code (0 ok, 1 rejected).
void PrintOutcome(Globals& g, const Outcome& o);
// Prints and sets exit code 1 (2 for kInvalidArgument from the user).
void Fail(Globals& g, const Status& st);

// One line for people: the event's type, task, unit and details, passed
// through ForTerminal (duban/terminal_text.h) like every stored text the CLI
// prints for people.
std::string EventLine(const schemas::Event& e);
// An anchor file written by `duban anchor export` (one checkpoint, JSON).
Result<anchor::Checkpoint> ReadAnchorFile(const std::string& path);
std::string NewCommandId();

// A unit named by an alias the unit directories know (市卫健局 for
// 市卫生健康局) is the plan's unit (or a sub-unit it may delegate to) of that
// canonical name; else `unit` as given.
// Only at this edge: decide itself takes the plan's names exactly.
std::string CanonicalUnit(const core::PlanState& plan, const std::string& unit);

}  // namespace duban::cli
