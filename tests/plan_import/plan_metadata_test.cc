// Metadata (plan_metadata.cc): title, issuer, document number, issue date
// and year from the lines around the table.
#include <gtest/gtest.h>

#include "plan_test_support.h"

namespace duban::plan_import {
namespace {

TEST(PlanParser, TitleIssuerDocumentNumberDateAndYearAreRead) {
  const ParsedPlan p = Parse(
      "珠海高新区管委会办公室文件\n"
      "珠高办〔2021〕50号\n"
      "珠海高新区2021年政务公开工作要点\n分工方案\n"
      "\t工作任务\n\t具体工作事项\n\t落实单位\n\n"
      "\t（一）甲\n\t1.第一项，落实国办公开办函〔2019〕60号。\n\t市发改局\n\n"
      "珠海高新区管委会办公室\n"
      "2021年7月26日\n");
  EXPECT_EQ(p.plan.title, "珠海高新区2021年政务公开工作要点分工方案");
  EXPECT_EQ(p.plan.doc_number, "珠高办〔2021〕50号");
  EXPECT_EQ(p.plan.issuer, "珠海高新区管委会办公室");
  ASSERT_TRUE(p.plan.issued_on.has_value());
  EXPECT_EQ(p.plan.issued_on->ToString(), "2021-07-26");
  EXPECT_EQ(p.plan.year, 2021);
  ASSERT_EQ(p.tasks.size(), 1u);
  EXPECT_EQ(p.tasks[0].responsible_units, Units({"市发改局"}));
}

TEST(PlanParser, ChineseNumeralDateIsRead) {
  const ParsedPlan p = Parse(std::string(kHeader3) +
                             "\t（一）甲\n\t1.第一项。\n\t市发改局\n\n"
                             "测试市人民政府办公室\n二〇二一年七月二十六日\n");
  ASSERT_TRUE(p.plan.issued_on.has_value());
  EXPECT_EQ(p.plan.issued_on->ToString(), "2021-07-26");
}

TEST(PlanParser, AYearRangeInTheTitleGivesItsFirstYear) {
  const ParsedPlan p = Parse(
      "测试市数字政府建设三年行动分工方案（2027—2029年）\n"
      "\t工作任务\n\t落实单位\n\t完成时限\n\n"
      "\t1.第一项。\n\t市发改局\n\t3月底前\n\n");
  EXPECT_EQ(p.plan.year, 2027);
}

// A title that names the year it aims at before its own (a review found
// "…2035年远景目标纲要2021年重点任务…" imported as a 2035 plan, 年底前 read as
// 2035-12-31, and --year 2021 refused): the plan's own year is read, and a
// year the office states chooses among those the title names.
TEST(PlanParser, ATitleNamingSeveralYearsGivesThePlansOwn) {
  const std::string body = "\t工作任务\n\t落实单位\n\t完成时限\n\n\t1.第一项。\n\t市发改局\n\t年底前\n\n";
  auto year_of = [&](const std::string& title, int stated = 0) {
    ParseOptions opts;
    opts.resolve_deadlines = false;
    opts.year = stated;
    return ParsePlan(title + "\n" + body, Dir(), opts);
  };
  const ParsedPlan vision = year_of("测试市贯彻落实第十四个五年规划和2035年远景目标纲要2021年重点任务分工方案");
  EXPECT_EQ(vision.plan.year, 2021);
  EXPECT_FALSE(HasProblem(vision, "several years")) << "2035 is aimed at, not a year the plan could be for";
  EXPECT_EQ(year_of("测试市到２０２５年基本建成数字政府2023年工作要点分工方案").plan.year, 2023) << "full-width digits";
  EXPECT_EQ(year_of("测试市数字政府三年行动（2023—2025年）分工方案").plan.year, 2023);
  EXPECT_EQ(year_of("测试市2024年度推进“十四五”规划（2021—2025年）实施分工方案").plan.year, 2024);
  // Only a year aimed at: the plan's year comes from elsewhere (--year, the
  // issue date, the document number); with nothing else, that year, said so.
  const ParsedPlan aimed = year_of("测试市2030年前碳达峰实施方案");
  EXPECT_EQ(aimed.plan.year, 2030);
  EXPECT_FALSE(aimed.plan.year_stated);
  EXPECT_TRUE(HasProblem(aimed, "the title names only 2030 as a year the plan aims at"));
  EXPECT_EQ(year_of("测试市2030年前碳达峰实施方案", 2022).plan.year, 2022) << "the office states it";
  ParseOptions dated;
  dated.resolve_deadlines = false;
  EXPECT_EQ(
      ParsePlan("测试市2030年前碳达峰实施方案\n" + body + "测试市人民政府\n2022年9月1日\n", Dir(), dated).plan.year,
      2022)
      << "the issue date";
  // An issue date in the aimed year is still an issue date: no problem says there is none.
  const ParsedPlan aimed_dated =
      ParsePlan("关于2024年底前完成问题整改的工作方案\n" + body + "测试市人民政府办公室\n2024年3月1日\n", Dir(), dated);
  EXPECT_EQ(aimed_dated.plan.year, 2024);
  EXPECT_FALSE(HasProblem(aimed_dated, "as a year the plan aims at"));
  // The issue year rules out an earlier candidate: a plan is not issued after its year.
  dated.issued_on = Date::Parse("2024-03-01");
  EXPECT_EQ(ParsePlan("测试市2023年度工作总结暨2024年工作计划\n" + body, Dir(), dated).plan.year, 2024);

  // A document it carries out names its own year: cited (after 落实, inside 《》), not the plan's.
  const ParsedPlan cited = year_of("测试市落实2023年审计整改要求2024年重点任务分工方案");
  EXPECT_EQ(cited.plan.year, 2024);
  EXPECT_FALSE(HasProblem(cited, "several years"));
  EXPECT_EQ(year_of("关于印发落实《测试市2023年度审计工作报告》问题整改2024年工作方案的通知").plan.year, 2024);
  EXPECT_EQ(year_of("测试市2024年贯彻落实《2023年度法治政府建设报告》整改任务分工方案").plan.year, 2024);
  EXPECT_EQ(year_of("关于2024年推进落实2023年度审计查出问题整改的工作方案").plan.year, 2024);
  EXPECT_EQ(year_of("《2024年政府工作报告》重点工作任务分工方案").plan.year, 2024) << "the only year named";
  // A range around a year also named: that year's plan within the programme; both ways of writing a range.
  EXPECT_EQ(year_of("“十四五”（2021—2025年）规划2023年重点任务分工方案").plan.year, 2023);
  EXPECT_FALSE(HasProblem(year_of("“十四五”（2021—2025年）规划2023年重点任务分工方案"), "several years"));
  const ParsedPlan both_nian = year_of("测试市三年行动方案（2023年—2025年）");
  EXPECT_EQ(both_nian.plan.year, 2023);
  EXPECT_FALSE(HasProblem(both_nian, "several years"));
  EXPECT_EQ(year_of("测试市三年行动方案（2023年至2025年）", 2024).plan.year, 2024) << "within the range named";
  // A date is no year the plan is for; Chinese numerals are years too.
  EXPECT_FALSE(HasProblem(year_of("测试市2026年重点工作任务分工方案（2025年12月印发）"), "several years"));
  EXPECT_EQ(year_of("测试市落实2023年12月28日会议精神2024年工作任务分工方案").plan.year, 2024);
  EXPECT_EQ(year_of("2035年远景目标纲要二〇二二年重点任务分工方案").plan.year, 2022);
  EXPECT_EQ(year_of("二〇二四年重点工作任务分工方案").plan.year, 2024);
  // 落实 before the plan's own work is its own year; a month's plan has its date's year;
  // 前三季度 is no aim.
  const ParsedPlan own = year_of("关于落实2024年重点工作任务做好2023年遗留问题整改的分工方案");
  EXPECT_EQ(own.plan.year, 2024);
  EXPECT_TRUE(HasProblem(own, "several years (2024, 2023)"));
  EXPECT_EQ(year_of("测试市2024年落实2023年度审计整改方案").plan.year, 2024);
  EXPECT_EQ(year_of("测试市2024年3月重点工作任务分工方案").plan.year, 2024);
  EXPECT_FALSE(HasProblem(year_of("关于2024年前三季度重点工作的分工方案"), "aims at"));
  // A whole notice's or a menu's 关于 line above a title is not joined to it.
  EXPECT_EQ(year_of("关于进一步加强督查工作的意见\n2024年重点工作任务分工方案").plan.title,
            "2024年重点工作任务分工方案");
  EXPECT_EQ(year_of("关于我们\n2024年重点工作任务分工方案").plan.title, "2024年重点工作任务分工方案");
  // A notice's title wrapped after its plan's year keeps its first line, and that year.
  const ParsedPlan wrapped = year_of("关于印发测试市2024年度落实\n2023年审计查出问题整改工作方案的通知");
  EXPECT_EQ(wrapped.plan.title, "关于印发测试市2024年度落实2023年审计查出问题整改工作方案的通知");
  EXPECT_EQ(wrapped.plan.year, 2024);

  // Two years the plan could be for: the first, and a problem naming both.
  const ParsedPlan two = year_of("测试市2024年优化营商环境2023年问题整改清单");
  EXPECT_EQ(two.plan.year, 2024);
  EXPECT_TRUE(HasProblem(two, "the title names several years (2024, 2023): read as a 2024 plan"))
      << two.problems.size();
  // The office's year chooses among them, and then nothing is in doubt.
  const ParsedPlan chosen = year_of("测试市2024年优化营商环境2023年问题整改清单", 2023);
  EXPECT_EQ(chosen.plan.year, 2023);
  EXPECT_FALSE(HasProblem(chosen, "several years"));
  EXPECT_EQ(year_of("测试市贯彻落实第十四个五年规划和2035年远景目标纲要2021年重点任务分工方案", 2021).plan.year, 2021);
  EXPECT_EQ(year_of("测试市数字政府三年行动（2023—2025年）分工方案", 2024).plan.year, 2024) << "within the range named";
  // A year the title does not name still gives the title's (the caller refuses the two).
  EXPECT_EQ(year_of("测试市贯彻落实第十四个五年规划和2035年远景目标纲要2021年重点任务分工方案", 2019).plan.year, 2021);
  EXPECT_EQ(year_of("测试市12025年工作分工方案").plan.year, 0) << "five digits are no year";
}

TEST(PlanParser, AShortMenuWordIsNotTheTitleAndAWrappedTitleIsJoined) {
  const ParsedPlan p = Parse(
      "规划计划\n测试市2027年优化营商环境\n重点任务分工方案\n"
      "\t工作任务\n\t落实单位\n\n\t1.第一项。\n\t市发改局\n\n");
  EXPECT_EQ(p.plan.title, "测试市2027年优化营商环境重点任务分工方案");
}

// A December plan for next year that does not say so: its 10月底前 read in
// the issue date's year is already past. The year is in doubt, and the
// import is refused until one is given; a stated year only marks the tasks.
TEST(PlanParser, DatesBeforeTheIssueDateWithNoYearStatedPutTheYearInDoubt) {
  const std::string body =
      "序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
      "1\t完成年度财政预算公开工作\t市财政局\t\t10月底前\n"
      "2\t推进政务服务\t市发改局\t\t年底前\n";
  ParseOptions opts;
  opts.issued_on = Date::Parse("2026-12-06");
  const ParsedPlan guessed = ParsePlan("测试市政务公开工作要点分工方案\n" + body, Dir(), opts);
  ASSERT_EQ(guessed.tasks.size(), 2u);
  ASSERT_TRUE(guessed.tasks[0].deadline.due_on.has_value());
  EXPECT_EQ(guessed.tasks[0].deadline.due_on->ToString(), "2026-10-31");
  EXPECT_EQ(guessed.tasks[0].doubts, std::vector<std::string>{"due_before_issue"});
  EXPECT_TRUE(guessed.tasks[1].doubts.empty()) << "2026-12-31 is after the issue date";
  EXPECT_FALSE(guessed.plan.year_stated);
  ASSERT_TRUE(guessed.year_in_doubt.has_value());
  EXPECT_NE(guessed.year_in_doubt->message.find("--year 2027"), std::string::npos) << guessed.year_in_doubt->message;
  EXPECT_NE(guessed.year_in_doubt->message_zh.find("2027年度方案"), std::string::npos);
  EXPECT_TRUE(HasProblem(guessed, "1 task(s) fall due before the plan's issue date 2026-12-06", 3));
  EXPECT_NE(plan_import::ParsedPlanToJson(guessed).find("\"year_in_doubt\""), std::string::npos);

  opts.year = 2027;  // the office says which year
  const ParsedPlan stated = ParsePlan("测试市政务公开工作要点分工方案\n" + body, Dir(), opts);
  EXPECT_TRUE(stated.plan.year_stated);
  EXPECT_FALSE(stated.year_in_doubt.has_value());
  EXPECT_EQ(stated.tasks[0].deadline.due_on->ToString(), "2027-10-31");
  EXPECT_EQ(stated.DoubtfulTasks(), 0u);
  EXPECT_EQ(plan_import::ParsedPlanToJson(stated).find("year_in_doubt"), std::string::npos);

  opts.year = 0;  // the title names 2026: the dates are what it says, late from the import on
  const ParsedPlan titled = ParsePlan("测试市2026年政务公开工作要点分工方案\n" + body, Dir(), opts);
  EXPECT_TRUE(titled.plan.year_stated);
  EXPECT_FALSE(titled.year_in_doubt.has_value());
  EXPECT_EQ(titled.tasks[0].doubts, std::vector<std::string>{"due_before_issue"});
  EXPECT_TRUE(HasProblem(titled, "they are late from the import on"));
}

// With no issue date the import day is the measure; a deadline that gives
// its own year does not rest on the plan's (a review found both: a plan with
// no date slipped through, and "2026年11月底前" was refused as yearless).
TEST(PlanParser, WithNoIssueDateTheImportDayPutsAnInferredYearInDoubt) {
  ParseOptions opts;
  opts.default_year = 2026;  // inferred, as from a document number
  const ParsedPlan p = ParsePlan(
      "测试市政务公开工作要点分工方案\n序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
      "1\t完成年度财政预算公开工作\t市财政局\t\t10月底前\n",
      Dir(), opts);
  ASSERT_EQ(p.tasks.size(), 1u);
  EXPECT_FALSE(p.plan.issued_on.has_value());
  EXPECT_FALSE(p.year_in_doubt.has_value()) << "no issue date, no import day to measure against in the parse";
  ParseOptions today = opts;
  today.import_day = Date::Parse("2026-12-06");
  const ParsedPlan previewed = ParsePlan(
      "测试市政务公开工作要点分工方案\n序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
      "1\t完成年度财政预算公开工作\t市财政局\t\t10月底前\n",
      Dir(), today);
  ASSERT_TRUE(previewed.year_in_doubt.has_value()) << "the preview shows what the import will refuse";
  EXPECT_EQ(YearInDoubtOn(previewed, *today.import_day)->message, previewed.year_in_doubt->message);
  const auto doubt = YearInDoubtOn(p, *Date::Parse("2026-12-06"));
  ASSERT_TRUE(doubt.has_value());
  EXPECT_NE(doubt->message.find("before the import day (the plan names no issue date) 2026-12-06"), std::string::npos)
      << doubt->message;
  EXPECT_NE(doubt->message.find("give --year 2027; if its dates are meant as read, give --year 2026"),
            std::string::npos)
      << doubt->message;
  EXPECT_FALSE(YearInDoubtOn(p, *Date::Parse("2026-10-01")).has_value()) << "imported before the date";

  const ParsedPlan own_year = ParsePlan(
      "测试市政务公开工作要点分工方案\n序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
      "1\t完成年度财政预算公开工作\t市财政局\t\t2026年11月底前\n",
      Dir(), opts);
  EXPECT_FALSE(YearInDoubtOn(own_year, *Date::Parse("2026-12-06")).has_value()) << "the deadline gives its year";
  opts.issued_on = Date::Parse("2026-12-06");
  const ParsedPlan issued = ParsePlan(
      "测试市政务公开工作要点分工方案\n序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
      "1\t完成年度财政预算公开工作\t市财政局\t\t2026年11月底前\n",
      Dir(), opts);
  EXPECT_FALSE(issued.year_in_doubt.has_value());
  EXPECT_EQ(issued.tasks[0].doubts, std::vector<std::string>{"due_before_issue"}) << "late at import, said";
}

// A deadline that gives a past year, in a plan with no issue date: the
// preview says it is late from the import on (a review found it said nothing).
TEST(PlanParser, WithNoIssueDateADeadlineInAPastYearIsSaidLateAgainstTheImportDay) {
  ParseOptions opts;
  opts.import_day = Date::Parse("2026-12-08");
  const ParsedPlan p = ParsePlan(
      "测试市2026年政务公开工作要点分工方案\n序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
      "1\t完成年度财政预算公开工作\t市财政局\t\t2025年12月底前\n"
      "2\t推进政务服务\t市发改局\t\t12月底前\n",
      Dir(), opts);
  ASSERT_EQ(p.tasks.size(), 2u);
  EXPECT_EQ(p.DoubtfulTasks(), 0u) << "an old plan entered today is late, not read in doubt";
  EXPECT_TRUE(HasProblem(p, "1 task(s) fall due before the import day (the plan names no issue date) 2026-12-08"));
}

// A plan issued in December that runs into the next year: with
// dates_after_issue, each date naming no year that would fall before the
// issue date is the next year's; 12月底前 stays this December, 全年 and a
// year the words give stay as read; nothing is in doubt.
TEST(PlanParser, DatesAfterIssueReadsAPlanAcrossTheTurnOfTheYear) {
  const std::string text =
      "测试市关于做好元旦春节期间工作的分工方案\n序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
      "1\t一\t市财政局\t\t1月底前\n2\t二\t市财政局\t\t12月底前\n3\t三\t市财政局\t\t全年\n"
      "4\t四\t市财政局\t\t3月底前\n5\t五\t市财政局\t\t2026年11月底前\n";
  ParseOptions opts;
  opts.issued_on = Date::Parse("2026-12-07");
  const ParsedPlan refused = ParsePlan(text, Dir(), opts);
  ASSERT_TRUE(refused.year_in_doubt.has_value());
  EXPECT_NE(refused.year_in_doubt->message.find("--dates-after-issue"), std::string::npos)
      << "the refusal offers the reading: " << refused.year_in_doubt->message;
  opts.dates_after_issue = true;
  const ParsedPlan p = ParsePlan(text, Dir(), opts);
  ASSERT_EQ(p.tasks.size(), 5u);
  std::vector<std::string> due;
  for (const auto& t : p.tasks) due.push_back(t.deadline.due_on ? t.deadline.due_on->ToString() : "-");
  EXPECT_EQ(due, (std::vector<std::string>{"2027-01-31", "2026-12-31", "2026-12-31", "2027-03-31", "2026-11-30"}));
  EXPECT_FALSE(p.year_in_doubt.has_value());
  EXPECT_TRUE(HasProblem(p, "2 deadline(s) naming no year fell before the issue date 2026-12-07 and are read in 2027"));
  EXPECT_TRUE(HasProblem(p, "; 2 stay in 2026 (task 2: '12月底前' read as 2026-12-31): check them"))
      << "12月底前 and 全年 stay, and the preview says so";
  EXPECT_EQ(p.tasks[4].doubts, std::vector<std::string>{"due_before_issue"}) << "its own year: late, and said";
  // A day this year lacks, read in the next year, exists: 2028-02-29.
  ParseOptions leap;
  leap.issued_on = Date::Parse("2027-12-01");
  leap.dates_after_issue = true;
  const ParsedPlan feb = ParsePlan(
      "测试市关于做好元旦春节期间工作的分工方案\n序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
      "1\t一\t市财政局\t\t2月29日前\n2\t二\t市财政局\t\t全年\n",
      Dir(), leap);
  ASSERT_EQ(feb.tasks.size(), 2u);
  ASSERT_TRUE(feb.tasks[0].deadline.due_on.has_value());
  EXPECT_EQ(feb.tasks[0].deadline.due_on->ToString(), "2028-02-29");
  EXPECT_FALSE(ImpossibleDeadline(feb).has_value());
  opts.issued_on.reset();  // nothing to count from: nothing moves
  opts.default_year = 2026;
  const ParsedPlan undated = ParsePlan(text, Dir(), opts);
  ASSERT_TRUE(undated.tasks[0].deadline.due_on.has_value());
  EXPECT_EQ(undated.tasks[0].deadline.due_on->ToString(), "2026-01-31");
}

// A day that does not exist is a typo: the import is refused until the file
// is corrected, where a phrase not understood is kept as text.
TEST(PlanParser, ADeadlineNamingADayThatDoesNotExistRefusesTheImport) {
  const ParsedPlan p = ParsePlan(
      "测试市2026年政务公开工作要点分工方案\n序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
      "1\t一\t市财政局\t\t长期坚持\n2\t二\t市财政局\t\t2026年2月30日前\n3\t三\t市财政局\t\t13月底前\n",
      Dir(), ParseOptions{});
  ASSERT_EQ(p.tasks.size(), 3u);
  const auto impossible = ImpossibleDeadline(p);
  ASSERT_TRUE(impossible.has_value());
  EXPECT_EQ(impossible->line, 4);
  EXPECT_NE(impossible->message.find("2026-02-30"), std::string::npos) << impossible->message;
  EXPECT_TRUE(HasProblem(p, "'13月底前' of task 3 names a day that does not exist"));
  EXPECT_NE(plan_import::ParsedPlanToJson(p).find("\"impossible_deadline\""), std::string::npos);
}

}  // namespace
}  // namespace duban::plan_import
