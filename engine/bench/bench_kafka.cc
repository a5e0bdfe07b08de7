// duban-bench kafka: throughput through a Kafka broker started here: `duban
// dev-broker` (librdkafka's mock, a child process from the same bin directory)
// and/or Apache Kafka itself (`--broker real`: one KRaft node started by
// ops/kafka/broker.sh, stopped at the end).
//   raw: librdkafka produce+consume of N messages of S bytes, pipelined (a
//        consumer reads while the producer writes); raw_eps = N / time from
//        the first produce to the last message consumed.
//   e2e: N commands of about S bytes produced to bench.cmds; a KafkaEngine
//        (in this process, own thread) decides them, commits events and
//        projections to RocksDB, produces the events to bench.events; a reader
//        counts distinct events. e2e_eps = events / time from the first
//        command produced to the last event read (after warm-ups: the engine
//        owns every partition and has decided a command on each, its first
//        transaction there included, and the command producer is connected,
//        as the raw producer is).
//   eos (a broker with transactions only): the engine's Kafka pattern with no
//        engine in it (bench_kafka_eos.h): N messages of S bytes produced
//        while a group member copies each poll's messages, per partition in
//        a transaction of that partition's producer with its offsets, and a
//        read_committed reader counts the copies. eos_ratio = e2e / eos:
//        what the engine adds to what exactly-once itself costs.
//   All readers wait at most 5 ms per fetch (ReaderConfig).
//   Rounds: raw then e2e, --rounds times (3), each on fresh topics and a
//        fresh engine store (on the real broker after one warm-up round, not
//        counted, while its JIT compiles); every round's figures are printed, and the last
//        line holds the median of each rate and their ratio (one run on this
//        2-core machine moves by +-20%, raw and e2e alike).
// Options: --messages N (200000) --size S (300) --partitions P (4, raised on
//          the dev broker so that no partition exceeds its 5 MiB cap)
//          --brokers B (1, dev broker) --rounds R (3) --rebalance (also time
//          group rebalances) --broker dev|real (dev; real also runs the dev
//          broker first, so both brokers' figures come from one run)
// Last line: e2e_eps=<median|NA> raw_eps=<median> ratio=<e2e/raw|NA> broker=<dev|real>
//            and on the real broker eos_eps=<median> eos_ratio=<e2e/eos>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <memory>

#include "bench_kafka_brokers.h"
#include "bench_kafka_e2e.h"
#include "bench_kafka_eos.h"
#include "bench_registry.h"
#include "bench_usage.h"
#include "duban/kafka/consumer.h"
#include "duban/kafka/dev_broker_process.h"
#include "duban/kafka/producer.h"
#include "duban/process_memory.h"

