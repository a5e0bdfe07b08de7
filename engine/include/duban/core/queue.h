// What waits for the office (`duban queue`, GET /api/v1/queue/{kind}), or for
// a unit on what it delegated: the returns to resolve, the extension requests and the submissions to review,
// and the assignments gone silent. A pure reading of a plan's state (no I/O,
// no clock: the day is given), shared by the CLI and the HTTP API.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "duban/core/domain.h"
#include "duban/date.h"
#include "duban/workflows/calendar.h"

namespace duban::core {

enum class QueueKind : uint8_t {
  kReturns = 1,      // returned (退回) by the unit: drop, move or reassign (resolve_return)
  kExtensions = 2,   // an extension request pending: grant or deny
  kSubmissions = 3,  // submitted: approve (销号) or reject
  // Assigned and not accepted, or accepted with no progress reported, for
  // at least QueueOptions::silent_working_days working days since the last
  // act of a person on it (its assignment, acceptance, or an office act: an
  // urging (催办) too).
  kSilent = 4,
};
const char* QueueKindName(QueueKind k);
std::optional<QueueKind> ParseQueueKind(std::string_view s);
// "returns | extensions | submissions | silent", for usage messages.
const char* QueueKindNames();

// Ten working days (two weeks) without a word: long enough that a unit busy
// with the work is not named, short enough that the office hears of it well
// before a monthly review cycle would.
inline constexpr int kDefaultSilentWorkingDays = 10;

struct QueueOptions {
  Date today;  // the day the queue is read on
  int silent_working_days = kDefaultSilentWorkingDays;
  const workflows::WorkCalendar* calendar = nullptr;  // counts silence; REQUIRED for kSilent
  // Whose queue: "" the office's (what it assigned itself); a unit's name,
  // what waits for that unit on the assignments it delegated (多级下发).
  std::string delegator;
};

struct QueueItem {
  std::string plan;
  int32_t task = 0;
  std::string unit;
  AssignmentStatus status = AssignmentStatus::kAssigned;
  std::string since;   // YYYY-MM-DD: waiting since (returned, asked, submitted, last act)
  std::string due_on;  // the assignment's due date, may be empty
  // What the office decides on: the return's reason, the date asked for,
  // "review overdue", or why it counts as silent.
  std::string detail;
  bool operator==(const QueueItem&) const = default;
};

// The working-day calendar silence is counted on: the compiled-in one plus
// the notices the store recorded (Engine::CalendarNotices), the provisional
// rule on for years none covers, as the timer policy counts.
Result<workflows::WorkCalendar> QueueCalendar(const std::vector<schemas::CalendarNoticeAdded>& recorded);

// The plan's items of one kind, oldest first (then task, unit). Nothing of
// a withdrawn plan, a closed task or a closed assignment waits.
std::vector<QueueItem> Queue(const PlanState& plan, QueueKind kind, const QueueOptions& options);

}  // namespace duban::core
