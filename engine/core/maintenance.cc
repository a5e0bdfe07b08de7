// Rebuild and Verify: the projections dropped and replayed from the log
// (through the same Projector as live commits), or replayed into a scratch
// store and compared key by key with the live ones; and ProjectionDigest.
//
// Guarantee: a rebuild is refused, with nothing changed, when the log fails
// its own checks (log_check.cc), since projections rebuilt from an altered
// log would hide it; an interrupted rebuild is run again at the next open
// (kRebuildMarker); Verify changes nothing in the store.

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <unistd.h>

#include "engine_impl.h"
#include "projector.h"
#include "duban/log.h"

namespace duban {

using namespace core;
using schemas::Event;

Result<std::string> Engine::Impl::RowDigest(const std::string& command_id) const {
  std::string v;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf[kCommands], command_id, &v);
  if (s.IsNotFound()) return std::string();
  if (!s.ok()) return FromRocks(s, "reading command " + command_id);
  uint64_t first = 0;
  uint32_t count = 0;
  std::string digest;
  if (!records::DecodeCommandRef(v, &first, &count, &digest).ok()) {
    log::Core().warn("command {}: its damaged row is written again from the log, without its digest", command_id);
    return std::string();
  }
  return digest;
}

namespace {
// A rebuild's snapshot of `st` (its last event at `pos`) when its stream has
// grown by records::SnapshotInterval since the last one, as a commit makes them.
void SnapshotIfDue(PlanState& st, uint64_t pos, uint64_t& last_version, rocksdb::ColumnFamilyHandle* snapshots,
                   rocksdb::WriteBatch& wb) {
  if (!st.exists || st.version < last_version + records::SnapshotInterval(st)) return;
  wb.Put(snapshots, records::keys::Snapshot(st.id, st.version), records::EncodeSnapshot(st, pos));
  last_version = st.version;
  st.since_snapshot = {};
}
// The replay drops every plan's state as it ends: each one grown by
// PartingSnapshotGrowth since its last snapshot gets a parting snapshot, as a
// live engine's cache leaves (records.h), so that loads after a rebuild
// replay no more than before it. Written `kPerWrite` at a time through
// `flush`, which also writes the rest of the replay's last chunk.
Status PartingSnapshots(PlanCache& states, const std::map<std::string, uint64_t>& snapshot_made, uint64_t last_pos,
                        rocksdb::ColumnFamilyHandle* snapshots, rocksdb::WriteBatch& wb,
                        const std::function<Status()>& flush) {
  constexpr size_t kPerWrite = 256;
  size_t parting = 0;
  for (const auto& [plan, last] : snapshot_made) {
    const PlanState* st = states.Find(plan);
    if (!st || !st->exists || st->version < last + records::PartingSnapshotGrowth(*st)) continue;
    wb.Put(snapshots, records::keys::Snapshot(plan, st->version), records::EncodeSnapshot(*st, last_pos));
    if (++parting % kPerWrite == 0)
      if (Status written = flush(); !written.ok()) return written;
  }
  return flush();
}
// The plan's state so far in a replay, started empty at its first event.
PlanState* FindOrStart(PlanCache& states, const std::string& plan) {
  if (PlanState* held = states.Find(plan)) return held;
  PlanState& fresh = states.Put(plan, PlanState{});
  fresh.id = plan;
  return &fresh;
}
}  // namespace

