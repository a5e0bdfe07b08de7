// Submit and SubmitBatch: decide each command against its plan's state,
// make its events, evolve and project them, and commit the lot (events,
// projection rows, command outcomes, the signed checkpoint) in ONE
// WriteBatch. Commit is split into the named steps of Engine::Impl::CommitRun.
//
// Guarantee (duban/engine.h): a crash at any moment leaves all of a batch or
// none of it; a command id seen before answers its first outcome and writes
// nothing; the same id for another command is a conflict; a failed write
// leaves the engine's memory as it was before the call.
#include <algorithm>
#include <chrono>
#include <exception>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "duban/log.h"
#include "engine_impl.h"
#include "projector.h"

namespace duban {

using namespace core;
using schemas::Command;
using schemas::Event;
using schemas::EventBody;
namespace rk = records::keys;

namespace {
// With a clock, the engine decides when it took a command: whatever issued_at
// the writer sent is replaced (what it claims belongs in effective_at).
std::vector<Command> Stamped(const EngineOptions& o, const std::vector<Command>& commands) {
  std::vector<Command> out = commands;
  const Instant now = o.clock->Now();
  for (auto& c : out) c.issued_at = now;
  return out;
}
}  // namespace

Outcome Engine::Submit(const Command& command) { return SubmitBatch(std::vector<Command>{command}).front(); }

std::vector<Outcome> Engine::SubmitBatch(const std::vector<Command>& commands) {
  return SubmitBatch(commands, MetaWrites{}, nullptr);
}

std::vector<Outcome> Engine::SubmitBatch(const std::vector<Command>& commands, const MetaWrites& meta) {
  return SubmitBatch(commands, meta, nullptr);
}

std::vector<Outcome> Engine::SubmitBatch(const std::vector<Command>& commands, const MetaWrites& meta,
                                         std::vector<std::string>* records) {
  if (impl_->opts.clock) return impl_->Commit(Stamped(impl_->opts, commands), {}, meta, false, records);
  return impl_->Commit(commands, {}, meta, false, records);
}

// Builds the event and its log record (framed bytes) in one encoding pass.
Event Engine::Impl::MakeEvent(const Command& c, const std::string& stream, uint64_t seq, const std::string& prev,
                              uint32_t index, EventBody body, std::string* record) const {
  Event e;
  e.event_id = schemas::DeriveEventId(c.command_id, index);
  e.stream = stream;
  e.stream_seq = seq;
  e.type = static_cast<uint16_t>(schemas::TypeOf(body));
  e.type_version = schemas::CurrentVersion(schemas::TypeOf(body));
  // Two times: the engine took the command at issued_at; the act took
  // effect when the writer claimed (decide checked the claim). A
  // rejection is a fact of the moment it was refused, whatever was claimed.
  const bool rejection = std::holds_alternative<schemas::CommandRejected>(body);
  e.occurred_at = rejection ? c.issued_at : c.EffectiveAt();
  e.recorded_at = c.issued_at;
  if (!rejection && e.occurred_at < e.recorded_at) e.back_entry_reason = c.back_entry_reason;
  e.actor = c.actor;
  e.command_id = c.command_id;
  e.correlation_id = c.correlation_id;
  e.prev_hash = prev;
  e.body = std::move(body);
  *record = FrameRecord(schemas::EncodeEventWithHash(e));
  return e;
}

// One Commit call in progress. Its members are what Commit's steps share:
// the batch, the projector, the outcomes, the next log position, and what
// a failed write must undo (the in-memory plan states and the rejection
// stream's head ran ahead of the store).
struct Engine::Impl::CommitRun {
  CommitRun(Impl& impl, const std::vector<Command>& cs, bool timers, std::vector<std::string>* recs,
            std::vector<Outcome>& outs, rocksdb::WriteBatch& batch)
      : m(impl),
        commands(cs),
        timer_commands(timers),
        records(recs),
        outcomes(outs),
        wb(batch),
        proj(*impl.policy, impl.cf, impl.db, impl.CountsDb()),
        start_pos(impl.next_pos),
        start_rejected_version(impl.rejected_version),
        start_rejected_hash(impl.rejected_hash),
        pos(impl.next_pos) {
    if (!timer_commands) in_batch.reserve(commands.size());
  }

