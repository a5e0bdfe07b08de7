// Calendar notices (Engine::AddCalendarNotice): a State Council holiday
// notice recorded as CalendarNoticeAdded in the stream "!calendar", and in
// the same WriteBatch every open assignment recounted on it (one
// DeadlineRecounted each, its timers re-armed on the new calendar) and every
// task dated on an older version (one DeadlineRecounted without a unit).
// Also LoadCalendar, which rebuilds the timer policy from the recorded
// notices at open.
//
// Guarantee: the notice and every recount are one atomic write; a refused
// notice is logged in the rejection stream under its command id; closed
// assignments and fired events keep the calendar they were judged by.
#include <algorithm>
#include <set>

#include "duban/core/workflow_timer_policy.h"
#include "duban/schemas/deadline_recount.h"
#include "duban/workflows/deadline_phrase.h"
#include "duban/log.h"
#include "duban/workflows/calendar.h"
#include "engine_impl.h"
#include "projector.h"

namespace duban {

using namespace core;
using schemas::Command;
using schemas::Event;
using schemas::EventBody;
namespace rk = records::keys;

namespace {

// A timer's identity for telling what a recount moved: kind, then its
// reminder days or ladder level, then its review cycle.
std::string TimerLabel(const schemas::FireTimer& t) {
  std::string l(schemas::TimerKindName(t.kind));
  if (t.working_days_left) l += " " + std::to_string(t.working_days_left);
  if (t.level) l += " " + std::to_string(t.level);
  if (!t.cycle_id.empty()) l += " (" + t.cycle_id + ")";
  return l;
}
// The day a late assignment's lateness is judged on at a recount: while
// its completion waits for review, the day it was handed in (work handed in
// by the day it was due on was on time, whenever the notice came);
// otherwise the recount's, or the day of the last event on it when that is
// later (ahead of a simulated store's clock).
Date JudgedOn(const AssignmentState& a, Instant at) {
  if (a.status == AssignmentStatus::kSubmitted && a.submitted_at != 0) return DayOf(a.submitted_at);
  return DayOf(std::max(at, a.updated_at));
}
std::map<std::string, std::string> TimerDays(const std::vector<TimerPolicy::Timer>& ts) {
  std::map<std::string, std::string> out;
  for (const auto& t : ts) out[TimerLabel(t.body)] = DayOf(t.fire_at).ToString();
  return out;
}
// The version an assignment's date was counted on before a recount: its
// own, else its task's (when due on the task's date), else what the old
// policy counted on.
std::string CountedOn(const PlanState& s, const AssignmentState& a, const TimerPolicy& armed_by) {
  if (!a.calendar_version.empty()) return a.calendar_version;
  if (auto t = s.tasks.find(a.task);
      t != s.tasks.end() && t->second.deadline.due_on == a.due_on && !t->second.deadline.calendar_version.empty())
    return t->second.deadline.calendar_version;
  return armed_by.CalendarVersion();
}

// What the notice does to a late assignment's lateness: the change that
// says so (deadline_recount.h), or "" when it stands as it is.
//  - Its date counted again (`new_due`): it stays late when the new date has
//    passed too, judged on JudgedOn's day ("overdue stands"): the notice
//    came after it, so the unit was late on either calendar, and withdrawing
//    the lateness would only fire the miss and every step of its ladder
//    again at once. Otherwise "" (the date's change withdraws it).
//  - A stated date the notice makes a rest day: the work is due on the next
//    working day after it (Civil Code art. 203), later than the old calendar
//    said; when that day has not passed, the miss is withdrawn ("overdue
//    withdrawn"). A due day that stays a working day keeps its miss,
//    whatever the days after it became.
std::string LatenessChange(const PlanState& s, const AssignmentState& a, const TimerPolicy& armed_by,
                           const WorkflowTimerPolicy& next, const std::string& new_version,
                           const std::optional<std::string>& new_due, Instant at) {
  // Work handed in after its old date whose miss has not fired yet (no tick
  // between): late as surely as if it had, so a date counted earlier
  // keeps it late rather than disarming the miss that would record it.
  bool late_hand_in = false;
  if (!a.overdue && a.status == AssignmentStatus::kSubmitted && a.submitted_at != 0)
    if (auto due = Date::Parse(a.due_on)) {
      auto eff_was = next.CalendarFor(CountedOn(s, a, armed_by)).EffectiveDue(*due);
      late_hand_in = eff_was.ok() && JudgedOn(a, at) > *eff_was;
    }
  if (!a.overdue && !late_hand_in) return "";
  const workflows::WorkCalendar& is = next.CalendarFor(new_version);
  if (new_due) {
    auto day = Date::Parse(*new_due);
    if (!day) return "";
    auto eff = is.EffectiveDue(*day);
    if (eff.ok() && JudgedOn(a, at) > *eff)
      return std::string(schemas::kRecountKeepsOverdue) + ": due " + *new_due + " has passed too";
    return "";
  }
  if (!a.overdue) return "";  // nothing was recorded late to withdraw
  auto due = Date::Parse(a.due_on);
  if (!due) return "";
  auto eff_was = next.CalendarFor(CountedOn(s, a, armed_by)).EffectiveDue(*due);
  auto eff_is = is.EffectiveDue(*due);
  if (eff_was.ok() && eff_is.ok() && *eff_is > *eff_was && JudgedOn(a, at) <= *eff_is)
    return std::string(schemas::kRecountWithdrawsOverdue) + ": due " + a.due_on + " counts as " + eff_is->ToString() +
           (a.status == AssignmentStatus::kSubmitted
                ? std::string(schemas::kRecountHandedIn) + DayOf(a.submitted_at).ToString()
                : "");
  return "";
}

// "reminder 3 2027-02-01 -> 2027-02-03" for each timer whose day moved
// ("-": none), in label order.
void AddMovedTimers(const std::vector<TimerPolicy::Timer>& old, const std::vector<TimerPolicy::Timer>& now,
                    std::vector<std::string>& changes) {
  const auto old_days = TimerDays(old), new_days = TimerDays(now);
  std::set<std::string> labels;
  for (const auto& [l, d] : old_days) labels.insert(l);
  for (const auto& [l, d] : new_days) labels.insert(l);
  for (const auto& l : labels) {
    auto was = old_days.find(l), is = new_days.find(l);
    const std::string from = was == old_days.end() ? "-" : was->second;
    const std::string to = is == new_days.end() ? "-" : is->second;
    if (from != to) changes.push_back(l + " " + from + " -> " + to);
  }
}

// An open assignment recounted on the new calendar: what moved (possibly
// nothing). Every open one is recounted, moved or not: the timers it has not
// armed yet (a review limit after a submission, the escalations once it is
// late) are counted on its version, so keeping the old one would count them
// on a superseded calendar. Nothing for a closed assignment (it arms no
// timer) or one already counted on the new version.
// `armed_by`: the policy that armed its timers; `next`: the one with the notice.
// `new_due`: the task's date counted again (RecomputedDue), which moves an
// assignment still due on the task's date. A change of its lateness
// (LatenessChange) follows: a date counted again withdraws the lateness as
// a new date does unless it "stands"; a withdrawn miss arms the missed timer
// again on the new day while the work goes on (a submission waits for
// review as any other), and reminders of days already past are moot
// (due_set_at), as Evolve applies them.
std::optional<schemas::DeadlineRecounted> Recount(const PlanState& s, const AssignmentState& a,
                                                  const TimerPolicy& armed_by, const TimerPolicy& next,
                                                  const std::string& new_version,
                                                  const std::optional<std::string>& new_due, Instant at) {
  if (!IsOpen(a.status) && a.status != AssignmentStatus::kSubmitted) return std::nullopt;
  if (workflows::WorkCalendar::StripProvisionalSuffix(a.calendar_version) == new_version) return std::nullopt;
  const auto old = armed_by.TimersFor(s, a);
  const auto* wp = dynamic_cast<const WorkflowTimerPolicy*>(&next);
  const std::string lateness = wp ? LatenessChange(s, a, armed_by, *wp, new_version, new_due, at) : "";
  AssignmentState moved = a;
  moved.calendar_version = new_version;
  if (new_due) {  // as Evolve moves it (On(DeadlineRecounted))
    moved.due_on = *new_due;
    moved.due_set_at = at;
    moved.overdue = lateness.starts_with(schemas::kRecountKeepsOverdue);
    moved.reminded_days = 0;
  } else if (lateness.starts_with(schemas::kRecountWithdrawsOverdue)) {
    moved.overdue = false;
    moved.due_set_at = at;
  }
  const auto now = next.TimersFor(s, moved);
  schemas::DeadlineRecounted rc;
  rc.task = a.task;
  rc.unit = a.unit;
  rc.due_on = moved.due_on;
  // Work awaiting review is not asked to work to the new date: the change says when it was handed in.
  if (new_due)
    rc.changes.push_back(std::string(schemas::kRecountMovesDate) + a.due_on + " -> " + *new_due +
                         (a.status == AssignmentStatus::kSubmitted
                              ? std::string(schemas::kRecountHandedIn) + DayOf(a.submitted_at).ToString()
                              : std::string()));
  if (!lateness.empty()) rc.changes.push_back(lateness);
  // The version that made it provisional, else the one it was counted on
  // (with nothing armed: CountedOn).
  bool provisional_seen = false;
  for (const auto& t : old)
    if (rc.old_calendar_version.empty() || (t.body.provisional && !provisional_seen)) {
      rc.old_calendar_version = t.body.calendar_version;
      provisional_seen = t.body.provisional;
    }
  if (rc.old_calendar_version.empty()) rc.old_calendar_version = CountedOn(s, a, armed_by);
  rc.calendar_version = new_version;
  for (const auto& t : now) rc.provisional = rc.provisional || t.body.provisional;
  AddMovedTimers(old, now, rc.changes);
  return rc;
}

// A task's date counted in working days by the provisional rule
// ("印发后45个工作日内" across a year no notice covered) counted again on the
// new calendar, as the import promised ("recomputed when the year's notice
// is added"); nothing when it stays or was not counted provisionally. Only
// a working-day count from the issue date or the working day before a
// festival (春节前, whose holiday only the notice fixes), and only when the words still
// give the date held on the calendar it names (not a date set otherwise);
// a date on published data, a stated date, or one set by the office stays.
std::optional<std::string> RecomputedDue(const PlanState& s, const core::TaskState& t, const TimerPolicy& next) {
  const std::string& was = t.deadline.calendar_version;
  if (t.cancelled || t.completed || t.deadline.due_on.empty() ||
      workflows::WorkCalendar::StripProvisionalSuffix(was) == was)
    return std::nullopt;
  const auto* wp = dynamic_cast<const WorkflowTimerPolicy*>(&next);
  if (!wp) return std::nullopt;
  try {
    workflows::DeadlineContext ctx;
    ctx.plan_year = s.meta.year;
    ctx.issued_on = Date::Parse(s.meta.issued_on);
    ctx.calendar = &wp->CalendarFor(was);
    const auto before = workflows::ResolveDeadline(t.deadline.text, ctx);
    // Counted on the calendar's days: N working days after issue, the working day before a festival.
    if ((before.rule != "issued_working_days" && before.rule != "festival") || !before.due_on ||
        before.due_on->ToString() != t.deadline.due_on)
      return std::nullopt;
    ctx.calendar = &wp->latest_calendar();
    const auto resolved = workflows::ResolveDeadline(t.deadline.text, ctx);
    if (resolved.unresolved || !resolved.due_on) return std::nullopt;
    std::string due = resolved.due_on->ToString();
    if (due == t.deadline.due_on) return std::nullopt;
    return due;
  } catch (const std::exception& e) {
    log::Core().warn("task {} of plan {}: its deadline '{}' could not be counted again on {}: {}", t.number, s.id,
                     t.deadline.text, next.CalendarVersion(), e.what());
    return std::nullopt;
  }
}

// A task whose date was counted on a calendar version (TaskAdded's deadline)
// recounted on the new one: a DeadlineRecounted with no unit, so that an
// assignment made after the notice counts its deadline on it, not on the
// calendar of the plan's import. Nothing when the task's date names no
// version (the latest is used) or already the new one. `new_due`: its date
// counted again (RecomputedDue); otherwise its date stays.
std::optional<schemas::DeadlineRecounted> RecountTask(const core::TaskState& t, const TimerPolicy& next,
                                                      const std::string& new_version,
                                                      const std::optional<std::string>& new_due) {
  const std::string& was = t.deadline.calendar_version;
  if (t.cancelled || was.empty() || t.deadline.due_on.empty() ||
      workflows::WorkCalendar::StripProvisionalSuffix(was) == new_version)
    return std::nullopt;
  schemas::DeadlineRecounted rc;
  rc.task = t.number;
  rc.due_on = new_due ? *new_due : t.deadline.due_on;
  if (new_due) rc.changes.push_back(std::string(schemas::kRecountMovesDate) + t.deadline.due_on + " -> " + *new_due);
  rc.old_calendar_version = was;
  rc.calendar_version = new_version;
  // Provisional still when the new calendar does not cover the date's year.
  if (const auto* wp = dynamic_cast<const WorkflowTimerPolicy*>(&next))
    if (auto due = Date::Parse(rc.due_on); due && !wp->latest_calendar().Covers(due->year)) {
      rc.provisional = true;
      rc.calendar_version += workflows::WorkCalendar::kProvisionalSuffix;
    }
  return rc;
}

// What makes this command what it is, kept like a Submit command's digest
// (kCommandDigestPrefix) so that an id reused for something else, either
// way round, is a conflict. Who acts and the notice's bytes, as the CLI's
// derived id; a prefix no CommandDigest (hex) can take.
std::string NoticeDigest(const Engine::CalendarNoticeRequest& r) {
  return "calendar:" +
         schemas::Sha256Hex(r.actor.id + '\0' + schemas::RoleName(r.actor.role) + '\0' + r.text).substr(0, 23);
}

}  // namespace

// What CheckNotice found fit to record.
struct Engine::Impl::CheckedNotice {
  schemas::CalendarNoticeAdded notice;
  std::vector<schemas::CalendarNoticeAdded> all;  // the recorded notices, then this one
  std::shared_ptr<const TimerPolicy> next;        // the policy that counts on them
};

// The steps: may this engine write; does the id answer an earlier outcome;
// is the notice fit (CheckNotice, else RejectNotice logs why); the notice
// event; the recounts (RecountOpenAssignments); one WriteBatch.
Outcome Engine::Impl::AddNotice(const Engine::CalendarNoticeRequest& r) {
  Outcome o;
  o.command_id = r.command_id;
  if (Status st = MayWrite(r.command_id); !st.ok()) {
    o.status = st;
    return o;
  }
  const std::string digest = NoticeDigest(r);
  Event first;
  if (auto stored = StoredOutcome(r.command_id, &first); stored.ok()) {
    if (Status same = SameNotice(r, digest, first); !same.ok()) {
      o.status = same;
      return o;
    }
    return std::move(stored).value();
  } else if (stored.status().code() != Status::Code::kNotFound) {
    o.status = stored.status();
    return o;
  }
  Command c;  // the envelope the events carry
  c.command_id = r.command_id;
  c.actor = r.actor;
  c.issued_at = r.issued_at;
  auto checked = CheckNotice(r);
  if (!checked.ok()) return RejectNotice(c, digest, checked.status(), o);
  CheckedNotice& n = *checked;
  rocksdb::WriteBatch wb;
  uint64_t pos = next_pos;
  uint32_t index = 0;
  std::string record;
  // Every event written, for the signed checkpoint of an anchored store.
  std::vector<std::pair<uint64_t, std::string>> written;
  // Recount what is open: its timers are re-armed on the new calendar, the
  // old keys taken from the policy that armed them.
  Projector proj(*n.next, cf, db, CountsDb());
  Event added = MakeEvent(c, kCalendarStream, calendar_version + 1, calendar_hash, index++, n.notice, &record);
  written.emplace_back(pos, added.hash);
  wb.Put(cf[kLog], rk::Pos(pos), record);
  proj.History(kCalendarStream, 0, pos);
  wb.Put(cf[kStreams], kCalendarStream, records::EncodeStreamHead(added.stream_seq, added.hash));
  o.first_position = pos++;
  o.events.push_back(added);

  std::vector<std::string> touched;
  // Nothing written: the plans whose cached state ran ahead are forgotten.
  auto unwritten = [&](const Status& why) {
    for (const auto& p : touched) cache.Erase(p);
    o.status = why;
    o.events.clear();
    return o;
  };
  if (Status st = RecountOpenAssignments(c, *n.next, proj, index, pos, wb, o, touched, written); !st.ok())
    return unwritten(st);
  proj.Command(r.command_id, o.first_position, index, wb, digest);
  proj.SortDrops();
  const Status flushed = proj.Flush(cache, opts.rejected_stream, rejected_version, rejected_hash, false, wb);
  auto seal = flushed.ok() ? SealBatch(written, pos - 1, /*keep=*/false, wb) : Result<std::optional<Seal>>(flushed);
  if (!seal.ok()) return unwritten(seal.status());
  if (rocksdb::Status s = Written(db->Write(WriteOpts(), &wb)); !s.ok())
    return unwritten(FromRocks(s, "committing to the log"));
  if (*seal) Sealed(**seal);
  next_pos = pos;
  calendar_version = added.stream_seq;
  calendar_hash = added.hash;
  notices = std::move(n.all);
  SetPolicy(n.next);
  return o;
}

// Whether the notice may be recorded: the office's act, a notice the
// calendar reads, not published in the future, fitting the notices recorded
// before it, and not already in this build's calendar. A failure is the
// rejection to log.
Result<Engine::Impl::CheckedNotice> Engine::Impl::CheckNotice(const Engine::CalendarNoticeRequest& r) const {
  // The office's act, like setting deadlines (ARCHITECTURE.md, Roles).
  if (r.actor.role != schemas::Role::kSupervisor)
    return Status::Rejected(
        reason::kForbiddenRole,
        std::string("only the office (supervisor) records a calendar notice, not ") + schemas::RoleName(r.actor.role));
  if (Status st = CheckName(r.actor.id, "the actor"); !st.ok()) return st;
  auto summary = workflows::WorkCalendar::SummarizeNotice(r.text, r.source);
  if (!summary.ok()) return Status::Rejected(reason::kInvalidArgument, summary.status().message());
  // A notice is published before it is recorded: a version date after
  // today is a typo, and would make every later (correct) notice look older.
  if (auto published = Date::Parse(summary->version); published && *published > DayOf(r.issued_at))
    return Status::Rejected(reason::kTimeInFuture,
                            r.source + ": the notice's version date " + summary->version + " is later than today (" +
                                DayOf(r.issued_at).ToString() +
                                "); a notice is recorded after it is published: is the date mistyped?");
  // A notice is for the year it is published in or the next (a year's
  // notice comes out late in the year before; a correction within the
  // year). A year far from its date is a typo that would claim decades as
  // covered and block the real notice's version for good.
  if (auto published = Date::Parse(summary->version);
      published && (summary->year < published->year - 1 || summary->year > published->year + 1))
    return Status::Rejected(reason::kInvalidArgument,
                            r.source + ": the notice is dated " + summary->version + " but " +
                                (summary->amends ? "amends " : "covers ") + std::to_string(summary->year) +
                                "; a holiday notice is for the year it is published in or the next: is the "
                                "year mistyped?");
  // The same notice again under another id: say so, not that versions must increase.
  for (const auto& n : notices)
    if (n.calendar == summary->calendar && n.version == summary->version)
      return Status::Rejected(reason::kInvalidArgument, r.source + ": notice " + summary->calendar + "/" +
                                                            summary->version +
                                                            " is already recorded in this store (from " + n.source +
                                                            "); `duban calendar status` lists the recorded notices");
  schemas::CalendarNoticeAdded notice{summary->calendar, summary->version, summary->year,
                                      summary->amends,   r.source,         r.text};
  std::vector<schemas::CalendarNoticeAdded> all = notices;
  all.push_back(notice);
  auto with = base_policy->WithCalendarNotices(all);
  if (!with.ok()) return Status::Rejected(reason::kInvalidArgument, with.status().message());
  std::shared_ptr<const TimerPolicy> next = std::move(with).value();
  if (next->CalendarVersion() == policy->CalendarVersion())
    return Status::Rejected(reason::kInvalidArgument, r.source + ": notice " + summary->version +
                                                          " is already part of this build's calendar (" +
                                                          policy->CalendarVersion() + ")");
  // A year's notice names all seven public holidays: one cut short would
  // count the missing holidays' days (春节's week) as working days.
  if (!summary->amends)
    if (const auto missing = workflows::WorkCalendar::MissingHolidays(summary->holiday_names); !missing.empty()) {
      std::string list;
      for (const auto& m : missing) list += (list.empty() ? "" : "、") + m;
      return Status::Rejected(reason::kInvalidArgument,
                              r.source +
                                  ": a year's notice gives the rest days of all seven public holidays "
                                  "(元旦、春节、清明节、劳动节、端午节、中秋节、国庆节); this one names no " +
                                  list + ": is the file complete?");
    }
  return CheckedNotice{std::move(notice), std::move(all), std::move(next)};
}

// A refused notice, logged as CommandRejected in the rejection stream under
// its command id (with its digest, so the id answers the same next time).
Outcome Engine::Impl::RejectNotice(const Command& c, const std::string& digest, const Status& why, Outcome o) {
  rocksdb::WriteBatch wb;
  const uint64_t pos = next_pos;
  std::string record;
  Event e = MakeEvent(c, opts.rejected_stream, rejected_version + 1, rejected_hash, 0,
                      schemas::CommandRejected{"calendar_add", why.reason(), why.message()}, &record);
  wb.Put(cf[kLog], rk::Pos(pos), record);
  wb.Put(cf[kStreams], opts.rejected_stream, records::EncodeStreamHead(e.stream_seq, e.hash));
  wb.Put(cf[kCommands], c.command_id, records::EncodeCommandRef(pos, 1, digest));
  auto seal = SealBatch({{pos, e.hash}}, pos, /*keep=*/false, wb);
  if (!seal.ok()) {
    o.status = seal.status();
    return o;
  }
  if (rocksdb::Status s = Written(db->Write(WriteOpts(), &wb)); !s.ok()) {
    o.status = FromRocks(s, "committing to the log");
    return o;
  }
  if (*seal) Sealed(**seal);
  rejected_version = e.stream_seq;
  rejected_hash = e.hash;
  next_pos = pos + 1;
  o.status = why;
  o.first_position = pos;
  return o;
}

// Every open assignment of every plan, then every task dated on an older
// version: one DeadlineRecounted each, evolved and projected (its old timer
// keys taken from the policy that armed them). `touched`: the plans whose cached
// state ran ahead, to forget if the batch is not written.
Status Engine::Impl::RecountOpenAssignments(const Command& c, const TimerPolicy& next, Projector& proj, uint32_t& index,
                                            uint64_t& pos, rocksdb::WriteBatch& wb, Outcome& o,
                                            std::vector<std::string>& touched,
                                            std::vector<std::pair<uint64_t, std::string>>& written) {
  const std::string new_version = next.CalendarVersion();
  // The recounts are the engine's, not the office's act on each assignment:
  // by the system, so they neither count as the last act on it (the silent
  // queue, the earliest day a paper record may be back-entered) nor show
  // the office as having touched every open assignment.
  Command by_engine = c;
  by_engine.actor = schemas::Actor{std::string(schemas::kCalendarActorId), schemas::Role::kSystem,
                                   std::string(schemas::kCalendarActorId)};
  auto ids = PlanIdsFromProjection();
  if (!ids.ok()) return ids.status();
  std::string record;
  for (const std::string& plan : *ids) {
    auto state = State(plan);
    if (!state.ok()) return state.status();
    PlanState& s = **state;
    if (!s.exists || s.withdrawn) continue;
    std::vector<EventBody> recounts;
    std::map<int32_t, std::string> new_dues;  // tasks whose date is counted again
    for (const auto& [number, t] : s.tasks)
      if (auto due = RecomputedDue(s, t, next)) new_dues.emplace(number, std::move(*due));
    auto new_due_of = [&](const AssignmentState& a) -> std::optional<std::string> {
      auto d = new_dues.find(a.task);
      auto t = s.tasks.find(a.task);
      if (d == new_dues.end() || t == s.tasks.end() || a.due_on != t->second.deadline.due_on) return std::nullopt;
      return d->second;
    };
    for (const auto& [k, a] : s.assignments) {
      const auto due = new_due_of(a);
      auto rc = Recount(s, a, *policy, next, new_version, due, by_engine.EffectiveAt());
      if (!rc) continue;
      const bool not_late = schemas::RecountWithdrawsOverdue(*rc);
      const bool still_late = schemas::RecountKeepsOverdue(*rc);
      recounts.push_back(std::move(*rc));
      // The escalation of the date it had is withdrawn with it, as when the
      // office sets a new date (the new date's ladder starts from level 0),
      // unless it is late on the new date too; so is that of a miss the
      // notice withdrew.
      if (((due && !still_late) || not_late) && a.escalation_level > 0)
        recounts.push_back(schemas::EscalationCleared{
            a.task, a.unit, a.escalation_level,
            due ? "deadline counted again on the notice" : "not late on the notice's calendar"});
    }
    for (const auto& [number, t] : s.tasks) {
      auto d = new_dues.find(number);
      if (auto rc = RecountTask(t, next, new_version,
                                d == new_dues.end() ? std::nullopt : std::optional<std::string>(d->second)))
        recounts.push_back(std::move(*rc));
    }
    if (recounts.empty()) continue;
    touched.push_back(plan);
    for (auto& body : recounts) {
      Event e = MakeEvent(by_engine, plan, s.version + 1, s.last_hash, index++, std::move(body), &record);
      proj.Before(s, e, policy.get());
      Evolve(s, e);
      proj.After(s, e, pos);
      written.emplace_back(pos, e.hash);
      wb.Put(cf[kLog], rk::Pos(pos++), record);
      o.events.push_back(std::move(e));
    }
  }
  return Status::Ok();
}

Status Engine::Impl::LoadCalendar() {
  std::vector<schemas::Event> calendar;
  if (rebuild_unfinished) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf[kLog]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto ev = DecodeFramed(it->value().ToStringView(), DecodeFixed64BE(it->key().data()));
      // A reader still opens, so that verify can name the record; what it
      // counts may then miss a notice, which it says.
      if (!ev.ok()) {
        log::Core().warn("the calendar notices are read without a log record that cannot be decoded ({})",
                         ev.status().ToString());
        continue;
      }
      if (ev->stream == kCalendarStream) calendar.push_back(std::move(ev).value());
    }
    if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
  } else {
    auto positions = HistoryPositions(kCalendarStream);
    if (!positions.ok()) return positions.status();
    auto events = ReadPositions(std::move(positions).value());
    if (!events.ok()) return events.status();
    for (auto& h : *events) calendar.push_back(std::move(h.event));
  }
  return UseCalendar(calendar);
}

