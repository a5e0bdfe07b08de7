// The embedded store's column families: their ids and on-disk names, in one
// place. Key layouts and value encodings of each are in records.h (the table
// there); this header is what says which handle is which.
//
// Guarantee: the names are written to disk and the order is the order
// RocksDB's batches refer to (a serialized WriteBatch names column families
// by id): never rename or reorder one; retire it instead.
#pragma once

namespace duban {

enum Cf : int {
  kDefault = 0,
  kLog,
  kStreams,
  kCommands,
  kPlans,
  kTasks,
  kAssignments,
  kByUnit,
  kByStatus,
  kHistory,
  kTimers,
  kCounts,
  kMeta,
  kSnapshots,
  kCfCount
};
// Written to disk: never rename.
inline constexpr const char* kCfNames[kCfCount] = {"default", "log",         "streams", "commands",  "plans",
                                                   "tasks",   "assignments", "by_unit", "by_status", "history",
                                                   "timers",  "counts",      "meta",    "snapshots"};
// The projections: dropped and rebuilt from the log by Rebuild, compared by Verify
// (all but a retired one).
inline constexpr int kFirstProjection = kStreams;
inline constexpr int kLastProjection = kCounts;
// Kept open (its name is on disk) but no longer written or read: by_status
// (records.h). A writer's open empties it; Verify and ProjectionDigest skip it.
inline constexpr bool IsRetired(int cf) { return cf == kByStatus; }

}  // namespace duban
