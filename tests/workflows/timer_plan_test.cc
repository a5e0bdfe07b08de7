// PlanDeadlineTimers: reminders, the missed day and each escalation step land
// on the working days the definition and calendar say, deterministically.
#include "duban/workflows/timer_plan.h"

#include <gtest/gtest.h>

#include "duban/workflows/calendar.h"
#include "duban/workflows/definition.h"
#include "test_util.h"

namespace duban::workflows {

void PrintTo(const PlannedTimer& t, std::ostream* os) {
  *os << TimerKindName(t.kind) << "@" << t.fire_on.ToString() << " level=" << t.level << " step=" << t.step
      << " before=" << t.days_before;
}

namespace {

Date D(std::string_view s) { return *Date::Parse(s); }

struct Fixture {
  WorkCalendar cal = *WorkCalendar::Default();
  WorkflowDefinition def = *WorkflowDefinition::Default();
};

TEST(PlanDeadlineTimers, RemindersMissedAndLadderOnWorkingDays) {
  Fixture f;
  // 2021-09-30 (Thursday) is due; 国庆 follows.
  auto timers = PlanDeadlineTimers(D("2021-09-30"), f.def, f.cal);
  ASSERT_TRUE(timers.ok()) << timers.status().ToString();
  std::vector<PlannedTimer> want = {
      // 10 working days back counts Saturday 09-18 and Sunday 09-26, skips 中秋.
      {TimerKind::kReminder, D("2021-09-16"), 0, "", 10},
      {TimerKind::kReminder, D("2021-09-27"), 0, "", 3},
      {TimerKind::kReminder, D("2021-09-29"), 0, "", 1},
      // The first working day after the due date is after 国庆.
      {TimerKind::kMissed, D("2021-10-08"), 0, "", 0},
      {TimerKind::kEscalation, D("2021-10-09"), 1, "督促整改", 0},  // working Saturday
      {TimerKind::kEscalation, D("2021-10-15"), 2, "通报批评", 0},  // +5 working days
      {TimerKind::kEscalation, D("2021-10-29"), 3, "约谈", 0},      // +10 working days
  };
  EXPECT_EQ(*timers, want);
}

// Known answers counted by hand on the 2022 notice (国办发明电〔2021〕11号):
// 元旦 01-01..03, 春节 01-31..02-06, Saturday 01-29 and Sunday 01-30 working.
TEST(PlanDeadlineTimers, AcrossTheNewYearAndTheSpringFestivalWorkingWeekend) {
  Fixture f;
  auto year_end = PlanDeadlineTimers(D("2021-12-31"), f.def, f.cal);
  ASSERT_TRUE(year_end.ok()) << year_end.status().ToString();
  EXPECT_EQ(*year_end, (std::vector<PlannedTimer>{
                           {TimerKind::kReminder, D("2021-12-17"), 0, "", 10},
                           {TimerKind::kReminder, D("2021-12-28"), 0, "", 3},
                           {TimerKind::kReminder, D("2021-12-30"), 0, "", 1},
                           {TimerKind::kMissed, D("2022-01-04"), 0, "", 0},  // 元旦 runs to 01-03
                           {TimerKind::kEscalation, D("2022-01-05"), 1, "督促整改", 0},
                           {TimerKind::kEscalation, D("2022-01-12"), 2, "通报批评", 0},
                           {TimerKind::kEscalation, D("2022-01-26"), 3, "约谈", 0},
                       }));
  auto festival = PlanDeadlineTimers(D("2022-01-28"), f.def, f.cal);
  ASSERT_TRUE(festival.ok()) << festival.status().ToString();
  EXPECT_EQ(*festival, (std::vector<PlannedTimer>{
                           {TimerKind::kReminder, D("2022-01-14"), 0, "", 10},
                           {TimerKind::kReminder, D("2022-01-25"), 0, "", 3},
                           {TimerKind::kReminder, D("2022-01-27"), 0, "", 1},
                           {TimerKind::kMissed, D("2022-01-29"), 0, "", 0},              // working Saturday
                           {TimerKind::kEscalation, D("2022-01-30"), 1, "督促整改", 0},  // working Sunday
                           {TimerKind::kEscalation, D("2022-02-11"), 2, "通报批评", 0},  // after 春节
                           {TimerKind::kEscalation, D("2022-02-25"), 3, "约谈", 0},
                       }));
}

TEST(PlanDeadlineTimers, ZeroDelayStepFiresWithTheMissedTimerAndSortsAfterIt) {
  Fixture f;
  f.def.escalation[0].delay_working_days = 0;
  auto t = PlanDeadlineTimers(D("2021-11-10"), f.def, f.cal);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)[3].kind, TimerKind::kMissed);
  EXPECT_EQ((*t)[4].kind, TimerKind::kEscalation);
  EXPECT_EQ((*t)[3].fire_on, (*t)[4].fire_on);
  EXPECT_EQ((*t)[3].fire_on, D("2021-11-11"));
}

TEST(PlanDeadlineTimers, UncoveredYearIsAnErrorUnlessProvisional) {
  Fixture f;
  EXPECT_FALSE(PlanDeadlineTimers(D("2026-12-31"), f.def, f.cal).ok());  // ladder runs into 2027
  f.cal.set_provisional_rule(true);
  auto t = PlanDeadlineTimers(D("2026-12-31"), f.def, f.cal);
  ASSERT_TRUE(t.ok());
  // Reminders count back inside 2026: exact. Missed and the ladder count into
  // 2027, which no notice covers yet: provisional, and never on 元旦.
  std::vector<PlannedTimer> want = {
      {TimerKind::kReminder, D("2026-12-17"), 0, "", 10, false},
      {TimerKind::kReminder, D("2026-12-28"), 0, "", 3, false},
      {TimerKind::kReminder, D("2026-12-30"), 0, "", 1, false},
      {TimerKind::kMissed, D("2027-01-04"), 0, "", 0, true},  // 01-01 元旦, then a weekend
      {TimerKind::kEscalation, D("2027-01-05"), 1, "督促整改", 0, true},
      {TimerKind::kEscalation, D("2027-01-12"), 2, "通报批评", 0, true},
      {TimerKind::kEscalation, D("2027-01-26"), 3, "约谈", 0, true},
  };
  EXPECT_EQ(*t, want);
  // A due date in a covered year whose ladder stays inside it is exact throughout.
  auto exact = PlanDeadlineTimers(D("2026-11-20"), f.def, f.cal);
  ASSERT_TRUE(exact.ok());
  for (const auto& p : *exact) EXPECT_FALSE(p.provisional) << p.fire_on.ToString();
}

TEST(AcceptanceAndReviewDue, CountWorkingDaysFromTheEvent) {
  Fixture f;
  EXPECT_EQ(*AcceptanceDue(D("2021-09-29"), f.def, f.cal), D("2021-10-09"));  // 30th, 10-08, 10-09
  EXPECT_EQ(*ReviewDue(D("2021-02-09"), f.def, f.cal), D("2021-02-22"));
}

TEST(TimerKindName, NamesEachKind) {
  EXPECT_EQ(TimerKindName(TimerKind::kReminder), "reminder");
  EXPECT_EQ(TimerKindName(TimerKind::kMissed), "missed");
  EXPECT_EQ(TimerKindName(TimerKind::kEscalation), "escalation");
}

}  // namespace
}  // namespace duban::workflows
