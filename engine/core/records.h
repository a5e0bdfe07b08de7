// Key layouts and value encodings of every column family the embedded store
// keeps. All integers in keys are big-endian fixed width so RocksDB's byte
// order is numeric order (positions, task numbers, due times). Strings inside
// keys are plan ids and unit names, which may not contain NUL (checked on input).
//
//   CF id name         key                                          value
//   1  log             pos u64                                      framed event (the truth)
//   2  streams         stream                                       u64 version | last_hash
//   3  commands        command_id                                   u64 first_pos | u32 count | digest
//   4  plans           plan                                         PlanRecord
//   5  tasks           plan \0 task u32                             TaskState
//   6  assignments     plan \0 task u32 unit                        AssignmentState
//   7  by_unit         unit \0 plan \0 task u32                     ""
//   8  by_status       (retired: see below)
//   9  history         stream \0 block u64                          HistoryBucket
//   10 timers          due i64(ordered) plan \0 task u32 unit \0 kind \0 cycle \0 level u32 armed_at i64   FireTimer
//   11 counts          plan \0 unit \0 'g' status u8 flags u8 level u32 due_on   GroupTally
//                      plan \0 unit \0 'a'                                       u64 seq | i64 at
//
//   13 snapshots       plan \0 version u64                          u8 3 | u64 log_pos | i64 max_occurred |
//                                                                   i64 max_recorded | i64 segment_min_occurred |
//                                                                   i64 segment_min_recorded | PlanState (a cache)
//
// `history` lists each stream's events by position, in buckets: the bucket
// of position p is p >> kHistoryBlockBits, and its value is one entry per
// event of the stream in that block, in position order: u8 (p & mask) then
// the event's task as a varint (0: plan-level). A batch writes each bucket it
// touches once (read, entries appended, put back), so a busy batch writes a
// few keys for hundreds of events, and since an entry depends only on its
// event's position and task, a rebuild batched differently writes the same
// bytes. A task's history is its plan's buckets filtered by task. Format 1
// (before the meta key `history.buckets`) had one key per event, plan \0
// task u32 pos u64 with an empty value; readers still read it (a read-only
// open of an old store), and a writer's open rebuilds it once.
//
// `counts` holds, per plan and unit, how many assignments fall in each
// AssignmentGroup (domain.h) with the reminders they were sent (a group whose
// count falls to zero is deleted, so the CF is a function of the rows), and
// the unit's last change in the plan: the stream seq and time of the row
// changed last (rows are never deleted and a row's seq only grows, so this
// too is a function of the rows, however the changes were batched). The
// meta key `counts.built` says a store has it: a store made before it is
// rebuilt once when a writer opens it.
//
// `by_status` (status u8 plan \0 task u32 unit, empty values) listed rows by
// status until it was retired: each status change cost a put and a
// tombstone, a quarter of a key per event, for a query the counts already
// narrow to the plans and units concerned (queries.cc, CountedKeys). Nothing
// writes or reads it; a writer's open empties what an older store left in
// it, and Verify and ProjectionDigest skip it (a read-only open of such a
// store still has those keys). The column family stays: its name is on disk.
//
// `commands` also keeps each command's digest, which a repeated id is
// compared with. The log holds events, not commands, so the digest cannot be
// derived: Rebuild() rewrites this CF in place instead of dropping it, each
// row's position and count from the log and its digest from the row it
// replaces. (Before format 2 the digest was a key of its own in `meta`,
// command/<id>; those are still read.)
//
// Every CF but `log` is derived: projections (2-11) are dropped and rebuilt
// from `log` by Rebuild() and compared by Verify(); `meta` holds engine
// bookkeeping; `snapshots` is a cache Rebuild() makes afresh. A plan gets a
// snapshot each time its stream grows by SnapshotInterval() events, and when
// the engine drops it from its plan cache having grown by
// PartingSnapshotGrowth() since its last (a parting snapshot, written when a
// commit's trim drops it: the same record, at the log end then; a rebuild,
// which drops every plan as it ends, leaves one for each plan so grown). All
// are kept: loading a plan starts from its newest, and its state as of a time t
// from the newest whose events all happened by t (max_occurred, or
// max_recorded for the recorded basis, <= t), replaying only what follows
// and skipping each later stretch between two snapshots whose events all
// happened after t (segment_min > t: back-dated events can sit anywhere in
// the log, so the stretches are checked one by one, not cut at the first
// late event). Format 2 (no segment_min) skips nothing. Format 1 (key: plan;
// no times) is not read: the plan is replayed whole.
// CF names are written to disk: never rename one; retire it instead.
#pragma once

#include <algorithm>
#include <string>
#include <limits>
#include <string_view>
#include <vector>

#include "duban/coding.h"
#include "duban/core/domain.h"
#include "duban/schemas/commands.h"

