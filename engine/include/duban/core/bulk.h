// Bulk office steps (issue 20): approve (销号), reject or urge (催办) many
// assignments of one plan at once, as `duban bulk` and POST /api/v1/bulk do.
// A bulk step is not one transaction: each item is its own command, decided
// alone, with its own outcome, so one item refused leaves the others done.
// Each item's command id is derived from the bulk's id and the item (not its
// place in the list), so sending the same bulk again, in any order, answers
// each item with its first outcome and writes nothing twice. Pure: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "duban/core/queue.h"
#include "duban/schemas/commands.h"
#include "duban/status.h"

namespace duban::core {

enum class BulkAction : uint8_t {
  kApprove = 1,  // approve a submission (销号); text: the review comment (optional)
  kReject = 2,   // send a submission back; text: the reason (required)
  kRemind = 3,   // urge (催办) a unit on an open assignment; text: the office's words (optional)
};
const char* BulkActionName(BulkAction a);  // "approve" | "reject" | "remind"
std::optional<BulkAction> ParseBulkAction(std::string_view s);

// Where the office's list comes from when it names no items: the
// submissions waiting for review (approve, reject), the silent assignments
// (remind).
QueueKind BulkQueueOf(BulkAction a);

struct BulkItem {
  int32_t task = 0;
  std::string unit;
  bool operator==(const BulkItem&) const = default;
};

// A bulk acts on at most this many items: a page of the office's queue, and a
// bound on how long one request holds the engine.
inline constexpr size_t kMaxBulkItems = 500;
// The bulk's own id leaves room for the item's suffix within a command id's
// 128 characters (code points).
inline constexpr size_t kMaxBulkIdChars = 100;
// A unit name as every command takes it (the API's names: 256 bytes).
inline constexpr size_t kMaxUnitBytes = 256;

// Checks the bulk before any item is sent: 1..kMaxBulkItems items, no item
// twice, each unit a name (UTF-8, no control characters, 256 bytes at most),
// the bulk id short enough, a reason for reject. InvalidArgument says which
// item (counted from 1) and why.
Status CheckBulk(BulkAction a, std::string_view bulk_id, const std::vector<BulkItem>& items, const std::string& text);

// bulk_id + "." + 16 hex digits of sha256(task, unit).
std::string BulkItemCommandId(std::string_view bulk_id, const BulkItem& item);

// The command body of one item: Approve, Reject or AddNote{kind "urge"}.
schemas::CommandBody BulkItemBody(BulkAction a, const BulkItem& item, const std::string& text);

}  // namespace duban::core
