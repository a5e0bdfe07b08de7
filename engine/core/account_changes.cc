// Account changes (Engine::RecordAccountChange): AccountChanged in the
// stream "!accounts", with the account row (duban/accounts.h keeps it in
// `meta`) in the same WriteBatch.
//
// Guarantee: the event and the row are one atomic write, signed like any
// commit in an anchored store; each change takes a fresh command id (a used
// one is a conflict, never "already done").
#include "engine_impl.h"
#include "history_index.h"

namespace duban {

using schemas::Command;
using schemas::Event;
namespace rk = core::records::keys;

Outcome Engine::RecordAccountChange(const AccountChangeRequest& request) { return impl_->AccountChange(request); }

// Engine::RecordAccountChange.
Outcome Engine::Impl::AccountChange(const Engine::AccountChangeRequest& r) {
  Outcome o;
  o.command_id = r.command_id;
  if (Status st = MayWrite(r.command_id); !st.ok()) {
    o.status = st;
    return o;
  }
  if (auto seen = StoredOutcome(r.command_id); seen.ok()) {
    o.status = Status::Conflict("command id " + r.command_id + " was used before; an account change takes a new one");
    return o;
  } else if (seen.status().code() != Status::Code::kNotFound) {
    o.status = seen.status();
    return o;
  }
  uint64_t version = 0;
  std::string head_hash;
  std::string head;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf[kStreams], kAccountsStream, &head);
  if (s.ok()) {
    if (Status st = core::records::DecodeStreamHead(head, &version, &head_hash); !st.ok()) {
      o.status = st;
      return o;
    }
  } else if (!s.IsNotFound()) {
    o.status = FromRocks(s, "reading the accounts stream");
    return o;
  }
  Command c;
  c.command_id = r.command_id;
  c.actor = r.actor;
  c.issued_at = opts.clock ? opts.clock->Now() : r.issued_at;
  rocksdb::WriteBatch wb;
  const uint64_t pos = next_pos;
  std::string record;
  Event e = MakeEvent(c, kAccountsStream, version + 1, head_hash, 0, r.change, &record);
  wb.Put(cf[kLog], rk::Pos(pos), record);
  HistoryIndex history;
  history.Add(kAccountsStream, 0, pos);
  if (Status st = history.Flush(db, cf[kHistory], wb); !st.ok()) {
    o.status = st;
    return o;
  }
  wb.Put(cf[kStreams], kAccountsStream, core::records::EncodeStreamHead(e.stream_seq, e.hash));
  wb.Put(cf[kCommands], r.command_id, core::records::EncodeCommandRef(pos, 1));
  for (const auto& [k, v] : r.meta) wb.Put(cf[kMeta], k, v);
  auto seal = SealBatch({{pos, e.hash}}, pos, /*keep=*/false, wb);
  if (!seal.ok()) {
    o.status = seal.status();
    return o;
  }
  if (rocksdb::Status w = Written(db->Write(WriteOpts(), &wb)); !w.ok()) {
    o.status = FromRocks(w, "committing to the log");
    return o;
  }
  if (*seal) Sealed(**seal);
  next_pos = pos + 1;
  o.first_position = pos;
  o.events.push_back(std::move(e));
  return o;
}

}  // namespace duban
