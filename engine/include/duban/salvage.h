// Salvage: the way back from a damaged store that has no good copy, which
// says exactly what it would keep and what is lost before it writes
// anything, and never changes the damaged store.
//
// It copies the damaged directory's files to a work directory beside the
// output, opens the copy with RocksDB's tolerant recovery (a lost CURRENT
// file is written again on the copy, naming the newest MANIFEST; if even
// that does not open, RocksDB's RepairDB runs on the copy: it keeps only the
// column families its table files name), and reads the log from position 1
// for as long as it is whole: positions without a gap, every record
// decodable, every stream's hash chain intact. Those events are appended to
// a new store (Engine::AppendExternal, which checks the chains again and
// derives every projection), which keeps the damaged store's id, so an
// auditor's exported anchors still verify what was kept and show what was
// lost. What lies past the first gap or broken link is counted, not kept:
// keeping it would put events after a hole in the record.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "duban/engine.h"
#include "duban/status.h"

namespace duban {

struct SalvageReport {
  std::string store_id;            // kept in the new store
  uint64_t kept = 0;               // positions 1..kept, appended to the new store
  uint64_t recorded_end = 0;       // the last position the store's log-end file says it reached (0: unknown)
  uint64_t found_after = 0;        // records found past the first gap or broken link, not kept
  std::string stopped;             // why reading stopped before the end of what was found, in words ("" if it did not)
  bool repaired_copy = false;      // RocksDB's RepairDB had to run (on the copy) before it could be read
  uint64_t newest_checkpoint = 0;  // the newest signed checkpoint the damaged store held (0: none)
  bool written = false;            // the new store was written (not a dry run)
  std::vector<std::string> notes;  // what was done to the copy to read it, in words
  // After a crash the recorded end is where the crashed writer began: more may be lost.
  bool recorded_end_is_lower_bound = false;
  // Acknowledged events known to be lost: positions up to the recorded end
  // that were neither kept nor found past the stop.
  uint64_t lost = 0;
};

// Salvages `damaged_dir` into `out_dir` (which must not exist or be empty,
// and lie outside the damaged store). The new store is built under a hidden
// name beside `out_dir` and renamed to it when complete, so a salvage killed
// half-way leaves nothing that looks like a store. With `write` false it is
// all done and then removed: the report is exactly what a real run would do.
// Refused for a directory that holds no duban store, or one a writer uses. `policy` is the timer
// policy the store's commands use (the CLI's workflow), so the projections
// are the ones a rebuild gives. The new store's block cache is `block_cache_mb`
// (EngineOptions::block_cache_mb).
Result<SalvageReport> Salvage(const std::string& damaged_dir, const std::string& out_dir, bool write,
                              std::shared_ptr<TimerPolicy> policy,
                              size_t block_cache_mb = EngineOptions{}.block_cache_mb);

}  // namespace duban
