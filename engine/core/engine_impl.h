// Engine::Impl: the embedded engine's state and the steps its pieces share.
// Internal to engine/core (not under include/): the public contract is
// duban/engine.h; this header is what the files implementing it have in
// common. Which file holds which step is in engine/core/README.md:
//
//   store_open.cc        RocksDB options, opening the column families, closing small
//   engine_open.cc       Engine::Open: the data directory judged, the log end checked
//   commit.cc            Submit/SubmitBatch: decide, append, project, one WriteBatch
//   command_ids.cc       what a command id seen before answers (idempotency, conflicts)
//   command_shape.cc     ids and names fit to be keys (CheckName, CheckCommandShape)
//   append_external.cc   AppendExternal (Kafka mode): events decided elsewhere
//   timers.cc            the default timer policy, PendingTimers, Tick
//   calendar_notices.cc  AddCalendarNotice and the recount it causes
//   account_changes.cc   RecordAccountChange
//   log_reads.cc         events by position, a stream's history, a plan replayed, ScanLog
//   queries.cc           Assignments, CountAssignments, History, Plan, PlanAsOf, ...
//   engine_anchors.cc    signed checkpoints: sealing commits, loading, SignCheckpoint
//   log_check.cc         CheckLog: hash chains, positions, checkpoints
//   maintenance.cc       Rebuild, Verify, ProjectionDigest
//   engine_bench.cc      the benchmark aids (duban/engine_bench.h)
//   projector.h/.cc      the projection rows of a run of events
//
// Thread safety: as Engine (duban/engine.h); nothing here locks.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "column_families.h"
#include "duban/engine.h"
#include "duban/engine_bench.h"
#include "duban/schemas/codec.h"
#include "log_end.h"
#include "plan_cache.h"
#include "records.h"
#include "store_dir.h"

