// The engine's front door: open a store, submit commands, query projections.
//
// Embedded mode (this class): the event log is a column family of the same
// RocksDB as the projections. Submit() decides a command against the plan's
// state, and commits its events, their projection updates and the command's
// outcome in ONE WriteBatch, so a crash at any moment (kill -9) leaves either
// all of a command or none of it. A command whose id was seen before returns
// the first outcome and writes nothing; the same id for another command (a
// different plan, actor or body; schemas::CommandDigest) is a conflict
// (Status::kConflict), never "already done", and writes nothing.
//
// Thread safety: one Engine per data directory and process (RocksDB's LOCK
// enforces it across processes); its methods are not to be called
// concurrently. One writer per plan is the design, so this costs nothing.
// The exceptions, which read RocksDB only and may run on several threads at
// once and beside one thread using the rest (a server's readers beside its
// committer): Assignments (one consistent snapshot), GetMeta,
// MetaWithPrefix and timer_policy (a copy the caller keeps alive while it
// counts on it). Not beside Rebuild, which drops what they read.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "duban/anchor.h"
#include "duban/core/domain.h"
#include "duban/schemas/commands.h"
#include "duban/schemas/events.h"
#include "duban/status.h"

namespace rocksdb {
class Env;
}

namespace duban {

// The engine's clock: the time it takes a command, which becomes the
// events' recorded_at. A store people use runs on SystemClock(); tests,
// `duban simulate` and `duban demo` run without one and put the time in
// each command themselves (a simulated clock; the CLI allows that only in a
// store marked simulated).
class EngineClock {
 public:
  virtual ~EngineClock() = default;
  virtual Instant Now() const = 0;
};
std::shared_ptr<const EngineClock> SystemClock();

struct EngineOptions {
  std::string data_dir = "./duban-data";
  // The durability contract: a commit is fsynced before it is acknowledged,
  // so an acknowledged command survives a power cut (one fsync per commit:
  // a batch of commands shares it). false is the relaxed mode: a killed
  // process still loses nothing (the WAL is in the OS page cache), but a
  // power cut may lose the last acknowledged commits (tests/core/power_cut_test.cc).
  bool sync = true;
  bool create_if_missing = true;
  bool read_only = false;  // queries only; a second process may hold the writer
  size_t write_buffer_mb = 64;
  // RocksDB's block cache (decoded table blocks kept in memory), MiB: the
  // largest share of the resident memory of a store of millions of events.
  // Engines of one process that ask for the same size share one cache (Kafka
  // mode's partition stores); it is freed when the last of them closes.
  // Smaller costs queries a read from the OS page cache per missed block.
  // 512 MiB met the query targets at 10M events / 1M assignments (status
  // p99 175 us, history p99 464 us: docs/RUNBOOK.md, "Memory").
  size_t block_cache_mb = 512;
  static constexpr size_t kMaxBlockCacheMb = size_t{1} << 20;  // 1 TiB; Open refuses 0 and more
  // Stream that logs rejections. Kafka mode names one per partition
  // ("!rejected/3") so stores that merge partitions keep each chain whole.
  std::string rejected_stream = "!rejected";
  // RocksDB's Env (null: the default). Tests pass one that injects faults.
  rocksdb::Env* env = nullptr;
  // Rebuild and Verify replay the log into projections in write batches of
  // about this many events (a command's events may straddle two batches).
  uint64_t replay_chunk_events = 20000;
  // The plan states kept in memory between commands, measured in what they
  // grow with: 1 per plan, task and assignment held (a published plan of 50
  // tasks x 5 units weighs about 300). Past it, the least recently used are
  // dropped and loaded again from their snapshots when next needed
  // (engine/core/plan_cache.h).
  uint64_t plan_cache_weight = 250'000;
  // A tick fires due timers in rounds (a fired step may arm the next, also
  // due); after this many rounds it stops, reports it (TickReport) and the
  // rest fires on the next tick.
  int tick_max_rounds = 64;
  // Null: each command's issued_at is taken as given (a simulated clock).
  // Set: Submit/SubmitBatch overwrite issued_at with clock->Now(), and a
  // tick records its events at clock->Now().
  std::shared_ptr<const EngineClock> clock;
  // Bounds on the effective time a writer claims (decide enforces them).
  core::TimeRules time_rules;
  // Anchors (duban/anchor.h). With a key, every commit also writes a signed
  // checkpoint of the log head in the same WriteBatch, so no acknowledged
  // event is ever unsigned; one is kept for good every anchor_every_events
  // events (the others replace each other). Once a store holds a checkpoint
  // it is anchored: a writer without the key (or with another key) may read
  // and rebuild, but every write is refused, and a writer with the key
  // refuses a log that ends before or after its last checkpoint.
  std::shared_ptr<const anchor::AnchorKey> anchor_key;
  uint64_t anchor_every_events = 1000;
};

// What a tick did beyond its outcomes.
struct TickReport {
  int rounds = 0;         // rounds of due timers fired
  bool more_due = false;  // stopped at tick_max_rounds with timers still due
  // Reminders dropped unfired: the same tick found their deadline missed,
  // or a later reminder of the same deadline due too (the clock reached
  // them late), so "due in N days" would be false.
  int moot_reminders = 0;
};

// What a command came to.
struct Outcome {
  std::string command_id;
  Status status;                       // ok, or kRejected with reason() and message()
  std::vector<schemas::Event> events;  // the events written (empty when rejected)
  bool duplicate = false;              // the command id was seen before for this same command; nothing written now
  uint64_t first_position = 0;         // log position of the first event written
};

// One row of a status query.
struct AssignmentRow {
  std::string plan_id;
  int32_t task = 0;
  std::string task_title;
  std::string deadline_text;
  core::AssignmentState a;
};

// Assignments of a plan counted by AssignmentGroup (duban/core/domain.h):
// what the office's dashboard shows, kept by the `counts` projection so that
// it reads a few keys per unit and deadline, not a row per assignment.
struct GroupCount {
  std::string plan_id;
  core::AssignmentGroup group;
  int64_t count = 0;
  int64_t reminders = 0;          // sent for its assignments (those that know theirs)
  int64_t reminders_unknown = 0;  // its assignments projected before reminders were counted
};
struct AssignmentCounts {
  std::vector<GroupCount> groups;  // by plan, then unit
  // When the assignment of (plan, unit) changed last (in the plan's stream
  // order) was changed: the effective time of that change.
  std::map<std::pair<std::string, std::string>, Instant> last_update;
};

struct StatusFilter {
  std::string plan_id, unit;
  std::optional<core::AssignmentStatus> status;
  // Late work not yet done: overdue and neither completed nor cancelled (the
  // flag stays on work completed late, which the ledger shows as such).
  bool overdue_only = false;
  // The status and overdue conditions (plan and unit choose the rows read).
  bool Matches(const core::AssignmentState& a) const { return Matches(a.status, a.overdue); }
  bool Matches(core::AssignmentStatus s, bool overdue) const {
    const bool late_now = overdue && s != core::AssignmentStatus::kCompleted && s != core::AssignmentStatus::kCancelled;
    return !(status && s != *status) && !(overdue_only && !late_now);
  }
};

struct HistoryEntry {
  uint64_t position = 0;
  schemas::Event event;
};

// A timer waiting in the timer index.
struct DueTimer {
  Instant due = 0;
  std::string plan_id;
  schemas::FireTimer timer;
  std::string key;  // the index key, used as the firing command's id
};

// Decides which timers an assignment should have armed, given its state.
// Must be deterministic (rebuild re-arms from the log). The default arms one
// "missed" timer at the start of the day after the due date; the workflow
// rules replace it (reminders, escalation ladder) on the working-day calendar.
class TimerPolicy {
 public:
  virtual ~TimerPolicy() = default;
  struct Timer {
    Instant fire_at = 0;
    schemas::FireTimer body;
  };
  virtual std::vector<Timer> TimersFor(const core::PlanState& plan, const core::AssignmentState& a) const = 0;
  // The same rules counted on its calendar plus the recorded notices (oldest
  // first), or why they do not fit it. A policy without a working-day
  // calendar refuses: such an engine records no notices.
  virtual Result<std::shared_ptr<const TimerPolicy>> WithCalendarNotices(
      const std::vector<schemas::CalendarNoticeAdded>& notices) const {
    (void)notices;
    return Status::InvalidArgument("this engine's timers count no working-day calendar");
  }
  // The version of the newest calendar it counts on ("" without one).
  virtual std::string CalendarVersion() const { return {}; }
};
std::shared_ptr<TimerPolicy> DefaultTimerPolicy();

// What a data directory holds, in plain words, looked at without opening it
// (for `duban doctor`): "store", "empty", "missing", "damaged" or "foreign".
struct DataDirReport {
  std::string kind;
  std::string detail;
  std::string store_id;  // for a store with an identity file
};

struct VerifyReport {
  uint64_t events = 0;
  uint64_t streams = 0;
  uint64_t projection_keys = 0;
  // The log head (duban/anchor.h) the check computed at the last position it
  // read: what a checkpoint signed now would say (empty, 0: an empty log).
  uint64_t log_end = 0;
  std::string log_head;
  std::vector<std::string> problems;  // empty when the log and projections are sound
  std::vector<std::string> notes;     // what was not checked, and why (not problems)
  bool ok() const { return problems.empty(); }
};

class Engine {
 public:
  // Creates a store only in a missing or empty directory; a damaged store or
  // a directory holding other files is refused with a message that says what
  // it holds, and nothing in it is changed.
  static Result<std::unique_ptr<Engine>> Open(const EngineOptions& options,
                                              std::shared_ptr<TimerPolicy> timers = nullptr);
  static DataDirReport InspectDataDir(const std::string& dir);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  Outcome Submit(const schemas::Command& command);
  // Decides the commands in order and commits them together (group commit).
  // Each outcome is as if submitted alone; all are durable when this returns.
  std::vector<Outcome> SubmitBatch(const std::vector<schemas::Command>& commands);
  // Engine-private bookkeeping (e.g. the Kafka offsets a batch consumed), written
  // in the same WriteBatch as the commands' events: one atomic step.
  using MetaWrites = std::vector<std::pair<std::string, std::string>>;
  std::vector<Outcome> SubmitBatch(const std::vector<schemas::Command>& commands, const MetaWrites& meta);
  // Same, and hands back the log records the batch wrote, in log order from
  // the LogEnd() before the call (the bytes ScanLogRecords would read back:
  // Kafka mode produces them without reading the store again). Empty when
  // the write failed.
  std::vector<Outcome> SubmitBatch(const std::vector<schemas::Command>& commands, const MetaWrites& meta,
                                   std::vector<std::string>* records);
  Result<std::optional<std::string>> GetMeta(const std::string& key) const;

