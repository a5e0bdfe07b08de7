// Engine::Open: what the data directory holds judged before RocksDB opens
// it, the log end a writer recorded checked against the log found, and the
// store's heads, calendar and anchor loaded. Also the system clock.
//
// Guarantee: every refusal comes before anything is written, so a refused
// open (a damaged store, a foreign directory, a second writer, a lost WAL)
// leaves the directory as it found it; a store is created only in a missing
// or empty directory.

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "engine_impl.h"
#include "duban/log.h"

namespace duban {

using namespace core;
namespace rk = records::keys;

std::shared_ptr<const EngineClock> SystemClock() {
  struct Wall : EngineClock {
    Instant Now() const override {
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
    }
  };
  static const auto clock = std::make_shared<const Wall>();
  return clock;
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

namespace {
bool HasDubanColumnFamilies(const std::string& dir) {
  std::vector<std::string> existing;
  if (!rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &existing).ok()) return false;
  return std::find(existing.begin(), existing.end(), kCfNames[kLog]) != existing.end() &&
         std::find(existing.begin(), existing.end(), kCfNames[kStreams]) != existing.end();
}

// Open's first step: what the directory holds says whether a store is
// created there (true), opened (false), or refused.
Result<bool> CreateOrOpen(const EngineOptions& options, const store_dir::Inspection& look) {
  const std::string& dir = options.data_dir;
  switch (look.kind) {
    case store_dir::Kind::kMissing:
    case store_dir::Kind::kEmpty:
      if (options.read_only || !options.create_if_missing)
        return Status::NotFound("no duban data in " + dir + ": " + look.detail +
                                " (run a command that writes first, e.g. `duban plan import`)");
      return true;
    case store_dir::Kind::kDamaged:
      return Status::Corruption("the store in " + dir + " is damaged: " + look.detail +
                                ". Nothing was changed; `duban doctor` describes the store, and a copy made "
                                "before the damage is the way back");
    case store_dir::Kind::kForeign:
      return Status::InvalidArgument(look.detail + "; nothing was changed (give --data an empty or new directory)");
    case store_dir::Kind::kStore:
    case store_dir::Kind::kLegacy:
      break;
  }
  return false;
}

// A new store's directory, made private, with its identity written first;
// returns the store's id.
Result<std::string> CreateDataDir(const std::string& dir, const std::string& store_id) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create data directory " + dir + ": " + ec.message());
  // Owner only: the store holds the accounts' password hashes, and its
  // file permissions are what guards the CLI.
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace, ec);
  if (ec) return Status::IOError("cannot make data directory " + dir + " private: " + ec.message());
  // The identity first: a creation killed half-way leaves a directory
  // that says it is an unfinished duban store, not a foreign RocksDB.
  if (Status st = store_dir::WriteIdentity(dir, store_id); !st.ok()) return st;
  return store_dir::Inspect(dir, nullptr).store_id;
}
}  // namespace

DataDirReport Engine::InspectDataDir(const std::string& dir) {
  const store_dir::Inspection look = store_dir::Inspect(dir, &HasDubanColumnFamilies);
  static const char* const kNames[] = {"missing", "empty", "store", "store", "damaged", "foreign"};
  return DataDirReport{kNames[static_cast<int>(look.kind)], look.detail, look.store_id};
}

