// Reminder notifications: what the reminders consumer turns workflow events
// into, and the pure renderer that does it.
//
// RenderNotifications maps one event to zero or more notifications, one per
// recipient (the unit; for escalations and escalated report silences also the
// office and everyone on the event's notify list). The text names the plan, the
// task number and content, the due date and what is asked, so a person can act
// on it without opening the system. Task content comes from a TaskDirectory
// built from the TaskAdded / PlanImported / AssignmentCreated events of the
// same stream (same plan => same partition => seen before the reminder).
//
// Guarantees: rendering is pure and deterministic (same event + directory =>
// same notifications, byte for byte); notification_id = event_id + ":" +
// recipient, so a redelivered event yields the same ids and dedupe works.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "duban/consumers/templates.h"
#include "duban/schemas/events.h"
#include "duban/status.h"

namespace duban::consumers {

enum class RecipientKind { kUnit, kOffice, kNotify };
const char* RecipientKindName(RecipientKind k);

struct Notification {
  std::string notification_id;  // event_id + ":" + recipient
  std::string event_id;
  std::string event_type;  // e.g. "DeadlineApproaching"
  std::string recipient;   // unit name, or the office
  RecipientKind recipient_kind = RecipientKind::kUnit;
  // What kind of notice: reminder | overdue | escalation | report_request |
  // completion_rejected | report_overdue | acceptance_overdue |
  // review_overdue, deadline_changed | overdue_withdrawn | overdue_stands | instruction | comment | urge |
  // schedule_set | delegated_submitted | delegated_extension | cancelled | escalation_cleared |
  // reassigned (the office's word to a unit), or digest (several of them for one recipient).
  std::string channel;
  std::string level;  // notice | warning | urgent
  int32_t escalation_level = 0;
  std::string title;       // short subject line
  std::string text;        // the full sentence a person acts on
  std::string due_on;      // YYYY-MM-DD or ""
  std::string plan;        // stream (plan id)
  std::string plan_title;  // from PlanImported, else the plan id
  int32_t task = 0;
  std::string task_text;  // task title or content, as the plan words it
  Instant occurred_at = 0;
  // A digest (digest.h): the notification ids it lists, in order; empty
  // for any other notification.
  std::vector<std::string> items;
  bool operator==(const Notification&) const = default;
};

// What the renderer knows about plans and tasks, learned from the stream.
class TaskDirectory {
 public:
  struct TaskInfo {
    std::string title, content, deadline_text, due_on;
  };
  // Learns from PlanImported, PlanAmended(title), TaskAdded, TaskAmended
  // (title/content/due_on), TaskCancelled, AssignmentCreated,
  // AssignmentDelegated, AssignmentReassigned, AssignmentCancelled,
  // AssignmentMerged, AssignmentReopened, ExtensionGranted, DeadlineRecounted,
  // DeadlineChanged, the hand-ins (CompletionSubmitted and
  // CompletionRejected), EscalationRaised (who heard) and AssignmentReturned.
  // Returns true
  // when the event was one of those (the caller persists such events so the
  // directory survives a restart).
  bool Apply(const schemas::Event& e);

