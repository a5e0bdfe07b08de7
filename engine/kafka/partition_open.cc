// Partition ownership in Kafka mode: KafkaEngine::Impl::OpenPartition and
// what it takes (see kafka_engine_impl.h). An assigned partition's store is
// opened, the previous owner fenced (transactional mode), what was decided
// but not produced rebuilt from duban.events or produced again, and the
// store caught up from duban.events before a command is consumed.

#include <algorithm>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "duban/coding.h"
#include "duban/kafka/consumer.h"
#include "duban/kafka/producer.h"
#include "events_io.h"
#include "kafka_engine_impl.h"
#include "duban/log.h"

namespace duban::kafka {
namespace {

using internal::DecodeEventRecord;
using internal::HeaderValue;
using internal::MetaI64;
using internal::ToI64;

// Reads partition p of `topic` from `from` to its end (as seen now) and calls
// fn with batches of messages. Returns the next offset.
Result<int64_t> ReadToEnd(const KafkaConfig& cfg, const std::string& topic, int32_t p, int64_t from,
                          const std::function<Status(std::vector<Message>&)>& fn) {
  auto consumer = Consumer::Create(cfg, "");
  if (!consumer.ok()) return consumer.status();
  auto wm = (*consumer)->Watermarks(topic, p, 10000);
  if (!wm.ok()) return wm.status();
  const int64_t high = wm->second;
  if (from < 0) from = wm->first;
  if (from >= high) return from;
  if (Status st = (*consumer)->Assign({TopicPartition{topic, p, from}}); !st.ok()) return st;
  int64_t next = from;
  while (next < high) {
    auto msgs = (*consumer)->Poll(500, 2000);
    if (!msgs.ok()) return msgs.status();
    for (const auto& m : *msgs) next = std::max(next, m.offset + 1);
    if (!msgs->empty())
      if (Status st = fn(*msgs); !st.ok()) return st;
    // Transaction markers take offsets too and are never returned: the
    // consumer's position moves past them.
    next = std::max(next, (*consumer)->Position(topic, p));
  }
  return next;
}

// Whether `e` holds records at or past `produced_end` (a fresh store's
// LogEnd is past 0 with no record there, so the positions alone do not tell).
Result<bool> HoldsRecordsFrom(const Engine& e, int64_t produced_end) {
  bool tail = false;
  if (static_cast<uint64_t>(produced_end) < e.LogEnd())
    if (Status st = e.ScanLogRecords(produced_end, [&](uint64_t, std::string_view) { return !(tail = true); });
        !st.ok())
      return st;
  return tail;
}

// What catching a partition's store up from duban.events brought.
struct CatchUp {
  int64_t next = 0;       // the events offset read to
  int64_t max_src = -1;   // the highest source command offset of the events read
  uint64_t restored = 0;  // events appended to the store
};

// Applies duban.events partition p to `e` from its events.read to the end.
Result<CatchUp> CatchUpFromEvents(const KafkaConfig& cfg, int32_t p, Engine& e) {
  auto events_read = MetaI64(e, "events.read", kOffsetBeginning);
  if (!events_read.ok()) return events_read.status();
  CatchUp c;
  auto next = ReadToEnd(cfg, cfg.events_topic, p, *events_read, [&](std::vector<Message>& msgs) {
    std::vector<schemas::Event> batch;
    for (const auto& m : msgs) {
      auto ev = DecodeEventRecord(m.value);
      if (!ev.ok()) {
        log::Kafka().warn("{}[{}]@{}: undecodable event skipped: {}", m.topic, m.partition, m.offset,
                          ev.status().ToString());
        continue;
      }
      c.max_src = std::max(c.max_src, ToI64(HeaderValue(m.headers, kHeaderCmdOffset), -1));
      batch.push_back(std::move(*ev));
    }
    auto r = e.AppendExternal(batch, {{"events.read", std::to_string(msgs.back().offset + 1)}});
    if (!r.ok()) return r.status();
    c.restored += r->appended;
    return Status::Ok();
  });
  if (!next.ok()) return next.status();
  c.next = *next;
  return c;
}

}  // namespace

Status KafkaEngine::Impl::FencePreviousOwner(int32_t p) {
  KafkaConfig pc = o.kafka;
  pc.client_id = o.kafka.client_id + "-p" + std::to_string(p);
  pc.message_timeout_ms = o.transaction_timeout_ms;  // must not exceed the transaction's
  pc.extra["transactional.id"] = TransactionalId(p);
  pc.extra["transaction.timeout.ms"] = std::to_string(o.transaction_timeout_ms);
  if (!pc.extra.count("linger.ms")) pc.extra["linger.ms"] = "5";  // commit flushes anyway
  auto prod = Producer::Create(pc);
  if (!prod.ok()) return prod.status();
  TxnStatus t = (*prod)->InitTransactions(o.transaction_timeout_ms);
  if (!t.ok()) return Status::Unavailable("partition " + std::to_string(p) + ": " + t.status.ToString());
  txn[p] = std::move(*prod);
  return Status::Ok();
}

EngineOptions KafkaEngine::Impl::PartitionStoreOptions(int32_t p) const {
  EngineOptions eo;
  eo.data_dir = Dir(p);
  eo.rejected_stream = "!rejected/" + std::to_string(p);
  eo.write_buffer_mb = 8;
  eo.block_cache_mb = o.block_cache_mb;  // one size: the partitions share one cache
  // The partitions share one process's plan-state budget (a floor keeps a
  // few plans per partition when there are many partitions).
  eo.plan_cache_weight = std::max<uint64_t>(
      EngineOptions{}.plan_cache_weight / static_cast<uint64_t>(std::max(command_partitions, 1)), 20'000);
  eo.clock = o.clock;
  eo.time_rules = o.time_rules;
  return eo;
}

Result<std::unique_ptr<Engine>> KafkaEngine::Impl::ReopenDiscarding(int32_t p, const EngineOptions& eo,
                                                                    std::unique_ptr<Engine> store,
                                                                    int64_t produced_end) {
  const std::string discarded = Dir(p) + ".discarded";
  log::Kafka().warn(
      "partition {}: log positions {}..{} were decided here but never committed to {}; rebuilding "
      "the partition's store from {} (the old one is kept in {})",
      p, produced_end, store->LogEnd(), o.kafka.events_topic, o.kafka.events_topic, discarded);
  store.reset();
  std::error_code ec;
  std::filesystem::remove_all(discarded, ec);
  std::filesystem::rename(Dir(p), discarded, ec);
  if (ec) return Status::IOError("partition " + std::to_string(p) + ": moving the store aside: " + ec.message());
  auto opened = Engine::Open(eo, o.timers);
  if (!opened.ok()) return opened.status();
  ++stats.rebuilt;
  return opened;
}

Status KafkaEngine::Impl::ReproduceTail(int32_t p, Engine& e, int64_t produced_end, int64_t cmd_offset) {
  // Their source offset is at most the last command consumed.
  const int64_t src = std::max<int64_t>(cmd_offset - 1, 0);
  log::Kafka().info("partition {}: re-producing log positions {}..{}", p, produced_end, e.LogEnd());
  auto pending = Enqueue(p, e, produced_end, nullptr, nullptr, src, true, *producer);
  if (!pending.ok()) return pending.status();
  return Complete(*pending, &e);
}

Result<int64_t> KafkaEngine::Impl::OpenPartition(int32_t p) {
  std::filesystem::create_directories(o.data_dir);
  // First: fence the previous owner (its open transaction is aborted), so
  // what is read below is all there will be from it.
  if (transactional)
    if (Status st = FencePreviousOwner(p); !st.ok()) return st;
  const EngineOptions eo = PartitionStoreOptions(p);
  auto opened = Engine::Open(eo, o.timers);
  if (!opened.ok()) return opened.status();
  std::unique_ptr<Engine> store = std::move(*opened);
  auto stored_end = MetaI64(*store, "produced.end", 0);
  if (!stored_end.ok()) return stored_end.status();
  int64_t produced_end = *stored_end;
  auto tail = HoldsRecordsFrom(*store, produced_end);
  if (!tail.ok()) return tail.status();
  if (transactional && *tail) {
    // Decisions this store holds but no committed transaction carries (a
    // crash before the commit, or a fenced write): another owner may have
    // decided those commands differently meanwhile, so they are void. The
    // store is rebuilt from duban.events, and the commands are consumed
    // again after the last one whose events are there.
    auto rebuilt = ReopenDiscarding(p, eo, std::move(store), produced_end);
    if (!rebuilt.ok()) return rebuilt.status();
    store = std::move(*rebuilt);
    produced_end = 0;
  }
  Engine& e = *store;
  epoch[p] = ++openings;
  auto cmd_offset = MetaI64(e, OffsetKey(p), -1);
  if (!cmd_offset.ok()) return cmd_offset.status();
  // Not known to be in duban.events: produce again.
  if (!transactional && *tail)
    if (Status st = ReproduceTail(p, e, produced_end, *cmd_offset); !st.ok()) return st;
  // Catch up from duban.events (restores a missing or stale directory).
  auto caught = CatchUpFromEvents(o.kafka, p, e);
  if (!caught.ok()) return caught.status();
  const int64_t resume = std::max(*cmd_offset, caught->max_src + 1);
  // What came from duban.events is there already: never produce it again.
  auto r = e.AppendExternal({}, {{"produced.end", std::to_string(e.LogEnd())},
                                 {"events.read", std::to_string(caught->next)},
                                 {OffsetKey(p), std::to_string(resume)}});
  if (!r.ok()) return r.status();
  stats.restored += caught->restored;
  if (caught->restored)
    log::Kafka().info("partition {}: restored {} events from {}", p, caught->restored, o.kafka.events_topic);
  engines[p] = std::move(store);
  return resume;
}

}  // namespace duban::kafka
