// salvage: reading what can be read from a damaged store into a new one
// (see duban/salvage.h).
#include "duban/salvage.h"

#include <rocksdb/db.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "duban/anchor.h"
#include "duban/coding.h"
#include "duban/schemas/codec.h"
#include "log_end.h"
#include "store_dir.h"
#include "duban/log.h"

namespace duban {
namespace {
namespace fs = std::filesystem;

// The damaged store's files, copied so that RocksDB's recovery and repair
// (which rewrite files) never touch the original.
Status CopyStoreFiles(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec) return Status::IOError("cannot create " + to + ": " + ec.message());
  for (const auto& e : fs::directory_iterator(from, ec)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || name == "LOCK") continue;
    fs::copy_file(e.path(), fs::path(to) / name, fs::copy_options::overwrite_existing, ec);
    if (ec) return Status::IOError("cannot copy " + e.path().string() + " to " + to + ": " + ec.message());
  }
  if (ec) return Status::IOError("cannot read " + from + ": " + ec.message());
  return Status::Ok();
}

struct RawDb {
  rocksdb::DB* db = nullptr;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> cf;
  ~RawDb() {
    for (auto& [_, h] : cf) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
};

rocksdb::Status OpenTolerant(const std::string& dir, RawDb& raw) {
  rocksdb::Options o;
  o.paranoid_checks = false;
  o.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  o.info_log_level = rocksdb::InfoLogLevel::ERROR_LEVEL;
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(o, dir, &names);
  if (!s.ok()) return s;
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  descs.reserve(names.size());
  for (const auto& n : names) descs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> hs;
  s = rocksdb::DB::Open(o, dir, descs, &hs, &raw.db);
  if (!s.ok()) return s;
  for (size_t i = 0; i < names.size(); ++i) raw.cf[names[i]] = hs[i];
  return s;
}

// Where the new store goes, as a normal absolute path without a trailing
// slash; refused when it is not a new or empty directory, or when it lies
// inside the damaged store or holds it (a salvage writes nothing there).
Result<fs::path> CheckOut(const std::string& out, const std::string& damaged) {
  std::error_code ec;
  if (out.empty()) return Status::InvalidArgument("salvage needs --out: a new directory for the salvaged store");
  fs::path p = fs::absolute(out, ec).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();
  if (ec || p.filename() == "." || p.filename() == ".." || p == p.root_path())
    return Status::InvalidArgument("--out " + out + " is not a directory name a new store can take");
  const fs::path d = fs::weakly_canonical(damaged, ec);
  const fs::path o = fs::weakly_canonical(p, ec);
  auto within = [](const fs::path& inner, const fs::path& outer) {
    auto [a, b] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
    return a == outer.end();
  };
  if (within(o, d) || within(d, o))
    return Status::InvalidArgument("--out " + out + " is inside the damaged store " + damaged +
                                   " (or holds it); give a directory outside it: a salvage writes nothing there");
  if (fs::exists(p, ec) && (!fs::is_directory(p, ec) || !fs::is_empty(p, ec)))
    return Status::InvalidArgument("the salvage output " + out +
                                   " exists and is not an empty directory; give a new directory");
  return p;
}

std::string Replaced(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

Status CheckSalvageable(const std::string& damaged_dir, const store_dir::Inspection& look) {
  if (look.kind == store_dir::Kind::kMissing || look.kind == store_dir::Kind::kEmpty ||
      look.kind == store_dir::Kind::kForeign)
    return Status::InvalidArgument("there is no duban store to salvage in " + damaged_dir + ": " + look.detail);
  if (store_dir::WriterHoldsLock(damaged_dir))
    return Status::Unavailable("a duban process is writing to " + damaged_dir +
                               " right now; salvage reads a damaged store no process uses");
  return Status::Ok();
}

// Beside the output, hidden, and renamed into place only when complete: a
// salvage killed half-way leaves no directory that looks like a store.
struct WorkDirs {
  std::string work;    // the copy of the damaged store's files
  std::string target;  // the new store, until it is renamed to the output
};

WorkDirs WorkDirsBeside(const fs::path& out) {
  const std::string tag = "." + out.filename().string() + ".salvage-";
  return {(out.parent_path() / (tag + "work-" + std::to_string(::getpid()))).string(),
          (out.parent_path() / (tag + "partial-" + std::to_string(::getpid()))).string()};
}

struct RemoveOnExit {
  std::vector<std::string> dirs;
  ~RemoveOnExit() {
    std::error_code e;
    for (const auto& d : dirs) fs::remove_all(d, e);
  }
};

void ReadRecordedEnd(const std::string& damaged_dir, SalvageReport& report) {
  bool recorded_closed = false;
  if (auto end = log_end::Read(rocksdb::Env::Default(), damaged_dir); end.ok() && end->has_value()) {
    report.recorded_end = (*end)->next - 1;
    recorded_closed = (*end)->closed;
  }
  report.recorded_end_is_lower_bound = !recorded_closed;
}

// A lost CURRENT only names the newest MANIFEST: named again, the copy
// opens with every column family, WAL data included (RepairDB would keep
// only what its table files name).
void RewriteLostCurrent(const std::string& work, SalvageReport& report) {
  std::error_code ec;
  if (fs::exists(fs::path(work) / "CURRENT", ec)) return;
  std::string newest;
  for (const auto& e : fs::directory_iterator(work, ec)) {
    const std::string n = e.path().filename().string();
    if (n.rfind("MANIFEST-", 0) == 0 && n > newest) newest = n;
  }
  if (newest.empty()) return;
  std::ofstream(fs::path(work) / "CURRENT") << newest << "\n";
  report.notes.push_back("the lost CURRENT file was written again (on the copy), naming " + newest);
}

Status CannotOpenCopy(const std::string& work, const std::string& damaged_dir, const rocksdb::Status& s) {
  const std::string msg = Replaced(s.ToString(), work, damaged_dir);
  if (msg.find("Too many open files") != std::string::npos)
    return Status::IOError("salvage could not open the copy of " + damaged_dir +
                           ": this process may not open enough files; raise the limit (e.g. ulimit -n 1024) and "
                           "run it again (nothing was written): " +
                           msg);
  return Status::IOError("salvage could not open the copy of " + damaged_dir + " (nothing was written): " + msg);
}

Status RepairAndReopenCopy(const std::string& work, const std::string& damaged_dir, const rocksdb::Status& failed,
                           RawDb& raw, SalvageReport& report) {
  log::Core().warn("salvage: the copy does not open ({}); running RocksDB's repair on the copy", failed.ToString());
  rocksdb::Options o;
  o.info_log_level = rocksdb::InfoLogLevel::ERROR_LEVEL;
  if (rocksdb::Status r = rocksdb::RepairDB(work, o); !r.ok())
    return Status::Corruption("the store in " + damaged_dir + " cannot be read even by RocksDB's repair (" +
                              r.ToString() + "); nothing was written");
  report.repaired_copy = true;
  report.notes.push_back("RocksDB's repair ran on the copy (" + failed.ToString() + ")");
  raw.cf.clear();
  if (rocksdb::Status s = OpenTolerant(work, raw); !s.ok())
    return Status::Corruption("the store in " + damaged_dir + " cannot be read after RocksDB's repair (" +
                              s.ToString() + "); nothing was written");
  return Status::Ok();
}

// Opens the copy tolerantly; only a corruption or a missing file is worth
// RocksDB's repair, any other failure is reported as it is.
Status OpenCopy(const std::string& work, const std::string& damaged_dir, RawDb& raw, SalvageReport& report) {
  rocksdb::Status s = OpenTolerant(work, raw);
  if (!s.ok() && !s.IsCorruption() && s.ToString().find("No such file") == std::string::npos)
    return CannotOpenCopy(work, damaged_dir, s);
  if (!s.ok())
    if (Status st = RepairAndReopenCopy(work, damaged_dir, s, raw, report); !st.ok()) return st;
  if (!raw.cf.count("log")) return Status::Corruption("no log was found in " + damaged_dir + "; nothing was written");
  return Status::Ok();
}

void ReadNewestCheckpoint(RawDb& raw, SalvageReport& report) {
  auto meta = raw.cf.find("meta");
  if (meta == raw.cf.end()) return;
  std::unique_ptr<rocksdb::Iterator> it(raw.db->NewIterator(rocksdb::ReadOptions(), meta->second));
  for (it->Seek("anchor"); it->Valid() && it->key().starts_with("anchor"); it->Next())
    if (auto cp = anchor::Checkpoint::FromJson(it->value().ToStringView()); cp.ok())
      report.newest_checkpoint = std::max(report.newest_checkpoint, cp->log_end);
}

Result<schemas::Event> DecodeLogRecord(const rocksdb::Slice& value) {
  std::string_view payload;
  size_t used = 0;
  Status un = UnframeRecord(value.ToStringView(), &payload, &used);
  return un.ok() && used == value.size() ? schemas::DecodeEvent(payload)
                                         : Result<schemas::Event>(Status::Corruption("a damaged frame"));
}

// The log's whole prefix: contiguous positions, decodable records, chains
// checked by AppendExternal batch by batch (one event at a time in the
// batch that fails, to find the exact place). What lies past the stop is
// counted in report.found_after, not kept.
class PrefixCopy {
 public:
  PrefixCopy(Engine& engine, SalvageReport& report) : engine_(engine), report_(report) {}

  void Take(uint64_t pos, const rocksdb::Slice& value) {
    if (!whole_) return NotKept(pos);
    if (pos != expected_)
      return StopAt(pos, "positions " + std::to_string(expected_) + ".." + std::to_string(pos - 1) + " are missing");
    auto e = DecodeLogRecord(value);
    if (!e.ok())
      return StopAt(pos, "log position " + std::to_string(pos) + " cannot be read (" + e.status().message() + ")");
    batch_.push_back(std::move(e).value());
    ++expected_;
    if (batch_.size() >= 1000 && !Flush()) whole_ = false;
  }

  void Finish() {
    if (whole_) Flush();
  }

  // Records found past the stop (not kept) beyond the recorded end.
  uint64_t found_above() const { return found_above_; }

 private:
  // A record found but not kept (past the first gap or broken link).
  void NotKept(uint64_t pos) {
    ++report_.found_after;
    if (pos > report_.recorded_end) ++found_above_;
  }

  // The stop's reason is `why` unless a broken link in the pending batch
  // comes first.
  void StopAt(uint64_t pos, std::string why) {
    if (Flush()) report_.stopped = std::move(why);
    whole_ = false;
    NotKept(pos);
  }

  bool Flush() {
    if (batch_.empty()) return true;
    auto r = engine_.AppendExternal(batch_);
    if (r.ok() && r->forks == 0 && r->duplicates == 0) {
      report_.kept += batch_.size();
      batch_.clear();
      return true;
    }
    const bool whole = FlushOneByOne();
    batch_.clear();
    return whole;
  }

  bool FlushOneByOne() {
    for (auto& e : batch_) {
      auto one = engine_.AppendExternal({e});
      if (!one.ok() || one->appended != 1) {
        report_.stopped = "log position " + std::to_string(report_.kept + 1) + " does not continue its stream's " +
                          "hash chain (" +
                          (one.ok() ? std::string("a repeated or forked event") : one.status().message()) + ")";
        report_.found_after = batch_.size() - (&e - batch_.data());
        return false;
      }
      ++report_.kept;
    }
    return true;
  }

  Engine& engine_;
  SalvageReport& report_;
  std::vector<schemas::Event> batch_;
  uint64_t expected_ = 1;
  bool whole_ = true;
  uint64_t found_above_ = 0;
};

// Returns the number of records found past the stop beyond the recorded end.
uint64_t CopyLogPrefix(RawDb& raw, Engine& engine, SalvageReport& report) {
  rocksdb::ReadOptions ro;
  ro.verify_checksums = true;
  std::unique_ptr<rocksdb::Iterator> it(raw.db->NewIterator(ro, raw.cf.at("log")));
  PrefixCopy copy(engine, report);
  for (it->SeekToFirst(); it->Valid(); it->Next())
    copy.Take(it->key().size() == 8 ? DecodeFixed64BE(it->key().data()) : 0, it->value());
  copy.Finish();
  if (!it->status().ok() && report.stopped.empty())
    report.stopped = "reading stopped at a damaged table block (" + it->status().ToString() + ")";
  return copy.found_above();
}

// The rows the log does not hold but the store needs: the accounts'
// credentials (their changes are AccountChanged events, their secrets are
// not) and whether the store is simulated (free-text actors allowed).
Status CopyAccountAndKindRows(RawDb& raw, Engine& engine, SalvageReport& report) {
  auto meta = raw.cf.find("meta");
  if (meta == raw.cf.end() || report.kept == 0) return Status::Ok();
  Engine::MetaWrites rows;
  std::unique_ptr<rocksdb::Iterator> m(raw.db->NewIterator(rocksdb::ReadOptions(), meta->second));
  for (m->SeekToFirst(); m->Valid(); m->Next()) {
    const std::string_view k = m->key().ToStringView();
    if (k.starts_with("account/") || k.starts_with("account-token/") || k == "store_kind" || k == "simulated_now")
      rows.emplace_back(std::string(k), m->value().ToString());
  }
  if (rows.empty()) return Status::Ok();
  for (const auto& o : engine.SubmitBatch({}, rows))
    if (!o.status.ok()) return o.status;
  report.notes.push_back("kept " + std::to_string(rows.size()) + " account and store-kind row(s)");
  return Status::Ok();
}

Status MoveIntoPlace(const std::string& target, const fs::path& out, SalvageReport& report) {
  std::error_code ec;
  fs::remove(out, ec);  // an empty directory given as --out
  fs::rename(target, out, ec);
  if (ec) return Status::IOError("cannot move the salvaged store into " + out.string() + ": " + ec.message());
  report.written = true;
  return Status::Ok();
}

}  // namespace

Result<SalvageReport> Salvage(const std::string& damaged_dir, const std::string& out_dir, bool write,
                              std::shared_ptr<TimerPolicy> policy, size_t block_cache_mb) {
  SalvageReport report;
  const store_dir::Inspection look = store_dir::Inspect(damaged_dir, nullptr);
  if (Status st = CheckSalvageable(damaged_dir, look); !st.ok()) return st;
  auto checked = CheckOut(out_dir, damaged_dir);
  if (!checked.ok()) return checked.status();
  const fs::path out = *checked;
  const WorkDirs dirs = WorkDirsBeside(out);
  // Declared before the databases so that they are closed before their
  // directories go.
  RemoveOnExit cleanup{{dirs.work, dirs.target}};

  report.store_id = look.store_id;
  ReadRecordedEnd(damaged_dir, report);
  if (Status st = CopyStoreFiles(damaged_dir, dirs.work); !st.ok()) return st;
  RewriteLostCurrent(dirs.work, report);
  RawDb raw;
  if (Status st = OpenCopy(dirs.work, damaged_dir, raw, report); !st.ok()) return st;
  ReadNewestCheckpoint(raw, report);

  EngineOptions o;
  o.data_dir = dirs.target;
  o.block_cache_mb = block_cache_mb;
  std::error_code ec;
  fs::remove_all(dirs.target, ec);
  auto engine = Engine::Open(o, std::move(policy));
  if (!engine.ok()) return engine.status();

  const uint64_t found_above = CopyLogPrefix(raw, **engine, report);
  report.stopped = Replaced(report.stopped, dirs.work, damaged_dir);
  // Found past the stop (not kept) but at or below the recorded end: not lost.
  const uint64_t found_within = report.found_after - std::min(report.found_after, found_above);
  report.lost = report.recorded_end > report.kept + found_within ? report.recorded_end - report.kept - found_within : 0;
  if (write && report.kept == 0)
    return Status::InvalidArgument("nothing of " + damaged_dir + " could be kept (" +
                                   (report.stopped.empty() ? std::string("its log is empty") : report.stopped) +
                                   "), so no store was written");
  if (Status st = CopyAccountAndKindRows(raw, **engine, report); !st.ok()) return st;
  engine->reset();
  if (!report.store_id.empty())
    if (Status st = store_dir::WriteIdentity(dirs.target, report.store_id); !st.ok()) return st;
  if (write)
    if (Status st = MoveIntoPlace(dirs.target, out, report); !st.ok()) return st;
  return report;
}

}  // namespace duban
