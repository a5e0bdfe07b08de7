// Rendering of reminder notifications (see notification.h). Pure: no I/O.
#include "duban/utf8.h"
#include "duban/consumers/notification.h"
#include "duban/core/schedule.h"
#include "duban/date.h"
#include "duban/plan_name.h"
#include "duban/schemas/deadline_recount.h"
#include "duban/terminal_text.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string_view>
#include <type_traits>

namespace duban::consumers {

using schemas::Event;

const char* RecipientKindName(RecipientKind k) {
  switch (k) {
    case RecipientKind::kUnit:
      return "unit";
    case RecipientKind::kOffice:
      return "office";
    case RecipientKind::kNotify:
      return "notify";
  }
  return "unit";
}

std::string TruncateUtf8(const std::string& s, size_t max_chars) {
  std::string cut = utf8::Prefix(s, max_chars);
  if (cut.size() == s.size()) return s;
  // A text that already ends in an ellipsis (plan titles are often
  // summaries) keeps one, not two.
  static const std::string kEllipsis = "…";
  if (cut.size() >= kEllipsis.size() && cut.compare(cut.size() - kEllipsis.size(), kEllipsis.size(), kEllipsis) == 0)
    cut.resize(cut.size() - kEllipsis.size());
  return cut + kEllipsis;
}

std::string FitText(const Notification& n, size_t max_chars) {
  const std::string& text = n.text;
  if (utf8::CodePoints(text) <= max_chars) return text;
  std::vector<std::string> lines;
  for (size_t start = 0;;) {
    const size_t nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  if (n.items.empty() || lines.size() < 2) return TruncateUtf8(text, max_chars);
  // A digest: whole items, then how many did not fit, so a unit told by
  // text knows the list goes on (the mail and the outbox carry it whole).
  const size_t total = lines.size() - 1;
  auto tail = [](size_t left) { return left == 0 ? std::string() : "\n（另有" + std::to_string(left) + "项未列出）"; };
  std::string out = lines[0];
  size_t shown = 0;
  while (shown < total) {
    const std::string more = out + "\n" + lines[shown + 1];
    if (utf8::CodePoints(more + tail(total - shown - 1)) > max_chars) break;
    out = more;
    ++shown;
  }
  if (shown == 0) {  // not even one item whole: the first one cut
    const size_t t = utf8::CodePoints(tail(total - 1));
    if (t + 2 >= max_chars) return TruncateUtf8(text, max_chars);
    out = TruncateUtf8(lines[0] + "\n" + lines[1], max_chars - t - 1);
    shown = 1;
  }
  return out + tail(total - shown);
}

bool TaskDirectory::Apply(const Event& e) {
  return std::visit(
      [&](const auto& b) -> bool {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, schemas::PlanImported>) {
          plan_titles_[e.stream] = b.title;
          opening_command_[e.stream] = e.command_id;
          return true;
        } else if constexpr (std::is_same_v<T, schemas::PlanAmended>) {
          if (b.field != "title") return false;
          plan_titles_[e.stream] = b.value;
          return true;
        } else if constexpr (std::is_same_v<T, schemas::TaskAdded>) {
          tasks_[{e.stream, b.number}] = TaskInfo{b.title, b.content, b.deadline.text, b.deadline.due_on};
          opening_command_[e.stream] = e.command_id;
          return true;
        } else if constexpr (std::is_same_v<T, schemas::TaskAmended>) {
          auto& t = tasks_[{e.stream, b.number}];
          if (b.field == "title")
            t.title = b.value;
          else if (b.field == "content")
            t.content = b.value;
          else if (b.field == "due_on")
            t.due_on = b.value;
          else if (b.field == "deadline")
            t.deadline_text = b.value;
          else
            return false;
          return true;
        } else if constexpr (std::is_same_v<T, schemas::AssignmentCreated>) {
          assignment_due_[{e.stream, b.task, b.unit}] = b.due_on;
          units_[{e.stream, b.task}].insert(b.unit);
          delegated_by_.erase({e.stream, b.task, b.unit});
          handed_in_.erase({e.stream, b.task, b.unit});
          returned_.erase({e.stream, b.task, b.unit});
          return true;
        } else if constexpr (std::is_same_v<T, schemas::AssignmentDelegated>) {
          assignment_due_[{e.stream, b.task, b.unit}] = b.due_on;
          units_[{e.stream, b.task}].insert(b.unit);
          delegated_by_[{e.stream, b.task, b.unit}] = b.parent_unit;
          handed_in_.erase({e.stream, b.task, b.unit});
          returned_.erase({e.stream, b.task, b.unit});
          return true;
        } else if constexpr (std::is_same_v<T, schemas::AssignmentReassigned>) {
          // The unit it moves to takes the date it had (an extension, a date
          // the office set), as the engine moves it, not an older one of its
          // own; or the new date the office gave with the move.
          assignment_due_[{e.stream, b.task, b.to_unit}] =
              b.due_on.empty() ? DueOn(e.stream, b.task, b.from_unit) : b.due_on;
          auto& units = units_[{e.stream, b.task}];
          units.erase(b.from_unit);
          units.insert(b.to_unit);
          delegated_by_.erase({e.stream, b.task, b.to_unit});
          handed_in_.erase({e.stream, b.task, b.to_unit});
          returned_.erase({e.stream, b.task, b.to_unit});
          return true;
        } else if constexpr (std::is_same_v<T, schemas::AssignmentCancelled>) {
          units_[{e.stream, b.task}].erase(b.unit);
          return true;
        } else if constexpr (std::is_same_v<T, schemas::TaskCancelled>) {
          auto it = units_.find({e.stream, b.number});
          auto& told = cancelled_units_[{e.stream, b.number}];
          if (it != units_.end()) {
            told = std::move(it->second);
            units_.erase(it);
          }
          return true;
        } else if constexpr (std::is_same_v<T, schemas::AssignmentMerged>) {
          units_[{e.stream, b.task}].erase(b.from_unit);
          return true;
        } else {
          return ApplyUnitSteps(e) || ApplyDueDate(e);
        }
      },
      e.body);
}

// What the unit did, and who heard of its lateness: its hand-ins (the day),
// its return, the escalations raised on it (their notify lists).
bool TaskDirectory::ApplyUnitSteps(const Event& e) {
  return std::visit(
      [&](const auto& b) -> bool {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, schemas::CompletionSubmitted>) {
          handed_in_[{e.stream, b.task, b.unit}] = DayOf(e.occurred_at).ToString();
          return true;
        } else if constexpr (std::is_same_v<T, schemas::CompletionRejected>) {
          handed_in_.erase({e.stream, b.task, b.unit});
          return true;
        } else if constexpr (std::is_same_v<T, schemas::AssignmentReturned>) {
          returned_.insert({e.stream, b.task, b.unit});
          return true;
        } else if constexpr (std::is_same_v<T, schemas::EscalationRaised>) {
          auto& told = escalation_notify_[{e.stream, b.task, b.unit}];
          if (b.level <= 1) told.clear();  // a ladder started afresh
          for (const std::string& who : b.notify)
            if (std::find(told.begin(), told.end(), who) == told.end()) told.push_back(who);
          return true;
        } else {
          return false;
        }
      },
      e.body);
}

