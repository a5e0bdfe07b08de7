#include "bench_kafka_eos.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_usage.h"
#include "duban/kafka/consumer.h"
#include "duban/kafka/producer.h"

namespace duban::bench {
namespace {

using Clock = std::chrono::steady_clock;
using kafka::Consumer;
using kafka::KafkaConfig;
using kafka::Message;
using kafka::Producer;
using kafka::TopicPartition;

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

constexpr int kTxnTimeoutMs = 60'000;  // as the engine's default transaction_timeout_ms

struct EosTopics {
  std::string in, out;
};

// The input: keys and values as the raw run's.
bool ProduceInput(const KafkaConfig& cfg, const EosParams& p, const std::string& topic) {
  auto producer = Producer::Create(cfg);
  if (!producer.ok()) return false;
  std::string value(static_cast<size_t>(p.size), 'v');
  char key[32];
  for (int i = 0; i < p.messages; ++i) {
    std::snprintf(key, sizeof key, "plan-%d", i % 1000);
    std::memcpy(value.data(), &i, sizeof i);
    if (!(*producer)->Produce(topic, key, value).ok()) return false;
  }
  auto failures = (*producer)->Flush(120000);
  return failures.ok() && failures->empty();
}

// One transactional producer per partition, set up as the engine sets up
// its own (FencePreviousOwner), and each one's first transaction done.
std::vector<std::unique_ptr<Producer>> TransactionalProducers(const KafkaConfig& cfg, const EosParams& p,
                                                              const EosTopics& t, const Consumer& group, int round) {
  std::vector<std::unique_ptr<Producer>> tx;
  for (int32_t part = 0; part < p.partitions; ++part) {
    KafkaConfig pc = cfg;
    pc.client_id = "duban-bench-eos-p" + std::to_string(part);
    pc.message_timeout_ms = kTxnTimeoutMs;
    pc.extra["transactional.id"] = "bench-eos-" + std::to_string(round) + "-p" + std::to_string(part);
    pc.extra["transaction.timeout.ms"] = std::to_string(kTxnTimeoutMs);
    pc.extra["linger.ms"] = "5";
    auto prod = Producer::Create(pc);
    if (!prod.ok() || !(*prod)->InitTransactions(kTxnTimeoutMs).ok()) return {};
    Producer& pr = **prod;
    if (!pr.BeginTransaction().ok() || !pr.Produce(t.out, "warmup", "x", {}, part).ok() ||
        !pr.SendOffsetsToTransaction({TopicPartition{t.in, part, 0}}, group, kTxnTimeoutMs).ok() ||
        !pr.CommitTransaction(kTxnTimeoutMs).ok())
      return {};
    tx.push_back(std::move(*prod));
  }
  return tx;
}

// Copies one partition's messages of a poll in one transaction.
bool CopyInTransaction(Producer& tx, const Consumer& group, const EosTopics& t, int32_t part,
                       const std::vector<const Message*>& msgs) {
  if (!tx.BeginTransaction().ok()) return false;
  for (const Message* m : msgs)
    if (!tx.Produce(t.out, m->key, m->value, {}, part).ok()) return false;
  return tx.SendOffsetsToTransaction({TopicPartition{t.in, part, msgs.back()->offset + 1}}, group, kTxnTimeoutMs)
             .ok() &&
         tx.CommitTransaction(kTxnTimeoutMs).ok();
}

// A read_committed reader of `topic` from its current end (after the
// warm-up transactions).
std::unique_ptr<Consumer> OpenCopyReader(const KafkaConfig& cfg, const std::string& topic, int partitions) {
  auto reader = Consumer::Create(ReaderConfig(cfg), "");
  if (!reader.ok()) return nullptr;
  std::vector<TopicPartition> tps;
  for (int i = 0; i < partitions; ++i) {
    auto wm = (*reader)->Watermarks(topic, i, 10000);
    if (!wm.ok()) return nullptr;
    tps.push_back(TopicPartition{topic, i, wm->second});
  }
  if (!(*reader)->Assign(tps).ok()) return nullptr;
  (*reader)->SkipHeaders();
  return std::move(*reader);
}

// Counts what `reader` reads until `expected` arrived or none came for 60 s.
int64_t CountCopies(Consumer& reader, int64_t expected) {
  int64_t got = 0;
  auto last = Clock::now();
  while (got < expected && Seconds(last, Clock::now()) < 60) {
    auto msgs = reader.Poll(200, 10000);
    if (!msgs.ok()) return -1;
    if (!msgs->empty()) last = Clock::now();
    got += static_cast<int64_t>(msgs->size());
  }
  return got;
}

// Joins the group and waits until it owns every partition of `topic`,
// reading each from its beginning (the input is produced after this).
std::unique_ptr<Consumer> JoinGroup(const KafkaConfig& cfg, const std::string& topic, int partitions, int round) {
  auto group = Consumer::Create(cfg, "bench-eos-" + std::to_string(round));
  if (!group.ok()) return nullptr;
  auto from_start = [](kafka::RebalanceKind kind, std::vector<TopicPartition>& parts) {
    if (kind == kafka::RebalanceKind::kAssigned)
      for (auto& tp : parts) tp.offset = kafka::kOffsetBeginning;
  };
  if (!(*group)->Subscribe({topic}, from_start).ok()) return nullptr;
  const auto t = Clock::now();
  while (Seconds(t, Clock::now()) < 60) {
    auto a = (*group)->Assignment();
    if (a.ok() && static_cast<int>(a->size()) == partitions) return std::move(*group);
    auto msgs = (*group)->Poll(20, 1);  // serves the rebalance
    if (!msgs.ok() || !msgs->empty()) return nullptr;
  }
  return nullptr;
}

// Copies one poll's messages, each partition's in a transaction of its own,
// the partitions on p.threads threads. False if a transaction failed.
bool CopyPoll(const Consumer& group, std::vector<std::unique_ptr<Producer>>& tx, const EosTopics& t, const EosParams& p,
              const std::vector<Message>& msgs, int64_t* transactions) {
  std::map<int32_t, std::vector<const Message*>> by_partition;
  for (const auto& m : msgs) by_partition[m.partition].push_back(&m);
  std::vector<std::pair<int32_t, const std::vector<const Message*>*>> work;
  work.reserve(by_partition.size());
  for (const auto& [part, list] : by_partition) work.emplace_back(part, &list);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < std::min<int>(p.threads, static_cast<int>(work.size())); ++i)
    threads.emplace_back([&] {
      for (size_t w; (w = next.fetch_add(1)) < work.size();)
        if (!CopyInTransaction(*tx[static_cast<size_t>(work[w].first)], group, t, work[w].first, *work[w].second))
          failed = true;
    });
  for (auto& th : threads) th.join();
  *transactions += static_cast<int64_t>(work.size());
  return !failed;
}

// Copies every input message; returns the number of transactions, or
// nullopt if one failed.
std::optional<int64_t> CopyAll(Consumer& group, std::vector<std::unique_ptr<Producer>>& tx, const EosTopics& t,
                               const EosParams& p) {
  int64_t consumed = 0, transactions = 0;
  while (consumed < p.messages) {
    auto msgs = group.Poll(5, 20000);
    if (!msgs.ok()) return std::nullopt;
    if (!CopyPoll(group, tx, t, p, *msgs, &transactions)) return std::nullopt;
    consumed += static_cast<int64_t>(msgs->size());
  }
  return transactions;
}

}  // namespace

