// The JSON body of `POST /api/v1/commands` decoded into a schemas::Command,
// strictly: the one place request bytes become a command (fuzzed by
// tests/server/command_json_fuzz.cc).
//
// Guarantees: never throws, on any bytes. A body is refused (InvalidArgument,
// the message naming the field) when it is not valid UTF-8 or not one JSON
// object, names a field its type does not take (an "actor", "role" or
// "actor_id" above all: who acts is the signed-in account, never the body),
// lacks a required field, has a field of the wrong type, a text over
// kMaxTextChars characters, a name over kMaxNameBytes bytes or holding a
// control character, a command_id outside 1..kMaxCommandIdChars characters,
// an integer out of range or a date that is not YYYY-MM-DD. The decoded
// command has no actor and no issued_at: the server fills both.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "duban/schemas/commands.h"
#include "duban/status.h"

namespace duban::server {

inline constexpr size_t kMaxTextChars = 4000;
inline constexpr size_t kMaxNameBytes = 256;
inline constexpr size_t kMaxCommandIdChars = 128;
inline constexpr int32_t kMaxTaskNumber = 1'000'000;
inline constexpr size_t kMaxEvidencePerCommand = 20;

// A file a progress report or submission cites: uploaded before
// (POST /api/v1/evidence), named by its SHA-256 (64 lowercase hex digits).
struct EvidenceRef {
  std::string sha256, name;
};

struct DecodedCommand {
  std::string type;                   // "accept", "progress", ... (CommandTypes())
  schemas::Command command;           // no actor, no issued_at
  std::vector<EvidenceRef> evidence;  // progress and submit only
  std::string cycle_kind;             // start_cycle: the workflow definition's template id
  bool accept_unknown_unit = false;   // add_unit: a name the unit directory lacks, taken as written
};

// Every type the endpoint takes, in documentation order.
const std::vector<std::string>& CommandTypes();
// Types a unit account may send (its own assignment's steps); the others are the office's.
bool IsUnitCommandType(std::string_view type);

Result<DecodedCommand> DecodeCommandJson(std::string_view body);

}  // namespace duban::server