// The dates later messages quote: a reopening's, an extension's, a recount's, the office's.
bool TaskDirectory::ApplyDueDate(const Event& e) {
  return std::visit(
      [&](const auto& b) -> bool {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, schemas::AssignmentReopened>) {
          assignment_due_[{e.stream, b.task, b.unit}] = b.due_on;
          handed_in_.erase({e.stream, b.task, b.unit});
          returned_.erase({e.stream, b.task, b.unit});
          return true;
        } else if constexpr (std::is_same_v<T, schemas::ExtensionGranted>) {
          assignment_due_[{e.stream, b.task, b.unit}] = b.new_due_on;
          return true;
        } else if constexpr (std::is_same_v<T, schemas::DeadlineRecounted>) {
          // A working-day date counted again on a calendar notice: the
          // task's own (no unit) or one assignment's.
          if (!schemas::RecountMovesDate(b)) return false;
          if (b.unit.empty())
            tasks_[{e.stream, b.task}].due_on = b.due_on;
          else
            assignment_due_[{e.stream, b.task, b.unit}] = b.due_on;
          return true;
        } else if constexpr (std::is_same_v<T, schemas::DeadlineChanged>) {
          // The office set a date: the task's own (no unit, for assignments
          // made later) or one assignment's.
          if (b.unit.empty())
            tasks_[{e.stream, b.task}].due_on = b.new_due_on;
          else
            assignment_due_[{e.stream, b.task, b.unit}] = b.new_due_on;
          return true;
        } else {
          return false;
        }
      },
      e.body);
}

std::string TaskDirectory::PlanTitle(const std::string& plan) const {
  auto it = plan_titles_.find(plan);
  return it == plan_titles_.end() ? std::string() : it->second;
}

const TaskDirectory::TaskInfo* TaskDirectory::Task(const std::string& plan, int32_t task) const {
  auto it = tasks_.find({plan, task});
  return it == tasks_.end() ? nullptr : &it->second;
}

std::string TaskDirectory::DueOn(const std::string& plan, int32_t task, const std::string& unit) const {
  auto it = assignment_due_.find({plan, task, unit});
  if (it != assignment_due_.end() && !it->second.empty()) return it->second;
  const TaskInfo* t = Task(plan, task);
  return t ? t->due_on : std::string();
}

bool TaskDirectory::CameWithItsTask(const Event& e) const {
  auto it = opening_command_.find(e.stream);
  return it != opening_command_.end() && it->second == e.command_id;
}

std::string TaskDirectory::DelegatedBy(const std::string& plan, int32_t task, const std::string& unit) const {
  auto it = delegated_by_.find({plan, task, unit});
  return it == delegated_by_.end() ? std::string() : it->second;
}

std::string TaskDirectory::HandedIn(const std::string& plan, int32_t task, const std::string& unit) const {
  auto it = handed_in_.find({plan, task, unit});
  return it == handed_in_.end() ? std::string() : it->second;
}

std::vector<std::string> TaskDirectory::EscalationNotify(const std::string& plan, int32_t task,
                                                         const std::string& unit) const {
  auto it = escalation_notify_.find({plan, task, unit});
  return it == escalation_notify_.end() ? std::vector<std::string>() : it->second;
}

bool TaskDirectory::Returned(const std::string& plan, int32_t task, const std::string& unit) const {
  return returned_.count({plan, task, unit}) > 0;
}

std::vector<std::string> TaskDirectory::UnitsAtCancellation(const std::string& plan, int32_t task) const {
  auto it = cancelled_units_.find({plan, task});
  return it == cancelled_units_.end() ? std::vector<std::string>()
                                      : std::vector<std::string>(it->second.begin(), it->second.end());
}

std::vector<std::string> TaskDirectory::Units(const std::string& plan, int32_t task) const {
  auto it = units_.find({plan, task});
  return it == units_.end() ? std::vector<std::string>()
                            : std::vector<std::string>(it->second.begin(), it->second.end());
}

bool IsReminderEvent(const schemas::EventBody& body) {
  return std::holds_alternative<schemas::DeadlineApproaching>(body) ||
         std::holds_alternative<schemas::DeadlineMissed>(body) ||
         std::holds_alternative<schemas::EscalationRaised>(body) ||
         std::holds_alternative<schemas::ProgressReportRequested>(body) ||
         std::holds_alternative<schemas::CompletionRejected>(body) ||
         // The answers to a unit's own steps: its close-out approved, its extension granted or denied.
         std::holds_alternative<schemas::CompletionApproved>(body) ||
         std::holds_alternative<schemas::ExtensionGranted>(body) ||
         std::holds_alternative<schemas::ExtensionDenied>(body) ||
         std::holds_alternative<schemas::ReportOverdue>(body) ||
         std::holds_alternative<schemas::AcceptanceOverdue>(body) ||
         std::holds_alternative<schemas::ReviewOverdue>(body) ||
         std::holds_alternative<schemas::DeadlineChanged>(body) || std::holds_alternative<schemas::NoteAdded>(body) ||
         // A date counted again on a calendar notice, or a miss it withdrew, tells the unit.
         (std::holds_alternative<schemas::DeadlineRecounted>(body) &&
          !std::get<schemas::DeadlineRecounted>(body).unit.empty() &&
          (schemas::RecountMovesDate(std::get<schemas::DeadlineRecounted>(body)) ||
           schemas::RecountWithdrawsOverdue(std::get<schemas::DeadlineRecounted>(body)))) ||
         std::holds_alternative<schemas::ScheduleSet>(body) ||
         // Work taken off a unit, or the whole task; an escalation withdrawn
         // by a paper hand-in the office entered (the others come with a
         // notice of their own: a new date, an approval, a recount).
         std::holds_alternative<schemas::AssignmentCancelled>(body) ||
         std::holds_alternative<schemas::TaskCancelled>(body) ||
         // Work given to a unit after the import (an import's own are told to no one: RenderNotifications).
         std::holds_alternative<schemas::AssignmentCreated>(body) ||
         // Work moved from one unit to another: both are told.
         std::holds_alternative<schemas::AssignmentReassigned>(body) ||
         std::holds_alternative<schemas::AssignmentMerged>(body) ||
         (std::holds_alternative<schemas::EscalationCleared>(body) &&
          std::get<schemas::EscalationCleared>(body).reason == schemas::kClearedByBackEnteredHandIn) ||
         // A sub-unit's submission or request tells the unit that delegated it.
         std::holds_alternative<schemas::CompletionSubmitted>(body) ||
         std::holds_alternative<schemas::ExtensionRequested>(body) ||
         // Work a unit passed down (多级下发): the sub-unit is told it is its own.
         std::holds_alternative<schemas::AssignmentDelegated>(body);
}