// Replays the log of `src` into the projection CFs of `dst` (which must be
// empty, but for `commands` when dst is this store: rewritten in place).
Status Engine::Impl::ReplayInto(rocksdb::DB* dst, rocksdb::ColumnFamilyHandle* const* dcf, bool disable_wal,
                                bool snapshots) const {
  // Every plan's state, held to the end: the log interleaves them (unbounded;
  // never trimmed).
  PlanCache states(UINT64_MAX);
  std::map<std::string, uint64_t> snapshot_made;  // per plan, the version of its last snapshot
  // Rejection streams ('!'-prefixed: one per engine or partition) only need their heads.
  std::map<std::string, std::pair<uint64_t, std::string>> rejection_heads;
  Projector proj(*policy, dcf, dst, dst);
  rocksdb::WriteBatch wb;
  rocksdb::WriteOptions wo;
  wo.disableWAL = disable_wal;
  std::string cmd_id;
  uint64_t cmd_first = 0;
  uint32_t cmd_count = 0;
  size_t pending = 0;
  // A command's row from the log, with the digest the live row keeps (the
  // log cannot give it: records.h, `commands`).
  auto command_row = [&]() -> Status {
    auto digest = RowDigest(cmd_id);
    if (!digest.ok()) return digest.status();
    proj.Command(cmd_id, cmd_first, cmd_count, wb, *digest);
    return Status::Ok();
  };
  auto flush = [&]() -> Status {
    // The current command's row as far as it goes; the command may go on
    // past this chunk, so its id, first position and count are kept and
    // the row is written again, whole, when it ends.
    if (cmd_count)
      if (Status st = command_row(); !st.ok()) return st;
    if (Status st = proj.Flush(states, "", 0, "", false, wb); !st.ok()) return st;
    for (const auto& [stream, head] : rejection_heads)
      wb.Put(dcf[kStreams], stream, records::EncodeStreamHead(head.first, head.second));
    rejection_heads.clear();
    pending = 0;
    rocksdb::Status s = dst->Write(wo, &wb);
    stats.keys += wb.Count();
    stats.bytes += wb.GetDataSize();
    if (write_observer && s.ok()) write_observer(wb.Data());
    wb.Clear();
    return FromRocks(s, "writing projections");
  };
  rocksdb::ReadOptions ro;
  ro.readahead_size = 4 << 20;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf[kLog]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const uint64_t pos = DecodeFixed64BE(it->key().data());
    auto ev = DecodeFramed(it->value().ToStringView(), pos);
    if (!ev.ok()) return ev.status();
    Event& e = ev.value();
    if (e.command_id != cmd_id) {
      if (cmd_count)
        if (Status st = command_row(); !st.ok()) return st;
      cmd_id = e.command_id;
      cmd_first = pos;
      cmd_count = 0;
    }
    ++cmd_count;
    if (!e.stream.empty() && e.stream[0] == '!') {
      rejection_heads[e.stream] = {e.stream_seq, e.hash};
      if (KeepsHistory(e.stream)) proj.History(e.stream, 0, pos);
    } else {
      PlanState* st = FindOrStart(states, e.stream);
      if (std::holds_alternative<schemas::UnknownEvent>(e.body))
        log::Core().warn("log position {}: unknown event type {} v{} skipped by projections", pos, e.type,
                         e.type_version);
      proj.Before(*st, e);
      Evolve(*st, e);
      proj.After(*st, e, pos);
      if (snapshots) SnapshotIfDue(*st, pos, snapshot_made[e.stream], dcf[kSnapshots], wb);
    }
    // A chunk may end inside a command: its row is written then with the
    // events so far and again, whole, after its last event.
    if (++pending >= std::max<uint64_t>(opts.replay_chunk_events, 1))
      if (Status st = flush(); !st.ok()) return st;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
  // Only a rebuild asks for snapshots: the log replayed is this store's, which ends at next_pos - 1.
  return snapshots ? PartingSnapshots(states, snapshot_made, next_pos - 1, dcf[kSnapshots], wb, flush) : flush();
}

Status Engine::Impl::RecreateCf(int i) {
  if (auto s = db->DropColumnFamily(cf[i]); !s.ok()) return FromRocks(s, std::string("dropping ") + kCfNames[i]);
  db->DestroyColumnFamilyHandle(cf[i]);
  cf[i] = nullptr;
  if (auto s = db->CreateColumnFamily(CfOptions(opts, i), kCfNames[i], &cf[i]); !s.ok())
    return FromRocks(s, std::string("recreating ") + kCfNames[i]);
  return Status::Ok();
}