namespace duban {

class Projector;

inline constexpr const char* kRebuildMarker = "rebuild_in_progress";
// In `meta` once the `counts` projection is kept (records.h): a store made
// before it has none, and is rebuilt once by the next writer that opens it.
inline constexpr const char* kCountsBuilt = "counts.built";
// In `meta` once `history` is kept in buckets (records.h): a store made
// before has one key per event, and is rebuilt once by the next writer.
inline constexpr const char* kHistoryBuckets = "history.buckets";
// In `meta`: the generation of the rules that arm timers (the timer policy,
// schedule.h). When a rule changes which timers an assignment has, the
// generation goes up: a store whose timers an older rule armed is rebuilt
// once by the next writer (its timers are then what a replay arms), and
// `verify` does not compare its timers until then. 2: no report is asked
// for a checkpoint on or after the unit's own date.
inline constexpr const char* kTimerRules = "timers.rules";
inline constexpr const char* kTimerRulesNow = "2";
// The stream of recorded calendar notices (CalendarNoticeAdded). Like the
// rejection streams it is no plan: it has a head and a history (task 0), and
// the engine's timer policy is built from its events.
inline constexpr const char* kCalendarStream = "!calendar";
// The stream of account changes (AccountChanged, duban/accounts.h).
inline constexpr const char* kAccountsStream = "!accounts";
// System streams whose events are listed in the history index (for reads by stream).
inline bool KeepsHistory(const std::string& stream) { return stream == kCalendarStream || stream == kAccountsStream; }
// Signed checkpoints (duban/anchor.h) in `meta`: the newest one, rewritten by
// every signed commit, and the ones kept for good, keyed by the position they cover.
inline constexpr const char* kAnchorLast = "anchor.last";
inline constexpr const char* kAnchorKeptPrefix = "anchor/";
inline std::string AnchorKeptKey(uint64_t log_end) { return kAnchorKeptPrefix + core::records::keys::Pos(log_end); }
// Each recorded command's schemas::CommandDigest (128 bits, as 32 hex
// digits), kept in its `commands` row (records.h): a repeated id is compared
// with it, so that the same id for another command is a conflict. Stores
// from before format 2 kept it in `meta` under this prefix, still read.
inline constexpr const char* kCommandDigestPrefix = "command/";
inline std::string CommandDigestOf(const schemas::Command& c) { return schemas::CommandDigest(c).substr(0, 32); }

// A RocksDB status in the engine's words (store_open.cc): what failed, and
// for a full disk, a read-only mount, a permission or the open-files limit,
// what to do about it.
Status FromRocks(const rocksdb::Status& s, const std::string& what);
// command_shape.cc: a name fit to be part of a key (not empty, at most 256
// bytes, no control character, UTF-8), else a rejection naming `what`.
Status CheckName(const std::string& s, const char* what);
// Shape checks that the domain should not have to make: ids and names that
// would break key layouts.
Status CheckCommandShape(const schemas::Command& c);
// A framed log record decoded (log_reads.cc); Corruption naming `pos` if it is not whole.
Result<schemas::Event> DecodeFramed(std::string_view v, uint64_t pos);

// Engine's private parts for the benchmark aids (engine_bench.cc), which
// are free functions so that engine.h does not list them.
struct EngineAccess {
  using Impl = Engine::Impl;
  static Engine::Impl& Of(Engine& e) { return *e.impl_; }
  static const Engine::Impl& Of(const Engine& e) { return *e.impl_; }
};

struct Engine::Impl {
  EngineOptions opts;
  std::shared_ptr<TimerPolicy> base_policy;  // as given to Open
  // base_policy + the recorded calendar notices. Only the committer replaces
  // it, through SetPolicy; Engine::timer_policy() copies it under policy_mu
  // because a server's readers ask for it beside a commit of a notice.
  std::shared_ptr<const TimerPolicy> policy;
  mutable std::mutex policy_mu;
  void SetPolicy(std::shared_ptr<const TimerPolicy> next) {
    std::lock_guard<std::mutex> lock(policy_mu);
    policy = std::move(next);
  }
  std::vector<schemas::CalendarNoticeAdded> notices;  // recorded, oldest first
  uint64_t calendar_version = 0;                      // head of kCalendarStream
  std::string calendar_hash;
  rocksdb::DB* db = nullptr;
  rocksdb::ColumnFamilyHandle* cf[kCfCount] = {};
  uint64_t next_pos = 1;
  mutable bench::WriteStats stats;
  std::function<void(std::string_view)> write_observer;
  uint64_t rejected_version = 0;
  std::string rejected_hash;
  mutable PlanCache cache{EngineOptions{}.plan_cache_weight};
  mutable std::map<std::string, uint64_t> snapshot_version;  // per plan, as stored
  std::string store_id;                                      // from DUBAN-STORE
  // Anchoring: the newest checkpoint the store holds, and, when this process
  // has the key, the log head at next_pos - 1, computed from the log itself.
  std::optional<anchor::Checkpoint> last_checkpoint;
  std::string log_head;
  // Commit's batch, kept between commits so a long-running engine reuses its
  // buffer instead of allocating one per commit. Reserved up front for a
  // batch bigger than it has held (growing a multi-megabyte batch by doubling
  // is a visible cost in a tick); released when a commit left it larger than
  // kKeepBatchBytes.
  rocksdb::WriteBatch commit_wb;
  size_t commit_wb_reserved = 0;
  static constexpr size_t kKeepBatchBytes = size_t{16} << 20;

  // ---- opening and closing (store_open.cc, engine_open.cc) ----
  ~Impl() { Close(); }
  void Close();

