// Bulk office steps (duban/core/bulk.h).
#include "duban/core/bulk.h"

#include <algorithm>
#include <set>
#include <utility>

#include "duban/schemas/codec.h"
#include "duban/terminal_text.h"
#include "duban/utf8.h"

namespace duban::core {

const char* BulkActionName(BulkAction a) {
  switch (a) {
    case BulkAction::kApprove:
      return "approve";
    case BulkAction::kReject:
      return "reject";
    case BulkAction::kRemind:
      return "remind";
  }
  return "?";
}

std::optional<BulkAction> ParseBulkAction(std::string_view s) {
  for (BulkAction a : {BulkAction::kApprove, BulkAction::kReject, BulkAction::kRemind})
    if (s == BulkActionName(a)) return a;
  return std::nullopt;
}

namespace {
bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}
}  // namespace

QueueKind BulkQueueOf(BulkAction a) { return a == BulkAction::kRemind ? QueueKind::kSilent : QueueKind::kSubmissions; }

Status CheckBulk(BulkAction a, std::string_view bulk_id, const std::vector<BulkItem>& items, const std::string& text) {
  if (bulk_id.empty() || !utf8::IsValid(bulk_id) || utf8::CodePoints(bulk_id) > kMaxBulkIdChars || HasControl(bulk_id))
    return Status::InvalidArgument("the bulk's command id is 1.." + std::to_string(kMaxBulkIdChars) +
                                   " characters of UTF-8 with no control characters (each item's id adds 17)");
  if (items.empty()) return Status::InvalidArgument("no items: name at least one task and unit");
  if (items.size() > kMaxBulkItems)
    return Status::InvalidArgument(std::to_string(items.size()) + " items: a bulk step takes at most " +
                                   std::to_string(kMaxBulkItems) + "; send the rest in another");
  std::set<std::pair<int32_t, std::string>> seen;
  for (size_t i = 0; i < items.size(); ++i) {
    const BulkItem& it = items[i];
    const std::string where =
        "item " + std::to_string(i + 1) + " (task " + std::to_string(it.task) + " " + it.unit + ")";
    if (it.task <= 0) return Status::InvalidArgument(where + ": the task number must be positive");
    if (it.unit.empty()) return Status::InvalidArgument(where + ": names no unit");
    if (it.unit.size() > kMaxUnitBytes || !utf8::IsValid(it.unit) || HasControl(it.unit))
      return Status::InvalidArgument(where + ": not a unit name (UTF-8, at most " + std::to_string(kMaxUnitBytes) +
                                     " bytes, no control characters)");
    if (!seen.emplace(it.task, it.unit).second)
      return Status::InvalidArgument(where + ": listed twice (each assignment once per bulk step)");
  }
  if (a == BulkAction::kReject && !HasVisibleText(text))
    return Status::InvalidArgument("a rejection needs its reason: it is sent to every unit rejected");
  return Status::Ok();
}

std::string BulkItemCommandId(std::string_view bulk_id, const BulkItem& item) {
  std::string key = std::to_string(item.task);
  key += '\x1f';
  key += item.unit;
  return std::string(bulk_id) + "." + schemas::Sha256Hex(key).substr(0, 16);
}

schemas::CommandBody BulkItemBody(BulkAction a, const BulkItem& item, const std::string& text) {
  switch (a) {
    case BulkAction::kApprove:
      return schemas::Approve{item.task, item.unit, text};
    case BulkAction::kReject:
      return schemas::Reject{item.task, item.unit, text};
    case BulkAction::kRemind:
      break;
  }
  return schemas::AddNote{item.task, item.unit, "urge", text};
}

}  // namespace duban::core
