// The client of Kafka mode: SubmitViaKafka (see kafka_engine.h).
#include <spdlog/spdlog.h>

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

using internal::HeaderValue;
using internal::PartitionCount;
using internal::ToI64;
using Clock = std::chrono::steady_clock;

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
      // Other commands' events are skipped on their envelope alone.
      std::string_view payload;
      size_t consumed = 0;
      if (!UnframeRecord(m.value, &payload, &consumed).ok() || consumed != m.value.size()) continue;
      auto head = schemas::DecodeEventHead(payload);
      if (!head.ok() || head->command_id != command.command_id) continue;
      auto ev = schemas::DecodeEvent(payload);
      if (!ev.ok()) continue;
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
  return Status::Unavailable("no outcome for command " + command.command_id + " within " + std::to_string(timeout_ms) +
                             " ms (it may still be decided)");
}

}  // namespace duban::kafka
