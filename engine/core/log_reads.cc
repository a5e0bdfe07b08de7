// Reads of the log: an event by position, events by a list of positions
// (batched MultiGets; two threads for a long stream), a stream's history positions, a plan's state replayed
// from its stream (from its snapshot when there is one), and ScanLog.
//
// Guarantee: a record that is not whole (a frame that does not parse, bytes
// after it, an event that does not decode) is Corruption naming its
// position, never skipped.

#include <algorithm>
#include <chrono>
#include <exception>
#include <optional>
#include <system_error>
#include <thread>

#include "engine_impl.h"
#include "duban/log.h"

namespace duban {

using namespace core;
using schemas::Event;
namespace rk = records::keys;

Result<Event> DecodeFramed(std::string_view v, uint64_t pos) {
  std::string_view payload;
  size_t used = 0;
  Status st = UnframeRecord(v, &payload, &used);
  if (!st.ok() || used != v.size())
    return Status::Corruption("log position " + std::to_string(pos) + ": " +
                              (st.ok() ? std::string("trailing bytes") : st.message()));
  auto e = schemas::DecodeEvent(payload);
  if (!e.ok()) return Status::Corruption("log position " + std::to_string(pos) + ": " + e.status().message());
  return e;
}

Result<Event> Engine::Impl::ReadEvent(rocksdb::DB* from, rocksdb::ColumnFamilyHandle* log, uint64_t pos) const {
  std::string v;
  rocksdb::Status s = from->Get(rocksdb::ReadOptions(), log, rk::Pos(pos), &v);
  if (!s.ok()) return FromRocks(s, "log position " + std::to_string(pos));
  return DecodeFramed(v, pos);
}

namespace {

// Reads and decodes positions[from, to) (sorted) into out[from, to).
// The batched MultiGet over sorted keys (big-endian positions sort as
// numbers) looks each data block up once for all its keys and pins values in
// the block cache instead of copying them; chunks bound the blocks pinned at
// once.
Status ReadRange(rocksdb::DB* db, const rocksdb::ReadOptions& ro, rocksdb::ColumnFamilyHandle* log,
                 const std::vector<uint64_t>& positions, size_t from, size_t to, std::vector<HistoryEntry>& out) {
  constexpr size_t kChunk = 4096;
  std::vector<std::string> keys;
  std::vector<rocksdb::Slice> slices;
  std::vector<rocksdb::PinnableSlice> values(std::min(kChunk, to - from));
  std::vector<rocksdb::Status> statuses(values.size());
  for (size_t at = from; at < to; at += kChunk) {
    const size_t n = std::min(kChunk, to - at);
    keys.clear();
    for (size_t i = 0; i < n; ++i) keys.push_back(rk::Pos(positions[at + i]));
    slices.assign(keys.begin(), keys.end());
    db->MultiGet(ro, log, n, slices.data(), values.data(), statuses.data(), /*sorted_input=*/true);
    for (size_t i = 0; i < n; ++i) {
      const uint64_t pos = positions[at + i];
      if (!statuses[i].ok()) return FromRocks(statuses[i], "log position " + std::to_string(pos));
      auto e = DecodeFramed(values[i].ToStringView(), pos);
      if (!e.ok()) return e.status();
      out[at + i] = HistoryEntry{pos, std::move(e).value()};
      values[i].Reset();
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<HistoryEntry>> Engine::Impl::ReadPositions(std::vector<uint64_t> positions) const {
  std::sort(positions.begin(), positions.end());
  std::vector<HistoryEntry> out(positions.size());
  // One snapshot for every chunk and both halves: the read sees one state of
  // the database, as the single MultiGet it replaces did.
  const rocksdb::Snapshot* snapshot = db->GetSnapshot();
  struct Release {
    rocksdb::DB* db;
    const rocksdb::Snapshot* s;
    ~Release() { db->ReleaseSnapshot(s); }
  } release{db, snapshot};
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  // A plan's whole stream (a report, a replay as of a date: 100,000 events
  // and more) is read and decoded in two halves at once; decoding is most of
  // the cost and the halves share nothing but the database. Where no second
  // thread can be had, one reader reads it all.
  constexpr size_t kSplitAbove = 16384;
  const size_t half = positions.size() / 2;
  Status first_half;
  std::optional<std::jthread> reader;  // joined on every way out of this scope
  if (positions.size() > kSplitAbove && std::thread::hardware_concurrency() >= 2) {
    try {
      reader.emplace([&] {
        try {
          first_half = ReadRange(db, ro, cf[kLog], positions, 0, half, out);
        } catch (const std::exception& e) {
          first_half = Status::IOError(std::string("reading the log: ") + e.what());
        }
      });
    } catch (const std::system_error& e) {
      log::Core().warn("reading {} log positions on one thread: no second thread ({})", positions.size(), e.what());
    }
  }
  if (!reader) {
    if (Status st = ReadRange(db, ro, cf[kLog], positions, 0, positions.size(), out); !st.ok()) return st;
    return out;
  }
  Status second_half = ReadRange(db, ro, cf[kLog], positions, half, positions.size(), out);
  reader->join();
  if (!first_half.ok()) return first_half;  // the earlier position's error, as a single reader would report
  if (!second_half.ok()) return second_half;
  return out;
}

Result<std::vector<uint64_t>> Engine::Impl::HistoryPositions(const std::string& stream, std::optional<int32_t> task,
                                                             uint64_t after) const {
  std::vector<records::HistoryEntryRef> entries;
  const std::string prefix = rk::PlanPrefix(stream);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf[kHistory]));
  // Buckets are in position order, so a replay from a snapshot starts at its
  // bucket; keys of the old layout are in task order, so that store is read whole.
  it->Seek(after && history_bucketed ? rk::HistoryBucket(stream, after + 1) : prefix);
  for (; it->Valid() && it->key().starts_with(prefix); it->Next())
    if (Status st = records::DecodeHistory(it->key().ToStringView(), it->value().ToStringView(), &entries); !st.ok())
      return Status::Corruption("stream " + stream + ": " + st.message());
  if (!it->status().ok()) return FromRocks(it->status(), "reading history");
  std::vector<uint64_t> out;
  out.reserve(entries.size());
  for (const auto& e : entries)
    if ((!task || e.task == *task) && e.pos > after) out.push_back(e.pos);
  // Buckets list positions in order; the old layout (one key per event) in task order.
  if (!std::is_sorted(out.begin(), out.end())) std::sort(out.begin(), out.end());
  return out;
}

// The snapshot a replay of `plan_id` starts from: the newest, or with
// `until` the newest whose events all happened by then. Leaves `s` and
// `after` alone when there is none (or only a damaged or old one).
void Engine::Impl::StartFromSnapshot(const std::string& plan_id, std::optional<Instant> until, Engine::AsOf basis,
                                     PlanState& s, uint64_t& after) const {
  if (!cf[kSnapshots]) return;
  const std::string prefix = rk::PlanPrefix(plan_id);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf[kSnapshots]));
  for (it->SeekForPrev(rk::Snapshot(plan_id, UINT64_MAX)); it->Valid() && it->key().starts_with(prefix); it->Prev()) {
    const std::string_view v = it->value().ToStringView();
    if (until) {
      records::SnapshotHead head;
      if (!records::PeekSnapshot(v, &head)) continue;
      if ((basis == Engine::AsOf::kRecorded ? head.max_recorded : head.max_occurred) > *until) continue;
    }
    PlanState snap;
    uint64_t pos = 0;
    if (Status st = records::DecodeSnapshot(v, &snap, &pos); !st.ok()) {
      if (st.code() != Status::Code::kNotFound)
        log::Core().warn("plan {}: damaged snapshot ignored; replaying its whole stream", plan_id);
      return;
    }
    s = std::move(snap);
    after = pos;
    if (!until) snapshot_version[plan_id] = s.version;
    return;
  }
}

std::vector<std::pair<uint64_t, uint64_t>> Engine::Impl::LaterStretches(const std::string& plan_id,
                                                                        uint64_t snapshot_version, uint64_t after,
                                                                        Instant until, Engine::AsOf basis) const {
  std::vector<std::pair<uint64_t, uint64_t>> skip;
  if (!cf[kSnapshots]) return skip;
  const std::string prefix = rk::PlanPrefix(plan_id);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf[kSnapshots]));
  uint64_t from = after;
  for (it->Seek(rk::Snapshot(plan_id, snapshot_version + 1)); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    records::SnapshotHead head;
    // A snapshot that cannot be read hides where its stretch began: the
    // next one's minimum would cover more than its own stretch, so stop.
    if (!records::PeekSnapshot(it->value().ToStringView(), &head) || head.log_pos <= from) break;
    const Instant earliest = basis == Engine::AsOf::kRecorded ? head.segment_min_recorded : head.segment_min_occurred;
    if (earliest > until) {
      if (!skip.empty() && skip.back().second == from)
        skip.back().second = head.log_pos;
      else
        skip.emplace_back(from, head.log_pos);
    }
    from = head.log_pos;
  }
  return skip;  // an iterator error only skips less
}