Result<std::unique_ptr<Engine>> Engine::Open(const EngineOptions& options, std::shared_ptr<TimerPolicy> timers) {
  if (options.block_cache_mb < 1 || options.block_cache_mb > EngineOptions::kMaxBlockCacheMb)
    return Status::InvalidArgument("the block cache must be 1 to " + std::to_string(EngineOptions::kMaxBlockCacheMb) +
                                   " MiB, not " + std::to_string(options.block_cache_mb) + "; nothing was opened");
  auto impl = std::make_unique<Impl>();
  impl->opts = options;
  impl->cache = PlanCache(options.plan_cache_weight);
  impl->base_policy = timers ? std::move(timers) : DefaultTimerPolicy();
  impl->policy = impl->base_policy;
  const std::string& dir = options.data_dir;
  // RocksDB is asked to create a store only in a missing or empty directory.
  const store_dir::Inspection look = store_dir::Inspect(dir, &HasDubanColumnFamilies);
  auto create_or_open = CreateOrOpen(options, look);
  if (!create_or_open.ok()) return create_or_open.status();
  const bool create = *create_or_open;
  EngineOptions eff = options;
  eff.create_if_missing = create;
  std::string store_id = look.store_id;
  if (create) {
    auto made = CreateDataDir(dir, store_id);
    if (!made.ok()) return made.status();
    store_id = std::move(made).value();
  }
  rocksdb::Env* env = impl->Env();
  std::optional<log_end::LogEnd> recorded;
  // A running writer holds RocksDB's lock. A second writer is told so before
  // anything else; a reader beside it cannot judge the log end (the writer is
  // changing the files), so it reads what it finds, as before.
  const bool writer_running = !create && store_dir::WriterHoldsLock(dir);
  if (writer_running && !options.read_only)
    return Status::Unavailable("data directory " + dir + " is in use by another duban process");
  if (!create && !writer_running) {
    auto checked = Impl::CheckLogEndBeforeOpen(options, look, env);
    if (!checked.ok()) return checked.status();
    recorded = *checked;
  }
  if (Status st = Impl::OpenDb(dir, eff, &impl->db, impl->cf); !st.ok()) return st;
  if (options.read_only) {
    // A writer killed in a rebuild left projections half replayed; they stay
    // so until the next writer's open rebuilds them. A reader still reads
    // the log (the reminders, `duban log`, verify, an anchor's export) and
    // is told that answers from projections may be incomplete. Beside a
    // running writer the marker is its rebuild in progress: what the reader
    // finds of the projections then is as incomplete, and it is told so too.
    std::string marker;
    if (impl->cf[kMeta] && impl->db->Get(rocksdb::ReadOptions(), impl->cf[kMeta], kRebuildMarker, &marker).ok()) {
      impl->rebuild_unfinished = true;
      if (writer_running)
        log::Core().warn(
            "{}: a rebuild of the projections is running; what is read from them (status, history, the "
            "dashboard) may be incomplete until it ends: ask again when it has",
            dir);
      else
        log::Core().warn(
            "{}: a rebuild of the projections was interrupted; what is read from them (status, history, the "
            "dashboard) may be incomplete until it is finished: run `duban rebuild` (or any command that writes)",
            dir);
    }
  }
  if (Status st = impl->LoadHeads(); !st.ok()) return st;
  if (!writer_running)
    if (Status st = impl->CheckLogReaches(recorded); !st.ok()) return st;
  if (Status st = impl->LoadCalendar(); !st.ok()) return st;
  impl->store_id = store_id;
  if (Status st = impl->LoadAnchor(); !st.ok()) return st;
  if (!options.read_only)
    if (Status st = impl->RecordOpenForWriting(create, look); !st.ok()) return st;
  std::unique_ptr<Engine> engine(new Engine(std::move(impl)));
  if (Status st = Impl::FinishOpen(*engine, create); !st.ok()) return st;
  return engine;
}

Result<std::optional<log_end::LogEnd>> Engine::Impl::CheckLogEndBeforeOpen(const EngineOptions& options,
                                                                           const store_dir::Inspection& look,
                                                                           rocksdb::Env* env) {
  const std::string& dir = options.data_dir;
  auto checked = CheckRecordedWals(env, dir);
  if (!checked.ok()) return checked.status();
  std::optional<log_end::LogEnd> recorded = *checked;
  if (!recorded && look.kind == store_dir::Kind::kStore && look.format >= 2)
    return Damaged(dir, std::string("its log-end file ") + log_end::kFile + " is missing");
  // After a writer that did not close cleanly there is no WAL list to check
  // before opening, and a writer's open rotates RocksDB's MANIFEST and
  // OPTIONS files before the log end can be compared: a reader compares
  // it first (rare: once after each crash).
  if (!options.read_only && recorded && !recorded->closed) {
    // Only the log is read: a writer killed in a rebuild may have left a
    // projection dropped and not made again, which this writer's open
    // makes and its rebuild fills.
    Impl probe;
    probe.opts = options;
    probe.opts.read_only = true;
    probe.opts.create_if_missing = false;
    bool rebuild_interrupted = false;
    if (Status st = OpenDb(dir, probe.opts, &probe.db, probe.cf, &rebuild_interrupted); !st.ok()) return st;
    if (Status st = probe.LoadHeads(); !st.ok()) return st;
    if (Status st = probe.CheckLogReaches(recorded); !st.ok()) return st;
  }
  return recorded;
}

