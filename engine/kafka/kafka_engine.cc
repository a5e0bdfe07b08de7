// The engine in Kafka mode, its client and its read model: see kafka_engine.h.
#include "duban/kafka/kafka_engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "duban/coding.h"
#include "duban/kafka/admin.h"
#include "duban/kafka/consumer.h"
#include "duban/kafka/producer.h"
#include "duban/schemas/codec.h"

namespace duban::kafka {
namespace {

using Clock = std::chrono::steady_clock;

std::string HeaderValue(const Headers& h, const std::string& name) {
  for (const auto& [k, v] : h)
    if (k == name) return v;
  return {};
}

int64_t ToI64(const std::string& s, int64_t dflt) {
  if (s.empty()) return dflt;
  try {
    return std::stoll(s);
  } catch (...) {
    return dflt;
  }
}

Result<int64_t> MetaI64(const Engine& e, const std::string& key, int64_t dflt) {
  auto v = e.GetMeta(key);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return dflt;
  return ToI64(**v, dflt);
}

// Decodes one duban.events record (frame checked first).
Result<schemas::Event> DecodeEventRecord(const std::string& value) {
  std::string_view payload;
  size_t consumed = 0;
  if (Status st = UnframeRecord(value, &payload, &consumed); !st.ok()) return st;
  if (consumed != value.size()) return Status::Corruption("trailing bytes after the frame");
  return schemas::DecodeEvent(payload);
}

Result<int> PartitionCount(const KafkaConfig& cfg, const std::string& topic) {
  auto admin = Admin::Create(cfg);
  if (!admin.ok()) return admin.status();
  auto parts = (*admin)->ListPartitions(topic, 10000);
  if (!parts.ok()) return parts.status();
  return static_cast<int>(parts->size());
}

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
    if (msgs->empty()) continue;
    for (const auto& m : *msgs) next = std::max(next, m.offset + 1);
    if (Status st = fn(*msgs); !st.ok()) return st;
  }
  return next;
}

}  // namespace

std::string CommandRecord(const schemas::Command& c) { return FrameRecord(schemas::EncodeCommand(c)); }

// ============================== KafkaEngine ==============================

struct KafkaEngine::Impl {
  KafkaEngineOptions o;
  std::unique_ptr<Producer> producer;
  std::unique_ptr<Consumer> consumer;
  std::map<int32_t, std::unique_ptr<Engine>> engines;
  std::map<int32_t, int64_t> next_cmd;  // next command offset expected per partition
  KafkaEngineStats stats;
  Status fatal;  // set inside the rebalance listener, returned by Run

  std::string Dir(int32_t p) const { return o.data_dir + "/partition-" + std::to_string(p); }
  std::string OffsetKey(int32_t p) const { return "cmd.offset." + std::to_string(p); }

  // Production of one partition's new log range, in flight.
  struct Pending {
    int32_t p = -1;
    uint64_t end = 0;  // LogEnd when enqueued: produced.end once delivered
    bool again = false;
    std::vector<std::future<Result<Delivery>>> futures;
  };

  // Enqueues log positions [from, LogEnd) of partition p's engine for
  // duban.events partition p; `offset_of` gives each event's source command
  // offset.
  Result<Pending> Enqueue(int32_t p, Engine& e, uint64_t from,
                          const std::function<int64_t(const std::string&)>& offset_of, bool again) {
    Pending pending;
    pending.p = p;
    pending.end = e.LogEnd();
    pending.again = again;
    if (from >= pending.end) return pending;
    std::vector<schemas::Event> events;
    Status scan = e.ScanLog(from, [&](uint64_t pos, const schemas::Event& ev) {
      if (pos >= pending.end) return false;
      events.push_back(ev);
      return true;
    });
    if (!scan.ok()) return scan;
    std::map<std::string, int> per_command;
    for (const auto& ev : events) ++per_command[ev.command_id];
    pending.futures.reserve(events.size());
    for (const auto& ev : events) {
      Headers h{{kHeaderCmdOffset, std::to_string(offset_of(ev.command_id))},
                {kHeaderCmdEvents, std::to_string(per_command[ev.command_id])}};
      pending.futures.push_back(
          producer->ProduceAsync(o.kafka.events_topic, ev.stream, FrameRecord(schemas::EncodeEvent(ev)), h, p));
    }
    return pending;
  }

