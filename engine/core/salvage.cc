// salvage: reading what can be read from a damaged store into a new one
// (see duban/salvage.h).
#include "duban/salvage.h"

#include <rocksdb/db.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "duban/coding.h"
#include "duban/schemas/codec.h"
#include "log_end.h"
#include "store_dir.h"

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
  for (const auto& n : names) descs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> hs;
  s = rocksdb::DB::Open(o, dir, descs, &hs, &raw.db);
  if (!s.ok()) return s;
  for (size_t i = 0; i < names.size(); ++i) raw.cf[names[i]] = hs[i];
  return s;
}

Status CheckOut(const std::string& out) {
  std::error_code ec;
  if (!fs::exists(out, ec)) return Status::Ok();
  if (!fs::is_directory(out, ec) || !fs::is_empty(out, ec))
    return Status::InvalidArgument("the salvage output " + out +
                                   " exists and is not an empty directory; give a new directory");
  return Status::Ok();
}

}  // namespace

Result<SalvageReport> Salvage(const std::string& damaged_dir, const std::string& out_dir, bool write,
                              std::shared_ptr<TimerPolicy> policy) {
  SalvageReport report;
  std::error_code ec;
  if (!fs::is_directory(damaged_dir, ec)) return Status::NotFound(damaged_dir + " is not a directory");
  if (Status st = CheckOut(out_dir); !st.ok()) return st;
  const std::string base = fs::path(out_dir).lexically_normal().string();
  const std::string work = base + ".salvage-work-" + std::to_string(::getpid());
  const std::string target = write ? out_dir : base + ".salvage-dry-run-" + std::to_string(::getpid());
  struct Cleanup {
    std::vector<std::string> dirs;
    ~Cleanup() {
      std::error_code e;
      for (const auto& d : dirs) fs::remove_all(d, e);
    }
  } cleanup;
  cleanup.dirs.push_back(work);
  if (!write) cleanup.dirs.push_back(target);

  const store_dir::Inspection look = store_dir::Inspect(damaged_dir, nullptr);
  report.store_id = look.store_id;
  if (auto end = log_end::Read(rocksdb::Env::Default(), damaged_dir); end.ok() && end->has_value())
    report.recorded_end = (*end)->next - 1;

  if (Status st = CopyStoreFiles(damaged_dir, work); !st.ok()) return st;
  // A lost CURRENT only names the newest MANIFEST: named again, the copy
  // opens with every column family, WAL data included (RepairDB would keep
  // only what its table files name).
  if (!fs::exists(fs::path(work) / "CURRENT", ec)) {
    std::string newest;
    for (const auto& e : fs::directory_iterator(work, ec)) {
      const std::string n = e.path().filename().string();
      if (n.rfind("MANIFEST-", 0) == 0 && n > newest) newest = n;
    }
    if (!newest.empty()) {
      std::ofstream(fs::path(work) / "CURRENT") << newest << "\n";
      report.notes.push_back("the lost CURRENT file was written again (on the copy), naming " + newest);
    }
  }
  RawDb raw;
  rocksdb::Status s = OpenTolerant(work, raw);
  if (!s.ok()) {
    spdlog::warn("salvage: the copy does not open ({}); running RocksDB's repair on the copy", s.ToString());
    rocksdb::Options o;
    o.info_log_level = rocksdb::InfoLogLevel::ERROR_LEVEL;
    if (rocksdb::Status r = rocksdb::RepairDB(work, o); !r.ok())
      return Status::Corruption("the store in " + damaged_dir + " cannot be read even by RocksDB's repair (" +
                                r.ToString() + "); nothing was written");
    report.repaired_copy = true;
    report.notes.push_back("RocksDB's repair ran on the copy (" + s.ToString() + ")");
    raw.cf.clear();
    s = OpenTolerant(work, raw);
    if (!s.ok())
      return Status::Corruption("the store in " + damaged_dir + " cannot be read after RocksDB's repair (" +
                                s.ToString() + "); nothing was written");
  }
  if (!raw.cf.count("log"))
    return Status::Corruption("no log was found in " + damaged_dir + "; nothing was written");

  if (auto meta = raw.cf.find("meta"); meta != raw.cf.end()) {
    std::unique_ptr<rocksdb::Iterator> it(raw.db->NewIterator(rocksdb::ReadOptions(), meta->second));
    for (it->Seek("anchor/"); it->Valid() && it->key().starts_with("anchor/"); it->Next())
      if (it->key().size() == 7 + 8) report.newest_checkpoint = DecodeFixed64BE(it->key().data() + 7);
  }

  EngineOptions o;
  o.data_dir = target;
  auto engine = Engine::Open(o, policy);
  if (!engine.ok()) return engine.status();

  // The whole prefix: contiguous positions, decodable records, chains
  // checked by AppendExternal batch by batch (one event at a time in the
  // batch that fails, to find the exact place).
  rocksdb::ReadOptions ro;
  ro.verify_checksums = true;
  std::unique_ptr<rocksdb::Iterator> it(raw.db->NewIterator(ro, raw.cf.at("log")));
  std::vector<schemas::Event> batch;
  uint64_t expected = 1;
  auto flush = [&]() -> bool {
    if (batch.empty()) return true;
    auto r = (*engine)->AppendExternal(batch);
    if (r.ok() && r->forks == 0 && r->duplicates == 0) {
      report.kept += batch.size();
      batch.clear();
      return true;
    }
    for (auto& e : batch) {
      auto one = (*engine)->AppendExternal({e});
      if (!one.ok() || one->appended != 1) {
        report.stopped = "log position " + std::to_string(report.kept + 1) + " does not continue its stream's " +
                         "hash chain (" + (one.ok() ? std::string("a repeated or forked event") : one.status().message()) +
                         ")";
        report.found_after = batch.size() - (&e - batch.data());
        batch.clear();
        return false;
      }
      ++report.kept;
    }
    batch.clear();
    return true;
  };
  bool whole = true;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const uint64_t pos = it->key().size() == 8 ? DecodeFixed64BE(it->key().data()) : 0;
    if (!whole) {
      ++report.found_after;
      continue;
    }
    if (pos != expected) {
      if (!flush()) {
        whole = false;
        ++report.found_after;
        continue;
      }
      report.stopped = "positions " + std::to_string(expected) + ".." + std::to_string(pos - 1) + " are missing";
      whole = false;
      ++report.found_after;
      continue;
    }
    std::string_view payload;
    size_t used = 0;
    Status un = UnframeRecord(it->value().ToStringView(), &payload, &used);
    auto e = un.ok() && used == it->value().size() ? schemas::DecodeEvent(payload)
                                                    : Result<schemas::Event>(Status::Corruption("a damaged frame"));
    if (!e.ok()) {
      if (flush()) report.stopped = "log position " + std::to_string(pos) + " cannot be read (" + e.status().message() + ")";
      whole = false;
      ++report.found_after;
      continue;
    }
    batch.push_back(std::move(e).value());
    ++expected;
    if (batch.size() >= 1000 && !flush()) whole = false;
  }
  if (whole) flush();
  if (!it->status().ok() && report.stopped.empty())
    report.stopped = "reading stopped at a damaged table block (" + it->status().ToString() + ")";
  engine->reset();
  if (write && !report.store_id.empty()) {
    if (Status st = store_dir::WriteIdentity(out_dir, report.store_id); !st.ok()) return st;
  }
  report.written = write;
  return report;
}

}  // namespace duban
