// What a command id seen before answers: the outcome recorded under it (read
// back from the log through the `commands` index), or a conflict when the
// id was used for another command.
//
// Guarantee: an id answers the same outcome every time it is asked, and
// never passes one command off as another (schemas::CommandDigest, kept in
// its `commands` row, or in `meta` in older stores; for ids recorded before digests were kept, the first event's actor
// and plan).
#include "engine_impl.h"

namespace duban {

using namespace core;
using schemas::Command;
using schemas::Event;

Result<Outcome> Engine::Impl::StoredOutcome(const std::string& command_id, Event* first_event) const {
  std::string v;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf[kCommands], command_id, &v);
  if (!s.ok()) return FromRocks(s, "command " + command_id);
  uint64_t first = 0;
  uint32_t count = 0;
  if (auto st = records::DecodeCommandRef(v, &first, &count); !st.ok()) return st;
  std::vector<uint64_t> positions;
  for (uint32_t i = 0; i < count; ++i) positions.push_back(first + i);
  auto events = ReadPositions(positions);
  if (!events.ok()) return events.status();
  Outcome o;
  o.command_id = command_id;
  o.duplicate = true;
  o.first_position = first;
  if (first_event && !events->empty()) *first_event = events->front().event;
  for (auto& h : *events) {
    if (auto* rej = std::get_if<schemas::CommandRejected>(&h.event.body)) {
      o.status = Status::Rejected(rej->reason, rej->message);
      return o;
    }
    o.events.push_back(std::move(h.event));
  }
  return o;
}

Status Engine::Impl::IdConflict(const std::string& id, const Event& first, const schemas::Actor& caller) {
  const bool same = first.actor.id == caller.id && first.actor.role == caller.role;
  return Status::Conflict("the command id " + id + " was used before for a different command (" +
                          (same ? "by you" : "by another account") +
                          "); nothing was written and the first command's outcome stands: give this command "
                          "a new id");
}

Result<std::optional<std::string>> Engine::Impl::KeptDigest(const std::string& id) const {
  std::string v;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf[kCommands], id, &v);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading command " + id);
  if (s.ok()) {
    uint64_t first = 0;
    uint32_t count = 0;
    std::string digest;
    if (Status st = records::DecodeCommandRef(v, &first, &count, &digest); !st.ok()) return st;
    if (!digest.empty()) return std::optional<std::string>(std::move(digest));
  }
  // Stores before format 2 kept digests in `meta`.
  s = db->Get(rocksdb::ReadOptions(), cf[kMeta], kCommandDigestPrefix + id, &v);
  if (s.ok()) return std::optional<std::string>(std::move(v));
  if (!s.IsNotFound()) return FromRocks(s, "reading command digests");
  return std::optional<std::string>();
}

Status Engine::Impl::SameCommand(const Command& c, const Event& first) const {
  auto kept = KeptDigest(c.command_id);
  if (!kept.ok()) return kept.status();
  if (kept->has_value()) return **kept == CommandDigestOf(c) ? Status::Ok() : IdConflict(c.command_id, first, c.actor);
  const bool rejection = !first.stream.empty() && first.stream[0] == '!';
  if (first.actor.id != c.actor.id || first.actor.role != c.actor.role || (!rejection && first.stream != c.plan_id))
    return IdConflict(c.command_id, first, c.actor);
  return Status::Ok();
}

Status Engine::Impl::SameNotice(const Engine::CalendarNoticeRequest& r, const std::string& digest,
                                const Event& first) const {
  auto kept = KeptDigest(r.command_id);
  if (!kept.ok()) return kept.status();
  if (kept->has_value()) return **kept == digest ? Status::Ok() : IdConflict(r.command_id, first, r.actor);
  const auto* rej = std::get_if<schemas::CommandRejected>(&first.body);
  const bool notice = first.stream == kCalendarStream || (rej && rej->command_type == "calendar_add");
  if (!notice || first.actor.id != r.actor.id || first.actor.role != r.actor.role)
    return IdConflict(r.command_id, first, r.actor);
  return Status::Ok();
}

}  // namespace duban
