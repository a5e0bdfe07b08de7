// Interpretation (plan_interpreter.cc): sections, task numbers, merged cells,
// several tasks in one cell, units and their roles, deadlines. One test per
// case the importer must handle (issue 5).
#include <gtest/gtest.h>

#include "plan_test_support.h"

namespace duban::plan_import {
namespace {

TEST(PlanParser, SectionsAndSubSectionsFormTheSectionPath) {
  const ParsedPlan p = Parse(
      "测试市2021年工作要点分工方案\n\t工作任务\n\t牵头单位\n\n"
      "\t一、深化公开\n\t（一）做好规划公开\n\t1.公开规划。\n\t市发改局\n\n"
      "\t\n\t(四)做好财政公开\n\t2.公开预算。\n\t市财政局\n\n"
      "\t二、加强监督\n\t\n\t3.开展检查。\n\t市政府办公室\n\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(p.tasks[0].section, Units({"一、深化公开", "（一）做好规划公开"}));
  EXPECT_EQ(p.tasks[1].section, Units({"一、深化公开", "(四)做好财政公开"}));
  EXPECT_EQ(p.tasks[2].section, Units({"二、加强监督"}));
}

TEST(PlanParser, ThreeLevelsOfSectionsAreKeptOutermostFirst) {
  const ParsedPlan p = Parse(std::string(kHeader3) +
                             "\t第一部分 总体要求\n\t\n\t\n\n"
                             "\t一、深化公开\n\t\n\t\n\n"
                             "\t（一）做好规划公开\n\t1.公开规划。\n\t市发改局\n\n"
                             "\t（二）做好财政公开\n\t2.公开预算。\n\t市财政局\n\n"
                             "\t第二部分 保障措施\n\t\n\t\n\n"
                             "\t一、加强领导\n\t3.听取汇报。\n\t市政府办公室\n\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(p.tasks[0].section, Units({"第一部分 总体要求", "一、深化公开", "（一）做好规划公开"}));
  EXPECT_EQ(p.tasks[1].section, Units({"第一部分 总体要求", "一、深化公开", "（二）做好财政公开"}));
  EXPECT_EQ(p.tasks[2].section, Units({"第二部分 保障措施", "一、加强领导"}));
}

TEST(PlanParser, TaskNumbersWithDotFullWidthDotOrEnumerationComma) {
  const ParsedPlan p = Parse(std::string(kHeader3) +
                             "\t（一）甲\n\t1.第一项。\n\t市发改局\n\n"
                             "\t\n\t2．第二项。\n\t市财政局\n\n"
                             "\t\n\t3、第三项。\n\t市司法局\n\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(p.tasks[1].content, "第二项。");
  EXPECT_EQ(p.tasks[2].content, "第三项。");
  EXPECT_EQ(p.tasks[2].responsible_units, Units({"市司法局"}));
}

TEST(PlanParser, SequenceColumnGivesTheTaskNumberAndTitleColumnTheTitle) {
  const ParsedPlan p = Parse(
      "测试市2021年任务分解表\n"
      "序号,任务名称,任务内容,责任单位,完成时限\n"
      "1,规范文本,更新行政法规文本。,市司法局,全年\n"
      "2,,清理规范性文件。,市政府办公室,10月底前\n");
  EXPECT_EQ(p.format, "csv");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2}));
  EXPECT_EQ(p.tasks[0].title, "规范文本");
  EXPECT_EQ(p.tasks[0].content, "更新行政法规文本。");
  // A merged title cell inherits the title above.
  EXPECT_EQ(p.tasks[1].title, "规范文本");
  EXPECT_EQ(p.tasks[1].deadline.text, "10月底前");
}

TEST(PlanParser, TaskNumberMissingItsDotIsStillATask) {
  const ParsedPlan p = Parse(std::string(kHeader3) +
                             "\t（一）甲\n\t48.建立台账。\n\t市发改局\n\n"
                             "\t\n\t49完善工作机制。\n\t市财政局\n\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{48, 49}));
  EXPECT_EQ(p.tasks[1].content, "完善工作机制。");
}

TEST(PlanParser, AmountsAndCountsAtLineStartAreNotTaskNumbers) {
  const ParsedPlan p =
      Parse(std::string(kHeader3) +
            "\t（一）甲\n\t1.推进公开。\n1.5亿元资金信息全部公开。\n26个领域完成目录。\n\t市发改局\n\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1}));
  EXPECT_EQ(p.tasks[0].content, "推进公开。1.5亿元资金信息全部公开。26个领域完成目录。");
}

TEST(PlanParser, MergedCellsInheritSectionUnitsAndDeadlineFromTheRowAbove) {
  const ParsedPlan p = Parse(
      "测试市2021年工作台账\n\t工作任务\n\t牵头单位\n\t责任单位\n\t时限要求\n\n"
      "\t一、甲\n\t（一）乙\n\t1.第一项。\n\t市发改局\n\t市直各单位\n\t2021年\n12月底前\n\n"
      "\t\n\t\n\t2.第二项。\n\t\n\t\n\t\n\n"
      "\t\n\t\n\t3.第三项。\n\t\n\t市财政局\n\t\n\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(p.tasks[1].section, Units({"一、甲", "（一）乙"}));
  EXPECT_EQ(p.tasks[1].lead_units, Units({"市发改局"}));
  EXPECT_EQ(p.tasks[1].responsible_units, Units({"市直各单位"}));
  EXPECT_EQ(p.tasks[1].deadline.text, "2021年12月底前");
  EXPECT_EQ(p.tasks[2].lead_units, Units({"市发改局"}));
  EXPECT_EQ(p.tasks[2].responsible_units, Units({"市财政局"}));
  EXPECT_EQ(p.tasks[2].deadline.text, "2021年12月底前");
}

TEST(PlanParser, ANewSectionStopsMergedCellInheritance) {
  const ParsedPlan p = Parse(
      "测试市2021年工作台账\n\t工作任务\n\t牵头单位\n\t责任单位\n\n"
      "\t（一）甲\n\t1.第一项。\n\t市发改局\n\t市直各单位\n\n"
      "\t（二）乙\n\t2.第二项。\n\t\n\t市财政局\n\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2}));
  EXPECT_TRUE(p.tasks[1].lead_units.empty());
  EXPECT_EQ(p.tasks[1].responsible_units, Units({"市财政局"}));
}

TEST(PlanParser, SeveralNumberedTasksInOneCellShareTheRowsUnitsAndDeadline) {
  const ParsedPlan p = Parse(
      "测试市2021年工作台账\n\t工作任务\n\t责任单位\n\t完成时限\n\n"
      "\t（一）甲\n\t\n\n"
      "\t2.第二项。\n\t市发改局\n\t全年\n\n"
      "\t3.第三项，含2021年底前完成。4.第四项；5．第五项\n6.第六项。\n\t市财政局、市司法局\n\t6月底前\n\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{2, 3, 4, 5, 6}));
  for (int i = 1; i < 5; ++i) {
    EXPECT_EQ(p.tasks[i].responsible_units, Units({"市财政局", "市司法局"})) << p.tasks[i].number;
    EXPECT_EQ(p.tasks[i].deadline.text, "6月底前");
  }
  EXPECT_EQ(p.tasks[1].content, "第三项，含2021年底前完成。");
  EXPECT_EQ(p.tasks[2].content, "第四项；");
  EXPECT_EQ(p.tasks[3].content, "第五项");
  EXPECT_EQ(p.tasks[4].content, "第六项。");
}

TEST(PlanParser, AnIntroductionParagraphWithoutNumberIsNotATask) {
  const ParsedPlan p = Parse(
      "测试市2021年工作要点分工方案\n"
      "为做好今年工作，现将任务分解如下。\n"
      "\t工作任务\n\t具体工作事项\n\t落实单位\n\n"
      "\t（一）甲\n\t各单位要高度重视，认真落实。\n\t\n\n"
      "\t\n\t1.第一项。\n\t市发改局\n\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1}));
  EXPECT_EQ(p.tasks[0].content, "第一项。");
}

TEST(PlanParser, UnitListsSplitOnEnumerationCommaCommaAndSemicolon) {
  const ParsedPlan p = Parse(std::string(kHeader3) +
                             "\t（一）甲\n\t1.第一项。\n\t各县（市、区）政府；市司法局、市政府办公室，市直各单位\n\n");
  ASSERT_EQ(p.tasks.size(), 1u);
  EXPECT_EQ(p.tasks[0].responsible_units, Units({"各县（市、区）政府", "市司法局", "市政府办公室", "市直各单位"}));
  EXPECT_TRUE(p.tasks[0].lead_units.empty());
}

ParsedTask OneTaskWithUnits(const std::string& units) {
  const ParsedPlan p = Parse(std::string(kHeader3) + "\t（一）甲\n\t1.第一项。\n\t" + units + "\n\n");
  EXPECT_EQ(p.tasks.size(), 1u);
  return p.tasks.empty() ? ParsedTask{} : p.tasks[0];
}

TEST(PlanParser, UnitMarkedLeadIsTheLeadUnit) {
  const ParsedTask t = OneTaskWithUnits("市政府办公室牵头");
  EXPECT_EQ(t.lead_units, Units({"市政府办公室"}));
  EXPECT_TRUE(t.responsible_units.empty());
}

TEST(PlanParser, LeadThenResponsibleSplitsTheRoles) {
  const ParsedTask t = OneTaskWithUnits("市政府办公室牵头，市发改局、市财政局负责");
  EXPECT_EQ(t.lead_units, Units({"市政府办公室"}));
  EXPECT_EQ(t.responsible_units, Units({"市发改局", "市财政局"}));
}

// 配合 (supporting) and 协助 (assisting) units share the work, they do not lead it.
TEST(PlanParser, SupportingUnitsAreResponsibleNotLead) {
  const ParsedTask t = OneTaskWithUnits("市政府办公室牵头，市发改局、市财政局配合");
  EXPECT_EQ(t.lead_units, Units({"市政府办公室"}));
  EXPECT_EQ(t.responsible_units, Units({"市发改局", "市财政局"}));
  const ParsedTask alone = OneTaskWithUnits("市审计局配合");
  EXPECT_TRUE(alone.lead_units.empty());
  EXPECT_EQ(alone.responsible_units, Units({"市审计局"}));
  const ParsedTask assisting = OneTaskWithUnits("市司法局牵头，市审计局协助");
  EXPECT_EQ(assisting.lead_units, Units({"市司法局"}));
  EXPECT_EQ(assisting.responsible_units, Units({"市审计局"}));
}

TEST(PlanParser, UnitsSeparatelyResponsibleAreAllResponsible) {
  const ParsedTask t = OneTaskWithUnits("市发改局、市审计局分别负责");
  EXPECT_TRUE(t.lead_units.empty());
  EXPECT_EQ(t.responsible_units, Units({"市发改局", "市审计局"}));
}

TEST(PlanParser, EachUnitByItsDutiesNamesTheGroup) {
  const ParsedTask t = OneTaskWithUnits("各单位按职责分工落实");
  EXPECT_EQ(t.responsible_units, Units({"各单位"}));
  EXPECT_EQ(Dir().Expand("各单位").size(), 8u);
}

// A 配合单位 (supporting units) column holds responsible units, like 责任单位.
TEST(PlanParser, LeadAndResponsibleColumnsGiveTheRoles) {
  for (const std::string column : {"责任单位", "配合单位"}) {
    const ParsedPlan p = Parse("测试市2021年工作台账\n\t工作任务\n\t牵头单位\n\t" + column +
                               "\n\n"
                               "\t（一）甲\n\t1.第一项。\n\t市政府办公室\n\t市发改局、市财政局\n\n");
    ASSERT_EQ(p.tasks.size(), 1u) << column;
    EXPECT_EQ(p.tasks[0].lead_units, Units({"市政府办公室"})) << column;
    EXPECT_EQ(p.tasks[0].responsible_units, Units({"市发改局", "市财政局"})) << column;
  }
}

TEST(PlanParser, BracketedSubOfficesStayOneUnit) {
  const ParsedTask t = OneTaskWithUnits("区党政办（文秘科、宣传科）、市财政局");
  EXPECT_EQ(t.responsible_units, Units({"区党政办（文秘科、宣传科）", "市财政局"}));
}

TEST(PlanParser, UnitsBrokenOverLinesAreRejoined) {
  const ParsedTask t = OneTaskWithUnits("市自然资源和\n规划局、市政府\n办公室\n市发改局");
  EXPECT_EQ(t.responsible_units, Units({"市自然资源和规划局", "市政府办公室", "市发改局"}));
}

TEST(PlanParser, ARepeatedUnitIsListedOnce) {
  const ParsedTask t = OneTaskWithUnits("市发改局、市财政局、市发改局；市府办，市政府办公室");
  EXPECT_EQ(t.responsible_units, Units({"市发改局", "市财政局", "市政府办公室"}));
}

TEST(PlanParser, UnknownUnitsAreReportedWithTheirLineAndKept) {
  const ParsedPlan p = Parse(std::string(kHeader3) + "\t（一）甲\n\t1.第一项。\n\t市发改局、市外星局\n\n");
  ASSERT_EQ(p.tasks.size(), 1u);
  EXPECT_EQ(p.tasks[0].responsible_units, Units({"市发改局", "市外星局"}));
  EXPECT_EQ(p.unknown_units, Units({"市外星局"}));
  EXPECT_TRUE(HasProblem(p, "unknown unit '市外星局'", 8));
}

TEST(PlanParser, DeadlineComesFromItsColumnOrFromTheTextWhenThereIsNone) {
  const ParsedPlan with = Parse(
      "测试市2021年工作台账\n\t工作任务\n\t责任单位\n\t完成时限\n\n"
      "\t1.第一项。\n\t市发改局\n\t2021年\n12月10日前\n\n");
  ASSERT_EQ(with.tasks.size(), 1u);
  EXPECT_EQ(with.tasks[0].deadline.text, "2021年12月10日前");
  const ParsedPlan without = Parse(std::string(kHeader3) +
                                   "\t（一）甲\n\t1.2021年底前完成清理。\n\t市发改局\n\n"
                                   "\t\n\t2.持续推进。\n\t市发改局\n\n");
  ASSERT_EQ(without.tasks.size(), 2u);
  EXPECT_EQ(without.tasks[0].deadline.text, "2021年底前");
  EXPECT_EQ(without.tasks[1].deadline.text, "");
}

TEST(PlanParser, UnitsInParenthesesAtTheEndOfProseTasksAreRead) {
  const ParsedPlan p = Parse(
      "测试市2021年政务公开工作要点\n"
      "一、深化公开\n"
      "1.公开规划。（市发改局牵头，市直各单位负责）\n"
      "2.公开预算。（责任单位：市财政局）\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2}));
  EXPECT_EQ(p.tasks[0].section, Units({"一、深化公开"}));
  EXPECT_EQ(p.tasks[0].content, "公开规划。");
  EXPECT_EQ(p.tasks[0].lead_units, Units({"市发改局"}));
  EXPECT_EQ(p.tasks[0].responsible_units, Units({"市直各单位"}));
  EXPECT_EQ(p.tasks[1].responsible_units, Units({"市财政局"}));
}

TEST(PlanParser, OutOfSequenceAndDuplicateNumbersAreReported) {
  const ParsedPlan p = Parse(std::string(kHeader3) +
                             "\t（一）甲\n\t1.第一项。\n\t市发改局\n\n"
                             "\t\n\t3.第三项。\n\t市发改局\n\n"
                             "\t\n\t3.又一项。\n\t市发改局\n\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 3, 3}));
  EXPECT_TRUE(HasProblem(p, "task number 3 where 2 was expected"));
  EXPECT_TRUE(HasProblem(p, "task number 3 already used"));
}

// 一、 1. 2. 二、 1. 2.: numbering that starts again under each heading is
// numbered on through the plan (a task's number is its key), the document's
// own number kept and said; only when the whole plan reads so.
TEST(PlanParser, NumberingRestartingUnderEachHeadingIsNumberedOn) {
  const ParsedPlan p = Parse(std::string(kHeader3) +
                             "\t一、深化公开\n\t1.公开规划。\n\t市发改局\n\n"
                             "\t\n\t2.公开预算。\n\t市财政局\n\n"
                             "\t二、加强监督\n\t1.开展检查。\n\t市政府办公室\n\n"
                             "\t\n\t2.通报结果。\n\t市政府办公室\n\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(p.tasks[0].number_in_document, "");
  EXPECT_EQ(p.tasks[2].number_in_document, "1");
  EXPECT_EQ(p.tasks[3].number_in_document, "2");
  EXPECT_EQ(p.tasks[2].section, Units({"二、加强监督"}));
  EXPECT_EQ(p.DoubtfulTasks(), 0u);
  EXPECT_TRUE(
      HasProblem(p, "numbering starts again at 1 under '二、加强监督': numbered on through the plan, its 1 is task 3"));
  EXPECT_FALSE(HasProblem(p, "already used"));
  EXPECT_FALSE(HasProblem(p, "was expected"));
}

// A heading split over the 序号 cell and the next (一 | 财政与教育, 二、 |
// 安全稳定, （一） | …) is the section, so numbering restarting under it
// is numbered on; an Arabic number there is a task's, and a row with units
// is a task's.
TEST(PlanParser, AHeadingSplitOverTheNumberCellAndTheNextIsTheSection) {
  const ParsedPlan p = Parse(
      "测试市2021年任务分解表\n"
      "序号,工作任务,牵头单位,完成时限\n"
      "一,财政与教育,,\n"
      "1,编制预算。,市财政局,10月底前\n"
      "二、,安全稳定,,\n"
      "（一）,隐患排查,,\n"
      "1,开展排查。,市应急管理局,11月底前\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2}));
  EXPECT_EQ(p.tasks[0].section, Units({"一、财政与教育"}));
  EXPECT_EQ(p.tasks[1].section, Units({"二、安全稳定", "（一）隐患排查"}));
  EXPECT_EQ(p.tasks[1].number_in_document, "1");
  EXPECT_EQ(p.DoubtfulTasks(), 0u);
}

// 序号 and 工作任务 merged over two rows, the second naming more units and a
// date of its own: the units join the task (doubtful), the date is said.
TEST(PlanParser, ARowOfUnitsUnderATasksMergedCellsJoinsTheTask) {
  const ParsedPlan p = Parse(
      "测试市2021年任务分解表\n"
      "序号,工作任务,牵头单位,责任单位,完成时限\n"
      "1,编制预算。,市财政局,市教育局,10月底前\n"
      ",,市公安局,市民政局,12月底前\n"
      "2,开展检查。,市审计局,,11月底前\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2}));
  EXPECT_EQ(p.tasks[0].lead_units, Units({"市财政局", "市公安局"}));
  EXPECT_EQ(p.tasks[0].responsible_units, Units({"市教育局", "市民政局"}));
  EXPECT_EQ(p.tasks[0].deadline.text, "10月底前");
  EXPECT_EQ(p.tasks[0].doubts, Units({"units_from_row_below"}));
  EXPECT_TRUE(HasProblem(p, "their own date '12月底前' is not the task's"));
  EXPECT_EQ(p.tasks[1].lead_units, Units({"市审计局"}));
}

// A 1 that is a typo (一、1 2 3 二、1 5 6) or a repeat with no new heading
// is no restart: the document's numbers stay, doubted, and the import is
// refused on the repeat as before.
TEST(PlanParser, AOneThatIsNoRestartKeepsTheDocumentsNumbersAndItsDoubts) {
  const ParsedPlan typo = Parse(std::string(kHeader3) +
                                "\t一、甲\n\t1.第一项。\n\t市发改局\n\n\t\n\t2.第二项。\n\t市发改局\n\n"
                                "\t\n\t3.第三项。\n\t市发改局\n\n"
                                "\t二、乙\n\t1.第四项。\n\t市发改局\n\n\t\n\t5.第五项。\n\t市发改局\n\n");
  ASSERT_EQ(Numbers(typo), (std::vector<int>{1, 2, 3, 1, 5}));
  EXPECT_EQ(typo.tasks[3].number_in_document, "");
  EXPECT_TRUE(HasProblem(typo, "task number 1 already used"));
  EXPECT_FALSE(HasProblem(typo, "numbering starts again"));
  const ParsedPlan repeat = Parse(std::string(kHeader3) +
                                  "\t一、甲\n\t1.第一项。\n\t市发改局\n\n\t二、乙\n\t1.第二项。\n\t市发改局\n\n"
                                  "\t\n\t1.又一项。\n\t市发改局\n\n");
  ASSERT_EQ(Numbers(repeat), (std::vector<int>{1, 1, 1}));
  EXPECT_EQ(repeat.DoubtfulTasks(), 2u);
}

// 1 | 财政工作 over 1.1, 1.2 (outline numbering): the row with no unit or
// date of its own is the section, the tasks are numbered on through the plan
// with the document's numbers kept. Before, the heading rows came in as
// tasks and the 1.1 rows were dropped.
TEST(PlanParser, OutlineNumbersAreNumberedOnUnderTheirHeadingRows) {
  const ParsedPlan p = Parse(
      "测试市2021年任务分解表\n"
      "序号,工作任务,牵头单位,责任单位,完成时限\n"
      "1,财政工作,,,\n"
      "1.1,编制预算。,市财政局,市教育局,10月底前\n"
      "1.2,清理文件。,市司法局,,11月底前\n"
      "2,民生工作,,,\n"
      "2.1,开展检查。,市审计局,市民政局,12月底前\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(p.tasks[0].number_in_document, "1.1");
  EXPECT_EQ(p.tasks[0].numbering, "outline");
  EXPECT_EQ(p.tasks[2].number_in_document, "2.1");
  EXPECT_EQ(p.tasks[0].section, Units({"1 财政工作"}));
  EXPECT_EQ(p.tasks[2].section, Units({"2 民生工作"}));
  EXPECT_EQ(p.tasks[1].content, "清理文件。");
  EXPECT_EQ(p.tasks[1].lead_units, Units({"市司法局"}));
  // The blank responsible cell takes the row above's, as a merge (doubted);
  // the heading rows carry nothing to the rows under them.
  EXPECT_EQ(p.tasks[2].lead_units, Units({"市审计局"}));
  EXPECT_EQ(p.tasks[2].doubts, Units({}));
  EXPECT_TRUE(HasProblem(p, "row '1 财政工作' has tasks numbered under it (1.1…)"));
  EXPECT_TRUE(HasProblem(p, "outline numbering (1.1…): numbered on through the plan, its 1.1 is task 1"));
  EXPECT_FALSE(HasProblem(p, "names no unit"));
  EXPECT_FALSE(HasProblem(p, "was expected"));
  EXPECT_FALSE(p.rows_not_imported.has_value());
}

// A numbered row with units of its own over 1.1 rows is a task with
// sub-tasks: both are imported, in order; the sequence is checked on the
// document's numbers, a gap or a repeat doubted.
TEST(PlanParser, AnOutlineParentWithUnitsStaysATaskAndGapsAreDoubted) {
  const ParsedPlan p = Parse(
      "测试市2021年任务分解表\n"
      "序号,工作任务,牵头单位,完成时限\n"
      "1,统筹改革。,市发改局,年底前\n"
      "1.1,编制预算。,市财政局,10月底前\n"
      "1.3,清理文件。,市司法局,11月底前\n"
      "1.3,又一项。,市司法局,11月底前\n"
      "2,开展检查。,市审计局,12月底前\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2, 3, 4, 5}));
  EXPECT_EQ(p.tasks[0].number_in_document, "");
  EXPECT_EQ(p.tasks[0].content, "统筹改革。");
  EXPECT_EQ(p.tasks[1].number_in_document, "1.1");
  EXPECT_EQ(p.tasks[4].number_in_document, "2");
  EXPECT_EQ(p.tasks[2].doubts, Units({"number_out_of_sequence"}));
  EXPECT_EQ(p.tasks[3].doubts, Units({"number_out_of_sequence", "number_repeated"}));
  EXPECT_TRUE(HasProblem(p, "task number 1.3 where 1.2 was expected"));
  EXPECT_TRUE(HasProblem(p, "task number 1.3 already used"));
  EXPECT_TRUE(p.tasks[4].doubts.empty());
}

// （1） (2) 3） ④ in the 序号 column are the tasks' numbers.
TEST(PlanParser, BracketedAndCircledNumbersInTheNumberColumnAreTaskNumbers) {
  const ParsedPlan p = Parse(
      "测试市2021年任务分解表\n"
      "序号,工作任务,牵头单位,完成时限\n"
      "（1）,编制预算。,市财政局,10月底前\n"
      "(2),清理文件。,市司法局,11月底前\n"
      "3）,开展检查。,市审计局,12月底前\n"
      "④,通报结果。,市政府办公室,12月底前\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2, 3, 4}));
  for (const auto& t : p.tasks) EXPECT_EQ(t.found_by, "number_column");
  EXPECT_EQ(p.tasks[3].content, "通报结果。");
  EXPECT_EQ(p.DoubtfulTasks(), 0u);
}

// A row naming units and work but no number, among numbered tasks: imported
// without it, its work would be no one's. The plan is refused until the file
// numbers it (before: a warning, and the import went on without the row).
TEST(PlanParser, ARowWithUnitsButNoNumberAmongNumberedTasksRefusesTheImport) {
  const ParsedPlan p = Parse(
      "测试市2021年任务分解表\n"
      "序号,工作任务,牵头单位,完成时限\n"
      "1,编制预算。,市财政局,10月底前\n"
      ",推进安全生产。,市应急管理局,12月底前\n"
      "3,开展检查。,市审计局,12月底前\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 3}));
  const auto refused = RowsNotImported(p);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->line, 4);
  EXPECT_NE(refused->message.find("1 row(s) name work and its units or date but no task number"), std::string::npos)
      << refused->message;
  EXPECT_NE(refused->message_zh.find("请在序号列为其编号"), std::string::npos);
  // A plan whose every task is such a row is numbered in order, as before.
  const ParsedPlan none = Parse(
      "测试市2021年任务分解表\n"
      "序号,工作任务,牵头单位,完成时限\n"
      ",编制预算。,市财政局,10月底前\n"
      ",开展检查。,市审计局,12月底前\n");
  ASSERT_EQ(Numbers(none), (std::vector<int>{1, 2}));
  EXPECT_FALSE(RowsNotImported(none).has_value());
}

// A numbered row whose text reads as a heading (1 | （一）加强预算管理):
// the task's words, not a section over a task with no text.
TEST(PlanParser, ANumberedRowWhoseTextLooksLikeAHeadingIsTheTasksText) {
  const ParsedPlan p = Parse(
      "测试市2021年任务分解表\n"
      "序号,工作任务,牵头单位,完成时限\n"
      "一、,财政工作,,\n"
      "1,（一）加强预算管理,市财政局,10月底前\n"
      "2,开展检查。,市审计局,12月底前\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2}));
  EXPECT_EQ(p.tasks[0].content, "（一）加强预算管理");
  EXPECT_EQ(p.tasks[0].section, Units({"一、财政工作"}));
  EXPECT_EQ(p.tasks[1].section, Units({"一、财政工作"}));
}

// An outline heading holds only the rows numbered under it: 3 after 2's
// sub-items, 2.1 with no 2 row, 1.2 after 1.1's heading close it.
TEST(PlanParser, OutlineHeadingsCloseWhenTheNumberingLeavesThem) {
  const ParsedPlan p = Parse(
      "测试市2021年任务分解表\n"
      "序号,工作任务,牵头单位,完成时限\n"
      "1,财政工作,,\n"
      "1.1,预算管理,,\n"
      "1.1.1,编制预算。,市财政局,10月底前\n"
      "1.2,清理文件。,市司法局,11月底前\n"
      "2.1,开展检查。,市审计局,12月底前\n"
      "3,教育工作,,\n"
      "3.1,建设学校。,市教育局,12月底前\n"
      "4,通报结果。,市政府办公室,12月底前\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2, 3, 4, 5}));
  EXPECT_EQ(p.tasks[0].section, Units({"1 财政工作", "1.1 预算管理"}));
  EXPECT_EQ(p.tasks[1].section, Units({"1 财政工作"}));
  EXPECT_EQ(p.tasks[2].section, Units({})) << "2.1 with no 2 row is under no heading";
  EXPECT_EQ(p.tasks[3].section, Units({"3 教育工作"}));
  EXPECT_EQ(p.tasks[4].section, Units({}));
  EXPECT_EQ(p.tasks[4].number_in_document, "4");
  EXPECT_EQ(p.tasks[4].lead_units, Units({"市政府办公室"}));
}

// 1 财政工作 over （1）, （2）, and a task with units over ① ②: the bracketed
// numbers are the sub-items of the plain number above, numbered on (before:
// two tasks 1, and the import refused with "task 1 appears twice").
TEST(PlanParser, BracketedNumbersUnderAPlainNumberAreItsSubItems) {
  const ParsedPlan p = Parse(
      "测试市2021年任务分解表\n"
      "序号,工作任务,牵头单位,完成时限\n"
      "1,财政工作,,\n"
      "（1）,编制预算。,市财政局,10月底前\n"
      "（2）,清理文件。,市司法局,11月底前\n"
      "2,加强监督。,市审计局,12月底前\n"
      "①,开展检查。,市审计局,12月底前\n"
      "③,通报结果。,市政府办公室,12月底前\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2, 3, 4, 5}));
  EXPECT_EQ(p.tasks[0].number_in_document, "1（1）");
  EXPECT_EQ(p.tasks[0].section, Units({"1 财政工作"}));
  EXPECT_EQ(p.tasks[2].number_in_document, "2");
  EXPECT_EQ(p.tasks[2].content, "加强监督。");
  EXPECT_EQ(p.tasks[2].section, Units({}));
  EXPECT_EQ(p.tasks[3].number_in_document, "2（1）");
  EXPECT_EQ(p.tasks[4].doubts, Units({"number_out_of_sequence"}));
  EXPECT_TRUE(HasProblem(p, "task number 2（3） where 2（2） was expected"));
}

// A heading row naming a unit (二、教育工作 | 市教育局) leads its section: the
// task above does not take its unit, the tasks under it with a blank unit cell do.
TEST(PlanParser, AHeadingRowWithUnitsLeadsItsSectionNotTheTaskAbove) {
  const ParsedPlan p = Parse(
      "测试市2021年任务分解表\n"
      "序号,工作任务,牵头单位,完成时限\n"
      ",一、财政工作,市财政局,\n"
      "1,编制预算。,,10月底前\n"
      ",二、教育工作,市教育局,\n"
      "2,建设学校。,,12月底前\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2}));
  EXPECT_EQ(p.tasks[0].lead_units, Units({"市财政局"}));
  EXPECT_EQ(p.tasks[1].lead_units, Units({"市教育局"}));
  EXPECT_EQ(p.tasks[1].section, Units({"二、教育工作"}));
  EXPECT_FALSE(HasProblem(p, "no number or text"));
}

// Among numbered tasks, a row with work and a date of its own but no number
// (a blank 序号 in a TSV: no merge to tell) refuses the import; text alone
// is kept with the task above, doubted; a note under the table is no task.
TEST(PlanParser, AnUnnumberedRowWithADateRefusesTheImportTextAloneJoinsTheTaskAbove) {
  const ParsedPlan dated = Parse(
      "测试市2021年任务分解表\n"
      "序号,工作任务,牵头单位,完成时限\n"
      "1,编制预算。,市财政局,10月底前\n"
      ",推进国库改革。,,6月底前\n");
  EXPECT_TRUE(RowsNotImported(dated).has_value());
  const ParsedPlan text = Parse(
      "测试市2021年任务分解表\n"
      "序号,工作任务,牵头单位,完成时限\n"
      "1,编制预算。,市财政局,10月底前\n"
      ",并做好公开。,,\n"
      ",备注：各县（市、区）参照执行。,各县（市、区）,\n");
  EXPECT_FALSE(RowsNotImported(text).has_value());
  ASSERT_EQ(Numbers(text), (std::vector<int>{1}));
  EXPECT_EQ(text.tasks[0].content, "编制预算。并做好公开。");
  EXPECT_EQ(text.tasks[0].doubts, Units({"unplaced_cell"}));
  EXPECT_TRUE(HasProblem(text, "is not imported (no task)"));
}

// Text with no number, unit or date under a heading no task of its section
// precedes is that section's preamble: not joined to the task of the section
// before, and said. 说明 in the 序号 column is a note.
TEST(PlanParser, TextUnderANewHeadingIsNotJoinedToTheSectionBefore) {
  const ParsedPlan p = Parse(
      "测试市2021年任务分解表\n"
      "序号,工作任务,牵头单位,完成时限\n"
      ",一、财政工作,,\n"
      "1,编制预算。,市财政局,10月底前\n"
      ",二、教育工作,,\n"
      ",加强师资队伍建设。,,\n"
      "2,建设学校。,市教育局,12月底前\n"
      "说明,以上任务按月报送进展。,,\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2}));
  EXPECT_EQ(p.tasks[0].content, "编制预算。");
  EXPECT_EQ(p.tasks[1].content, "建设学校。");
  EXPECT_TRUE(
      HasProblem(p, "text '加强师资队伍建设。' has no task number, unit or date, and no task above it in its section"));
  EXPECT_TRUE(HasProblem(p, "note '说明 以上任务按月报送进展。' is not imported"));
  EXPECT_TRUE(p.tasks[1].doubts.empty());
}

}  // namespace
}  // namespace duban::plan_import