  // A short-lived writer (one CLI command) flushes neither on close nor
  // after recovery (see DbOptions): its writes stay in the WAL, which the
  // next process replays. Without this, each command left one level-0 file
  // per column family it touched (1,000 commands: 2,036 .sst files, every
  // command slower, and "Too many open files" under ulimit -n 1024). What
  // still piles up is bounded here, before the writer closes: past
  // kMaxLiveWals WAL files the memtables are flushed (so the WALs can go);
  // the small files such flushes leave are merged once a column family has
  // more than kMaxSmallFiles of them (the log's keys only grow, so RocksDB
  // moves its flushed files down whole and never merges them); and the
  // compactions are waited for, since a process that exits at once would
  // otherwise cancel them every time.
  static constexpr size_t kMaxLiveWals = 8;
  static constexpr size_t kMaxSmallFiles = 8;
  static constexpr uint64_t kSmallFileBytes = uint64_t{2} << 20;
  static constexpr auto kMaxCompactionWait = std::chrono::seconds(30);
  void KeepStoreSmall();
  // Trims the plan cache after a write (PlanCache::Trim), writing a parting
  // snapshot of each dropped plan grown by records::PartingSnapshotGrowth
  // since its last snapshot (without an fsync of its own, up to
  // kPartingSnapshotsPerWrite to a write). Only between commands (no state
  // pointer held), and only with every cached state as committed. A
  // snapshot is a cache: one that cannot be written is logged and skipped,
  // never an error of the command before it. Queries trim without it (a read
  // writes nothing).
  void TrimCache() noexcept;
  static constexpr size_t kPartingSnapshotsPerWrite = 64;
  // Compacts the key range that a column family's small files span, once
  // there are more than kMaxSmallFiles of them: the merged file replaces them.
  void MergeSmallFiles(rocksdb::ColumnFamilyHandle* h);

  rocksdb::WriteOptions WriteOpts() const {
    rocksdb::WriteOptions w;
    w.sync = opts.sync;
    return w;
  }
  static rocksdb::Options DbOptions(const EngineOptions& o);
  // Per column family: the log is written in key order and read back by
  // position, and its records are hashes and text that compress poorly, so it
  // skips compression (measured: snappy was a visible share of ingest CPU).
  static rocksdb::ColumnFamilyOptions CfOptions(const EngineOptions& o, int cf_index);
  // A reader of a store whose rebuild was killed between dropping a
  // projection and making it again is refused (the log is whole, the next
  // writer finishes the rebuild) unless `rebuild_interrupted` is given: it
  // is then set and the missing handles left null (a writer's check of the
  // log end reads only the log).
  static Status OpenDb(const std::string& dir, const EngineOptions& o, rocksdb::DB** db,
                       rocksdb::ColumnFamilyHandle** handles, bool* rebuild_interrupted = nullptr);

  // The log end this store's writers record (log_end.h).
  bool open_complete = false;  // Engine::Open got to the end
  // The log end when FinishOpen rebuilt the projections; 0 when it did not.
  uint64_t rebuilt_at_open = 0;
  bool counts_built = false;      // kCountsBuilt is set: commits keep `counts`
  bool history_bucketed = false;  // kHistoryBuckets is set: `history` has no key of the old layout
  bool timers_current = false;    // kTimerRules is kTimerRulesNow: `timers` is what a replay arms
  // Whether the store keeps `counts`. A new store starts with them; a store
  // made before them gets them from a rebuild when a writer opens it (once:
  // it replays the log). A rebuild that cannot run (the log fails its
  // checks) leaves the store as it was and usable; only the dashboard's
  // counts then say they are missing.
  // The same for the history buckets (kHistoryBuckets): readers read the
  // old layout too, so a store that could not be rebuilt stays readable.
  // And for timers armed by an older rule (kTimerRules): they fire as
  // before, each decided against today's rules, until the rebuild.
  // True: the store needs that rebuild.
  Result<bool> LoadCountsBuilt(bool created);
  // Column family `i` dropped and made again, empty (Rebuild's projections,
  // under its marker: an interrupted rebuild runs again).
  Status RecreateCf(int i);
  // A writer's open: what an older store left in a retired column family
  // (column_families.h) is dropped, so nothing stale outlives the code that
  // kept it.
  Status EmptyRetired();
  // The store for projectors to read counts from, or null while it has none.
  rocksdb::DB* CountsDb() const { return counts_built && cf[kCounts] ? db : nullptr; }
  // A write to the store failed in this process (disk full, a dead disk):
  // RocksDB's WAL writer then refuses (Debian's build asserts) any further
  // WAL write, and the close records nothing, so the record keeps the end
  // found at open.
  mutable bool write_failed = false;
  rocksdb::Status Written(rocksdb::Status s) const {
    if (!s.ok()) write_failed = true;
    return s;
  }
  rocksdb::Env* Env() const { return opts.env ? opts.env : rocksdb::Env::Default(); }

