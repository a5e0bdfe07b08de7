// Reminders and the escalation ladder on the 2021 calendar: on time, late
// across the National Day holiday, ticks late or after a pause, extensions,
// approval and rejection; the acceptance and review limits.
#include <gtest/gtest.h>

#include <set>

#include "duban/engine_bench.h"
#include "workflow_engine_fixture.h"

namespace duban::wf_test {
namespace {

TEST_F(WorkflowEngineTest, TheCalendarFactsTheseTestsRelyOnHold) {
  const auto& cal = policy->latest_calendar();
  EXPECT_TRUE(*cal.IsWorkingDay(Date{2021, 9, 18})) << "Saturday worked for Mid-Autumn";
  EXPECT_FALSE(*cal.IsWorkingDay(Date{2021, 9, 20}));
  EXPECT_TRUE(*cal.IsWorkingDay(Date{2021, 9, 26})) << "Sunday worked for National Day";
  EXPECT_FALSE(*cal.IsWorkingDay(Date{2021, 10, 4}));
  EXPECT_TRUE(*cal.IsWorkingDay(Date{2021, 10, 9})) << "Saturday worked for National Day";
  EXPECT_FALSE(*cal.IsWorkingDay(Date{2021, 10, 10}));
}

TEST_F(WorkflowEngineTest, AUnitOnTimeGetsRemindersOnlyAndNoEscalation) {
  GivenPlan();
  auto fired = For(TickDays("2021-09-01", "2021-09-28"), 1, kFinance);
  Ok(Do(UnitActor(kFinance), "2021-09-28", Submit{1, kFinance, "已完成", ""}, 15));
  Ok(Do(Supervisor(), "2021-09-29", Approve{1, kFinance, "同意销号"}, 10));
  for (const auto& f : For(TickDays("2021-09-29", "2021-12-31"), 1, kFinance)) fired.push_back(f);
  // 10 working days before 09-30 counts back over Mid-Autumn and the worked Sunday 09-26;
  // the 3-day reminder is 09-27; it submitted on 09-28, so no 1-day reminder.
  EXPECT_EQ(fired, (std::vector<Fired>{{"2021-09-16", "DeadlineApproaching", 1, kFinance, 10},
                                       {"2021-09-27", "DeadlineApproaching", 1, kFinance, 3}}));
  EXPECT_FALSE(A(1, kFinance).overdue);
  EXPECT_EQ(A(1, kFinance).escalation_level, 0);
}

// A tick's cost follows the timers that fired: a reminder writes its event,
// its command row, its entry in the plan's history bucket, the assignment row and its counts, the stream
// head and the deletion of the fired timer, and leaves the assignment's other armed timers
// untouched (they are still wanted), so the index holds exactly what it did
// minus the fired key.
TEST_F(WorkflowEngineTest, AReminderTickWritesOnlyWhatChangedAndKeepsTheOtherTimersArmed) {
  GivenPlan();
  auto before = PendingOf(1, kFinance);
  ASSERT_EQ(before.size(), 4u);  // reminders 10/3/1 and missed
  const auto w0 = duban::bench::EngineWriteStats(*engine);
  auto fired = engine->Tick(StartOfDay(*Date::Parse("2021-09-16")));
  ASSERT_TRUE(fired.ok()) << fired.status().ToString();
  const auto w1 = duban::bench::EngineWriteStats(*engine);
  size_t events = 0;
  std::set<uint64_t> history_buckets;  // a bucket per 64 log positions (records.h)
  for (const auto& o : *fired) {
    events += o.events.size();
    for (size_t i = 0; i < o.events.size(); ++i) history_buckets.insert((o.first_position + i) >> 6);
  }
  ASSERT_EQ(events, 2u);  // the 10-day reminders of 财政 and 教育
  // Per reminder: log, command row, assignment row, timer delete, the count
  // of its dashboard group (one more reminder) and its unit's last change;
  // plus, for the plan, one stream head and its history bucket(s).
  EXPECT_EQ(w1.keys - w0.keys, 2u * 6 + 1 + history_buckets.size());
  auto after = PendingOf(1, kFinance);
  ASSERT_EQ(after.size(), 3u);
  for (size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i].key, before[i + 1].key);
  auto report = engine->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << (report->problems.empty() ? "" : report->problems[0]);
}

TEST_F(WorkflowEngineTest, ALateUnitClimbsEachLadderStepOnItsWorkingDayAcrossTheNationalDayHoliday) {
  GivenPlan();
  auto fired = For(TickDays("2021-09-01", "2021-12-31"), 1, kEducation);
  EXPECT_EQ(fired, (std::vector<Fired>{
                       {"2021-09-16", "DeadlineApproaching", 1, kEducation, 10},
                       {"2021-09-27", "DeadlineApproaching", 1, kEducation, 3},
                       {"2021-09-29", "DeadlineApproaching", 1, kEducation, 1},
                       {"2021-10-08", "DeadlineMissed", 1, kEducation, 0},    // first working day after the holiday
                       {"2021-10-09", "EscalationRaised", 1, kEducation, 1},  // 督促整改: +1, the worked Saturday
                       {"2021-10-15", "EscalationRaised", 1, kEducation, 2},  // 通报批评: +5 working days
                       {"2021-10-29", "EscalationRaised", 1, kEducation, 3},  // 约谈: +10 working days
                   }));
  EXPECT_TRUE(A(1, kEducation).overdue);
  EXPECT_EQ(A(1, kEducation).escalation_level, 3);
  EXPECT_TRUE(PendingOf(1, kEducation).empty()) << "the top of the ladder arms nothing more";
}

TEST_F(WorkflowEngineTest, ATickAfterALongPauseFiresTheSameLadderStepsInOrderButNoMootReminder) {
  GivenPlan();
  TickReport report;
  auto r = engine->Tick(At("2021-11-01", 0), "clock", &report);
  ASSERT_TRUE(r.ok());
  std::vector<Fired> fired;
  for (const auto& o : *r)
    for (const auto& e : o.events) fired.push_back(Describe(e));
  // The daily ticks' ladder (the test above) without its three reminders: the
  // clock reached them only in the tick that found the deadline missed.
  auto edu = For(fired, 1, kEducation);
  ASSERT_EQ(edu.size(), 4u);
  EXPECT_EQ(edu[0], (Fired{"2021-10-08", "DeadlineMissed", 1, kEducation, 0})) << "stamped with the timer's day";
  EXPECT_EQ(edu[1], (Fired{"2021-10-09", "EscalationRaised", 1, kEducation, 1}));
  EXPECT_EQ(edu[3], (Fired{"2021-10-29", "EscalationRaised", 1, kEducation, 3}));
  EXPECT_EQ(A(1, kEducation).reminders, 0);
  EXPECT_GE(report.moot_reminders, 3) << "at least task 1's three, counted for the tick's caller";
  for (const auto& f : fired) EXPECT_NE(f.type, "DeadlineApproaching") << f.day;
  // The dropped reminders leave the timers a rebuild arms.
  auto v = engine->Verify();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok()) << (v->problems.empty() ? "" : v->problems[0]);
}

