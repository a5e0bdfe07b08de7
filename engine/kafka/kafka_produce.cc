// KafkaEngine in Kafka mode, its producing half: a partition's decided log
// range sent to duban.events as the stored records (nothing re-encoded), in
// one transaction with the command offsets in transactional mode, and the
// deliveries awaited before produced.end moves (see kafka_engine_impl.h).

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "duban/coding.h"
#include "events_io.h"
#include "kafka_engine_impl.h"
#include "duban/log.h"

namespace duban::kafka {

using internal::DecodeEventRecord;

bool KafkaEngine::Impl::InfoFromOutcomes(uint64_t from, uint64_t end, const std::vector<Outcome>& outcomes,
                                         const std::vector<int64_t>& offsets, const std::string& rejected_stream,
                                         std::vector<RecordInfo>* info) const {
  info->assign(end - from, RecordInfo{});
  auto put = [&](uint64_t pos, RecordInfo ri) {
    if (pos < from || pos >= end) return false;
    (*info)[pos - from] = ri;
    return true;
  };
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const Outcome& out = outcomes[i];
    if (out.duplicate) continue;  // wrote nothing now
    const auto n = static_cast<uint32_t>(out.events.size());
    for (uint32_t j = 0; j < n; ++j)
      if (!put(out.first_position + j, RecordInfo{&out.events[j].stream, offsets[i], n})) return false;
    // A rejection is logged at first_position; one without a usable
    // command id is not logged at all (first_position 0: the log starts at 1).
    if (n == 0 && out.status.code() == Status::Code::kRejected && out.first_position != 0 &&
        !put(out.first_position, RecordInfo{&rejected_stream, offsets[i], 1}))
      return false;
  }
  for (const auto& ri : *info)
    if (!ri.key) return false;
  return true;
}

Result<KafkaEngine::Impl::Pending> KafkaEngine::Impl::Enqueue(int32_t p, Engine& e, uint64_t from,
                                                              const std::vector<Outcome>* outcomes,
                                                              const std::vector<int64_t>* offsets,
                                                              int64_t fallback_offset, bool again, Producer& out,
                                                              const std::vector<std::string>* records) {
  Pending pending;
  pending.p = p;
  // find, not []: Process calls this for several partitions at once.
  if (auto ep = epoch.find(p); ep != epoch.end()) pending.epoch = ep->second;
  pending.end = e.LogEnd();
  pending.again = again;
  if (from >= pending.end) return pending;
  const std::string rejected_stream = "!rejected/" + std::to_string(p);
  std::vector<RecordInfo> info;
  std::vector<std::string> keys;  // owns the keys of decoded records
  const bool known = outcomes && InfoFromOutcomes(from, pending.end, *outcomes, *offsets, rejected_stream, &info);
  if (!known) {
    if (outcomes) log::Kafka().warn("partition {}: outcomes do not cover log {}..{}; decoding", p, from, pending.end);
    info.assign(pending.end - from, RecordInfo{});
    keys.resize(pending.end - from);
    std::vector<std::string> command_ids(pending.end - from);
    std::unordered_map<std::string_view, uint32_t> per_command;
    Status bad;
    Status scan = e.ScanLogRecords(from, [&](uint64_t pos, std::string_view record) {
      if (pos >= pending.end) return false;
      auto ev = DecodeEventRecord(record);
      if (!ev.ok()) {
        bad = Status::Corruption("log position " + std::to_string(pos) + ": " + ev.status().message());
        return false;
      }
      keys[pos - from] = std::move(ev->stream);
      command_ids[pos - from] = std::move(ev->command_id);
      return true;
    });
    if (!scan.ok()) return scan;
    if (!bad.ok()) return bad;
    for (const auto& id : command_ids) ++per_command[id];
    for (size_t i = 0; i < info.size(); ++i)
      if (!command_ids[i].empty()) info[i] = RecordInfo{&keys[i], fallback_offset, per_command[command_ids[i]]};
  }
  // Headers change per command only: build them once per run of equal values.
  Headers h{{kHeaderCmdOffset, ""}, {kHeaderCmdEvents, ""}};
  int64_t h_offset = INT64_MIN;
  uint32_t h_events = 0;
  Status produced;
  auto produce = [&](uint64_t pos, std::string_view record) {
    if (pos >= pending.end) return false;
    const RecordInfo& ri = info[pos - from];
    if (ri.cmd_offset != h_offset || ri.cmd_events != h_events) {
      h_offset = ri.cmd_offset;
      h_events = ri.cmd_events;
      h[0].second = std::to_string(h_offset);
      h[1].second = std::to_string(h_events);
    }
    if (!ri.key) return true;  // no record there (re-production from before the log's start)
    produced = out.Produce(o.kafka.events_topic, *ri.key, record, h, p, pending.group);
    return produced.ok();
  };
  if (records && records->size() == pending.end - from) {
    for (uint64_t pos = from; pos < pending.end && produce(pos, (*records)[pos - from]);) ++pos;
  } else {
    if (records)
      log::Kafka().warn("partition {}: {} records for log {}..{}; reading them back", p, records->size(), from,
                        pending.end);
    if (Status scan = e.ScanLogRecords(from, produce); !scan.ok()) return scan;
  }
  if (!produced.ok()) return produced;
  // The outcomes accounted for every position of the range: each must be there.
  if (known && static_cast<uint64_t>(pending.group.size()) != pending.end - from)
    return Status::Corruption("partition " + std::to_string(p) + ": log positions " + std::to_string(from) + ".." +
                              std::to_string(pending.end) + " are not contiguous");
  return pending;
}

