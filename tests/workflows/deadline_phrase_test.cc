// Deadline phrases: a table of every phrase form the plans use, with the date
// each must give, plus recurrences, working-day phrases, the calendar's part
// (effective date, uncovered years) and finding a phrase inside task text.
#include "duban/workflows/deadline_phrase.h"

#include <gtest/gtest.h>

#include "param_name.h"

#include "duban/workflows/calendar.h"
#include "test_util.h"

namespace duban::workflows {
namespace {

Date D(std::string_view s) { return *Date::Parse(s); }

struct Row {
  const char* phrase;
  const char* due;  // expected due_on
};
// What ctest -N and a failure print for the row.
void PrintTo(const Row& row, std::ostream* os) { *os << row.phrase << " -> " << row.due; }

class PhraseTable : public ::testing::TestWithParam<Row> {};

TEST_P(PhraseTable, ResolvesToTheStatedDateInPlanYear2021) {
  const Row& row = GetParam();
  DeadlineContext ctx;
  ctx.plan_year = 2021;
  ResolvedDeadline r = ResolveDeadline(row.phrase, ctx);
  ASSERT_FALSE(r.unresolved) << row.phrase << ": " << r.note;
  ASSERT_TRUE(r.due_on.has_value()) << row.phrase;
  EXPECT_EQ(*r.due_on, D(row.due)) << row.phrase;
  EXPECT_FALSE(r.recurrence.has_value()) << row.phrase;
}

INSTANTIATE_TEST_SUITE_P(
    EveryPhraseForm, PhraseTable,
    ::testing::Values(Row{"全年", "2021-12-31"}, Row{"年内", "2021-12-31"}, Row{"年底前", "2021-12-31"},
                      Row{"年底", "2021-12-31"}, Row{"本年度内", "2021-12-31"}, Row{"2021年底前", "2021-12-31"},
                      Row{"2021年年底前", "2021-12-31"}, Row{"2022年底前", "2022-12-31"}, Row{"2021年内", "2021-12-31"},
                      Row{"10月底前", "2021-10-31"}, Row{"6月底前", "2021-06-30"}, Row{"2月底前", "2021-02-28"},
                      Row{"12月底前", "2021-12-31"}, Row{"9月底", "2021-09-30"}, Row{"十月底前", "2021-10-31"},
                      Row{"十二月底前", "2021-12-31"}, Row{"１０月底前", "2021-10-31"},
                      Row{"2021年12月底前", "2021-12-31"}, Row{"2021年\n12月底前", "2021-12-31"},
                      Row{"11月份", "2021-11-30"}, Row{"10月上旬", "2021-10-10"}, Row{"10月中旬前", "2021-10-20"},
                      Row{"10月下旬前", "2021-10-31"}, Row{"11月15日前", "2021-11-15"}, Row{"8月10日前", "2021-08-10"},
                      Row{"7月31日前", "2021-07-31"}, Row{"7月31日", "2021-07-31"}, Row{"十一月十五日前", "2021-11-15"},
                      Row{"2021年12月10日前", "2021-12-10"}, Row{"2021年\n12月10日前", "2021-12-10"},
                      Row{"\t2021年 \t12月10日前\n", "2021-12-10"}, Row{"2021年　12月10日前", "2021-12-10"},
                      Row{"2022年1月15日前", "2022-01-15"}, Row{"2021-12-10", "2021-12-10"},
                      Row{"上半年", "2021-06-30"}, Row{"下半年", "2021-12-31"}, Row{"上半年前", "2021-06-30"},
                      Row{"2021年上半年", "2021-06-30"}, Row{"一季度", "2021-03-31"}, Row{"第一季度", "2021-03-31"},
                      Row{"二季度", "2021-06-30"}, Row{"第二季度末", "2021-06-30"}, Row{"三季度", "2021-09-30"},
                      Row{"第三季度内", "2021-09-30"}, Row{"四季度", "2021-12-31"}, Row{"第四季度", "2021-12-31"},
                      Row{"前三季度", "2021-09-30"}, Row{"下一年第一季度", "2022-03-31"},
                      Row{"次年上半年", "2022-06-30"}, Row{"于9月底前完成", "2021-09-30"},
                      Row{"力争10月底前完成。", "2021-10-31"}, Row{"最迟11月15日前", "2021-11-15"},
                      Row{"每年11月底前", "2021-11-30"}, Row{"每年12月20日前", "2021-12-20"}),
    [](const ::testing::TestParamInfo<Row>& info) {
      const Row& row = info.param;
      return duban::testing::ParamName(info.index, row.due);
    });

struct Unresolved {
  const char* phrase;
  const char* note_contains;
};
// What ctest -N and a failure print for the row.
void PrintTo(const Unresolved& row, std::ostream* os) { *os << row.phrase << " -> " << row.note_contains; }

class UnresolvedTable : public ::testing::TestWithParam<Unresolved> {};

TEST_P(UnresolvedTable, StaysTextAndSaysWhy) {
  const Unresolved& row = GetParam();
  DeadlineContext ctx;
  ctx.plan_year = 2024;
  ResolvedDeadline r = ResolveDeadline(row.phrase, ctx);
  EXPECT_TRUE(r.unresolved) << row.phrase;
  EXPECT_FALSE(r.due_on.has_value()) << row.phrase;
  EXPECT_FALSE(r.recurrence.has_value()) << row.phrase;
  EXPECT_NE(r.note.find(row.note_contains), std::string::npos) << row.phrase << ": " << r.note;
  if (*row.phrase) {
    EXPECT_FALSE(r.text.empty()) << row.phrase;
  }
}

INSTANTIATE_TEST_SUITE_P(
    NeverGuessed, UnresolvedTable,
    ::testing::Values(
        Unresolved{"2024年4月31日前", "impossible date 2024-04-31"}, Unresolved{"2月30日前", "impossible date"},
        Unresolved{"2023年2月29日", "impossible date"}, Unresolved{"13月底前", "no month 13"},
        Unresolved{"第五季度", "not understood"}, Unresolved{"长期坚持", "ongoing"}, Unresolved{"持续推进", "ongoing"},
        Unresolved{"常态化开展", "ongoing"}, Unresolved{"10月前", "ambiguous"}, Unresolved{"尽快", "not understood"},
        Unresolved{"按要求", "not understood"}, Unresolved{"", "no deadline"},
        Unresolved{"印发后20个工作日内", "issue date"}, Unresolved{"上级文件印发后20个工作日内", "not of this plan"},
        Unresolved{"考核结果印发后1个月内", "not of this plan"}, Unresolved{"省里下发后2个月内", "not of this plan"},
        Unresolved{"每季度末前一周", "not understood"}, Unresolved{"每年上半年开展一次", "part of its period"}),
    [](const ::testing::TestParamInfo<Unresolved>& info) {
      const Unresolved& row = info.param;
      return duban::testing::ParamName(info.index, row.note_contains);
    });

TEST(ResolveDeadline, LeapDayResolvesInALeapYear) {
  DeadlineContext ctx;
  ctx.plan_year = 2024;
  EXPECT_EQ(*ResolveDeadline("2月29日前", ctx).due_on, D("2024-02-29"));
  EXPECT_EQ(*ResolveDeadline("2月底前", ctx).due_on, D("2024-02-29"));
}

TEST(ResolveDeadline, TextIsThePhraseWithWhitespaceFolded) {
  DeadlineContext ctx;
  ctx.plan_year = 2021;
  EXPECT_EQ(ResolveDeadline("2021年\n12月10日前", ctx).text, "2021年12月10日前");
}

TEST(ResolveDeadline, PhraseWithoutYearNeedsThePlanYear) {
  DeadlineContext ctx;  // plan_year 0
  auto r = ResolveDeadline("10月底前", ctx);
  EXPECT_TRUE(r.unresolved);
  EXPECT_NE(r.note.find("plan year"), std::string::npos);
  // An explicit year is enough on its own.
  EXPECT_EQ(*ResolveDeadline("2021年12月10日前", ctx).due_on, D("2021-12-10"));
}

TEST(ResolveDeadline, WorkingDaysAfterIssueCountOnTheCalendar) {
  auto cal = WorkCalendar::Default();
  ASSERT_TRUE(cal.ok());
  DeadlineContext ctx;
  ctx.plan_year = 2021;
  ctx.issued_on = D("2021-09-10");
  ctx.calendar = &*cal;
  auto r = ResolveDeadline("印发后20个工作日内", ctx);
  ASSERT_FALSE(r.unresolved) << r.note;
  // Friday 09-10 + 20 working days, with 中秋 and 国庆 skipped and the working
  // weekend days 09-18, 09-26 and 10-09 counted: Thursday 10-14.
  EXPECT_EQ(*r.due_on, D("2021-10-14"));
  EXPECT_EQ(*r.effective_due_on, D("2021-10-14"));
  EXPECT_EQ(r.calendar_version, cal->version());
  EXPECT_EQ(r.rule, "issued_working_days");
  EXPECT_EQ(*ResolveDeadline("工作要点印发后二十个工作日内", ctx).due_on, D("2021-10-14"));
  // The day of issue itself is not counted (Civil Code art. 201).
  EXPECT_EQ(*ResolveDeadline("自本方案印发之日起5个工作日内", ctx).due_on, D("2021-09-17"));
}

// 明年 is the writer's next year (from the issue date); 次年 the plan's.
TEST(ResolveDeadline, MingNianCountsFromTheIssueDateCiNianFromThePlanYear) {
  DeadlineContext ctx;
  ctx.plan_year = 2027;
  ctx.issued_on = D("2026-12-07");  // next year's plan, issued in December
  EXPECT_EQ(*ResolveDeadline("明年3月底前", ctx).due_on, D("2027-03-31"));
  EXPECT_EQ(*ResolveDeadline("次年3月底前", ctx).due_on, D("2028-03-31"));
  ctx.issued_on = D("2027-03-01");  // the year's plan, issued in it
  EXPECT_EQ(*ResolveDeadline("明年3月底前", ctx).due_on, D("2028-03-31"));
  ctx.issued_on.reset();
  EXPECT_EQ(*ResolveDeadline("明年上半年", ctx).due_on, D("2028-06-30")) << "no issue date: the plan year's next";
}

// 印发后N个月内: the same day N months on, or that month's last day when it
// has none (Civil Code art. 202), across the year's end too.
TEST(ResolveDeadline, MonthsAfterIssueEndOnTheSameDayOrTheMonthsLast) {
  DeadlineContext ctx;
  ctx.plan_year = 2027;
  ctx.issued_on = D("2026-12-07");
  auto r = ResolveDeadline("印发后1个月内", ctx);
  ASSERT_FALSE(r.unresolved) << r.note;
  EXPECT_EQ(r.rule, "issued_months");
  EXPECT_EQ(*r.due_on, D("2027-01-07"));
  EXPECT_EQ(*ResolveDeadline("自本方案印发之日起三个月内", ctx).due_on, D("2027-03-07"));
  ctx.issued_on = D("2027-01-31");
  EXPECT_EQ(*ResolveDeadline("印发后1个月内", ctx).due_on, D("2027-02-28"));
  EXPECT_EQ(*ResolveDeadline("印发后13个月内", ctx).due_on, D("2028-02-29"));
  ctx.issued_on.reset();
  auto unknown = ResolveDeadline("印发后2个月内", ctx);
  EXPECT_TRUE(unknown.unresolved);
  EXPECT_NE(unknown.note.find("issue date"), std::string::npos) << unknown.note;
  auto found = FindDeadlineInText("方案印发后2个月内完成整改并报市政府");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, "印发后2个月内");
  // This plan's issue, named or not; another document's is not found.
  EXPECT_EQ(FindDeadlineInText("各单位在本方案印发后3个月内完成").value_or(""), "印发后3个月内");
  EXPECT_EQ(FindDeadlineInText("上级文件印发后3个月内启动，本方案印发后6个月内完成").value_or(""), "印发后6个月内");
}

TEST(ResolveDeadline, CalendarDaysAfterIssueDoNotSkipHolidaysButTheEffectiveDateDoes) {
  auto cal = WorkCalendar::Default();
  DeadlineContext ctx;
  ctx.plan_year = 2021;
  ctx.issued_on = D("2021-09-10");
  ctx.calendar = &*cal;
  auto r = ResolveDeadline("印发后21日内", ctx);
  ASSERT_FALSE(r.unresolved) << r.note;
  EXPECT_EQ(*r.due_on, D("2021-10-01"));
  EXPECT_EQ(*r.effective_due_on, D("2021-10-08"));
}

TEST(ResolveDeadline, WorkingDayPhraseWithoutACalendarIsUnresolved) {
  DeadlineContext ctx;
  ctx.plan_year = 2021;
  ctx.issued_on = D("2021-09-10");
  auto r = ResolveDeadline("印发后20个工作日内", ctx);
  EXPECT_TRUE(r.unresolved);
  EXPECT_NE(r.note.find("calendar"), std::string::npos);
}

TEST(ResolveDeadline, DueDateOnAHolidayKeepsItsStatedDateAndMovesItsEffectiveDate) {
  auto cal = WorkCalendar::Default();
  DeadlineContext ctx;
  ctx.plan_year = 2021;
  ctx.calendar = &*cal;
  auto r = ResolveDeadline("10月1日前", ctx);
  EXPECT_EQ(*r.due_on, D("2021-10-01"));
  EXPECT_EQ(*r.effective_due_on, D("2021-10-08"));
  auto sunday = ResolveDeadline("10月底前", ctx);
  EXPECT_EQ(*sunday.due_on, D("2021-10-31"));
  EXPECT_EQ(*sunday.effective_due_on, D("2021-11-01"));
  EXPECT_EQ(sunday.calendar_version, cal->version());
  EXPECT_TRUE(sunday.note.empty());
}

TEST(ResolveDeadline, YearEndCrossesIntoNextYearWhenTheLastDayIsARestDay) {
  auto cal = WorkCalendar::Default();
  DeadlineContext ctx;
  ctx.plan_year = 2022;
  ctx.calendar = &*cal;
  auto r = ResolveDeadline("全年", ctx);
  EXPECT_EQ(*r.due_on, D("2022-12-31"));
  EXPECT_EQ(*r.effective_due_on, D("2023-01-03"));
}

TEST(ResolveDeadline, UncoveredYearIsUnresolvedUnlessTheProvisionalRuleIsChosen) {
  auto cal = WorkCalendar::Default();
  ASSERT_TRUE(cal.ok());
  DeadlineContext ctx;
  ctx.plan_year = 2030;
  ctx.calendar = &*cal;
  auto r = ResolveDeadline("10月底前", ctx);
  EXPECT_TRUE(r.unresolved);
  EXPECT_FALSE(r.due_on.has_value());
  EXPECT_NE(r.note.find("does not cover"), std::string::npos) << r.note;
  EXPECT_NE(r.note.find("2030-10-31"), std::string::npos) << r.note;

  WorkCalendar provisional = *cal;
  provisional.set_provisional_rule(true);
  ctx.calendar = &provisional;
  auto w = ResolveDeadline("10月底前", ctx);
  ASSERT_FALSE(w.unresolved) << w.note;
  EXPECT_EQ(*w.due_on, D("2030-10-31"));
  EXPECT_EQ(*w.effective_due_on, D("2030-10-31"));  // a Thursday; lunar holidays unknown
  EXPECT_NE(w.note.find("provisional"), std::string::npos);
  EXPECT_EQ(w.calendar_version, cal->version() + "+provisional");
  // 国庆 is fixed by law: a due date on it moves past 10-03 even without a notice.
  auto n = ResolveDeadline("2030年10月1日前", ctx);
  ASSERT_FALSE(n.unresolved) << n.note;
  EXPECT_EQ(*n.effective_due_on, D("2030-10-04"));
}

struct RecurRow {
  const char* phrase;
  const char* period;
  int times;
  std::vector<const char*> checkpoints;
};
// What ctest -N and a failure print for the row.
void PrintTo(const RecurRow& row, std::ostream* os) { *os << row.phrase; }

class RecurrenceTable : public ::testing::TestWithParam<RecurRow> {};

TEST_P(RecurrenceTable, BecomesCheckpointsWithinThePlanYear) {
  const RecurRow& row = GetParam();
  DeadlineContext ctx;
  ctx.plan_year = 2021;
  auto r = ResolveDeadline(row.phrase, ctx);
  ASSERT_FALSE(r.unresolved) << row.phrase << ": " << r.note;
  ASSERT_TRUE(r.recurrence.has_value()) << row.phrase;
  EXPECT_EQ(r.recurrence->period, row.period) << row.phrase;
  EXPECT_EQ(r.recurrence->times_per_period, row.times) << row.phrase;
  std::vector<Date> want;
  for (auto c : row.checkpoints) want.push_back(D(c));
  EXPECT_EQ(r.recurrence->checkpoints, want) << row.phrase;
  EXPECT_EQ(*r.due_on, want.back()) << row.phrase;
}

INSTANTIATE_TEST_SUITE_P(
    RecurringDuties, RecurrenceTable,
    ::testing::Values(
        RecurRow{"每季度听取一次", "quarter", 1, {"2021-03-31", "2021-06-30", "2021-09-30", "2021-12-31"}},
        RecurRow{"一季度一次", "quarter", 1, {"2021-03-31", "2021-06-30", "2021-09-30", "2021-12-31"}},
        RecurRow{"每季度", "quarter", 1, {"2021-03-31", "2021-06-30", "2021-09-30", "2021-12-31"}},
        RecurRow{"每年至少1次", "year", 1, {"2021-12-31"}}, RecurRow{"每年至少听取1次", "year", 1, {"2021-12-31"}},
        RecurRow{"年内至少听取一次", "year", 1, {"2021-12-31"}},
        RecurRow{"每年不少于两场", "year", 2, {"2021-06-30", "2021-12-31"}},
        RecurRow{"每年必须开展不少于两场", "year", 2, {"2021-06-30", "2021-12-31"}},
        RecurRow{"每半年", "half_year", 1, {"2021-06-30", "2021-12-31"}}, RecurRow{"每年", "year", 1, {"2021-12-31"}},
        RecurRow{"每月",
                 "month",
                 1,
                 {"2021-01-31", "2021-02-28", "2021-03-31", "2021-04-30", "2021-05-31", "2021-06-30", "2021-07-31",
                  "2021-08-31", "2021-09-30", "2021-10-31", "2021-11-30", "2021-12-31"}},
        RecurRow{"每年5次", "year", 5, {"2021-12-31"}},
        RecurRow{"每季度末", "quarter", 1, {"2021-03-31", "2021-06-30", "2021-09-30", "2021-12-31"}},
        RecurRow{"每季度末前", "quarter", 1, {"2021-03-31", "2021-06-30", "2021-09-30", "2021-12-31"}},
        RecurRow{"每半年末", "half_year", 1, {"2021-06-30", "2021-12-31"}},
        RecurRow{"每月底前",
                 "month",
                 1,
                 {"2021-01-31", "2021-02-28", "2021-03-31", "2021-04-30", "2021-05-31", "2021-06-30", "2021-07-31",
                  "2021-08-31", "2021-09-30", "2021-10-31", "2021-11-30", "2021-12-31"}}),
    [](const ::testing::TestParamInfo<RecurRow>& info) {
      const RecurRow& row = info.param;
      return duban::testing::ParamName(info.index, std::string(row.period) + "_" + std::to_string(row.times));
    });

struct FindRow {
  const char* content;
  const char* found;  // nullptr: nothing to find
  const char* due;    // due date of what was found, plan year 2021
};
// What ctest -N and a failure print for the row.
void PrintTo(const FindRow& row, std::ostream* os) { *os << row.content; }

class FindTable : public ::testing::TestWithParam<FindRow> {};

TEST_P(FindTable, FindsTheDeadlineInsideTaskText) {
  const FindRow& row = GetParam();
  auto found = FindDeadlineInText(row.content);
  if (!row.found) {
    EXPECT_FALSE(found.has_value()) << row.content << " -> " << found.value_or("");
    return;
  }
  ASSERT_TRUE(found.has_value()) << row.content;
  EXPECT_EQ(*found, row.found);
  DeadlineContext ctx;
  ctx.plan_year = 2021;
  auto r = ResolveDeadline(*found, ctx);
  ASSERT_FALSE(r.unresolved) << *found << ": " << r.note;
  EXPECT_EQ(*r.due_on, D(row.due)) << *found;
}

INSTANTIATE_TEST_SUITE_P(
    SampleSentences, FindTable,
    ::testing::Values(FindRow{"2021年底前将本地区现行有效的规章全部公开", "2021年底前", "2021-12-31"},
                      FindRow{"31.2021年底前通过政府网站集中统一公开", "2021年底前", "2021-12-31"},
                      FindRow{"各单位于9月底前完成自查", "9月底前", "2021-09-30"},
                      FindRow{"于11月15日前报送区政府办公室", "11月15日前", "2021-11-15"},
                      FindRow{"各地各部门主要领导年内至少听取一次政务公开工作汇报，分管领导一季度听取一次",
                              "年内至少听取一次", "2021-12-31"},
                      FindRow{"分管领导一季度听取一次政务公开工作汇报", "一季度听取一次", "2021-12-31"},
                      FindRow{"并于下一年第一季度将评估结果向社会公开", "下一年第一季度", "2022-03-31"},
                      FindRow{"各地每年必须开展不少于两场政务公开培训", "每年必须开展不少于两场", "2021-12-31"},
                      FindRow{"在2021年\n12月10日前完成", "2021年\n12月10日前", "2021-12-10"},
                      FindRow{"各单位每季度末前报送工作进展", "每季度末前", "2021-12-31"},
                      FindRow{"各单位每季度末前一周报送工作进展", nullptr, nullptr},
                      FindRow{"每年一季度听取一次工作汇报", nullptr, nullptr},
                      FindRow{"每月10日前报送上月工作进展", nullptr, nullptr},
                      FindRow{"每季度第一个月报送上季度情况", nullptr, nullptr},
                      FindRow{"在国家方案印发后6个月内出台配套政策", nullptr, nullptr},
                      FindRow{"考核结果印发后20个工作日内完成整改", nullptr, nullptr},
                      FindRow{"做好全年政务公开工作", nullptr, nullptr}, FindRow{"3月15日召开推进会", nullptr, nullptr},
                      FindRow{"持续深化政务公开", nullptr, nullptr}),
    [](const ::testing::TestParamInfo<FindRow>& info) {
      const FindRow& row = info.param;
      return duban::testing::ParamName(info.index, row.due ? row.due : "nothing");
    });

TEST(FindDeadlineInText, WorkingDayPhraseIsFoundAndNeedsTheIssueDateToResolve) {
  auto found = FindDeadlineInText("工作要点印发后20个工作日内报市政府办公室");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, "印发后20个工作日内");
  auto cal = WorkCalendar::Default();
  DeadlineContext ctx;
  ctx.plan_year = 2021;
  ctx.issued_on = D("2021-03-01");
  ctx.calendar = &*cal;
  auto r = ResolveDeadline(*found, ctx);
  ASSERT_FALSE(r.unresolved) << r.note;
  EXPECT_EQ(*r.due_on, D("2021-03-29"));
}

TEST(FindDeadlineInText, EarliestPhraseWins) {
  EXPECT_EQ(*FindDeadlineInText("6月底前制定方案，12月底前全面完成"), "6月底前");
}

}  // namespace
}  // namespace duban::workflows
