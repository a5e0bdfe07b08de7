// WorkCalendar: the compiled-in mainland China calendar, working-day
// arithmetic on its edges, versions and amendments, and parse errors.
#include "duban/workflows/calendar.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace duban::workflows {
namespace {

Date D(std::string_view s) { return *Date::Parse(s); }

WorkCalendar Cal() {
  auto c = WorkCalendar::Default();
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return *c;
}

bool Working(const WorkCalendar& c, std::string_view day) {
  auto w = c.IsWorkingDay(D(day));
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  return w.ok() && *w;
}

TEST(WorkCalendar, DefaultCoversEveryPublishedYearFrom2018To2026) {
  auto c = Cal();
  for (int y = 2018; y <= 2026; ++y) EXPECT_TRUE(c.Covers(y)) << y;
  EXPECT_FALSE(c.Covers(2017));
  EXPECT_FALSE(c.Covers(2027));
  EXPECT_EQ(c.version(), "cn-mainland/2025-11-04");
}

TEST(WorkCalendar, AdjustedSaturdayIsAWorkingDay) {
  auto c = Cal();
  EXPECT_TRUE(Working(c, "2021-09-18"));   // 中秋 调休 Saturday
  EXPECT_FALSE(Working(c, "2021-09-20"));  // Monday in 中秋 holiday
  EXPECT_TRUE(Working(c, "2021-10-09"));   // 国庆 调休 Saturday
  EXPECT_FALSE(Working(c, "2021-10-16"));  // an ordinary Saturday
}

TEST(WorkCalendar, SpringFestivalWeekIsRestAndItsSundayIsWork) {
  auto c = Cal();
  for (auto d : {"2021-02-11", "2021-02-12", "2021-02-15", "2021-02-16", "2021-02-17"}) {
    EXPECT_FALSE(Working(c, d)) << d;
  }
  EXPECT_TRUE(Working(c, "2021-02-07"));  // Sunday before
  EXPECT_TRUE(Working(c, "2021-02-20"));  // Saturday after
  EXPECT_EQ(c.HolidayName(D("2021-02-12")), "春节");
  EXPECT_EQ(c.HolidayName(D("2021-02-18")), "");
}

TEST(WorkCalendar, The2025RulesMakeNewYearsEveAndMayTheSecondHolidays) {
  auto c = Cal();
  EXPECT_FALSE(Working(c, "2025-01-28"));  // 除夕, a holiday from 2025
  EXPECT_TRUE(Working(c, "2024-02-09"));   // 2024 除夕 was still a working day
  EXPECT_FALSE(Working(c, "2025-05-02"));
  EXPECT_TRUE(Working(c, "2025-04-27"));   // Sunday worked for Labour Day
  EXPECT_FALSE(Working(c, "2026-02-23"));  // 2026 Spring Festival ends Monday 02-23
  EXPECT_TRUE(Working(c, "2026-02-28"));
}

TEST(WorkCalendar, NewYearArrangementReachesIntoTheYearBefore) {
  auto c = Cal();
  EXPECT_TRUE(Working(c, "2018-12-29"));   // Saturday worked for 2019 元旦
  EXPECT_FALSE(Working(c, "2018-12-31"));  // Monday off
  EXPECT_FALSE(Working(c, "2023-01-02"));
}

TEST(WorkCalendar, EffectiveDueMovesAHolidayToTheNextWorkingDay) {
  auto c = Cal();
  EXPECT_EQ(*c.EffectiveDue(D("2021-10-01")), D("2021-10-08"));  // 国庆 -> Friday after
  EXPECT_EQ(*c.EffectiveDue(D("2021-10-31")), D("2021-11-01"));  // Sunday -> Monday
  EXPECT_EQ(*c.EffectiveDue(D("2021-09-18")), D("2021-09-18"));  // working Saturday stays
  EXPECT_EQ(*c.EffectiveDue(D("2021-12-31")), D("2021-12-31"));  // Friday stays
}

TEST(WorkCalendar, EffectiveDueCrossesTheYearBoundary) {
  auto c = Cal();
  // 2022-12-31 is a Saturday in the 2023 元旦 holiday, which runs to 01-02.
  EXPECT_EQ(*c.EffectiveDue(D("2022-12-31")), D("2023-01-03"));
  // 2023-12-31 Sunday; 2024-01-01 holiday.
  EXPECT_EQ(*c.EffectiveDue(D("2023-12-31")), D("2024-01-02"));
}

TEST(WorkCalendar, AddWorkingDaysSkipsHolidaysAndCountsAdjustedDays) {
  auto c = Cal();
  // Friday 2021-09-17 + 1 = Saturday 09-18 (adjusted working day).
  EXPECT_EQ(*c.AddWorkingDays(D("2021-09-17"), 1), D("2021-09-18"));
  // 2021-09-18 + 1 skips 中秋 (19-21) -> Wednesday 09-22.
  EXPECT_EQ(*c.AddWorkingDays(D("2021-09-18"), 1), D("2021-09-22"));
  // 2021-09-30 + 1 skips 国庆 -> Friday 10-08.
  EXPECT_EQ(*c.AddWorkingDays(D("2021-09-30"), 1), D("2021-10-08"));
  EXPECT_EQ(*c.AddWorkingDays(D("2021-10-02"), 0), D("2021-10-08"));
  // 20 working days from Friday 2021-09-10 count the working Saturdays 09-18,
  // 10-09 and Sunday 09-26 and skip 中秋 and 国庆: Thursday 10-14.
  EXPECT_EQ(*c.AddWorkingDays(D("2021-09-10"), 20), D("2021-10-14"));
  EXPECT_EQ(*c.AddWorkingDays(D("2021-12-30"), 2), D("2022-01-04"));
}

TEST(WorkCalendar, SubtractWorkingDaysIsTheInverseAcrossHolidays) {
  auto c = Cal();
  EXPECT_EQ(*c.SubtractWorkingDays(D("2021-10-08"), 1), D("2021-09-30"));
  EXPECT_EQ(*c.SubtractWorkingDays(D("2021-09-22"), 1), D("2021-09-18"));
  EXPECT_EQ(*c.AddWorkingDays(D("2021-10-08"), -1), D("2021-09-30"));
  for (int n : {1, 3, 10, 40}) {
    Date back = *c.SubtractWorkingDays(D("2021-10-15"), n);
    EXPECT_EQ(*c.AddWorkingDays(back, n), D("2021-10-15")) << n;
  }
}

TEST(WorkCalendar, UncoveredYearIsAnErrorWithoutTheProvisionalRule) {
  auto c = Cal();
  auto w = c.IsWorkingDay(D("2030-03-01"));
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(w.status().message().find("2030"), std::string::npos);
  EXPECT_FALSE(c.EffectiveDue(D("2030-03-02")).ok());
  // Counting from a covered year into an uncovered one fails too.
  EXPECT_FALSE(c.AddWorkingDays(D("2026-12-30"), 5).ok());
}

TEST(WorkCalendar, ProvisionalRuleCountsWeekdaysMinusFixedDateHolidaysInUncoveredYears) {
  auto c = Cal();
  c.set_provisional_rule(true);
  EXPECT_TRUE(c.UsesProvisional(2030));
  EXPECT_FALSE(c.UsesProvisional(2021));
  EXPECT_TRUE(*c.IsWorkingDay(D("2030-10-04")));   // a Friday: no holiday the law fixes
  EXPECT_FALSE(*c.IsWorkingDay(D("2030-10-01")));  // 国庆节 (Tuesday), fixed by law
  EXPECT_FALSE(*c.IsWorkingDay(D("2030-10-03")));
  EXPECT_EQ(c.HolidayName(D("2030-10-02")), "国庆节");
  EXPECT_FALSE(*c.IsWorkingDay(D("2027-01-01")));  // 元旦 (Friday)
  EXPECT_FALSE(*c.IsWorkingDay(D("2030-05-02")));  // 劳动节 has two days from 2025
  EXPECT_TRUE(*c.IsWorkingDay(D("2027-02-08")));   // 春节 is lunar: not known in advance
  EXPECT_FALSE(*c.IsWorkingDay(D("2030-03-02")));  // Saturday
  EXPECT_EQ(*c.EffectiveDue(D("2030-03-02")), D("2030-03-04"));
  EXPECT_EQ(*c.AddWorkingDays(D("2026-12-31"), 1), D("2027-01-04"));  // over 元旦 and a weekend
  EXPECT_FALSE(*c.IsWorkingDay(D("2021-10-01")));                     // covered years keep their holidays
  EXPECT_TRUE(c.SpanIsProvisional(D("2026-12-31"), D("2027-01-04")));
  EXPECT_FALSE(c.SpanIsProvisional(D("2026-12-01"), D("2026-12-31")));
  EXPECT_EQ(WorkCalendar::StripProvisionalSuffix("cn-mainland/2025-11-04+provisional"), "cn-mainland/2025-11-04");
  EXPECT_EQ(WorkCalendar::StripProvisionalSuffix("cn-mainland/2025-11-04+weekends-only"), "cn-mainland/2025-11-04");
}

TEST(WorkCalendar, The2020AmendmentIsANewerVersionAndTheOldOneStaysAvailable) {
  auto before = WorkCalendar::DefaultAsOf("cn-mainland/2019-11-21");
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(before->version(), "cn-mainland/2019-11-21");
  EXPECT_TRUE(*before->IsWorkingDay(D("2020-01-31")));
  EXPECT_TRUE(*before->IsWorkingDay(D("2020-02-01")));  // adjusted Saturday
  EXPECT_FALSE(before->Covers(2021));

  auto after = WorkCalendar::DefaultAsOf("2020-01-26");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->version(), "cn-mainland/2020-01-26");
  EXPECT_FALSE(*after->IsWorkingDay(D("2020-01-31")));
  EXPECT_FALSE(*after->IsWorkingDay(D("2020-02-01")));
  EXPECT_FALSE(*after->IsWorkingDay(D("2020-02-02")));
  EXPECT_TRUE(*after->IsWorkingDay(D("2020-02-03")));
  // A deadline on 01-31 was effective that day before, and moves after.
  EXPECT_EQ(*before->EffectiveDue(D("2020-01-31")), D("2020-01-31"));
  EXPECT_EQ(*after->EffectiveDue(D("2020-01-31")), D("2020-02-03"));
}

