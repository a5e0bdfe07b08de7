// The working-day calendar as the office reads it, one definition for the
// CLI (`duban calendar status|add`, and `status`'s provisional marks) and
// the HTTP API (GET /api/v1/calendar, POST /api/v1/calendar/notices): the
// years it covers, the notices recorded in the store, the provisional rule
// for the others, the open deadlines whose armed timers count on that rule;
// and, for a notice just recorded, what it recounted and moved. Both tools
// derive a notice's default command id the same way, so the same notice
// recorded by the same account through either is one command.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>

#include "duban/engine.h"

namespace duban::server {

// What counts a year no notice covers yet (workflows/calendars/README.md).
inline constexpr const char* kProvisionalRule =
    "weekdays are working days except 元旦 01-01, 劳动节 05-01 (and 05-02 from 2025), 国庆节 10-01..03; "
    "lunar holidays and 调休 are unknown until the State Council's notice";

// Open assignments whose armed timers were counted provisionally (a year the
// calendar does not cover), keyed by (plan, task, unit): the earliest such
// timer's kind, day and calendar version.
struct ProvisionalTimer {
  std::string kind, fire_on, calendar_version, due_on;
};
using AssignmentKey = std::tuple<std::string, int32_t, std::string>;
Result<std::map<AssignmentKey, ProvisionalTimer>> ProvisionalDeadlines(const Engine& engine);

// {"version", "recorded_notices": [{"version", "covers"|"amends", "source"}],
//  "covered_years", "notices", "provisional_rule", "provisional_deadlines":
//  [{"plan", "task", "unit", "due_on", "next_provisional_timer", "fires_on",
//  "calendar_version"}]}. InvalidArgument for an engine counting no calendar.
Result<nlohmann::json> CalendarStatusJson(const Engine& engine);

// What AddCalendarNotice's events say: the open assignments recounted on the
// notice and how many of them had armed timers moved; the task deadlines
// later assignments count on it, and how many of those (working-day dates
// counted provisionally) moved.
struct NoticeRecount {
  size_t assignments = 0, moved = 0, tasks = 0, redated = 0;
};
NoticeRecount CountRecount(const Outcome& outcome);
// Each recount that changed something: {"plan", "task", "unit" (absent for a
// task's own date), "due_on", "changes"}.
nlohmann::json RecountChangesJson(const Outcome& outcome);

// The default command id of recording `text` as `actor`: the same notice by
// the same account is one command, and a unit's refused attempt does not
// answer the office's (who acts is part of it).
std::string NoticeCommandId(const schemas::Actor& actor, std::string_view text);

}  // namespace duban::server