  // Before RocksDB opens the store: the WAL files the last clean close left
  // are all there, whole. A reader may meet a writer that has just closed
  // and rewritten the record; it reads it again before it judges.
  static Result<std::optional<log_end::LogEnd>> CheckRecordedWals(rocksdb::Env* env, const std::string& dir);
  static Status Damaged(const std::string& dir, const std::string& what);
  // Engine::Open's step before RocksDB opens a store no writer holds: the
  // log end recorded (CheckRecordedWals), and after an unclean close the
  // log checked against it by a read-only open first.
  static Result<std::optional<log_end::LogEnd>> CheckLogEndBeforeOpen(const EngineOptions& options,
                                                                      const store_dir::Inspection& look,
                                                                      rocksdb::Env* env);
  // After opening: the log begins at position 1 (a first key past it means
  // the oldest WAL or a table file went missing) and reaches the end a
  // writer recorded.
  Status CheckLogReaches(const std::optional<log_end::LogEnd>& recorded);
  // The log's newest positions live in the memtable, replayed from the WAL
  // files; table files hold the rest. A WAL lost from the middle or the
  // start of the unflushed part (after a crash nothing lists the WALs)
  // leaves a gap above the largest position in a table file: the unflushed
  // positions past it must run on without one. Keys at or below it are
  // rewrites (only a forger's), which the hash chains and anchors judge.
  Status CheckUnflushedLogContiguous() const;
  // Engine::Open's step for a writer, after every refusal: the log end found,
  // and an identity for a store that has none (or an old one).
  Status RecordOpenForWriting(bool created, const store_dir::Inspection& look);
  // Engine::Open's last step: an interrupted rebuild run again, and the
  // counts built once for a store made before them.
  static Status FinishOpen(Engine& engine, bool created);
  // A clean close records the log end and the live WAL files, after syncing
  // the WAL (so a relaxed-mode store's clean close is durable too), while
  // this process still holds RocksDB's lock. After a write error nothing is
  // recorded: the record keeps the end found at open.
  void RecordCleanClose();
  Status LoadHeads();
  // The recorded calendar notices (stream kCalendarStream, through its
  // history; from the log itself while a rebuild is unfinished, when the
  // history may be half made), and the policy that counts on them
  // (calendar_notices.cc).
  Status LoadCalendar();
  // The policy counted on the calendar events given (kCalendarStream's, in order).
  Status UseCalendar(const std::vector<schemas::Event>& calendar);
  // Set at a reader's open while a rebuild's marker is set: the projections
  // may be half made (a rebuild was killed, or one is running).
  bool rebuild_unfinished = false;

  // ---- writes outside Commit ----
  // What every write outside Commit checks first: a writer, allowed to sign
  // (an anchored store), and a command id fit to be a key.
  Status MayWrite(const std::string& command_id) const;
  // Engine::AddCalendarNotice (calendar_notices.cc), in named steps.
  Outcome AddNotice(const Engine::CalendarNoticeRequest& r);
  struct CheckedNotice;
  Result<CheckedNotice> CheckNotice(const Engine::CalendarNoticeRequest& r) const;
  Outcome RejectNotice(const schemas::Command& c, const std::string& digest, const Status& why, Outcome o);
  Status RecountOpenAssignments(const schemas::Command& c, const TimerPolicy& next, Projector& proj, uint32_t& index,
                                uint64_t& pos, rocksdb::WriteBatch& wb, Outcome& o, std::vector<std::string>& touched,
                                std::vector<std::pair<uint64_t, std::string>>& written);
  // Engine::RecordAccountChange (account_changes.cc).
  Outcome AccountChange(const Engine::AccountChangeRequest& r);

