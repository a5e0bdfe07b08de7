// duban-bench core: ingest >= 1,000,000 events over 50,000 assignments through
// the embedded engine, rebuild the projections, query status and history, and
// compare with a raw RocksDB WriteBatch loop writing the same number of keys
// and bytes in the same run.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <unistd.h>

#include "bench_plans.h"
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
};

std::string Unit(int u) { return BenchUnit(u); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

int RunCore(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--events"))
      a.events = std::strtoull(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--plans"))
      a.plans = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--batch"))
      a.batch = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--dir"))
      a.dir = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: duban-bench core [--events N] [--plans P] [--batch B] [--dir DIR]\n");
      return 2;
    }
  }
  const std::string root =
      a.dir.empty()
          ? (std::filesystem::temp_directory_path() / ("duban-bench-core-" + std::to_string(getpid()))).string()
          : a.dir;
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  const int assignments = a.plans * a.tasks * a.units;
  std::printf("core benchmark: %d plans x %d tasks x %d units = %d assignments, target %llu events, batches of %d\n",
              a.plans, a.tasks, a.units, assignments, static_cast<unsigned long long>(a.events), a.batch);

  EngineOptions eo;
  eo.data_dir = root + "/engine";
  // The main figures are the relaxed mode's (no fsync), comparable with the
  // raw loop, which does not sync either; the durable cost is measured below.
  eo.sync = false;
  auto opened = Engine::Open(eo);
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  Engine& engine = **opened;
  uint64_t cmd_seq = 0;
  Instant now = 1'609'459'200'000LL;  // 2021-01-01
  auto base = [&](const std::string& plan, schemas::Role role, const std::string& actor) {
    schemas::Command c;
    c.command_id = "b" + std::to_string(cmd_seq++);
    c.plan_id = plan;
    c.actor = schemas::Actor{actor, role, actor};
    c.issued_at = now++;
    return c;
  };
  // Build the whole command stream first so ingest measures the engine only.
  std::vector<schemas::Command> cmds;
  uint64_t expected_events = 0;
  for (int p = 0; p < a.plans; ++p) {
    const std::string plan = "plan-" + std::to_string(p);
    auto c = base(plan, schemas::Role::kSupervisor, "office");
    c.body = BenchPlan(p, a.tasks, a.units, 2021, "10月底前", "2021-10-31");
    cmds.push_back(std::move(c));
    expected_events += 1 + a.tasks + a.tasks * a.units;
  }
  for (int p = 0; p < a.plans; ++p)
    for (int t = 1; t <= a.tasks; ++t)
      for (int u = 0; u < a.units; ++u) {
        auto c = base("plan-" + std::to_string(p), schemas::Role::kUnit, Unit(u));
        c.body = schemas::Accept{t, Unit(u)};
        cmds.push_back(std::move(c));
        ++expected_events;
      }
  // Progress reports round-robin over all assignments until the target.
  for (uint64_t i = 0; expected_events < a.events; ++i, ++expected_events) {
    const int idx = static_cast<int>(i % assignments);
    const int p = idx / (a.tasks * a.units), t = idx / a.units % a.tasks + 1, u = idx % a.units;
    auto c = base("plan-" + std::to_string(p), schemas::Role::kUnit, Unit(u));
    c.body = schemas::ReportProgress{
        t, Unit(u), static_cast<int32_t>(i % 101), "已完成阶段性工作，正在推进下一步", "", "联络员", "0751-8888000"};
    cmds.push_back(std::move(c));
  }

  // ---- ingest ----
  std::vector<std::vector<schemas::Command>> chunks;
  for (size_t i = 0; i < cmds.size(); i += a.batch)
    chunks.emplace_back(cmds.begin() + i, cmds.begin() + std::min(cmds.size(), i + a.batch));
  const bench::WriteStats before_ingest = bench::EngineWriteStats(engine);
  std::vector<std::string> ingest_batches;  // exactly what ingest wrote, for the raw replay
  bench::SetWriteObserver(engine, [&](std::string_view rep) { ingest_batches.emplace_back(rep); });
  const auto t0 = Clock::now();
  uint64_t events = 0;
  for (const auto& chunk : chunks) {
    for (const auto& o : engine.SubmitBatch(chunk)) {
      if (!o.status.ok()) {
        std::fprintf(stderr, "command %s: %s\n", o.command_id.c_str(), o.status.ToString().c_str());
        return 1;
      }
      events += o.events.size();
    }
  }
  const auto t1 = Clock::now();
  const double ingest_eps = events / Seconds(t0, t1);
  bench::SetWriteObserver(engine, nullptr);
  const uint64_t ingest_keys = bench::EngineWriteStats(engine).keys - before_ingest.keys;
  const uint64_t ingest_bytes = bench::EngineWriteStats(engine).bytes - before_ingest.bytes;
  std::printf("ingest:  %llu events from %zu commands in %.2f s = %.0f events/s\n",
              static_cast<unsigned long long>(events), cmds.size(), Seconds(t0, t1), ingest_eps);

  // ---- durable ingest: fsync before acknowledging (EngineOptions::sync) ----
  // The same command stream from its start into a fresh store, for at most
  // kSyncEvents events in the same batches (one fsync per batch: the group
  // commit that `duban engine` and a server get by batching), then
  // kSyncSingles commands one per commit (one fsync each, as one CLI command).
  double sync_ingest_eps = 0, sync_single_cps = 0;
  {
    constexpr uint64_t kSyncEvents = 100'000;
    constexpr size_t kSyncSingles = 1000;
    EngineOptions so = eo;
    so.data_dir = root + "/sync";
    so.sync = true;
    auto synced = Engine::Open(so);
    if (!synced.ok()) {
      std::fprintf(stderr, "open: %s\n", synced.status().ToString().c_str());
      return 1;
    }
    uint64_t sync_events = 0;
    size_t next = 0;  // first command not yet submitted
    const auto s0 = Clock::now();
    for (size_t c = 0; c < chunks.size() && sync_events < kSyncEvents; ++c) {
      for (const auto& o : (*synced)->SubmitBatch(chunks[c])) sync_events += o.events.size();
      next += chunks[c].size();
    }
    const auto s1 = Clock::now();
    sync_ingest_eps = sync_events / Seconds(s0, s1);
    size_t singles = 0;
    for (; singles < kSyncSingles && next < cmds.size(); ++singles, ++next) (*synced)->Submit(cmds[next]);
    const auto s2 = Clock::now();
    sync_single_cps = singles / Seconds(s1, s2);
    std::printf(
        "durable ingest (fsync per commit): %llu events in batches of %d: %.0f events/s (%.2f of ingest); "
        "%zu commands one per commit: %.0f commands/s, %.1f ms each\n",
        static_cast<unsigned long long>(sync_events), a.batch, sync_ingest_eps, sync_ingest_eps / ingest_eps, singles,
        sync_single_cps, 1000.0 / sync_single_cps);
  }

  // The log's bytes, for the raw comparison: the framed encoding of every event.
  uint64_t log_bytes = 0;
  std::vector<std::string> sample_values;
  Status scanned = engine.ScanLog(1, [&](uint64_t, const schemas::Event& e) {
    std::string framed = FrameRecord(schemas::EncodeEvent(e));
    log_bytes += framed.size();
    if (sample_values.size() < 4096) sample_values.push_back(std::move(framed));
    return true;
  });
  if (!scanned.ok()) return 1;

  // ---- rebuild ----
  const auto r0 = Clock::now();
  if (Status st = engine.Rebuild(); !st.ok()) {
    std::fprintf(stderr, "rebuild: %s\n", st.ToString().c_str());
    return 1;
  }
  const auto r1 = Clock::now();
  const double rebuild_eps = (engine.LogEnd() - 1) / Seconds(r0, r1);
  std::printf("rebuild: %llu events in %.2f s = %.0f events/s\n", static_cast<unsigned long long>(engine.LogEnd() - 1),
              Seconds(r0, r1), rebuild_eps);

  // ---- queries (after a warm-up round that is not measured) ----
  std::mt19937 rng(7);
  std::vector<double> status_us, history_us;
  size_t rows = 0, hist = 0;
  for (int q = -a.queries / 5; q < a.queries; ++q) {
    if (q == 0) {
      status_us.clear();
      history_us.clear();
      rows = hist = 0;
    }
    const std::string plan = "plan-" + std::to_string(rng() % a.plans);
    StatusFilter f;
    f.plan_id = plan;
    f.unit = Unit(rng() % a.units);
    auto q0 = Clock::now();
    auto r = engine.Assignments(f);
    auto q1 = Clock::now();
    if (!r.ok()) return 1;
    rows += r->size();
    status_us.push_back(Seconds(q0, q1) * 1e6);
    const int task = 1 + rng() % a.tasks;
    auto h0 = Clock::now();
    auto h = engine.History(plan, task);
    auto h1 = Clock::now();
    if (!h.ok()) return 1;
    hist += h->size();
    history_us.push_back(Seconds(h0, h1) * 1e6);
  }
  std::printf("status  (one unit in one plan, %zu rows avg): p50 %.0f us, p99 %.0f us\n", rows / a.queries,
              Percentile(status_us, 0.5), Percentile(status_us, 0.99));
  std::printf("history (one task, %zu events avg): p50 %.0f us, p99 %.0f us\n", hist / a.queries,
              Percentile(history_us, 0.5), Percentile(history_us, 0.99));

  // ---- raw RocksDB, same keys and bytes ----
  // The raw loop writes exactly the WriteBatches the ingest committed — the
  // same keys in the same column families, the same values, the same batch
  // boundaries, the same RocksDB options — with none of the engine's work.
  // Its time is RocksDB's own share of ingest; the ratio is what the engine
  // keeps of it. A second, kinder baseline (the same number of keys and bytes
  // in one column family, keys in order) is printed for comparison.
  opened.value().reset();
  auto raw_secs = bench::TimeRawWrites(root + "/raw", ingest_batches);
  if (!raw_secs.ok()) {
    std::fprintf(stderr, "raw: %s\n", raw_secs.status().ToString().c_str());
    return 1;
  }
  const double raw_eps = events / *raw_secs;
  std::printf(
      "raw RocksDB WriteBatch loop: the ingest's own %zu batches, %llu keys, %.1f MB, replayed in %.2f s; "
      "as events/s: %.0f\n",
      ingest_batches.size(), static_cast<unsigned long long>(ingest_keys), ingest_bytes / 1e6, *raw_secs, raw_eps);
  ingest_batches.clear();
  ingest_batches.shrink_to_fit();
  {
    rocksdb::DB* seq = nullptr;
    rocksdb::Options so;
    so.create_if_missing = true;
    so.write_buffer_size = eo.write_buffer_mb << 20;
    so.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
    if (!rocksdb::DB::Open(so, root + "/raw-seq", &seq).ok()) return 1;
    const uint64_t per_batch = std::max<uint64_t>(1, ingest_keys / std::max<size_t>(1, chunks.size()));
    const uint64_t value_size = std::max<uint64_t>(8, ingest_bytes / std::max<uint64_t>(1, ingest_keys) - 16);
    std::string value;
    for (const auto& v : sample_values) value += v;
    while (value.size() < value_size * 2) value += value.empty() ? std::string("x") : value;
    const auto w0 = Clock::now();
    for (uint64_t i = 0; i < ingest_keys;) {
      rocksdb::WriteBatch wb;
      for (uint64_t k = 0; k < per_batch && i < ingest_keys; ++k, ++i) {
        std::string key;
        PutFixed64BE(&key, i);
        wb.Put(key, rocksdb::Slice(value.data() + (i * 131) % (value.size() - value_size), value_size));
      }
      if (!seq->Write(rocksdb::WriteOptions(), &wb).ok()) return 1;
    }
    const double secs = Seconds(w0, Clock::now());
    delete seq;
    std::printf(
        "kinder baseline (same key count and bytes, one column family, keys in order): %.2f s; "
        "ingest ratio against it %.3f\n",
        secs, ingest_eps / (events / secs));
  }
  std::printf("(the log alone: %.1f MB, %.2f keys written per event)\n", log_bytes / 1e6,
              static_cast<double>(ingest_keys) / events);
  std::filesystem::remove_all(root);
  const double ingest_ratio = ingest_eps / raw_eps, rebuild_ratio = rebuild_eps / raw_eps;
  std::printf("targets: ingest_ratio >= 0.3 (%s), rebuild_ratio >= 0.5 (%s), status and history p99 < 1000 us (%s)\n",
              ingest_ratio >= 0.3 ? "met" : "MISSED", rebuild_ratio >= 0.5 ? "met" : "MISSED",
              Percentile(status_us, 0.99) < 1000 && Percentile(history_us, 0.99) < 1000 ? "met" : "MISSED");
  std::printf(
      "ingest_eps=%.0f sync_ingest_eps=%.0f sync_single_cps=%.0f rebuild_eps=%.0f raw_eps=%.0f "
      "ingest_ratio=%.3f rebuild_ratio=%.3f status_p99_us=%.0f history_p99_us=%.0f\n",
      ingest_eps, sync_ingest_eps, sync_single_cps, rebuild_eps, raw_eps, ingest_ratio, rebuild_ratio,
      Percentile(status_us, 0.99), Percentile(history_us, 0.99));
  return 0;
}

}  // namespace
}  // namespace duban::bench

DUBAN_REGISTER_BENCH("core", "ingest, rebuild and query the embedded engine vs a raw RocksDB loop",
                     duban::bench::RunCore);
