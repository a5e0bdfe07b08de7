// The log end a store's last writer left, kept durably beside RocksDB's files
// (DUBAN-STORE-LOG-END), so that an acknowledged event lost while no process
// ran is refused at the next open instead of being written over.
//
// RocksDB replays whatever WAL files it finds: a WAL deleted, cut short at a
// record boundary, or replaced by an older copy opens as a shorter log
// without a word (RocksDB 7.8's track_and_verify_wals_in_manifest does not
// cover the live WAL), and the next write reuses the lost positions. So:
// - a writer records, at open, the log end it found (state "open"), before it
//   writes anything;
// - at a clean close, after syncing the WAL, it records the log end it leaves
//   and every live WAL file with its size (state "closed");
// - the next open checks those WAL files before RocksDB touches anything (a
//   writer's open would otherwise rotate files first), and after opening that
//   the log reaches the recorded end and begins at position 1.
// After a crash the state is "open": the WAL list is unknown, and RocksDB's
// own recovery judges the tail; the recorded end still holds.
//
// The file is read and written through the store's rocksdb::Env, so a
// simulated disk (tests' fault-injecting file system) governs it as it
// governs the WAL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "duban/status.h"

namespace rocksdb {
class Env;
}

namespace duban::log_end {

inline constexpr const char* kFile = "DUBAN-STORE-LOG-END";

struct LogEnd {
  uint64_t next = 1;                                   // the next log position when recorded
  bool closed = false;                                 // written by a clean close (then `wals` is complete)
  std::vector<std::pair<std::string, uint64_t>> wals;  // live WAL file names and sizes
  bool operator==(const LogEnd&) const = default;
};

std::string Format(const LogEnd& end);
Result<LogEnd> Parse(const std::string& text);

// nullopt when the file is absent; Corruption when it cannot be parsed.
Result<std::optional<LogEnd>> Read(rocksdb::Env* env, const std::string& dir);
// To a temporary file, synced, renamed into place, and the directory synced.
Status Write(rocksdb::Env* env, const std::string& dir, const LogEnd& end);

// For a closed record: every WAL it lists is present with its size. The
// message names what is missing or short, for the operator.
Status CheckWals(rocksdb::Env* env, const std::string& dir, const LogEnd& end);

}  // namespace duban::log_end
