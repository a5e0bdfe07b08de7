// What a DeadlineRecounted's first change means, one definition for the
// engine that writes it (engine/core/calendar_notices.cc), Evolve that
// applies it and the reminder consumer that tells the unit. The changes are
// words ("reminder 3 2027-02-01 -> 2027-02-03", "missed - -> 2027-02-16"),
// mostly for people; only these two first changes also change the state,
// so that an older recount (which never starts with them) changes nothing:
//   "due A -> B[, handed in D]"   the date itself counted again (due_on = B;
//                                 the work awaiting review was handed in on D);
//   "overdue withdrawn: due A counts as E[, handed in D]"
//                                 a miss the old calendar fired that the new
//                                 one does not (A is a rest day on it, so the
//                                 work is due on E, later and not yet past, or
//                                 the work awaiting review was handed in on D,
//                                 by E): no longer overdue, its reminders
//                                 counted from the recount (due_set_at).
// After "due A -> B", a second change
//   "overdue stands: due B has passed too"
//                                 the assignment was late and is late on B as
//                                 well (the recount came after B, or the work
//                                 waiting for review was handed in after it):
//                                 it stays overdue and its escalation stands,
//                                 its ladder counted on from B. Without it a
//                                 date counted again withdraws the lateness,
//                                 as a new date set by the office does.
#pragma once

#include <string_view>

#include "duban/schemas/events.h"

namespace duban::schemas {

// Who writes a notice's recounts (and the EscalationCleared of what they
// withdraw): the system, not the office acting on each assignment.
inline constexpr std::string_view kCalendarActorId = "calendar";
inline bool ByCalendarNotice(const Actor& actor) { return actor.role == Role::kSystem && actor.id == kCalendarActorId; }

inline constexpr std::string_view kRecountMovesDate = "due ";
inline constexpr std::string_view kRecountWithdrawsOverdue = "overdue withdrawn";
inline constexpr std::string_view kRecountKeepsOverdue = "overdue stands";
// Ends the first change of work awaiting review (followed by the day it was handed in).
inline constexpr std::string_view kRecountHandedIn = ", handed in ";

inline bool RecountMovesDate(const DeadlineRecounted& b) {
  return !b.due_on.empty() && !b.changes.empty() && b.changes.front().starts_with(kRecountMovesDate);
}
inline bool RecountWithdrawsOverdue(const DeadlineRecounted& b) {
  return !b.unit.empty() && !b.changes.empty() && b.changes.front().starts_with(kRecountWithdrawsOverdue);
}
inline bool RecountKeepsOverdue(const DeadlineRecounted& b) {
  return !b.unit.empty() && RecountMovesDate(b) && b.changes.size() > 1 &&
         b.changes[1].starts_with(kRecountKeepsOverdue);
}

}  // namespace duban::schemas
