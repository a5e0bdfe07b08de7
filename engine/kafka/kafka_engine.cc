// The engine in Kafka mode (KafkaEngine): see kafka_engine.h. The client
// (SubmitViaKafka) is in kafka_client.cc, the read model (ProjectEvents) in
// read_model.cc, the helpers they share in events_io.h.
#include "duban/kafka/kafka_engine.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>

#include "duban/coding.h"
#include "duban/kafka/admin.h"
#include "duban/kafka/consumer.h"
#include "duban/kafka/producer.h"
#include "duban/schemas/codec.h"
#include "events_io.h"

namespace duban::kafka {
namespace {

using internal::DecodeEventRecord;
using internal::HeaderValue;
using internal::MetaI64;
using internal::PartitionCount;
using internal::ToI64;

using Clock = std::chrono::steady_clock;

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

}  // namespace

std::string CommandRecord(const schemas::Command& c) { return FrameRecord(schemas::EncodeCommand(c)); }

// ============================== KafkaEngine ==============================

struct KafkaEngine::Impl {
  KafkaEngineOptions o;
  std::unique_ptr<Producer> producer;  // idempotent mode (null in transactional mode)
  std::unique_ptr<Consumer> consumer;
  bool transactional = false;
  // Transactional mode: one producer per owned partition (transactional.id
  // "<group>-p<N>"), created and initialised (which fences the previous
  // owner) when the partition is assigned, destroyed when it is revoked.
  std::map<int32_t, std::unique_ptr<Producer>> txn;
  // Per partition of duban.commands (by index): the next command offset
  // decided, kNotOwned when another engine owns it. Written by the rebalance
  // listener and the workers, read by Lag() from any thread.
  static constexpr int64_t kNotOwned = INT64_MIN;
  std::unique_ptr<std::atomic<int64_t>[]> decided;
  int32_t command_partitions = 0;
  void SetDecided(int32_t p, int64_t next) {
    if (p >= 0 && p < command_partitions) decided[p].store(next);
  }
  std::map<int32_t, std::unique_ptr<Engine>> engines;
  std::map<int32_t, int64_t> next_cmd;  // next command offset expected per partition
  std::map<int32_t, uint64_t> epoch;     // which opening of each partition's store is current
  uint64_t openings = 0;
  KafkaEngineStats stats;
  Status fatal;  // set inside the rebalance listener, returned by Run

  std::string Dir(int32_t p) const { return o.data_dir + "/partition-" + std::to_string(p); }
  std::string OffsetKey(int32_t p) const { return "cmd.offset." + std::to_string(p); }

  // Production of one partition's new log range, in flight.
  struct Pending {
    int32_t p = -1;
    uint64_t epoch = 0;  // which opening of partition p's store enqueued it
    uint64_t poll = 0;   // which poll of Run enqueued it
    uint64_t commands = 0, undecodable = 0;  // counted by Process, added to stats by Run
    uint64_t transactions = 0, aborted = 0;  // likewise
    uint64_t end = 0;    // LogEnd when enqueued: produced.end once delivered
    bool again = false;
    DeliveryGroup group;  // one counter for the whole range, not a future per event
  };

  // Enqueued productions not yet completed, oldest first (Run pipelines them).
  std::deque<Pending> inflight;

  // What to produce a log position with: the Kafka key (the event's stream),
  // its source command's offset and how many events that command has.
  struct RecordInfo {
    const std::string* key = nullptr;
    int64_t cmd_offset = -1;
    uint32_t cmd_events = 0;
  };

