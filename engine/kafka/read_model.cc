// The read model of Kafka mode: ProjectEvents (see kafka_engine.h).

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
#include "duban/log.h"

namespace duban::kafka {

using internal::DecodeEventRecord;
using internal::HeaderValue;
using internal::MetaI64;
using internal::PartitionCount;
using internal::ToI64;

namespace {

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

// kWait: hold from the first incomplete command (while polling).
// kStopping: hold only an incomplete tail; an incomplete command followed by
// a complete one was cut short for good (e.g. retention) and is applied.
enum class Hold { kWait, kStopping };
constexpr size_t kMaxWaiting = 200000;  // events per partition; then apply as is

// How many events at the front of `list` may be applied now; the rest wait.
size_t ReadyCount(const std::string& topic, int32_t p, const std::vector<Pending>& list, Hold hold) {
  size_t keep = list.size();
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
    log::Kafka().warn("{}[{}]: command {} still incomplete after {} events; applying it as it is", topic, p,
                      list[keep].event.command_id, kMaxWaiting);
    keep = list.size();
  }
  return keep;
}

// Per partition: the offset reading is at, and the end offset seen at the start.
struct Offsets {
  std::map<int32_t, int64_t> high, next;
};

// Assigns every partition from the offset stored in the store's meta (the
// beginning when none is).
Result<Offsets> AssignStoredOffsets(const KafkaConfig& cfg, const Engine& store, Consumer& consumer, int partitions) {
  Offsets o;
  std::vector<TopicPartition> assign;
  for (int p = 0; p < partitions; ++p) {
    auto from = MetaI64(store, "events.offset." + std::to_string(p), kOffsetBeginning);
    if (!from.ok()) return from.status();
    auto wm = consumer.Watermarks(cfg.events_topic, p, 10000);
    if (!wm.ok()) return wm.status();
    o.high[p] = wm->second;
    o.next[p] = *from < 0 ? wm->first : *from;
    assign.push_back(TopicPartition{cfg.events_topic, p, o.next[p]});
  }
  if (Status st = consumer.Assign(assign); !st.ok()) return st;
  return o;
}

// Polls duban.events and applies each partition's complete commands, in
// partition order, with the offset to resume from.
class EventsProjection {
 public:
  EventsProjection(const KafkaConfig& cfg, Engine& store, const ProjectHooks& hooks, Consumer& consumer,
                   Offsets offsets)
      : cfg_(cfg), store_(store), hooks_(hooks), consumer_(consumer), offsets_(std::move(offsets)) {}

  bool Done(bool follow, const std::atomic<bool>* stop) {
    if (stop && stop->load()) return true;
    if (follow) return false;
    for (const auto& [p, h] : offsets_.high)
      if (offsets_.next[p] < h) return false;
    return true;
  }

  Status PollAndApply() {
    auto msgs = consumer_.Poll(200, 5000);
    if (!msgs.ok()) return msgs.status();
    if (msgs->empty()) {
      // Past transaction markers (never returned) at the end of a partition.
      for (auto& [p, at] : offsets_.next) at = std::max(at, consumer_.Position(cfg_.events_topic, p));
      return Status::Ok();
    }
    std::set<int32_t> polled;
    for (const auto& m : *msgs) Take(m, polled);
    // One AppendExternal per partition keeps each partition's order.
    for (int32_t p : polled)
      if (Status st = Apply(p, carry_[p], Hold::kWait); !st.ok()) return st;
    return Status::Ok();
  }

  // Stopping: an incomplete tail stays unapplied (the stored offset is before
  // it, so the next run reads it again with what follows).
  Status ApplyWhatIsComplete() {
    for (auto& [p, list] : carry_)
      if (!list.empty())
        if (Status st = Apply(p, list, Hold::kStopping); !st.ok()) return st;
    return Status::Ok();
  }

  const ProjectStats& stats() const { return stats_; }

 private:
  void Take(const Message& m, std::set<int32_t>& polled) {
    ++stats_.records;
    offsets_.next[m.partition] = std::max(offsets_.next[m.partition], m.offset + 1);
    polled.insert(m.partition);
    auto ev = DecodeEventRecord(m.value);
    if (!ev.ok()) {
      ++stats_.undecodable;
      log::Kafka().warn("{}[{}]@{}: undecodable event skipped: {}", m.topic, m.partition, m.offset,
                        ev.status().ToString());
      return;
    }
    carry_[m.partition].push_back(
        Pending{m.offset, std::max<int64_t>(1, ToI64(HeaderValue(m.headers, kHeaderCmdEvents), 1)), std::move(*ev)});
  }

  Status Apply(int32_t p, std::vector<Pending>& list, Hold hold) {
    const size_t keep = ReadyCount(cfg_.events_topic, p, list, hold);
    std::vector<schemas::Event> events;
    events.reserve(keep);
    for (size_t i = 0; i < keep; ++i) events.push_back(std::move(list[i].event));
    const int64_t offset = keep < list.size() ? list[keep].offset : offsets_.next[p];
    Result<Engine::AppendResult> r = Status::Unavailable("not written");
    auto write = [&] {
      r = store_.AppendExternal(events, {{"events.offset." + std::to_string(p), std::to_string(offset)}});
      return r.status();
    };
    if (hooks_.guard)
      (void)hooks_.guard(write);
    else
      (void)write();
    if (!r.ok()) return r.status();
    if (hooks_.applied && r->appended) hooks_.applied();
    stats_.appended += r->appended;
    stats_.duplicates += r->duplicates;
    stats_.forks += r->forks;
    list.erase(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(keep));
    return Status::Ok();
  }

  const KafkaConfig& cfg_;
  Engine& store_;
  const ProjectHooks& hooks_;
  Consumer& consumer_;
  Offsets offsets_;
  std::map<int32_t, std::vector<Pending>> carry_;
  ProjectStats stats_;
};

}  // namespace

Result<ProjectStats> ProjectEvents(const KafkaConfig& cfg, Engine& store, bool follow, const std::atomic<bool>* stop,
                                   const ProjectHooks& hooks) {
  auto n = PartitionCount(cfg, cfg.events_topic);
  if (!n.ok()) return n.status();
  auto consumer = Consumer::Create(cfg, "");
  if (!consumer.ok()) return consumer.status();
  auto offsets = AssignStoredOffsets(cfg, store, **consumer, *n);
  if (!offsets.ok()) return offsets.status();
  EventsProjection projection(cfg, store, hooks, **consumer, std::move(*offsets));
  while (!projection.Done(follow, stop))
    if (Status st = projection.PollAndApply(); !st.ok()) return st;
  if (Status st = projection.ApplyWhatIsComplete(); !st.ok()) return st;
  return projection.stats();
}

}  // namespace duban::kafka
