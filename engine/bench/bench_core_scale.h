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
// its life, five times (checked against its whole stream replayed): returns
// the median milliseconds.
std::optional<double> TimeAsOf(Engine& engine, uint64_t events);

// The tick at the earliest pending timer, the plans it changes loaded first
// (timed apart): its milliseconds, and the
// milliseconds rocksdb::DB::Write took for its batch (the floor any tick
// that commits its events with their projections in one batch pays).
struct TickTimes {
  size_t fired = 0, events = 0;
  double tick_ms = 0, write_ms = 0;
};
std::optional<TickTimes> TimeTickAgainstItsWrite(Engine& engine);

// The process's peak resident memory so far, in MB.
double PeakRssMb();

}  // namespace duban::bench