namespace {

// The parts every notification about (plan, task, unit) shares.
struct Subject {
  std::string plan_title;  // never empty: falls back to the plan id
  std::string task_text;   // "" when the directory does not know the task
  std::string task_ref;    // 第7项任务「…」 or 第7项任务
};

Subject SubjectOf(const Event& e, int32_t task, const TaskDirectory& dir, const RenderOptions& o) {
  Subject s;
  // The plan, not the cover letter that sent it (关于印发《X》的通知 → X).
  s.plan_title = PlanNameOf(dir.PlanTitle(e.stream));
  if (s.plan_title.empty()) s.plan_title = e.stream;
  if (const auto* t = dir.Task(e.stream, task)) {
    s.task_text = !t->title.empty() ? t->title : t->content;
  }
  s.task_ref = "第" + std::to_string(task) + "项任务";
  if (!s.task_text.empty()) s.task_ref += "「" + TruncateUtf8(s.task_text, o.max_task_chars) + "」";
  return s;
}

// The values every message knows (templates.h).
TemplateValues CommonValues(const Subject& s, int32_t task, const std::string& unit, const std::string& due_on) {
  return {{"plan_title", s.plan_title},
          {"task", std::to_string(task)},
          {"task_ref", s.task_ref},
          {"task_text", s.task_text},
          {"unit", unit},
          {"due_on", due_on},
          {"due_clause", due_on.empty() ? std::string() : "（到期日" + due_on + "）"}};
}

const Templates& TemplatesOf(const RenderOptions& o) { return o.templates ? *o.templates : Templates::Builtin(); }

// Builds one notification per distinct recipient, worded by the office's
// templates from the values of one event.
class Builder {
 public:
  Builder(const Event& e, int32_t task, const Subject& s, std::string channel, std::string level, std::string due_on,
          const RenderOptions& o, TemplateValues values)
      : e_(e),
        task_(task),
        s_(s),
        channel_(std::move(channel)),
        level_(std::move(level)),
        due_on_(std::move(due_on)),
        templates_(TemplatesOf(o)),
        values_(std::move(values)) {}

  void Add(const std::string& recipient, RecipientKind kind, const std::string& message, int32_t escalation_level = 0) {
    if (recipient.empty()) return;
    for (const auto& n : out_)
      if (n.recipient == recipient) return;
    const MessageTemplate m = templates_.Fill(message, values_);
    Notification n;
    n.notification_id = e_.event_id + ":" + recipient;
    n.event_id = e_.event_id;
    n.event_type = schemas::EventTypeName(e_.type);
    n.recipient = recipient;
    n.recipient_kind = kind;
    n.channel = channel_;
    n.level = level_;
    n.escalation_level = escalation_level;
    n.title = m.title;
    n.text = m.text;
    n.due_on = due_on_;
    n.plan = e_.stream;
    n.plan_title = s_.plan_title;
    n.task = task_;
    n.task_text = s_.task_text;
    n.occurred_at = e_.occurred_at;
    out_.push_back(std::move(n));
  }
  std::vector<Notification> Take() { return std::move(out_); }

