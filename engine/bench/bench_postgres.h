// The PostgreSQL baseline of `duban-bench core --postgres`: the figure a user
// would reach for instead of duban, measured in the same run. It starts a
// throwaway cluster (Debian's postgresql: initdb, pg_ctl, postgres) on a Unix
// socket in a fresh folder, runs duban's ingest workload as SQL (append each
// event to an events table, upsert the state row of the assignment it
// changes), and stops the cluster.
//
// Guarantees: the cluster is stopped (pg_ctl -m fast stop) and its folder
// removed on every return, an error or a Ctrl-C included (SIGINT, SIGTERM and
// SIGHUP end the run at the next transaction; the tools run in their own
// process group so the signal cannot kill pg_ctl halfway). A failure names the
// step (finding the binaries, initdb, pg_ctl start, connect, a statement) and
// carries the tool's output. Only a SIGKILL of duban-bench leaves the server
// running (its postmaster.pid then names it).
//
// As root (initdb and postgres refuse to run as root) the tools run as user
// `nobody`, which then owns the cluster folder: `scratch` must be reachable by
// it (the bench's default, under /tmp, is).
//
// Fairness, said in PgResult::settings: duban's main ingest figure commits
// without fsync, so the server runs with synchronous_commit=off (the WAL is
// written but not flushed at each commit; fsync stays on for checkpoints),
// shared_buffers=256MB, everything else at its default; the C locale (text
// keys compare bytewise, as RocksDB's do). One connection, statements
// prepared once with binary parameters, sent in libpq's pipeline mode (one
// transaction in flight while the next is sent), as a user tuning for speed
// would write it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "duban/status.h"

namespace duban::bench {

// One event of the workload. The strings are not owned: they point into a
// PgWorkload (or other storage that outlives RunPostgresBaseline), so that ten
// million events take 48 bytes each rather than ten million copies of a
// ~450-byte body.
struct PgEvent {
  const std::string* plan = nullptr;   // also the event's stream (duban's streams are plans)
  const std::string* unit = nullptr;   // with plan and task, the assignment the event changes
  const std::string* body = nullptr;   // the event's bytes in the events table
  const std::string* state = nullptr;  // the assignment's row after the event
  uint64_t stream_seq = 0;             // 1, 2, ... within the plan
  int32_t task = 0;
  uint16_t type = 0;
};

// The events and the strings they point into. Movable (vectors keep their
// elements' addresses when moved), not copyable (a copy's events would point
// into the original).
struct PgWorkload {
  std::vector<std::string> plans, units, bodies, states;
  std::vector<PgEvent> events;

  PgWorkload() = default;
  PgWorkload(PgWorkload&&) = default;
  PgWorkload& operator=(PgWorkload&&) = default;
  PgWorkload(const PgWorkload&) = delete;
  PgWorkload& operator=(const PgWorkload&) = delete;
};

// `events` events round-robin over the plans x tasks x units assignments in
// the order duban-bench core's progress reports visit them (plan-P, task T,
// BenchUnit(U)), each event's type that of framed sample i % samples. Bodies:
// the samples themselves (real framed log records) when `body_bytes` is 0,
// else `body_bytes`-byte cuts from them, so that the events table gets as many
// bytes as duban's log (the core bench's sample is the log's first records,
// plan imports, smaller than the progress reports that follow). States: 150
// bytes cut from the samples, the size of an encoded assignment row. Built
// before timing.
PgWorkload BuildPgWorkload(uint64_t events, int plans, int tasks, int units, std::vector<std::string> framed_samples,
                           uint64_t body_bytes = 0);

struct PgResult {
  uint64_t events = 0;
  double seconds = 0;  // the SQL workload only: not initdb, start or the schema
  double eps = 0;
  // e.g. "PostgreSQL 15.18, synchronous_commit=off, ..., pipeline, 100 events per transaction"
  std::string settings;
};

// Ok when --postgres can run: this duban-bench was built with libpq (14 or
// newer) and the server binaries are found (/usr/lib/postgresql/<newest>/bin,
// else PATH; $DUBAN_PG_BIN overrides both). Otherwise says what is missing and
// how to get it, so the bench can refuse before its long duban part.
Status PostgresBaselineReady();

// Starts a throwaway cluster under `scratch` (a folder that exists), inserts
// `events` in order (positions 1, 2, ...; each event's assignment row upserted
// with version = its position), `events_per_txn` per transaction, checks the
// events table's row count, and stops the cluster.
Result<PgResult> RunPostgresBaseline(const std::string& scratch, const std::vector<PgEvent>& events,
                                     int events_per_txn = 100);

}  // namespace duban::bench