Status Engine::Impl::EmptyRetired() {
  for (int i = kFirstProjection; i <= kLastProjection; ++i) {
    if (!IsRetired(i) || !cf[i]) continue;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf[i]));
    it->SeekToFirst();
    if (!it->status().ok()) return FromRocks(it->status(), std::string("reading ") + kCfNames[i]);
    if (!it->Valid()) continue;
    const std::string first = it->key().ToString();
    it->SeekToLast();
    if (!it->Valid()) return FromRocks(it->status(), std::string("reading ") + kCfNames[i]);
    const std::string last = it->key().ToString();
    it.reset();
    log::Core().info("emptying the retired index {} that an older version of duban kept", kCfNames[i]);
    // One synced batch through the WAL, not a drop and a create: a crash
    // between those would leave a store without a column family it must
    // have, which no open would then take.
    rocksdb::WriteBatch wb;
    wb.DeleteRange(cf[i], first, last);
    wb.Delete(cf[i], last);
    rocksdb::WriteOptions sync;
    sync.sync = true;
    if (auto s = Written(db->Write(sync, &wb)); !s.ok()) return FromRocks(s, std::string("emptying ") + kCfNames[i]);
  }
  return Status::Ok();
}

bool Engine::ProjectionsRebuiltAtOpen() const {
  // Every event goes through the log end, so an unchanged end means nothing
  // was projected since (accounts and snapshots are not projections of it).
  return impl_->rebuilt_at_open != 0 && impl_->rebuilt_at_open == impl_->next_pos;
}

Status Engine::Rebuild() {
  Impl& m = *impl_;
  if (m.opts.read_only) return Status::InvalidArgument("the store is open read-only");
  m.rebuilt_at_open = 0;  // whatever the open made, this rebuild may stop half-way
  // The replay arms timers on the calendar the log's notices make: read from
  // the log, since the history of an interrupted rebuild (which this process's
  // open read them from) may be half made.
  std::vector<schemas::Event> calendar;
  {
    // Projections derived from an altered log would agree with it, and the
    // difference verify would have shown is gone: refuse instead.
    VerifyReport check;
    if (Status st = m.CheckLog({}, check, nullptr, &calendar); !st.ok()) return st;
    if (!check.ok())
      return Status::Corruption(
          "rebuild refused, nothing was changed: the log fails its own checks (" + check.problems.front() +
          (check.problems.size() > 1 ? "; and " + std::to_string(check.problems.size() - 1) + " more problem(s)"
                                     : std::string()) +
          "), and projections rebuilt from it would hide that. `duban verify` lists the "
          "problems; restore the store from a copy");
  }
  if (Status st = m.UseCalendar(calendar); !st.ok()) return st;
  rocksdb::WriteOptions sync;
  sync.sync = true;
  if (auto s = m.Written(m.db->Put(sync, m.cf[kMeta], kRebuildMarker, "1")); !s.ok())
    return FromRocks(s, "marking rebuild");
  for (int i = kFirstProjection; i <= kLastProjection; ++i) {
    // `commands` is rewritten in place: its rows keep the command digests
    // the log cannot give (records.h).
    if (i == kCommands) continue;
    if (Status st = m.RecreateCf(i); !st.ok()) return st;
  }
  // Snapshots are a cache of plan states: made afresh with the projections.
  if (Status st = m.RecreateCf(kSnapshots); !st.ok()) return st;
  m.cache.Clear();
  m.snapshot_version.clear();
  // The WAL is skipped for speed; the marker (cleared only after a flush)
  // makes an interrupted rebuild start over on the next open.
  if (Status st = m.ReplayInto(m.db, m.cf, /*disable_wal=*/true, /*snapshots=*/true); !st.ok()) return st;
  std::vector<rocksdb::ColumnFamilyHandle*> projections(m.cf + kFirstProjection, m.cf + kLastProjection + 1);
  projections.push_back(m.cf[kSnapshots]);  // written without the WAL too
  if (auto s = m.db->Flush(rocksdb::FlushOptions(), projections); !s.ok()) return FromRocks(s, "flushing projections");
  rocksdb::WriteBatch formats;
  formats.Put(m.cf[kMeta], kCountsBuilt, "1");
  formats.Put(m.cf[kMeta], kHistoryBuckets, "1");
  formats.Put(m.cf[kMeta], kTimerRules, kTimerRulesNow);
  if (auto s = m.Written(m.db->Write(sync, &formats)); !s.ok())
    return FromRocks(s, "marking counts, history and timer rules");
  m.counts_built = true;
  m.history_bucketed = true;
  m.timers_current = true;
  if (auto s = m.Written(m.db->Delete(sync, m.cf[kMeta], kRebuildMarker)); !s.ok())
    return FromRocks(s, "clearing rebuild marker");
  return m.LoadHeads();
}

