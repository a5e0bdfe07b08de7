// The figures `duban-bench core` takes beyond ingest, rebuild and the row
// queries: what an office's dashboard asks of a plan, the state of a big plan
// as of a date, and a timer tick against the write of its own batch; and the
// process's peak memory. Each runs on the engine the ingest filled and
// prints its own line.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "duban/engine.h"

namespace duban::bench {

// Percentiles of one plan's counts by unit and state (Engine::CountAssignments,
// the maintained `counts` projection) and of its overdue list
// (Engine::Assignments with overdue_only), over random plans, after a warm-up.
struct DashboardTimes {
  double counts_p99_us = 0, overdue_p99_us = 0;
  double p99_us = 0;  // of the two together: what one dashboard page asks
};
std::optional<DashboardTimes> TimeDashboard(Engine& engine, int plans, int queries);

// A plan of `events` events (imported, accepted, then progress reports in
// batches of 1000) added to the engine, then its state as of the middle of
// its life, five times at once and five times once RocksDB's background work
// is done (checked against its whole stream replayed): returns the settled
// median milliseconds (both are printed).
std::optional<double> TimeAsOf(Engine& engine, uint64_t events);

// The tick at the earliest pending timer, the plans of its first round
// loaded first (timed apart; as many as the plan cache holds): its
// milliseconds, the milliseconds rocksdb::DB::Write took for its batch (the
// floor any tick that commits its events with their projections in one batch
// pays), and the milliseconds it spent loading the plans the cache did not
// hold.
struct TickTimes {
  size_t fired = 0, events = 0;
  double tick_ms = 0, write_ms = 0, load_ms = 0;
  uint64_t loads = 0;
};
std::optional<TickTimes> TimeTickAgainstItsWrite(Engine& engine);

// The process's resident memory now, in MB.
double RssNowMb();

// Peak resident memory phase by phase. Linux keeps one high-water mark per
// process (VmHWM); each phase's end reads it, and resets it (clear_refs) for
// the next phase, so a phase's peak is its own, not an earlier phase's. The
// whole run's peak is the largest of them.
class PhasePeaks {
 public:
  PhasePeaks();
  // The peak since the last phase ended (or the start), in MB; printed as
  // "peak resident memory of <what>".
  double EndPhase(const char* what);
  // Starts the next phase's mark from now, reporting nothing (after a phase
  // that is nobody's: closing the engine and returning its freed pages).
  void Restart();
  double whole_run_mb() const { return whole_; }

 private:
  double whole_ = 0;
  bool resets_ = false;  // clear_refs refused: each phase's peak is the run's so far
};

}  // namespace duban::bench
