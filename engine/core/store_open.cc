// The embedded store on RocksDB, opened and closed: the options every
// column family gets, opening them (and telling a lock, a missing file and a
// corrupt record apart), and what a writer does before it closes so that
// short-lived writers leave a small store behind. Also FromRocks, which says
// a RocksDB status in the engine's words.
//
// Guarantee: a store that failed to open is closed as found (nothing
// flushed, compacted or recorded); a clean close records the log end
// (log_end.h) only when no write failed.
#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/metadata.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <sys/resource.h>

#include "engine_impl.h"
#include "duban/log.h"

namespace duban {

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsNotFound()) return Status::NotFound(what);
  // A table file gone after the open: a reader beside a running writer (its
  // compaction or rebuild replaced the file) more often than a damaged store.
  if (const std::string msg = s.ToString(); msg.find("No such file or directory") != std::string::npos) {
    const std::string said = what + ": " + msg +
                             " (if a duban writer, serve or a rebuild, is running on this store, it replaced "
                             "the file after this command opened the store; nothing is damaged: run the command "
                             "again; if none is running, run `duban verify`)";
    return s.IsCorruption() ? Status::Corruption(said) : Status::IOError(said);
  }
  if (s.IsCorruption()) return Status::Corruption(what + ": " + s.ToString());
  if (s.IsNoSpace())
    return Status::IOError(what +
                           ": the disk is full (nothing of this command was written; free space and "
                           "run it again): " +
                           s.ToString());
  const std::string msg = s.ToString();
  if (msg.find("Read-only file system") != std::string::npos)
    return Status::IOError(what +
                           ": the file system is mounted read-only, so nothing can be written there "
                           "(read commands still work; nothing of this command was written): " +
                           msg);
  if (msg.find("Permission denied") != std::string::npos)
    return Status::IOError(what +
                           ": this user may not write the store's files (nothing of this command was "
                           "written; run it as the store's owner): " +
                           msg);
  if (msg.find("Too many open files") != std::string::npos) {
    rlimit lim{};
    const std::string limit =
        ::getrlimit(RLIMIT_NOFILE, &lim) == 0 ? " (ulimit -n is " + std::to_string(lim.rlim_cur) + ")" : "";
    return Status::IOError(what + ": this process may not open enough files" + limit +
                           "; raise the limit (e.g. ulimit -n 1024) and run the command again (nothing of this "
                           "command was written): " +
                           msg);
  }
  return Status::IOError(what + ": " + msg);
}

namespace {
// RocksDB's info log, forwarded to spdlog: at debug level (shown with
// --verbose), since every failure RocksDB logs also comes back as the
// status the engine reports in its own words; fatal ones as errors.
class SpdlogRocksLogger : public rocksdb::Logger {
 public:
  SpdlogRocksLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    char buf[1024];
    std::vsnprintf(buf, sizeof buf, format, ap);
    if (level >= rocksdb::InfoLogLevel::FATAL_LEVEL)
      log::Core().error("rocksdb: {}", buf);
    else
      log::Core().debug("rocksdb: {}", buf);
  }
  void Logv(const char* format, va_list ap) override { Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap); }
};

// The live WAL files are counted from the store's directory listing: RocksDB's
// GetSortedWalFiles reads and checksums each file's first record, which after a
// tick or an import is that whole batch (a 200,000-timer tick's 178 MB: more
// than a second of CPU at every close). Obsolete WALs are deleted, not
// archived (no WAL_ttl_seconds), so the *.log files there are the live ones.
size_t LiveWalFiles(rocksdb::DB& db) {
  std::vector<std::string> names;
  if (!db.GetEnv()->GetChildren(db.GetName(), &names).ok()) return 0;
  return static_cast<size_t>(std::count_if(names.begin(), names.end(), [](const std::string& n) {
    const size_t dot = n.size() >= 5 ? n.size() - 4 : 0;
    return dot > 0 && n.compare(dot, 4, ".log") == 0 &&
           std::all_of(n.begin(), n.begin() + static_cast<std::ptrdiff_t>(dot),
                       [](char c) { return c >= '0' && c <= '9'; });
  }));
}

std::shared_ptr<rocksdb::Logger> RocksLogger() {
  static const std::shared_ptr<rocksdb::Logger> logger = std::make_shared<SpdlogRocksLogger>();
  return logger;
}
}  // namespace

