// HistoryIndex (history_index.h): buckets gathered per batch, read once and
// written once.
#include "history_index.h"

#include "engine_impl.h"
#include "records.h"

namespace duban {

void HistoryIndex::Add(std::string_view stream, int32_t task, uint64_t pos) {
  std::string key = core::records::keys::HistoryBucket(stream, pos);
  auto it = pending_.find(key);
  if (it == pending_.end()) it = pending_.emplace(std::move(key), std::string()).first;
  core::records::AppendHistoryEntry(&it->second, pos, task);
}

Status HistoryIndex::Flush(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, rocksdb::WriteBatch& wb) {
  std::string stored;
  for (auto& [key, entries] : pending_) {
    stored.clear();
    rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf, key, &stored);
    if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading the history index");
    stored += entries;
    wb.Put(cf, key, stored);
  }
  pending_.clear();
  return Status::Ok();
}

}  // namespace duban