namespace duban::core::records {

namespace keys {
std::string Pos(uint64_t pos);
std::string Task(std::string_view plan, int32_t task);
std::string PlanPrefix(std::string_view plan);  // plan \0
std::string Assignment(std::string_view plan, int32_t task, std::string_view unit);
std::string ByUnit(std::string_view unit, std::string_view plan, int32_t task);
std::string ByUnitPrefix(std::string_view unit);
// The history bucket holding position `pos` of `stream`.
std::string HistoryBucket(std::string_view stream, uint64_t pos);
std::string Timer(Instant due, std::string_view plan, const schemas::FireTimer& t);
std::string CountGroup(std::string_view plan, const AssignmentGroup& g);
std::string UnitActivity(std::string_view plan, std::string_view unit);
std::string Snapshot(std::string_view plan, uint64_t version);
}  // namespace keys

// Parsed forms of the composite keys.
struct AssignmentKey {
  std::string plan;
  int32_t task = 0;
  std::string unit;
};
bool ParseAssignmentKey(std::string_view key, AssignmentKey* out);
bool ParseByUnitKey(std::string_view key, std::string* unit, std::string* plan, int32_t* task);
// History: a bucket holds the events of 2^kHistoryBlockBits positions.
inline constexpr int kHistoryBlockBits = 6;
// Appends the entry of (pos, task) to a bucket's value; `pos` must be in the
// bucket's block and after every position already in it.
void AppendHistoryEntry(std::string* bucket, uint64_t pos, int32_t task);
// One (task, position) per event listed by a history key and its value,
// appended to `out` in position order; reads both formats. Corruption when
// the key or value is not one.
struct HistoryEntryRef {
  int32_t task = 0;
  uint64_t pos = 0;
};
Status DecodeHistory(std::string_view key, std::string_view value, std::vector<HistoryEntryRef>* out);
bool ParseTimerKey(std::string_view key, Instant* due, std::string* plan);
// A key of `counts`: a group's (*activity false, `g` filled) or a unit's last
// update (*activity true, only g->unit filled).
bool ParseCountKey(std::string_view key, std::string* plan, AssignmentGroup* g, bool* activity);

// What `counts` keeps for a group. Reminders are summed over the rows that
// know theirs; rows projected before format 4 (reminders -1) are counted in
// reminders_unknown.
struct GroupTally {
  int64_t count = 0;
  int64_t reminders = 0;
  int64_t reminders_unknown = 0;
  bool Empty() const { return count == 0 && reminders == 0 && reminders_unknown == 0; }
};
std::string EncodeGroupTally(const GroupTally& t);
Status DecodeGroupTally(std::string_view v, GroupTally* t);
struct LastChange {
  uint64_t seq = 0;  // the stream seq of the event that made it
  Instant at = 0;    // that event's (effective) time
};
std::string EncodeLastChange(const LastChange& c);
Status DecodeLastChange(std::string_view v, LastChange* c);

// The plan row: what the plan is, without its tasks and assignments.
std::string EncodePlan(const PlanState& p);
Status DecodePlan(std::string_view v, PlanState* p);
std::string EncodeTask(const TaskState& t);
Status DecodeTask(std::string_view v, TaskState* t);
std::string EncodeAssignment(const AssignmentState& a);
Status DecodeAssignment(std::string_view v, AssignmentState* a);
std::string EncodeTimer(const schemas::FireTimer& t);
Status DecodeTimer(std::string_view v, schemas::FireTimer* t);
// A whole plan state, for the `snapshots` cache: loading a plan then replays
// only the events after `log_pos` instead of its whole stream.
std::string EncodeSnapshot(const PlanState& p, uint64_t log_pos);
// NotFound for a snapshot of format 1 (not read), Corruption for damage.
Status DecodeSnapshot(std::string_view v, PlanState* p, uint64_t* log_pos);
// What a snapshot says of the events it covers, read without decoding the state.
struct SnapshotHead {
  uint64_t log_pos = 0;
  Instant max_occurred = 0, max_recorded = 0;  // of all its plan's events up to it
  // At most the earliest time among its plan's events after the snapshot
  // before it (format 3; format 2 had none: the lowest time, skipping nothing).
  Instant segment_min_occurred = std::numeric_limits<Instant>::min();
  Instant segment_min_recorded = std::numeric_limits<Instant>::min();
};
// False if `v` is not a snapshot of format 2 or 3.
bool PeekSnapshot(std::string_view v, SnapshotHead* head);
// Events between two snapshots of a plan: 1,000, or twice its assignments
// for a bigger plan, so that its snapshots take a bounded share of its log.
inline uint64_t SnapshotInterval(const PlanState& p) {
  return std::max<uint64_t>(1000, 2 * static_cast<uint64_t>(p.assignments.size()));
}
// A plan dropped from the engine's plan cache gets a snapshot of its own
// (a parting snapshot) when its stream has grown by this many events since
// its last one, so that loading it again replays fewer events than that
// instead of up to SnapshotInterval (a tick over more plans than the cache
// holds loads each of them). Only a commit's trim writes them (a query's
// trim writes nothing), so a plan dropped by a read, or by a process that
// ended, replays from its newest snapshot as before.
inline uint64_t PartingSnapshotGrowth(const PlanState& p) { return SnapshotInterval(p) / 4; }
std::string EncodeStreamHead(uint64_t version, std::string_view last_hash);
Status DecodeStreamHead(std::string_view v, uint64_t* version, std::string* last_hash);
// A command's row: its events' first position and count, then the
// command's digest (schemas::CommandDigest, 32 hex digits; empty for timer
// commands, events applied from duban.events and rows from before format 2).
inline constexpr size_t kCommandRefBytes = 12;  // the row before its digest
std::string EncodeCommandRef(uint64_t first_pos, uint32_t count, std::string_view digest = {});
Status DecodeCommandRef(std::string_view v, uint64_t* first_pos, uint32_t* count, std::string* digest = nullptr);

}  // namespace duban::core::records