TEST_F(WorkflowEngineTest, ATickInTheHolidayAfterADeadlineButBeforeItsMissedDayStillRemindsAndVerifies) {
  // Due 30 September; the missed step waits for 8 October, the first working
  // day after the National Day holiday. A first tick on 2 October fires the
  // reminder (the deadline is not yet counted missed): the last one only, its
  // 10- and 3-day reminders being no longer true (a review got all three at
  // once), and the store agrees with a rebuild.
  GivenPlan();
  TickReport report;
  auto r = engine->Tick(At("2021-10-02", 9), "clock", &report);
  ASSERT_TRUE(r.ok());
  std::vector<Fired> fired;
  for (const auto& o : *r)
    for (const auto& e : o.events) fired.push_back(Describe(e));
  EXPECT_EQ(For(fired, 1, kEducation), (std::vector<Fired>{{"2021-09-29", "DeadlineApproaching", 1, kEducation, 1}}));
  EXPECT_EQ(A(1, kEducation).reminders, 1);
  EXPECT_GE(report.moot_reminders, 2) << "its 10- and 3-day reminders";
  EXPECT_FALSE(A(1, kEducation).overdue);
  auto v = engine->Verify();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok()) << (v->problems.empty() ? "" : v->problems[0]);
}

TEST_F(WorkflowEngineTest, AnExtensionReArmsTheTimersForTheNewDateAndDropsTheOldOnes) {
  GivenPlan();
  auto before = TickDays("2021-09-01", "2021-09-20");
  Ok(Do(UnitActor(kFinance), "2021-09-20", RequestExtension{1, kFinance, "2021-11-30", "需上级批复"}));
  Ok(Do(Supervisor(), "2021-09-21", GrantExtension{1, kFinance, ""}));
  auto pending = PendingOf(1, kFinance);
  ASSERT_FALSE(pending.empty());
  for (const auto& t : pending) EXPECT_EQ(t.timer.due_on, "2021-11-30") << "no timer of the old date is left";
  auto after = TickDays("2021-09-21", "2021-12-31");
  std::vector<Fired> mine = For(before, 1, kFinance);
  for (const auto& f : For(after, 1, kFinance)) mine.push_back(f);
  EXPECT_EQ(mine, (std::vector<Fired>{
                      {"2021-09-16", "DeadlineApproaching", 1, kFinance, 10},  // before the extension
                      {"2021-11-16", "DeadlineApproaching", 1, kFinance, 10},
                      {"2021-11-25", "DeadlineApproaching", 1, kFinance, 3},
                      {"2021-11-29", "DeadlineApproaching", 1, kFinance, 1},
                      {"2021-12-01", "DeadlineMissed", 1, kFinance, 0},
                      {"2021-12-02", "EscalationRaised", 1, kFinance, 1},
                      {"2021-12-09", "EscalationRaised", 1, kFinance, 2},
                      {"2021-12-23", "EscalationRaised", 1, kFinance, 3},
                  }));
}