TEST(WorkCalendar, The2019LabourDayAmendmentApplies) {
  auto c = Cal();
  EXPECT_FALSE(Working(c, "2019-05-02"));
  EXPECT_TRUE(Working(c, "2019-04-28"));
  auto before = WorkCalendar::DefaultAsOf("2018-12-06");
  ASSERT_TRUE(before.ok());
  EXPECT_TRUE(*before->IsWorkingDay(D("2019-05-02")));
  EXPECT_FALSE(*before->IsWorkingDay(D("2019-04-28")));
}

TEST(WorkCalendar, UnknownVersionIsNotFound) {
  auto c = WorkCalendar::DefaultAsOf("cn-mainland/2019-01-01");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kNotFound);
}

TEST(WorkCalendar, AllVersionsListsEveryNoticeOldestFirst) {
  auto c = Cal();
  ASSERT_GE(c.all_versions().size(), 11u);
  EXPECT_EQ(c.all_versions().front(), "cn-mainland/2017-11-30");
  EXPECT_EQ(c.all_versions().back(), c.version());
}

constexpr const char* kSmall = R"(calendar: test
notices:
  - version: 2023-10-25
    source: x
    covers: 2024
    holidays:
      - {name: 劳动节, from: 2024-05-01, to: 2024-05-05}
    workdays: [2024-04-28]
)";

