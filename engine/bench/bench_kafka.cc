// duban-bench kafka: throughput through `duban dev-broker` (started here as a
// child process from the same bin directory).
//   raw: librdkafka produce+consume of N messages of S bytes, pipelined (a
//        consumer reads while the producer writes); raw_eps = N / time from
//        the first produce to the last message consumed.
//   e2e: commands in, events out, projection applied, same N and S (phase 2
//        slot below; NA until the engine runs in Kafka mode).
// Options: --messages N (200000) --size S (300) --partitions P (4, raised so
//          that no partition exceeds the dev broker's 5 MiB cap)
//          --brokers B (1) --rebalance (also time group rebalances)
// Last line: e2e_eps=<n|NA> raw_eps=<n> ratio=<e2e/raw|NA>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "bench_registry.h"
#include "duban/kafka/consumer.h"
#include "duban/kafka/dev_broker_process.h"
#include "duban/kafka/producer.h"

namespace duban::bench {
namespace {

using Clock = std::chrono::steady_clock;
using kafka::Consumer;
using kafka::DevBrokerProcess;
using kafka::KafkaConfig;
using kafka::Producer;
using kafka::TopicPartition;

struct Params {
  int messages = 200000;
  int size = 300;
  int partitions = 4;
  int brokers = 1;
  bool rebalance = false;
};

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

std::vector<TopicPartition> AllFromBeginning(const std::string& topic, int partitions) {
  std::vector<TopicPartition> v;
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
std::optional<double> RunRaw(const Params& p, const KafkaConfig& cfg) {
  const std::string topic = "bench.raw";
  auto producer = Producer::Create(cfg);
  auto consumer = Consumer::Create(cfg, "");
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
  if (abort || consumed != p.messages) return std::nullopt;
  const double produce_s = Seconds(t0, t_produced);
  const double total_s = Seconds(t0, t_consumed);

  // Re-read everything with a fresh consumer: the consume-only rate.
  auto again = Consumer::Create(cfg, "");
  if (!again.ok() || !(*again)->Assign(AllFromBeginning(topic, p.partitions)).ok()) return std::nullopt;
  const auto t1 = Clock::now();
  int64_t reread = ConsumeN(**again, p.messages + 1, nullptr);
  const double consume_s = Seconds(t1, Clock::now());

  std::printf("raw produce (idempotent, acks=all, to flush): %.0f msg/s (%.2f s)\n", p.messages / produce_s,
              produce_s);
  std::printf("raw consume only (re-read, assign mode):      %.0f msg/s (%.2f s, %lld msgs)\n",
              reread / consume_s, consume_s, static_cast<long long>(reread));
  std::printf("raw produce+consume pipelined:                %.0f msg/s (%.2f s)\n", p.messages / total_s,
              total_s);
  std::printf("raw throughput: %.1f MB/s of values\n", p.messages * double(p.size) / total_s / 1e6);
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
  std::printf("rebalance (session.timeout.ms=%d): first member %.2f s, second joins %.2f s, "
              "first leaves %.2f s\n",
              cfg.session_timeout_ms, first, second, leave);
}

// ===================== PHASE 2 SLOT: end-to-end engine path =====================
// Push `p.messages` commands of about `p.size` bytes through the engine in
// Kafka mode against the dev broker at cfg.bootstrap (command produced to
// duban.commands -> decided -> events produced to duban.events -> projection
// applied) and return events/s, measured from the first command produced to
// the last projection update. Return nullopt while not implemented.
std::optional<double> RunEndToEnd(const Params& /*p*/, const KafkaConfig& /*cfg*/,
                                  DevBrokerProcess& /*broker*/) {
  return std::nullopt;
}
// ================================================================================

int Main(int argc, char** argv) {
  Params p;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&](int& out) {
      if (i + 1 >= argc) return false;
      out = std::atoi(argv[++i]);
      return out > 0;
    };
    bool ok = true;
    if (a == "--messages") ok = next(p.messages);
    else if (a == "--size") ok = next(p.size);
    else if (a == "--partitions") ok = next(p.partitions);
    else if (a == "--brokers") ok = next(p.brokers);
    else if (a == "--rebalance") p.rebalance = true;
    else ok = false;
    if (!ok) {
      std::fprintf(stderr,
                   "usage: duban-bench kafka [--messages N] [--size BYTES] [--partitions P] [--brokers 1..3] "
                   "[--rebalance]\n");
      return 2;
    }
  }
  if (p.size < 8) p.size = 8;
  // The mock keeps only the newest 5 MiB per partition (librdkafka 2.0.2),
  // and the consumer lags the producer: spread the run over enough
  // partitions that nothing is dropped before it is read (~4 MiB each).
  const double record = p.size + 40.0;  // value + key + record overhead
  const int needed = static_cast<int>(p.messages * record / (4.0 * 1024 * 1024)) + 1;
  if (p.partitions < needed) {
    std::printf("note: %d partitions instead of %d: the dev broker keeps only 5 MiB per partition\n", needed,
                p.partitions);
    p.partitions = needed;
  }
  spdlog::set_level(spdlog::level::warn);
  kafka::DevBrokerOptions bo;
  bo.brokers = p.brokers;
  bo.partitions = p.partitions;
  bo.topics = {"bench.raw:" + std::to_string(p.partitions)};
  auto broker = DevBrokerProcess::Spawn(DevBrokerProcess::SiblingExecutable("duban"), bo);
  if (!broker.ok()) {
    std::fprintf(stderr, "duban-bench kafka: %s\n", broker.status().ToString().c_str());
    return 1;
  }
  KafkaConfig cfg;
  cfg.bootstrap = (*broker)->bootstrap();
  cfg.client_id = "duban-bench";
  std::printf("dev broker: %s (%d broker(s)), %d messages x %d B, %d partitions\n", cfg.bootstrap.c_str(),
              p.brokers, p.messages, p.size, p.partitions);
  std::fflush(stdout);

  std::optional<double> raw = RunRaw(p, cfg);
  if (!raw) {
    std::fprintf(stderr, "duban-bench kafka: raw run failed\n");
    return 1;
  }
  if (p.rebalance) RunRebalance(p, cfg);
  std::optional<double> e2e = RunEndToEnd(p, cfg, **broker);
  if (e2e) std::printf("end to end (command in, event out, projection applied): %.0f events/s\n", *e2e);
  (void)(*broker)->Stop();
  if (e2e)
    std::printf("e2e_eps=%.0f raw_eps=%.0f ratio=%.3f\n", *e2e, *raw, *e2e / *raw);
  else
    std::printf("e2e_eps=NA raw_eps=%.0f ratio=NA\n", *raw);
  return 0;
}

}  // namespace

DUBAN_REGISTER_BENCH("kafka", "Kafka throughput through duban dev-broker (raw librdkafka vs engine)", Main);

}  // namespace duban::bench