TEST_F(WorkflowEngineTest, AnExtensionGrantedWhileEscalatedClearsTheLevelAndStartsTheLadderAgain) {
  GivenPlan();
  TickDays("2021-09-01", "2021-10-20");
  ASSERT_EQ(A(1, kEducation).escalation_level, 2);
  Ok(Do(UnitActor(kEducation), "2021-10-20", RequestExtension{1, kEducation, "2021-11-30", "需上级批复"}));
  auto granted = Do(Supervisor(), "2021-10-21", GrantExtension{1, kEducation, ""});
  Ok(granted);
  EXPECT_EQ(A(1, kEducation).escalation_level, 0);
  EXPECT_FALSE(A(1, kEducation).overdue);
  auto fired = For(TickDays("2021-10-21", "2021-12-01"), 1, kEducation);
  ASSERT_FALSE(fired.empty());
  EXPECT_EQ(fired.front(), (Fired{"2021-11-16", "DeadlineApproaching", 1, kEducation, 10}))
      << "no 约谈 from the old ladder on 10-29";
  EXPECT_EQ(fired.back(), (Fired{"2021-12-01", "DeadlineMissed", 1, kEducation, 0}));
}

TEST_F(WorkflowEngineTest, ApprovalDisarmsEveryTimerOfTheAssignment) {
  GivenPlan();
  ASSERT_FALSE(PendingOf(1, kFinance).empty());
  TickDays("2021-09-01", "2021-10-12");  // overdue and escalated
  ASSERT_EQ(A(1, kFinance).escalation_level, 1);
  ASSERT_FALSE(PendingOf(1, kFinance).empty()) << "通报批评 and 约谈 are armed";
  Ok(Do(UnitActor(kFinance), "2021-10-12", Submit{1, kFinance, "已完成", ""}, 15));
  auto waiting = PendingOf(1, kFinance);
  ASSERT_EQ(waiting.size(), 1u) << "a submission waits for the office: only the review limit is armed";
  EXPECT_EQ(waiting[0].timer.kind, TimerKind::kReviewOverdue);
  auto approved = Do(Supervisor(), "2021-10-13", Approve{1, kFinance, "同意销号"});
  Ok(approved);
  EXPECT_TRUE(std::holds_alternative<EscalationCleared>(approved.events.at(1).body));
  EXPECT_TRUE(PendingOf(1, kFinance).empty());
  EXPECT_TRUE(For(TickDays("2021-10-13", "2021-12-31"), 1, kFinance).empty());
}

// What fired of the deadline's ladder (the office's review limit left out).
std::vector<Fired> DeadlineOnly(std::vector<Fired> all) {
  std::erase_if(all, [](const Fired& f) { return f.type == "ReviewOverdue"; });
  return all;
}

// Work that comes back to its unit resumes its ladder from that day: rungs
// that passed while the office held it do not fire at once, dated in the
// past. The first rung still ahead comes its own delay after the day the work
// came back (the miss: on it), each later one its delay after the one before.
TEST_F(WorkflowEngineTest, ARejectedSubmissionResumesTheLadderFromTheDayItCameBack) {
  GivenPlan();
  TickDays("2021-09-01", "2021-10-08");  // missed on 10-08
  Ok(Do(UnitActor(kFinance), "2021-10-08", Submit{1, kFinance, "已完成", ""}, 15));
  TickDays("2021-10-09", "2021-10-11");
  EXPECT_EQ(A(1, kFinance).escalation_level, 0) << "no escalation while the office reviews";
  Ok(Do(Supervisor(), "2021-10-11", Reject{1, kFinance, "材料不全"}, 10));
  // 教育, as late, hands in a token report and has it sent back the same day.
  Ok(Do(UnitActor(kEducation), "2021-10-11", Submit{1, kEducation, "已完成", ""}, 10));
  Ok(Do(Supervisor(), "2021-10-11", Reject{1, kEducation, "未见成效"}, 15));
  auto fired = TickDays("2021-10-12", "2021-11-30");
  // Late when it was handed in (10-08): 督促整改 was one working day after
  // that (10-09), 通报批评 six (10-15), 约谈 sixteen (10-29); the office held
  // the work until 10-11, so they come as many working days after that.
  EXPECT_EQ(For(fired, 1, kFinance), (std::vector<Fired>{{"2021-10-12", "EscalationRaised", 1, kFinance, 1},
                                                         {"2021-10-19", "EscalationRaised", 1, kFinance, 2},
                                                         {"2021-11-02", "EscalationRaised", 1, kFinance, 3}}));
  // A token submission sent back at once moves nothing.
  EXPECT_EQ(For(fired, 1, kEducation), (std::vector<Fired>{{"2021-10-15", "EscalationRaised", 1, kEducation, 2},
                                                           {"2021-10-29", "EscalationRaised", 1, kEducation, 3}}));
}