void KafkaEngine::Impl::Hold(int32_t p) const {
  const uint64_t seen = productions_seen.fetch_add(1);
  if (o.hold_file.empty() || !std::filesystem::exists(o.hold_file)) return;
  uint64_t pass = 0;
  if (std::ifstream f(o.hold_file); f >> pass, seen < pass) return;
  log::Kafka().warn("partition {}: holding a decided batch before producing it (test hook: {} exists)", p, o.hold_file);
  while (std::filesystem::exists(o.hold_file)) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  log::Kafka().warn("partition {}: released the held batch", p);
}

Result<KafkaEngine::Impl::Pending> KafkaEngine::Impl::Send(int32_t p, Engine& e, uint64_t from,
                                                           const std::vector<Outcome>* outcomes,
                                                           const std::vector<int64_t>* offsets, int64_t fallback_offset,
                                                           int64_t next_offset,
                                                           const std::vector<std::string>* records) {
  Hold(p);
  if (!transactional) return Enqueue(p, e, from, outcomes, offsets, fallback_offset, false, *producer, records);
  auto it = txn.find(p);
  if (it == txn.end()) return Status::InvalidArgument("partition " + std::to_string(p) + " has no producer");
  Producer& tx = *it->second;
  uint64_t aborted = 0;
  for (int attempt = 1;; ++attempt) {
    Result<Pending> pending = Status::Unavailable("not produced");
    TxnStatus t = tx.BeginTransaction();
    if (t.ok()) {
      pending = Enqueue(p, e, from, outcomes, offsets, fallback_offset, false, tx, records);
      if (!pending.ok()) t = TxnStatus{pending.status(), false, true, false, false};
    }
    if (t.ok() && next_offset >= 0)
      t = tx.SendOffsetsToTransaction({TopicPartition{o.kafka.commands_topic, p, next_offset}}, *consumer,
                                      o.transaction_timeout_ms);
    if (t.ok()) t = tx.CommitTransaction(o.transaction_timeout_ms);
    if (t.ok()) {
      pending->transactions = 1;
      pending->aborted = aborted;
      return pending;
    }
    if (t.fenced || tx.Fenced())
      return Status::Conflict("fenced: partition " + std::to_string(p) + ": transactional.id " + TransactionalId(p) +
                              " has a newer producer (another engine owns the partition now); this engine's "
                              "transaction was refused and it stops (" +
                              t.status.ToString() + ")");
    if (t.fatal || attempt >= 5)
      return Status::Unavailable("partition " + std::to_string(p) + ": transaction failed (attempt " +
                                 std::to_string(attempt) + "): " + t.status.ToString());
    log::Kafka().warn("partition {}: transaction failed, aborting and trying again: {}", p, t.status.ToString());
    ++aborted;
    TxnStatus a = tx.AbortTransaction(o.transaction_timeout_ms);
    if (a.fenced || tx.Fenced())
      return Status::Conflict("fenced: partition " + std::to_string(p) + ": transactional.id " + TransactionalId(p) +
                              " has a newer producer (another engine owns the partition now); this engine stops");
    if (!a.ok() && a.fatal) return a.status;
  }
}

Status KafkaEngine::Impl::Complete(Pending& pending, Engine* e) {
  pending.group.Wait();
  if (Status st = pending.group.status(); !st.ok())
    return Status::Unavailable("producing to " + o.kafka.events_topic + ": " + st.ToString());
  const int64_t n = pending.group.size();
  if (n == 0 || !e) return Status::Ok();
  stats.produced += n;
  if (pending.again) stats.reproduced += n;
  Engine::MetaWrites meta{{"produced.end", std::to_string(pending.end)}};
  if (pending.group.max_offset() >= 0) meta.emplace_back("events.read", std::to_string(pending.group.max_offset() + 1));
  auto r = e->AppendExternal({}, meta);
  return r.ok() ? Status::Ok() : r.status();
}

Engine* KafkaEngine::Impl::StoreOf(const Pending& pending) {
  auto it = engines.find(pending.p);
  auto ep = epoch.find(pending.p);
  if (it == engines.end() || ep == epoch.end() || ep->second != pending.epoch) return nullptr;
  return it->second.get();
}

}  // namespace duban::kafka