void Engine::Impl::Close() {
  if (!db) return;
  // A store that failed to open (damaged, refused) is closed as found:
  // nothing flushed, compacted or recorded.
  if (!opts.read_only && open_complete) {
    KeepStoreSmall();
    RecordCleanClose();
  }
  for (auto* h : cf)
    if (h) db->DestroyColumnFamilyHandle(h);
  std::fill(std::begin(cf), std::end(cf), nullptr);
  delete db;
  db = nullptr;
}

void Engine::Impl::KeepStoreSmall() {
  if (LiveWalFiles(*db) > kMaxLiveWals) {
    std::vector<rocksdb::ColumnFamilyHandle*> all;
    for (auto* h : cf)
      if (h) all.push_back(h);
    rocksdb::FlushOptions fo;
    fo.wait = true;
    if (auto s = db->Flush(fo, all); !s.ok()) log::Core().warn("flushing before close: {}", s.ToString());
    for (auto* h : all) MergeSmallFiles(h);
  }
  const auto until = std::chrono::steady_clock::now() + kMaxCompactionWait;
  for (;;) {
    // After a write error (disk full, a dead disk) nothing more will run.
    uint64_t errors = 0;
    if (db->GetIntProperty(rocksdb::DB::Properties::kBackgroundErrors, &errors) && errors > 0) return;
    uint64_t running = 0, pending = 0;
    db->GetIntProperty(rocksdb::DB::Properties::kNumRunningCompactions, &running);
    for (auto* h : cf) {
      uint64_t p = 0;
      if (h && db->GetIntProperty(h, rocksdb::DB::Properties::kCompactionPending, &p)) pending += p;
    }
    if (running == 0 && pending == 0) return;
    if (std::chrono::steady_clock::now() > until) {
      log::Core().warn("closing with compactions still pending after {} s", kMaxCompactionWait.count());
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

void Engine::Impl::MergeSmallFiles(rocksdb::ColumnFamilyHandle* h) {
  rocksdb::ColumnFamilyMetaData meta;
  db->GetColumnFamilyMetaData(h, &meta);
  size_t small = 0;
  std::string lo, hi;
  for (const auto& level : meta.levels)
    for (const auto& f : level.files) {
      if (f.size >= kSmallFileBytes) continue;
      if (small++ == 0 || f.smallestkey < lo) lo = f.smallestkey;
      if (f.largestkey > hi) hi = f.largestkey;
    }
  if (small <= kMaxSmallFiles) return;
  rocksdb::Slice begin(lo), end(hi);
  rocksdb::CompactRangeOptions cro;
  // They usually sit in the bottommost level, which CompactRange otherwise skips.
  cro.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  if (auto s = db->CompactRange(cro, h, &begin, &end); !s.ok())
    log::Core().warn("merging the small files of {}: {}", h->GetName(), s.ToString());
}

namespace {
// The block cache of `mb` MiB that the open engines of this process asking
// for that size share. Held only by their table factories, so it is freed
// (not merely left full of a closed store's blocks) when the last one closes.
static_assert(sizeof(size_t) >= 8, "block_cache_mb << 20 must not overflow");
std::shared_ptr<rocksdb::Cache> SharedBlockCache(size_t mb) {
  static std::mutex mu;
  static std::map<size_t, std::weak_ptr<rocksdb::Cache>> caches;
  std::lock_guard lock(mu);
  std::erase_if(caches, [mb](const auto& kv) { return kv.first != mb && kv.second.expired(); });
  std::weak_ptr<rocksdb::Cache>& slot = caches[mb];
  std::shared_ptr<rocksdb::Cache> cache = slot.lock();
  if (!cache) slot = cache = rocksdb::NewLRUCache(mb << 20);
  return cache;
}
}  // namespace

rocksdb::Options Engine::Impl::DbOptions(const EngineOptions& o) {
  rocksdb::Options options;
  rocksdb::BlockBasedTableOptions table;
  // Bloom filters: most command-id lookups are for ids never seen (the
  // dedupe check), which without a filter read every level's blocks.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.block_cache = SharedBlockCache(o.block_cache_mb);
  table.cache_index_and_filter_blocks = false;
  // Freshly flushed blocks go straight into the cache, so queries after a
  // burst of writes (or a rebuild) do not pay a disk read per event.
  table.prepopulate_block_cache = rocksdb::BlockBasedTableOptions::PrepopulateBlockCache::kFlushOnly;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  options.memtable_whole_key_filtering = true;
  options.memtable_prefix_bloom_size_ratio = 0.05;
  options.create_if_missing = o.create_if_missing;
  options.create_missing_column_families = true;
  options.write_buffer_size = o.write_buffer_mb << 20;
  options.max_background_jobs = 2;
  // RocksDB's own messages go to the process's log (spdlog), not to LOG
  // files in the store: on a full disk, RocksDB 7.8 (Debian's build keeps
  // its assertions) aborted the process in its file logger's second
  // append after a failed one, instead of returning the write's error.
  options.info_log = RocksLogger();
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  // Writes reach disk through the WAL; memtables are flushed when full or
  // when KeepStoreSmall says so, not once per short-lived process.
  options.avoid_flush_during_shutdown = true;
  options.avoid_flush_during_recovery = true;
  // Corruption is refused, never repaired by guessing. RocksDB's default
  // WAL recovery (point in time) stops replaying at the first bad record
  // and opens without the rest: one flipped bit in the WAL silently lost
  // acknowledged events, and the next write reused their positions. This
  // mode still accepts what a crash or a power cut leaves (an incomplete
  // record at the end of a WAL: never acknowledged, since commits are
  // fsynced) but refuses a complete record whose checksum fails.
  // (A flipped length field of the very last record still reads as an
  // incomplete tail; telling those apart needs a log end kept elsewhere.)
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  options.paranoid_checks = true;
  // Table files kept open at once: the store's file count is bounded, and
  // this keeps a process well inside a default `ulimit -n` of 1024.
  options.max_open_files = 256;
  if (o.env) options.env = o.env;
  return options;
}

rocksdb::ColumnFamilyOptions Engine::Impl::CfOptions(const EngineOptions& o, int cf_index) {
  rocksdb::ColumnFamilyOptions cfo(DbOptions(o));
  if (cf_index == kLog) cfo.compression = rocksdb::kNoCompression;
  // Projections take keys scattered across plans; a smaller memtable keeps
  // each insert's skiplist search short (the log's keys arrive in order).
  if (cf_index != kLog) cfo.write_buffer_size = std::min<size_t>(cfo.write_buffer_size, size_t{4} << 20);
  return cfo;
}

namespace {
// Only meta and snapshots came after the first stores. A projection missing
// beside the log and a rebuild's marker is a rebuild killed between dropping
// it and making it again (Rebuild); any other column family missing means
// the store's creation was killed before it was finished, before anything
// was acknowledged. A refusal closes the store.
Status JudgeMissingColumnFamilies(const std::string& dir, rocksdb::DB** db, rocksdb::ColumnFamilyHandle** handles,
                                  bool* rebuild_interrupted) {
  auto refuse = [&](Status st) {
    for (int k = 0; k < kCfCount; ++k)
      if (handles[k]) (*db)->DestroyColumnFamilyHandle(handles[k]), handles[k] = nullptr;
    delete *db;
    *db = nullptr;
    return st;
  };
  std::string missing;
  for (int i = kLog; i <= kTimers; ++i)
    if (!handles[i]) missing += std::string(missing.empty() ? "" : ", ") + kCfNames[i];
  if (missing.empty()) return Status::Ok();
  std::string marker;
  const bool rebuilding = handles[kLog] && handles[kMeta] &&
                          (*db)->Get(rocksdb::ReadOptions(), handles[kMeta], kRebuildMarker, &marker).ok();
  if (!rebuilding)
    return refuse(
        Status::NotFound("no duban data in " + dir +
                         ": its creation was interrupted before it was finished, "
                         "so it holds no event (a command that writes, e.g. `duban plan import`, finishes it)"));
  if (rebuild_interrupted) {
    *rebuild_interrupted = true;
    return Status::Ok();
  }
  return refuse(Status::Unavailable(
      "the store in " + dir + " cannot be read yet: a rebuild of its projections is running or was interrupted (" +
      missing +
      " dropped and not yet made again). A rebuild does not touch the log; if no duban process is running, "
      "`duban rebuild` finishes it. Nothing was changed"));
}
}  // namespace

Status Engine::Impl::OpenDb(const std::string& dir, const EngineOptions& o, rocksdb::DB** db,
                            rocksdb::ColumnFamilyHandle** handles, bool* rebuild_interrupted) {
  rocksdb::Options options = DbOptions(o);
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  std::vector<int> ids;  // which of kCfNames each descriptor is
  auto describe = [&] {
    descs.clear();
    ids.clear();
    std::vector<std::string> existing;
    const bool listed = rocksdb::DB::ListColumnFamilies(options, dir, &existing).ok();
    for (int i = 0; i < kCfCount; ++i) {
      // A read-only open cannot create the column families a newer version
      // added (e.g. snapshots); it opens without them.
      if (o.read_only && listed && std::find(existing.begin(), existing.end(), kCfNames[i]) == existing.end()) continue;
      descs.emplace_back(kCfNames[i], CfOptions(o, i));
      ids.push_back(i);
    }
  };
  describe();
  std::vector<rocksdb::ColumnFamilyHandle*> hs;
  rocksdb::Status s;
  // A reader may meet a file the writer is just replacing (a new MANIFEST,
  // a compacted table): that is a race, not a damaged store; try again.
  // RocksDB reports a table deleted between its reading the MANIFEST and
  // opening the table as Corruption ("IO error: No such file or directory"),
  // and a column family a running rebuild dropped after it was listed as
  // "Column family not found": listed again, it is judged below.
  auto writer_may_have_moved_on = [](const rocksdb::Status& st) {
    return st.IsIOError() || st.IsPathNotFound() || st.IsNotFound() ||
           (st.IsCorruption() && st.ToString().find("No such file or directory") != std::string::npos) ||
           st.ToString().find("Column family not found") != std::string::npos;
  };
  for (int attempt = 0;; ++attempt) {
    if (attempt > 0) describe();
    s = o.read_only ? rocksdb::DB::OpenForReadOnly(options, dir, descs, &hs, db)
                    : rocksdb::DB::Open(options, dir, descs, &hs, db);
    if (s.ok() || !o.read_only || attempt == 4 || !writer_may_have_moved_on(s)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20 << attempt));
  }
  if (!s.ok()) {
    std::string msg = s.ToString();
    if ((msg.find("lock") != std::string::npos || msg.find("LOCK") != std::string::npos) &&
        msg.find("Read-only file system") == std::string::npos &&
        msg.find("Too many open files") == std::string::npos && msg.find("Permission denied") == std::string::npos)
      return Status::Unavailable("data directory " + dir + " is in use by another duban process (" + msg + ")");
    // Engine::Open has told missing and empty directories apart already:
    // a file missing here is a damaged store, not "no data".
    if (msg.find("No such file or directory") != std::string::npos)
      return Status::Corruption("the store in " + dir + " is damaged: a file it needs is missing (" + msg +
                                "). Nothing was changed; `duban doctor` describes the store");
    if (s.IsCorruption())
      return Status::Corruption("the store in " + dir + " is damaged: RocksDB found a corrupt record (" + msg +
                                "); it is not opened, so that no acknowledged event is dropped silently. "
                                "Nothing was changed; `duban doctor` describes the store, and a copy made "
                                "before the damage is the way back");
    return FromRocks(s, "cannot open the store in " + dir);
  }
  for (size_t i = 0; i < hs.size(); ++i) handles[ids[i]] = hs[i];
  return JudgeMissingColumnFamilies(dir, db, handles, rebuild_interrupted);
}

void Engine::Impl::RecordCleanClose() {
  if (write_failed) return;
  uint64_t errors = 0;
  if (db->GetIntProperty(rocksdb::DB::Properties::kBackgroundErrors, &errors) && errors > 0) return;
  log_end::LogEnd end;
  end.next = next_pos;
  end.closed = true;
  rocksdb::VectorLogPtr wals;
  if (auto s = db->FlushWAL(/*sync=*/true); !s.ok()) return;
  if (auto s = db->GetSortedWalFiles(wals); !s.ok()) return;
  for (const auto& w : wals) {
    if (w->Type() != rocksdb::kAliveLogFile) continue;
    std::string name = w->PathName();
    if (auto slash = name.rfind('/'); slash != std::string::npos) name = name.substr(slash + 1);
    end.wals.emplace_back(name, w->SizeFileBytes());
  }
  if (Status st = log_end::Write(Env(), opts.data_dir, end); !st.ok())
    log::Core().warn("could not record the log end of {}: {}", opts.data_dir, st.ToString());
}

}  // namespace duban