  // ---- reads (log_reads.cc, queries.cc) ----
  Result<std::vector<std::pair<std::string, std::string>>> MetaWithPrefix(const std::string& prefix) const;
  Result<std::vector<std::string>> PlanIdsFromProjection() const;
  Result<schemas::Event> ReadEvent(rocksdb::DB* from, rocksdb::ColumnFamilyHandle* log, uint64_t pos) const;
  Result<std::vector<HistoryEntry>> ReadPositions(std::vector<uint64_t> positions) const;
  // The log positions the history index lists for `stream`, in order: all of
  // them, or only the events of `task`; only those after `after`.
  Result<std::vector<uint64_t>> HistoryPositions(const std::string& stream, std::optional<int32_t> task = std::nullopt,
                                                 uint64_t after = 0) const;
  // A plan's state: its stream replayed from the log (optionally up to a time).
  // `replayed`, if given, receives the events replayed (with `until` only).
  void StartFromSnapshot(const std::string& plan_id, std::optional<Instant> until, Engine::AsOf basis,
                         core::PlanState& s, uint64_t& after) const;
  // The stretches of the plan's log after `after`, (from, to] in position
  // order, whose events the later snapshots say all happened after `until`.
  std::vector<std::pair<uint64_t, uint64_t>> LaterStretches(const std::string& plan_id, uint64_t snapshot_version,
                                                            uint64_t after, Instant until, Engine::AsOf basis) const;
  Result<core::PlanState> ReplayPlan(const std::string& plan_id, std::optional<Instant> until,
                                     Engine::AsOf basis = Engine::AsOf::kEffective,
                                     std::vector<schemas::Event>* replayed = nullptr) const;
  // A plan's state from its newest snapshot and the log after it, counted in
  // `stats` (the cache's misses).
  Result<core::PlanState> LoadPlan(const std::string& plan_id) const;
  // The plan's state in the cache, loaded into it first if need be. Valid
  // until the cache is next trimmed (between commands).
  Result<core::PlanState*> State(const std::string& plan_id);

  // ---- command ids (command_ids.cc) ----
  // `first`, if given, receives the first event the command wrote (its actor
  // and stream say who sent it and to which plan).
  Result<Outcome> StoredOutcome(const std::string& command_id, schemas::Event* first_event = nullptr) const;
  // What answers a known command id used for another command: nothing is
  // written and the first command's outcome stands.
  // The id was first used by `first`'s actor: named only to that same actor
  // (an id another account used says nothing of who, or what, it was).
  static Status IdConflict(const std::string& id, const schemas::Event& first, const schemas::Actor& caller);
  // The digest kept for a command id (meta command/<id>); nullopt for ids
  // recorded before digests were kept, or applied from duban.events.
  Result<std::optional<std::string>> KeptDigest(const std::string& id) const;
  // Whether a command with a known id is the command recorded under it: its
  // digest when one was kept, else the actor and plan of its first event.
  Status SameCommand(const schemas::Command& c, const schemas::Event& first) const;
  // SameCommand for a calendar notice: its digest when one was kept, else
  // (recorded before) the actor of its first event and that it was a notice.
  Status SameNotice(const Engine::CalendarNoticeRequest& r, const std::string& digest,
                    const schemas::Event& first) const;

  // ---- commit (commit.cc) ----
  // Builds the event and its log record (framed bytes) in one encoding pass.
  schemas::Event MakeEvent(const schemas::Command& c, const std::string& stream, uint64_t seq, const std::string& prev,
                           uint32_t index, schemas::EventBody body, std::string* record) const;
  // Decides and commits a group of commands in one WriteBatch.
  // `records`, if given, receives the log records written, in log order.
  std::vector<Outcome> Commit(const std::vector<schemas::Command>& commands,
                              const std::vector<std::string>& timer_keys_to_drop = {},
                              const Engine::MetaWrites& meta_writes = {}, bool timer_commands = false,
                              std::vector<std::string>* records = nullptr);
  // The smallest timer key the last Commit armed, when it wrote; empty:
  // none (a tick's next round reads from it, timers.cc).
  std::string commit_min_timer_armed;
  // The timers due at or before `until`, in key order, from the key `from`
  // on (empty: the first), at most `limit` (Engine::PendingTimers).
  Result<std::vector<DueTimer>> DueTimers(Instant until, size_t limit, const std::string& from) const;
  // One Commit call in progress: its batch, projector and what to undo (commit.cc).
  struct CommitRun;
  // The batch Commit writes into: commit_wb, cleared, with room for `commands` commands.
  rocksdb::WriteBatch& CommitBatchFor(size_t commands);
  // A committed batch written, timed and counted (write_stats), and shown to the write observer.
  rocksdb::Status WriteCommitBatch(rocksdb::WriteBatch& wb);

