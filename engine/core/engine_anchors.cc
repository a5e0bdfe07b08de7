// Signed checkpoints of the log head (duban/anchor.h) as the engine keeps
// them: every commit of an anchored store sealed in its own WriteBatch, the
// newest checkpoint loaded at open, SignCheckpoint and LatestCheckpoint.
//
// Guarantee: in a store that holds a checkpoint, no event is written without
// a signature over it: a writer without the key is refused, and a writer
// with it refuses a log that ends before or after its last checkpoint.
#include <algorithm>
#include <chrono>

#include "engine_impl.h"

namespace duban {

Status Engine::Impl::AnchorWriteAllowed() const {
  if (!last_checkpoint || opts.anchor_key) return Status::Ok();
  return Status::InvalidArgument(
      "this store signs every commit (it is anchored; its last checkpoint covers position " +
      std::to_string(last_checkpoint->log_end) + ", key " + last_checkpoint->public_key.substr(0, 16) +
      "…): give its signing key with --anchor-key FILE or DUBAN_ANCHOR_KEY to write; nothing was written");
}

Result<std::optional<Engine::Impl::Seal>> Engine::Impl::SealBatch(
    const std::vector<std::pair<uint64_t, std::string>>& written, uint64_t end, bool keep,
    rocksdb::WriteBatch& wb) const {
  if (!opts.anchor_key) return std::optional<Seal>();
  Seal s;
  s.head = log_head;
  for (const auto& [p, h] : written) s.head = anchor::ExtendHead(s.head, p, h);
  s.cp.store_id = store_id;
  s.cp.log_end = end;
  s.cp.log_head = s.head;
  s.cp.signed_at =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  if (Status st = opts.anchor_key->Sign(s.cp); !st.ok()) return st;
  const std::string json = s.cp.ToJson();
  wb.Put(cf[kMeta], kAnchorLast, json);
  // Kept for good: the first, one per anchor_every_events, and those asked for.
  const uint64_t every = std::max<uint64_t>(opts.anchor_every_events, 1);
  if (keep || !last_checkpoint || end / every > last_checkpoint->log_end / every)
    wb.Put(cf[kMeta], AnchorKeptKey(end), json);
  return std::optional<Seal>(std::move(s));
}

Result<std::string> Engine::Impl::HeadFromLog() const {
  std::string head;
  rocksdb::ReadOptions ro;
  ro.readahead_size = 4 << 20;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf[kLog]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const uint64_t pos = DecodeFixed64BE(it->key().data());
    auto e = DecodeFramed(it->value().ToStringView(), pos);
    if (!e.ok()) return e.status();
    head = anchor::ExtendHead(head, pos, e->hash);
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
  return head;
}

Status Engine::Impl::LoadAnchor() {
  if (!cf[kMeta]) return Status::Ok();
  std::string v;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf[kMeta], kAnchorLast, &v);
  const uint64_t end = next_pos - 1;
  if (s.IsNotFound()) {
    if (opts.read_only || !opts.anchor_key) return Status::Ok();
    auto head = HeadFromLog();
    if (!head.ok()) return head.status();
    log_head = std::move(head).value();
    return Status::Ok();
  }
  if (!s.ok()) return FromRocks(s, "reading the store's checkpoint");
  auto cp = anchor::Checkpoint::FromJson(v);
  if (!cp.ok() || !cp->SignatureValid()) {
    if (opts.read_only) return Status::Ok();  // verify names it
    return Status::Corruption("the store's latest signed checkpoint is " +
                              std::string(cp.ok() ? "not validly signed" : "damaged") +
                              ": the store was altered. Nothing was changed; `duban verify --anchors FILE` "
                              "with an anchor exported earlier says what differs");
  }
  last_checkpoint = *cp;
  if (opts.read_only || !opts.anchor_key) return Status::Ok();
  if (opts.anchor_key->public_key() != cp->public_key)
    return Status::InvalidArgument("this store's checkpoints are signed by key " + cp->public_key.substr(0, 16) +
                                   "…, and the anchor key given is " + opts.anchor_key->public_key().substr(0, 16) +
                                   "…; nothing was changed");
  if (cp->log_end > end)
    return Status::Corruption("the log ends at position " + std::to_string(end) + ", but it was signed up to " +
                              std::to_string(cp->log_end) + " on " + FormatInstant(cp->signed_at) + ": " +
                              std::to_string(cp->log_end - end) +
                              " signed event(s) were removed. Nothing was changed; restore the store from a copy");
  if (cp->log_end < end)
    return Status::Corruption("positions " + std::to_string(cp->log_end + 1) + ".." + std::to_string(end) +
                              " of the log are not signed, though every commit of this store is: they were "
                              "written without its signing key. Nothing was changed; `duban verify` lists them");
  log_head = cp->log_head;
  return Status::Ok();
}

Result<anchor::Checkpoint> Engine::SignCheckpoint() {
  Impl& m = *impl_;
  if (m.opts.read_only) return Status::InvalidArgument("the store is open read-only");
  if (!m.opts.anchor_key)
    return Status::InvalidArgument("signing a checkpoint needs the anchor key (--anchor-key FILE or DUBAN_ANCHOR_KEY)");
  rocksdb::WriteBatch wb;
  auto seal = m.SealBatch({}, m.next_pos - 1, /*keep=*/true, wb);
  if (!seal.ok()) return seal.status();
  rocksdb::WriteOptions sync;
  sync.sync = true;
  if (auto s = m.Written(m.db->Write(sync, &wb)); !s.ok()) return FromRocks(s, "writing a checkpoint");
  m.Sealed(**seal);
  return (*seal)->cp;
}

Result<std::optional<anchor::Checkpoint>> Engine::LatestCheckpoint() const {
  auto v = GetMeta(kAnchorLast);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<anchor::Checkpoint>();
  auto cp = anchor::Checkpoint::FromJson(**v);
  if (!cp.ok()) return cp.status();
  return std::optional<anchor::Checkpoint>(std::move(cp).value());
}

}  // namespace duban