TEST_F(WorkflowEngineTest, WorkSentBackAfterItsDateIsLateFromThatDayNotFromTheDaysTheOfficeHeldIt) {
  GivenPlan();
  TickDays("2021-09-01", "2021-09-14");
  // 教育 hands in before its first reminder (09-16) and is sent back on
  // 09-28, between the 3-day (09-27) and 1-day (09-29) reminders.
  Ok(Do(UnitActor(kEducation), "2021-09-14", Submit{1, kEducation, "已完成", ""}, 15));
  TickDays("2021-09-15", "2021-09-28");
  Ok(Do(Supervisor(), "2021-09-28", Reject{1, kEducation, "缺少佐证材料"}, 10));
  // 财政 hands in on time (09-29) and is sent back on Monday 10-18, after
  // its miss (10-08), 督促整改 (10-09) and 通报批评 (10-15) would have come.
  TickDays("2021-09-29", "2021-09-29");
  Ok(Do(UnitActor(kFinance), "2021-09-29", Submit{1, kFinance, "已完成", ""}, 15));
  TickDays("2021-09-30", "2021-10-18");
  auto rejected = Do(Supervisor(), "2021-10-18", Reject{1, kFinance, "材料不全"}, 10);
  Ok(rejected);
  EXPECT_FALSE(A(1, kFinance).overdue) << "not late while the office held the work";
  auto fired = TickDays("2021-10-19", "2021-11-30");
  // Late from the rejection (dated then, not before it); 10-19 is the first
  // working day it has whole, so 督促整改 comes one working day after it
  // (10-20), 通报批评 5 more (10-21, 22, 25..27), 约谈 10 more (10-28..11-10).
  EXPECT_EQ(DeadlineOnly(For(fired, 1, kFinance)),
            (std::vector<Fired>{{"2021-10-18", "DeadlineMissed", 1, kFinance, 0},
                                {"2021-10-20", "EscalationRaised", 1, kFinance, 1},
                                {"2021-10-27", "EscalationRaised", 1, kFinance, 2},
                                {"2021-11-10", "EscalationRaised", 1, kFinance, 3}}));
  auto h = engine->History("p", 1);
  ASSERT_TRUE(h.ok());
  for (const auto& e : *h) {
    if (std::holds_alternative<DeadlineMissed>(e.event.body) && UnitOf(e.event.body) == kFinance) {
      EXPECT_GE(e.event.occurred_at, rejected.events[0].occurred_at) << "never dated while the office held it";
    }
  }
  // 教育's 10- and 3-day reminders passed while the office held its work:
  // only the 1-day reminder is sent, and its miss comes when it would have.
  std::vector<Fired> education;
  for (const auto& e : *h)
    if (UnitOf(e.event.body) == kEducation && (std::holds_alternative<DeadlineApproaching>(e.event.body) ||
                                               std::holds_alternative<DeadlineMissed>(e.event.body)))
      education.push_back(Describe(e.event));
  EXPECT_EQ(education, (std::vector<Fired>{{"2021-09-29", "DeadlineApproaching", 1, kEducation, 1},
                                           {"2021-10-08", "DeadlineMissed", 1, kEducation, 0}}));
  auto live = engine->ProjectionDigest();
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_EQ(*engine->ProjectionDigest(), *live) << "the moved timers are a pure function of the log";
}