  // ---- Kafka mode (append_external.cc) ----
  // One AppendExternal call in progress.
  struct ExternalAppend;

  // ---- anchors (engine_anchors.cc) ----
  // An anchored store is written only by a process holding its key, so that
  // no event lands in the log without a signature over it.
  Status AnchorWriteAllowed() const;
  struct Seal {
    std::string head;
    anchor::Checkpoint cp;
  };
  // Signs the log head after `written` (positions and event hashes, in log
  // order, ending at `end`) into `wb`; nothing without a key. Sealed() adopts
  // it once the batch is written.
  Result<std::optional<Seal>> SealBatch(const std::vector<std::pair<uint64_t, std::string>>& written, uint64_t end,
                                        bool keep, rocksdb::WriteBatch& wb) const;
  void Sealed(const Seal& s) {
    log_head = s.head;
    last_checkpoint = s.cp;
  }
  // The log head at the log's end, read from the log (a store anchored for
  // the first time).
  Result<std::string> HeadFromLog() const;
  // At open: the newest checkpoint, and for a writer with the key, where
  // signing goes on from. A writer refuses a log that does not end where
  // its last signature says: removed events, or events written without the key.
  Status LoadAnchor();

  // ---- the log's own checks (log_check.cc) ----
  // The checks the log must pass before anything is derived from it: every
  // stream's sequence and hash chain, positions without gaps, and every
  // signed checkpoint (the store's own and `external` ones, see Verify).
  // `readable`, if given, is cleared when a record cannot be decoded;
  // `calendar`, if given, receives the events of kCalendarStream in order
  // (a rebuild's calendar comes from the log, not the history it remakes).
  Status CheckLog(const std::vector<anchor::Checkpoint>& external, VerifyReport& report, bool* readable = nullptr,
                  std::vector<schemas::Event>* calendar = nullptr) const;
  struct HeldCheckpoint;
  Status GatherCheckpoints(const std::vector<anchor::Checkpoint>& external, VerifyReport& report,
                           std::vector<HeldCheckpoint>& held, bool& stored_any) const;
  Status RefuseForeignAnchors(const std::vector<anchor::Checkpoint>& external,
                              const std::vector<HeldCheckpoint>& held) const;
  void JudgeCheckpointKeys(const std::vector<anchor::Checkpoint>& external, std::vector<HeldCheckpoint>& held,
                           VerifyReport& report) const;
  Result<bool> WalkHashChains(std::vector<HeldCheckpoint>& held, VerifyReport& report, bool* readable,
                              std::vector<schemas::Event>* calendar) const;
  void JudgeCoverage(const std::vector<anchor::Checkpoint>& external, const std::vector<HeldCheckpoint>& held,
                     bool stored_any, VerifyReport& report) const;

  // ---- rebuild (maintenance.cc) ----
  // Replays the log of `src` into the projection CFs of `dst` (which must be empty).
  // With `snapshots`, also writes each plan's snapshots as live commits
  // would (every records::SnapshotInterval events) and, at the end, a
  // parting one of each plan grown by records::PartingSnapshotGrowth since
  // its last, so that after a rebuild loading a plan and reading it as of a
  // date start near where they need.
  Status ReplayInto(rocksdb::DB* dst, rocksdb::ColumnFamilyHandle* const* dcf, bool disable_wal,
                    bool snapshots = false) const;
  // The digest a command's live `commands` row keeps ("" when none, or when
  // the row is damaged: a rebuild writes it again without).
  Result<std::string> RowDigest(const std::string& command_id) const;
};

}  // namespace duban