  // Appends events decided elsewhere (Kafka mode: read back from duban.events),
  // in order, with their projection updates, in one WriteBatch with `meta`.
  // An event already applied (same command id and event id) is skipped, so
  // at-least-once delivery applies each event exactly once. Each event's hash
  // and its place in its stream (seq, prev_hash) are checked; a gap or a
  // broken chain is Corruption and nothing of the call is written.
  // An event whose id is applied already but whose content (hash) differs
  // is a fork (two engines decided the command differently, or a forgery): it
  // is not applied and not counted as a duplicate, but counted in `forks` and
  // logged as an error. It does not fail the call: a reader keeps the first
  // version, as the log does, and says so.
  struct AppendResult {
    uint64_t appended = 0;
    uint64_t duplicates = 0;
    uint64_t forks = 0;
    std::string first_fork;  // which event, in words
  };
  Result<AppendResult> AppendExternal(const std::vector<schemas::Event>& events, const MetaWrites& meta = {});

  // Fires every timer due at or before `now`, as system commands through the
  // normal pipeline. Cost is proportional to the timers due. When timers are
  // still due after EngineOptions::tick_max_rounds rounds it stops with a
  // warning and report->more_due set; the next tick carries on.
  Result<std::vector<Outcome>> Tick(Instant now, const std::string& actor_id = "clock", TickReport* report = nullptr);
  // The same tick, handing each round's outcomes to `sink` once the round is
  // written instead of keeping them: a tick over a million due timers holds
  // one round's (at most 50,000) at a time, not all of them. A sink's error
  // stops the tick and is returned; the rounds written stay written (each is
  // whole), and the next tick fires what is still due.
  using TickSink = std::function<Status(std::vector<Outcome>& round)>;
  Status TickEachRound(Instant now, const std::string& actor_id, TickReport* report, const TickSink& sink);
  Result<std::vector<DueTimer>> PendingTimers(Instant until, size_t limit) const;