// Each return counts on from the days the returns before it left: a second
// rejection the same day moves nothing (it used to fire the first return's
// moved rungs at once, on the ladder's original days), a long second review
// moves the rungs again by the days it held the work.
TEST_F(WorkflowEngineTest, ASecondReturnCountsOnFromTheDaysTheFirstLeft) {
  GivenPlan();
  TickDays("2021-09-01", "2021-09-29");
  Ok(Do(UnitActor(kFinance), "2021-09-29", Submit{1, kFinance, "已完成", ""}, 15));
  TickDays("2021-09-30", "2021-10-11");  // 教育 missed on 10-08, 督促整改 on 10-09
  // 教育, late: handed in 10-11, held until 10-15: 通报批评 (10-15, four
  // working days after the hand-in) comes four after the return, 10-21.
  Ok(Do(UnitActor(kEducation), "2021-10-11", Submit{1, kEducation, "已完成", ""}, 10));
  TickDays("2021-10-12", "2021-10-15");
  Ok(Do(Supervisor(), "2021-10-15", Reject{1, kEducation, "材料不全"}, 10));
  TickDays("2021-10-16", "2021-10-18");
  // 财政, handed in on time: late from the return (10-18), 督促整改 on 10-20.
  Ok(Do(Supervisor(), "2021-10-18", Reject{1, kFinance, "材料不全"}, 10));
  auto fired = TickDays("2021-10-19", "2021-10-19");
  // Both hand in again; 财政 is sent back within the hour, 教育 five days later.
  Ok(Do(UnitActor(kFinance), "2021-10-19", Submit{1, kFinance, "已补充", ""}, 10));
  Ok(Do(Supervisor(), "2021-10-19", Reject{1, kFinance, "仍不全"}, 11));
  Ok(Do(UnitActor(kEducation), "2021-10-20", Submit{1, kEducation, "已补充", ""}, 10));
  for (const auto& f : TickDays("2021-10-20", "2021-10-25")) fired.push_back(f);
  Ok(Do(Supervisor(), "2021-10-25", Reject{1, kEducation, "仍不全"}, 10));
  for (const auto& f : TickDays("2021-10-26", "2021-11-30")) fired.push_back(f);
  EXPECT_EQ(DeadlineOnly(For(fired, 1, kFinance)),
            (std::vector<Fired>{{"2021-10-18", "DeadlineMissed", 1, kFinance, 0},
                                {"2021-10-20", "EscalationRaised", 1, kFinance, 1},
                                {"2021-10-27", "EscalationRaised", 1, kFinance, 2},
                                {"2021-11-10", "EscalationRaised", 1, kFinance, 3}}));
  // 教育's second hand-in (10-20) came a working day before 通报批评 (10-21)
  // and 11 before 约谈 (11-04); sent back on 10-25: 10-26 and 11-09.
  EXPECT_EQ(DeadlineOnly(For(fired, 1, kEducation)),
            (std::vector<Fired>{{"2021-10-26", "EscalationRaised", 1, kEducation, 2},
                                {"2021-11-09", "EscalationRaised", 1, kEducation, 3}}));
  auto live = engine->ProjectionDigest();
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_EQ(*engine->ProjectionDigest(), *live);
}

// A look-back that reopens closed work on its old, long-past date: late from
// the reopening, the ladder counted on from there.
TEST_F(WorkflowEngineTest, WorkReopenedOnItsPastDateIsLateFromTheReopening) {
  GivenPlan();
  Ok(Do(UnitActor(kFinance), "2021-09-10", Submit{1, kFinance, "已完成", ""}));
  Ok(Do(Supervisor(), "2021-09-13", Approve{1, kFinance, "同意销号"}));
  TickDays("2021-09-01", "2021-12-01");
  Ok(Do(Supervisor(), "2021-12-01", StartReviewCycle{"回头看", "all", "lookback", "2021-12-15", ""}));
  Ok(Do(Supervisor(), "2021-12-02", ReopenAssignment{1, kFinance, "回头看发现未完成", "回头看", ""}));
  EXPECT_EQ(A(1, kFinance).due_on, "2021-09-30");
  // Missed on the reopening (12-02, 09:00); the first whole working day after
  // it is 12-03: 督促整改 12-06, 通报批评 12-13, 约谈 12-27.
  EXPECT_EQ(For(TickDays("2021-12-02", "2021-12-31"), 1, kFinance),
            (std::vector<Fired>{{"2021-12-02", "DeadlineMissed", 1, kFinance, 0},
                                {"2021-12-06", "EscalationRaised", 1, kFinance, 1},
                                {"2021-12-13", "EscalationRaised", 1, kFinance, 2},
                                {"2021-12-27", "EscalationRaised", 1, kFinance, 3}}));
}

