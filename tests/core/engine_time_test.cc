// The embedded engine's timers (armed, fired once, disarmed, re-armed, rebuilt)
// and its two times: the engine's clock (recorded_at) and the effective time a
// command claims (occurred_at), back entries included.
#include <gtest/gtest.h>

#include <set>

#include "store_util.h"

namespace duban {
namespace {

using namespace duban::testing;
using namespace duban::schemas;
using core::AssignmentStatus;

class EngineTimersTest : public EngineFixture {};

// ---- timers ---------------------------------------------------------------------------

TEST_F(EngineTimersTest, TheDefaultMissedTimerIsArmedForTheDayAfterTheDueDate) {
  GivenPlan();
  auto timers = engine->PendingTimers(At("2030-01-01"), 100);
  ASSERT_TRUE(timers.ok());
  // Task 1: 财政 and 教育 due 10-31; task 2: 公安 due 12-31; task 3 has no due date.
  ASSERT_EQ(timers->size(), 3u);
  EXPECT_EQ((*timers)[0].due, StartOfDay(*Date::Parse("2021-11-01")));
  EXPECT_EQ((*timers)[0].timer.kind, TimerKind::kMissed);
  EXPECT_EQ((*timers)[0].timer.due_on, "2021-10-31");
  EXPECT_EQ((*timers)[0].plan_id, "p1");
  EXPECT_EQ((*timers)[2].due, StartOfDay(*Date::Parse("2022-01-01")));
  EXPECT_EQ((*timers)[2].timer.unit, kPolice);
}

TEST_F(EngineTimersTest, TickFiresTheMissedTimerAtTheStartOfTheNextDayExactlyOnce) {
  GivenPlan();
  const Instant fire = StartOfDay(*Date::Parse("2021-11-01"));
  auto early = engine->Tick(fire - 1);
  ASSERT_TRUE(early.ok());
  EXPECT_TRUE(early->empty()) << "nothing fires on the due day itself";
  const uint64_t end = engine->LogEnd();

  auto fired = engine->Tick(fire);
  ASSERT_TRUE(fired.ok());
  std::vector<std::string> missed;
  for (const auto& o : *fired) {
    ASSERT_TRUE(o.status.ok()) << o.status.ToString();
    for (const auto& e : o.events) {
      ASSERT_TRUE(std::holds_alternative<DeadlineMissed>(e.body));
      EXPECT_EQ(e.actor.role, Role::kSystem);
      EXPECT_EQ(e.occurred_at, fire);
      missed.push_back(std::get<DeadlineMissed>(e.body).unit);
    }
  }
  std::sort(missed.begin(), missed.end());
  std::vector<std::string> expected{kFinance, kEducation};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(missed, expected);
  EXPECT_EQ(engine->LogEnd(), end + 2);
  EXPECT_TRUE(A(1, kFinance).overdue);
  EXPECT_FALSE(A(2, kPolice).overdue);

  auto again = engine->Tick(fire + 3'600'000);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(engine->LogEnd(), end + 2) << "a timer fires once";
  auto pending = engine->PendingTimers(fire, 100);
  EXPECT_TRUE(pending->empty());
}

TEST_F(EngineTimersTest, CompletingAnAssignmentDisarmsItsTimer) {
  GivenPlan();
  GivenCompleted(2, kPolice);
  auto pending = engine->PendingTimers(At("2030-01-01"), 100);
  ASSERT_TRUE(pending.ok());
  for (const auto& t : *pending) EXPECT_NE(t.timer.unit, kPolice);
  const uint64_t end = engine->LogEnd();
  auto fired = engine->Tick(StartOfDay(*Date::Parse("2022-01-02")));
  ASSERT_TRUE(fired.ok());
  size_t events = 0;
  for (const auto& o : *fired)
    for (const auto& e : o.events) {
      EXPECT_NE(UnitOf(e.body), kPolice);
      ++events;
    }
  EXPECT_EQ(events, 2u);
  EXPECT_EQ(engine->LogEnd(), end + 2);
  EXPECT_FALSE(A(2, kPolice).overdue);
}

TEST_F(EngineTimersTest, AGrantedExtensionReArmsTheTimerForTheNewDate) {
  GivenPlan();
  Do(RequestExtension{1, kFinance, "2021-11-30", "需批复"}, UnitActor(kFinance));
  Do(GrantExtension{1, kFinance}, Supervisor());
  auto pending = engine->PendingTimers(At("2030-01-01"), 100);
  ASSERT_TRUE(pending.ok());
  bool old_date = false, new_date = false;
  for (const auto& t : *pending)
    if (t.timer.unit == kFinance && t.timer.task == 1) {
      old_date |= t.timer.due_on == "2021-10-31";
      new_date |= t.timer.due_on == "2021-11-30" && t.due == StartOfDay(*Date::Parse("2021-12-01"));
    }
  EXPECT_FALSE(old_date);
  EXPECT_TRUE(new_date);
  ASSERT_TRUE(engine->Tick(StartOfDay(*Date::Parse("2021-11-01"))).ok());
  EXPECT_FALSE(A(1, kFinance).overdue);
  EXPECT_TRUE(A(1, kEducation).overdue);
}

TEST_F(EngineTimersTest, AnExtensionBackToAnEarlierDateIsRefused) {
  GivenPlan();
  const Instant fire = StartOfDay(*Date::Parse("2021-11-01"));
  ASSERT_TRUE(engine->Tick(fire).ok());
  ASSERT_TRUE(A(1, kFinance).overdue);
  now = fire + 3'600'000;
  Do(RequestExtension{1, kFinance, "2021-11-30", "需批复"}, UnitActor(kFinance));
  Outcome o = Submit(GrantExtension{1, kFinance, "2021-10-31"}, Supervisor());
  EXPECT_EQ(o.status.reason(), "invalid_argument");
  EXPECT_TRUE(A(1, kFinance).overdue);
}

TEST_F(EngineTimersTest, LateWorkAssignedAgainTakesADayToComeAndItsTimersCountFromIt) {
  // Missed on 10-31; the unit returns the work. Assigned to it again with
  // the date that passed, it would be late at once: refused. With a day to
  // come, the old miss is not fired again and the new one is armed.
  GivenPlan();
  const Instant fire = StartOfDay(*Date::Parse("2021-11-01"));
  ASSERT_TRUE(engine->Tick(fire).ok());
  ASSERT_TRUE(A(1, kFinance).overdue);
  now = fire + 3'600'000;
  Outcome back = Submit(Return{1, kFinance, "不属于本单位职责"}, UnitActor(kFinance));
  ASSERT_TRUE(back.status.ok()) << back.status.ToString();
  EXPECT_EQ(Submit(Assign{1, kFinance, AssignmentRole::kResponsible}, Supervisor()).status.reason(),
            "invalid_argument");
  Do(Assign{1, kFinance, AssignmentRole::kResponsible, "2021-11-30"}, Supervisor());
  ASSERT_FALSE(A(1, kFinance).overdue);
  ASSERT_EQ(A(1, kFinance).due_on, "2021-11-30");
  ASSERT_TRUE(engine->Tick(now + 1).ok());
  EXPECT_FALSE(A(1, kFinance).overdue) << "the miss of 10-31 is not the new assignment's";
  EXPECT_FALSE(Armed(1, kFinance).empty());
  ASSERT_TRUE(engine->Tick(StartOfDay(*Date::Parse("2021-12-02"))).ok());
  EXPECT_TRUE(A(1, kFinance).overdue) << "missed on its own date";
}

TEST_F(EngineTimersTest, RebuildAfterTicksGivesTheSameDigestAndTimersDoNotFireAgain) {
  GivenPlan();
  GivenCompleted(2, kPolice);
  ASSERT_TRUE(engine->Tick(StartOfDay(*Date::Parse("2021-11-01"))).ok());
  const std::string digest = Digest();
  const uint64_t end = engine->LogEnd();
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_EQ(Digest(), digest);
  auto again = engine->Tick(StartOfDay(*Date::Parse("2022-06-01")));
  ASSERT_TRUE(again.ok());
  size_t events = 0;
  for (const auto& o : *again) events += o.events.size();
  EXPECT_EQ(events, 0u);
  EXPECT_EQ(engine->LogEnd(), end);
  EXPECT_TRUE(engine->Verify()->ok());
}

// Rebuild and Verify replay the log in chunks (EngineOptions::replay_chunk_events,
// 20,000 by default). A command whose events straddle a chunk boundary must
// keep its whole run in the commands index: the import below writes 8 events
// and chunks of 3 split it twice. (With the default size, every store whose
// log passed position 20,000 inside a command was reported FAILED by verify.)
TEST_F(EngineTimersTest, ACommandCrossingAReplayChunkBoundaryIsRebuiltWhole) {
  engine.reset();
  EngineOptions o;
  o.data_dir = dir.path();
  o.replay_chunk_events = 3;
  auto e = Engine::Open(o);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  engine = std::move(e).value();
  Command import = Cmd(SamplePlan(), Supervisor());
  Outcome first = engine->Submit(import);
  ASSERT_TRUE(first.status.ok());
  ASSERT_GT(first.events.size(), 3u);
  Do(Accept{1, kFinance}, UnitActor(kFinance));
  const std::string digest = Digest();
  auto verify = engine->Verify();
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok()) << (verify->problems.empty() ? "" : verify->problems.front());
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_EQ(Digest(), digest);
  auto again = engine->OutcomeOf(import.command_id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->first_position, first.first_position);
  EXPECT_EQ(again->events.size(), first.events.size()) << "the command is rebuilt with only its tail";
}

// The test policies' one timer: at the start of the day after the due date.
TimerPolicy::Timer DayAfterDue(const core::AssignmentState& a) {
  TimerPolicy::Timer t;
  t.fire_at = StartOfDay(*Date::Parse(a.due_on)) + 86'400'000;
  t.body.task = a.task;
  t.body.unit = a.unit;
  t.body.due_on = a.due_on;
  t.body.armed_at = a.due_set_at;
  return t;
}

// A policy that arms, after each firing, the next step already due: a tick
// fires the missed timer, then escalation levels 1, 2 and 3, a round each.
class Ladder : public TimerPolicy {
 public:
  std::vector<Timer> TimersFor(const core::PlanState&, const core::AssignmentState& a) const override {
    if (!core::IsOpen(a.status) || a.escalation_level >= 3 || a.due_on.empty()) return {};
    Timer t = DayAfterDue(a);
    if (!a.overdue) {
      t.body.kind = TimerKind::kMissed;
    } else {
      t.body.kind = TimerKind::kEscalation;
      t.body.level = a.escalation_level + 1;
      t.body.step = "step" + std::to_string(t.body.level);
    }
    return {t};
  }
};

// A tick reads at most 50,000 due timers a round; the next round reads on
// from where it stopped. More than a round's worth due at once (60,000
// missed deadlines, 6 plans x 1,000 tasks x 10 units) all fire, each once.
TEST_F(EngineTimersTest, MoreTimersDueThanOneRoundReadsAllFireInOneTickEachOnce) {
  std::vector<std::string> units;
  units.reserve(10);
  for (int u = 0; u < 10; ++u) units.push_back("单位" + std::to_string(u));
  for (int plan = 0; plan < 6; ++plan) {
    ImportPlan p;
    p.tasks.reserve(1000);
    p.plan = PlanImported{"方案" + std::to_string(plan), "市政府办公室", "", "2021-03-15", 2021, "digest", units, {}};
    for (int32_t task = 1; task <= 1000; ++task)
      p.tasks.push_back(
          ImportTask{task, {"一"}, "任务", "任务", Deadline{"10月底前", "2021-10-31", "", false, "cn-1"}, {}, units});
    ASSERT_TRUE(Do(p, Supervisor(), "p" + std::to_string(plan)).status.ok());
  }
  const Instant fire = StartOfDay(*Date::Parse("2021-11-01"));
  auto due = engine->PendingTimers(fire, 100'000);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 60'000u);
  std::set<std::string> missed;
  size_t events = 0;
  TickReport report;
  ASSERT_TRUE(engine
                  ->TickEachRound(fire, "clock", &report,
                                  [&](std::vector<Outcome>& round) {
                                    for (const auto& o : round)
                                      for (const auto& e : o.events) {
                                        ++events;
                                        if (const auto* m = std::get_if<DeadlineMissed>(&e.body))
                                          missed.insert(e.stream + "/" + std::to_string(m->task) + "/" + m->unit);
                                      }
                                    return Status::Ok();
                                  })
                  .ok());
  EXPECT_EQ(report.rounds, 2);
  EXPECT_EQ(events, 60'000u);
  EXPECT_EQ(missed.size(), 60'000u);
  EXPECT_TRUE(engine->PendingTimers(fire, 10)->empty());
  auto verify = engine->Verify();
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok()) << (verify->problems.empty() ? "" : verify->problems.front());
}

// A policy whose one timer keeps its key (day, kind, level, armed_at) while
// what it records changes with the assignment's status: its step.
class StepByStatus : public TimerPolicy {
 public:
  std::vector<Timer> TimersFor(const core::PlanState&, const core::AssignmentState& a) const override {
    if (!core::IsOpen(a.status) || a.due_on.empty()) return {};
    Timer t = DayAfterDue(a);
    t.body.kind = TimerKind::kMissed;
    t.body.step = std::string(StatusName(a.status));
    return {t};
  }
};

// Rearming writes only the timers that changed: one whose key stayed but
// whose value changed is written again, as a rebuild writes it.
TEST_F(EngineTimersTest, ATimerThatKeepsItsKeyButRecordsSomethingNewIsWrittenAgain) {
  Close();
  Open(std::make_shared<StepByStatus>());
  GivenPlan();
  auto step_of = [&](const std::string& unit) {
    auto timers = engine->PendingTimers(At("2030-01-01"), 100);
    EXPECT_TRUE(timers.ok());
    for (const auto& t : *timers)
      if (t.timer.task == 1 && t.timer.unit == unit) return t.timer.step;
    return std::string("none");
  };
  EXPECT_EQ(step_of(kFinance), "assigned");
  Do(Accept{1, kFinance}, UnitActor(kFinance));
  EXPECT_EQ(step_of(kFinance), "accepted");
  EXPECT_EQ(step_of(kEducation), "assigned");
  auto verify = engine->Verify();
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok()) << (verify->problems.empty() ? "" : verify->problems.front());
}

// A tick fires in rounds; when timers are still due after the last round it
// says so and the next tick carries on (it used to stop silently after 64).
TEST_F(EngineTimersTest, ATickThatRunsOutOfRoundsSaysSoAndTheNextTickCarriesOn) {
  engine.reset();
  EngineOptions o;
  o.data_dir = dir.path();
  o.tick_max_rounds = 1;
  auto e = Engine::Open(o, std::make_shared<Ladder>());
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  engine = std::move(e).value();
  GivenPlan();
  const Instant later = StartOfDay(*Date::Parse("2022-03-01"));
  TickReport report;
  auto first = engine->Tick(later, "clock", &report);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(report.more_due) << "one round fired the missed timers; their escalations are due too";
  EXPECT_EQ(report.rounds, 1);
  int ticks = 1;
  while (report.more_due && ticks < 10) {
    ASSERT_TRUE(engine->Tick(later, "clock", &report).ok());
    ++ticks;
  }
  EXPECT_FALSE(report.more_due);
  EXPECT_EQ(ticks, 4) << "missed, then levels 1, 2 and 3, one round per tick";
  EXPECT_EQ(A(1, kFinance).escalation_level, 3);
  EXPECT_TRUE(engine->PendingTimers(later, 10)->empty());
}

// TickEachRound hands each round to the sink once it is written, and keeps
// none: the rounds are those Tick returns together. A sink that fails stops
// the tick after the round it was given; the next tick fires the rest.
TEST_F(EngineTimersTest, ATickHandsOutEachRoundAndASinkFailureStopsItAfterThatRound) {
  Close();
  Open(std::make_shared<Ladder>());
  GivenPlan();
  const Instant later = StartOfDay(*Date::Parse("2022-03-01"));
  std::vector<std::vector<std::string>> rounds;
  auto record = [&rounds](std::vector<Outcome>& round) {
    rounds.emplace_back();
    for (const auto& out : round)
      for (const auto& ev : out.events) rounds.back().push_back(ev.event_id);
    return Status::Ok();
  };
  TickReport report;
  int calls = 0;
  Status stopped = engine->TickEachRound(later, "clock", &report, [&](std::vector<Outcome>& round) {
    ++calls;
    EXPECT_FALSE(round.empty());
    (void)record(round);
    return calls == 2 ? Status::Unavailable("the sink's disk is full") : Status::Ok();
  });
  EXPECT_EQ(stopped.code(), Status::Code::kUnavailable);
  EXPECT_NE(stopped.message().find("the sink's disk is full"), std::string::npos) << stopped.ToString();
  EXPECT_EQ(calls, 2) << "no round after the sink failed";
  EXPECT_EQ(A(1, kFinance).escalation_level, 1) << "missed and level 1 were written; levels 2 and 3 were not";
  ASSERT_TRUE(engine->TickEachRound(later, "clock", &report, record).ok());
  ASSERT_EQ(rounds.size(), 4u) << "missed, level 1, then levels 2 and 3 in the next tick";
  EXPECT_EQ(report.rounds, 2) << "levels 2 and 3";
  EXPECT_EQ(A(1, kFinance).escalation_level, 3);
  std::set<std::string> ids;
  for (const auto& r : rounds)
    for (const auto& id : r) EXPECT_TRUE(ids.insert(id).second) << "event " << id << " handed out twice";
  EXPECT_TRUE(engine->PendingTimers(later, 10)->empty());
  auto verified = engine->Verify();
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok()) << "the store equals a rebuild of its log";
}