  // ---- calendar notices ----
  // Records a State Council holiday notice (the YAML of one notice, format of
  // workflows/calendars/cn-mainland.yaml) as CalendarNoticeAdded in the stream
  // "!calendar", and in the same batch recounts every open assignment on it
  // (one DeadlineRecounted each, naming the timers whose day moved, possibly
  // none: what it arms later counts on the new version too), its timers
  // re-armed, and every task whose date names an older version (one
  // DeadlineRecounted with no unit: assignments made later count on it). A
  // date the import counted in working days provisionally is counted again
  // and moves, with the assignments still due on it.
  // Closed assignments and fired events keep the calendar they were judged by.
  // Only the office (supervisor) may; a notice that does not fit the calendar
  // (a year covered twice: a correction is an `amends:` notice) is rejected
  // with the file and line. Idempotent by command id like Submit. The engine
  // counts on compiled-in + recorded notices from then on, and from Open on.
  struct CalendarNoticeRequest {
    std::string command_id;
    schemas::Actor actor;
    Instant issued_at = 0;  // an engine with a clock takes its own
    std::string text, source;
  };
  Outcome AddCalendarNotice(const CalendarNoticeRequest& request);
  // The notices recorded in this store, oldest first.
  std::vector<schemas::CalendarNoticeAdded> CalendarNotices() const;
  // The timer policy in force: the one given to Open plus the recorded notices.
  std::shared_ptr<const TimerPolicy> timer_policy() const;