// A plan imported after one of its deadlines passed (an office entering
// today a plan whose "9月底前" is behind it): the work was nobody's before
// the import, so it is late from the import, not since 10-08, and its
// ladder counts from there as for work reopened that day; before, the first
// tick climbed it to 约谈 at once, every step dated before the plan existed.
TEST_F(WorkflowEngineTest, APlanImportedAfterItsDeadlinePassedIsLateFromTheImportNotBeforeIt) {
  GivenPlan("2021-12-02");
  auto fired = TickDays("2021-12-02", "2021-12-31");
  // Missed on the import (12-02, 09:00); the first whole working day after
  // it is 12-03: 督促整改 12-06, 通报批评 12-13, 约谈 12-27. No reminder of
  // the days before the import.
  for (const std::string& unit : {kFinance, kEducation})
    EXPECT_EQ(For(fired, 1, unit), (std::vector<Fired>{{"2021-12-02", "DeadlineMissed", 1, unit, 0},
                                                       {"2021-12-06", "EscalationRaised", 1, unit, 1},
                                                       {"2021-12-13", "EscalationRaised", 1, unit, 2},
                                                       {"2021-12-27", "EscalationRaised", 1, unit, 3}}))
        << unit;
  // Task 2 (12-31), still ahead at the import, keeps its reminders.
  EXPECT_EQ(For(fired, 2, kPolice), (std::vector<Fired>{{"2021-12-17", "DeadlineApproaching", 2, kPolice, 10},
                                                        {"2021-12-28", "DeadlineApproaching", 2, kPolice, 3},
                                                        {"2021-12-30", "DeadlineApproaching", 2, kPolice, 1}}));
  auto h = engine->History("p", 1);
  ASSERT_TRUE(h.ok());
  for (const auto& e : *h) EXPECT_GE(e.event.occurred_at, At("2021-12-02", 9)) << EventTypeName(e.event.type);
  auto live = engine->ProjectionDigest();
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_EQ(*engine->ProjectionDigest(), *live) << "the timers are a pure function of the log";
}

// `status --overdue` (StatusFilter::overdue_only) is late work not yet
// done: work completed late keeps its overdue flag (the ledger says 逾期完成)
// but is no longer listed; work handed in late and awaiting review still is.
TEST_F(WorkflowEngineTest, TheOverdueListIsLateWorkNotYetDoneNotWorkCompletedLate) {
  GivenPlan();
  TickDays("2021-09-01", "2021-10-12");  // task 1 missed on 10-08 by both units
  Ok(Do(UnitActor(kFinance), "2021-10-12", Submit{1, kFinance, "已完成", ""}, 10));
  Ok(Do(Supervisor(), "2021-10-12", Approve{1, kFinance, "同意销号"}, 11));
  Ok(Do(UnitActor(kEducation), "2021-10-12", Submit{1, kEducation, "已完成", ""}, 12));
  ASSERT_TRUE(A(1, kFinance).overdue) << "completed late: the flag stays";
  for (const std::string plan : {"", "p"}) {
    StatusFilter f;
    f.plan_id = plan;
    f.overdue_only = true;
    auto rows = engine->Assignments(f);
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    std::vector<std::string> late;
    for (const auto& r : *rows) late.push_back(std::to_string(r.task) + " " + r.a.unit);
    EXPECT_EQ(late, (std::vector<std::string>{"1 " + std::string(kEducation)})) << "plan '" << plan << "'";
  }
}

// 签收时限: acceptance_working_days (3) after the assignment. Assigned on
// Wednesday 2021-09-29: the limit runs 09-30, 10-08 (after 国庆), Saturday
// 10-09 (worked); AcceptanceOverdue fires on the next working day, 10-11.
TEST_F(WorkflowEngineTest, AnAssignmentNotSignedWithinTheAcceptanceLimitIsFlaggedAndTold) {
  ImportPlan p;
  p.plan = PlanImported{"方案", "市政府办公室", "", "2021-09-29", 2021, "d", {kFinance, kEducation, kPolice}, {}};
  p.tasks.push_back(ImportTask{
      1, {"一"}, "推进决策公开", "", Deadline{"年底前", "2021-12-31", "", false, ""}, {kFinance}, {kEducation}});
  Ok(Do(Supervisor(), "2021-09-29", p));
  Ok(Do(UnitActor(kFinance), "2021-10-08", Accept{1, kFinance}, 16));  // inside the limit
  auto fired = TickDays("2021-09-29", "2021-10-31");
  EXPECT_EQ(For(fired, 1, kFinance), std::vector<Fired>{});
  EXPECT_EQ(For(fired, 1, kEducation), (std::vector<Fired>{{"2021-10-11", "AcceptanceOverdue", 1, kEducation, 0}}));
  EXPECT_TRUE(A(1, kEducation).acceptance_overdue);
  auto h = engine->History("p", 1);
  ASSERT_TRUE(h.ok());
  const AcceptanceOverdue* ev = nullptr;
  for (const auto& e : *h)
    if (auto* x = std::get_if<AcceptanceOverdue>(&e.event.body)) ev = x;
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(ev->assigned_on, "2021-09-29");
  EXPECT_EQ(ev->due_on, "2021-10-09");
  EXPECT_EQ(ev->notify, (std::vector<std::string>{"unit", "office"}));
  EXPECT_FALSE(ev->provisional);
  // Signing late clears the flag; nothing fires again.
  Ok(Do(UnitActor(kEducation), "2021-11-01", Accept{1, kEducation}, 10));
  EXPECT_FALSE(A(1, kEducation).acceptance_overdue);
  EXPECT_TRUE(For(TickDays("2021-11-01", "2021-11-30"), 1, kEducation).empty());
}

