#include "bench_kafka_e2e.h"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_kafka_load.h"
#include "bench_usage.h"
#include "duban/coding.h"
#include "duban/kafka/consumer.h"
#include "duban/kafka/kafka_engine.h"
#include "duban/kafka/producer.h"
#include "duban/schemas/codec.h"

namespace duban::bench {
namespace {

using Clock = std::chrono::steady_clock;
using kafka::Consumer;
using kafka::KafkaConfig;
using kafka::Producer;
using kafka::TopicPartition;

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

// Events are bigger than commands (envelope, hashes): on the dev broker,
// enough partitions that none passes ~4 MiB of the mock's 5 MiB cap.
int E2ePartitions(const E2eParams& p, const BenchBroker& broker) {
  return broker.capped()
             ? std::max(p.partitions, static_cast<int>(p.messages * (p.size + 400.0) / (4.0 * 1024 * 1024)) + 1)
             : p.partitions;
}

// The round's own topics, `partitions` each.
KafkaConfig E2eConfig(const KafkaConfig& base, int round, int partitions) {
  KafkaConfig cfg = base;
  // Names of at most 15 bytes, as the defaults (duban.commands,
  // duban.events): a consumer copies each message's topic name into a
  // std::string, which allocates for longer names.
  cfg.commands_topic = "bench.cmds." + std::to_string(round);
  cfg.events_topic = "bench.events." + std::to_string(round);
  cfg.session_timeout_ms = 3000;
  cfg.partitions = partitions;
  return cfg;
}

bool CreateE2eTopics(BenchBroker& broker, const KafkaConfig& cfg) {
  for (const auto& t : {cfg.commands_topic, cfg.events_topic}) {
    if (Status st = broker.CreateTopic(t, cfg.partitions); !st.ok()) {
      std::fprintf(stderr, "e2e: create %s: %s\n", t.c_str(), st.ToString().c_str());
      return false;
    }
  }
  return true;
}

std::string E2eStoreDir(int round) {
  return (std::filesystem::temp_directory_path() /
          ("duban-bench-kafka-" + std::to_string(getpid()) + "-" + std::to_string(round)))
      .string();
}

kafka::KafkaEngineOptions E2eEngineOptions(const KafkaConfig& cfg, const std::string& dir, int round) {
  kafka::KafkaEngineOptions eo;
  eo.kafka = cfg;
  eo.kafka.client_id = "duban-bench-engine";
  eo.data_dir = dir;
  eo.group = "bench-engine-" + std::to_string(round);
  eo.max_batch = 20000;
  // Commands in, events out: no timer ticks (the load's 2021 deadlines are
  // past on the system clock), as before the engine had them.
  eo.tick_interval_ms = 0;
  return eo;
}

// KafkaEngine::Run on a thread of its own, as in `duban engine`. Stop() must
// come before the engine is read or destroyed; the destructor stops it too,
// as a joinable thread must not be destroyed.
class EngineThread {
 public:
  explicit EngineThread(kafka::KafkaEngine& engine)
      : thread_([this, &engine] {
          pthread_setname_np(pthread_self(), "engine-run");
          status_ = engine.Run(stop_);
        }) {}
  ~EngineThread() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  const Status& status() const { return status_; }  // Run's, once stopped

