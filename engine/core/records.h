// Key layouts and value encodings of every column family the embedded store
// keeps. All integers in keys are big-endian fixed width so RocksDB's byte
// order is numeric order (positions, task numbers, due times). Strings inside
// keys are plan ids and unit names, which may not contain NUL (checked on input).
//
//   CF id name         key                                          value
//   1  log             pos u64                                      framed event (the truth)
//   2  streams         stream                                       u64 version | last_hash
//   3  commands        command_id                                   u64 first_pos | u32 count
//   4  plans           plan                                         PlanRecord
//   5  tasks           plan \0 task u32                             TaskState
//   6  assignments     plan \0 task u32 unit                        AssignmentState
//   7  by_unit         unit \0 plan \0 task u32                     ""
//   8  by_status       status u8 plan \0 task u32 unit              ""
//   9  history         plan \0 task u32 pos u64                     ""  (task 0: plan-level)
//   10 timers          due i64(ordered) plan \0 task u32 unit \0 kind \0 cycle \0 level u32 armed_at i64   FireTimer
//   11 counts          plan \0 unit \0 'g' status u8 flags u8 level u32 due_on   GroupTally
//                      plan \0 unit \0 'a'                                       u64 seq | i64 at
//
//   13 snapshots       plan                                         u64 log_pos | PlanState (a cache)
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
// Every CF but `log` is derived: projections (2-11) are dropped and rebuilt
// from `log` by Rebuild() and compared by Verify(); `meta` holds engine
// bookkeeping; `snapshots` is a cache Rebuild() clears.
// CF names are written to disk: never rename one; retire it instead.
#pragma once

#include <string>
#include <string_view>

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
std::string ByStatus(AssignmentStatus s, std::string_view plan, int32_t task, std::string_view unit);
std::string ByStatusPrefix(AssignmentStatus s);
std::string History(std::string_view plan, int32_t task, uint64_t pos);
std::string Timer(Instant due, std::string_view plan, const schemas::FireTimer& t);
std::string CountGroup(std::string_view plan, const AssignmentGroup& g);
std::string UnitActivity(std::string_view plan, std::string_view unit);
}  // namespace keys

// Parsed forms of the composite keys.
struct AssignmentKey {
  std::string plan;
  int32_t task = 0;
  std::string unit;
};
bool ParseAssignmentKey(std::string_view key, AssignmentKey* out);
bool ParseByUnitKey(std::string_view key, std::string* unit, std::string* plan, int32_t* task);
bool ParseByStatusKey(std::string_view key, AssignmentKey* out);
bool ParseHistoryKey(std::string_view key, std::string* plan, int32_t* task, uint64_t* pos);
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
Status DecodeSnapshot(std::string_view v, PlanState* p, uint64_t* log_pos);
std::string EncodeStreamHead(uint64_t version, std::string_view last_hash);
Status DecodeStreamHead(std::string_view v, uint64_t* version, std::string* last_hash);
std::string EncodeCommandRef(uint64_t first_pos, uint32_t count);
Status DecodeCommandRef(std::string_view v, uint64_t* first_pos, uint32_t* count);

}  // namespace duban::core::records
