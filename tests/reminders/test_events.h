// Builders of events as the engine would write them, for the reminders tests.
#pragma once

#include <string>

#include "duban/coding.h"
#include "duban/schemas/codec.h"
#include "duban/schemas/events.h"

namespace duban::consumers::testing {

inline schemas::Event MakeEvent(const std::string& plan, uint64_t seq, schemas::EventBody body) {
  schemas::Event e;
  e.command_id = plan + "-cmd-" + std::to_string(seq);
  e.event_id = schemas::DeriveEventId(e.command_id, 0);
  e.stream = plan;
  e.stream_seq = seq;
  e.type = static_cast<uint16_t>(schemas::TypeOf(body));
  e.type_version = schemas::CurrentVersion(schemas::TypeOf(body));
  e.occurred_at = 1640000000000 + static_cast<Instant>(seq);
  e.recorded_at = e.occurred_at;
  e.actor = {"system", schemas::Role::kSystem, "timer"};
  e.body = std::move(body);
  return e;
}

// The bytes a duban.events record carries.
inline std::string EventRecord(schemas::Event& e) { return FrameRecord(schemas::EncodeEventWithHash(e)); }

inline schemas::TaskAdded Task(int32_t number, std::string content, std::string due_on) {
  schemas::TaskAdded t;
  t.number = number;
  t.content = std::move(content);
  t.deadline.text = due_on + "前";
  t.deadline.due_on = std::move(due_on);
  return t;
}

inline schemas::PlanImported Plan(std::string title) {
  schemas::PlanImported p;
  p.title = std::move(title);
  return p;
}

}  // namespace duban::consumers::testing
