// The projector: turns a run of events into the projection rows they change
// (records.h: plans, tasks, assignments, by_unit, history, timers, counts,
// streams, commands) and writes them to a WriteBatch.
//
// Guarantee: live commits (commit.cc, calendar_notices.cc,
// append_external.cc) and Rebuild/Verify (maintenance.cc) project through
// this one class, which is what makes a rebuild byte-identical to the live
// projections. It never decides anything: the state it reads is what Evolve
// (evolve.cc) made of the events.
//
// How an event reaches its rows: the projector is not written per event type,
// because every row is a function of the plan's state, not of the event. For
// each event the caller calls Before (Touches(): which assignments the event
// changes, remembered as they were), then Evolve, then After (the history row;
// which task, plan and stream rows to rewrite). Flush then writes each
// remembered assignment that changed (WriteAssignmentRow: assignments,
// by_unit and its counts; RearmTimers: its timers), then the task,
// plan and stream rows. So AssignmentAccepted is projected by Touches (its
// unit and task, through schemas::UnitOf/TaskOf), WriteAssignmentRow (the
// row moves from `assigned` to `accepted` in counts) and
// RearmTimers (its acceptance-limit timer goes, its deadline timers come).
//
// Not thread-safe: one projector per batch being built.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "column_families.h"
#include "history_index.h"
#include "plan_cache.h"
#include "duban/engine.h"
#include "records.h"

namespace duban {

// Accumulates the projection updates caused by a run of events and writes
// them to a WriteBatch. Shared by live commits and Rebuild(), which is what
// makes a rebuild byte-identical to the live projections.
class Projector {
 public:
  // `store` is the store the batches are written to: the history buckets
  // and counts a batch changes are read from it (one Flush per written
  // batch). `counts_db` is that store when it keeps counts; null: counts are
  // not kept (a store made before them, until its rebuild).
  Projector(const TimerPolicy& policy, rocksdb::ColumnFamilyHandle* const* cf, rocksdb::DB* store,
            rocksdb::DB* counts_db)
      : policy_(policy), cf_(cf), store_(store), db_(counts_db) {}

  // Before Evolve applies `e` to `s`: remembers the assignments it touches
  // as they were. `armed_by`: the policy the assignments' armed timers were
  // computed by, when it is not the one this projector arms with (a calendar
  // notice changes the policy within its batch): their old keys are taken from it.
  void Before(const core::PlanState& s, const schemas::Event& e, const TimerPolicy* armed_by = nullptr);
  // After Evolve: the event's history entry, and which task, plan and stream
  // rows Flush rewrites.
  void After(const core::PlanState& s, const schemas::Event& e, uint64_t pos);

  // An event listed in the history index without a plan state to project
  // (the calendar's and the accounts' streams).
  void History(std::string_view stream, int32_t task, uint64_t pos) { history_.Add(stream, task, pos); }

  void SortDrops();
  // A timer consumed by this batch (it fired): deleted at Flush.
  // The views must outlive Flush (they are the caller's due-timer keys).
  void Drop(std::string_view key) { dropped_.emplace_back(key, false); }

  // Commands index: ids map to the contiguous run of their events, and to
  // the command's digest (empty when none is known).
  void Command(const std::string& command_id, uint64_t first_pos, uint32_t count, rocksdb::WriteBatch& wb,
               std::string_view digest = {}) {
    wb.Put(cf_[kCommands], command_id, core::records::EncodeCommandRef(first_pos, count, digest));
  }

  // Writes every row the events since the last Flush changed, read from
  // `states` (the plans after Evolve), and the rejection stream's head when
  // `rejected_dirty`.
  Status Flush(const PlanCache& states, const std::string& rejected_stream, uint64_t rejected_version,
               const std::string& rejected_hash, bool rejected_dirty, rocksdb::WriteBatch& wb);

  // The smallest timer key this projector has armed (put) since it was
  // made; empty: none. A tick's next round reads from it (timers.cc).
  const std::string& MinTimerArmed() const { return min_timer_armed_; }

 private:
  struct Dirty {
    std::optional<core::AssignmentState> orig;  // the state from before the batch
    std::string cycle_sig;                      // CycleSig from before the batch
    bool have_old_keys = false;
    std::vector<std::pair<std::string, std::string>> old_timers;  // key, value
  };
  using AssignmentId = std::tuple<std::string, int32_t, std::string>;  // plan, task, unit

  // Flush's steps, for one remembered assignment: its row and indexes, and its timers.
  void FlushAssignment(const AssignmentId& key, Dirty& dirty, const PlanCache& states, rocksdb::WriteBatch& wb);
  void WriteAssignmentRow(const AssignmentId& key, const Dirty& dirty, const core::AssignmentState& now,
                          rocksdb::WriteBatch& wb);
  void RearmTimers(const core::PlanState& s, const std::string& plan, Dirty& dirty, const core::AssignmentState& now,
                   rocksdb::WriteBatch& wb);
  // Flush's last step: the task, plan and stream rows the batch changed.
  void WriteTaskPlanAndStreamRows(const PlanCache& states, const std::string& rejected_stream,
                                  uint64_t rejected_version, const std::string& rejected_hash, bool rejected_dirty,
                                  rocksdb::WriteBatch& wb);

  // A row changed from `orig` (none: new) to `now`: its group's count and
  // the unit's last update, gathered for FlushCounts.
  void Count(const std::string& plan, const core::AssignmentState* orig, const core::AssignmentState& now);
  // The counts a batch changed, read from the store and written back with
  // the change: a group that holds nothing any more is deleted.
  Status FlushCounts(rocksdb::WriteBatch& wb);
  // The review-cycle state a request's timers depend on: each cycle that
  // requested a report of (task, unit), whether it is closed or answered, and
  // how far its silence escalated. Empty for assignments no cycle asked.
  static std::string CycleSig(const core::PlanState& s, int32_t task, const std::string& unit);
  void Remember(const core::PlanState& s, int32_t task, const std::string& unit, const core::AssignmentState* a,
                const TimerPolicy* armed_by);
  // Makes sure the old timer keys of an assignment are held as keys, taken
  // from `s` as it is now (before a task-level event changes what they are
  // counted on).
  void KeepOldKeys(const core::PlanState& s, int32_t task, const std::string& unit, const core::AssignmentState& a,
                   const TimerPolicy* armed_by);
  void Undrop(std::string_view k);
  void PutTimer(rocksdb::WriteBatch& wb, const std::string& k, std::string_view v);

  const TimerPolicy& policy_;
  rocksdb::ColumnFamilyHandle* const* cf_;
  rocksdb::DB* store_;
  rocksdb::DB* db_;  // null: the store keeps no counts yet (kCountsBuilt)
  HistoryIndex history_;
  std::map<std::string, core::records::GroupTally> count_deltas_;
  std::map<std::string, core::records::LastChange> activity_;
  std::map<AssignmentId, Dirty> dirty_assignments_;
  std::set<std::pair<std::string, int32_t>> dirty_tasks_;
  std::set<std::string> dirty_plan_rows_;
  std::set<std::string> dirty_streams_;
  // Fired timers, sorted by key (a tick drops them in key order), each with
  // whether Flush already deleted or kept it.
  std::vector<std::pair<std::string_view, bool>> dropped_;
  std::string min_timer_armed_;
};

}  // namespace duban