std::optional<double> RunEos(const EosParams& p, const KafkaConfig& base, BenchBroker& broker, int round) {
  KafkaConfig cfg = base;
  cfg.session_timeout_ms = 3000;
  const EosTopics t{"bench.eos.in." + std::to_string(round), "bench.eos.out." + std::to_string(round)};
  auto fail = [](const char* what) -> std::optional<double> {
    std::fprintf(stderr, "eos: %s\n", what);
    return std::nullopt;
  };
  for (const auto& topic : {t.in, t.out})
    if (!broker.CreateTopic(topic, p.partitions).ok()) return fail("cannot create the topics");
  std::unique_ptr<Consumer> group = JoinGroup(cfg, t.in, p.partitions, round);
  if (!group) return fail("the group did not get every partition within 60 s");
  std::vector<std::unique_ptr<Producer>> tx = TransactionalProducers(cfg, p, t, *group, round);
  if (tx.size() != static_cast<size_t>(p.partitions)) return fail("cannot set up the transactional producers");
  std::unique_ptr<Consumer> reader = OpenCopyReader(cfg, t.out, p.partitions);
  if (!reader) return fail("cannot open the reader");

  // As in e2e, the input is produced while the clock runs.
  std::atomic<int64_t> copies{-1};
  std::atomic<bool> produced{false};
  const SelfUsage self0 = Self();
  const double broker_cpu0 = ProcessCpuSeconds(broker.pid());
  const auto t0 = Clock::now();
  std::thread input([&] { produced = ProduceInput(cfg, p, t.in); });
  Clock::time_point t_read;
  std::thread counter([&] {
    copies = CountCopies(*reader, p.messages);
    t_read = Clock::now();
  });
  const std::optional<int64_t> transactions = CopyAll(*group, tx, t, p);
  input.join();
  counter.join();
  if (!produced) return fail("cannot produce the input");
  if (!transactions) return fail("a transaction failed");
  if (copies != p.messages) {
    std::fprintf(stderr, "eos: the reader saw %lld of %d copies\n", static_cast<long long>(copies.load()), p.messages);
    return std::nullopt;
  }
  const double s = Seconds(t0, t_read);
  // As e2e's CPU line: what the same Kafka traffic costs without the engine.
  const double cpu = Self().cpu_s - self0.cpu_s, broker_cpu = ProcessCpuSeconds(broker.pid()) - broker_cpu0;
  std::printf(
      "eos (consume, copy in a transaction per partition per poll with its offsets, read_committed): "
      "%.0f msg/s (%.2f s, %lld transactions); CPU: this process %.2f s, %s broker %.2f s\n",
      p.messages / s, s, static_cast<long long>(*transactions), cpu, broker.name(), broker_cpu);
  return p.messages / s;
}

}  // namespace duban::bench