TEST(WorkCalendarParse, AcceptsAMinimalCalendar) {
  auto c = WorkCalendar::Parse(kSmall, "small.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->version(), "test/2023-10-25");
  EXPECT_FALSE(*c->IsWorkingDay(D("2024-05-02")));
  EXPECT_TRUE(*c->IsWorkingDay(D("2024-04-28")));
}

void ExpectParseError(const std::string& text, const std::string& where, const std::string& what) {
  auto c = WorkCalendar::Parse(text, "cal.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(c.status().message().find(where), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find(what), std::string::npos) << c.status().message();
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos);
  return s.replace(pos, from.size(), to);
}

TEST(WorkCalendarParse, ImpossibleDateIsAnErrorNamingFileAndLine) {
  ExpectParseError(Replace(kSmall, "to: 2024-05-05", "to: 2024-04-31"), "cal.yaml:7:", "2024-04-31");
  ExpectParseError(Replace(kSmall, "[2024-04-28]", "[2024-02-30]"), "cal.yaml:8:", "2024-02-30");
}

TEST(WorkCalendarParse, AWeekdayListedAsAdjustedWorkdayIsAnError) {
  ExpectParseError(Replace(kSmall, "[2024-04-28]", "[2024-04-29]"), "cal.yaml:8:", "not a Saturday or Sunday");
}

TEST(WorkCalendarParse, DatesOutsideTheNoticeYearAreErrors) {
  ExpectParseError(Replace(Replace(kSmall, "from: 2024-05-01", "from: 2022-05-01"), "to: 2024-05-05", "to: 2022-05-03"),
                   "cal.yaml:7:", "outside");
}

TEST(WorkCalendarParse, UnknownKeysDuplicateYearsAndBadSyntaxAreErrors) {
  ExpectParseError(Replace(kSmall, "    source: x", "    sourse: x"), "cal.yaml:4:", "unknown key");
  ExpectParseError(std::string(kSmall) + "  - version: 2024-01-01\n    covers: 2024\n",
                   "cal.yaml:10:", "covered twice");
  ExpectParseError(std::string(kSmall) + "  - version: 2023-01-01\n    amends: 2024\n", "cal.yaml:9:", "must increase");
  ExpectParseError("calendar: x\nnotices: [\n", "cal.yaml", "YAML syntax");
}

}  // namespace
}  // namespace duban::workflows
