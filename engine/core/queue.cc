// See duban/core/queue.h: what waits for the office, read from a plan's state.
#include "duban/core/queue.h"

#include "duban/core/consolidation.h"

#include <algorithm>
#include <tuple>

namespace duban::core {

const char* QueueKindName(QueueKind k) {
  switch (k) {
    case QueueKind::kReturns:
      return "returns";
    case QueueKind::kExtensions:
      return "extensions";
    case QueueKind::kSubmissions:
      return "submissions";
    case QueueKind::kSilent:
      return "silent";
  }
  return "unknown";
}

std::optional<QueueKind> ParseQueueKind(std::string_view s) {
  for (QueueKind k : {QueueKind::kReturns, QueueKind::kExtensions, QueueKind::kSubmissions, QueueKind::kSilent})
    if (s == QueueKindName(k)) return k;
  return std::nullopt;
}

const char* QueueKindNames() { return "returns | extensions | submissions | silent"; }

namespace {

// The last act of a person on it, else when it was assigned: the state keeps
// no separate time of a return or a request, and nothing but the office
// acts on a returned assignment or one awaiting its answer.
Instant LastWord(const AssignmentState& a) { return std::max(a.assigned_at, a.last_act_at); }

// Whether `a` waits for the office in `kind`, and what it waits on.
std::optional<QueueItem> Waiting(const PlanState& plan, const AssignmentState& a, QueueKind kind,
                                 const QueueOptions& o) {
  // A delegated assignment waits for the unit that delegated it, not the
  // office; a submitted part the task's lead consolidates, for the lead
  // while its own report is open (the office reviews them with it).
  std::string waits_for = a.parent;
  if (kind == QueueKind::kSubmissions && a.parent.empty()) {
    if (std::string lead = ActingConsolidatorOf(plan, a.task, a.unit); !lead.empty()) waits_for = std::move(lead);
  }
  if (waits_for != o.delegator) return std::nullopt;
  QueueItem item{plan.id, a.task, a.unit, a.status, DayOf(LastWord(a)).ToString(), a.due_on, ""};
  switch (kind) {
    case QueueKind::kReturns:
      if (a.status != AssignmentStatus::kReturned) return std::nullopt;
      item.detail = a.last_reason;
      return item;
    case QueueKind::kExtensions:
      if (a.pending_extension.empty() || !IsOpen(a.status) || a.status == AssignmentStatus::kSubmitted)
        return std::nullopt;
      item.detail = "asks until " + a.pending_extension;
      return item;
    case QueueKind::kSubmissions:
      if (a.status != AssignmentStatus::kSubmitted) return std::nullopt;
      item.since = DayOf(a.submitted_at).ToString();
      if (a.review_overdue) item.detail = "review overdue";
      return item;
    case QueueKind::kSilent: {
      if (a.status != AssignmentStatus::kAssigned && a.status != AssignmentStatus::kAccepted) return std::nullopt;
      if (!o.calendar) return std::nullopt;
      auto limit = o.calendar->AddWorkingDays(DayOf(LastWord(a)), o.silent_working_days);
      if (!limit.ok() || o.today < *limit) return std::nullopt;
      item.detail = std::string(a.status == AssignmentStatus::kAssigned ? "not accepted" : "no progress reported") +
                    " for " + std::to_string(o.silent_working_days) + "+ working days";
      return item;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<workflows::WorkCalendar> QueueCalendar(const std::vector<schemas::CalendarNoticeAdded>& recorded) {
  std::vector<workflows::WorkCalendar::NoticeText> texts;
  texts.reserve(recorded.size());
  for (const auto& n : recorded) texts.push_back({n.text, n.source});
  auto cal = workflows::WorkCalendar::DefaultWith(texts);
  if (cal.ok()) cal->set_provisional_rule(true);
  return cal;
}

std::vector<QueueItem> Queue(const PlanState& plan, QueueKind kind, const QueueOptions& options) {
  std::vector<QueueItem> out;
  if (!plan.exists || plan.withdrawn) return out;
  for (const auto& [key, a] : plan.assignments) {
    auto t = plan.tasks.find(a.task);
    if (t == plan.tasks.end() || t->second.cancelled || t->second.completed) continue;
    if (auto item = Waiting(plan, a, kind, options)) out.push_back(std::move(*item));
  }
  std::stable_sort(out.begin(), out.end(), [](const QueueItem& x, const QueueItem& y) {
    return std::tie(x.since, x.task, x.unit) < std::tie(y.since, y.task, y.unit);
  });
  return out;
}

}  // namespace duban::core
