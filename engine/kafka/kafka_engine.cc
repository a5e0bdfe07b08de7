// The engine in Kafka mode (KafkaEngine): see kafka_engine.h. Here: its
// rebalances, polls decided by worker threads, and the public methods; its
// partitions opened and caught up are in partition_open.cc, producing a
// decided range is in kafka_produce.cc, the state they share in
// kafka_engine_impl.h. The client (SubmitViaKafka) is in kafka_client.cc, the
// read model (ProjectEvents) in read_model.cc, the helpers they share in
// events_io.h.
#include "duban/kafka/kafka_engine.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <iterator>
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
#include "duban/log.h"

namespace duban::kafka {
namespace {

using internal::PartitionCount;

using Clock = std::chrono::steady_clock;

// Status reports (lag) from a thread of their own: they go on while the
// loop waits for a slow (or held) batch.
class StatusReporter {
 public:
  void Start(int64_t interval_ms, std::function<void()> report) {
    thread_ = std::thread([this, interval_ms, report = std::move(report)] {
      std::unique_lock lock(mu_);
      while (!cv_.wait_for(lock, std::chrono::milliseconds(interval_ms), [&] { return done_; })) {
        lock.unlock();
        report();
        lock.lock();
      }
    });
  }

  void Stop() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  ~StatusReporter() { Stop(); }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// When one poll's phases began and ended, for the stats and the debug log.
struct PollTimes {
  Clock::time_point fetch, fetched, decided, drain;
};

void RecordPollTimes(KafkaEngineStats& stats, uint64_t poll, size_t commands, const PollTimes& t) {
  auto s = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };
  const double fetch = s(t.fetch, t.fetched), wait = s(t.fetched, t.decided), deliver = s(t.drain, Clock::now());
  ++stats.polls;
  stats.fetch_seconds += fetch;
  stats.decide_wait_seconds += wait;
  stats.delivery_wait_seconds += deliver;
  log::Kafka().debug(
      "kafka engine: poll {}: {} command(s), fetch {:.1f} ms, waited {:.1f} ms for poll {} to be decided, "
      "{:.1f} ms for deliveries",
      poll, commands, fetch * 1e3, wait * 1e3, poll - 1, deliver * 1e3);
}

}  // namespace

std::string CommandRecord(const schemas::Command& c) { return FrameRecord(schemas::EncodeCommand(c)); }

// ============================== KafkaEngine ==============================

void KafkaEngine::Impl::OnRebalance(RebalanceKind kind, std::vector<TopicPartition>& parts) {
  if (kind == RebalanceKind::kRevoked) {
    for (const auto& tp : parts) {
      engines.erase(tp.partition);
      next_cmd.erase(tp.partition);
      txn.erase(tp.partition);  // no transaction is open here: FinishDeciding ran first
      SetDecided(tp.partition, kNotOwned);
    }
    log::Kafka().info("revoked {} partitions", parts.size());
    return;
  }
  for (auto& tp : parts) {
    auto resume = OpenPartition(tp.partition);
    if (!resume.ok()) {
      log::Kafka().error("partition {}: {}", tp.partition, resume.status().ToString());
      if (fatal.ok()) fatal = resume.status();
      continue;
    }
    tp.offset = *resume < 0 ? kOffsetBeginning : *resume;
    next_cmd[tp.partition] = *resume;
    SetDecided(tp.partition, *resume);
  }
  log::Kafka().info("assigned {} partitions", parts.size());
}

namespace {

// The weight of deciding `c`, for cutting a poll into batches
// (KafkaEngineOptions::max_batch_events): the events it is expected to write,
// or the rows it rewrites where that is more. Exact enough for the commands
// that carry a plan's size (an import, an added task). A review cycle fans
// out over the plan's open assignments (an event each) and a withdrawal
// rewrites every row of the plan: both weigh 1 + the plan's assignments as
// `rows_of` reads them from the store (an upper bound: closed ones count
// too). The others write one or a few.
uint64_t ExpectedEvents(const schemas::Command& c, const std::function<uint64_t(const std::string&)>& rows_of) {
  auto task_events = [](const schemas::ImportTask& t) { return 1 + t.lead_units.size() + t.responsible_units.size(); };
  if (const auto* imp = std::get_if<schemas::ImportPlan>(&c.body)) {
    uint64_t n = 1;
    for (const auto& t : imp->tasks) n += task_events(t);
    return n;
  }
  if (const auto* add = std::get_if<schemas::AddTask>(&c.body)) return task_events(add->task);
  if (std::holds_alternative<schemas::StartReviewCycle>(c.body) ||
      std::holds_alternative<schemas::WithdrawPlan>(c.body))
    return 1 + rows_of(c.plan_id);
  return 1;
}

// How many assignment rows partition store `e` holds for `plan`, from its
// counts (0 for a plan it does not hold yet, or a store without counts: the
// weight is then the command's own 1).
uint64_t StoredRows(const Engine& e, const std::string& plan) {
  auto counts = e.CountAssignments(plan);
  if (!counts.ok()) return 0;
  uint64_t rows = 0;
  for (const auto& g : counts->groups) rows += static_cast<uint64_t>(g.count);
  return rows;
}

}  // namespace

Result<std::vector<KafkaEngine::Impl::Pending>> KafkaEngine::Impl::Process(int32_t p,
                                                                           const std::vector<const Message*>& msgs) {
  auto it = engines.find(p);
  auto nc = next_cmd.find(p);
  if (it == engines.end() || nc == next_cmd.end()) return std::vector<Pending>{};  // revoked meanwhile
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
      log::Kafka().warn("{}[{}]@{}: undecodable command skipped: {}", m->topic, p, m->offset, c.status().ToString());
      continue;
    }
    offsets.push_back(m->offset);
    cmds.push_back(std::move(*c));
  }
  std::vector<Pending> sent;
  if (last < 0) {
    Pending none;
    none.undecodable = undecodable;
    sent.push_back(std::move(none));
    return sent;
  }
  std::map<std::string, uint64_t> rows;  // per plan, read once a batch
  auto rows_of = [&](const std::string& plan) {
    auto [at, fresh] = rows.try_emplace(plan, 0);
    if (fresh) at->second = StoredRows(e, plan);
    return at->second;
  };
  for (size_t begin = 0; begin < cmds.size() || sent.empty();) {
    size_t end = begin;
    for (uint64_t weight = 0; end < cmds.size();) {
      weight += ExpectedEvents(cmds[end], rows_of);
      if (end > begin && weight > o.max_batch_events) break;
      ++end;
    }
    // The last batch also passes the undecodable commands after its last
    // decodable one; an earlier one resumes right after its own last.
    const int64_t batch_last = end == cmds.size() ? last : offsets[end - 1];
    const std::vector<schemas::Command> batch_cmds(std::make_move_iterator(cmds.begin() + begin),
                                                   std::make_move_iterator(cmds.begin() + end));
    const std::vector<int64_t> batch_offsets(offsets.begin() + begin, offsets.begin() + end);
    const uint64_t from = e.LogEnd();
    std::vector<std::string> records;
    auto outcomes = e.SubmitBatch(batch_cmds, {{OffsetKey(p), std::to_string(batch_last + 1)}}, &records);
    rows.clear();  // the batch may have imported, added to or withdrawn a plan weighed before it
    for (const auto& out : outcomes) {
      // A command id reused for another command is refused and writes
      // nothing: it is the sender's mistake (or malice), not this engine's,
      // and must not stop the partition for everyone.
      if (out.status.code() == Status::Code::kConflict) {
        log::Kafka().warn("partition {}: command {} not decided: {}", p, out.command_id, out.status.message());
        continue;
      }
      if (out.status.code() != Status::Code::kRejected && !out.status.ok())
        return out.status;  // a storage failure: stop, restart resumes from RocksDB
    }
    expected = batch_last + 1;
    SetDecided(p, expected);
    auto pending = Send(p, e, from, &outcomes, &batch_offsets, batch_last, batch_last + 1, &records);
    if (!pending.ok()) return pending.status();
    pending->commands = end - begin;
    pending->undecodable = sent.empty() ? undecodable : 0;
    sent.push_back(std::move(*pending));
    begin = end;
  }
  return sent;
}

