#include "duban/date.h"

#include <gtest/gtest.h>

namespace duban {
namespace {

TEST(DateTest, RoundTripsThroughDaysAcrossCenturies) {
  for (int64_t d = -800000; d <= 800000; d += 997) {
    EXPECT_EQ(Date::FromDays(d).ToDays(), d);
  }
  EXPECT_EQ((Date{1970, 1, 1}).ToDays(), 0);
  EXPECT_EQ((Date{2021, 3, 1}).ToDays() - (Date{2021, 2, 28}).ToDays(), 1);
  EXPECT_EQ((Date{2024, 3, 1}).ToDays() - (Date{2024, 2, 28}).ToDays(), 2);
}

TEST(DateTest, KnowsTheWeekday) {
  EXPECT_EQ((Date{2021, 9, 18}).Weekday(), 6);  // a Saturday (adjusted working day)
  EXPECT_EQ((Date{1970, 1, 1}).Weekday(), 4);
  EXPECT_EQ((Date{2026, 11, 24}).Weekday(), 2);
  EXPECT_EQ((Date{1969, 12, 28}).Weekday(), 7);
}

TEST(DateTest, ParseRefusesImpossibleDates) {
  EXPECT_FALSE(Date::Parse("2024-04-31"));
  EXPECT_FALSE(Date::Parse("2021-02-29"));
  EXPECT_TRUE(Date::Parse("2024-02-29"));
  EXPECT_FALSE(Date::Parse("2024-13-01"));
  EXPECT_FALSE(Date::Parse("2024-1-01"));
  EXPECT_FALSE(Date::Parse("garbage!!!"));
  EXPECT_EQ(Date::Parse("2021-12-10")->ToString(), "2021-12-10");
}

TEST(DateTest, WritesEveryDayAsParseReadsIt) {
  // Every day from year 1 to 9999 round-trips through its text (Parse takes
  // only YYYY-MM-DD, so the text is zero-padded as printf's %04d-%02d-%02d).
  for (int64_t d = (Date{1, 1, 1}).ToDays(); d <= (Date{9999, 12, 31}).ToDays(); d += 1) {
    const Date day = Date::FromDays(d);
    const std::string s = day.ToString();
    const auto back = Date::Parse(s);
    ASSERT_TRUE(back) << s;
    ASSERT_EQ(back->ToDays(), d) << s;
  }
  EXPECT_EQ((Date{5, 1, 2}).ToString(), "0005-01-02");
  EXPECT_EQ((Date{999, 10, 9}).ToString(), "0999-10-09");
  EXPECT_EQ((Date{0, 0, 0}).ToString(), "0000-00-00");
  // Outside the years a date can have, as printf writes them.
  EXPECT_EQ((Date{-1, 1, 1}).ToString(), "-001-01-01");
  EXPECT_EQ((Date{10000, 1, 1}).ToString(), "10000-01-01");
}

TEST(DateTest, InstantsUseChinaStandardTimeDays) {
  auto t = ParseInstant("2021-03-01T00:30");
  ASSERT_TRUE(t);
  EXPECT_EQ(DayOf(*t).ToString(), "2021-03-01");
  EXPECT_EQ(DayOf(*t - 3'600'000).ToString(), "2021-02-28");
  EXPECT_EQ(FormatInstant(*t), "2021-03-01T00:30:00+08:00");
  EXPECT_FALSE(ParseInstant("2021-03-01T25:00"));
  EXPECT_FALSE(ParseInstant("2021-03-01T10:00Z"));
}

}  // namespace
}  // namespace duban