// ---- two times: the engine's clock and the claimed effective time -------------

// A clock the test moves by hand.
struct ManualClock : EngineClock {
  Instant t = 0;
  Instant Now() const override { return t; }
};

class TwoTimesEngineTest : public EngineTimersTest {
 public:
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  void SetUp() override {
    clock->t = now;
    OpenWithClock();
  }
  void OpenWithClock() {
    engine.reset();
    EngineOptions o;
    o.data_dir = dir.path();
    o.clock = clock;
    auto r = Engine::Open(o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    engine = std::move(r).value();
  }
  Outcome SubmitAt(CommandBody body, Actor actor, Instant effective, std::string reason = "") {
    Command c = Cmd(std::move(body), std::move(actor));
    c.issued_at = 0;  // whatever a writer sends, the engine's clock says when it was taken
    c.effective_at = effective;
    c.back_entry_reason = std::move(reason);
    return engine->Submit(c);
  }
};

TEST_F(TwoTimesEngineTest, RecordedAtIsTheEnginesClockWhateverTheCommandSays) {
  Command c = Cmd(SamplePlan(), Supervisor());
  c.issued_at = At("2019-01-01");  // a writer's idea of now
  Outcome o = engine->Submit(c);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  for (const auto& e : o.events) {
    EXPECT_EQ(e.recorded_at, clock->t);
    EXPECT_EQ(e.occurred_at, clock->t) << "nothing claimed: it happened when taken";
    EXPECT_FALSE(IsBackEntry(e));
    EXPECT_EQ(e.envelope_format, kEnvelopeFormatCurrent);
  }
}

TEST_F(TwoTimesEngineTest, AUnitsBackdatedWriteIsRefusedAndLoggedWithTheTimeItWasRefused) {
  Do(SamplePlan(), Supervisor());
  Do(Accept{1, kFinance}, UnitActor(kFinance));
  clock->t = At("2021-11-20");
  Outcome o = SubmitAt(schemas::Submit{1, kFinance, "完成", ""}, UnitActor(kFinance), At("2021-10-25"));
  EXPECT_TRUE(IsRejection(o.status, core::reason::kBackdated)) << o.status.ToString();
  const Event last = Log().back();
  ASSERT_TRUE(std::holds_alternative<CommandRejected>(last.body));
  EXPECT_EQ(last.occurred_at, clock->t) << "a refusal happened when it was refused, not when the writer claimed";
  EXPECT_EQ(A(1, kFinance).status, AssignmentStatus::kAccepted);
}

TEST_F(TwoTimesEngineTest, AnOfficeBackEntryKeepsBothTimesAndItsReasonAndReplaysIdentically) {
  Do(SamplePlan(), Supervisor());
  Do(Accept{1, kFinance}, UnitActor(kFinance));
  clock->t = At("2021-11-20");
  ASSERT_FALSE(engine->Tick(clock->t)->empty()) << "the deadline 2021-10-31 was missed";
  ASSERT_TRUE(A(1, kFinance).overdue);
  Outcome o = SubmitAt(schemas::Submit{1, kFinance, "完成", ""}, Supervisor(), At("2021-10-29"), "10月29日纸质报送件");
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  ASSERT_FALSE(o.events.empty());
  const Event& e = o.events.front();
  EXPECT_EQ(e.occurred_at, At("2021-10-29"));
  EXPECT_EQ(e.recorded_at, At("2021-11-20"));
  EXPECT_EQ(e.back_entry_reason, "10月29日纸质报送件");
  EXPECT_EQ(e.actor.role, Role::kSupervisor) << "the office entered it, on the unit's behalf";
  EXPECT_FALSE(A(1, kFinance).overdue) << "submitted on time, on paper";

  auto h = engine->History("p1", 1);
  ASSERT_TRUE(h.ok());
  const auto& read = h->back().event;
  EXPECT_TRUE(IsBackEntry(read));
  auto as_of = engine->PlanAsOf("p1", At("2021-10-30"));
  ASSERT_TRUE(as_of.ok());
  EXPECT_EQ(as_of->assignments.at({1, kFinance}).status, AssignmentStatus::kSubmitted)
      << "as of a day after the paper date, the submission is in the view";
  auto then = engine->PlanAsOf("p1", At("2021-11-19"), Engine::AsOf::kRecorded);
  ASSERT_TRUE(then.ok());
  EXPECT_EQ(then->assignments.at({1, kFinance}).status, AssignmentStatus::kAccepted)
      << "as recorded the day before it was entered, the record did not show it";
  EXPECT_FALSE(then->assignments.at({1, kFinance}).overdue)
      << "nor the clock's DeadlineMissed, effective 11-01 but recorded by the tick of 11-20";
  auto effective_then = engine->PlanAsOf("p1", At("2021-11-19"));
  ASSERT_TRUE(effective_then.ok());
  EXPECT_EQ(effective_then->assignments.at({1, kFinance}).status, AssignmentStatus::kSubmitted)
      << "what is known now of 11-19 differs from what the record said on 11-19";
  auto now_recorded = engine->PlanAsOf("p1", At("2021-11-20", 23), Engine::AsOf::kRecorded);
  ASSERT_TRUE(now_recorded.ok());
  EXPECT_EQ(now_recorded->assignments.at({1, kFinance}).status, AssignmentStatus::kSubmitted);

  auto r = engine->Verify();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok()) << (r->problems.empty() ? "" : r->problems.front());
  const std::string digest = Digest();
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_EQ(Digest(), digest) << "replay is deterministic with both times";
  OpenWithClock();
  EXPECT_EQ(Digest(), digest);
}

TEST_F(TwoTimesEngineTest, ATickRecordsAtTheClockAndTakesEffectWhenTheTimerWasDue) {
  Do(SamplePlan(), Supervisor());
  clock->t = At("2021-11-20");
  auto fired = engine->Tick(At("2021-11-20"));
  ASSERT_TRUE(fired.ok());
  bool saw = false;
  for (const auto& o : *fired)
    for (const auto& e : o.events)
      if (std::holds_alternative<DeadlineMissed>(e.body)) {
        saw = true;
        EXPECT_EQ(e.occurred_at, StartOfDay(*Date::Parse("2021-11-01")));
        EXPECT_EQ(e.recorded_at, clock->t);
        EXPECT_FALSE(IsBackEntry(e)) << "the clock's lateness is not an office back-entry";
      }
  EXPECT_TRUE(saw);
}

}  // namespace
}  // namespace duban