// A plan issued on paper 2021-09-29 and entered on Monday 2021-10-18 (a
// back-entry): the units could not sign before they saw it, so the limit
// counts from the record, 10-19, 10-20, 10-21; AcceptanceOverdue on 10-22,
// not at once for a limit that ran out before the plan was entered.
TEST_F(WorkflowEngineTest, APlanEnteredAfterItsIssueCountsTheAcceptanceLimitFromItsEntry) {
  ImportPlan p;
  p.plan = PlanImported{"方案", "市政府办公室", "", "2021-09-29", 2021, "d", {kFinance, kEducation, kPolice}, {}};
  p.tasks.push_back(ImportTask{
      1, {"一"}, "推进决策公开", "", Deadline{"年底前", "2021-12-31", "", false, ""}, {kFinance}, {kEducation}});
  Command c;
  c.command_id = "import-late";
  c.plan_id = "p";
  c.actor = Supervisor();
  c.issued_at = At("2021-10-18", 9);
  c.effective_at = At("2021-09-29", 9);
  c.back_entry_reason = "纸质方案9月29日印发，10月18日录入";
  c.body = p;
  Ok(engine->Submit(c));
  EXPECT_EQ(DayOf(A(1, kEducation).assigned_at).ToString(), "2021-10-18");
  auto fired = TickDays("2021-10-19", "2021-10-31");
  EXPECT_EQ(For(fired, 1, kEducation), (std::vector<Fired>{{"2021-10-22", "AcceptanceOverdue", 1, kEducation, 0}}));
  auto h = engine->History("p", 1);
  ASSERT_TRUE(h.ok());
  for (const auto& e : *h) {
    if (auto* x = std::get_if<AcceptanceOverdue>(&e.event.body)) {
      EXPECT_EQ(x->assigned_on, "2021-10-18");
    }
  }
}

// Work moved on paper 2021-09-29 and entered on 2021-10-18 (a back-entered
// reassign, AssignmentReassigned v3): the unit it went to could not sign
// before it saw it, so its limit counts from the record as a late plan's does.
TEST_F(WorkflowEngineTest, WorkMovedOnPaperAndEnteredLaterCountsTheAcceptanceLimitFromItsEntry) {
  GivenPlan();
  Command c;
  c.command_id = "reassign-late";
  c.plan_id = "p";
  c.actor = Supervisor();
  c.issued_at = At("2021-10-18", 9);
  c.effective_at = At("2021-09-29", 9);
  c.back_entry_reason = "9月29日市政府办公室会议纪要改派";
  c.body = Reassign{2, kPolice, kEducation, "职责调整", ""};
  Ok(engine->Submit(c));
  EXPECT_EQ(DayOf(A(2, kEducation).assigned_at).ToString(), "2021-10-18");
  auto fired = TickDays("2021-10-19", "2021-10-31");
  EXPECT_EQ(For(fired, 2, kEducation), (std::vector<Fired>{{"2021-10-22", "AcceptanceOverdue", 2, kEducation, 0}}));
}

// Work moved on paper 2021-09-20, before its date 09-30, but entered on
// 10-18: the unit it goes to gets it on 10-18, when that date is past, and
// would climb the whole ladder at the next tick. Refused as a move made
// that day is; with a day to come it goes.
TEST_F(WorkflowEngineTest, WorkMovedOnPaperIsCheckedForAPastDateOnTheDayItIsEntered) {
  GivenPlan();
  Command c;
  c.command_id = "reassign-past";
  c.plan_id = "p";
  c.actor = Supervisor();
  c.issued_at = At("2021-10-18", 9);
  c.effective_at = At("2021-09-20", 9);
  c.back_entry_reason = "9月20日市政府办公室会议纪要改派";
  c.body = Reassign{1, kFinance, kPolice, "职责调整", ""};
  const Outcome refused = engine->Submit(c);
  EXPECT_EQ(refused.status.reason(), "invalid_argument") << refused.status.ToString();
  EXPECT_NE(refused.status.message().find("today is 2021-10-18"), std::string::npos) << refused.status.ToString();
  c.command_id = "reassign-with-date";
  c.body = Reassign{1, kFinance, kPolice, "职责调整", "2021-11-30"};
  Ok(engine->Submit(c));
  EXPECT_EQ(A(1, kPolice).due_on, "2021-11-30");
}

