// Timers: the default timer policy (one "missed" timer the day after the due
// date), PendingTimers (the timer index read in due order) and Tick, which
// fires what is due as system commands through Commit.
//
// Guarantee: timers only notice. A tick decides nothing itself: each due
// timer becomes a FireTimer command, decided by decide.cc like any other, so
// a replay of the log is exact; a timer fires once per arming (its command id
// derives from its key, deleted in the same batch).

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <tuple>

#include "engine_impl.h"
#include "duban/log.h"

namespace duban {

using namespace core;
using schemas::Command;

namespace {

class DefaultPolicy : public TimerPolicy {
 public:
  std::vector<Timer> TimersFor(const PlanState&, const AssignmentState& a) const override {
    if (!IsOpen(a.status) || a.status == AssignmentStatus::kSubmitted || a.overdue) return {};
    auto due = Date::Parse(a.due_on);
    if (!due) return {};
    Timer t;
    t.fire_at = StartOfDay(due->AddDays(1));
    t.body.task = a.task;
    t.body.unit = a.unit;
    t.body.kind = schemas::TimerKind::kMissed;
    t.body.due_on = a.due_on;
    t.body.armed_at = a.due_set_at;
    return {t};
  }
};

// A reminder the clock reaches only in the tick that also finds its deadline
// missed (a plan entered late, a server down over the due day) would tell
// the unit the work is still due when it is already late, and count as a
// reminder received: it is dropped unfired. Only beside its own missed timer
// (same assignment, due date and arming), which makes the assignment overdue
// in this very batch: then the timers a rebuild arms agree with the store's,
// as `verify` checks. Likewise a reminder beside a later one of the same
// arming (the clock was down over both days): only the fewest days left is
// still true, and once it fires the policy arms none with more
// (reminded_days). True for each of `due` that is moot.
std::vector<bool> MootReminders(const std::vector<DueTimer>& due) {
  using Arming = std::tuple<std::string_view, int32_t, std::string_view, std::string_view, Instant>;
  auto arming = [](const DueTimer& t) {
    return Arming{t.plan_id, t.timer.task, t.timer.unit, t.timer.due_on, t.timer.armed_at};
  };
  std::set<Arming> missed;
  std::map<Arming, int32_t> fewest_days_left;
  for (const auto& t : due) {
    if (t.timer.kind == schemas::TimerKind::kMissed) missed.insert(arming(t));
    if (t.timer.kind == schemas::TimerKind::kReminder) {
      auto [it, fresh] = fewest_days_left.emplace(arming(t), t.timer.working_days_left);
      if (!fresh) it->second = std::min(it->second, t.timer.working_days_left);
    }
  }
  std::vector<bool> moot(due.size(), false);
  for (size_t i = 0; i < due.size(); ++i) {
    const DueTimer& t = due[i];
    if (t.timer.kind != schemas::TimerKind::kReminder) continue;
    const Arming a = arming(t);
    moot[i] = missed.count(a) > 0 || fewest_days_left.at(a) < t.timer.working_days_left;
  }
  return moot;
}

}  // namespace

std::shared_ptr<TimerPolicy> DefaultTimerPolicy() { return std::make_shared<DefaultPolicy>(); }

Result<std::vector<DueTimer>> Engine::PendingTimers(Instant until, size_t limit) const {
  return impl_->DueTimers(until, limit, {});
}

Result<std::vector<DueTimer>> Engine::Impl::DueTimers(Instant until, size_t limit, const std::string& from) const {
  std::vector<DueTimer> out;
  std::string upper;
  PutOrderedI64(&upper, until + 1);
  rocksdb::Slice ub(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &ub;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf[kTimers]));
  if (from.empty())
    it->SeekToFirst();
  else
    it->Seek(from);
  for (; it->Valid() && out.size() < limit; it->Next()) {
    DueTimer t;
    t.key = it->key().ToString();
    if (!records::ParseTimerKey(t.key, &t.due, &t.plan_id)) return Status::Corruption("damaged timer key");
    if (Status st = records::DecodeTimer(it->value().ToStringView(), &t.timer); !st.ok()) return st;
    out.push_back(std::move(t));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading timers");
  return out;
}

Result<std::vector<Outcome>> Engine::Tick(Instant now, const std::string& actor_id, TickReport* report) {
  std::vector<Outcome> all;
  Status st = TickEachRound(now, actor_id, report, [&all](std::vector<Outcome>& round) {
    if (all.empty()) {
      all = std::move(round);
    } else {
      all.insert(all.end(), std::make_move_iterator(round.begin()), std::make_move_iterator(round.end()));
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return all;
}

Status Engine::TickEachRound(Instant now, const std::string& actor_id, TickReport* report, const TickSink& sink) {
  if (Status st = CheckName(actor_id, "the clock's actor id"); !st.ok()) return st;
  TickReport local;
  TickReport& rep = report ? *report : local;
  rep = TickReport{};
  const int max_rounds = std::max(impl_->opts.tick_max_rounds, 1);
  // Firing changes state, which re-arms later steps (possibly also due): loop until quiet.
  // Each round reads on from where the last one stopped, or from the first
  // timer it armed if that is earlier: what lies before is what the rounds
  // fired (deleted: reading it again skipped a tombstone per timer fired,
  // 7 % of a 200,000-timer tick) or kept armed because its firing changed
  // nothing (submitted again, it was a duplicate). Writes are not
  // concurrent: only this tick's rounds arm timers meanwhile.
  std::string from;
  for (int round = 0;; ++round) {
    auto due = impl_->DueTimers(now, 50000, from);
    if (!due.ok()) return due.status();
    if (due->empty()) break;
    if (round == max_rounds) {
      rep.more_due = true;
      log::Core().warn("tick at {}: timers still due after {} rounds; the next tick fires the rest", FormatInstant(now),
                       max_rounds);
      break;
    }
    rep.rounds = round + 1;
    std::vector<Command> commands;
    std::vector<std::string> keys;
    commands.reserve(due->size());
    keys.reserve(due->size());
    const std::vector<bool> moot = MootReminders(*due);
    for (size_t i = 0; i < due->size(); ++i) {
      auto& t = (*due)[i];
      if (moot[i]) {
        keys.push_back(t.key);
        ++rep.moot_reminders;
        continue;
      }
      Command c;
      // Unique per arming (the key holds armed_at); 128 bits of its hash keep
      // the id, the commands row and both event hashes short.
      c.command_id = "timer:" + schemas::Sha256Hex(t.key).substr(0, 32);
      c.plan_id = t.plan_id;
      c.actor = schemas::Actor{actor_id, schemas::Role::kSystem, "clock"};
      // Recorded when the tick runs; effective when the timer was due.
      c.issued_at = impl_->opts.clock ? impl_->opts.clock->Now() : now;
      c.effective_at = t.due;
      c.body = t.timer;
      commands.push_back(std::move(c));
      keys.push_back(t.key);
    }
    // A timer whose firing changes nothing is stale (its state moved on
    // without re-arming, e.g. a policy change); drop it so it cannot loop.
    auto outcomes = impl_->Commit(commands, keys, {}, /*timer_commands=*/true);
    from = due->back().key;
    from.push_back('\0');  // the smallest key after it
    if (const std::string& armed = impl_->commit_min_timer_armed; !armed.empty() && armed < from) from = armed;
    bool progressed = false;
    for (const auto& o : outcomes) {
      if (!o.status.ok() && o.status.code() != Status::Code::kRejected) return o.status;
      if (!o.events.empty()) progressed = true;
    }
    if (Status st = sink(outcomes); !st.ok()) return st;
    if (!progressed) break;
  }
  return Status::Ok();
}

}  // namespace duban