  // Waits for the deliveries, then records produced.end and events.read in
  // the partition's store (if it is still open: a revoked partition records
  // nothing and produces again next time, which is harmless).
  Status Complete(Pending& pending, Engine* e) {
    int64_t max_offset = -1;
    for (auto& f : pending.futures) {
      auto d = f.get();
      if (!d.ok()) return Status::Unavailable("producing to " + o.kafka.events_topic + ": " + d.status().ToString());
      max_offset = std::max(max_offset, d->offset);
    }
    if (pending.futures.empty() || !e) return Status::Ok();
    stats.produced += pending.futures.size();
    if (pending.again) stats.reproduced += pending.futures.size();
    Engine::MetaWrites meta{{"produced.end", std::to_string(pending.end)}};
    if (max_offset >= 0) meta.emplace_back("events.read", std::to_string(max_offset + 1));
    auto r = e->AppendExternal({}, meta);
    return r.ok() ? Status::Ok() : r.status();
  }

  Status ProduceFrom(int32_t p, Engine& e, uint64_t from,
                     const std::function<int64_t(const std::string&)>& offset_of, bool again) {
    auto pending = Enqueue(p, e, from, offset_of, again);
    if (!pending.ok()) return pending.status();
    return Complete(*pending, &e);
  }

  // Opens partition p's store, re-produces what was not produced, catches up
  // from duban.events and returns the command offset to resume at.
  Result<int64_t> OpenPartition(int32_t p) {
    std::filesystem::create_directories(o.data_dir);
    EngineOptions eo;
    eo.data_dir = Dir(p);
    eo.rejected_stream = "!rejected/" + std::to_string(p);
    eo.write_buffer_mb = 8;
    auto opened = Engine::Open(eo, o.timers);
    if (!opened.ok()) return opened.status();
    Engine& e = **opened;
    auto cmd_offset = MetaI64(e, OffsetKey(p), -1);
    if (!cmd_offset.ok()) return cmd_offset.status();
    auto produced_end = MetaI64(e, "produced.end", 0);
    if (!produced_end.ok()) return produced_end.status();
    if (static_cast<uint64_t>(*produced_end) < e.LogEnd()) {
      // Not known to be in duban.events: produce again. Their source offset is
      // at most the last command consumed.
      const int64_t src = std::max<int64_t>(*cmd_offset - 1, 0);
      spdlog::info("partition {}: re-producing log positions {}..{}", p, *produced_end, e.LogEnd());
      if (Status st = ProduceFrom(p, e, *produced_end, [&](const std::string&) { return src; }, true); !st.ok())
        return st;
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
    }
    spdlog::info("assigned {} partitions", parts.size());
  }

  // Decides and commits one partition's batch and enqueues its events.
  Result<Pending> Process(int32_t p, std::vector<const Message*>& msgs) {
    auto it = engines.find(p);
    if (it == engines.end()) return Pending{};  // revoked meanwhile
    Engine& e = *it->second;
    int64_t& expected = next_cmd[p];
    std::vector<schemas::Command> cmds;
    std::map<std::string, int64_t> offset_of;
    int64_t last = -1;
    for (const Message* m : msgs) {
      if (expected >= 0 && m->offset < expected) continue;  // applied already
      last = m->offset;
      std::string_view payload;
      size_t consumed = 0;
      Status st = UnframeRecord(m->value, &payload, &consumed);
      Result<schemas::Command> c = st.ok() ? schemas::DecodeCommand(payload) : Result<schemas::Command>(st);
      if (!c.ok()) {
        ++stats.undecodable;
        spdlog::warn("{}[{}]@{}: undecodable command skipped: {}", m->topic, p, m->offset,
                     c.status().ToString());
        continue;
      }
      offset_of.emplace(c->command_id, m->offset);
      cmds.push_back(std::move(*c));
    }
    if (last < 0) return Pending{};
    const uint64_t from = e.LogEnd();
    auto outcomes = e.SubmitBatch(cmds, {{OffsetKey(p), std::to_string(last + 1)}});
    for (const auto& out : outcomes)
      if (out.status.code() != Status::Code::kRejected && !out.status.ok())
        return out.status;  // a storage failure: stop, restart resumes from RocksDB
    stats.commands += cmds.size();
    expected = last + 1;
    return Enqueue(p, e, from, [&](const std::string& id) {
      auto f = offset_of.find(id);
      return f == offset_of.end() ? last : f->second;
    }, false);
  }
};

KafkaEngine::KafkaEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KafkaEngine::~KafkaEngine() = default;

Result<std::unique_ptr<KafkaEngine>> KafkaEngine::Create(const KafkaEngineOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->o = options;
  if (!impl->o.timers) impl->o.timers = DefaultTimerPolicy();
  KafkaConfig pc = options.kafka;
  // Never give a message up: a gap in a stream would stop every reader.
  pc.message_timeout_ms = 0;
  // Each poll waits for its deliveries: lingering only adds to that wait.
  if (!pc.extra.count("linger.ms")) pc.extra["linger.ms"] = "1";
  auto producer = Producer::Create(pc);
  if (!producer.ok()) return producer.status();
  impl->producer = std::move(*producer);
  auto consumer = Consumer::Create(options.kafka, options.group);
  if (!consumer.ok()) return consumer.status();
  impl->consumer = std::move(*consumer);
  return std::unique_ptr<KafkaEngine>(new KafkaEngine(std::move(impl)));
}

