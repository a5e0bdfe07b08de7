// Kafka mode's write path (Engine::AppendExternal): events decided elsewhere
// (read back from duban.events) appended in order with their projection
// updates, in one WriteBatch with the caller's meta rows (the offsets consumed).
//
// Guarantee: at-least-once delivery applies each event exactly once (an
// event whose id is applied already is a duplicate, skipped); each event's
// hash and its place in its stream are checked, and a gap or a broken chain
// is Corruption with nothing of the call written; an event whose id is
// applied with other content is a fork: not applied, counted and logged.

#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "engine_impl.h"
#include "projector.h"
#include "duban/log.h"

namespace duban {

using namespace core;
using schemas::Event;
namespace rk = records::keys;

// One AppendExternal call in progress: the batch, its projector, and the
// stream heads and command rows it has advanced so far.
struct Engine::Impl::ExternalAppend {
  explicit ExternalAppend(Impl& impl)
      : m(impl), proj(*impl.policy, impl.cf, impl.db, impl.CountsDb()), pos(impl.next_pos) {}

  // Every failure forgets the plan states that ran ahead (nothing was written).
  Status Fail(Status st) {
    for (const auto& p : touched) m.cache.Erase(p);
    return st;
  }
  Status CommandRow(const Event& e, uint64_t& first, uint32_t& count);
  Result<bool> AppliedBefore(const Event& e, uint64_t first, uint32_t count);
  Status StreamHead(const Event& e, bool rejection, uint64_t& version, std::string& last_hash, PlanState*& state);
  Status Apply(const Event& e, uint64_t first, uint32_t count);
  Result<Engine::AppendResult> ApplyAll(const std::vector<Event>& events, const Engine::MetaWrites& meta);
  Result<Engine::AppendResult> Finish(const Engine::MetaWrites& meta);