Result<PlanState> Engine::Impl::ReplayPlan(const std::string& plan_id, std::optional<Instant> until, Engine::AsOf basis,
                                           std::vector<Event>* replayed) const {
  PlanState s;
  s.id = plan_id;
  uint64_t after = 0;  // log position the snapshot covers
  // `replayed` asks for every event up to `until`, so the replay starts at the beginning.
  if (!replayed) StartFromSnapshot(plan_id, until, basis, s, after);
  auto positions = HistoryPositions(plan_id, std::nullopt, after);
  if (!positions.ok()) return positions.status();
  if (until && !replayed) {
    // Stretches whose events all happened later are not read at all.
    const auto skip = LaterStretches(plan_id, s.version, after, *until, basis);
    size_t k = 0;
    std::erase_if(*positions, [&](uint64_t p) {
      while (k < skip.size() && skip[k].second < p) ++k;
      return k < skip.size() && p > skip[k].first;
    });
  }
  auto events = ReadPositions(std::move(positions).value());
  if (!events.ok()) return events.status();
  if (replayed) replayed->reserve(replayed->size() + events->size());
  for (auto& h : *events) {
    const Instant t = basis == Engine::AsOf::kRecorded ? h.event.recorded_at : h.event.occurred_at;
    if (until && t > *until) continue;
    Evolve(s, h.event);
    if (replayed) replayed->push_back(std::move(h.event));
  }
  return s;
}