KafkaEngineStats KafkaEngine::stats() const { return impl_->stats; }

Status KafkaEngine::Run(const std::atomic<bool>& stop) {
  Impl& m = *impl_;
  Status st = m.consumer->Subscribe({m.o.kafka.commands_topic},
                                    [&m](RebalanceKind k, std::vector<TopicPartition>& parts) {
                                      m.OnRebalance(k, parts);
                                    });
  if (!st.ok()) return st;
  Status result;
  while (!stop.load()) {
    auto msgs = m.consumer->Poll(200, m.o.max_batch);
    if (!m.fatal.ok()) {
      result = m.fatal;
      break;
    }
    if (!msgs.ok()) {
      result = msgs.status();
      break;
    }
    std::map<int32_t, std::vector<const Message*>> by_partition;
    for (const auto& msg : *msgs) by_partition[msg.partition].push_back(&msg);
    // Every partition's batch is committed and enqueued first, then all
    // deliveries are awaited together: one round trip per poll.
    std::vector<Impl::Pending> pending;
    for (auto& [p, list] : by_partition) {
      auto r = m.Process(p, list);
      if (!r.ok()) {
        result = r.status();
        break;
      }
      pending.push_back(std::move(*r));
    }
    for (auto& pe : pending) {
      auto it = m.engines.find(pe.p);
      Status st = m.Complete(pe, it == m.engines.end() ? nullptr : it->second.get());
      if (result.ok()) result = st;
    }
    if (!result.ok()) break;
  }
  Status closed = m.consumer->Close();
  m.engines.clear();
  return result.ok() ? closed : result;
}

// ============================== client ==============================

Result<Outcome> SubmitViaKafka(const KafkaConfig& cfg, const schemas::Command& command, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  auto n = PartitionCount(cfg, cfg.events_topic);
  if (!n.ok()) return n.status();
  auto consumer = Consumer::Create(cfg, "");
  if (!consumer.ok()) return consumer.status();
  std::vector<int64_t> high(*n, 0);
  for (int p = 0; p < *n; ++p) {
    auto wm = (*consumer)->Watermarks(cfg.events_topic, p, 10000);
    if (!wm.ok()) return wm.status();
    high[p] = wm->second;
  }
  auto producer = Producer::Create(cfg);
  if (!producer.ok()) return producer.status();
  auto delivered = (*producer)->ProduceAsync(cfg.commands_topic, command.plan_id, CommandRecord(command)).get();
  if (!delivered.ok()) return delivered.status();
  const int32_t p = delivered->partition;
  if (p < 0 || p >= *n) return Status::Unavailable("commands and events topics differ in partition count");
  if (Status st = (*consumer)->Assign({TopicPartition{cfg.events_topic, p, high[p]}}); !st.ok()) return st;
  Outcome out;
  out.command_id = command.command_id;
  std::set<std::string> seen;
  int64_t want = -1;
  while (Clock::now() < deadline) {
    auto msgs = (*consumer)->Poll(200, 1000);
    if (!msgs.ok()) return msgs.status();
    for (const auto& m : *msgs) {
      auto ev = DecodeEventRecord(m.value);
      if (!ev.ok() || ev->command_id != command.command_id) continue;
      if (!seen.insert(ev->event_id).second) continue;
      want = ToI64(HeaderValue(m.headers, kHeaderCmdEvents), 1);
      if (auto* rej = std::get_if<schemas::CommandRejected>(&ev->body)) {
        out.status = Status::Rejected(rej->reason, rej->message);
      } else {
        out.events.push_back(std::move(*ev));
      }
      if (static_cast<int64_t>(seen.size()) >= want) return out;
    }
  }
  return Status::Unavailable("no outcome for command " + command.command_id + " within " +
                             std::to_string(timeout_ms) + " ms (it may still be decided)");
}

// ============================== read model ==============================