Status Engine::Impl::UseCalendar(const std::vector<schemas::Event>& calendar) {
  // All or nothing: a refusal leaves the notices and the policy as they were.
  std::vector<schemas::CalendarNoticeAdded> found;
  for (const auto& e : calendar)
    if (const auto* n = std::get_if<schemas::CalendarNoticeAdded>(&e.body)) found.push_back(*n);
  std::shared_ptr<const TimerPolicy> next = base_policy;
  if (!found.empty()) {
    auto with = base_policy->WithCalendarNotices(found);
    if (!with.ok())
      return Status::InvalidArgument("the calendar notices recorded in " + opts.data_dir +
                                     " do not fit this build's calendar: " + with.status().message());
    next = std::move(with).value();
  }
  notices = std::move(found);
  calendar_version = calendar.empty() ? 0 : calendar.back().stream_seq;
  calendar_hash = calendar.empty() ? std::string() : calendar.back().hash;
  SetPolicy(std::move(next));
  return Status::Ok();
}

Outcome Engine::AddCalendarNotice(const CalendarNoticeRequest& request) {
  // With a clock the engine decides when it took the notice, as it does for
  // every command (commit.cc): its recounts must not be stamped later than
  // the commands that follow them, nor earlier than those before.
  CalendarNoticeRequest r = request;
  if (impl_->opts.clock) r.issued_at = impl_->opts.clock->Now();
  Outcome o = impl_->AddNotice(r);
  impl_->cache.Trim();  // the recount loaded every plan
  return o;
}
std::vector<schemas::CalendarNoticeAdded> Engine::CalendarNotices() const { return impl_->notices; }
std::shared_ptr<const TimerPolicy> Engine::timer_policy() const {
  std::lock_guard<std::mutex> lock(impl_->policy_mu);
  return impl_->policy;
}

}  // namespace duban