// Every refusal comes before this: a refused writer leaves the record as it
// found it. Then, before anything is written, the end found, so that a crash
// from here on is judged against it (the WAL list of a clean close no longer
// holds).
Status Engine::Impl::RecordOpenForWriting(bool created, const store_dir::Inspection& look) {
  const std::string& dir = opts.data_dir;
  if (Status st = log_end::Write(Env(), dir, log_end::LogEnd{next_pos, false, {}}); !st.ok()) return st;
  // A new store, or one made before stores kept an identity (or a log
  // end), gets one now; an existing id is kept.
  if (!created && (look.kind != store_dir::Kind::kStore || look.format < store_dir::kFormatVersion)) {
    if (Status st = store_dir::WriteIdentity(dir, store_id); !st.ok()) return st;
    store_id = store_dir::Inspect(dir, nullptr).store_id;
  }
  return Status::Ok();
}

Status Engine::Impl::FinishOpen(Engine& engine, bool created) {
  Impl& m = *engine.impl_;
  if (!m.opts.read_only) {
    std::string marker;
    if (m.db->Get(rocksdb::ReadOptions(), m.cf[kMeta], kRebuildMarker, &marker).ok()) {
      log::Core().warn("an interrupted rebuild was found; rebuilding projections again");
      if (Status st = engine.Rebuild(); !st.ok()) return st;
      m.rebuilt_at_open = m.next_pos;
    }
  }
  if (!m.opts.read_only)
    if (Status st = m.EmptyRetired(); !st.ok()) return st;
  auto counts = m.LoadCountsBuilt(created);
  if (!counts.ok()) return counts.status();
  if (*counts) {
    log::Core().info(
        "this store was made before the dashboard's counts or the history buckets were kept, or its timers were "
        "armed by an older rule: rebuilding its projections once to make them");
    if (Status st = engine.Rebuild(); !st.ok()) {
      // A rebuild that failed after it began dropping projections left its
      // marker: going on would answer, and write, beside half-made ones.
      std::string marker;
      if (m.db->Get(rocksdb::ReadOptions(), m.cf[kMeta], kRebuildMarker, &marker).ok()) {
        std::string msg = "the store in " + m.opts.data_dir +
                          " is not opened: making its projections again once (it predates the dashboard's "
                          "counts) stopped half-way: " +
                          st.message() +
                          ". The log is untouched. Once the cause is dealt with, the next open (or `duban "
                          "rebuild`) makes them again";
        return st.code() == Status::Code::kIOError ? Status::IOError(std::move(msg))
                                                   : Status::Unavailable(std::move(msg));
      }
      log::Core().warn(
          "the dashboard's counts could not be built ({}); the store works without them until `duban "
          "rebuild` succeeds",
          st.ToString());
    } else {
      m.rebuilt_at_open = m.next_pos;
    }
  }
  m.open_complete = true;
  // What RocksDB was given, not what was asked: `-v` shows it (and the CLI test reads it).
  uint64_t cache_bytes = 0;
  if (m.db->GetIntProperty(m.cf[kLog], "rocksdb.block-cache-capacity", &cache_bytes))
    log::Core().debug("opened {}: block cache {} MiB", m.opts.data_dir, cache_bytes >> 20);
  return Status::Ok();
}

Result<std::optional<log_end::LogEnd>> Engine::Impl::CheckRecordedWals(rocksdb::Env* env, const std::string& dir) {
  for (int attempt = 0;; ++attempt) {
    auto recorded = log_end::Read(env, dir);
    if (!recorded.ok()) return Damaged(dir, recorded.status().message());
    if (!recorded->has_value()) return recorded;
    Status wals = log_end::CheckWals(env, dir, **recorded);
    if (wals.ok()) return recorded;
    auto again = log_end::Read(env, dir);
    if (attempt < 3 && again.ok() && *again != *recorded) continue;
    if (wals.code() != Status::Code::kCorruption) return wals;
    return Damaged(dir, wals.message());
  }
}

Status Engine::Impl::Damaged(const std::string& dir, const std::string& what) {
  return Status::Corruption("the store in " + dir + " is damaged: " + what +
                            ". It is not opened, so that nothing is written over what is missing. Nothing was "
                            "changed; `duban doctor` describes the store, and a copy made before the damage is "
                            "the way back");
}