  Impl& m;
  Engine::AppendResult result;
  std::vector<std::pair<uint64_t, std::string>> written;       // what a checkpoint signs
  std::unordered_map<std::string, std::string> appended_hash;  // event id -> hash, appended by this call
  rocksdb::WriteBatch wb;
  Projector proj;
  std::set<std::string> touched;
  std::map<std::string, std::pair<uint64_t, uint32_t>> commands;  // this call's command rows
  std::map<std::string, std::pair<uint64_t, std::string>> rejection_heads;
  uint64_t pos;
};

Result<Engine::AppendResult> Engine::AppendExternal(const std::vector<Event>& events, const MetaWrites& meta) {
  Impl& m = *impl_;
  if (m.opts.read_only) return Status::InvalidArgument("the store is open read-only");
  if (Status st = m.AnchorWriteAllowed(); !st.ok()) return st;
  Impl::ExternalAppend run(m);
  auto result = run.ApplyAll(events, meta);
  m.TrimCache();  // `run` holds no state pointer past Apply; a failed run dropped what it touched
  return result;
}

Result<Engine::AppendResult> Engine::Impl::ExternalAppend::ApplyAll(const std::vector<Event>& events,
                                                                    const Engine::MetaWrites& meta) {
  ExternalAppend& run = *this;
  for (const Event& e : events) {
    uint64_t first = 0;
    uint32_t count = 0;
    if (Status st = run.CommandRow(e, first, count); !st.ok()) return run.Fail(st);
    auto seen = run.AppliedBefore(e, first, count);
    if (!seen.ok()) return run.Fail(seen.status());
    if (*seen) continue;
    if (Status st = run.Apply(e, first, count); !st.ok()) return run.Fail(st);
  }
  return run.Finish(meta);
}

// Already applied? A command's events are (command_id, index) with derived
// ids: its row (this call's, else the store's) gives the first position and
// how many events it has.
Status Engine::Impl::ExternalAppend::CommandRow(const Event& e, uint64_t& first, uint32_t& count) {
  auto row = commands.find(e.command_id);
  if (row != commands.end()) {
    std::tie(first, count) = row->second;
  } else {
    std::string v;
    rocksdb::Status s = m.db->Get(rocksdb::ReadOptions(), m.cf[kCommands], e.command_id, &v);
    if (s.ok()) {
      if (Status st = records::DecodeCommandRef(v, &first, &count); !st.ok()) return st;
    } else if (!s.IsNotFound()) {
      return FromRocks(s, "reading command ids");
    }
  }
  return Status::Ok();
}

// True: the event's id is applied already, so it is skipped (a duplicate,
// or a fork, counted and said).
Result<bool> Engine::Impl::ExternalAppend::AppliedBefore(const Event& e, uint64_t first, uint32_t count) {
  bool seen = false;
  uint32_t index = 0;
  for (uint32_t i = 0; i < count && !seen; ++i)
    if (schemas::DeriveEventId(e.command_id, i) == e.event_id) {
      seen = true;
      index = i;
    }
  if (!seen) return false;
  // The same id, but is it the same event? Two engines that both decided
  // a command agree on its ids, yet events that depend on when they were
  // decided may differ; a forger may reuse an id. Either way it is a
  // fork: kept out, counted and said, never passed off as a duplicate.
  std::string applied;
  if (auto h = appended_hash.find(e.event_id); h != appended_hash.end()) {
    applied = h->second;
  } else {
    auto stored = m.ReadEvent(m.db, m.cf[kLog], first + index);
    if (!stored.ok()) return stored.status();
    if (stored->event_id == e.event_id) applied = stored->hash;
  }
  if (!applied.empty() && applied != e.hash) {
    ++result.forks;
    const std::string what = "event " + e.event_id + " of command " + e.command_id + " (stream " + e.stream + ", seq " +
                             std::to_string(e.stream_seq) +
                             ") differs from the event applied with that id: a fork, not applied";
    log::Core().error("{}", what);
    if (result.first_fork.empty()) result.first_fork = what;
    return true;
  }
  ++result.duplicates;
  return true;
}

// Where the event's stream stands: a rejection stream's head (this call's,
// else the store's), or the plan's state, which the event will evolve.
Status Engine::Impl::ExternalAppend::StreamHead(const Event& e, bool rejection, uint64_t& version,
                                                std::string& last_hash, PlanState*& state) {
  if (rejection) {
    auto it = rejection_heads.find(e.stream);
    if (it == rejection_heads.end()) {
      std::string v;
      rocksdb::Status s = m.db->Get(rocksdb::ReadOptions(), m.cf[kStreams], e.stream, &v);
      std::pair<uint64_t, std::string> head{0, ""};
      if (s.ok()) {
        if (Status st = records::DecodeStreamHead(v, &head.first, &head.second); !st.ok()) return st;
      }
      it = rejection_heads.emplace(e.stream, head).first;
    }
    std::tie(version, last_hash) = it->second;
    return Status::Ok();
  }
  auto st = m.State(e.stream);
  if (!st.ok()) return st.status();
  state = *st;
  touched.insert(e.stream);
  version = state->version;
  last_hash = state->last_hash;
  return Status::Ok();
}

// A new event: its hash and its place in its stream checked, then evolved
// and projected (a plan's) or its head advanced (a rejection stream's), and
// put in the log.
Status Engine::Impl::ExternalAppend::Apply(const Event& e, uint64_t first, uint32_t count) {
  if (schemas::ComputeHash(e) != e.hash)
    return Status::Corruption("event " + e.event_id + " of stream " + e.stream + ": hash does not match its bytes");
  const bool rejection = !e.stream.empty() && e.stream[0] == '!';
  uint64_t version = 0;
  std::string last_hash;
  PlanState* state = nullptr;
  if (Status st = StreamHead(e, rejection, version, last_hash, state); !st.ok()) return st;
  if (e.stream_seq != version + 1 || e.prev_hash != last_hash)
    return Status::Corruption("stream " + e.stream + ": event seq " + std::to_string(e.stream_seq) +
                              " does not follow seq " + std::to_string(version) +
                              " (a gap or a fork in the event log)");
  if (rejection) {
    rejection_heads[e.stream] = {e.stream_seq, e.hash};
    if (KeepsHistory(e.stream)) proj.History(e.stream, 0, pos);
  } else {
    proj.Before(*state, e);
    Evolve(*state, e);
    proj.After(*state, e, pos);
  }
  wb.Put(m.cf[kLog], rk::Pos(pos), FrameRecord(schemas::EncodeEvent(e)));
  written.emplace_back(pos, e.hash);
  appended_hash[e.event_id] = e.hash;
  if (count == 0) first = pos;
  commands[e.command_id] = {first, count + 1};
  ++pos;
  ++result.appended;
  return Status::Ok();
}

// The command rows, projections, stream heads, meta rows and the signed
// checkpoint, in one WriteBatch; then the engine adopts the new log end.
Result<Engine::AppendResult> Engine::Impl::ExternalAppend::Finish(const Engine::MetaWrites& meta) {
  for (const auto& [id, row] : commands) proj.Command(id, row.first, row.second, wb);
  if (Status st = proj.Flush(m.cache, "", 0, "", false, wb); !st.ok()) return Fail(st);
  for (const auto& [stream, head] : rejection_heads)
    wb.Put(m.cf[kStreams], stream, records::EncodeStreamHead(head.first, head.second));
  for (const auto& [k, v] : meta) wb.Put(m.cf[kMeta], k, v);
  std::optional<Impl::Seal> seal;
  if (!written.empty()) {
    auto sealed = m.SealBatch(written, pos - 1, /*keep=*/false, wb);
    if (!sealed.ok()) return Fail(sealed.status());
    seal = std::move(sealed).value();
  }
  if (wb.Count() == 0) return result;
  rocksdb::Status s = m.Written(m.db->Write(m.WriteOpts(), &wb));
  m.stats.keys += wb.Count();
  m.stats.bytes += wb.GetDataSize();
  if (!s.ok()) return Fail(FromRocks(s, "appending external events"));
  m.next_pos = pos;
  if (seal) m.Sealed(*seal);
  if (auto it = rejection_heads.find(m.opts.rejected_stream); it != rejection_heads.end()) {
    m.rejected_version = it->second.first;
    m.rejected_hash = it->second.second;
  }
  return result;
}

}  // namespace duban