  void FindSeenBefore();
  void DecideOne(size_t i);
  bool AnsweredBefore(size_t i);
  void Reject(const Command& c, const Status& why, Outcome& o);
  size_t MakeEvents(const Command& c, const PlanState& s, std::vector<EventBody>& bodies);
  void ApplyEvents(const Command& c, PlanState& s, Outcome& o);
  Status FinishBatch(const std::vector<std::string>& timer_keys_to_drop, const Engine::MetaWrites& meta_writes);
  void Abandon(const Status& why);
  void Adopt();

  Impl& m;
  const std::vector<Command>& commands;
  const bool timer_commands;
  std::vector<std::string>* records;
  std::vector<Outcome>& outcomes;
  rocksdb::WriteBatch& wb;
  Projector proj;
  // command id -> index of its first outcome; views into `commands`, which
  // outlive it. Timer ids are distinct by construction (distinct keys).
  std::unordered_map<std::string_view, size_t> in_batch;
  std::set<std::string> touched_plans;
  std::map<std::string, uint64_t> last_pos;  // per plan, its last event in this batch
  const uint64_t start_pos;
  const uint64_t start_rejected_version;
  const std::string start_rejected_hash;
  bool rejected_dirty = false;
  uint64_t pos;
  std::vector<std::pair<uint64_t, std::string>> written;  // position, event hash: what a checkpoint signs
  std::set<std::string> seen_before;
  std::vector<Event> made;  // one command's events and records, before they are applied
  std::vector<std::string> made_records;
  std::map<std::string, uint64_t> snapshots_written;
  std::optional<Seal> seal;
};

// Commit's steps: refuse when the store cannot be written; find the ids seen
// before; decide each command (a duplicate answers as before, a rejection is
// logged in the rejection stream, accepted events are evolved and projected);
// finish the batch (dropped timers, projections, meta, snapshots, the
// signed checkpoint); write it; adopt it, or undo what ran ahead.
std::vector<Outcome> Engine::Impl::Commit(const std::vector<Command>& commands,
                                          const std::vector<std::string>& timer_keys_to_drop,
                                          const Engine::MetaWrites& meta_writes, bool timer_commands,
                                          std::vector<std::string>* records) {
  std::vector<Outcome> outcomes(commands.size());
  commit_min_timer_armed.clear();
  if (records) {
    records->clear();
    records->reserve(commands.size());
  }
  Status writable = opts.read_only ? Status::InvalidArgument("the store is open read-only") : AnchorWriteAllowed();
  if (!writable.ok()) {
    for (size_t i = 0; i < commands.size(); ++i) {
      outcomes[i].command_id = commands[i].command_id;
      outcomes[i].status = writable;
    }
    return outcomes;
  }
  rocksdb::WriteBatch& wb = CommitBatchFor(commands.size());
  struct Release {  // whatever way Commit returns (after `run`, so no state pointer is held)
    Impl& m;
    const int unwinding = std::uncaught_exceptions();
    ~Release() {
      // Left by an exception (a bug, or memory exhausted) before Adopt or
      // Abandon: the states this commit touched may have run ahead of the
      // log, so none is kept, and none is snapshotted.
      if (std::uncaught_exceptions() > unwinding)
        m.cache.Clear();
      else
        m.TrimCache();
      if (m.commit_wb.GetDataSize() > kKeepBatchBytes) {
        m.commit_wb = rocksdb::WriteBatch();
        m.commit_wb_reserved = 0;
      }
    }
  } release{*this};
  CommitRun run(*this, commands, timer_commands, records, outcomes, wb);
  run.FindSeenBefore();
  for (size_t i = 0; i < commands.size(); ++i) run.DecideOne(i);
  if (Status unsealed = run.FinishBatch(timer_keys_to_drop, meta_writes); !unsealed.ok()) {
    run.Abandon(unsealed);
    return outcomes;
  }
  if (wb.Count() == 0) return outcomes;
  if (rocksdb::Status s = WriteCommitBatch(wb); !s.ok()) {
    run.Abandon(FromRocks(s, "committing to the log"));
    return outcomes;
  }
  run.Adopt();
  commit_min_timer_armed = run.proj.MinTimerArmed();
  return outcomes;
}

void Engine::Impl::TrimCache() noexcept {
  try {
    const bool may_write = !opts.read_only && !write_failed && AnchorWriteAllowed().ok();
    std::vector<PlanState> dropped;
    cache.Trim(may_write ? &dropped : nullptr);
    // Every cached state is as committed, so it holds every event of its
    // plan up to the log end.
    const uint64_t covered = next_pos - 1;
    rocksdb::WriteBatch wb;
    std::vector<std::pair<std::string, uint64_t>> made;
    // A snapshot is a cache: it does not wait for an fsync of its own (the
    // next commit's, or the close's, syncs it). The WAL is replayed in
    // order, so a snapshot never outlives the events it covers.
    rocksdb::WriteOptions wo;
    wo.sync = false;
    auto write = [&]() -> bool {
      if (made.empty()) return true;
      const rocksdb::Status s = Written(db->Write(wo, &wb));
      stats.keys += wb.Count();
      stats.bytes += wb.GetDataSize();
      if (!s.ok()) {
        log::Core().warn("could not write {} parting snapshot(s): {}", made.size(), s.ToString());
        return false;
      }
      if (write_observer) write_observer(wb.Data());
      for (const auto& [plan, v] : made) snapshot_version[plan] = v;
      stats.parting_snapshots += made.size();
      wb.Clear();
      made.clear();
      return true;
    };
    for (PlanState& st : dropped) {
      const auto last = snapshot_version.find(st.id);
      const uint64_t since = last == snapshot_version.end() ? 0 : last->second;
      if (st.exists && st.version >= since + records::PartingSnapshotGrowth(st)) {
        wb.Put(cf[kSnapshots], rk::Snapshot(st.id, st.version), records::EncodeSnapshot(st, covered));
        made.emplace_back(st.id, st.version);
      }
      st = PlanState{};  // a tick's trim may drop hundreds of plans: encoded and freed a few at a time
      if (made.size() >= kPartingSnapshotsPerWrite && !write()) return;
    }
    write();
  } catch (const std::exception& e) {
    log::Core().warn("trimming the plan cache: {}", e.what());
  }
}

rocksdb::WriteBatch& Engine::Impl::CommitBatchFor(size_t commands) {
  if (const size_t want = commands * 1024; want > commit_wb_reserved) {
    commit_wb = rocksdb::WriteBatch(want);
    commit_wb_reserved = want;
  }
  commit_wb.Clear();
  return commit_wb;
}

rocksdb::Status Engine::Impl::WriteCommitBatch(rocksdb::WriteBatch& wb) {
  const auto w0 = std::chrono::steady_clock::now();
  rocksdb::Status s = Written(db->Write(WriteOpts(), &wb));
  stats.write_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  stats.keys += wb.Count();
  stats.bytes += wb.GetDataSize();
  if (write_observer && s.ok()) write_observer(wb.Data());
  return s;
}

// Which ids were seen before: one MultiGet for the batch (bloom filters
// answer most of them) instead of a lookup per command.
// Timer commands skip it: each id is derived from a timer key that this
// same batch deletes, so an arming fires once by construction.
void Engine::Impl::CommitRun::FindSeenBefore() {
  if (timer_commands) return;
  std::vector<rocksdb::Slice> ids;
  for (const auto& c : commands)
    if (!c.command_id.empty()) ids.emplace_back(c.command_id);
  std::vector<rocksdb::ColumnFamilyHandle*> cfs(ids.size(), m.cf[kCommands]);
  std::vector<std::string> values;
  auto st = m.db->MultiGet(rocksdb::ReadOptions(), cfs, ids, &values);
  for (size_t i = 0; i < ids.size(); ++i)
    if (!st[i].IsNotFound()) seen_before.insert(ids[i].ToString());  // found, or an error to report below
}

void Engine::Impl::CommitRun::DecideOne(size_t i) {
  const Command& c = commands[i];
  Outcome& o = outcomes[i];
  o.command_id = c.command_id;
  if (AnsweredBefore(i)) return;
  // Timer commands are built here from keys whose names were checked when armed.
  if (Status shape = timer_commands ? Status::Ok() : CheckCommandShape(c); !shape.ok()) {
    if (c.command_id.empty() || CheckName(c.command_id, "").code() != Status::Code::kOk) {
      o.status = shape;  // no usable id to file the rejection under
      return;
    }
    Reject(c, shape, o);
    in_batch[c.command_id] = i;
    return;
  }
  if (!timer_commands) in_batch[c.command_id] = i;
  auto state = m.State(c.plan_id);
  if (!state.ok()) {
    o.status = state.status();
    return;
  }
  PlanState& s = **state;
  auto decided = Decide(s, c, m.opts.time_rules);
  if (!decided.ok()) {
    Reject(c, decided.status(), o);
    // Commands to plans that do not exist must not grow the cache without bound.
    if (!s.exists && !touched_plans.count(c.plan_id)) m.cache.Erase(c.plan_id);
    return;
  }
  if (const size_t biggest = MakeEvents(c, s, decided.value()); biggest > size_t{kMaxFramePayload} + 8) {
    Reject(c,
           Status::Rejected(reason::kInvalidArgument,
                            "the command is too large to record: one of its events would take " +
                                std::to_string(biggest >> 20) + " MiB, and the most a record may hold is " +
                                std::to_string(kMaxFramePayload >> 20) + " MiB (shorten the text)"),
           o);
    if (!s.exists && !touched_plans.count(c.plan_id)) m.cache.Erase(c.plan_id);
    return;
  }
  ApplyEvents(c, s, o);
}

// A command id met before, in this batch or in the store: true when that
// answers the command (its first outcome, or a conflict).
bool Engine::Impl::CommitRun::AnsweredBefore(size_t i) {
  const Command& c = commands[i];
  Outcome& o = outcomes[i];
  if (auto it = timer_commands ? in_batch.end() : in_batch.find(c.command_id); it != in_batch.end()) {
    if (CommandDigestOf(commands[it->second]) != CommandDigestOf(c)) {
      o.status = Status::Conflict("the command id " + c.command_id +
                                  " is used twice in one batch for different commands; the second was not done");
      return true;
    }
    o = outcomes[it->second];
    o.duplicate = true;
    return true;
  }
  if (seen_before.count(c.command_id)) {
    Event first;
    auto stored = m.StoredOutcome(c.command_id, &first);
    if (stored.ok()) {
      if (Status same = m.SameCommand(c, first); !same.ok()) {
        o.status = same;
        return true;
      }
      o = std::move(stored).value();
      return true;
    }
    if (stored.status().code() != Status::Code::kNotFound) {
      o.status = stored.status();
      return true;
    }
  }
  return false;
}

// A refused command is a fact too: CommandRejected in the rejection stream,
// under the command's id, so that sending it again answers the same.
void Engine::Impl::CommitRun::Reject(const Command& c, const Status& why, Outcome& o) {
  std::string record;
  Event e = m.MakeEvent(c, m.opts.rejected_stream, m.rejected_version + 1, m.rejected_hash, 0,
                        schemas::CommandRejected{schemas::CommandName(c.body), why.reason(), why.message()}, &record);
  m.rejected_version = e.stream_seq;
  m.rejected_hash = e.hash;
  rejected_dirty = true;
  written.emplace_back(pos, e.hash);
  wb.Put(m.cf[kLog], rk::Pos(pos), record);
  if (records) records->push_back(std::move(record));
  proj.Command(c.command_id, pos, 1, wb, timer_commands ? std::string() : CommandDigestOf(c));
  o.status = why;
  o.first_position = pos;
  ++pos;
}

// The events and their records first, chained as Evolve will chain them: a
// command whose record would not fit a frame is refused before it touches
// the state (a reader refuses such a frame as corrupt, so a 20 MB task text
// once made the whole log unreadable). Returns the biggest record's size.
size_t Engine::Impl::CommitRun::MakeEvents(const Command& c, const PlanState& s, std::vector<EventBody>& bodies) {
  made.clear();
  made_records.clear();
  size_t biggest = 0;
  uint32_t index = 0;
  for (auto& body : bodies) {
    std::string record;
    const bool first = made.empty();
    made.push_back(m.MakeEvent(c, c.plan_id, (first ? s.version : made.back().stream_seq) + 1,
                               first ? s.last_hash : made.back().hash, index++, std::move(body), &record));
    biggest = std::max(biggest, record.size());
    made_records.push_back(std::move(record));
  }
  return biggest;
}

// An accepted command's events, in order: projected (Before), applied to the
// plan's state (Evolve), projected (After), and put in the log.
void Engine::Impl::CommitRun::ApplyEvents(const Command& c, PlanState& s, Outcome& o) {
  touched_plans.insert(c.plan_id);
  o.first_position = pos;
  o.events.reserve(made.size());
  for (size_t k = 0; k < made.size(); ++k) {
    Event& e = made[k];
    proj.Before(s, e);
    Evolve(s, e);
    proj.After(s, e, pos);
    written.emplace_back(pos, e.hash);
    wb.Put(m.cf[kLog], rk::Pos(pos), made_records[k]);
    if (records) records->push_back(std::move(made_records[k]));
    o.events.push_back(std::move(e));
    ++pos;
  }
  if (!o.events.empty()) {
    proj.Command(c.command_id, o.first_position, static_cast<uint32_t>(made.size()), wb,
                 timer_commands ? std::string() : CommandDigestOf(c));
    last_pos[c.plan_id] = pos - 1;
  }
}

// Everything else the batch carries: the fired timers dropped, the
// projections, the caller's meta rows, snapshots of plans grown past
// records::SnapshotInterval, and the signed checkpoint. Non-ok: nothing may be written.
Status Engine::Impl::CommitRun::FinishBatch(const std::vector<std::string>& timer_keys_to_drop,
                                            const Engine::MetaWrites& meta_writes) {
  for (const auto& k : timer_keys_to_drop) proj.Drop(k);
  proj.SortDrops();
  const Status flushed =
      proj.Flush(m.cache, m.opts.rejected_stream, m.rejected_version, m.rejected_hash, rejected_dirty, wb);
  for (const auto& [k, v] : meta_writes) wb.Put(m.cf[kMeta], k, v);
  for (const auto& [plan, p] : last_pos) {
    PlanState& st = m.cache.at(plan);
    if (st.exists && st.version >= m.snapshot_version[plan] + records::SnapshotInterval(st)) {
      wb.Put(m.cf[kSnapshots], rk::Snapshot(plan, st.version), records::EncodeSnapshot(st, p));
      snapshots_written[plan] = st.version;
      // The next snapshot's stretch starts here (if this batch is not
      // written, Abandon drops the whole cached state).
      st.since_snapshot = {};
    }
  }
  // The checkpoint of the new log end goes in the same batch as the events:
  // no acknowledged event is ever unsigned, even across a crash.
  Status unsealed = flushed;
  if (unsealed.ok() && !written.empty()) {
    auto sealed = m.SealBatch(written, pos - 1, /*keep=*/false, wb);
    if (sealed.ok())
      seal = std::move(sealed).value();
    else
      unsealed = sealed.status();
  }
  return unsealed;
}

// Nothing was written: forget the in-memory states that ran ahead, and every
// outcome but the duplicates' is `why`. (next_pos has not moved yet; it is
// set back all the same, as the one place that says where the log ends.)
void Engine::Impl::CommitRun::Abandon(const Status& why) {
  for (const auto& p : touched_plans) m.cache.Erase(p);
  m.rejected_version = start_rejected_version;
  m.rejected_hash = start_rejected_hash;
  m.next_pos = start_pos;
  if (records) records->clear();
  for (auto& o : outcomes)
    if (!o.duplicate) {
      o.status = why;
      o.events.clear();
    }
}

// The batch is written: the log ends further, the checkpoint and the
// snapshots are the store's.
void Engine::Impl::CommitRun::Adopt() {
  m.next_pos = pos;
  if (seal) m.Sealed(*seal);
  for (const auto& [plan, v] : snapshots_written) m.snapshot_version[plan] = v;
}

}  // namespace duban
