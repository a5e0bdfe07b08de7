// Timer kinds: what a timer in the engine's timer index is for
// (FireTimer::kind). One enum for the engine, the workflow rules
// (workflows/timer_plan.h), the domain's FireTimer guards and the CLI.
//
// The names are written to disk and to the wire: in timer index keys and
// values (engine/core/records.cc) and in FireTimer commands (schemas codec,
// Kafka mode). So a name is never changed, and TimerKindName / ParseTimerKind
// below are the only conversions between the two. The numbers are not
// written anywhere; their order is the order timers of one day are listed
// in (reminders before missed before escalations).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace duban::schemas {

enum class TimerKind : uint8_t {
  kReminder = 1,           // DeadlineApproaching, N working days before the due date
  kMissed = 2,             // DeadlineMissed, the first working day after it
  kEscalation = 3,         // EscalationRaised, a step of the ladder once missed
  kReportOverdue = 4,      // ReportOverdue, a review cycle's report not given
  kAcceptanceOverdue = 5,  // AcceptanceOverdue, the acceptance limit (签收时限)
  kReviewOverdue = 6,      // ReviewOverdue, the office's review limit
  kReportDue = 7,          // legacy: armed by builds before report_overdue; fired from old stores
  kScheduledReport = 8,    // a task's schedule asks for a report before a checkpoint
};

inline constexpr TimerKind kTimerKinds[] = {
    TimerKind::kReminder,          TimerKind::kMissed,        TimerKind::kEscalation, TimerKind::kReportOverdue,
    TimerKind::kAcceptanceOverdue, TimerKind::kReviewOverdue, TimerKind::kReportDue,  TimerKind::kScheduledReport,
};

constexpr std::string_view TimerKindName(TimerKind k) {
  switch (k) {
    case TimerKind::kReminder:
      return "reminder";
    case TimerKind::kMissed:
      return "missed";
    case TimerKind::kEscalation:
      return "escalation";
    case TimerKind::kReportOverdue:
      return "report_overdue";
    case TimerKind::kAcceptanceOverdue:
      return "acceptance_overdue";
    case TimerKind::kReviewOverdue:
      return "review_overdue";
    case TimerKind::kReportDue:
      return "report_due";
    case TimerKind::kScheduledReport:
      return "scheduled_report";
  }
  return "unknown";
}

// nullopt for a name no build wrote.
constexpr std::optional<TimerKind> ParseTimerKind(std::string_view name) {
  for (TimerKind k : kTimerKinds)
    if (TimerKindName(k) == name) return k;
  return std::nullopt;
}

}  // namespace duban::schemas