Status Engine::Impl::CheckLogReaches(const std::optional<log_end::LogEnd>& recorded) {
  if (next_pos > 1) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf[kLog]));
    it->SeekToFirst();
    if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
    if (it->Valid() && DecodeFixed64BE(it->key().data()) != 1)
      return Damaged(opts.data_dir, "its log begins at position " + std::to_string(DecodeFixed64BE(it->key().data())) +
                                        ", not 1: the events before it are missing");
  }
  if (Status st = CheckUnflushedLogContiguous(); !st.ok()) return st;
  if (!recorded || next_pos >= recorded->next) return Status::Ok();
  return Damaged(opts.data_dir, "its log ends at position " + std::to_string(next_pos - 1) + ", but it reached " +
                                    std::to_string(recorded->next - 1) +
                                    " before: " + std::to_string(recorded->next - next_pos) +
                                    " acknowledged event(s) are missing (a write-ahead log file lost or cut short)");
}

Status Engine::Impl::CheckUnflushedLogContiguous() const {
  rocksdb::ColumnFamilyMetaData meta;
  db->GetColumnFamilyMetaData(cf[kLog], &meta);
  uint64_t flushed = 0;
  for (const auto& level : meta.levels)
    for (const auto& f : level.files)
      if (f.largestkey.size() == 8) flushed = std::max(flushed, DecodeFixed64BE(f.largestkey.data()));
  rocksdb::ReadOptions ro;
  ro.read_tier = rocksdb::kMemtableTier;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf[kLog]));
  uint64_t expect = flushed + 1;
  for (it->Seek(rk::Pos(expect)); it->Valid(); it->Next()) {
    if (it->key().size() != 8) continue;
    const uint64_t pos = DecodeFixed64BE(it->key().data());
    if (pos != expect)
      return Damaged(opts.data_dir, (pos - 1 == expect ? "log position " + std::to_string(expect) + " is"
                                                       : "log positions " + std::to_string(expect) + ".." +
                                                             std::to_string(pos - 1) + " are") +
                                        " missing between the events it holds (a write-ahead log file lost)");
    ++expect;
  }
  if (!it->status().ok() && !it->status().IsIncomplete()) return FromRocks(it->status(), "reading the log");
  return Status::Ok();
}

Status Engine::Impl::LoadHeads() {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf[kLog]));
  it->SeekToLast();
  next_pos = it->Valid() ? DecodeFixed64BE(it->key().data()) + 1 : 1;
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
  if (!cf[kStreams]) return Status::Ok();  // a rebuild's, interrupted: only the log is read
  std::string v;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf[kStreams], opts.rejected_stream, &v);
  if (s.ok()) return records::DecodeStreamHead(v, &rejected_version, &rejected_hash);
  if (!s.IsNotFound()) return FromRocks(s, "reading stream heads");
  return Status::Ok();
}

Result<bool> Engine::Impl::LoadCountsBuilt(bool created) {
  std::string v;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf[kMeta], kCountsBuilt, &v);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading meta");
  counts_built = s.ok() && cf[kCounts];
  std::string buckets;
  s = db->Get(rocksdb::ReadOptions(), cf[kMeta], kHistoryBuckets, &buckets);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading meta");
  history_bucketed = s.ok();
  std::string rules;
  s = db->Get(rocksdb::ReadOptions(), cf[kMeta], kTimerRules, &rules);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading meta");
  timers_current = s.ok() && rules == kTimerRulesNow;
  if ((counts_built && history_bucketed && timers_current) || opts.read_only) return false;
  if (!created && next_pos > 1) return true;
  // Nothing projected yet: counting, buckets and today's timer rules start with the first commit.
  rocksdb::WriteBatch wb;
  wb.Put(cf[kMeta], kCountsBuilt, "1");
  wb.Put(cf[kMeta], kHistoryBuckets, "1");
  wb.Put(cf[kMeta], kTimerRules, kTimerRulesNow);
  if (auto w = Written(db->Write(WriteOpts(), &wb)); !w.ok()) return FromRocks(w, "writing meta");
  counts_built = true;
  history_bucketed = true;
  timers_current = true;
  return false;
}

}  // namespace duban
