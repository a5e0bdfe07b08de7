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