namespace duban::bench {
namespace {

using Clock = std::chrono::steady_clock;
using kafka::Consumer;
using kafka::DevBrokerProcess;
using kafka::KafkaConfig;
using kafka::Producer;
using kafka::TopicPartition;

struct Params {
  std::string broker = "dev";
  int messages = 200000;
  int size = 300;
  int partitions = 4;
  int brokers = 1;
  int rounds = 3;
  bool rebalance = false;
};

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

std::vector<TopicPartition> AllFromBeginning(const std::string& topic, int partitions) {
  std::vector<TopicPartition> v;
  v.reserve(static_cast<size_t>(partitions));
  for (int p = 0; p < partitions; ++p) v.push_back(TopicPartition{topic, p, kafka::kOffsetBeginning});
  return v;
}

// Reads until `n` messages arrived, or nothing arrived for 30 s (then says
// so on stderr); returns the count read.
int64_t ConsumeN(Consumer& c, int64_t n, std::atomic<bool>* abort) {
  int64_t got = 0;
  auto last_progress = Clock::now();
  while (got < n && !(abort && abort->load())) {
    auto msgs = c.Poll(100, 10000);
    if (!msgs.ok()) {
      std::fprintf(stderr, "consume: %s\n", msgs.status().ToString().c_str());
      return got;
    }
    if (!msgs->empty()) last_progress = Clock::now();
    if (Seconds(last_progress, Clock::now()) > 30) {
      std::fprintf(stderr, "consume: stalled at %lld of %lld messages\n", static_cast<long long>(got),
                   static_cast<long long>(n));
      return got;
    }
    got += static_cast<int64_t>(msgs->size());
  }
  return got;
}

// Raw librdkafka rate; returns raw_eps or nullopt on failure.
std::optional<double> RunRaw(const Params& p, const KafkaConfig& cfg, BenchBroker& broker, int round) {
  const std::string topic = "bench.raw." + std::to_string(round);
  if (Status st = broker.CreateTopic(topic, p.partitions); !st.ok()) {
    std::fprintf(stderr, "raw: create %s: %s\n", topic.c_str(), st.ToString().c_str());
    return std::nullopt;
  }
  auto producer = Producer::Create(cfg);
  auto consumer = Consumer::Create(ReaderConfig(cfg), "");
  if (!producer.ok() || !consumer.ok()) {
    std::fprintf(stderr, "raw: cannot create clients\n");
    return std::nullopt;
  }
  if (!(*consumer)->Assign(AllFromBeginning(topic, p.partitions)).ok()) return std::nullopt;
  // Warm up metadata and connections so they are not timed.
  if (!(*producer)->ProduceAsync(topic, "warmup", "x", {}, 0).get().ok()) {
    std::fprintf(stderr, "raw: warm-up produce failed\n");
    return std::nullopt;
  }
  if (ConsumeN(**consumer, 1, nullptr) != 1) return std::nullopt;

  std::string value(static_cast<size_t>(p.size), 'v');
  std::atomic<bool> abort{false};
  int64_t consumed = 0;
  Clock::time_point t_consumed;
  const SelfUsage self0 = Self();
  const double broker_cpu0 = ProcessCpuSeconds(broker.pid());
  const auto t0 = Clock::now();
  std::thread reader([&] {
    consumed = ConsumeN(**consumer, p.messages, &abort);
    t_consumed = Clock::now();
  });
  char key[32];
  for (int i = 0; i < p.messages; ++i) {
    std::snprintf(key, sizeof key, "plan-%d", i % 1000);
    std::memcpy(value.data(), &i, sizeof i);
    Status st = (*producer)->Produce(topic, key, value);
    if (!st.ok()) {
      std::fprintf(stderr, "raw: produce: %s\n", st.ToString().c_str());
      abort = true;
      break;
    }
  }
  auto failures = (*producer)->Flush(120000);
  const auto t_produced = Clock::now();
  if (!failures.ok() || !failures->empty()) {
    std::fprintf(stderr, "raw: %s\n",
                 failures.ok() ? (std::to_string(failures->size()) + " delivery failures").c_str()
                               : failures.status().ToString().c_str());
    abort = true;
  }
  reader.join();
  const SelfUsage self1 = Self();
  const double cpu = self1.cpu_s - self0.cpu_s, broker_cpu = ProcessCpuSeconds(broker.pid()) - broker_cpu0;
  const long faults = self1.minor_faults - self0.minor_faults;
  if (abort || consumed != p.messages) return std::nullopt;
  const double produce_s = Seconds(t0, t_produced);
  const double total_s = Seconds(t0, t_consumed);

  // Re-read everything with a fresh consumer: the consume-only rate.
  auto again = Consumer::Create(ReaderConfig(cfg), "");
  if (!again.ok() || !(*again)->Assign(AllFromBeginning(topic, p.partitions)).ok()) return std::nullopt;
  const auto t1 = Clock::now();
  int64_t reread = ConsumeN(**again, p.messages + 1, nullptr);
  const double consume_s = Seconds(t1, Clock::now());

  std::printf("raw produce (idempotent, acks=all, to flush): %.0f msg/s (%.2f s)\n", p.messages / produce_s, produce_s);
  std::printf("raw consume only (re-read, assign mode):      %.0f msg/s (%.2f s, %lld msgs)\n", reread / consume_s,
              consume_s, static_cast<long long>(reread));
  std::printf("raw produce+consume pipelined:                %.0f msg/s (%.2f s)\n", p.messages / total_s, total_s);
  std::printf("raw throughput: %.1f MB/s of values\n", p.messages * double(p.size) / total_s / 1e6);
  const long cores = std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
  std::printf(
      "raw CPU (to the last message consumed): this process %.2f s, %s broker %.2f s, of %.2f s wall x %ld "
      "cores; %ld minor page faults in this process\n",
      cpu, broker.name(), broker_cpu, total_s, cores, faults);
  return p.messages / total_s;
}

// How long a group takes to settle: one member alone, a second joining
// (2+2 split), then the first leaving (survivor takes all).
void RunRebalance(const Params& p, const KafkaConfig& cfg) {
  const std::string group = "bench-rebalance";
  auto a = Consumer::Create(cfg, group);
  auto b = Consumer::Create(cfg, group);
  if (!a.ok() || !b.ok()) return;
  auto assigned = [](Consumer& c) {
    auto v = c.Assignment();
    return v.ok() ? v->size() : 0u;
  };
  auto wait = [&](auto done) {
    const auto t = Clock::now();
    while (!done() && Seconds(t, Clock::now()) < 180) {
      (void)(*a)->Poll(50);
      (void)(*b)->Poll(50);
    }
    return Seconds(t, Clock::now());
  };
  const size_t parts = static_cast<size_t>(p.partitions);
  (void)(*a)->Subscribe({"duban.commands"});
  double first = wait([&] { return assigned(**a) == parts; });
  (void)(*b)->Subscribe({"duban.commands"});
  double second = wait([&] { return assigned(**b) > 0 && assigned(**a) + assigned(**b) == parts; });
  (void)(*a)->Close();
  const auto t = Clock::now();
  while (assigned(**b) != parts && Seconds(t, Clock::now()) < 180) (void)(*b)->Poll(50);
  double leave = Seconds(t, Clock::now());
  std::printf(
      "rebalance (session.timeout.ms=%d): first member %.2f s, second joins %.2f s, "
      "first leaves %.2f s\n",
      cfg.session_timeout_ms, first, second, leave);
}

struct Medians {
  bool ok = false;
  double e2e = 0, raw = 0;
  std::optional<double> eos;  // on a broker with real transactions
};

// The medians line: the fields, then the exactly-once baseline's.
void PrintMedians(const Medians& m, const char* broker) {
  std::printf("e2e_eps=%.0f raw_eps=%.0f ratio=%.3f broker=%s", m.e2e, m.raw, m.e2e / m.raw, broker);
  if (m.eos) std::printf(" eos_eps=%.0f eos_ratio=%.3f", *m.eos, m.e2e / *m.eos);
  std::printf("\n");
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// --rounds rounds of raw then e2e on one broker; prints each round and the
// medians line for that broker.
std::optional<Medians> RunRounds(Params p, BenchBroker& broker) {
  if (broker.capped()) {
    // The mock keeps only the newest 5 MiB per partition, and the consumer
    // lags the producer: spread the run over enough partitions that nothing
    // is dropped before it is read (~4 MiB each).
    const double record = p.size + 40.0;  // value + key + record overhead
    const int needed = static_cast<int>(p.messages * record / (4.0 * 1024 * 1024)) + 1;
    if (p.partitions < needed) {
      std::printf("note: %d partitions instead of %d: the dev broker keeps only 5 MiB per partition\n", needed,
                  p.partitions);
      p.partitions = needed;
    }
  }
  KafkaConfig cfg;
  cfg.bootstrap = broker.bootstrap();
  cfg.client_id = "duban-bench";
  std::printf("%s broker: %s, %d messages x %d B, %d partitions\n", broker.name(), cfg.bootstrap.c_str(), p.messages,
              p.size, p.partitions);
  std::fflush(stdout);
  std::vector<double> raws, e2es, eoss;
  if (broker.transactional()) {
    // Apache Kafka is a JVM started moments ago: its JIT compiles the hot
    // paths during the first hundred thousand messages or so (in one run,
    // the first round's raw rate was 131k msg/s and the second's 254k). One
    // round, not counted, first: the figures are a warm broker's, as in
    // production.
    std::printf("-- %s broker, warm-up round (not counted)\n", broker.name());
    std::fflush(stdout);
    // A failure here shows again in the rounds, which print the last line.
    if (!RunRaw(p, cfg, broker, 0) || !RunEndToEnd({p.messages, p.size, p.partitions}, cfg, broker, 0) ||
        !RunEos({p.messages, p.size, p.partitions}, cfg, broker, 0))
      std::fprintf(stderr, "duban-bench kafka: the warm-up round failed on the %s broker\n", broker.name());
  }
  for (int r = 1; r <= p.rounds; ++r) {
    std::printf("-- %s broker, round %d of %d\n", broker.name(), r, p.rounds);
    std::optional<double> raw = RunRaw(p, cfg, broker, r);
    if (!raw) {
      std::fprintf(stderr, "duban-bench kafka: raw run failed on the %s broker\n", broker.name());
      return std::nullopt;
    }
    raws.push_back(*raw);
    if (p.rebalance && r == 1) RunRebalance(p, cfg);
    std::optional<double> e2e = RunEndToEnd({p.messages, p.size, p.partitions}, cfg, broker, r);
    if (!e2e) {
      std::printf("e2e_eps=NA raw_eps=%.0f ratio=NA broker=%s\n", Median(raws), broker.name());
      return Medians{false, 0, Median(raws), std::nullopt};
    }
    e2es.push_back(*e2e);
    std::printf("end to end (command in, event out, projection applied): %.0f events/s\n", *e2e);
    std::optional<double> eos;
    if (broker.transactional()) {
      eos = RunEos({p.messages, p.size, p.partitions}, cfg, broker, r);
      if (!eos) return std::nullopt;
      eoss.push_back(*eos);
    }
    std::printf("round %d: e2e %.0f events/s, raw %.0f msg/s, ratio %.3f", r, *e2e, *raw, *e2e / *raw);
    if (eos) std::printf("; eos %.0f msg/s, e2e/eos %.3f", *eos, *e2e / *eos);
    std::printf("\n");
    std::fflush(stdout);
  }
  std::printf("medians of %d rounds on the %s broker:\n", p.rounds, broker.name());
  Medians m{true, Median(e2es), Median(raws), std::nullopt};
  if (!eoss.empty()) m.eos = Median(eoss);
  PrintMedians(m, broker.name());
  std::fflush(stdout);
  return m;
}

int Main(int argc, char** argv) {
  // The engine runs in this process, as in `duban engine`, with the same
  // process-wide memory settings (they apply to the raw run too).
  KeepFreedMemoryForReuse();
  Params p;
  CLI::App app{"duban-bench kafka: produce and consume through the dev broker, then a real one"};
  app.add_option("--messages", p.messages,
                 "messages a round (partitions are raised on the dev broker to stay under its 5 MiB cap)")
      ->check(CLI::Range(1, 1'000'000'000))
      ->capture_default_str();
  app.add_option("--size", p.size, "bytes a message (at least 8)")
      ->check(CLI::Range(1, 1'000'000'000))
      ->capture_default_str();
  app.add_option("--partitions", p.partitions, "partitions")
      ->check(CLI::Range(1, 1'000'000'000))
      ->capture_default_str();
  app.add_option("--brokers", p.brokers, "brokers")->check(CLI::Range(1, 3))->capture_default_str();
  app.add_option("--rounds", p.rounds, "rounds (the median is printed)")
      ->check(CLI::Range(1, 1'000'000'000))
      ->capture_default_str();
  app.add_flag("--rebalance", p.rebalance, "also time group rebalances");
  app.add_option("--broker", p.broker, "dev, or real (which runs the dev broker first)")
      ->check(CLI::IsMember({"dev", "real"}))
      ->capture_default_str();
  if (const std::optional<int> exit_code = ParseBenchOptions(app, argc, argv)) return *exit_code;
  if (p.size < 8) p.size = 8;
  spdlog::set_level(spdlog::level::warn);
  // The dev broker always runs (first), so a real run prints the mock's figures beside its own.
  std::optional<Medians> dev;
  {
    kafka::DevBrokerOptions bo;
    bo.brokers = p.brokers;
    bo.partitions = p.partitions;
    auto spawned = DevBrokerProcess::Spawn(DevBrokerProcess::SiblingExecutable("duban"), bo);
    if (!spawned.ok()) {
      std::fprintf(stderr, "duban-bench kafka: %s\n", spawned.status().ToString().c_str());
      return 1;
    }
    DevBenchBroker broker(std::move(*spawned));
    dev = RunRounds(p, broker);
  }
  if (!dev || !dev->ok) return 1;
  if (p.broker == "dev") return 0;
  auto started = RealBenchBroker::Start();
  if (!started.ok()) {
    std::fprintf(stderr, "duban-bench kafka: %s\n", started.status().ToString().c_str());
    return 1;
  }
  std::optional<Medians> real = RunRounds(p, **started);
  started->reset();
  if (!real || !real->ok) return 1;
  std::printf("dev broker: e2e_eps=%.0f raw_eps=%.0f ratio=%.3f\n", dev->e2e, dev->raw, dev->e2e / dev->raw);
  PrintMedians(*real, "real");
  return 0;
}

}  // namespace

DUBAN_REGISTER_BENCH(
    "kafka", "Kafka throughput through the dev broker and (--broker real) Apache Kafka: raw librdkafka vs engine",
    Main);

}  // namespace duban::bench
