// Benchmark aids for the embedded engine: not part of its front door
// (duban/engine.h), for `duban-bench` and the tests that measure what a
// commit writes. They observe an Engine without changing what it writes.
//
// Thread safety: as Engine's writing methods (not beside other calls).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "duban/status.h"

namespace duban {
class Engine;
}

namespace duban::bench {

// Keys and bytes an engine has committed to RocksDB in this process (all
// column families), for benchmarks that compare with a raw write loop.
struct WriteStats {
  uint64_t keys = 0;
  uint64_t bytes = 0;
  double write_seconds = 0;  // inside rocksdb::DB::Write of live commits (not rebuilds)
  // Plan states loaded (snapshot + log after it) because the cache did not
  // hold them (plans that exist only: a new plan's first lookup is no load).
  uint64_t plan_loads = 0;
  double plan_load_seconds = 0;
  uint64_t plan_load_events = 0;   // events those loads replayed after their snapshots
  uint64_t parting_snapshots = 0;  // written for plans dropped from the cache (records.h);
                                   // their writes are in keys and bytes, not in write_seconds
};
WriteStats EngineWriteStats(const Engine& engine);
// How many plan states the engine holds in memory now (EngineOptions::plan_cache_weight).
size_t CachedPlans(const Engine& engine);
// Where RocksDB's memory is now, in MB: its memtables (all column families),
// the block cache's use and capacity (shared by the process's engines of the
// same EngineOptions::block_cache_mb), and the open tables' index and filter
// blocks (outside the cache).
struct RocksMemory {
  double memtables_mb = 0, block_cache_mb = 0, block_cache_capacity_mb = 0, table_readers_mb = 0;
};
RocksMemory RocksMemoryOf(const Engine& engine);

// Waits until RocksDB has no flush or compaction running or pending (at most
// max_seconds), so figures taken next are not sharing the machine with them.
// Returns false on timeout.
bool WaitForBackgroundWork(const Engine& engine, double max_seconds);

// When set, every committed WriteBatch's serialized form is passed here, so a
// raw loop can replay exactly the same writes.
void SetWriteObserver(Engine& engine, std::function<void(std::string_view batch)> observer);

// A fresh store at `dir` with the engine's column families (in the engine's
// order, so the ids inside recorded batches match) and options, into which
// serialized batches are written as they are, nothing else: the raw RocksDB
// share of an ingest. Batches are taken one at a time, so a ten-million-event
// run need not hold them.
class RawWriter {
 public:
  static Result<std::unique_ptr<RawWriter>> Open(const std::string& dir, size_t block_cache_mb);
  ~RawWriter();
  RawWriter(const RawWriter&) = delete;
  RawWriter& operator=(const RawWriter&) = delete;
  Status Write(std::string_view batch);
  double seconds() const { return seconds_; }  // inside rocksdb::DB::Write only

 private:
  RawWriter() = default;
  struct Db;
  std::unique_ptr<Db> db_;
  double seconds_ = 0;
};

// Where the keys of serialized batches go, per column family: puts and
// deletes, as one printable line per event such as "log 1.00, history 1.00,
// counts 0.20 (0.10 del)", largest first.
class KeyTally {
 public:
  KeyTally();
  ~KeyTally();
  Status Add(std::string_view batch);
  std::string PerEvent(uint64_t events) const;

 private:
  struct Counts;
  std::unique_ptr<Counts> counts_;
};

}  // namespace duban::bench