namespace {
Status CompareCf(rocksdb::DB* a, rocksdb::ColumnFamilyHandle* ca, rocksdb::DB* b, rocksdb::ColumnFamilyHandle* cb,
                 const char* name, uint64_t* keys, std::vector<std::string>* problems) {
  std::unique_ptr<rocksdb::Iterator> ia(a->NewIterator(rocksdb::ReadOptions(), ca));
  std::unique_ptr<rocksdb::Iterator> ib(b->NewIterator(rocksdb::ReadOptions(), cb));
  ia->SeekToFirst();
  ib->SeekToFirst();
  auto hex = [](rocksdb::Slice s) {
    std::string out;
    static const char* kHex = "0123456789abcdef";
    for (size_t i = 0; i < s.size() && i < 48; ++i) {
      unsigned char c = s[i];
      if (c >= 0x20 && c < 0x7f)
        out.push_back(c);
      else {
        out += "\\x";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
      }
    }
    return out;
  };
  while (ia->Valid() || ib->Valid()) {
    if (!ia->Valid() || (ib->Valid() && ib->key().compare(ia->key()) < 0)) {
      problems->push_back(std::string(name) + ": key " + hex(ib->key()) + " is missing from the live projection");
      return Status::Ok();
    }
    if (!ib->Valid() || ia->key().compare(ib->key()) < 0) {
      problems->push_back(std::string(name) + ": live key " + hex(ia->key()) + " is not produced by a rebuild");
      return Status::Ok();
    }
    if (ia->value() != ib->value()) {
      problems->push_back(std::string(name) + ": value of key " + hex(ia->key()) + " differs from a rebuild");
      return Status::Ok();
    }
    ++*keys;
    ia->Next();
    ib->Next();
  }
  if (!ia->status().ok()) return FromRocks(ia->status(), "reading live projection");
  return FromRocks(ib->status(), "reading rebuilt projection");
}
}  // namespace

