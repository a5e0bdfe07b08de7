// duban-bench core: ingest >= 1,000,000 events over 50,000 assignments through
// the embedded engine, rebuild the projections, query status and history, and
// compare with a raw RocksDB WriteBatch loop writing the same number of keys
// and bytes in the same run.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unistd.h>

#include "duban/process_memory.h"
#include "bench_core_scale.h"
#include "bench_plans.h"
#include "bench_postgres.h"
#include "bench_registry.h"
#include "duban/coding.h"
#include "duban/engine.h"
#include "duban/engine_bench.h"
#include "duban/schemas/codec.h"

namespace duban::bench {
namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

struct Args {
  int plans = 250, tasks = 40, units = 5;  // the size of a published plan, ~50 tasks
  uint64_t events = 1'000'000;
  int batch = 1000;
  int queries = 2000;
  std::string dir;
  bool postgres = false;
  bool keep = false;
  uint64_t asof_events = 100'000;  // the plan timed as of a date
  size_t block_cache_mb = EngineOptions{}.block_cache_mb;
};

std::string Unit(int u) { return BenchUnit(u); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

// The exit code when parsing ends the run (--help, or an error CLI11 reported).
std::optional<int> ParseArgs(int argc, char** argv, Args& a) {
  CLI::App app{"duban-bench core: ingest, rebuild and query the embedded engine vs a raw RocksDB loop"};
  app.add_option("--events", a.events, "events to ingest")->check(CLI::Range(1, 1'000'000'000))->capture_default_str();
  app.add_option("--plans", a.plans, "plans")->check(CLI::Range(1, 1'000'000'000))->capture_default_str();
  app.add_option("--batch", a.batch, "commands per group commit")
      ->check(CLI::Range(1, 1'000'000'000))
      ->capture_default_str();
  int64_t assignments = 0;
  app.add_option("--assignments", assignments,
                 "assignments, as plans of 40 tasks x 5 units (rounded down to whole plans; instead of --plans)")
      ->check(CLI::Range(int64_t{200}, int64_t{200'000'000'000}))
      ->excludes("--plans");
  app.add_option("--asof-events", a.asof_events, "events of the plan whose state as of a date is timed")
      ->check(CLI::Range(1000, 100'000'000))
      ->capture_default_str();
  app.add_option("--dir", a.dir, "scratch directory (default: under $TMPDIR)");
  app.add_option("--block-cache-mb", a.block_cache_mb, "the engine's RocksDB block cache, MiB")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20))
      ->capture_default_str();
  app.add_flag("--keep", a.keep, "keep the engine's store at the end (under --dir), to profile queries on it");
  app.add_flag("--postgres", a.postgres,
               "also run the same events-table + state-upsert workload on a throwaway PostgreSQL cluster");
  if (const std::optional<int> exit_code = ParseBenchOptions(app, argc, argv)) return exit_code;
  if (assignments) a.plans = static_cast<int>(assignments / (static_cast<int64_t>(a.tasks) * a.units));
  // Refused before the long duban part, not after it.
  if (Status ready = a.postgres ? PostgresBaselineReady() : Status::Ok(); !ready.ok()) {
    std::fprintf(stderr, "duban-bench core --postgres: %s\n", ready.message().c_str());
    return 2;
  }
  return std::nullopt;
}

std::string ScratchRoot(const std::string& dir) {
  return dir.empty()
             ? (std::filesystem::temp_directory_path() / ("duban-bench-core-" + std::to_string(getpid()))).string()
             : dir;
}

// Commands as one client sends them: ids and issue times in order.
class CommandMaker {
 public:
  schemas::Command Make(const std::string& plan, schemas::Role role, const std::string& actor) {
    schemas::Command c;
    c.command_id = "b" + std::to_string(seq_++);
    c.plan_id = plan;
    c.actor = schemas::Actor{actor, role, actor};
    c.issued_at = now_++;
    return c;
  }

 private:
  uint64_t seq_ = 0;
  Instant now_ = 1'609'459'200'000LL;  // 2021-01-01
};

// The command stream, made a batch at a time so that ten million commands
// are never held at once: the plans imported, every assignment accepted,
// then progress reports round-robin over all assignments until the target
// number of events. The same Args give the same commands, so a second
// source replays the first's stream.
class CommandSource {
 public:
  explicit CommandSource(const Args& a) : a_(a), assignments_(static_cast<uint64_t>(a.plans) * a.tasks * a.units) {}

  // The next command, or false when the stream has ended.
  bool Next(schemas::Command& c) {
    const uint64_t plans = static_cast<uint64_t>(a_.plans), per_plan = static_cast<uint64_t>(a_.tasks) * a_.units;
    if (i_ < plans) {
      const int p = static_cast<int>(i_);
      c = make_.Make(Plan(p), schemas::Role::kSupervisor, "office");
      c.body = BenchPlan(p, a_.tasks, a_.units, 2021, "10月底前", "2021-10-31");
      events_ += 1 + a_.tasks + per_plan;
    } else if (i_ < plans + assignments_) {
      const uint64_t k = i_ - plans;
      const int p = static_cast<int>(k / per_plan), t = static_cast<int>(k % per_plan / a_.units) + 1,
                u = static_cast<int>(k % a_.units);
      c = make_.Make(Plan(p), schemas::Role::kUnit, Unit(u));
      c.body = schemas::Accept{t, Unit(u)};
      ++events_;
    } else {
      if (events_ >= a_.events) return false;
      const uint64_t r = i_ - plans - assignments_, idx = r % assignments_;
      const int p = static_cast<int>(idx / per_plan), t = static_cast<int>(idx / a_.units % a_.tasks) + 1,
                u = static_cast<int>(idx % a_.units);
      c = make_.Make(Plan(p), schemas::Role::kUnit, Unit(u));
      c.body = schemas::ReportProgress{
          t, Unit(u), static_cast<int32_t>(r % 101), "已完成阶段性工作，正在推进下一步", "", "联络员", "0751-8888000"};
      ++events_;
    }
    ++i_;
    return true;
  }
  // Up to `n` next commands into `batch` (cleared first), ending once it
  // holds `n` events' worth: a plan import makes 1 + tasks + assignments
  // events (241 for 40 x 5), so a batch of n = 1,000 holds 5 imports, not
  // 1,000. A client does not send a thousand plans in one group commit, and
  // such a batch held ~550 MB more at its peak than it left behind (measured
  // at 1M assignments / 2.2M events: ingest's peak resident 2,067 MB with
  // --batch 1000 before this bound, 1,510 MB with --batch 50). false when
  // none is left.
  bool NextBatch(size_t n, std::vector<schemas::Command>& batch) {
    batch.clear();
    const uint64_t events_before = events_;
    schemas::Command c;
    while (batch.size() < n && events_ - events_before < n && Next(c)) batch.push_back(std::move(c));
    return !batch.empty();
  }
  uint64_t made() const { return i_; }

 private:
  static std::string Plan(int p) { return "plan-" + std::to_string(p); }
  const Args& a_;
  const uint64_t assignments_;
  CommandMaker make_;
  uint64_t i_ = 0, events_ = 0;
};

// What ingest did. Only the time inside SubmitBatch counts: making the
// commands does not.
struct Ingest {
  uint64_t events = 0, commands = 0, batches = 0;
  double seconds = 0, eps = 0;
  uint64_t keys = 0, bytes = 0;
  uint64_t plan_loads = 0, plan_load_events = 0, parting_snapshots = 0;
};

std::optional<Ingest> TimeIngest(Engine& engine, const Args& a) {
  Ingest in;
  const bench::WriteStats before_ingest = bench::EngineWriteStats(engine);
  CommandSource source(a);
  std::vector<schemas::Command> batch;
  while (source.NextBatch(a.batch, batch)) {
    const auto t0 = Clock::now();
    const std::vector<Outcome> outcomes = engine.SubmitBatch(batch);
    in.seconds += Seconds(t0, Clock::now());
    ++in.batches;
    for (const auto& o : outcomes) {
      if (!o.status.ok()) {
        std::fprintf(stderr, "command %s: %s\n", o.command_id.c_str(), o.status.ToString().c_str());
        return std::nullopt;
      }
      in.events += o.events.size();
    }
  }
  in.commands = source.made();
  in.eps = in.events / in.seconds;
  const bench::WriteStats after_ingest = bench::EngineWriteStats(engine);
  in.keys = after_ingest.keys - before_ingest.keys;
  in.bytes = after_ingest.bytes - before_ingest.bytes;
  in.plan_loads = after_ingest.plan_loads - before_ingest.plan_loads;
  in.plan_load_events = after_ingest.plan_load_events - before_ingest.plan_load_events;
  in.parting_snapshots = after_ingest.parting_snapshots - before_ingest.parting_snapshots;
  return in;
}

void PrintIngest(const Ingest& in) {
  std::printf("ingest:  %llu events from %llu commands in %.2f s = %.0f events/s\n",
              static_cast<unsigned long long>(in.events), static_cast<unsigned long long>(in.commands), in.seconds,
              in.eps);
  std::printf(
      "         %llu plans loaded that the cache did not hold (%.0f events replayed each on average); %llu "
      "parting snapshots written\n",
      static_cast<unsigned long long>(in.plan_loads),
      in.plan_loads ? static_cast<double>(in.plan_load_events) / static_cast<double>(in.plan_loads) : 0.0,
      static_cast<unsigned long long>(in.parting_snapshots));
}

struct DurableIngest {
  uint64_t events = 0;
  double eps = 0;
  size_t singles = 0;
  double singles_per_second = 0;
};

// Durable ingest, fsync before acknowledging (EngineOptions::sync): the same
// command stream from its start into a fresh store, for at most kSyncEvents
// events in the same batches (one fsync per batch: the group commit that
// `duban engine` and a server get by batching), then kSyncSingles commands one
// per commit (one fsync each, as one CLI command).
std::optional<DurableIngest> TimeDurableIngest(const EngineOptions& eo, const std::string& root, const Args& a) {
  constexpr uint64_t kSyncEvents = 100'000;
  constexpr size_t kSyncSingles = 1000;
  EngineOptions so = eo;
  so.data_dir = root + "/sync";
  so.sync = true;
  auto synced = Engine::Open(so);
  if (!synced.ok()) {
    std::fprintf(stderr, "open: %s\n", synced.status().ToString().c_str());
    return std::nullopt;
  }
  DurableIngest d;
  CommandSource source(a);
  std::vector<schemas::Command> batch;
  double batched = 0;
  while (d.events < kSyncEvents && source.NextBatch(a.batch, batch)) {
    const auto t0 = Clock::now();
    for (const auto& o : (*synced)->SubmitBatch(batch)) d.events += o.events.size();
    batched += Seconds(t0, Clock::now());
  }
  d.eps = d.events / batched;
  schemas::Command c;
  double singles = 0;
  for (; d.singles < kSyncSingles && source.Next(c); ++d.singles) {
    const auto t0 = Clock::now();
    (*synced)->Submit(c);
    singles += Seconds(t0, Clock::now());
  }
  d.singles_per_second = d.singles / singles;
  synced->reset();
  std::filesystem::remove_all(so.data_dir);
  return d;
}

void PrintDurableIngest(const DurableIngest& d, int batch, double ingest_eps) {
  std::printf(
      "durable ingest (fsync per commit): %llu events in batches of %d: %.0f events/s (%.2f of ingest); "
      "%zu commands one per commit: %.0f commands/s, %.1f ms each\n",
      static_cast<unsigned long long>(d.events), batch, d.eps, d.eps / ingest_eps, d.singles, d.singles_per_second,
      1000.0 / d.singles_per_second);
}

// The log's bytes, for the raw comparison (the framed encoding of every
// event), and its first framed events, the kinder baseline's values.
struct LogSample {
  uint64_t bytes = 0;
  std::vector<std::string> values;
};

std::optional<LogSample> ScanLogSample(Engine& engine) {
  LogSample log;
  Status scanned = engine.ScanLog(1, [&](uint64_t, const schemas::Event& e) {
    std::string framed = FrameRecord(schemas::EncodeEvent(e));
    log.bytes += framed.size();
    if (log.values.size() < 4096) log.values.push_back(std::move(framed));
    return true;
  });
  if (!scanned.ok()) return std::nullopt;
  return log;
}

// Returns the rebuild's events/s.
std::optional<double> TimeRebuild(Engine& engine) {
  const auto r0 = Clock::now();
  if (Status st = engine.Rebuild(); !st.ok()) {
    std::fprintf(stderr, "rebuild: %s\n", st.ToString().c_str());
    return std::nullopt;
  }
  const auto r1 = Clock::now();
  const double rebuild_eps = (engine.LogEnd() - 1) / Seconds(r0, r1);
  std::printf("rebuild: %llu events in %.2f s = %.0f events/s\n", static_cast<unsigned long long>(engine.LogEnd() - 1),
              Seconds(r0, r1), rebuild_eps);
  return rebuild_eps;
}

struct QueryTimes {
  std::vector<double> status_us, history_us;
  size_t rows = 0, hist = 0;
};

// Status of one unit in a random plan and history of a random task, after a
// warm-up round that is not measured. A second timing passes another `seed`,
// so that it does not ask for the blocks the first one just read.
std::optional<QueryTimes> TimeQueries(Engine& engine, const Args& a, unsigned seed = 7) {
  std::mt19937 rng(seed);
  QueryTimes qt;
  for (int q = -a.queries / 5; q < a.queries; ++q) {
    if (q == 0) {
      qt.status_us.clear();
      qt.history_us.clear();
      qt.rows = qt.hist = 0;
    }
    const std::string plan = "plan-" + std::to_string(rng() % a.plans);
    StatusFilter f;
    f.plan_id = plan;
    f.unit = Unit(rng() % a.units);
    auto q0 = Clock::now();
    auto r = engine.Assignments(f);
    auto q1 = Clock::now();
    if (!r.ok()) return std::nullopt;
    qt.rows += r->size();
    qt.status_us.push_back(Seconds(q0, q1) * 1e6);
    const int task = 1 + rng() % a.tasks;
    auto h0 = Clock::now();
    auto h = engine.History(plan, task);
    auto h1 = Clock::now();
    if (!h.ok()) return std::nullopt;
    qt.hist += h->size();
    qt.history_us.push_back(Seconds(h0, h1) * 1e6);
  }
  return qt;
}

void PrintQueryTimes(const QueryTimes& qt, int queries, const char* when) {
  std::printf("status  (one unit in one plan, %zu rows avg) %s: p50 %.0f us, p99 %.0f us\n", qt.rows / queries, when,
              Percentile(qt.status_us, 0.5), Percentile(qt.status_us, 0.99));
  std::printf("history (one task, %zu events avg) %s: p50 %.0f us, p99 %.0f us\n", qt.hist / queries, when,
              Percentile(qt.history_us, 0.5), Percentile(qt.history_us, 0.99));
}

// The raw RocksDB share of ingest: the same command stream into a second,
// scratch engine, and each WriteBatch it commits written as it is into a
// fresh store with the engine's column families (bench::RawWriter); only
// those writes are timed. The scratch engine commits exactly what the timed
// ingest did (the same commands, no clock), so no batch has to be kept.
// Also tallies where the keys go. Returns events/s of the raw writes.
std::optional<double> TimeRawReplay(const std::string& root, const EngineOptions& eo, const Args& a, const Ingest& in) {
  auto raw = bench::RawWriter::Open(root + "/raw", eo.block_cache_mb);
  if (!raw.ok()) {
    std::fprintf(stderr, "raw: %s\n", raw.status().ToString().c_str());
    return std::nullopt;
  }
  EngineOptions so = eo;
  so.data_dir = root + "/shadow";
  auto shadow = Engine::Open(so);
  if (!shadow.ok()) {
    std::fprintf(stderr, "open: %s\n", shadow.status().ToString().c_str());
    return std::nullopt;
  }
  bench::KeyTally tally;
  Status failed;
  uint64_t keys = 0, writes = 0;
  bench::SetWriteObserver(**shadow, [&](std::string_view rep) {
    if (!failed.ok()) return;
    rocksdb::WriteBatch wb{std::string(rep)};
    keys += wb.Count();
    ++writes;
    failed = tally.Add(rep);
    if (failed.ok()) failed = (*raw)->Write(rep);
  });
  CommandSource source(a);
  std::vector<schemas::Command> batch;
  while (failed.ok() && source.NextBatch(a.batch, batch)) (*shadow)->SubmitBatch(batch);
  bench::SetWriteObserver(**shadow, nullptr);
  shadow->reset();
  std::filesystem::remove_all(so.data_dir);
  if (!failed.ok() || keys != in.keys) {
    std::fprintf(stderr, "raw: %s\n",
                 failed.ok() ? "the scratch engine did not write what the ingest wrote" : failed.ToString().c_str());
    return std::nullopt;
  }
  const double secs = (*raw)->seconds(), raw_eps = in.events / secs;
  raw->reset();
  std::filesystem::remove_all(root + "/raw");
  std::printf(
      "raw RocksDB WriteBatch loop: the ingest's own %llu writes (its commits and parting snapshots), %llu keys, "
      "%.1f MB, written in %.2f s; as events/s: %.0f\n",
      static_cast<unsigned long long>(writes), static_cast<unsigned long long>(in.keys), in.bytes / 1e6, secs, raw_eps);
  std::printf("keys per event by column family: %s\n", tally.PerEvent(in.events).c_str());
  return raw_eps;
}

// At least twice `value_size` bytes cut from real framed events, so that
// values taken at different offsets compress like the log's.
std::string BaselineValues(const std::vector<std::string>& samples, uint64_t value_size) {
  std::string value;
  for (const auto& v : samples) value += v;
  while (value.size() < value_size * 2) value += value.empty() ? std::string("x") : value;
  return value;
}

// The kinder baseline: as many keys and bytes as ingest wrote, in as many
// batches, but in one column family with keys in order. Returns its seconds.
std::optional<double> TimeKinderBaseline(const std::string& dir, const EngineOptions& eo, const Ingest& in,
                                         size_t batches, const LogSample& log) {
  rocksdb::DB* db = nullptr;
  rocksdb::Options so;
  so.create_if_missing = true;
  so.write_buffer_size = eo.write_buffer_mb << 20;
  so.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  if (!rocksdb::DB::Open(so, dir, &db).ok()) return std::nullopt;
  std::unique_ptr<rocksdb::DB> seq(db);
  const uint64_t per_batch = std::max<uint64_t>(1, in.keys / std::max<size_t>(1, batches));
  const uint64_t value_size = std::max<uint64_t>(8, in.bytes / std::max<uint64_t>(1, in.keys) - 16);
  const std::string value = BaselineValues(log.values, value_size);
  const auto w0 = Clock::now();
  for (uint64_t i = 0; i < in.keys;) {
    rocksdb::WriteBatch wb;
    for (uint64_t k = 0; k < per_batch && i < in.keys; ++k, ++i) {
      std::string key;
      PutFixed64BE(&key, i);
      wb.Put(key, rocksdb::Slice(value.data() + (i * 131) % (value.size() - value_size), value_size));
    }
    if (!seq->Write(rocksdb::WriteOptions(), &wb).ok()) return std::nullopt;
  }
  return Seconds(w0, Clock::now());
}

// --postgres: as many events as ingest wrote, through PostgreSQL
// (bench_postgres.h); the event list is built before the clock starts.
std::optional<PgResult> TimePostgres(const Args& a, const std::string& root, const Ingest& in, const LogSample& log) {
  // Bodies as long as the log's mean record: the sample is its first records only.
  const PgWorkload work = BuildPgWorkload(in.events, a.plans, a.tasks, a.units, log.values, log.bytes / in.events);
  Result<PgResult> pg = RunPostgresBaseline(root, work.events);
  if (!pg.ok()) {
    std::fprintf(stderr, "%s\n", pg.status().message().c_str());
    return std::nullopt;
  }
  std::printf("postgres: %llu events in %.2f s = %.0f events/s (%s); duban ingest / postgres = %.2f\n",
              static_cast<unsigned long long>(pg->events), pg->seconds, pg->eps, pg->settings.c_str(),
              in.eps / pg->eps);
  return *pg;
}

// The process's resident memory now, and the parts of it that are known.
void PrintMemoryNow(const Engine& engine, const char* when) {
  const RocksMemory r = RocksMemoryOf(engine);
  std::printf(
      "memory %s: resident %.0f MB; heap in use %.0f MB (plan cache: %zu plans); RocksDB memtables %.0f MB, block "
      "cache %.0f MB, table readers %.0f MB\n",
      when, RssNowMb(), static_cast<double>(HeapAllocatedBytes()) / (1024.0 * 1024.0), CachedPlans(engine),
      r.memtables_mb, r.block_cache_mb, r.table_readers_mb);
}

struct Summary {
  double ingest_eps = 0, sync_ingest_eps = 0, sync_single_cps = 0, rebuild_eps = 0, raw_eps = 0;
  double status_p99_us = 0, history_p99_us = 0;
  double kind_ratio = 0, keys_per_event = 0, dashboard_p99_us = 0, asof_ms = 0, tick_ratio = 0;
  std::optional<double> pg_eps;
};

void PrintTargetsAndSummary(const Summary& s, double peak_rss_mb) {
  const double ingest_ratio = s.ingest_eps / s.raw_eps, rebuild_ratio = s.rebuild_eps / s.raw_eps;
  std::printf("targets: ingest_ratio >= 0.3 (%s), rebuild_ratio >= 0.5 (%s), status and history p99 < 1000 us (%s)\n",
              ingest_ratio >= 0.3 ? "met" : "MISSED", rebuild_ratio >= 0.5 ? "met" : "MISSED",
              s.status_p99_us < 1000 && s.history_p99_us < 1000 ? "met" : "MISSED");
  std::printf(
      "ingest_eps=%.0f sync_ingest_eps=%.0f sync_single_cps=%.0f rebuild_eps=%.0f raw_eps=%.0f "
      "ingest_ratio=%.3f rebuild_ratio=%.3f status_p99_us=%.0f history_p99_us=%.0f\n",
      s.ingest_eps, s.sync_ingest_eps, s.sync_single_cps, s.rebuild_eps, s.raw_eps, ingest_ratio, rebuild_ratio,
      s.status_p99_us, s.history_p99_us);
  // The cost-per-event figures, last (issue 18's line).
  char pg[96] = "pg_eps=n/a pg_ratio=n/a";
  if (s.pg_eps) std::snprintf(pg, sizeof pg, "pg_eps=%.0f pg_ratio=%.2f", *s.pg_eps, s.ingest_eps / *s.pg_eps);
  std::printf(
      "ingest_eps=%.0f kind_ratio=%.3f keys_per_event=%.2f rebuild_eps=%.0f status_p99_us=%.0f history_p99_us=%.0f "
      "dashboard_p99_us=%.0f asof_ms=%.1f tick_ratio=%.2f %s peak_rss_mb=%.0f\n",
      s.ingest_eps, s.kind_ratio, s.keys_per_event, s.rebuild_eps, s.status_p99_us, s.history_p99_us,
      s.dashboard_p99_us, s.asof_ms, s.tick_ratio, pg, peak_rss_mb);
}

// The figures beyond ingest, rebuild and row queries (bench_core_scale.h).
struct ScaleFigures {
  DashboardTimes dashboard;
  TickTimes tick;
  double asof_ms = 0;
};
std::optional<ScaleFigures> TimeScale(Engine& engine, const Args& a) {
  const std::optional<DashboardTimes> dashboard = TimeDashboard(engine, a.plans, a.queries);
  if (!dashboard) return std::nullopt;
  const std::optional<TickTimes> tick = TimeTickAgainstItsWrite(engine);
  if (!tick) return std::nullopt;
  const std::optional<double> asof_ms = TimeAsOf(engine, a.asof_events);
  if (!asof_ms) return std::nullopt;
  return ScaleFigures{*dashboard, *tick, *asof_ms};
}

// Raw RocksDB, same keys and bytes: the raw loop writes exactly the
// WriteBatches the ingest committed — the same keys in the same column
// families, the same values, the same batch boundaries, the same RocksDB
// options — with none of the engine's work. Its time is RocksDB's own share
// of ingest; the ratio is what the engine keeps of it. A second, kinder
// baseline (the same number of keys and bytes in one column family, keys in
// order) is printed for comparison.
struct Baselines {
  double raw_eps = 0, kinder_secs = 0;
};
std::optional<Baselines> TimeBaselines(const std::string& root, const EngineOptions& eo, const Args& a,
                                       const Ingest& ingest, const LogSample& log) {
  const std::optional<double> raw_eps = TimeRawReplay(root, eo, a, ingest);
  if (!raw_eps) return std::nullopt;
  const std::optional<double> kinder_secs = TimeKinderBaseline(root + "/raw-seq", eo, ingest, ingest.batches, log);
  if (!kinder_secs) return std::nullopt;
  std::printf(
      "kinder baseline (same key count and bytes, one column family, keys in order): %.2f s; "
      "ingest ratio against it %.3f\n",
      *kinder_secs, ingest.eps / (ingest.events / *kinder_secs));
  std::printf("(the log alone: %.1f MB, %.2f keys written per event)\n", log.bytes / 1e6,
              static_cast<double>(ingest.keys) / ingest.events);
  std::filesystem::remove_all(root + "/raw-seq");
  return Baselines{*raw_eps, *kinder_secs};
}

Summary MakeSummary(const Ingest& ingest, const DurableIngest& durable, double rebuild_eps, const QueryTimes& queries,
                    const ScaleFigures& scale, const Baselines& base, const std::optional<PgResult>& pg) {
  Summary sum;
  sum.ingest_eps = ingest.eps, sum.sync_ingest_eps = durable.eps, sum.sync_single_cps = durable.singles_per_second;
  sum.rebuild_eps = rebuild_eps, sum.raw_eps = base.raw_eps;
  sum.status_p99_us = Percentile(queries.status_us, 0.99), sum.history_p99_us = Percentile(queries.history_us, 0.99);
  sum.kind_ratio = ingest.eps / (ingest.events / base.kinder_secs);
  sum.keys_per_event = static_cast<double>(ingest.keys) / ingest.events;
  sum.dashboard_p99_us = scale.dashboard.p99_us;
  sum.asof_ms = scale.asof_ms;
  sum.tick_ratio = scale.tick.tick_ms / std::max(scale.tick.write_ms, 1e-3);
  if (pg) sum.pg_eps = pg->eps;
  return sum;
}

int RunCore(int argc, char** argv) {
  Args a;
  if (const std::optional<int> exit_code = ParseArgs(argc, argv, a)) return *exit_code;
  const std::string root = ScratchRoot(a.dir);
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  std::printf(
      "core benchmark: %d plans x %d tasks x %d units = %d assignments, target %llu events, batches of %d; allocator "
      "%s\n",
      a.plans, a.tasks, a.units, a.plans * a.tasks * a.units, static_cast<unsigned long long>(a.events), a.batch,
      AllocatorName());

  PhasePeaks peaks;
  EngineOptions eo;
  eo.data_dir = root + "/engine";
  eo.block_cache_mb = a.block_cache_mb;
  // The main figures are the relaxed mode's (no fsync), comparable with the
  // raw loop, which does not sync either; the durable cost is measured below.
  eo.sync = false;
  auto opened = Engine::Open(eo);
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  Engine& engine = **opened;

  std::optional<Ingest> ingest = TimeIngest(engine, a);
  if (!ingest) return 1;
  PrintIngest(*ingest);
  const std::optional<DurableIngest> durable = TimeDurableIngest(eo, root, a);
  if (!durable) return 1;
  PrintDurableIngest(*durable, a.batch, ingest->eps);
  const std::optional<LogSample> log = ScanLogSample(engine);
  if (!log) return 1;
  PrintMemoryNow(engine, "after ingest");
  double engine_peak = peaks.EndPhase("the ingests");
  const std::optional<double> rebuild_eps = TimeRebuild(engine);
  if (!rebuild_eps) return 1;
  // Queries on a settled store: the rebuild leaves RocksDB flushing and
  // compacting for a while, which on two cores would be timed with them.
  const auto s0 = Clock::now();
  const bool settled = WaitForBackgroundWork(engine, 900);
  std::printf("waited %.1f s for RocksDB's flushes and compactions%s\n", Seconds(s0, Clock::now()),
              settled ? "" : " (still running)");
  PrintMemoryNow(engine, "after rebuild");
  engine_peak = std::max(engine_peak, peaks.EndPhase("the rebuild"));
  const std::optional<QueryTimes> queries = TimeQueries(engine, a);
  if (!queries) return 1;
  PrintQueryTimes(*queries, a.queries, "after rebuild");
  const std::optional<ScaleFigures> scale = TimeScale(engine, a);
  if (!scale) return 1;
  PrintMemoryNow(engine, "after the tick and as-of");
  // The same queries' cost on the store the tick has grown by a million
  // events (printed only: the summary keeps the first timing).
  if (const std::optional<QueryTimes> later = TimeQueries(engine, a, 8))
    PrintQueryTimes(*later, a.queries, "after the tick");
  engine_peak = std::max(engine_peak, peaks.EndPhase("the queries, the tick and as-of"));
  // What follows (a second engine for the raw replay, the kinder loop,
  // PostgreSQL's event list) is the baselines', not the engine's.
  std::printf("peak resident memory of the engine's phases (ingest to as-of): %.0f MB\n", engine_peak);
  opened.value().reset();
  ReturnFreedMemory();
  peaks.Restart();  // the baselines' peak is theirs, not the closed engine's (the mark starts at what is resident)
  const std::optional<Baselines> base = TimeBaselines(root, eo, a, *ingest, *log);
  if (!base) return 1;
  peaks.EndPhase("the raw and kinder baselines");
  std::optional<PgResult> pg;
  if (a.postgres && !(pg = TimePostgres(a, root, *ingest, *log))) return 1;
  if (a.postgres) peaks.EndPhase("the PostgreSQL baseline");
  if (a.keep)
    std::printf("kept: %s/engine (the ingest's store, with the as-of plan)\n", root.c_str());
  else
    std::filesystem::remove_all(root);
  const Summary sum = MakeSummary(*ingest, *durable, *rebuild_eps, *queries, *scale, *base, pg);
  PrintTargetsAndSummary(sum, peaks.whole_run_mb());
  return 0;
}

}  // namespace
}  // namespace duban::bench

DUBAN_REGISTER_BENCH("core", "ingest, rebuild and query the embedded engine vs a raw RocksDB loop",
                     duban::bench::RunCore);