  // Where each log position of [from, end) came from, read off the outcomes of
  // the SubmitBatch that wrote it (outcome i decided cmds[i], consumed at
  // offsets[i]): no need to decode the records again. False when some
  // position is not accounted for (then the caller decodes).
  bool InfoFromOutcomes(uint64_t from, uint64_t end, const std::vector<Outcome>& outcomes,
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

  // Enqueues log positions [from, LogEnd) of partition p's engine for
  // duban.events partition p. The bytes produced are the log records as
  // stored (FrameRecord(EncodeEvent(e)), see Engine::ScanLogRecords), so
  // nothing is decoded or encoded again. `outcomes`/`offsets`: the batch that
  // wrote the range, if known; otherwise (re-production) each record is
  // decoded for its key and command, and `fallback_offset` is the source
  // offset header.
  // `records`: the range's log records as the batch wrote them, if known
  // (then the store is not read back).
  Result<Pending> Enqueue(int32_t p, Engine& e, uint64_t from, const std::vector<Outcome>* outcomes,
                          const std::vector<int64_t>* offsets, int64_t fallback_offset, bool again,
                          Producer& out, const std::vector<std::string>* records = nullptr) {
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
      if (outcomes) spdlog::warn("partition {}: outcomes do not cover log {}..{}; decoding", p, from, pending.end);
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
      if (records) spdlog::warn("partition {}: {} records for log {}..{}; reading them back", p, records->size(), from, pending.end);
      if (Status scan = e.ScanLogRecords(from, produce); !scan.ok()) return scan;
    }
    if (!produced.ok()) return produced;
    // The outcomes accounted for every position of the range: each must be there.
    if (known && static_cast<uint64_t>(pending.group.size()) != pending.end - from)
      return Status::Corruption("partition " + std::to_string(p) + ": log positions " + std::to_string(from) +
                                ".." + std::to_string(pending.end) + " are not contiguous");
    return pending;
  }

  // The fencing test's pause: see KafkaEngineOptions::hold_file.
  void Hold(int32_t p) const {
    if (o.hold_file.empty() || !std::filesystem::exists(o.hold_file)) return;
    spdlog::warn("partition {}: holding a decided batch before producing it (test hook: {} exists)", p, o.hold_file);
    while (std::filesystem::exists(o.hold_file)) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    spdlog::warn("partition {}: released the held batch", p);
  }

  std::string TransactionalId(int32_t p) const { return o.group + "-p" + std::to_string(p); }