Result<VerifyReport> Engine::Verify(const std::vector<anchor::Checkpoint>& anchors) const {
  const Impl& m = *impl_;
  VerifyReport report;
  // 0. Every block of every table file against its checksum: a flipped bit
  // in a table the queries have not read yet is found now, not by chance.
  if (rocksdb::Status s = m.db->VerifyChecksum(); !s.ok()) {
    if (!s.IsCorruption()) return FromRocks(s, "checking the store's table files");
    report.problems.push_back("a table file is damaged (" + s.ToString() +
                              "): restore the store from a copy made before the damage");
    return report;
  }
  // 1. Hash chains, positions and signed checkpoints.
  bool readable = true;
  if (Status st = m.CheckLog(anchors, report, &readable); !st.ok()) return st;
  if (!readable) return report;
  // 2. Rebuild into a scratch store and compare every projection key by key.
  // The scratch store goes beside the store; where that cannot be written
  // (a read-only copy an auditor was handed), into the temporary directory.
  std::string scratch = m.opts.data_dir + "/verify-scratch-" + std::to_string(::getpid());
  std::error_code ec;
  std::filesystem::remove_all(scratch, ec);
  EngineOptions so;
  so.data_dir = scratch;
  so.env = m.opts.env;                        // the same disk as the store
  so.block_cache_mb = m.opts.block_cache_mb;  // the same cache, not a second one
  rocksdb::DB* sdb = nullptr;
  rocksdb::ColumnFamilyHandle* scf[kCfCount] = {};
  if (Status st = Impl::OpenDb(scratch, so, &sdb, scf); !st.ok()) {
    std::filesystem::remove_all(scratch, ec);  // e.g. the disk is full: leave nothing behind
    const bool unwritable =
        st.message().find("read-only") != std::string::npos || st.message().find("may not write") != std::string::npos;
    if (!unwritable) return st;
    const std::filesystem::path tmp = std::filesystem::temp_directory_path(ec);
    if (ec || tmp.empty() || !tmp.is_absolute()) return st;
    scratch = (tmp / ("duban-verify-scratch-" + std::to_string(::getpid()))).string();
    std::filesystem::remove_all(scratch, ec);
    so.data_dir = scratch;
    if (Status again = Impl::OpenDb(scratch, so, &sdb, scf); !again.ok()) {
      std::filesystem::remove_all(scratch, ec);
      return st;
    }
  }
  Status st = m.ReplayInto(sdb, scf, true);
  if (st.ok()) {
    for (int i = kFirstProjection; i <= kLastProjection && st.ok(); ++i) {
      if (IsRetired(i)) continue;  // neither written nor read (a read-only open of an old store has keys there)
      if (i == kCounts && !m.counts_built) {
        report.notes.push_back(
            "this store was made before the dashboard's counts were kept and has none yet (the next writer to open "
            "it, or `duban rebuild`, counts them): they were not compared");
        continue;
      }
      if (i == kHistory && !m.history_bucketed) {
        report.notes.push_back(
            "this store keeps the history index in its old layout, one key per event (the next writer to open it, "
            "or `duban rebuild`, rewrites it): it was not compared");
        continue;
      }
      if (i == kTimers && !m.timers_current) {
        report.notes.push_back(
            "this store's timers were armed by an older rule than this build's (the next writer to open it, or "
            "`duban rebuild`, arms them again): they were not compared");
        continue;
      }
      st = CompareCf(m.db, m.cf[i], sdb, scf[i], kCfNames[i], &report.projection_keys, &report.problems);
    }
  }
  for (auto* h : scf)
    if (h) sdb->DestroyColumnFamilyHandle(h);
  delete sdb;
  std::filesystem::remove_all(scratch, ec);
  if (!st.ok()) return st;
  return report;
}

Result<std::string> Engine::ProjectionDigest() const {
  std::string acc;
  for (int i = kFirstProjection; i <= kLastProjection; ++i) {
    // Absent (a read-only open of a store made before this CF), or retired.
    if (!impl_->cf[i] || IsRetired(i)) continue;
    std::string cf_acc = kCfNames[i];
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf[i]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      // A command row's digest is the command's, not the log's (records.h):
      // an engine that applied the events from duban.events has none.
      rocksdb::Slice value = it->value();
      if (i == kCommands && value.size() > records::kCommandRefBytes)
        value = rocksdb::Slice(value.data(), records::kCommandRefBytes);
      PutFixed32BE(&cf_acc, static_cast<uint32_t>(it->key().size()));
      cf_acc.append(it->key().data(), it->key().size());
      PutFixed32BE(&cf_acc, static_cast<uint32_t>(value.size()));
      cf_acc.append(value.data(), value.size());
      if (cf_acc.size() > (1 << 20)) cf_acc = schemas::Sha256Hex(cf_acc);
    }
    if (!it->status().ok()) return FromRocks(it->status(), "reading projections");
    acc += schemas::Sha256Hex(cf_acc);
  }
  return schemas::Sha256Hex(acc);
}

}  // namespace duban