  // "" when unknown.
  std::string PlanTitle(const std::string& plan) const;
  const TaskInfo* Task(const std::string& plan, int32_t task) const;
  // The unit's own due date (assignment or extension), else the task's, else "".
  std::string DueOn(const std::string& plan, int32_t task, const std::string& unit) const;
  // The units that hold an assignment on the task now (created, moved to,
  // not cancelled or merged away), in name order.
  std::vector<std::string> Units(const std::string& plan, int32_t task) const;
  // The units that held it when the task was cancelled (told so), in name
  // order; empty for a task not cancelled.
  std::vector<std::string> UnitsAtCancellation(const std::string& plan, int32_t task) const;
  size_t task_count() const { return tasks_.size(); }
  // The unit that delegated the assignment (多级下发), "" when the office
  // assigned it: its lateness goes to that unit instead of the office.
  std::string DelegatedBy(const std::string& plan, int32_t task, const std::string& unit) const;
  // The day the unit handed its work in (CompletionSubmitted's effective
  // day), while that hand-in stands: "" when it has not, or when it was
  // sent back or the assignment made or reopened afresh since. A consumer
  // started before this was learnt knows only hand-ins it has seen since.
  std::string HandedIn(const std::string& plan, int32_t task, const std::string& unit) const;
  // The notify lists of the escalations raised on the assignment since its
  // ladder last started (level 1), each entry once in order: who must hear
  // when the escalation is withdrawn.
  std::vector<std::string> EscalationNotify(const std::string& plan, int32_t task, const std::string& unit) const;
  // The unit returned the assignment (退回) and it has not been made afresh
  // since: its cancelling or moving is the office accepting the return.
  bool Returned(const std::string& plan, int32_t task, const std::string& unit) const;
  // The assignment came with its task, in the command that imported the
  // plan or added the task (the plan goes to its units as a document, so
  // each assignment of it is told to no one), not from a later `assign`.
  bool CameWithItsTask(const schemas::Event& e) const;

 private:
  bool ApplyUnitSteps(const schemas::Event& e);
  bool ApplyDueDate(const schemas::Event& e);

  std::map<std::string, std::string> plan_titles_;
  std::map<std::pair<std::string, int32_t>, TaskInfo> tasks_;
  std::map<std::tuple<std::string, int32_t, std::string>, std::string> assignment_due_;
  std::map<std::pair<std::string, int32_t>, std::set<std::string>> units_;
  std::map<std::tuple<std::string, int32_t, std::string>, std::string> delegated_by_;
  std::map<std::string, std::string> opening_command_;  // per plan: the command of its last import or task added
  std::map<std::tuple<std::string, int32_t, std::string>, std::string> handed_in_;
  std::map<std::tuple<std::string, int32_t, std::string>, std::vector<std::string>> escalation_notify_;
  std::set<std::tuple<std::string, int32_t, std::string>> returned_;
  std::map<std::pair<std::string, int32_t>, std::set<std::string>> cancelled_units_;
};

struct RenderOptions {
  std::string office = "督查室";  // who also hears of escalations ("office" in notify lists)
  // Recipient for "unit_leaders" in a notify list: the unit's name + this.
  std::string unit_leaders_suffix = "主要负责同志";
  size_t max_task_chars = 40;  // task text is cut to this many characters + "…"
  // The wording (templates.h); null: the built-in consumers/templates/messages.yaml.
  std::shared_ptr<const Templates> templates;
};

// Is this an event type the reminders consumer notifies about? The clock's
// reminders and escalations, and what the office tells units: a deadline it
// set or changed (DeadlineChanged), a leader's instruction or an office
// comment (NoteAdded) — to the unit named, or every unit holding the task —
// and a reporting schedule set or stopped (ScheduleSet), to every unit
// holding the task.
bool IsReminderEvent(const schemas::EventBody& body);

// Zero notifications for any other event. Recipients are de-duplicated (the
// unit first, then the office, then the notify list in order). Notify lists
// name roles as the workflow definitions do: "unit" and "office" map to the
// unit and RenderOptions::office, "unit_leaders" to unit + unit_leaders_suffix,
// anything else is a recipient's name.
std::vector<Notification> RenderNotifications(const schemas::Event& e, const TaskDirectory& dir,
                                              const RenderOptions& options = {});

// One JSON object (UTF-8, no newline): the webhook body and the outbox line.
std::string NotificationToJson(const Notification& n);
// The inverse, for notifications kept in dead letters. InvalidArgument when a
// field is missing or of the wrong type.
Result<Notification> NotificationFromJson(const std::string& json);

// Cuts a UTF-8 string to at most `max_chars` code points, adding "…" if cut.
std::string TruncateUtf8(const std::string& s, size_t max_chars);

// n.text for a channel that takes at most `max_chars` characters (a robot,
// an SMS gateway). A digest keeps its first line and as many whole items as
// fit, then "（另有N项未列出）"; any other text is cut with "…".
std::string FitText(const Notification& n, size_t max_chars);

}  // namespace duban::consumers