  // Produces log positions [from, LogEnd) of partition p (see Enqueue). In
  // transactional mode as one transaction with `next_offset` (the next
  // command offset of p, if >= 0) sent to it, committed before this returns;
  // an abortable failure is aborted and retried, a fenced producer returns
  // Conflict (another engine owns p: this one must stop).
  Result<Pending> Send(int32_t p, Engine& e, uint64_t from, const std::vector<Outcome>* outcomes,
                       const std::vector<int64_t>* offsets, int64_t fallback_offset, int64_t next_offset,
                       const std::vector<std::string>* records = nullptr) {
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
                                "transaction was refused and it stops (" + t.status.ToString() + ")");
      if (t.fatal || attempt >= 5)
        return Status::Unavailable("partition " + std::to_string(p) + ": transaction failed (attempt " +
                                   std::to_string(attempt) + "): " + t.status.ToString());
      spdlog::warn("partition {}: transaction failed, aborting and trying again: {}", p, t.status.ToString());
      ++aborted;
      TxnStatus a = tx.AbortTransaction(o.transaction_timeout_ms);
      if (a.fenced || tx.Fenced())
        return Status::Conflict("fenced: partition " + std::to_string(p) + ": transactional.id " + TransactionalId(p) +
                                " has a newer producer (another engine owns the partition now); this engine stops");
      if (!a.ok() && a.fatal) return a.status;
    }
  }

  // Waits for the deliveries, then records produced.end and events.read in
  // the partition's store (if the store that enqueued them is still open: a
  // revoked partition records nothing and produces again next time, which is
  // harmless).
  Status Complete(Pending& pending, Engine* e) {
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

  // The store `pending` was enqueued from, if it is still open. A partition
  // revoked and assigned again meanwhile has a new store (its opening
  // re-produced the range and recorded its own produced.end / events.read,
  // which an older Pending must not move back).
  Engine* StoreOf(const Pending& pending) {
    auto it = engines.find(pending.p);
    auto ep = epoch.find(pending.p);
    if (it == engines.end() || ep == epoch.end() || ep->second != pending.epoch) return nullptr;
    return it->second.get();
  }

  // Opens partition p's store, re-produces what was not produced, catches up
  // from duban.events and returns the command offset to resume at.
  Result<int64_t> OpenPartition(int32_t p) {
    std::filesystem::create_directories(o.data_dir);
    if (transactional) {
      // First: fence the previous owner (its open transaction is aborted),
      // so what is read below is all there will be from it.
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
    }
    EngineOptions eo;
    eo.data_dir = Dir(p);
    eo.rejected_stream = "!rejected/" + std::to_string(p);
    eo.write_buffer_mb = 8;
    eo.clock = o.clock;
    eo.time_rules = o.time_rules;
    auto opened = Engine::Open(eo, o.timers);
    if (!opened.ok()) return opened.status();
    auto produced_end = MetaI64(**opened, "produced.end", 0);
    if (!produced_end.ok()) return produced_end.status();
    // Records at or past produced.end (a fresh store's LogEnd is past 0 with
    // no record there, so the positions alone do not tell).
    bool tail = false;
    if (static_cast<uint64_t>(*produced_end) < (*opened)->LogEnd())
      if (Status st = (*opened)->ScanLogRecords(*produced_end, [&](uint64_t, std::string_view) { return !(tail = true); });
          !st.ok())
        return st;
    if (transactional && tail) {
      // Decisions this store holds but no committed transaction carries (a
      // crash before the commit, or a fenced write): another owner may have
      // decided those commands differently meanwhile, so they are void. The
      // store is rebuilt from duban.events, and the commands are consumed
      // again after the last one whose events are there.
      const std::string discarded = Dir(p) + ".discarded";
      spdlog::warn("partition {}: log positions {}..{} were decided here but never committed to {}; rebuilding "
                   "the partition's store from {} (the old one is kept in {})",
                   p, *produced_end, (*opened)->LogEnd(), o.kafka.events_topic, o.kafka.events_topic, discarded);
      opened->reset();
      std::error_code ec;
      std::filesystem::remove_all(discarded, ec);
      std::filesystem::rename(Dir(p), discarded, ec);
      if (ec) return Status::IOError("partition " + std::to_string(p) + ": moving the store aside: " + ec.message());
      opened = Engine::Open(eo, o.timers);
      if (!opened.ok()) return opened.status();
      produced_end = 0;
      ++stats.rebuilt;
    }
    Engine& e = **opened;
    epoch[p] = ++openings;
    auto cmd_offset = MetaI64(e, OffsetKey(p), -1);
    if (!cmd_offset.ok()) return cmd_offset.status();
    if (!transactional && tail) {
      // Not known to be in duban.events: produce again. Their source offset is
      // at most the last command consumed.
      const int64_t src = std::max<int64_t>(*cmd_offset - 1, 0);
      spdlog::info("partition {}: re-producing log positions {}..{}", p, *produced_end, e.LogEnd());
      auto pending = Enqueue(p, e, *produced_end, nullptr, nullptr, src, true, *producer);
      if (!pending.ok()) return pending.status();
      if (Status st = Complete(*pending, &e); !st.ok()) return st;
    }
    // Catch up from duban.events (restores a missing or stale directory).
    auto events_read = MetaI64(e, "events.read", kOffsetBeginning);
    if (!events_read.ok()) return events_read.status();
    int64_t max_src = -1;
    uint64_t restored = 0;
    auto next = ReadToEnd(o.kafka, o.kafka.events_topic, p, *events_read, [&](std::vector<Message>& msgs) {
      std::vector<schemas::Event> batch;
      for (const auto& m : msgs) {
        auto ev = DecodeEventRecord(m.value);
        if (!ev.ok()) {
          spdlog::warn("{}[{}]@{}: undecodable event skipped: {}", m.topic, m.partition, m.offset,
                       ev.status().ToString());
          continue;
        }
        max_src = std::max(max_src, ToI64(HeaderValue(m.headers, kHeaderCmdOffset), -1));
        batch.push_back(std::move(*ev));
      }
      auto r = e.AppendExternal(batch, {{"events.read", std::to_string(msgs.back().offset + 1)}});
      if (!r.ok()) return r.status();
      restored += r->appended;
      return Status::Ok();
    });
    if (!next.ok()) return next.status();
    const int64_t resume = std::max(*cmd_offset, max_src + 1);
    // What came from duban.events is there already: never produce it again.
    auto r = e.AppendExternal({}, {{"produced.end", std::to_string(e.LogEnd())},
                                   {"events.read", std::to_string(*next)},
                                   {OffsetKey(p), std::to_string(resume)}});
    if (!r.ok()) return r.status();
    stats.restored += restored;
    if (restored) spdlog::info("partition {}: restored {} events from {}", p, restored, o.kafka.events_topic);
    engines[p] = std::move(*opened);
    return resume;
  }

  void OnRebalance(RebalanceKind kind, std::vector<TopicPartition>& parts) {
    if (kind == RebalanceKind::kRevoked) {
      for (const auto& tp : parts) {
        engines.erase(tp.partition);
        next_cmd.erase(tp.partition);
        txn.erase(tp.partition);  // no transaction is open here: FinishDeciding ran first
        SetDecided(tp.partition, kNotOwned);
      }
      spdlog::info("revoked {} partitions", parts.size());
      return;
    }
    for (auto& tp : parts) {
      auto resume = OpenPartition(tp.partition);
      if (!resume.ok()) {
        spdlog::error("partition {}: {}", tp.partition, resume.status().ToString());
        if (fatal.ok()) fatal = resume.status();
        continue;
      }
      tp.offset = *resume < 0 ? kOffsetBeginning : *resume;
      next_cmd[tp.partition] = *resume;
      SetDecided(tp.partition, *resume);
    }
    spdlog::info("assigned {} partitions", parts.size());
  }

  // Decides and commits one partition's batch and enqueues its events.
  // Touches only partition p's store and next_cmd entry (and the thread-safe
  // producer), so Run calls it for several partitions at once.
  Result<Pending> Process(int32_t p, const std::vector<const Message*>& msgs) {
    auto it = engines.find(p);
    auto nc = next_cmd.find(p);
    if (it == engines.end() || nc == next_cmd.end()) return Pending{};  // revoked meanwhile
    Engine& e = *it->second;
    int64_t& expected = nc->second;
    uint64_t undecodable = 0;
    std::vector<schemas::Command> cmds;
    std::vector<int64_t> offsets;  // offsets[i]: where cmds[i] was consumed
    cmds.reserve(msgs.size());
    offsets.reserve(msgs.size());
    int64_t last = -1;
    for (const Message* m : msgs) {
      if (expected >= 0 && m->offset < expected) continue;  // applied already
      last = m->offset;
      std::string_view payload;
      size_t consumed = 0;
      Status st = UnframeRecord(m->value, &payload, &consumed);
      Result<schemas::Command> c = st.ok() ? schemas::DecodeCommand(payload) : Result<schemas::Command>(st);
      if (!c.ok()) {
        ++undecodable;
        spdlog::warn("{}[{}]@{}: undecodable command skipped: {}", m->topic, p, m->offset,
                     c.status().ToString());
        continue;
      }
      offsets.push_back(m->offset);
      cmds.push_back(std::move(*c));
    }
    if (last < 0) {
      Pending none;
      none.undecodable = undecodable;
      return none;
    }
    const uint64_t from = e.LogEnd();
    std::vector<std::string> records;
    auto outcomes = e.SubmitBatch(cmds, {{OffsetKey(p), std::to_string(last + 1)}}, &records);
    for (const auto& out : outcomes) {
      // A command id reused for another command is refused and writes
      // nothing: it is the sender's mistake (or malice), not this engine's,
      // and must not stop the partition for everyone.
      if (out.status.code() == Status::Code::kConflict) {
        spdlog::warn("partition {}: command {} not decided: {}", p, out.command_id, out.status.message());
        continue;
      }
      if (out.status.code() != Status::Code::kRejected && !out.status.ok())
        return out.status;  // a storage failure: stop, restart resumes from RocksDB
    }
    expected = last + 1;
    SetDecided(p, expected);
    auto pending = Send(p, e, from, &outcomes, &offsets, last, last + 1, &records);
    if (pending.ok()) {
      pending->commands = cmds.size();
      pending->undecodable = undecodable;
    }
    return pending;
  }

  // Fires the due timers of every owned partition and enqueues their events
  // (in flight with the poll's, completed in the same order).
  Status TickAll(Instant now, uint64_t poll) {
    for (auto& [p, engine] : engines) {
      Engine& e = *engine;
      const uint64_t from = e.LogEnd();
      auto outcomes = e.Tick(now, "clock");
      ++stats.ticks;
      if (!outcomes.ok()) return outcomes.status();  // storage failure: restart re-produces
      if (e.LogEnd() == from) continue;
      // The timers' events follow the last command consumed on p: that is
      // their source offset (a restore resumes after it, as it should).
      auto nc = next_cmd.find(p);
      const int64_t src = nc == next_cmd.end() ? -1 : std::max<int64_t>(nc->second - 1, -1);
      const std::vector<int64_t> offsets(outcomes->size(), src);
      auto pending = Send(p, e, from, &*outcomes, &offsets, src, src + 1);
      if (!pending.ok()) return pending.status();
      stats.transactions += pending->transactions;
      stats.aborted += pending->aborted;
      stats.timer_events += e.LogEnd() - from;
      pending->poll = poll;
      if (pending->group.size() > 0) inflight.push_back(std::move(*pending));
    }
    return Status::Ok();
  }

  // A poll being decided by worker threads while Run fetches the next one.
  struct Deciding {
    uint64_t poll = 0;
    std::vector<Message> msgs;  // owned here: the workers point into it
    std::map<int32_t, std::vector<const Message*>> by_partition;
    std::vector<std::pair<int32_t, const std::vector<const Message*>*>> work;
    std::vector<std::optional<Result<Pending>>> done;
    std::atomic<size_t> next{0};
    std::atomic<int64_t> busy_ns{0};  // workers' time in Process
    std::vector<std::thread> threads;
  };
  std::unique_ptr<Deciding> deciding;
  Status decide_error;  // the first failure of a decided poll

  // Starts deciding a poll's partitions on worker threads (each partition has
  // its own store, so they are independent).
  void StartDeciding(uint64_t poll, std::vector<Message> msgs) {
    deciding = std::make_unique<Deciding>();
    Deciding& d = *deciding;
    d.poll = poll;
    d.msgs = std::move(msgs);
    for (const auto& msg : d.msgs) d.by_partition[msg.partition].push_back(&msg);
    for (const auto& [p, list] : d.by_partition) d.work.emplace_back(p, &list);
    d.done.resize(d.work.size());
    const size_t threads = std::min(d.work.size(), std::max<size_t>(o.threads, 1));
    for (size_t t = 0; t < threads; ++t)
      d.threads.emplace_back([this, &d] {
        pthread_setname_np(pthread_self(), "duban-decide");  // as top and perf show it
        for (size_t i; (i = d.next.fetch_add(1)) < d.work.size();) {
          const auto t = Clock::now();
          d.done[i] = Process(d.work[i].first, *d.work[i].second);
          d.busy_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t).count();
        }
      });
  }

  // Waits for the poll being decided, if any, and queues its productions in
  // partition order (or records its first failure in decide_error).
  void FinishDeciding() {
    if (!deciding) return;
    for (auto& t : deciding->threads) t.join();
    for (auto& r : deciding->done) {
      if (!r->ok()) {
        if (decide_error.ok()) decide_error = r->status();
        continue;
      }
      stats.commands += (*r)->commands;
      stats.undecodable += (*r)->undecodable;
      stats.transactions += (*r)->transactions;
      stats.aborted += (*r)->aborted;
      (*r)->poll = deciding->poll;
      if ((*r)->group.size() > 0) inflight.push_back(std::move(**r));
    }
    stats.decide_seconds += static_cast<double>(deciding->busy_ns.load()) / 1e9;
    deciding.reset();
  }

  // Completes the productions in flight, oldest first: those already
  // delivered, and (waiting for them) those of polls before `before`. In
  // order, so each partition's produced.end only moves forward.
  Status Drain(uint64_t before) {
    while (!inflight.empty() && (inflight.front().poll < before || inflight.front().group.Done())) {
      Status st = Complete(inflight.front(), StoreOf(inflight.front()));
      inflight.pop_front();
      if (!st.ok()) return st;
    }
    return Status::Ok();
  }
};