Status KafkaEngine::Impl::TickAll(Instant now, uint64_t poll) {
  for (auto& [partition, engine] : engines) {
    const int32_t p = partition;  // clang 14 refuses a lambda capturing a structured binding
    Engine& e = *engine;
    // The timers' events follow the last command consumed on p: that is
    // their source offset (a restore resumes after it, as it should).
    auto nc = next_cmd.find(p);
    const int64_t src = nc == next_cmd.end() ? -1 : std::max<int64_t>(nc->second - 1, -1);
    uint64_t from = e.LogEnd();
    // Each round is produced once written (in a transaction of its own on a
    // real cluster): a year-end tick over a million timers holds one round's
    // events at a time, not the whole tick's.
    Status ticked = e.TickEachRound(now, "clock", nullptr, [&](std::vector<Outcome>& round) -> Status {
      if (e.LogEnd() == from) return Status::Ok();
      const std::vector<int64_t> offsets(round.size(), src);
      auto pending = Send(p, e, from, &round, &offsets, src, src + 1);
      if (!pending.ok()) return pending.status();
      stats.transactions += pending->transactions;
      stats.aborted += pending->aborted;
      stats.timer_events += e.LogEnd() - from;
      from = e.LogEnd();
      pending->poll = poll;
      if (pending->group.size() > 0) inflight.push_back(std::move(*pending));
      return Status::Ok();
    });
    ++stats.ticks;
    if (!ticked.ok()) return ticked;  // storage failure: restart re-produces
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
    for (Pending& pending : **r) {
      stats.commands += pending.commands;
      stats.undecodable += pending.undecodable;
      stats.transactions += pending.transactions;
      stats.aborted += pending.aborted;
      stats.batches += pending.commands > 0;
      pending.poll = deciding->poll;
      if (pending.group.size() > 0) inflight.push_back(std::move(pending));
    }
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

Status KafkaEngine::Impl::TickIfDue(uint64_t poll, TickSchedule& schedule) {
  if (o.tick_interval_ms <= 0) return Status::Ok();
  // On the injected clock, so a test's fake clock drives both the
  // interval and what is due. A clock that went back ticks at once.
  const Instant now = o.now();
  // A partition just assigned ticks at once: its timers may have come
  // due while no engine owned it.
  if (now - schedule.last_tick >= o.tick_interval_ms || now < schedule.last_tick ||
      openings != schedule.ticked_openings) {
    schedule.last_tick = now;
    schedule.ticked_openings = openings;
    return TickAll(now, poll);
  }
  return Status::Ok();
}

Status KafkaEngine::Impl::RunPoll(uint64_t poll, TickSchedule& schedule) {
  PollTimes t;
  // While work is outstanding, poll briefly so it completes soon even when
  // no more commands come.
  t.fetch = Clock::now();
  auto msgs = consumer->Poll(inflight.empty() && !deciding ? 200 : 5, o.max_batch);
  t.fetched = Clock::now();
  FinishDeciding();  // poll k-1, decided while this one was fetched
  t.decided = Clock::now();
  if (!fatal.ok()) return fatal;
  if (!msgs.ok()) return msgs.status();
  if (!decide_error.ok()) return decide_error;
  // The stores are idle here (no poll is being decided): tick them.
  if (Status st = TickIfDue(poll, schedule); !st.ok()) return st;
  // Poll k-2's deliveries had all of poll k-1's deciding to arrive:
  // complete them now (waiting if need be). Also here, while no store is
  // being written by the workers.
  t.drain = Clock::now();
  Status drained = Drain(poll - 1);
  if (!msgs->empty()) RecordPollTimes(stats, poll, msgs->size(), t);
  if (!drained.ok()) return drained;
  if (!msgs->empty()) StartDeciding(poll, std::move(*msgs));
  return Status::Ok();
}

KafkaEngine::KafkaEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KafkaEngine::~KafkaEngine() = default;

Result<std::unique_ptr<KafkaEngine>> KafkaEngine::Create(const KafkaEngineOptions& options) {
  // Refused before any partition is fenced or any store made.
  if (options.max_batch_events < 1) return Status::InvalidArgument("max_batch_events must be at least 1");
  if (options.block_cache_mb < 1 || options.block_cache_mb > EngineOptions::kMaxBlockCacheMb)
    return Status::InvalidArgument("the block cache must be 1 to " + std::to_string(EngineOptions::kMaxBlockCacheMb) +
                                   " MiB, not " + std::to_string(options.block_cache_mb));
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
      log::Kafka().info("kafka engine: cluster {}: transactions {}", *id,
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
  StatusReporter status;
  if (m.o.status_interval_ms > 0 && m.o.on_status)
    status.Start(m.o.status_interval_ms, [this, &m] { m.o.on_status(Lag()); });
  // Pipelined: poll k is decided (by worker threads) while poll k+1 is
  // fetched, and its events are delivered while poll k+1 is decided.
  // Completions (produced.end, events.read) follow in order. A crash with
  // productions in flight re-produces them from produced.end at the next
  // assignment, and readers dedupe what was already there, so the outbox
  // guarantees are unchanged.
  uint64_t poll = 0;
  Impl::TickSchedule schedule;
  while (!stop.load()) {
    ++poll;
    if (Status polled = m.RunPoll(poll, schedule); !polled.ok()) {
      result = polled;
      break;
    }
  }
  m.FinishDeciding();
  if (result.ok() && !m.decide_error.ok()) result = m.decide_error;
  // Stopping: what was enqueued is delivered and recorded before the stores
  // close (not after an error: a restart re-produces it anyway).
  if (result.ok()) result = m.Drain(UINT64_MAX);
  status.Stop();
  Status closed = m.consumer->Close();
  m.engines.clear();
  m.txn.clear();
  return result.ok() ? closed : result;
}

}  // namespace duban::kafka
