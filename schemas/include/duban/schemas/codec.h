// Codecs for events: the canonical binary form written to the log and to
// Kafka (cereal portable binary, little-endian on every host), the hash chain,
// and JSON for the edges (CLI --json, HTTP, `duban decode`).
//
// Binary layout of one event (before framing, see duban/coding.h):
//   u8 envelope_format (=2) | event_id | stream | u64 stream_seq | u16 type |
//   u16 type_version | i64 occurred_at | i64 recorded_at | actor{id, u8 role, name} |
//   command_id | correlation_id | prev_hash | body bytes (string) |
//   back_entry_reason (format 2 only) | hash
// Format 1 events (no back_entry_reason) still decode, and re-encode to the
// same bytes (Event::envelope_format), so their hashes verify.
// strings are cereal's u64 length + bytes. The body is encoded on its own so
// an unknown (type, version) survives decoding as UnknownEvent.
//
// Guarantee: Decode* never throws and never crashes on any input; damaged
// bytes come back as Status::Corruption.
#pragma once

#include <string>
#include <string_view>

#include "duban/schemas/commands.h"
#include "duban/schemas/events.h"
#include "duban/status.h"

namespace duban::schemas {

std::string EncodeBody(const EventBody& body);
// Decodes a body of any known (type, version), upcasting old versions;
// an unknown type or a version newer than this build gives UnknownEvent.
Result<EventBody> DecodeBody(uint16_t type, uint16_t version, std::string_view bytes);

std::string EncodeEvent(const Event& e);
// Sets e.hash (sha256 hex of every byte before the hash field, which is the
// last one) and returns the event's encoding, in one pass.
std::string EncodeEventWithHash(Event& e);
Result<Event> DecodeEvent(std::string_view bytes);

// The envelope fields before the actor, and the command id, read in place
// (views into `bytes`, no allocation) for readers that only route or dedupe:
// a client waiting for its command's events, a counter of distinct events.
// Reads up to command_id only: the body and the hash are not checked, so a
// record that passes here may still fail DecodeEvent.
struct EventHead {
  std::string_view event_id;
  std::string_view stream;
  uint64_t stream_seq = 0;
  uint16_t type = 0;  // as Event::type
  std::string_view command_id;
};
Result<EventHead> DecodeEventHead(std::string_view bytes);

// sha256 hex of the event's encoding up to (not including) the hash field;
// prev_hash is inside, which chains the stream.
std::string ComputeHash(const Event& e);
// Deterministic event id: first 16 bytes of sha256(command_id, index), hex.
std::string DeriveEventId(std::string_view command_id, uint32_t index);
std::string Sha256Hex(std::string_view data);

// JSON (UTF-8, one object) for people and tools.
std::string EventToJson(const Event& e);
std::string BodyToJson(const EventBody& body);
// One line a person can read: "AssignmentAccepted task 3 unit 市财政局".
std::string DescribeBody(const EventBody& body);

// Commands travel as bytes on duban.commands in Kafka mode.
std::string EncodeCommand(const Command& c);
// What makes a command what it is, as a sha256 hex: plan, expected version,
// actor and body; not its id, correlation id or the moment it was issued (a
// retry sent later is the same command). Idempotency compares it, and derived
// ids (plan import) are made from it.
std::string CommandDigest(const Command& c);
Result<Command> DecodeCommand(std::string_view bytes);

}  // namespace duban::schemas
