// The benchmark aids (duban/engine_bench.h): what a benchmark measures of
// an engine, kept out of its front door. Guarantee: none of them changes
// what the engine writes; RawWriter opens the engine's column families in
// the engine's order, so the ids inside recorded batches match.
#include "duban/engine_bench.h"

#include <chrono>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "engine_impl.h"

namespace duban::bench {

WriteStats EngineWriteStats(const Engine& engine) { return EngineAccess::Of(engine).stats; }
size_t CachedPlans(const Engine& engine) { return EngineAccess::Of(engine).cache.size(); }

RocksMemory RocksMemoryOf(const Engine& engine) {
  const EngineAccess::Impl& m = EngineAccess::Of(engine);
  RocksMemory r;
  constexpr double kMb = 1024.0 * 1024.0;
  for (auto* h : m.cf) {
    if (!h) continue;
    uint64_t v = 0;
    if (m.db->GetIntProperty(h, "rocksdb.cur-size-all-mem-tables", &v)) r.memtables_mb += static_cast<double>(v) / kMb;
    if (m.db->GetIntProperty(h, "rocksdb.estimate-table-readers-mem", &v))
      r.table_readers_mb += static_cast<double>(v) / kMb;
  }
  uint64_t used = 0;
  if (m.db->GetIntProperty(m.cf[kLog], "rocksdb.block-cache-usage", &used))
    r.block_cache_mb = static_cast<double>(used) / kMb;
  if (m.db->GetIntProperty(m.cf[kLog], "rocksdb.block-cache-capacity", &used))
    r.block_cache_capacity_mb = static_cast<double>(used) / kMb;
  return r;
}

bool WaitForBackgroundWork(const Engine& engine, double max_seconds) {
  const EngineAccess::Impl& m = EngineAccess::Of(engine);
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(max_seconds);
  const char* props[] = {"rocksdb.mem-table-flush-pending", "rocksdb.compaction-pending", "rocksdb.num-running-flushes",
                         "rocksdb.num-running-compactions"};
  while (true) {
    bool busy = false;
    for (auto* h : m.cf) {
      if (!h) continue;
      for (const char* p : props) {
        uint64_t v = 0;
        if (m.db->GetIntProperty(h, p, &v) && v) busy = true;
      }
    }
    if (!busy) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void SetWriteObserver(Engine& engine, std::function<void(std::string_view)> observer) {
  EngineAccess::Of(engine).write_observer = std::move(observer);
}

struct RawWriter::Db {
  rocksdb::DB* db = nullptr;
  rocksdb::ColumnFamilyHandle* handles[kCfCount] = {};
  ~Db() {
    for (auto* h : handles)
      if (h) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
};

Result<std::unique_ptr<RawWriter>> RawWriter::Open(const std::string& dir, size_t block_cache_mb) {
  EngineOptions o;
  o.data_dir = dir;
  o.block_cache_mb = block_cache_mb;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::unique_ptr<RawWriter> w(new RawWriter);
  w->db_ = std::make_unique<Db>();
  if (Status st = EngineAccess::Impl::OpenDb(dir, o, &w->db_->db, w->db_->handles); !st.ok()) return st;
  return w;
}

RawWriter::~RawWriter() = default;

Status RawWriter::Write(std::string_view batch) {
  rocksdb::WriteBatch wb{std::string(batch)};
  const auto t0 = std::chrono::steady_clock::now();
  const rocksdb::Status s = db_->db->Write(rocksdb::WriteOptions(), &wb);
  seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return FromRocks(s, "raw write");
}

namespace {
// Counts a batch's entries per column family id.
class KeyCounter : public rocksdb::WriteBatch::Handler {
 public:
  struct Counts {
    uint64_t puts = 0, deletes = 0;
  };
  Counts per_cf[kCfCount] = {};

  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice&, const rocksdb::Slice&) override {
    if (cf < kCfCount) ++per_cf[cf].puts;
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice&) override {
    if (cf < kCfCount) ++per_cf[cf].deletes;
    return rocksdb::Status::OK();
  }
  rocksdb::Status SingleDeleteCF(uint32_t cf, const rocksdb::Slice& key) override { return DeleteCF(cf, key); }
  rocksdb::Status MergeCF(uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    return PutCF(cf, key, value);
  }
};
}  // namespace

struct KeyTally::Counts {
  KeyCounter counter;
};
KeyTally::KeyTally() : counts_(std::make_unique<Counts>()) {}
KeyTally::~KeyTally() = default;

Status KeyTally::Add(std::string_view batch) {
  rocksdb::WriteBatch wb{std::string(batch)};
  return FromRocks(wb.Iterate(&counts_->counter), "reading a batch");
}

std::string KeyTally::PerEvent(uint64_t events) const {
  const KeyCounter& counter = counts_->counter;
  std::vector<int> order;
  for (int cf = 0; cf < kCfCount; ++cf)
    if (counter.per_cf[cf].puts + counter.per_cf[cf].deletes) order.push_back(cf);
  auto total = [&](int cf) { return counter.per_cf[cf].puts + counter.per_cf[cf].deletes; };
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return total(a) > total(b); });
  const double n = static_cast<double>(std::max<uint64_t>(1, events));
  std::string out;
  for (int cf : order) {
    char part[96];
    const auto& c = counter.per_cf[cf];
    if (c.deletes)
      std::snprintf(part, sizeof part, "%s%s %.2f (%.2f del)", out.empty() ? "" : ", ", kCfNames[cf],
                    static_cast<double>(total(cf)) / n, static_cast<double>(c.deletes) / n);
    else
      std::snprintf(part, sizeof part, "%s%s %.2f", out.empty() ? "" : ", ", kCfNames[cf],
                    static_cast<double>(total(cf)) / n);
    out += part;
  }
  return out;
}

}  // namespace duban::bench
