// What a data directory holds, told apart before RocksDB touches it, so that
// no command ever creates a store over a directory that holds anything.
//
// A duban store keeps an identity file, DUBAN-STORE, beside RocksDB's own
// files: a random store id and the format version, written durably when the
// store is created (stores made before it get one at their next writer open).
// Without this, a store whose CURRENT file was lost looked empty: `status`
// said "no duban data", and the `plan import` it suggested created a new
// RocksDB there, which deleted every old table file as obsolete.
#pragma once

#include <string>

#include "duban/status.h"

namespace duban::store_dir {

inline constexpr const char* kIdentityFile = "DUBAN-STORE";
// 1: identity only. 2: the store also keeps its log end (log_end.h), and a
// format-2 store without that file is damaged, not merely old.
inline constexpr int kFormatVersion = 2;

enum class Kind {
  kMissing,  // no such directory
  kEmpty,    // a directory with nothing in it: a store may be created
  kStore,    // a duban store (identity file and RocksDB's CURRENT)
  kLegacy,   // RocksDB's files with duban's column families, no identity file yet
  kDamaged,  // a store with a file missing or unreadable (see detail)
  kForeign,  // files that are not a duban store
};

struct Inspection {
  Kind kind = Kind::kMissing;
  std::string detail;    // in plain words, for messages
  std::string store_id;  // from the identity file, when there is one
  int format = 0;        // from the identity file, when there is one
};

// Looks at `dir` without changing anything. `is_duban_rocksdb` says whether a
// RocksDB there has duban's column families (asked only when it has CURRENT).
Inspection Inspect(const std::string& dir, bool (*is_duban_rocksdb)(const std::string& dir));

// Whether a writer holds RocksDB's lock on `dir`, in another process or in
// this one: asked with fcntl(F_OFD_GETLK) on a descriptor of LOCK the
// process keeps open (closing one would drop this process's own lock).
bool WriterHoldsLock(const std::string& dir);

// Writes DUBAN-STORE in kFormatVersion with `store_id`, or a new random id
// when it is empty: to a temporary file, fsynced, renamed into place, and the
// directory fsynced.
Status WriteIdentity(const std::string& dir, const std::string& store_id = "");

}  // namespace duban::store_dir