// The same for work assigned on paper 09-20 and entered 10-18: the unit
// holds it from 10-18 (AssignmentCreated v2), when 09-30 is past.
TEST_F(WorkflowEngineTest, WorkAssignedOnPaperIsCheckedForAPastDateOnTheDayItIsEntered) {
  GivenPlan();
  Command c;
  c.command_id = "assign-past";
  c.plan_id = "p";
  c.actor = Supervisor();
  c.issued_at = At("2021-10-18", 9);
  c.effective_at = At("2021-09-20", 9);
  c.back_entry_reason = "9月20日增派通知";
  c.body = Assign{1, kPolice, AssignmentRole::kResponsible, ""};
  const Outcome refused = engine->Submit(c);
  EXPECT_EQ(refused.status.reason(), "invalid_argument") << refused.status.ToString();
  EXPECT_NE(refused.status.message().find("today is 2021-10-18"), std::string::npos) << refused.status.ToString();
  c.command_id = "assign-with-date";
  c.body = Assign{1, kPolice, AssignmentRole::kResponsible, "2021-11-30"};
  Ok(engine->Submit(c));
  EXPECT_EQ(A(1, kPolice).due_on, "2021-11-30");
}

// A move entered on 12-22 that took effect on 12-10: the reminder ten
// working days before 12-31 (12-17) came before the unit had the work and is
// not sent after the fact with a count no longer true; the later ones are.
TEST_F(WorkflowEngineTest, ABackEnteredMoveSendsNoReminderDatedBeforeItWasRecorded) {
  GivenPlan();
  Command c;
  c.command_id = "reassign-december";
  c.plan_id = "p";
  c.actor = Supervisor();
  c.issued_at = At("2021-12-22", 9);
  c.effective_at = At("2021-12-10", 9);
  c.back_entry_reason = "12月10日函件改派";
  c.body = Reassign{2, kPolice, kEducation, "职责调整", ""};
  Ok(engine->Submit(c));
  std::vector<std::string> reminders;
  for (const auto& f : For(TickDays("2021-12-22", "2021-12-31"), 2, kEducation))
    if (f.type == "DeadlineApproaching") reminders.push_back(f.day);
  EXPECT_EQ(reminders, (std::vector<std::string>{"2021-12-28", "2021-12-30"}))
      << "3 and 1 working days before 12-31; not the 12-17 one";
}

// The office's review limit: review_working_days (5) after a submission.
// Submitted Wednesday 2021-09-01: 09-02, 03, 06, 07, 08; ReviewOverdue on 09-09.
// A resubmission after a rejection starts the limit again.
TEST_F(WorkflowEngineTest, ASubmissionNotReviewedWithinTheReviewLimitIsFlaggedForTheOffice) {
  GivenPlan();
  Ok(Do(UnitActor(kFinance), "2021-09-01", Submit{1, kFinance, "已完成", ""}, 15));
  Ok(Do(UnitActor(kEducation), "2021-09-01", Submit{1, kEducation, "已完成", ""}, 15));
  Ok(Do(Supervisor(), "2021-09-07", Approve{1, kEducation, "同意"}, 10));  // in time
  auto fired = TickDays("2021-09-01", "2021-09-15");
  EXPECT_TRUE(For(fired, 1, kEducation).empty());
  EXPECT_EQ(For(fired, 1, kFinance), (std::vector<Fired>{{"2021-09-09", "ReviewOverdue", 1, kFinance, 0}}));
  EXPECT_TRUE(A(1, kFinance).review_overdue);
  Ok(Do(Supervisor(), "2021-09-15", Reject{1, kFinance, "材料不全"}, 10));
  EXPECT_FALSE(A(1, kFinance).review_overdue);
  Ok(Do(UnitActor(kFinance), "2021-09-16", Submit{1, kFinance, "已补充", ""}, 10));
  // 09-17, 18 (worked Saturday), 22, 23, 24 (中秋 09-19..21): overdue again on 09-26 (worked Sunday).
  std::vector<Fired> reviews;
  for (const auto& f : For(TickDays("2021-09-16", "2021-09-29"), 1, kFinance))
    if (f.type == "ReviewOverdue") reviews.push_back(f);
  EXPECT_EQ(reviews, (std::vector<Fired>{{"2021-09-26", "ReviewOverdue", 1, kFinance, 0}}));
  auto live = engine->ProjectionDigest();
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_EQ(*engine->ProjectionDigest(), *live);
}

}  // namespace
}  // namespace duban::wf_test
