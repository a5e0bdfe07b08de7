// The read model of Kafka mode: ProjectEvents (see kafka_engine.h).
#include <spdlog/spdlog.h>

#include <map>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "duban/coding.h"
#include "duban/kafka/consumer.h"
#include "duban/kafka/kafka_engine.h"
#include "duban/kafka/producer.h"
#include "duban/schemas/codec.h"
#include "events_io.h"

namespace duban::kafka {

using internal::DecodeEventRecord;
using internal::HeaderValue;
using internal::MetaI64;
using internal::PartitionCount;
using internal::ToI64;

Result<ProjectStats> ProjectEvents(const KafkaConfig& cfg, Engine& store, bool follow, const std::atomic<bool>* stop,
                                   const ProjectHooks& hooks) {
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
        spdlog::warn("{}[{}]: command {} still incomplete after {} events; applying it as it is", cfg.events_topic, p,
                     list[keep].event.command_id, kMaxWaiting);
        keep = list.size();
      }
    }
    std::vector<schemas::Event> events;
    events.reserve(keep);
    for (size_t i = 0; i < keep; ++i) events.push_back(std::move(list[i].event));
    const int64_t offset = keep < list.size() ? list[keep].offset : next[p];
    Result<Engine::AppendResult> r = Status::Unavailable("not written");
    auto write = [&] {
      r = store.AppendExternal(events, {{"events.offset." + std::to_string(p), std::to_string(offset)}});
      return r.status();
    };
    if (hooks.guard)
      (void)hooks.guard(write);
    else
      (void)write();
    if (!r.ok()) return r.status();
    if (hooks.applied && r->appended) hooks.applied();
    stats.appended += r->appended;
    stats.duplicates += r->duplicates;
    stats.forks += r->forks;
    list.erase(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(keep));
    return Status::Ok();
  };
  while (!done()) {
    auto msgs = (*consumer)->Poll(200, 5000);
    if (!msgs.ok()) return msgs.status();
    if (msgs->empty()) {
      // Past transaction markers (never returned) at the end of a partition.
      for (auto& [p, at] : next) at = std::max(at, (*consumer)->Position(cfg.events_topic, p));
      continue;
    }
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