Result<PlanState> Engine::Impl::LoadPlan(const std::string& plan_id) const {
  const auto t0 = std::chrono::steady_clock::now();
  auto s = ReplayPlan(plan_id, std::nullopt);
  if (s.ok() && s->exists) {  // a lookup of a plan not imported yet is no load
    ++stats.plan_loads;
    const auto from = snapshot_version.find(plan_id);
    stats.plan_load_events += s->version - (from == snapshot_version.end() ? 0 : from->second);
    stats.plan_load_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return s;
}

Result<PlanState*> Engine::Impl::State(const std::string& plan_id) {
  if (PlanState* held = cache.Find(plan_id)) return held;
  auto s = LoadPlan(plan_id);
  if (!s.ok()) return s.status();
  return &cache.Put(plan_id, std::move(s).value());
}

uint64_t Engine::LogEnd() const { return impl_->next_pos; }

Status Engine::ScanLog(uint64_t from, const std::function<bool(uint64_t, const Event&)>& fn) const {
  rocksdb::ReadOptions ro;
  ro.readahead_size = 4 << 20;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf[kLog]));
  for (it->Seek(rk::Pos(from)); it->Valid(); it->Next()) {
    const uint64_t pos = DecodeFixed64BE(it->key().data());
    auto e = DecodeFramed(it->value().ToStringView(), pos);
    if (!e.ok()) return e.status();
    if (!fn(pos, *e)) break;
  }
  return FromRocks(it->status(), "reading the log");
}

Status Engine::ScanLogRecords(uint64_t from, const std::function<bool(uint64_t, std::string_view)>& fn) const {
  rocksdb::ReadOptions ro;
  ro.readahead_size = 4 << 20;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf[kLog]));
  for (it->Seek(rk::Pos(from)); it->Valid(); it->Next())
    if (!fn(DecodeFixed64BE(it->key().data()), it->value().ToStringView())) break;
  return FromRocks(it->status(), "reading the log");
}

}  // namespace duban