  // ---- accounts (duban/accounts.h builds on these) ----
  // Records an account change as AccountChanged in the stream "!accounts",
  // with `meta` (the account row) in the same WriteBatch (signed like any
  // commit in an anchored store). Each call is a new change: the caller
  // gives a fresh command id. Refused read-only and in an anchored store
  // without its key, like Submit.
  struct AccountChangeRequest {
    std::string command_id;
    schemas::Actor actor;
    Instant issued_at = 0;  // an engine with a clock takes its own
    schemas::AccountChanged change;
    MetaWrites meta;
  };
  Outcome RecordAccountChange(const AccountChangeRequest& request);
  // Engine-private bookkeeping rows whose key starts with `prefix`, by key.
  Result<std::vector<std::pair<std::string, std::string>>> MetaWithPrefix(const std::string& prefix) const;

  // ---- queries (projections) ----
  Result<std::vector<AssignmentRow>> Assignments(const StatusFilter& filter) const;
  // One plan's counts, or every plan's (empty plan_id). Unavailable: the
  // store keeps none yet (a read-only open of a store made before them).
  Result<AssignmentCounts> CountAssignments(const std::string& plan_id) const;
  Result<std::vector<HistoryEntry>> History(const std::string& plan_id, int32_t task) const;
  Result<core::PlanState> Plan(const std::string& plan_id) const;
  // Which of an event's two times an as-of view cuts on.
  enum class AsOf {
    kEffective,  // what is now known of that moment: events effective by then, back-entries included
    kRecorded,   // what the record said at that moment: events recorded by then, nothing entered later
  };
  // The plan as it stood at `at`: its stream replayed, in log order, through
  // the events whose effective (or recorded) time is not later. `events`, if
  // given, receives those events (what a report of that day reads), so that
  // they are read from the log once.
  Result<core::PlanState> PlanAsOf(const std::string& plan_id, Instant at, AsOf basis = AsOf::kEffective,
                                   std::vector<schemas::Event>* events = nullptr) const;
  Result<std::vector<std::string>> PlanIds() const;
  // The recorded outcome of a command id (duplicate set); first_event, when
  // given, receives the first event it wrote (its CommandRejected if refused),
  // whose envelope says who sent it.
  Result<Outcome> OutcomeOf(const std::string& command_id, schemas::Event* first_event = nullptr) const;

  // ---- the log ----
  uint64_t LogEnd() const;  // next position to be written
  // Calls fn for each event from `from` (inclusive) in log order until fn returns false.
  Status ScanLog(uint64_t from, const std::function<bool(uint64_t, const schemas::Event&)>& fn) const;
  // Same, without decoding: fn gets each log record's stored bytes, which are
  // FrameRecord(schemas::EncodeEvent(e)) of the event with its hash (what
  // Kafka mode produces), valid only during the call.
  Status ScanLogRecords(uint64_t from, const std::function<bool(uint64_t, std::string_view)>& fn) const;

  // Benchmark aids (write statistics, a write observer, raw write timing)
  // are in duban/engine_bench.h.

  // ---- maintenance ----
  // Drops every projection and replays the log into them. Refused (Corruption,
  // nothing changed) when the log fails the checks Verify makes of it (a
  // broken hash chain, a checkpoint the log no longer matches): a rebuild
  // would make the projections agree with an altered log and hide it.
  Status Rebuild();
  // True when this open itself rebuilt the projections (it finished a rebuild
  // an earlier process was killed in, or made the dashboard's counts once)
  // and nothing has been committed since: a Rebuild now would replay the same
  // log into the same projections.
  bool ProjectionsRebuiltAtOpen() const;
  // Recomputes every stream's hash chain, then rebuilds projections into a
  // scratch store and compares them key by key with the live ones. Signed
  // checkpoints are checked against the log: the store's own, and `anchors`
  // (exported earlier and kept by an auditor), whose public keys are then the
  // only ones trusted. Reported: a checkpoint whose head the log no longer
  // gives (rewritten), one past the log's end (truncated), and events after
  // the last trusted checkpoint of an anchored store (appended unsigned).
  Result<VerifyReport> Verify(const std::vector<anchor::Checkpoint>& anchors = {}) const;

  // Signs the log as it stands and keeps the checkpoint for good (needs
  // EngineOptions::anchor_key). On a store not yet anchored this starts
  // anchoring it: from then on every commit is signed.
  Result<anchor::Checkpoint> SignCheckpoint();
  // The newest checkpoint the store holds (none: not anchored).
  Result<std::optional<anchor::Checkpoint>> LatestCheckpoint() const;
  // Order-independent digest of all projection column families (for tests and reports); a command
  // row counts without the command digest it keeps, which only the engine that took the command has.
  Result<std::string> ProjectionDigest() const;

 private:
  struct Impl;                 // engine/core/engine_impl.h
  friend struct EngineAccess;  // engine/core's own pieces: the benchmark aids (duban/engine_bench.h)
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace duban
