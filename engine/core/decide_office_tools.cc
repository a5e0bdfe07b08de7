// The office's tools, decided (issue 20): deadlines set or changed, one
// assignment cancelled, a return resolved, notes, review cycles started and
// closed. Handlers of the Decider (decider.h); pure, like the rest of decide.
#include "decider.h"
#include "duban/workflows/deadline_phrase.h"

namespace duban::core::decide_internal {

// ---- the office's tools (issue 20)

// A deadline set or changed, with its reason: of one assignment, or of the
// task (its own date, which later assignments start with) and each of its
// assignments the definition lets it change (set_deadline's states). Not
// before the day it takes effect: a date already past would only make the
// clock fire its miss at once.
R Decider::On(const SetDeadline& b) {
  if (auto st = NeedRoleFor("set_deadline", "set a deadline"); !st.ok()) return st;
  auto t = OpenTask(b.task);
  if (!t.ok()) return t.status();
  if (!Date::Parse(b.due_on))
    return Refuse(reason::kInvalidArgument, "not a valid date: '" + b.due_on + "' (YYYY-MM-DD)");
  if (auto st = NotPast(b.due_on, "the new deadline", "a deadline is set for a day to come"); !st.ok()) return st;
  if (auto st = NeedText(b.reason, "the reason for setting the deadline"); !st.ok()) return st;
  std::vector<EventBody> out;
  if (!b.unit.empty()) {
    auto a = FindAssignment(b.task, b.unit);
    if (!a.ok()) return a.status();
    if (auto st = Transition(**a, "set_deadline", "set the deadline of"); !st.ok()) return st;
    if ((*a)->due_on == b.due_on)
      return Refuse(reason::kInvalidArgument, AssignmentLabel(b.task, b.unit) + " is already due on " + b.due_on);
    NewDueDate(**a, b.due_on, b.reason, out);
    ClampDelegated(b.task, b.unit, b.due_on, b.reason, out);
    return out;
  }
  if ((*t)->deadline.due_on != b.due_on)
    out.push_back(DeadlineChanged{b.task, "", (*t)->deadline.due_on, b.due_on, b.reason});
  for (auto it = s_.assignments.lower_bound({b.task, ""}); it != s_.assignments.end() && it->first.first == b.task;
       ++it)
    if (Allows("set_deadline", it->second) && it->second.due_on != b.due_on)
      NewDueDate(it->second, b.due_on, b.reason, out);
  if (out.empty())
    return Refuse(reason::kInvalidArgument,
                  TaskLabel(b.task) + " and its open assignments are already due on " + b.due_on);
  return out;
}

R Decider::On(const CancelAssignment& b) {
  if (auto st = NeedRoleOrDelegator("cancel_assignment", "cancel an assignment", b.task, b.unit); !st.ok()) return st;
  auto a = FindAssignment(b.task, b.unit);
  if (!a.ok()) return a.status();
  if (auto st = Transition(**a, "cancel_assignment", "cancel"); !st.ok()) return st;
  if (auto st = NeedText(b.reason, "the reason for cancelling"); !st.ok()) return st;
  return Drop(**a, b.reason);
}

// Accepting a return: dropped (no to_unit), moved to a unit with no open
// assignment of the task (AssignmentReassigned, as `reassign` does, with a
// new date when the old one has passed), or merged into the open assignment
// the unit already holds (AssignmentMerged: that one goes on unchanged, as
// lead if either was). Not onto a unit that completed its part (that work is
// closed: reopen it, or drop the return) nor one that returned it too.
R Decider::On(const ResolveReturn& b) {
  if (auto st = NeedRoleFor("resolve_return", "accept a return"); !st.ok()) return st;
  auto a = FindAssignment(b.task, b.unit);
  if (!a.ok()) return a.status();
  if (auto st = Transition(**a, "resolve_return", "accept the return of"); !st.ok()) return st;
  if (auto st = NeedText(b.reason, "the reason for accepting the return"); !st.ok()) return st;
  if (b.to_unit.empty()) {
    if (!b.due_on.empty())
      return Refuse(reason::kInvalidArgument,
                    "a return dropped goes to no unit, so it takes no date: give the unit it goes to, or no date");
    return Drop(**a, b.reason);
  }
  if (auto t = OpenTask(b.task); !t.ok()) return t.status();
  if (auto st = CheckUnits(s_.units, {b.to_unit}); !st.ok()) return st;
  if (b.to_unit == b.unit)
    return Refuse(reason::kInvalidArgument,
                  b.unit + " returned " + TaskLabel(b.task) + "; it cannot be moved back to it");
  if (auto st = NotOntoClosedPart(b.task, b.to_unit); !st.ok()) return st;
  auto to = s_.assignments.find({b.task, b.to_unit});
  if (to == s_.assignments.end() || to->second.status == AssignmentStatus::kCancelled) {
    auto due = MovedDue(**a, b.due_on);
    if (!due.ok()) return due.status();
    return std::vector<EventBody>{AssignmentReassigned{b.task, b.unit, b.to_unit, b.reason, *due}};
  }
  if (!b.due_on.empty())
    return Refuse(reason::kInvalidArgument,
                  b.to_unit + " already holds " + TaskLabel(b.task) + ": the work is merged into its assignment, " +
                      "which keeps its own date (change that with set-deadline, set_deadline over the API), so no new "
                      "date is taken here");
  // Handed in, its part awaits review: approving it would close the merged
  // work too, which the unit never reported on.
  if (to->second.status == AssignmentStatus::kSubmitted)
    return Refuse(reason::kInvalidTransition,
                  b.to_unit + " has handed in its part of " + TaskLabel(b.task) +
                      " and awaits review: send it back to work first (reject), then merge the returned work into "
                      "it, or move the returned work to a unit not on the task");
  const AssignmentRole role = (*a)->role == AssignmentRole::kLead ? AssignmentRole::kLead : to->second.role;
  return std::vector<EventBody>{AssignmentMerged{b.task, b.unit, b.to_unit, b.reason, role}};
}

// A leader's instruction (批示) or an office comment: the office records
// it, on any task of the plan (closed ones too: a look-back may comment)
// or on one of its assignments. An urging (催办, kind "urge") presses one
// unit on an assignment still in its hands (the definition's `urge` step):
// its words are optional, the act itself is the message.
R Decider::On(const AddNote& b) {
  if (b.kind == "urge") {
    if (auto st = NeedRoleFor("urge", "urge a unit (催办)"); !st.ok()) return st;
    if (auto t = OpenTask(b.task); !t.ok()) return t.status();
    if (b.unit.empty())
      return Refuse(reason::kInvalidArgument, "an urging (催办) names the unit it presses: one assignment at a time");
    auto a = FindAssignment(b.task, b.unit);
    if (!a.ok()) return a.status();
    if (auto st = Transition(**a, "urge", "urge"); !st.ok()) return st;
    return std::vector<EventBody>{NoteAdded{b.task, b.unit, b.kind, b.text}};
  }
  if (auto st = NeedRole(Role::kSupervisor, "record instructions and comments"); !st.ok()) return st;
  if (!s_.tasks.count(b.task))
    return Refuse(reason::kTaskNotFound, "plan " + c_.plan_id + " has no " + TaskLabel(b.task));
  if (b.kind != "instruction" && b.kind != "comment")
    return Refuse(reason::kInvalidArgument,
                  "a note is an instruction (批示), a comment (意见) or an urging (催办, urge), not '" + b.kind + "'");
  if (auto st = NeedText(b.text, "the text of the note"); !st.ok()) return st;
  if (!b.unit.empty()) {
    auto it = s_.assignments.find({b.task, b.unit});
    if (it == s_.assignments.end())
      return Refuse(reason::kAssignmentNotFound, "task " + std::to_string(b.task) + " is not assigned to " + b.unit);
  }
  return std::vector<EventBody>{NoteAdded{b.task, b.unit, b.kind, b.text}};
}

// A task's reporting schedule set, changed or stopped (recurrence empty).
// Only for the days to come: checkpoints whose asking day has passed are
// not asked (duban/core/schedule.h).
R Decider::On(const SetSchedule& b) {
  if (auto st = NeedRole(Role::kSupervisor, "set a reporting schedule"); !st.ok()) return st;
  auto t = OpenTask(b.task);
  if (!t.ok()) return t.status();
  if (auto st = NeedText(b.reason, "the reason for the schedule"); !st.ok()) return st;
  const std::string& old = (*t)->deadline.recurrence;
  if (b.recurrence.empty()) {
    if (old.empty()) return Refuse(reason::kInvalidArgument, TaskLabel(b.task) + " has no schedule to stop");
    return std::vector<EventBody>{ScheduleSet{b.task, old, "", 0, b.reason}};
  }
  const int32_t year = b.year ? b.year : ScheduleYear(s_, c_.EffectiveAt());
  if (const int32_t now = DayOf(std::max(c_.issued_at, c_.EffectiveAt())).year; year > now + 10)
    return Refuse(reason::kInvalidArgument,
                  "the schedule's year " + std::to_string(year) + " is more than ten years away: check the year");
  auto r = workflows::ParseRecurrence(b.recurrence, year);
  if (!r.ok()) return Refuse(reason::kInvalidArgument, r.status().message());
  const std::string today = DayOf(c_.EffectiveAt()).ToString();
  if (r->checkpoints.back().ToString() < today)
    return Refuse(reason::kInvalidArgument, "every checkpoint of " + std::to_string(year) + " is past (the last was " +
                                                r->checkpoints.back().ToString() + "); give the year to come (--year)");
  // A schedule asks only before each unit's own date (a checkpoint on or
  // after it is that deadline's): one whose checkpoints to come all fall on
  // or after every open unit's date would be announced and ask nothing.
  bool open = false, asks = false;
  std::string latest;
  for (auto it = s_.assignments.lower_bound({b.task, std::string()});
       it != s_.assignments.end() && it->first.first == b.task; ++it) {
    const AssignmentState& a = it->second;
    if (!IsOpen(a.status)) continue;
    open = true;
    latest = std::max(latest, a.due_on);
    for (const Date& c : r->checkpoints)
      if (c.ToString() >= today && (a.due_on.empty() || c.ToString() < a.due_on)) asks = true;
  }
  if (open && !asks)
    return Refuse(reason::kInvalidArgument,
                  "no checkpoint of the schedule in " + std::to_string(year) + " from " + today +
                      " comes before the units' own dates (the latest " + latest +
                      "): it would ask nothing, as the deadline's own reminders and ladder speak for a checkpoint on "
                      "or after it; move the date first if reports are wanted after it");
  const std::string canonical = workflows::RecurrenceText(*r);
  if (canonical == old && year == (*t)->schedule_year)
    return Refuse(reason::kInvalidArgument,
                  TaskLabel(b.task) + " already reports on " + canonical + " in " + std::to_string(year));
  return std::vector<EventBody>{ScheduleSet{b.task, old, canonical, year, b.reason}};
}

R Decider::On(const SetConsolidation& b) {
  if (auto st = NeedRole(Role::kSupervisor, "choose how the plan's tasks are consolidated"); !st.ok()) return st;
  if (!IsConsolidationMode(b.mode))
    return Refuse(reason::kInvalidArgument, "consolidation is '" + std::string(kConsolidationLead) +
                                                "' (a task's lead unit answers for it) or '" +
                                                std::string(kConsolidationPerUnit) +
                                                "' (each unit for its part), not '" + b.mode + "'");
  if (auto st = NeedText(b.reason, "the reason for the choice"); !st.ok()) return st;
  if (ConsolidationMode(s_) == b.mode)
    return Refuse(reason::kInvalidArgument, "the plan is already consolidated " + b.mode);
  return std::vector<EventBody>{PlanAmended{"consolidation", b.mode, b.reason}};
}

// A unit added to a live plan (职责调整 moves work to a unit the plan never
// named). Its sub-units are the unit directory's below it (the CLI and the
// server fill them, whatever the plan holds, so a retry is the same
// command): each below the unit or one listed before it. The event records
// those the plan does not place yet; one it places stays where it is, and
// the units below it are placed under it still. A unit of the plan may be a
// sub-unit too (it then holds work both ways, as at import).
R Decider::On(const AddUnit& b) {
  if (auto st = NeedRole(Role::kSupervisor, "add a unit to a plan"); !st.ok()) return st;
  if (auto st = UsableUnitName(b.name, "the unit's name"); !st.ok()) return st;
  if (auto st = NeedText(b.reason, "the reason for adding the unit"); !st.ok()) return st;
  if (auto st = NotBeforeIssue("a unit is added"); !st.ok()) return st;
  if (s_.units.count(b.name)) return Refuse(reason::kInvalidArgument, b.name + " is already a unit of this plan");
  std::set<std::string> placed{b.name}, listed;
  for (const auto& known : s_.meta.sub_units) placed.insert(known.name);
  std::vector<schemas::SubUnit> added;
  auto sub = b.sub_units.begin();
  // The unit itself, first, under the unit the directory puts it below:
  // kept when that one is the plan's (or below one of the plan's), so it may
  // delegate to the unit added, and the plan does not place it already (its
  // parent's import did); otherwise it waits, as its parent may come later
  // and place it then.
  if (sub != b.sub_units.end() && sub->name == b.name) {
    if (sub->parent == b.name) return Refuse(reason::kInvalidArgument, b.name + " cannot be below itself");
    const bool placed_already = std::any_of(s_.meta.sub_units.begin(), s_.meta.sub_units.end(),
                                            [&](const schemas::SubUnit& known) { return known.name == b.name; });
    if (!placed_already && (s_.units.count(sub->parent) || placed.count(sub->parent))) added.push_back(*sub);
    ++sub;
  }
  for (; sub != b.sub_units.end(); ++sub) {
    if (auto st = UsableUnitName(sub->name, "a sub-unit's name"); !st.ok()) return st;
    if (sub->name == b.name || !listed.insert(sub->name).second)
      return Refuse(reason::kInvalidArgument, "sub-unit " + sub->name + " is listed twice");
    if (!placed.count(sub->parent))
      return Refuse(reason::kInvalidArgument, "sub-unit " + sub->name + " is under " + sub->parent +
                                                  ", which is neither " + b.name + " nor a sub-unit listed before it");
    if (placed.insert(sub->name).second) added.push_back(*sub);
  }
  return std::vector<EventBody>{PlanUnitAdded{b.name, std::move(added), b.reason}};
}

R Decider::On(const StartReviewCycle& b) {
  if (auto st = NeedRole(Role::kSupervisor, "start a review cycle"); !st.ok()) return st;
  if (b.cycle_id.empty()) return Refuse(reason::kInvalidArgument, "a review cycle needs an id");
  if (b.cycle_id.size() > 128 ||
      std::any_of(b.cycle_id.begin(), b.cycle_id.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20; }))
    return Refuse(reason::kInvalidArgument, "a review cycle id is at most 128 bytes with no control characters");
  if (b.cycle_id.starts_with(kScheduleCyclePrefix))
    return Refuse(reason::kInvalidArgument, "review cycle ids starting with '" + std::string(kScheduleCyclePrefix) +
                                                "' are the tasks' schedules'; choose another id");
  if (s_.cycles.count(b.cycle_id))
    return Refuse(reason::kCycleExists, "review cycle " + b.cycle_id + " already exists");
  if (!Date::Parse(b.due_on)) return Refuse(reason::kInvalidArgument, "not a valid due date: '" + b.due_on + "'");
  // A review's 1900-01-01 made every report late at once and the next tick climb the whole ladder.
  if (auto st = NotPast(b.due_on, "the cycle's due date", "reports are asked for a day to come"); !st.ok()) return st;
  // Nor, back-entered from paper, before the plan was issued (a review's back-entry at 1899-12-01 due 1900-01-01).
  if (!s_.meta.issued_on.empty() && b.due_on < s_.meta.issued_on)
    return Refuse(reason::kInvalidArgument,
                  "the cycle's due date " + b.due_on + " is before the plan was issued (" + s_.meta.issued_on + ")");
  if (!b.unit.empty()) {
    if (auto st = CheckUnits(s_.units, {b.unit}); !st.ok()) return st;
  }
  std::vector<EventBody> out{
      ReviewCycleStarted{b.cycle_id, b.unit.empty() ? "plan" : "unit:" + b.unit, b.kind, b.due_on}};
  for (const auto& [key, a] : s_.assignments) {
    if (!IsOpen(a.status) || a.status == AssignmentStatus::kSubmitted) continue;
    if (!b.unit.empty() && a.unit != b.unit) continue;
    out.push_back(ProgressReportRequested{b.cycle_id, a.task, a.unit, b.due_on});
  }
  return out;
}

R Decider::On(const CloseReviewCycle& b) {
  if (auto st = NeedRole(Role::kSupervisor, "close a review cycle"); !st.ok()) return st;
  auto cy = s_.cycles.find(b.cycle_id);
  if (cy == s_.cycles.end()) return Refuse(reason::kCycleNotFound, "no review cycle " + b.cycle_id);
  if (cy->second.closed) return Refuse(reason::kInvalidTransition, "review cycle " + b.cycle_id + " is already closed");
  const auto& c = cy->second;
  const int32_t answered = static_cast<int32_t>(c.answered.size());
  const int32_t late = static_cast<int32_t>(c.late.size());
  const int32_t silent = static_cast<int32_t>(c.requested.size() - c.answered.size());
  return std::vector<EventBody>{ReviewCycleClosed{b.cycle_id, answered, late, silent}};
}

}  // namespace duban::core::decide_internal