 private:
  const Event& e_;
  int32_t task_;
  const Subject& s_;
  std::string channel_, level_, due_on_;
  const Templates& templates_;
  TemplateValues values_;
  std::vector<Notification> out_;
};

// A text (a note, a reason) without its final full stop: the template adds its own.
// Trailing blanks and a closing mark go too ("同意 ", "材料需补充！"): the
// template's own full stop after them read "同意 。", "补充！。".
std::string WithoutFinalStop(std::string text) {
  for (bool cut = true; cut;) {
    cut = false;
    for (const std::string_view stop :
         {"。", "．", ".", "！", "!", "；", ";", "，", ",", "、", " ", "\t", "\n", "\r", "　"})
      if (text.size() >= stop.size() && text.compare(text.size() - stop.size(), stop.size(), stop) == 0) {
        text.erase(text.size() - stop.size());
        cut = true;
      }
  }
  return text;
}

// A note's line breaks as spaces: a notice is one paragraph (a text
// message, a robot's line), and a raw CR would end it early on some sinks.
std::string OneLine(std::string text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' || text[i] == '\n') {
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// "，理由：…" for a reason with visible text, else nothing.
std::string ReasonClause(const std::string& reason) {
  const std::string words = WithoutFinalStop(reason);  // "！" alone says nothing
  return HasVisibleText(words) ? "，理由：" + words : std::string();
}

// The words of whoever accepted a unit's return (the office, or the unit
// that delegated the work): "同意" says nothing the notice does not
// ("…（同意退回），理由：同意" read twice), anything else is quoted as its
// opinion, under its name.
std::string AcceptersWordsClause(const std::string& words, const schemas::Actor& actor, const RenderOptions& o) {
  std::string w = WithoutFinalStop(words);
  for (const std::string_view assent : {"同意", "同意退回", "准予退回", "同意退回申请"})
    if (w == assent) return "";
  const std::string who = actor.role == schemas::Role::kUnit && !actor.id.empty() ? actor.id : o.office;
  return HasVisibleText(w) ? "，" + who + "意见：" + w : std::string();
}

// The escalation ladder names recipients by role (workflows/definition.h:
// "unit", "office", "unit_leaders"); any other entry is taken as a name.
// The unit and office already have their own (differently worded) notice,
// so those entries are de-duplicated by Builder::Add.
void AddNotifyList(Builder& nb, const std::vector<std::string>& notify, const std::string& unit, const RenderOptions& o,
                   const std::string& message, int32_t level) {
  for (const auto& who : notify) {
    if (who == "unit") continue;
    if (who == "office") continue;
    if (who == "unit_leaders") {
      nb.Add(unit + o.unit_leaders_suffix, RecipientKind::kNotify, message, level);
    } else {
      nb.Add(who, RecipientKind::kNotify, message, level);
    }
  }
}

// Asks a unit to sign for work just made its own and meet its date; entered
// later from paper, the date may have passed by the time it is told: then
// it is not asked to meet it.
std::string SignAndMeetSentence(const Event& e, const std::string& unit, const std::string& due_on) {
  const bool passed = !due_on.empty() && DayOf(std::max(e.occurred_at, e.recorded_at)).ToString() > due_on;
  return due_on.empty() ? "请" + unit + "及时签收办理。"
         : passed ? "完成时限" + due_on + "已过，请" + unit + "及时签收，尽快办理并报送进展。"
                  : "完成时限为" + due_on + "，请" + unit + "及时签收并按时限办理。";
}

// Work the office gives a unit after the plan was imported (assign): the
// unit hears it is its own, with its date, as a unit moved onto does.
std::vector<Notification> NotificationsOf(const Event& e, const schemas::AssignmentCreated& b, const TaskDirectory& dir,
                                          const RenderOptions& o) {
  if (dir.CameWithItsTask(e)) return {};
  Subject s = SubjectOf(e, b.task, dir, o);
  TemplateValues v = CommonValues(s, b.task, b.unit, b.due_on);
  v["role_words"] = b.role == schemas::AssignmentRole::kLead ? "牵头" : "";
  v["request_sentence"] = SignAndMeetSentence(e, b.unit, b.due_on);
  Builder nb(e, b.task, s, "assigned", "notice", b.due_on, o, std::move(v));
  nb.Add(b.unit, RecipientKind::kUnit, "assigned");
  return nb.Take();
}

// Work a unit passes down to one below it: the sub-unit hears it is its own,
// from which unit, with what that unit asked and its date.
std::vector<Notification> NotificationsOf(const Event& e, const schemas::AssignmentDelegated& b,
                                          const TaskDirectory& dir, const RenderOptions& o) {
  Subject s = SubjectOf(e, b.task, dir, o);
  TemplateValues v = CommonValues(s, b.task, b.unit, b.due_on);
  v["parent"] = b.parent_unit;
  v["note"] = WithoutFinalStop(OneLine(b.note));
  if (!HasVisibleText(v["note"])) v["note"] = OneLine(b.note);  // only marks ("！"): as written
  v["note_clause"] = HasVisibleText(v["note"]) ? "，要求：" + v["note"] : std::string();
  v["request_sentence"] = SignAndMeetSentence(e, b.unit, b.due_on);
  Builder nb(e, b.task, s, "delegated", "notice", b.due_on, o, std::move(v));
  nb.Add(b.unit, RecipientKind::kUnit, "delegated");
  return nb.Take();
}

std::vector<Notification> NotificationsOf(const Event& e, const schemas::DeadlineApproaching& b,
                                          const TaskDirectory& dir, const RenderOptions& o) {
  Subject s = SubjectOf(e, b.task, dir, o);
  TemplateValues v = CommonValues(s, b.task, b.unit, b.due_on);
  v["days_left"] = std::to_string(b.working_days_left);
  Builder nb(e, b.task, s, "reminder", "notice", b.due_on, o, std::move(v));
  nb.Add(b.unit, RecipientKind::kUnit, "reminder");
  return nb.Take();
}

std::vector<Notification> NotificationsOf(const Event& e, const schemas::DeadlineMissed& b, const TaskDirectory& dir,
                                          const RenderOptions& o) {
  Subject s = SubjectOf(e, b.task, dir, o);
  TemplateValues v = CommonValues(s, b.task, b.unit, b.due_on);
  // Handed in after the date while the clock did not run (the miss fired
  // late): the work is recorded late, nothing more is asked of the unit.
  const std::string handed_in = dir.HandedIn(e.stream, b.task, b.unit);
  const char* key = handed_in.empty() ? "overdue" : "overdue_handed_in";
  if (!handed_in.empty()) v["submitted_on"] = handed_in;
  Builder nb(e, b.task, s, "overdue", "warning", b.due_on, o, std::move(v));
  nb.Add(b.unit, RecipientKind::kUnit, key);
  return nb.Take();
}

std::vector<Notification> NotificationsOf(const Event& e, const schemas::EscalationRaised& b, const TaskDirectory& dir,
                                          const RenderOptions& o) {
  Subject s = SubjectOf(e, b.task, dir, o);
  std::string due = dir.DueOn(e.stream, b.task, b.unit);
  TemplateValues v = CommonValues(s, b.task, b.unit, due);
  v["level"] = std::to_string(b.level);
  v["step"] = b.step.empty() ? "督办升级" : b.step;
  Builder nb(e, b.task, s, "escalation", "urgent", due, o, std::move(v));
  nb.Add(b.unit, RecipientKind::kUnit, "escalation_unit", b.level);
  // A delegated assignment answers to the unit that delegated it, not the office.
  if (const std::string parent = dir.DelegatedBy(e.stream, b.task, b.unit); !parent.empty())
    nb.Add(parent, RecipientKind::kNotify, "escalation_others", b.level);
  else
    nb.Add(o.office, RecipientKind::kOffice, "escalation_others", b.level);
  AddNotifyList(nb, b.notify, b.unit, o, "escalation_others", b.level);
  return nb.Take();
}

// A schedule's cycle id ("schedule:4:2026-12-31") is the engine's key, not a
// round an office would recognise: said as 定期报送2026-12-31. The office's
// own cycle ids (2026-Q3) are its words and stay.
std::string CycleWords(const std::string& id) {
  if (!std::string_view(id).starts_with(core::kScheduleCyclePrefix)) return id;
  return "定期报送" + id.substr(id.rfind(':') + 1);
}

std::vector<Notification> NotificationsOf(const Event& e, const schemas::ProgressReportRequested& b,
                                          const TaskDirectory& dir, const RenderOptions& o) {
  Subject s = SubjectOf(e, b.task, dir, o);
  TemplateValues v = CommonValues(s, b.task, b.unit, b.due_on);
  v["cycle_id"] = CycleWords(b.cycle_id);
  v["by_when"] = b.due_on.empty() ? std::string("尽快") : "于" + b.due_on + "前";
  v["due_suffix"] = b.due_on.empty() ? std::string() : "，" + b.due_on + "前";
  Builder nb(e, b.task, s, "report_request", "notice", b.due_on, o, std::move(v));
  nb.Add(b.unit, RecipientKind::kUnit, "report_request");
  return nb.Take();
}

std::vector<Notification> NotificationsOf(const Event& e, const schemas::CompletionRejected& b,
                                          const TaskDirectory& dir, const RenderOptions& o) {
  Subject s = SubjectOf(e, b.task, dir, o);
  std::string due = dir.DueOn(e.stream, b.task, b.unit);
  TemplateValues v = CommonValues(s, b.task, b.unit, due);
  v["reason"] = b.reason;
  v["reason_clause"] = b.reason.empty() ? std::string() : "，原因：" + WithoutFinalStop(b.reason);
  Builder nb(e, b.task, s, "completion_rejected", "warning", due, o, std::move(v));
  nb.Add(b.unit, RecipientKind::kUnit, "completion_rejected");
  return nb.Take();
}

std::vector<Notification> NotificationsOf(const Event& e, const schemas::CompletionApproved& b,
                                          const TaskDirectory& dir, const RenderOptions& o) {
  Subject s = SubjectOf(e, b.task, dir, o);
  std::string due = dir.DueOn(e.stream, b.task, b.unit);
  TemplateValues v = CommonValues(s, b.task, b.unit, due);
  v["comment"] = b.comment;
  v["comment_clause"] = b.comment.empty() ? std::string() : "，审核意见：" + WithoutFinalStop(b.comment);
  Builder nb(e, b.task, s, "completion_approved", "notice", due, o, std::move(v));
  nb.Add(b.unit, RecipientKind::kUnit, "completion_approved");
  return nb.Take();
}

// What the unit that delegated an assignment is asked when the office gave
// its sub-unit a new date: to see the work done by it, or, when that date
// is after the unit's own (the office may grant that), to ask for its own.
std::string NewDateForParent(const TaskDirectory& dir, const Event& e, int32_t task, const std::string& parent,
                             const std::string& new_due) {
  const std::string own = dir.DueOn(e.stream, task, parent);
  if (!own.empty() && new_due > own)
    return "该时限晚于" + parent + "自身的完成时限" + own + "，请" + parent + "知悉，并及时申请延期。";
  return "请" + parent + "知悉，按新时限督促办理和审核。";
}

// The directory has learnt the granted date already (TaskDirectory::Apply
// runs first): {due_on} is the new one.
std::vector<Notification> NotificationsOf(const Event& e, const schemas::ExtensionGranted& b, const TaskDirectory& dir,
                                          const RenderOptions& o) {
  Subject s = SubjectOf(e, b.task, dir, o);
  TemplateValues v = CommonValues(s, b.task, b.unit, b.new_due_on);
  const std::string parent = dir.DelegatedBy(e.stream, b.task, b.unit);
  v["parent"] = parent;
  if (!parent.empty()) v["parent_sentence"] = NewDateForParent(dir, e, b.task, parent, b.new_due_on);
  Builder nb(e, b.task, s, "extension_granted", "notice", b.new_due_on, o, std::move(v));
  nb.Add(b.unit, RecipientKind::kUnit, "extension_granted");
  // The office granted a sub-unit's time over the head of the unit that
  // delegated it: that unit reviews the work and must know its new date.
  if (!parent.empty() && e.actor.id != parent) nb.Add(parent, RecipientKind::kNotify, "delegated_extension_granted");
  return nb.Take();
}

std::vector<Notification> NotificationsOf(const Event& e, const schemas::ExtensionDenied& b, const TaskDirectory& dir,
                                          const RenderOptions& o) {
  Subject s = SubjectOf(e, b.task, dir, o);
  std::string due = dir.DueOn(e.stream, b.task, b.unit);
  TemplateValues v = CommonValues(s, b.task, b.unit, due);
  v["reason"] = b.reason;
  v["reason_clause"] = b.reason.empty() ? std::string() : "，理由：" + WithoutFinalStop(b.reason);
  // Denied after the date that stands has passed, the work is already late: no date to work to.
  v["request_sentence"] = !due.empty() && DayOf(e.occurred_at).ToString() > due
                              ? "原时限" + due + "已过，请" + b.unit + "抓紧办理，尽快报送办结。"
                              : "请" + b.unit + (due.empty() ? "" : "按原时限" + due) + "完成并报送进度。";
  // The office denied a sub-unit's time over the head of the unit that
  // delegated it: that unit answers for the work on the date that stands.
  const std::string parent = dir.DelegatedBy(e.stream, b.task, b.unit);
  const bool tell_parent = !parent.empty() && e.actor.id != parent;
  if (tell_parent) {
    v["parent"] = parent;
    v["parent_sentence"] = !due.empty() && DayOf(e.occurred_at).ToString() > due
                               ? "原时限" + due + "已过，请" + parent + "督促其抓紧办理。"
                               : "请" + parent + "知悉，督促其" + (due.empty() ? "" : "按原时限" + due) + "办理。";
  }
  Builder nb(e, b.task, s, "extension_denied", "warning", due, o, std::move(v));
  nb.Add(b.unit, RecipientKind::kUnit, "extension_denied");
  if (tell_parent) nb.Add(parent, RecipientKind::kNotify, "delegated_extension_denied");
  return nb.Take();
}

std::vector<Notification> NotificationsOf(const Event& e, const schemas::AcceptanceOverdue& b, const TaskDirectory& dir,
                                          const RenderOptions& o) {
  Subject s = SubjectOf(e, b.task, dir, o);
  TemplateValues v = CommonValues(s, b.task, b.unit, b.due_on);
  v["assigned_on"] = b.assigned_on;
  Builder nb(e, b.task, s, "acceptance_overdue", "warning", b.due_on, o, std::move(v));
  nb.Add(b.unit, RecipientKind::kUnit, "acceptance_overdue_unit");
  // A delegated assignment's list names the unit that delegated it where the
  // definition says office (the timer policy): AddNotifyList tells it.
  if (dir.DelegatedBy(e.stream, b.task, b.unit).empty() &&
      std::find(b.notify.begin(), b.notify.end(), "office") != b.notify.end())
    nb.Add(o.office, RecipientKind::kOffice, "acceptance_overdue_others");
  AddNotifyList(nb, b.notify, b.unit, o, "acceptance_overdue_others", 0);
  return nb.Take();
}

std::vector<Notification> NotificationsOf(const Event& e, const schemas::ReviewOverdue& b, const TaskDirectory& dir,
                                          const RenderOptions& o) {
  Subject s = SubjectOf(e, b.task, dir, o);
  TemplateValues v = CommonValues(s, b.task, b.unit, b.due_on);
  v["submitted_on"] = b.submitted_on;
  Builder nb(e, b.task, s, "review_overdue", "warning", b.due_on, o, std::move(v));
  // The reviewer: the office, or the unit that delegated the assignment.
  if (const std::string parent = dir.DelegatedBy(e.stream, b.task, b.unit); !parent.empty())
    nb.Add(parent, RecipientKind::kNotify, "review_overdue");
  else
    nb.Add(o.office, RecipientKind::kOffice, "review_overdue");
  return nb.Take();
}

std::vector<Notification> NotificationsOf(const Event& e, const schemas::ReportOverdue& b, const TaskDirectory& dir,
                                          const RenderOptions& o) {
  Subject s = SubjectOf(e, b.task, dir, o);
  const bool escalated = b.level >= 1;
  TemplateValues v = CommonValues(s, b.task, b.unit, b.due_on);
  v["cycle_id"] = CycleWords(b.cycle_id);
  v["level"] = std::to_string(b.level);
  v["step"] = b.step.empty() ? "督办升级" : b.step;
  Builder nb(e, b.task, s, "report_overdue", escalated ? "urgent" : "warning", b.due_on, o, std::move(v));
  if (!escalated) {
    nb.Add(b.unit, RecipientKind::kUnit, "report_overdue");
    return nb.Take();
  }
  nb.Add(b.unit, RecipientKind::kUnit, "report_overdue_escalated_unit", b.level);
  // A delegated assignment answers to the unit that delegated it, not the office.
  if (const std::string parent = dir.DelegatedBy(e.stream, b.task, b.unit); !parent.empty())
    nb.Add(parent, RecipientKind::kNotify, "report_overdue_escalated_others", b.level);
  else
    nb.Add(o.office, RecipientKind::kOffice, "report_overdue_escalated_others", b.level);
  AddNotifyList(nb, b.notify, b.unit, o, "report_overdue_escalated_others", b.level);
  return nb.Take();
}

// A sub-unit submitted what was delegated to it: the unit that delegated it
// reviews (the office's queue does not show it). The office's own
// assignments tell no one: the office reads its queue.
std::vector<Notification> NotificationsOf(const Event& e, const schemas::CompletionSubmitted& b,
                                          const TaskDirectory& dir, const RenderOptions& o) {
  const std::string parent = dir.DelegatedBy(e.stream, b.task, b.unit);
  if (parent.empty()) return {};
  Subject s = SubjectOf(e, b.task, dir, o);
  const std::string due = dir.DueOn(e.stream, b.task, b.unit);
  TemplateValues v = CommonValues(s, b.task, b.unit, due);
  v["parent"] = parent;
  Builder nb(e, b.task, s, "delegated_submitted", "notice", due, o, std::move(v));
  nb.Add(parent, RecipientKind::kNotify, "delegated_submitted");
  return nb.Take();
}

// A sub-unit asks the unit that delegated to it for more time.
std::vector<Notification> NotificationsOf(const Event& e, const schemas::ExtensionRequested& b,
                                          const TaskDirectory& dir, const RenderOptions& o) {
  const std::string parent = dir.DelegatedBy(e.stream, b.task, b.unit);
  if (parent.empty()) return {};
  Subject s = SubjectOf(e, b.task, dir, o);
  const std::string due = dir.DueOn(e.stream, b.task, b.unit);
  TemplateValues v = CommonValues(s, b.task, b.unit, due);
  v["parent"] = parent;
  v["new_due_on"] = b.new_due_on;
  v["reason"] = b.reason;
  v["reason_clause"] = b.reason.empty() ? std::string() : "，理由：" + WithoutFinalStop(b.reason);
  Builder nb(e, b.task, s, "delegated_extension", "notice", due, o, std::move(v));
  nb.Add(parent, RecipientKind::kNotify, "delegated_extension");
  return nb.Take();
}

// What a changed date asks of the unit: to work to it, or (its work handed
// in on `day`, awaiting review) nothing.
std::string WorkToTheNewDate(const std::string& unit) { return "请" + unit + "按新时限办理并报送进度。"; }
std::string InReview(const std::string& unit, const std::string& day) {
  return unit + "已于" + day + "报送办结，等待审核。";
}

// The office set or changed a deadline. A task's own date (no unit) is
// followed by one event per open assignment whose date it changes (decide),
// so only those tell: each unit once.
std::vector<Notification> NotificationsOf(const Event& e, const schemas::DeadlineChanged& b, const TaskDirectory& dir,
                                          const RenderOptions& o) {
  if (b.unit.empty()) return {};
  Subject s = SubjectOf(e, b.task, dir, o);
  TemplateValues v = CommonValues(s, b.task, b.unit, b.new_due_on);
  v["old_due_on"] = b.old_due_on;
  v["old_clause"] = b.old_due_on.empty() ? std::string("（原未定期限）") : "（原为" + b.old_due_on + "）";
  v["reason"] = b.reason;
  v["reason_clause"] = b.reason.empty() ? std::string() : "，理由：" + WithoutFinalStop(b.reason);
  // Work already handed in awaits review: the new date asks nothing of it.
  const std::string handed_in = dir.HandedIn(e.stream, b.task, b.unit);
  v["request_sentence"] = handed_in.empty() ? WorkToTheNewDate(b.unit) : InReview(b.unit, handed_in);
  // A sub-unit's date set by the office: the unit that delegated the work
  // reviews it, and learns its new date as it would an extension granted.
  const std::string parent = dir.DelegatedBy(e.stream, b.task, b.unit);
  const bool tell_parent = !parent.empty() && e.actor.id != parent;
  if (tell_parent) {
    v["parent"] = parent;
    v["parent_sentence"] = NewDateForParent(dir, e, b.task, parent, b.new_due_on);
  }
  Builder nb(e, b.task, s, "deadline_changed", "notice", b.new_due_on, o, std::move(v));
  nb.Add(b.unit, RecipientKind::kUnit, "deadline_changed");
  if (tell_parent) nb.Add(parent, RecipientKind::kNotify, "delegated_deadline_changed");
  return nb.Take();
}

// A calendar notice moved an assignment's date (a working-day count the
// provisional rule had made, counted again): the unit is told as when the
// office changes a date, the notice named as the reason.
std::vector<Notification> NotificationsOf(const Event& e, const schemas::DeadlineRecounted& b, const TaskDirectory& dir,
                                          const RenderOptions& o) {
  if (schemas::RecountWithdrawsOverdue(b)) {
    // "overdue withdrawn: due 2027-02-05 counts as 2027-02-14": the miss
    // told before was wrong on the published calendar.
    const std::string& change = b.changes.front();
    const size_t as = change.find(" counts as ");
    Subject s = SubjectOf(e, b.task, dir, o);
    TemplateValues v = CommonValues(s, b.task, b.unit, b.due_on);
    // "… counts as E" or "… counts as E, handed in D" (work awaiting
    // review, judged on the day it was handed in: nothing is asked of the
    // unit). Recounts recorded before the suffix: withdrawn after E only
    // for such work.
    const size_t handed = change.find(schemas::kRecountHandedIn);
    const std::string effective = as == std::string::npos
                                      ? b.due_on
                                      : change.substr(as + 11, handed == std::string::npos ? handed : handed - as - 11);
    v["effective_due_on"] = effective;
    v["request_sentence"] =
        handed != std::string::npos ? InReview(b.unit, change.substr(handed + schemas::kRecountHandedIn.size()))
        : DayOf(e.occurred_at).ToString() > effective ? b.unit + "已在时限前报送办结，等待审核。"
                                                      : "请" + b.unit + "在" + effective + "前完成并报送。";
    Builder nb(e, b.task, s, "overdue_withdrawn", "notice", b.due_on, o, std::move(v));
    nb.Add(b.unit, RecipientKind::kUnit, "overdue_withdrawn");
    return nb.Take();
  }
  if (b.unit.empty() || !schemas::RecountMovesDate(b)) return {};
  // "due 2027-02-08 -> 2027-02-15"
  const std::string& change = b.changes.front();
  const size_t arrow = change.find(" -> ");
  const std::string old_due = arrow == std::string::npos ? std::string() : change.substr(4, arrow - 4);
  Subject s = SubjectOf(e, b.task, dir, o);
  TemplateValues v = CommonValues(s, b.task, b.unit, b.due_on);
  v["old_due_on"] = old_due;
  // "due A -> B, handed in D": the work awaits review, nothing is asked of the unit.
  const size_t handed = change.find(schemas::kRecountHandedIn);
  const std::string handed_in =
      handed == std::string::npos ? "" : change.substr(handed + schemas::kRecountHandedIn.size());
  if (schemas::RecountKeepsOverdue(b)) {  // the new date has passed too: still late
    v["request_sentence"] =
        handed_in.empty() ? "请" + b.unit + "立即报送办理进展和逾期原因。" : InReview(b.unit, handed_in);
    Builder nb(e, b.task, s, "overdue_stands", "warning", b.due_on, o, std::move(v));
    nb.Add(b.unit, RecipientKind::kUnit, "overdue_stands");
    return nb.Take();
  }
  v["old_clause"] = old_due.empty() ? std::string() : "（原为" + old_due + "）";
  v["reason"] = "按新公布的节假日安排重新计算工作日";
  v["reason_clause"] = "，理由：" + v["reason"];
  v["request_sentence"] = handed_in.empty() ? WorkToTheNewDate(b.unit) : InReview(b.unit, handed_in);
  Builder nb(e, b.task, s, "deadline_changed", "notice", b.due_on, o, std::move(v));
  nb.Add(b.unit, RecipientKind::kUnit, "deadline_changed");
  return nb.Take();
}

// "quarter:1" -> 每季度1次; "" -> "" (no schedule).
std::string ScheduleWords(const std::string& recurrence) {
  if (recurrence.empty()) return "";
  const size_t colon = recurrence.find(':');
  const std::string period = recurrence.substr(0, colon);
  const std::string times = colon == std::string::npos ? "1" : recurrence.substr(colon + 1);
  const char* every = period == "month"       ? "每月"
                      : period == "quarter"   ? "每季度"
                      : period == "half_year" ? "每半年"
                                              : "每年";
  return every + times + "次";
}

// The office set, changed or stopped a task's reporting schedule: every
// unit holding the task is told what it will be asked.
std::vector<Notification> NotificationsOf(const Event& e, const schemas::ScheduleSet& b, const TaskDirectory& dir,
                                          const RenderOptions& o) {
  Subject s = SubjectOf(e, b.task, dir, o);
  const std::string words = ScheduleWords(b.recurrence);
  std::vector<Notification> out;
  for (const std::string& unit : dir.Units(e.stream, b.task)) {
    TemplateValues v = CommonValues(s, b.task, unit, "");
    v["schedule"] = words.empty() ? std::string("不再定期报送") : words;
    v["schedule_sentence"] = words.empty() ? std::string("不再定期报送进度")
                                           : "的进度报送安排为" + words + "（" + std::to_string(b.year) +
                                                 "年），每个报送节点前督查室将通知" + unit + "报送本期办理进展";
    v["reason"] = b.reason;
    v["reason_clause"] = b.reason.empty() ? std::string() : "，理由：" + WithoutFinalStop(b.reason);
    Builder nb(e, b.task, s, "schedule_set", "notice", "", o, std::move(v));
    nb.Add(unit, RecipientKind::kUnit, "schedule_set");
    for (auto& n : nb.Take()) out.push_back(std::move(n));
  }
  return out;
}

// A leader's instruction (批示) or an office comment: the unit named, or
// every unit holding the task. An urging (催办): the unit named (decide
// requires one).
std::vector<Notification> NotificationsOf(const Event& e, const schemas::NoteAdded& b, const TaskDirectory& dir,
                                          const RenderOptions& o) {
  const std::string& kind = b.kind;
  if (kind != "instruction" && kind != "comment" && kind != "urge") return {};
  Subject s = SubjectOf(e, b.task, dir, o);
  // Only units that still hold the task: not a cancelled assignment or task.
  std::vector<std::string> units = dir.Units(e.stream, b.task);
  if (!b.unit.empty())
    units = std::find(units.begin(), units.end(), b.unit) != units.end() ? std::vector<std::string>{b.unit}
                                                                         : std::vector<std::string>{};
  std::vector<Notification> out;
  for (const std::string& unit : units) {
    const std::string due = dir.DueOn(e.stream, b.task, unit);
    TemplateValues v = CommonValues(s, b.task, unit, due);
    v["note"] = WithoutFinalStop(OneLine(b.text));
    if (!HasVisibleText(v["note"])) v["note"] = OneLine(b.text);  // only marks ("！"): as written
    v["note_clause"] = HasVisibleText(v["note"]) ? "：" + v["note"] : std::string();
    // A comment on work handed in (awaiting review, or closed) or returned
    // (退回, awaiting the office) asks nothing of the unit.
    const bool asked = dir.HandedIn(e.stream, b.task, unit).empty() && !dir.Returned(e.stream, b.task, unit);
    v["request_sentence"] = "请" + unit + (asked ? "阅知并办理。" : "阅知。");
    Builder nb(e, b.task, s, kind, kind == "comment" ? "notice" : "warning", due, o, std::move(v));
    nb.Add(unit, RecipientKind::kUnit, kind);
    for (auto& n : nb.Take()) out.push_back(std::move(n));
  }
  return out;
}

// Work taken off a unit (the office's cancel-assignment, a return it
// accepted, or the assignment it was delegated from closed): the unit, and
// the unit that delegated it when that one still holds the task and did not
// take it off itself.
std::vector<Notification> NotificationsOf(const Event& e, const schemas::AssignmentCancelled& b,
                                          const TaskDirectory& dir, const RenderOptions& o) {
  Subject s = SubjectOf(e, b.task, dir, o);
  const std::string due = dir.DueOn(e.stream, b.task, b.unit);
  TemplateValues v = CommonValues(s, b.task, b.unit, due);
  // Work the unit returned (退回): taking it off is the office agreeing.
  const bool returned = dir.Returned(e.stream, b.task, b.unit);
  v["reason"] = b.reason;
  v["reason_clause"] = returned ? AcceptersWordsClause(b.reason, e.actor, o) : ReasonClause(b.reason);
  Builder nb(e, b.task, s, "cancelled", "notice", due, o, std::move(v));
  nb.Add(b.unit, RecipientKind::kUnit, returned ? "return_accepted" : "assignment_cancelled");
  const std::string parent = dir.DelegatedBy(e.stream, b.task, b.unit);
  const std::vector<std::string> holding = dir.Units(e.stream, b.task);
  if (!parent.empty() && e.actor.id != parent && std::find(holding.begin(), holding.end(), parent) != holding.end())
    nb.Add(parent, RecipientKind::kNotify, "assignment_cancelled");
  return nb.Take();
}

// Work moved off one unit to another (`reassign`, or a return the office
// accepted onto another unit): the unit that had it, and the unit that has
// it now (its date, the one the work keeps). A merge into a unit already
// holding the task (AssignmentMerged) tells both the same way.
template <typename Moved>
std::vector<Notification> MovedWork(const Event& e, const Moved& b, const TaskDirectory& dir, const RenderOptions& o,
                                    bool merged) {
  Subject s = SubjectOf(e, b.task, dir, o);
  const bool returned = dir.Returned(e.stream, b.task, b.from_unit);
  const std::string reason_clause = returned ? AcceptersWordsClause(b.reason, e.actor, o) : ReasonClause(b.reason);
  std::vector<Notification> out;
  {
    TemplateValues v = CommonValues(s, b.task, b.from_unit, dir.DueOn(e.stream, b.task, b.from_unit));
    v["from_unit"] = b.from_unit;
    v["to_unit"] = b.to_unit;
    v["reason"] = b.reason;
    v["reason_clause"] = reason_clause;
    v["moved_words"] = (merged ? "已并入" + b.to_unit + "办理" : "已改由" + b.to_unit + "办理") +
                       std::string(returned ? "（同意退回）" : "");
    Builder nb(e, b.task, s, "reassigned", "notice", "", o, std::move(v));
    nb.Add(b.from_unit, RecipientKind::kUnit, "reassigned_from");
    // Work a unit delegated (多级下发), moved by the office: that unit
    // reviewed it, and hears where it went, as when it is cancelled.
    const std::string parent = dir.DelegatedBy(e.stream, b.task, b.from_unit);
    const std::vector<std::string> holding = dir.Units(e.stream, b.task);
    if (!parent.empty() && e.actor.id != parent && std::find(holding.begin(), holding.end(), parent) != holding.end())
      nb.Add(parent, RecipientKind::kNotify, "reassigned_parent");
    for (auto& n : nb.Take()) out.push_back(std::move(n));
  }
  const std::string due = dir.DueOn(e.stream, b.task, b.to_unit);
  bool lead = false;
  if constexpr (requires { b.role; }) lead = b.role == schemas::AssignmentRole::kLead;
  // A new date given with the move: the unit hears the date the work had too.
  std::string old_due;
  if constexpr (requires { b.due_on; })
    if (!b.due_on.empty()) old_due = dir.DueOn(e.stream, b.task, b.from_unit);
  TemplateValues v = CommonValues(s, b.task, b.to_unit, due);
  v["from_unit"] = b.from_unit;
  v["reason"] = b.reason;
  v["reason_clause"] = reason_clause;
  v["notice_name"] = merged ? "交办调整" : "新交办";
  // The date the work keeps may have passed (the office moves late work on,
  // or enters a move made earlier, told now): the unit is not told to meet it.
  const bool passed = !due.empty() && DayOf(std::max(e.occurred_at, e.recorded_at)).ToString() > due;
  const bool redated = !old_due.empty() && old_due != due;
  const std::string new_date = "完成时限调整为" + due + "（原为" + old_due + "）";
  const std::string hurry = "及时签收，尽快办理并报送进展。";
  v["request_sentence"] = merged              ? "请" + b.to_unit + (lead ? "牵头" : "") + "一并办理。"
                          : due.empty()       ? "请" + b.to_unit + "及时签收办理。"
                          : passed && redated ? new_date + "，该时限已过，请" + b.to_unit + hurry
                          : passed            ? "原完成时限" + due + "已过，请" + b.to_unit + hurry
                          : redated           ? new_date + "，请" + b.to_unit + "及时签收并按时限办理。"
                                    : "完成时限为" + due + "，请" + b.to_unit + "及时签收并按时限办理。";
  v["moved_words"] = merged ? "：" + b.from_unit + "承担的工作已并入" + b.to_unit + "办理"
                            : "改由" + b.to_unit + "办理（原由" + b.from_unit + "办理）";
  Builder nb(e, b.task, s, "reassigned", "notice", due, o, std::move(v));
  nb.Add(b.to_unit, RecipientKind::kUnit, "reassigned_to");
  for (auto& n : nb.Take()) out.push_back(std::move(n));
  return out;
}

std::vector<Notification> NotificationsOf(const Event& e, const schemas::AssignmentReassigned& b,
                                          const TaskDirectory& dir, const RenderOptions& o) {
  return MovedWork(e, b, dir, o, false);
}
std::vector<Notification> NotificationsOf(const Event& e, const schemas::AssignmentMerged& b, const TaskDirectory& dir,
                                          const RenderOptions& o) {
  return MovedWork(e, b, dir, o, true);
}

// The whole task cancelled: every unit that held it.
std::vector<Notification> NotificationsOf(const Event& e, const schemas::TaskCancelled& b, const TaskDirectory& dir,
                                          const RenderOptions& o) {
  Subject s = SubjectOf(e, b.number, dir, o);
  std::vector<Notification> out;
  for (const std::string& unit : dir.UnitsAtCancellation(e.stream, b.number)) {
    const std::string due = dir.DueOn(e.stream, b.number, unit);
    TemplateValues v = CommonValues(s, b.number, unit, due);
    v["reason"] = b.reason;
    v["reason_clause"] = ReasonClause(b.reason);
    Builder nb(e, b.number, s, "cancelled", "notice", due, o, std::move(v));
    nb.Add(unit, RecipientKind::kUnit, "task_cancelled");
    for (auto& n : nb.Take()) out.push_back(std::move(n));
  }
  return out;
}

// Lateness withdrawn because the office entered a paper hand-in made by the
// date: the unit was told it was late (and, at a level, escalated); it was
// not. Whoever heard of the escalation hears it is void: the unit that
// delegated the work or the office, and the escalations' notify lists.
std::vector<Notification> NotificationsOf(const Event& e, const schemas::EscalationCleared& b, const TaskDirectory& dir,
                                          const RenderOptions& o) {
  if (b.reason != schemas::kClearedByBackEnteredHandIn) return {};
  Subject s = SubjectOf(e, b.task, dir, o);
  const std::string due = dir.DueOn(e.stream, b.task, b.unit);
  TemplateValues v = CommonValues(s, b.task, b.unit, due);
  v["level"] = std::to_string(b.level);
  v["submitted_on"] = DayOf(e.occurred_at).ToString();
  // Every level up to the one withdrawn is void; the office and the notify
  // lists heard only the escalations.
  const std::string levels = b.level > 1 ? "（第1—" + std::to_string(b.level) + "级）" : "（第1级）";
  v["voided"] = b.level > 0 ? "逾期提醒和督办升级" + levels : std::string("逾期提醒");
  v["voided_others"] = "督办升级" + levels;
  v["notice_name"] = b.level > 0 ? "督办撤销" : "逾期撤销";
  Builder nb(e, b.task, s, "escalation_cleared", "notice", due, o, std::move(v));
  nb.Add(b.unit, RecipientKind::kUnit, "escalation_cleared");
  if (b.level > 0) {
    if (const std::string parent = dir.DelegatedBy(e.stream, b.task, b.unit); !parent.empty())
      nb.Add(parent, RecipientKind::kNotify, "escalation_cleared_others");
    else
      nb.Add(o.office, RecipientKind::kOffice, "escalation_cleared_others");
    AddNotifyList(nb, dir.EscalationNotify(e.stream, b.task, b.unit), b.unit, o, "escalation_cleared_others", 0);
  }
  return nb.Take();
}

}  // namespace

std::vector<Notification> RenderNotifications(const Event& e, const TaskDirectory& dir, const RenderOptions& o) {
  return std::visit(
      [&](const auto& b) -> std::vector<Notification> {
        // An event type with no NotificationsOf overload notifies no one.
        if constexpr (requires { NotificationsOf(e, b, dir, o); })
          return NotificationsOf(e, b, dir, o);
        else
          return {};
      },
      e.body);
}

std::string NotificationToJson(const Notification& n) {
  nlohmann::ordered_json j;
  j["notification_id"] = n.notification_id;
  j["event_id"] = n.event_id;
  j["event_type"] = n.event_type;
  j["recipient"] = n.recipient;
  j["recipient_kind"] = RecipientKindName(n.recipient_kind);
  j["channel"] = n.channel;
  j["level"] = n.level;
  j["escalation_level"] = n.escalation_level;
  j["title"] = n.title;
  j["text"] = n.text;
  j["due_on"] = n.due_on;
  j["plan"] = n.plan;
  j["plan_title"] = n.plan_title;
  j["task"] = n.task;
  j["task_text"] = n.task_text;
  j["occurred_at"] = n.occurred_at;
  if (!n.items.empty()) j["items"] = n.items;
  // Replace rather than throw on invalid UTF-8 from a damaged plan text.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<Notification> NotificationFromJson(const std::string& json) {
  auto j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::InvalidArgument("notification: not a JSON object");
  Notification n;
  try {
    n.notification_id = j.at("notification_id").get<std::string>();
    n.event_id = j.at("event_id").get<std::string>();
    n.event_type = j.at("event_type").get<std::string>();
    n.recipient = j.at("recipient").get<std::string>();
    const std::string kind = j.at("recipient_kind").get<std::string>();
    n.recipient_kind = kind == "office"   ? RecipientKind::kOffice
                       : kind == "notify" ? RecipientKind::kNotify
                                          : RecipientKind::kUnit;
    n.channel = j.at("channel").get<std::string>();
    n.level = j.at("level").get<std::string>();
    n.escalation_level = j.at("escalation_level").get<int32_t>();
    n.title = j.at("title").get<std::string>();
    n.text = j.at("text").get<std::string>();
    n.due_on = j.at("due_on").get<std::string>();
    n.plan = j.at("plan").get<std::string>();
    n.plan_title = j.at("plan_title").get<std::string>();
    n.task = j.at("task").get<int32_t>();
    n.task_text = j.at("task_text").get<std::string>();
    n.occurred_at = j.at("occurred_at").get<Instant>();
    if (j.contains("items")) n.items = j.at("items").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    // nlohmann throws on a missing key or a wrong type: this is the one
    // place that turns it into a value.
    return Status::InvalidArgument(std::string("notification: ") + e.what());
  }
  return n;
}

}  // namespace duban::consumers
