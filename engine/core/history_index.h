// The history index's writer: a batch's events gathered into the buckets
// they belong to (records.h, `history`), each bucket read once from the
// store and put back once with the batch's entries appended.
//
// Guarantee: a bucket's value lists its events in position order whatever
// the batch boundaries were, so a rebuild, which batches differently, writes
// the same bytes as the live commits did. This needs what the log gives: a
// batch's positions come after every position already in the store. One
// HistoryIndex per WriteBatch: two would each append to the stored value and
// the second put would hide the first's entries.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <map>
#include <string>
#include <string_view>

#include "duban/status.h"

namespace duban {

class HistoryIndex {
 public:
  // The event at `pos` of `stream`, about `task` (0: plan-level).
  void Add(std::string_view stream, int32_t task, uint64_t pos);
  // Puts each bucket touched since the last Flush into `wb`: its value in
  // `db` (the store `wb` will be written to) with the new entries appended.
  Status Flush(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, rocksdb::WriteBatch& wb);

 private:
  std::map<std::string, std::string, std::less<>> pending_;  // bucket key -> entries to append
};

}  // namespace duban