 private:
  std::atomic<bool> stop_{false};
  Status status_;
  std::thread thread_;
};

// A reader of the events topic from its current end.
Result<std::unique_ptr<Consumer>> OpenEventReader(const KafkaConfig& cfg) {
  auto reader = Consumer::Create(ReaderConfig(cfg), "");
  if (!reader.ok()) return reader.status();
  std::vector<TopicPartition> tps;
  for (int i = 0; i < cfg.partitions; ++i) {
    auto wm = (*reader)->Watermarks(cfg.events_topic, i, 10000);
    tps.push_back(TopicPartition{cfg.events_topic, i, wm.ok() ? wm->second : kafka::kOffsetBeginning});
  }
  (void)(*reader)->Assign(tps);
  return reader;
}

// Before the clock starts, the engine joins the group and owns every
// partition, and decides a command on each. On a real broker a partition's
// first transaction takes about a second (its producer id and the
// coordinator's first AddPartitions: 0.6-1.3 s measured, against 10-80 ms
// for later ones); a running engine pays that once per assignment, so it is
// not part of its rate. One command per partition, all at once.
Status WarmUpEngine(const KafkaConfig& cfg, Instant now) {
  std::vector<std::future<Result<Outcome>>> outs;
  for (int32_t p = 0; p < cfg.partitions; ++p) {
    const schemas::Command c = WarmupCommand("warmup-" + std::to_string(p), now, WarmupPlanOn(p, cfg.partitions));
    outs.push_back(std::async(std::launch::async, [&cfg, c] { return kafka::SubmitViaKafka(cfg, c, 60000); }));
  }
  Status first;
  for (auto& f : outs)
    if (auto out = f.get(); !out.ok() && first.ok()) first = out.status();
  return first;
}

// As the raw run does, so that the command producer's connection and
// producer id (about a second on the dev broker) are not timed. The engine
// rejects this command (no such plan); the reader ignores it.
Status WarmUpProducer(Producer& producer, const KafkaConfig& cfg, Instant now) {
  const schemas::Command c = WarmupCommand("warmup-producer", now);
  auto delivered = producer.ProduceAsync(cfg.commands_topic, c.plan_id, kafka::CommandRecord(c)).get();
  return delivered.ok() ? Status::Ok() : delivered.status();
}

// Reads until `expected` distinct events of the load arrived, or none came
// for 60 s; returns how many did.
size_t CountDistinctEvents(Consumer& reader, uint64_t expected) {
  reader.SkipHeaders();  // counting distinct events needs none
  DistinctEvents seen(expected);
  auto last = Clock::now();
  while (seen.size() < expected && Seconds(last, Clock::now()) < 60) {
    auto msgs = reader.Poll(200, 10000);
    if (!msgs.ok()) break;
    if (!msgs->empty()) last = Clock::now();
    for (const auto& m : *msgs) {
      std::string_view payload;
      size_t consumed = 0;
      if (!UnframeRecord(m.value, &payload, &consumed).ok()) continue;
      // The envelope is enough to count distinct events (the engine's
      // tests check their bodies); a full decode here would take CPU the
      // engine and the broker share on a small machine.
      auto ev = schemas::DecodeEventHead(payload);
      if (!ev.ok() || ev->command_id.rfind("e2e-", 0) != 0) continue;
      seen.Add(ev->event_id);
    }
  }
  return seen.size();
}

// What the timed part of a round measured: from the first command produced
// to the last distinct event read.
struct E2ePass {
  double seconds = 0;
  size_t distinct = 0;
  double cpu = 0, broker_cpu = 0;  // this process's and the broker's
  long faults = 0;                 // this process's minor page faults
};

E2ePass ProduceAndCount(const KafkaConfig& cfg, Producer& producer, Consumer& reader, const E2eLoad& load,
                        pid_t broker_pid) {
  const SelfUsage self0 = Self();
  const double broker_cpu0 = ProcessCpuSeconds(broker_pid);
  const auto t0 = Clock::now();
  std::thread produce([&] {
    pthread_setname_np(pthread_self(), "bench-produce");
    for (const auto& [key, value] : load.records) (void)producer.Produce(cfg.commands_topic, key, value);
    (void)producer.Flush(120000);
  });
  E2ePass pass;
  pass.distinct = CountDistinctEvents(reader, load.expected_events);
  const auto t1 = Clock::now();
  const SelfUsage self1 = Self();
  pass.seconds = Seconds(t0, t1);
  pass.cpu = self1.cpu_s - self0.cpu_s;
  pass.broker_cpu = ProcessCpuSeconds(broker_pid) - broker_cpu0;
  pass.faults = self1.minor_faults - self0.minor_faults;
  produce.join();
  return pass;
}

struct E2eFigures {
  int partitions = 0;
  uint64_t expected_events = 0;
  E2ePass pass;
  kafka::KafkaEngineStats engine;
};

void PrintE2eFigures(const E2eParams& p, const E2eFigures& f, const char* broker_name) {
  const E2ePass& pass = f.pass;
  const kafka::KafkaEngineStats& st = f.engine;
  std::printf(
      "e2e: %d commands (~%d B each) -> %llu events over %d partitions in %.2f s; engine decided %llu, "
      "produced %llu; reader saw %zu distinct events\n",
      p.messages, p.size, (unsigned long long)f.expected_events, f.partitions, pass.seconds,
      (unsigned long long)st.commands, (unsigned long long)st.produced, pass.distinct);
  // Where the machine went: this process holds the engine (deciding threads,
  // RocksDB), its and the bench's librdkafka clients and the reader.
  const long cores = std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
  std::printf(
      "e2e CPU: this process %.2f s, %s broker %.2f s, of %.2f s wall x %ld cores (%.0f%% busy); %ld minor "
      "page faults in this process\n",
      pass.cpu, broker_name, pass.broker_cpu, pass.seconds, cores,
      100 * (pass.cpu + pass.broker_cpu) / (pass.seconds * static_cast<double>(cores)), pass.faults);
  std::printf(
      "engine: %llu polls; its loop spent %.2f s fetching, %.2f s waiting for deciding, %.2f s waiting for "
      "deliveries; workers decided for %.2f s\n",
      (unsigned long long)st.polls, st.fetch_seconds, st.decide_wait_seconds, st.delivery_wait_seconds,
      st.decide_seconds);
}

}  // namespace

std::optional<double> RunEndToEnd(const E2eParams& p, const KafkaConfig& base, BenchBroker& broker, int round) {
  const KafkaConfig cfg = E2eConfig(base, round, E2ePartitions(p, broker));
  if (!CreateE2eTopics(broker, cfg)) return std::nullopt;
  const E2eLoad load = BuildE2eLoad(p.messages, p.size, cfg.partitions);
  const std::string dir = E2eStoreDir(round);
  std::filesystem::remove_all(dir);
  auto engine = kafka::KafkaEngine::Create(E2eEngineOptions(cfg, dir, round));
  if (!engine.ok()) {
    std::fprintf(stderr, "e2e: %s\n", engine.status().ToString().c_str());
    return std::nullopt;
  }
  EngineThread running(**engine);
  if (Status st = WarmUpEngine(cfg, load.now); !st.ok()) {
    std::fprintf(stderr, "e2e warm-up: %s\n", st.ToString().c_str());
    running.Stop();
    return std::nullopt;
  }
  auto give_up = [&](const std::string& what) -> std::optional<double> {
    std::fprintf(stderr, "e2e: %s\n", what.c_str());
    running.Stop();
    std::filesystem::remove_all(dir);
    return std::nullopt;
  };
  auto reader = OpenEventReader(cfg);
  if (!reader.ok()) return give_up(reader.status().ToString());
  auto producer = Producer::Create(cfg);
  if (!producer.ok()) return give_up(producer.status().ToString());
  if (Status st = WarmUpProducer(**producer, cfg, load.now); !st.ok())
    return give_up("warm-up produce: " + st.ToString());
  E2eFigures f{
      cfg.partitions, load.expected_events, ProduceAndCount(cfg, **producer, **reader, load, broker.pid()), {}};
  running.Stop();
  f.engine = (*engine)->stats();
  std::filesystem::remove_all(dir);
  PrintE2eFigures(p, f, broker.name());
  if (f.pass.distinct < load.expected_events) {
    std::fprintf(stderr, "e2e: only %zu of %llu events arrived (%s)\n", f.pass.distinct,
                 (unsigned long long)load.expected_events, running.status().ToString().c_str());
    return std::nullopt;
  }
  return load.expected_events / f.pass.seconds;
}

}  // namespace duban::bench
