// Benchmark aids for the embedded engine: not part of its front door
// (duban/engine.h), for `duban-bench` and the tests that measure what a
// commit writes. They observe an Engine without changing what it writes.
//
// Thread safety: as Engine's writing methods (not beside other calls).
#pragma once

#include <cstdint>
#include <functional>
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
};
WriteStats EngineWriteStats(const Engine& engine);

// Waits until RocksDB has no flush or compaction running or pending (at most
// max_seconds), so figures taken next are not sharing the machine with them.
// Returns false on timeout.
bool WaitForBackgroundWork(const Engine& engine, double max_seconds);

// When set, every committed WriteBatch's serialized form is passed here, so a
// raw loop can replay exactly the same writes.
void SetWriteObserver(Engine& engine, std::function<void(std::string_view batch)> observer);

// Opens a fresh store at `dir` with the engine's column families and options,
// and writes the given serialized batches in order, nothing else. Returns the
// seconds the writes took.
Result<double> TimeRawWrites(const std::string& dir, const std::vector<std::string>& batches);

// Where the keys of the given serialized batches go: per column family, puts
// and deletes per event (`events` divides), as one printable line such as
// "log 1.00, history 1.00, by_status 0.20 (0.10 del)", largest first.
std::string KeysPerEventByColumnFamily(const std::vector<std::string>& batches, uint64_t events);

}  // namespace duban::bench