Result<ProjectStats> ProjectEvents(const KafkaConfig& cfg, Engine& store, bool follow,
                                   const std::atomic<bool>* stop) {
  ProjectStats stats;
  auto n = PartitionCount(cfg, cfg.events_topic);
  if (!n.ok()) return n.status();
  auto consumer = Consumer::Create(cfg, "");
  if (!consumer.ok()) return consumer.status();
  std::vector<TopicPartition> assign;
  std::map<int32_t, int64_t> high, next;
  for (int p = 0; p < *n; ++p) {
    auto from = MetaI64(store, "events.offset." + std::to_string(p), kOffsetBeginning);
    if (!from.ok()) return from.status();
    auto wm = consumer->get()->Watermarks(cfg.events_topic, p, 10000);
    if (!wm.ok()) return wm.status();
    high[p] = wm->second;
    next[p] = *from < 0 ? wm->first : *from;
    assign.push_back(TopicPartition{cfg.events_topic, p, next[p]});
  }
  if (Status st = (*consumer)->Assign(assign); !st.ok()) return st;
  auto done = [&] {
    if (stop && stop->load()) return true;
    if (follow) return false;
    for (const auto& [p, h] : high)
      if (next[p] < h) return false;
    return true;
  };
  // A command's events must land contiguously in the merged log: its commands
  // row is the run of positions they took, as a rebuild computes it. A poll
  // can end inside a command and the next one bring another partition's
  // events first, so from the first command of a partition of which fewer
  // events have arrived than its header announces, events wait for the rest
  // (and the stored offset stays before them, so a restart reads them again).
  struct Pending {
    int64_t offset = 0;
    int64_t announced = 1;  // events of its command (duban-cmd-n), 1 when absent
    schemas::Event event;
  };
  std::map<int32_t, std::vector<Pending>> carry;
  // kWait: hold from the first incomplete command (while polling).
  // kStopping: hold only an incomplete tail; an incomplete command followed by
  // a complete one was cut short for good (e.g. retention) and is applied.
  enum class Hold { kWait, kStopping };
  constexpr size_t kMaxWaiting = 200000;  // events per partition; then apply as is
  auto apply = [&](int32_t p, std::vector<Pending>& list, Hold hold) -> Status {
    size_t keep = list.size();  // events [keep, end) wait
    {
      // Counted over the whole list: an engine killed while producing leaves
      // a command cut short, and produces it whole again after duplicates of
      // what came before it.
      std::map<std::string_view, std::pair<std::set<std::string_view>, int64_t>> seen;
      for (const auto& pe : list) {
        auto& [ids, announced] = seen[pe.event.command_id];
        ids.insert(pe.event.event_id);
        announced = std::max(announced, pe.announced);
      }
      auto complete = [&](size_t i) {
        const auto& [ids, announced] = seen[list[i].event.command_id];
        return static_cast<int64_t>(ids.size()) >= announced;
      };
      for (size_t i = 0; i < list.size(); ++i)
        if (!complete(i)) {
          keep = i;
          break;
        }
      if (hold == Hold::kStopping)
        for (size_t i = keep; i < list.size(); ++i)
          if (complete(i)) keep = list.size();
      if (list.size() - keep > kMaxWaiting) {
        spdlog::warn("{}[{}]: command {} still incomplete after {} events; applying it as it is",
                     cfg.events_topic, p, list[keep].event.command_id, kMaxWaiting);
        keep = list.size();
      }
    }
    std::vector<schemas::Event> events;
    events.reserve(keep);
    for (size_t i = 0; i < keep; ++i) events.push_back(std::move(list[i].event));
    const int64_t offset = keep < list.size() ? list[keep].offset : next[p];
    auto r = store.AppendExternal(events, {{"events.offset." + std::to_string(p), std::to_string(offset)}});
    if (!r.ok()) return r.status();
    stats.appended += r->appended;
    stats.duplicates += r->duplicates;
    list.erase(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(keep));
    return Status::Ok();
  };
  while (!done()) {
    auto msgs = (*consumer)->Poll(200, 5000);
    if (!msgs.ok()) return msgs.status();
    if (msgs->empty()) continue;
    std::set<int32_t> polled;
    for (const auto& m : *msgs) {
      ++stats.records;
      next[m.partition] = std::max(next[m.partition], m.offset + 1);
      polled.insert(m.partition);
      auto ev = DecodeEventRecord(m.value);
      if (!ev.ok()) {
        ++stats.undecodable;
        spdlog::warn("{}[{}]@{}: undecodable event skipped: {}", m.topic, m.partition, m.offset,
                     ev.status().ToString());
        continue;
      }
      carry[m.partition].push_back(
          Pending{m.offset, std::max<int64_t>(1, ToI64(HeaderValue(m.headers, kHeaderCmdEvents), 1)), std::move(*ev)});
    }
    // One AppendExternal per partition keeps each partition's order.
    for (int32_t p : polled)
      if (Status st = apply(p, carry[p], Hold::kWait); !st.ok()) return st;
  }
  // Stopping: an incomplete tail stays unapplied (the stored offset is before
  // it, so the next run reads it again with what follows).
  for (auto& [p, list] : carry)
    if (!list.empty())
      if (Status st = apply(p, list, Hold::kStopping); !st.ok()) return st;
  return stats;
}

}  // namespace duban::kafka
