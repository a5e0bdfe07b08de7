// Festivals: the lunar table against the State Council notices the calendar
// holds, and 春节前-style deadlines resolved to the last working day before
// the festival's holiday (on a notice, on the provisional rule, recounted).
#include "duban/workflows/festivals.h"

#include <gtest/gtest.h>

#include "duban/workflows/calendar.h"
#include "duban/workflows/deadline_phrase.h"

namespace duban::workflows {
namespace {

Date D(std::string_view s) { return *Date::Parse(s); }

// Every year the compiled-in calendar covers: each lunar festival's day is a
// rest day the notice names after that festival (春节 2020's 春节（延长）
// aside, the notice's own range holds the day).
TEST(Festivals, TheLunarTableAgreesWithEveryNoticeTheCalendarHolds) {
  auto cal = WorkCalendar::Default();
  ASSERT_TRUE(cal.ok());
  ASSERT_GE(cal->covered_years().size(), 8u);
  for (int year : cal->covered_years()) {
    for (const char* festival : {"春节", "清明节", "端午节", "中秋节", "国庆节", "劳动节", "元旦"}) {
      const auto day = FestivalDay(festival, year);
      ASSERT_TRUE(day.has_value()) << festival << " " << year;
      EXPECT_NE(cal->HolidayName(*day).find(festival), std::string::npos)
          << festival << " " << year << " falls on " << day->ToString() << ", named '" << cal->HolidayName(*day)
          << "' by the notice";
    }
  }
  EXPECT_EQ(FestivalDay("春节", 2027), D("2027-02-06"));
  EXPECT_EQ(FestivalDay("春节", 2099), D("2099-01-21"));
  EXPECT_FALSE(FestivalDay("春节", 2100).has_value());
  EXPECT_EQ(FestivalDay("清明节", 2027), D("2027-04-05"));
  EXPECT_EQ(FestivalDay("清明节", 2028), D("2028-04-04"));
  EXPECT_EQ(FestivalName("五一"), "劳动节");
  EXPECT_EQ(FestivalName("除夕"), "春节");
  EXPECT_EQ(FestivalName("元旦节"), "元旦");
  EXPECT_EQ(FestivalName("十一"), "国庆节");
}

TEST(Festivals, TheDayBeforeIsTheLastWorkingDayBeforeTheHoliday) {
  auto cal = WorkCalendar::Default();
  ASSERT_TRUE(cal.ok());
  // 2026: 春节 02-17, holiday 02-15..02-23, Saturday 02-14 a working day (调休).
  EXPECT_EQ(*LastWorkingDayBefore("春节", 2026, &*cal), D("2026-02-14"));
  // 2025: 国庆节、中秋节 10-01..10-08: before 中秋 (10-06) is before the whole holiday.
  EXPECT_EQ(*LastWorkingDayBefore("中秋节", 2025, &*cal), D("2025-09-30"));
  // 2024-12-31 (Tuesday) before 元旦 2025.
  EXPECT_EQ(*LastWorkingDayBefore("元旦", 2025, &*cal), D("2024-12-31"));
  // No notice for 2027 yet: 除夕 (02-05, Friday) is a rest day by law, so Thursday.
  EXPECT_FALSE(LastWorkingDayBefore("春节", 2027, &*cal).ok()) << "uncovered without the provisional rule";
  cal->set_provisional_rule(true);
  EXPECT_EQ(*LastWorkingDayBefore("春节", 2027, &*cal), D("2027-02-04"));
  // 2028: 春节 01-26 (Wednesday), 除夕 Tuesday: Monday 01-24.
  EXPECT_EQ(*LastWorkingDayBefore("春节", 2028, &*cal), D("2028-01-24"));
  // With no calendar, weekends only: 2027-10-01 is a Friday, 09-30 Thursday.
  EXPECT_EQ(*LastWorkingDayBefore("国庆节", 2027, nullptr), D("2027-09-30"));
}

TEST(Festivals, APhraseTakesTheNextFestivalFromTheIssueDate) {
  auto cal = WorkCalendar::Default();
  ASSERT_TRUE(cal.ok());
  cal->set_provisional_rule(true);
  DeadlineContext ctx;
  ctx.calendar = &*cal;
  ctx.plan_year = 2026;
  ctx.issued_on = D("2026-01-10");
  auto r = ResolveDeadline("春节前", ctx);
  ASSERT_FALSE(r.unresolved) << r.note;
  EXPECT_EQ(r.rule, "festival");
  EXPECT_EQ(*r.due_on, D("2026-02-14"));
  EXPECT_EQ(*ResolveDeadline("于春节前完成", ctx).due_on, D("2026-02-14"));
  EXPECT_EQ(*ResolveDeadline("国庆节前", ctx).due_on, D("2026-09-30"));
  EXPECT_EQ(*ResolveDeadline("元旦前", ctx).due_on, D("2026-12-31"));
  // Issued after this year's festival: next year's, said provisional.
  ctx.issued_on = D("2026-03-02");
  r = ResolveDeadline("春节前", ctx);
  EXPECT_EQ(*r.due_on, D("2027-02-04"));
  EXPECT_NE(r.calendar_version.find("+provisional"), std::string::npos);
  // A December plan for next year: its 春节 and the 元旦 about to come.
  ctx.plan_year = 2027;
  ctx.issued_on = D("2026-12-07");
  EXPECT_EQ(*ResolveDeadline("春节前", ctx).due_on, D("2027-02-04"));
  EXPECT_EQ(*ResolveDeadline("元旦前", ctx).due_on, D("2026-12-31"));
  // Only the festivals at the turn of the year move on: 端午节 in a plan
  // issued after it is the plan year's (before the issue date, which the
  // import says), and 今年春节前 is this year's.
  ctx.plan_year = 2026;
  ctx.issued_on = D("2026-11-20");
  EXPECT_EQ(*ResolveDeadline("端午节前", ctx).due_on, D("2026-06-18"));
  EXPECT_EQ(*ResolveDeadline("今年春节前", ctx).due_on, D("2026-02-14"));
  EXPECT_EQ(*ResolveDeadline("春节前", ctx).due_on, D("2027-02-04"));
  EXPECT_EQ(*ResolveDeadline("除夕前", ctx).due_on, D("2027-02-04"));
  EXPECT_EQ(*ResolveDeadline("春节长假前", ctx).due_on, D("2027-02-04"));
  ctx.plan_year = 2027;
  ctx.issued_on = D("2026-12-07");
  EXPECT_EQ(*ResolveDeadline("清明节前", ctx).due_on, D("2027-04-02")) << "04-05 a Monday: Friday 04-02";
  // A named year is that year's festival; with no issue date, the plan year's.
  EXPECT_EQ(*ResolveDeadline("2028年春节前", ctx).due_on, D("2028-01-24"));
  ctx.issued_on.reset();
  EXPECT_EQ(*ResolveDeadline("春节前", ctx).due_on, D("2027-02-04"));
  EXPECT_EQ(*ResolveDeadline("元旦前", ctx).due_on, D("2027-12-31"));
}

TEST(Festivals, TwoFestivalsOrAroundOneIsNoDeadline) {
  DeadlineContext ctx;
  ctx.plan_year = 2027;
  auto two = ResolveDeadline("元旦春节前", ctx);
  EXPECT_TRUE(two.unresolved);
  EXPECT_NE(two.note.find("two festivals"), std::string::npos) << two.note;
  EXPECT_TRUE(ResolveDeadline("春节前后", ctx).unresolved);
  EXPECT_EQ(FindDeadlineInText("春节前完成欠薪案件清零").value_or(""), "春节前");
  EXPECT_EQ(FindDeadlineInText("在元旦春节前开展走访慰问").value_or(""), "元旦春节前");
  EXPECT_FALSE(FindDeadlineInText("春节前后加强值班值守").has_value());
  EXPECT_FALSE(FindDeadlineInText("春节前夕走访慰问困难群众").has_value());
  // A lead time before the festival is no date this rule can give.
  for (const char* text : {"于春节前一个月完成慰问金发放", "春节前10天完成", "国庆节前5个工作日报送",
                           "春节前两周开展检查", "春节前至元宵节期间开展排查"})
    EXPECT_FALSE(FindDeadlineInText(text).has_value()) << text;
  EXPECT_TRUE(ResolveDeadline("春节前一个月", ctx).unresolved);
}

// 十一前 is 国庆节前; 七一前, 八一前, 六一前 are those days (as 7月1日前): no
// holiday of their own. Not 十一月前 (a month, ambiguous) nor 十一前后.
TEST(Festivals, ShortNamesOfDaysAreUnderstood) {
  auto cal = WorkCalendar::Default();
  ASSERT_TRUE(cal.ok());
  DeadlineContext ctx;
  ctx.calendar = &*cal;
  ctx.plan_year = 2026;
  auto r = ResolveDeadline("十一前", ctx);
  ASSERT_FALSE(r.unresolved) << r.note;
  EXPECT_EQ(r.rule, "festival");
  EXPECT_EQ(*r.due_on, D("2026-09-30"));
  r = ResolveDeadline("七一前", ctx);
  ASSERT_FALSE(r.unresolved) << r.note;
  EXPECT_EQ(r.rule, "day");
  EXPECT_EQ(*r.due_on, D("2026-07-01"));
  EXPECT_EQ(*ResolveDeadline("2026年八一前", ctx).due_on, D("2026-08-01"));
  EXPECT_EQ(*ResolveDeadline("六一节前", ctx).due_on, D("2026-06-01"));
  EXPECT_EQ(FindDeadlineInText("确保七一前完成党员教育").value_or(""), "七一前");
  EXPECT_EQ(FindDeadlineInText("十一前完成景区安全检查").value_or(""), "十一前");
  EXPECT_FALSE(FindDeadlineInText("十一前后加强值守").has_value());
  EXPECT_TRUE(ResolveDeadline("十一月前", ctx).unresolved);
  EXPECT_EQ(*ResolveDeadline("十一月底前", ctx).due_on, D("2026-11-30"));
  // Quoted, as documents write them.
  EXPECT_EQ(*ResolveDeadline("“十一”前", ctx).due_on, D("2026-09-30"));
  EXPECT_EQ(*ResolveDeadline("“七一”前", ctx).due_on, D("2026-07-01"));
  EXPECT_EQ(FindDeadlineInText("确保“五一”前完成").value_or(""), "“五一”前");
  // The tail of a longer number is no 十一前: 十二月三十一前 is 12-31 (日 left
  // out), 二十一前 nothing.
  EXPECT_EQ(FindDeadlineInText("加强预算管理，十二月三十一前完成。").value_or(""), "十二月三十一前");
  EXPECT_EQ(*ResolveDeadline("十二月三十一前", ctx).due_on, D("2026-12-31"));
  EXPECT_EQ(*ResolveDeadline("5月三十一前", ctx).due_on, D("2026-05-31"));
  EXPECT_FALSE(FindDeadlineInText("于二十一前报送").has_value());
}

// A year written digit by digit in Chinese (二〇二八年) is that year, not the plan's.
TEST(Festivals, AYearInChineseDigitsIsThatYear) {
  auto cal = WorkCalendar::Default();
  ASSERT_TRUE(cal.ok());
  cal->set_provisional_rule(true);
  DeadlineContext ctx;
  ctx.calendar = &*cal;
  ctx.plan_year = 2027;
  EXPECT_EQ(*ResolveDeadline("二〇二八年七一前", ctx).due_on, D("2028-07-01"));
  EXPECT_EQ(*ResolveDeadline("二〇二八年6月底前", ctx).due_on, D("2028-06-30"));
  EXPECT_EQ(*ResolveDeadline("二〇二八年底前", ctx).due_on, D("2028-12-31"));
  EXPECT_EQ(FindDeadlineInText("二〇二八年6月底前完成").value_or(""), "二〇二八年6月底前");
  // A zero typed as a digit or the letter O.
  EXPECT_EQ(*ResolveDeadline("二0二八年6月底前", ctx).due_on, D("2028-06-30"));
  EXPECT_EQ(*ResolveDeadline("二O二八年底前", ctx).due_on, D("2028-12-31"));
  EXPECT_EQ(FindDeadlineInText("三年行动收官，二0二八年6月底前完成").value_or(""), "二0二八年6月底前");
}

}  // namespace
}  // namespace duban::workflows