KafkaEngine::KafkaEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KafkaEngine::~KafkaEngine() = default;

Result<std::unique_ptr<KafkaEngine>> KafkaEngine::Create(const KafkaEngineOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->o = options;
  if (!impl->o.timers) impl->o.timers = DefaultTimerPolicy();
  if (!impl->o.now)
    impl->o.now = [] {
      return static_cast<Instant>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count());
    };
  switch (options.transactions) {
    case Transactions::kOn: impl->transactional = true; break;
    case Transactions::kOff: impl->transactional = false; break;
    case Transactions::kAuto: {
      auto admin = Admin::Create(options.kafka);
      if (!admin.ok()) return admin.status();
      auto id = (*admin)->ClusterId(30000);
      if (!id.ok()) return Status::Unavailable("cannot tell whether the cluster supports transactions: " +
                                               id.status().ToString());
      impl->transactional = id->rfind("mockCluster", 0) != 0;
      spdlog::info("kafka engine: cluster {}: transactions {}", *id,
                   impl->transactional ? "on" : "off (librdkafka's mock cluster does not model them)");
      break;
    }
  }
  impl->stats.transactional = impl->transactional;
  auto parts = PartitionCount(options.kafka, options.kafka.commands_topic);
  if (!parts.ok()) return parts.status();
  impl->command_partitions = *parts;
  impl->decided = std::make_unique<std::atomic<int64_t>[]>(static_cast<size_t>(*parts));
  for (int32_t p = 0; p < *parts; ++p) impl->decided[p].store(Impl::kNotOwned);
  KafkaConfig pc = options.kafka;
  // Never give a message up: a gap in a stream would stop every reader.
  pc.message_timeout_ms = 0;
  // Deliveries are awaited only after the next poll was decided (Run is
  // pipelined), so lingering costs no throughput, and fewer, larger produce
  // requests cost less CPU here and in the broker (measured: linger 10 ms gave
  // ~1.3-1.8x e2e events/s over 1 ms in duban-bench kafka). A lone command's
  // round trip grows by up to that much.
  if (!pc.extra.count("linger.ms")) pc.extra["linger.ms"] = "10";
  if (!impl->transactional) {  // else one per owned partition (OpenPartition)
    auto producer = Producer::Create(pc);
    if (!producer.ok()) return producer.status();
    impl->producer = std::move(*producer);
  }
  // A fetch for partitions that have caught up waits up to fetch.wait.max.ms
  // (librdkafka's default: 500 ms) before it returns, and the dev broker
  // answers an empty fetch only after the whole wait: with the default, the
  // engine can sit idle for that long while commands arrive. 5 ms keeps the
  // loop fed; on a real cluster a short wait only costs fetches while idle.
  KafkaConfig cc = options.kafka;
  if (!cc.extra.count("fetch.wait.max.ms")) cc.extra["fetch.wait.max.ms"] = "5";
  auto consumer = Consumer::Create(cc, options.group);
  if (!consumer.ok()) return consumer.status();
  impl->consumer = std::move(*consumer);
  // Commands carry nothing in headers; asking librdkafka for them allocates
  // even for a message that has none.
  impl->consumer->SkipHeaders();
  return std::unique_ptr<KafkaEngine>(new KafkaEngine(std::move(impl)));
}

