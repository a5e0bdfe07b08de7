// The projector (projector.h): which rows each event changes, and the
// writing of them. Guarantee: the same events from the same states give the
// same rows, byte for byte, whether committed live or replayed by a rebuild.
#include "projector.h"

#include <algorithm>

#include "duban/core/schedule.h"
#include "engine_impl.h"

namespace duban {

using namespace core;
using schemas::Event;
using schemas::EventBody;
namespace rk = records::keys;

namespace {

bool TimerFieldsEqual(const AssignmentState& a, const AssignmentState& b) {
  return a.status == b.status && a.due_on == b.due_on && a.due_set_at == b.due_set_at &&
         a.reminded_days == b.reminded_days && a.overdue == b.overdue && a.escalation_level == b.escalation_level &&
         a.assigned_at == b.assigned_at && a.submitted_at == b.submitted_at &&
         a.acceptance_overdue == b.acceptance_overdue && a.review_overdue == b.review_overdue &&
         a.calendar_version == b.calendar_version;
}

// Assignments an event changes; "*" as unit means every assignment of the task
// (task 0 with "*": of the whole plan).
std::vector<std::pair<int32_t, std::string>> Touches(const EventBody& body) {
  using namespace schemas;
  if (auto* r = std::get_if<AssignmentReassigned>(&body)) return {{r->task, r->from_unit}, {r->task, r->to_unit}};
  if (auto* m = std::get_if<AssignmentMerged>(&body)) return {{m->task, m->from_unit}, {m->task, m->to_unit}};
  // Delegating is the parent unit's act too: its row changes (Evolve).
  if (auto* d = std::get_if<AssignmentDelegated>(&body)) return {{d->task, d->unit}, {d->task, d->parent_unit}};
  if (auto* c = std::get_if<TaskCancelled>(&body)) return {{c->number, "*"}};
  if (std::holds_alternative<PlanWithdrawn>(body)) return {{0, "*"}};
  // Closing a cycle disarms the report timers of every request in it.
  if (std::holds_alternative<ReviewCycleClosed>(body)) return {{0, "*"}};
  // A schedule set or stopped re-arms every assignment of its task.
  if (auto* s = std::get_if<ScheduleSet>(&body)) return {{s->task, "*"}};
  // ProgressReportRequested and ReportOverdue change no assignment row, but
  // they change the report timers of theirs (see Projector::CycleSig).
  std::string unit = UnitOf(body);
  if (unit.empty()) return {};
  return {{TaskOf(body), unit}};
}

bool TouchesTask(const EventBody& body) {
  using namespace schemas;
  return std::holds_alternative<TaskAdded>(body) || std::holds_alternative<TaskAmended>(body) ||
         std::holds_alternative<TaskCancelled>(body) || std::holds_alternative<TaskCompleted>(body) ||
         std::holds_alternative<DeadlineChanged>(body) ||  // a task's own date (unit empty)
         std::holds_alternative<ScheduleSet>(body) ||
         (std::holds_alternative<DeadlineRecounted>(body) && std::get<DeadlineRecounted>(body).unit.empty());
}
// A task-level event that changes what its assignments' deadlines are
// counted on (the task's date, or the calendar version it names).
bool ChangesTaskCounting(const EventBody& body) {
  using namespace schemas;
  if (const auto* c = std::get_if<DeadlineChanged>(&body)) return c->unit.empty();
  if (const auto* r = std::get_if<DeadlineRecounted>(&body)) return r->unit.empty();
  return false;
}
bool TouchesPlanRow(const EventBody& body) {
  using namespace schemas;
  return std::holds_alternative<PlanImported>(body) || std::holds_alternative<PlanAmended>(body) ||
         std::holds_alternative<PlanUnitAdded>(body) || std::holds_alternative<PlanWithdrawn>(body);
}

// What rk::Timer puts in a timer's key (its plan aside).
bool SameTimerKey(const TimerPolicy::Timer& a, const TimerPolicy::Timer& b) {
  return a.fire_at == b.fire_at && a.body.task == b.body.task && a.body.level == b.body.level &&
         a.body.armed_at == b.body.armed_at && a.body.kind == b.body.kind && a.body.unit == b.body.unit &&
         a.body.cycle_id == b.body.cycle_id;
}

// What records::EncodeTimer writes: equal here, equal bytes.
bool SameTimerValue(const schemas::FireTimer& a, const schemas::FireTimer& b) {
  return a.task == b.task && a.unit == b.unit && a.kind == b.kind && a.due_on == b.due_on && a.level == b.level &&
         a.step == b.step && a.working_days_left == b.working_days_left && a.notify == b.notify &&
         a.cycle_id == b.cycle_id && a.armed_at == b.armed_at && a.calendar_version == b.calendar_version &&
         a.provisional == b.provisional;
}

}  // namespace

void Projector::Before(const PlanState& s, const Event& e, const TimerPolicy* armed_by) {
  // A task's date or calendar version is what its assignments count their
  // deadline on: once the event is evolved, their old timers can no longer
  // be derived from their old fields (a rebuild's flush would count them on
  // the task as it is after the event, and leave the keys armed before).
  // Their keys are taken now, while the task is as it was.
  if (ChangesTaskCounting(e.body)) {
    const int32_t task = TaskOf(e.body);
    for (const auto& [k, a] : s.assignments)
      if (k.first == task) KeepOldKeys(s, k.first, k.second, a, armed_by);
  }
  for (const auto& [task, unit] : Touches(e.body)) {
    if (unit == "*") {
      for (const auto& [k, a] : s.assignments)
        if (task == 0 || k.first == task) Remember(s, k.first, k.second, &a, armed_by);
    } else {
      auto it = s.assignments.find({task, unit});
      Remember(s, task, unit, it == s.assignments.end() ? nullptr : &it->second, armed_by);
    }
  }
}

void Projector::After(const PlanState&, const Event& e, uint64_t pos) {
  history_.Add(e.stream, TaskOf(e.body), pos);
  if (TouchesTask(e.body) || std::holds_alternative<schemas::AssignmentReopened>(e.body))
    dirty_tasks_.insert({e.stream, TaskOf(e.body)});
  if (TouchesPlanRow(e.body)) dirty_plan_rows_.insert(e.stream);
  dirty_streams_.insert(e.stream);
}

void Projector::SortDrops() {
  if (!std::is_sorted(dropped_.begin(), dropped_.end())) std::sort(dropped_.begin(), dropped_.end());
}

// Each step is a function of its own (projector.h); the order is the order
// rows are put in the batch, which a rebuild reproduces.
Status Projector::Flush(const PlanCache& states, const std::string& rejected_stream, uint64_t rejected_version,
                        const std::string& rejected_hash, bool rejected_dirty, rocksdb::WriteBatch& wb) {
  for (auto& [key, dirty] : dirty_assignments_) FlushAssignment(key, dirty, states, wb);
  for (const auto& [k, done] : dropped_)
    if (!done) wb.Delete(cf_[kTimers], k);
  dropped_.clear();
  if (Status st = FlushCounts(wb); !st.ok()) return st;
  if (Status st = history_.Flush(store_, cf_[kHistory], wb); !st.ok()) return st;
  WriteTaskPlanAndStreamRows(states, rejected_stream, rejected_version, rejected_hash, rejected_dirty, wb);
  dirty_assignments_.clear();
  dirty_tasks_.clear();
  dirty_plan_rows_.clear();
  dirty_streams_.clear();
  return Status::Ok();
}

void Projector::FlushAssignment(const AssignmentId& key, Dirty& dirty, const PlanCache& states,
                                rocksdb::WriteBatch& wb) {
  const auto& [plan, task, unit] = key;
  const auto& orig = dirty.orig;
  const PlanState& s = states.at(plan);
  auto it = s.assignments.find({task, unit});
  if (it == s.assignments.end()) return;
  const AssignmentState& now = it->second;
  if (!orig || !(*orig == now)) WriteAssignmentRow(key, dirty, now, wb);
  if (!orig || !TimerFieldsEqual(*orig, now) || dirty.cycle_sig != CycleSig(s, task, unit))
    RearmTimers(s, plan, dirty, now, wb);
}

// The row, its by_unit entry (once, when new) and its group's count.
void Projector::WriteAssignmentRow(const AssignmentId& key, const Dirty& dirty, const AssignmentState& now,
                                   rocksdb::WriteBatch& wb) {
  const auto& [plan, task, unit] = key;
  const auto& orig = dirty.orig;
  wb.Put(cf_[kAssignments], rk::Assignment(plan, task, unit), records::EncodeAssignment(now));
  Count(plan, orig ? &*orig : nullptr, now);
  if (!orig) wb.Put(cf_[kByUnit], rk::ByUnit(unit, plan, task), "");
}

void Projector::RearmTimers(const PlanState& s, const std::string& plan, Dirty& dirty, const AssignmentState& now,
                            rocksdb::WriteBatch& wb) {
  const auto& orig = dirty.orig;
  if (orig && !dirty.have_old_keys) {
    // The common case (a fired timer, a report): without keys taken at
    // Remember no cycle had asked this assignment then, so its old timers
    // are the ones of its old fields that belong to no cycle (a cycle
    // started in this batch must not pass for armed already: its keys would
    // never be written). They are compared as timers rather than as encoded
    // keys and values, so the ones armed again unchanged cost neither
    // (measured: the encoding of both sides was a tenth of a tick). A policy
    // gives each timer of an assignment its own key (the workflow
    // definition refuses repeated reminders and levels).
    std::vector<TimerPolicy::Timer> was;
    for (auto& t : policy_.TimersFor(s, *orig))
      if (t.body.cycle_id.empty()) was.push_back(std::move(t));
    std::vector<bool> matched(was.size(), false);
    const std::vector<TimerPolicy::Timer> wanted = policy_.TimersFor(s, now);
    for (const auto& t : wanted) {
      std::string k = rk::Timer(t.fire_at, plan, t.body);
      Undrop(k);  // a fired timer the policy still wants stays armed, as a rebuild would arm it
      size_t j = 0;
      while (j < was.size() && (matched[j] || !SameTimerKey(was[j], t))) ++j;
      if (j < was.size()) matched[j] = true;
      if (j == was.size() || !SameTimerValue(was[j].body, t.body)) PutTimer(wb, k, records::EncodeTimer(t.body));
    }
    auto still_wanted = [&](const TimerPolicy::Timer& w) {
      return std::any_of(wanted.begin(), wanted.end(), [&](const auto& t) { return SameTimerKey(w, t); });
    };
    for (size_t j = 0; j < was.size(); ++j)
      if (!matched[j] && !still_wanted(was[j])) {
        const std::string k = rk::Timer(was[j].fire_at, plan, was[j].body);
        wb.Delete(cf_[kTimers], k);
        Undrop(k);  // deleted once is enough
      }
    return;
  }
  // Armed before the batch: the keys taken at Remember (a review cycle had
  // asked this assignment, or the policy changes in this batch).
  std::vector<std::pair<std::string, std::string>>& old = dirty.old_timers;
  std::sort(old.begin(), old.end());
  auto find_old = [&](const std::string& k) {
    auto it = std::lower_bound(old.begin(), old.end(), k,
                               [](const auto& o, const std::string& key) { return o.first < key; });
    return it != old.end() && it->first == k ? &it->second : nullptr;
  };
  // Only the difference is written: a timer armed before and still
  // wanted stays as it is (a tick's cost is then the timers that fired,
  // not every timer of the assignments they touched), unless what it
  // records changed (the same day, now counted on a newer calendar).
  std::vector<std::string> fresh;
  for (const auto& t : policy_.TimersFor(s, now)) {
    std::string k = rk::Timer(t.fire_at, plan, t.body);
    // A fired timer the policy still wants (it was stale: its firing
    // changed nothing) stays armed, as a rebuild would arm it.
    Undrop(k);
    std::string v = records::EncodeTimer(t.body);
    if (const std::string* was = find_old(k); !was || *was != v) PutTimer(wb, k, v);
    fresh.push_back(std::move(k));
  }
  std::sort(fresh.begin(), fresh.end());
  for (const auto& [k, v] : old)
    if (!std::binary_search(fresh.begin(), fresh.end(), k)) {
      wb.Delete(cf_[kTimers], k);
      Undrop(k);  // deleted once is enough
    }
}

void Projector::WriteTaskPlanAndStreamRows(const PlanCache& states, const std::string& rejected_stream,
                                           uint64_t rejected_version, const std::string& rejected_hash,
                                           bool rejected_dirty, rocksdb::WriteBatch& wb) {
  for (const auto& [plan, task] : dirty_tasks_) {
    const PlanState& s = states.at(plan);
    auto it = s.tasks.find(task);
    if (it != s.tasks.end()) wb.Put(cf_[kTasks], rk::Task(plan, task), records::EncodeTask(it->second));
  }
  for (const auto& plan : dirty_plan_rows_) wb.Put(cf_[kPlans], plan, records::EncodePlan(states.at(plan)));
  for (const auto& plan : dirty_streams_) {
    const PlanState& s = states.at(plan);
    wb.Put(cf_[kStreams], plan, records::EncodeStreamHead(s.version, s.last_hash));
  }
  if (rejected_dirty)
    wb.Put(cf_[kStreams], rejected_stream, records::EncodeStreamHead(rejected_version, rejected_hash));
}

void Projector::Count(const std::string& plan, const AssignmentState* orig, const AssignmentState& now) {
  if (!db_) return;
  auto tally = [](int32_t reminders, int64_t sign) {
    return records::GroupTally{sign, reminders < 0 ? 0 : sign * reminders, reminders < 0 ? sign : 0};
  };
  auto add = [&](std::string key, const records::GroupTally& d) {
    records::GroupTally& t = count_deltas_[std::move(key)];
    t.count += d.count, t.reminders += d.reminders, t.reminders_unknown += d.reminders_unknown;
  };
  if (orig) add(rk::CountGroup(plan, GroupOf(*orig)), tally(orig->reminders, -1));
  add(rk::CountGroup(plan, GroupOf(now)), tally(now.reminders, 1));
  records::LastChange& last = activity_[rk::UnitActivity(plan, now.unit)];
  if (now.updated_seq > last.seq) last = {now.updated_seq, now.updated_at};
}

Status Projector::FlushCounts(rocksdb::WriteBatch& wb) {
  std::vector<std::string> keys;
  for (const auto& [k, d] : count_deltas_)
    if (!d.Empty()) keys.push_back(k);
  for (const auto& [k, _] : activity_) keys.push_back(k);
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  if (!keys.empty())
    db_->MultiGet(rocksdb::ReadOptions(), cf_[kCounts], keys.size(), slices.data(), values.data(), statuses.data());
  size_t i = 0;
  Status st;
  auto stored = [&](auto decode, auto* out) -> bool {
    const rocksdb::Status& s = statuses[i];
    if (s.IsNotFound()) return true;
    if (!s.ok()) {
      st = FromRocks(s, "reading assignment counts");
      return false;
    }
    st = decode(values[i].ToStringView(), out);
    return st.ok();
  };
  for (const auto& [k, d] : count_deltas_) {
    if (d.Empty()) continue;
    records::GroupTally t;
    if (!stored(records::DecodeGroupTally, &t)) return st;
    ++i;
    t.count += d.count, t.reminders += d.reminders, t.reminders_unknown += d.reminders_unknown;
    if (t.count < 0 || t.reminders_unknown < 0)
      return Status::Corruption("assignment counts below zero for a group of " +
                                std::string(k.substr(0, k.find('\0'))) +
                                ": the counts projection differs from the rows (`duban rebuild` recounts it)");
    if (t.Empty())
      wb.Delete(cf_[kCounts], k);
    else
      wb.Put(cf_[kCounts], k, records::EncodeGroupTally(t));
  }
  for (const auto& [k, last] : activity_) {
    records::LastChange was;
    if (!stored(records::DecodeLastChange, &was)) return st;
    ++i;
    if (last.seq > was.seq) wb.Put(cf_[kCounts], k, records::EncodeLastChange(last));
  }
  count_deltas_.clear();
  activity_.clear();
  return Status::Ok();
}

std::string Projector::CycleSig(const PlanState& s, int32_t task, const std::string& unit) {
  std::string sig;
  const std::pair<int32_t, std::string> k{task, unit};
  for (const auto& [id, c] : s.cycles) {
    if (!c.requested.count(k)) continue;
    auto ov = c.overdue.find(k);
    sig += id;
    sig.push_back('\0');
    sig += c.closed ? 'c' : 'o';
    sig += c.answered.count(k) ? 'a' : '-';
    sig += ov == c.overdue.end() ? std::string("-") : std::to_string(ov->second);
    sig.push_back('\0');
  }
  // The task's schedule arms a timer per assignment from its recurrence, its
  // setting and whether the office closed a checkpoint's cycle (schedule.h).
  auto t = s.tasks.find(task);
  if (t == s.tasks.end() || t->second.deadline.recurrence.empty()) return sig;
  sig += "schedule";
  for (const std::string& part : {t->second.deadline.recurrence, std::to_string(t->second.schedule_year),
                                  std::to_string(t->second.schedule_set_at)}) {
    sig.push_back('\0');
    sig += part;
  }
  const std::string prefix = ScheduleCyclePrefix(task);
  for (auto it = s.cycles.lower_bound(prefix); it != s.cycles.end() && it->first.starts_with(prefix); ++it) {
    sig.push_back('\0');
    sig += it->first;
    sig += it->second.closed ? 'c' : 'o';
  }
  return sig;
}

void Projector::Remember(const PlanState& s, int32_t task, const std::string& unit, const AssignmentState* a,
                         const TimerPolicy* armed_by) {
  auto key = std::make_tuple(s.id, task, unit);
  if (dirty_assignments_.count(key)) return;  // keep the state from before the batch
  Dirty d;
  if (a) d.orig = *a;
  d.cycle_sig = CycleSig(s, task, unit);
  // A report asked by a review cycle arms timers that depend on cycle state,
  // which later events of the batch may change: take those keys now. (With
  // no cycle asking, Flush derives the old keys from the old fields.)
  if (a && (!d.cycle_sig.empty() || armed_by)) {
    d.have_old_keys = true;
    for (const auto& t : (armed_by ? *armed_by : policy_).TimersFor(s, *a))
      d.old_timers.emplace_back(rk::Timer(t.fire_at, s.id, t.body), records::EncodeTimer(t.body));
  }
  dirty_assignments_.emplace(std::move(key), std::move(d));
}

void Projector::KeepOldKeys(const PlanState& s, int32_t task, const std::string& unit, const AssignmentState& a,
                            const TimerPolicy* armed_by) {
  auto it = dirty_assignments_.find(std::make_tuple(s.id, task, unit));
  if (it == dirty_assignments_.end()) {
    Remember(s, task, unit, &a, armed_by ? armed_by : &policy_);  // keys taken now
    return;
  }
  Dirty& d = it->second;
  if (d.have_old_keys || !d.orig) return;
  // Remembered earlier in the batch without keys (no cycle asked it then):
  // its old timers are those of its old fields that belong to no cycle, as
  // RearmTimers would derive them, but on the task as it is before this event.
  d.have_old_keys = true;
  for (const auto& t : (armed_by ? *armed_by : policy_).TimersFor(s, *d.orig))
    if (t.body.cycle_id.empty())
      d.old_timers.emplace_back(rk::Timer(t.fire_at, s.id, t.body), records::EncodeTimer(t.body));
}

void Projector::PutTimer(rocksdb::WriteBatch& wb, const std::string& k, std::string_view v) {
  wb.Put(cf_[kTimers], k, v);
  if (min_timer_armed_.empty() || k < min_timer_armed_) min_timer_armed_ = k;
}

void Projector::Undrop(std::string_view k) {
  auto it = std::lower_bound(dropped_.begin(), dropped_.end(), k,
                             [](const auto& d, std::string_view key) { return d.first < key; });
  if (it != dropped_.end() && it->first == k) it->second = true;
}

}  // namespace duban
