// The engine in Kafka mode (KafkaEngine): see kafka_engine.h. Here: its
// partitions opened and caught up, rebalances, polls decided by worker
// threads, and the public methods; producing a decided range is in
// kafka_produce.cc, the state both share in kafka_engine_impl.h. The client
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
#include "kafka_engine_impl.h"

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

Result<int64_t> KafkaEngine::Impl::OpenPartition(int32_t p) {
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
    if (Status st =
            (*opened)->ScanLogRecords(*produced_end, [&](uint64_t, std::string_view) { return !(tail = true); });
        !st.ok())
      return st;
  if (transactional && tail) {
    // Decisions this store holds but no committed transaction carries (a
    // crash before the commit, or a fenced write): another owner may have
    // decided those commands differently meanwhile, so they are void. The
    // store is rebuilt from duban.events, and the commands are consumed
    // again after the last one whose events are there.
    const std::string discarded = Dir(p) + ".discarded";
    spdlog::warn(
        "partition {}: log positions {}..{} were decided here but never committed to {}; rebuilding "
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

void KafkaEngine::Impl::OnRebalance(RebalanceKind kind, std::vector<TopicPartition>& parts) {
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

Result<KafkaEngine::Impl::Pending> KafkaEngine::Impl::Process(int32_t p, const std::vector<const Message*>& msgs) {
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
      spdlog::warn("{}[{}]@{}: undecodable command skipped: {}", m->topic, p, m->offset, c.status().ToString());
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

Status KafkaEngine::Impl::TickAll(Instant now, uint64_t poll) {
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

void KafkaEngine::Impl::StartDeciding(uint64_t poll, std::vector<Message> msgs) {
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

void KafkaEngine::Impl::FinishDeciding() {
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

Status KafkaEngine::Impl::Drain(uint64_t before) {
  while (!inflight.empty() && (inflight.front().poll < before || inflight.front().group.Done())) {
    Status st = Complete(inflight.front(), StoreOf(inflight.front()));
    inflight.pop_front();
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

KafkaEngine::KafkaEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KafkaEngine::~KafkaEngine() = default;

Result<std::unique_ptr<KafkaEngine>> KafkaEngine::Create(const KafkaEngineOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->o = options;
  if (!impl->o.timers) impl->o.timers = DefaultTimerPolicy();
  if (!impl->o.now)
    impl->o.now = [] {
      return static_cast<Instant>(
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count());
    };
  switch (options.transactions) {
    case Transactions::kOn:
      impl->transactional = true;
      break;
    case Transactions::kOff:
      impl->transactional = false;
      break;
    case Transactions::kAuto: {
      auto admin = Admin::Create(options.kafka);
      if (!admin.ok()) return admin.status();
      auto id = (*admin)->ClusterId(30000);
      if (!id.ok())
        return Status::Unavailable("cannot tell whether the cluster supports transactions: " + id.status().ToString());
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
  Status st =
      m.consumer->Subscribe({m.o.kafka.commands_topic}, [&m](RebalanceKind k, std::vector<TopicPartition>& parts) {
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
      while (
          !status_cv.wait_for(lock, std::chrono::milliseconds(m.o.status_interval_ms), [&] { return status_done; })) {
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
      spdlog::debug(
          "kafka engine: poll {}: {} command(s), fetch {:.1f} ms, waited {:.1f} ms for poll {} to be decided, "
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