KafkaEngineStats KafkaEngine::stats() const { return impl_->stats; }

std::vector<PartitionLag> KafkaEngine::Lag() const {
  const Impl& m = *impl_;
  std::vector<PartitionLag> out;
  for (int32_t p = 0; p < m.command_partitions; ++p) {
    const int64_t next = m.decided[p].load();
    if (next == Impl::kNotOwned) continue;
    PartitionLag l;
    l.partition = p;
    l.next = next;
    if (auto wm = m.consumer->CachedWatermarks(m.o.kafka.commands_topic, p); wm.ok()) {
      l.end = wm->second;
      l.lag = std::max<int64_t>(0, l.end - std::max(next, wm->first));
    }
    out.push_back(l);
  }
  return out;
}

Status KafkaEngine::Run(const std::atomic<bool>& stop) {
  Impl& m = *impl_;
  Status st = m.consumer->Subscribe({m.o.kafka.commands_topic},
                                    [&m](RebalanceKind k, std::vector<TopicPartition>& parts) {
                                      // The stores change hands: the poll being decided finishes first.
                                      m.FinishDeciding();
                                      m.OnRebalance(k, parts);
                                    });
  if (!st.ok()) return st;
  Status result;
  // Status reports (lag) from a thread of their own: they go on while the
  // loop waits for a slow (or held) batch.
  std::mutex status_mu;
  std::condition_variable status_cv;
  bool status_done = false;
  std::thread status;
  if (m.o.status_interval_ms > 0 && m.o.on_status)
    status = std::thread([&] {
      std::unique_lock lock(status_mu);
      while (!status_cv.wait_for(lock, std::chrono::milliseconds(m.o.status_interval_ms), [&] { return status_done; })) {
        lock.unlock();
        m.o.on_status(Lag());
        lock.lock();
      }
    });
  // Pipelined: poll k is decided (by worker threads) while poll k+1 is
  // fetched, and its events are delivered while poll k+1 is decided.
  // Completions (produced.end, events.read) follow in order. A crash with
  // productions in flight re-produces them from produced.end at the next
  // assignment, and readers dedupe what was already there, so the outbox
  // guarantees are unchanged.
  uint64_t poll = 0;
  Instant last_tick = 0;
  uint64_t ticked_openings = 0;  // m.openings at the last tick
  while (!stop.load()) {
    ++poll;
    // While work is outstanding, poll briefly so it completes soon even when
    // no more commands come.
    const auto t_fetch = Clock::now();
    auto msgs = m.consumer->Poll(m.inflight.empty() && !m.deciding ? 200 : 5, m.o.max_batch);
    const auto t_fetched = Clock::now();
    m.FinishDeciding();  // poll k-1, decided while this one was fetched
    const auto t_decided = Clock::now();
    if (!m.fatal.ok()) {
      result = m.fatal;
      break;
    }
    if (!msgs.ok()) {
      result = msgs.status();
      break;
    }
    if (!m.decide_error.ok()) {
      result = m.decide_error;
      break;
    }
    // The stores are idle here (no poll is being decided): tick them.
    if (m.o.tick_interval_ms > 0) {
      // On the injected clock, so a test's fake clock drives both the
      // interval and what is due. A clock that went back ticks at once.
      const Instant now = m.o.now();
      // A partition just assigned ticks at once: its timers may have come
      // due while no engine owned it.
      if (now - last_tick >= m.o.tick_interval_ms || now < last_tick || m.openings != ticked_openings) {
        last_tick = now;
        ticked_openings = m.openings;
        if (Status st = m.TickAll(now, poll); !st.ok()) {
          result = st;
          break;
        }
      }
    }
    // Poll k-2's deliveries had all of poll k-1's deciding to arrive:
    // complete them now (waiting if need be). Also here, while no store is
    // being written by the workers.
    const auto t_drain = Clock::now();
    Status drained = m.Drain(poll - 1);
    if (msgs.ok() && !msgs->empty()) {
      auto s = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };
      const double fetch = s(t_fetch, t_fetched), wait = s(t_fetched, t_decided), deliver = s(t_drain, Clock::now());
      ++m.stats.polls;
      m.stats.fetch_seconds += fetch;
      m.stats.decide_wait_seconds += wait;
      m.stats.delivery_wait_seconds += deliver;
      spdlog::debug("kafka engine: poll {}: {} command(s), fetch {:.1f} ms, waited {:.1f} ms for poll {} to be decided, "
                    "{:.1f} ms for deliveries",
                    poll, msgs->size(), fetch * 1e3, wait * 1e3, poll - 1, deliver * 1e3);
    }
    if (Status st = drained; !st.ok()) {
      result = st;
      break;
    }
    if (!msgs->empty()) m.StartDeciding(poll, std::move(*msgs));
  }
  m.FinishDeciding();
  if (result.ok() && !m.decide_error.ok()) result = m.decide_error;
  // Stopping: what was enqueued is delivered and recorded before the stores
  // close (not after an error: a restart re-produces it anyway).
  if (result.ok()) result = m.Drain(UINT64_MAX);
  if (status.joinable()) {
    {
      std::lock_guard lock(status_mu);
      status_done = true;
    }
    status_cv.notify_all();
    status.join();
  }
  Status closed = m.consumer->Close();
  m.engines.clear();
  m.txn.clear();
  return result.ok() ? closed : result;
}

}  // namespace duban::kafka
