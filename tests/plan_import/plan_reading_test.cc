// Reading and layout (plan_reading.cc, plan_text_layout.cc, plan_csv.cc):
// markup, page furniture and the ledger form, several cells per line, TSV
// and CSV, bytes that are not UTF-8, GBK files.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "plan_test_support.h"

namespace duban::plan_import {
namespace {

TEST(PlanParser, ParagraphMarkupAroundCellsIsStripped) {
  const ParsedPlan p =
      Parse(std::string(kHeader3) + "\t（一）甲\n\t<p>1.第一项。</p><p>2.第二项。</p>\n\t<p>市发改局&nbsp;</p>\n\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2}));
  EXPECT_EQ(p.tasks[0].content, "第一项。");
  EXPECT_EQ(p.tasks[1].content, "第二项。");
  EXPECT_EQ(p.tasks[1].responsible_units, Units({"市发改局"}));
}

TEST(PlanParser, BoilerplatePageHeadersPageNumbersLedgerFormAndSignatureAreIgnored) {
  const ParsedPlan p = Parse(
      "测试市2021年政务公开工作要点分工实施方案\n"
      "\t工作任务\n\t具体工作事项\n\t落实单位\n\n"
      "\t（一）甲\n\t1.第一项。\n\t市发改局\n"
      "- 2 -\n"
      " 测试市2021年政务公开工作要点分工\n\n"
      "\t工作任务\n\t具体工作事项\n\t落实单位\n\n"
      "\t\n\t2.第二项。\n\t市财政局\n"
      " 测试市2021年政务公开工作要点分工\n\n实施方案工作台账\n"
      "填报单位（盖章）：            填报日期：   年 月 日\n\n"
      "\t落实单位\n\t具体工作事项进度\n\t完成时限\n"
      " 填报人：            联系方式（手机）：\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2}));
  EXPECT_EQ(p.tasks[0].responsible_units, Units({"市发改局"}));
  EXPECT_EQ(p.tasks[1].responsible_units, Units({"市财政局"}));
  EXPECT_TRUE(p.unknown_units.empty());
  EXPECT_EQ(p.tasks[1].content, "第二项。");
}

TEST(PlanParser, SeveralCellsPerLineTextExportIsRead) {
  const ParsedPlan p = Parse(
      "测试市2021年任务分解表\n"
      "\t序号\t任务名称\t任务内容\t责任单位\t时间节点\n"
      "\t1\t规范文本\t更新文本。\t市司法局\t全年\n"
      "\t2\t\t清理文件。\t市政府办公室牵头，市直各单位负责\t10月底前\n");
  EXPECT_EQ(p.format, "text");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2}));
  EXPECT_EQ(p.tasks[1].title, "规范文本");
  EXPECT_EQ(p.tasks[1].lead_units, Units({"市政府办公室"}));
  EXPECT_EQ(p.tasks[1].responsible_units, Units({"市直各单位"}));
}

TEST(PlanParser, TsvWithHeaderRowIsRead) {
  const ParsedPlan p = Parse(
      "序号\t工作任务\t牵头单位\t责任单位\t时限要求\n"
      "1\t公开规划。\t市发改局\t市直各单位\t全年\n"
      "2\t公开预算。\t\t市财政局\t\n");
  EXPECT_EQ(p.format, "tsv");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2}));
  EXPECT_EQ(p.tasks[0].content, "公开规划。");
  EXPECT_EQ(p.tasks[0].lead_units, Units({"市发改局"}));
  EXPECT_EQ(p.tasks[1].lead_units, Units({"市发改局"}));  // merged cell
  EXPECT_EQ(p.tasks[1].deadline.text, "全年");
}

TEST(PlanParser, CsvQuotedCellsMayHoldCommasAndLineBreaks) {
  const ParsedPlan p = Parse(
      "\xEF\xBB\xBF\"测试市2021年任务分解表\",,\r\n"
      "序号,任务内容,责任单位,完成时限\r\n"
      "1,\"公开规划,并\n及时更新。\",\"市发改局\n市财政局\",\"2021年\n6月底前\"\r\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1}));
  EXPECT_EQ(p.plan.title, "测试市2021年任务分解表");
  EXPECT_EQ(p.tasks[0].content, "公开规划,并及时更新。");
  EXPECT_EQ(p.tasks[0].responsible_units, Units({"市发改局", "市财政局"}));
  EXPECT_EQ(p.tasks[0].deadline.text, "2021年6月底前");
}

TEST(PlanParser, GarbageNeverCrashesAndYieldsNoTask) {
  std::string garbage = "\xff\xfe\x00\x01\tabc\x80\x80\n\t\t\t\n";
  garbage += std::string(1 << 20, 'x');  // one huge line
  garbage += std::string("\0\0\t1.", 5);
  const ParsedPlan p = Parse(garbage);
  EXPECT_TRUE(p.tasks.empty());
  EXPECT_TRUE(HasProblem(p, "no tasks found"));
  EXPECT_NO_THROW(nlohmann::json::parse(ParsedPlanToJson(p)));
}

TEST(PlanParser, InvalidUtf8IsReportedAndReplaced) {
  const ParsedPlan p = Parse(std::string(kHeader3) + "\t（一）甲\n\t1.第一\xC3项。\n\t市发改局\n\n");
  ASSERT_EQ(p.tasks.size(), 1u);
  EXPECT_TRUE(HasProblem(p, "not valid UTF-8"));
  EXPECT_NO_THROW(nlohmann::json::parse(ParsedPlanToJson(p)));
}

TEST(PlanParser, GbkFileIsConverted) {
  // "序号,任务内容,责任单位\n1,公开规划。,市发改局\n" in GBK.
  const std::string gbk =
      "\xD0\xF2\xBA\xC5,\xC8\xCE\xCE\xF1\xC4\xDA\xC8\xDD,\xD4\xF0\xC8\xCE\xB5\xA5\xCE\xBB\n"
      "1,\xB9\xAB\xBF\xAA\xB9\xE6\xBB\xAE\xA1\xA3,\xCA\xD0\xB7\xA2\xB8\xC4\xBE\xD6\n";
  const ParsedPlan p = Parse(gbk);
  ASSERT_EQ(p.tasks.size(), 1u);
  EXPECT_EQ(p.tasks[0].content, "公开规划。");
  EXPECT_EQ(p.tasks[0].responsible_units, Units({"市发改局"}));
  EXPECT_TRUE(HasProblem(p, "GB18030"));
}

// A cell that opens with a quote never closed took the rest of the file as
// its text, the tasks after it lost without a word: the quote is read as a
// character, and said.
TEST(PlanParser, AQuoteNeverClosedDoesNotSwallowTheRowsAfterIt) {
  const ParsedPlan p = Parse(
      "序号,工作任务,牵头单位,责任单位,完成时限\n"
      "1,公开规划。,市发改局,,\"10月底前\n"
      "2,公开预算。,市财政局,,10月底前\n"
      "3,公开决算。,市财政局,,12月底前\n");
  ASSERT_EQ(p.tasks.size(), 3u);
  EXPECT_EQ(p.tasks[1].content, "公开预算。");
  EXPECT_EQ(p.tasks[2].deadline.text, "12月底前");
  EXPECT_TRUE(HasProblem(p, "a cell opens with a quote (\") that is not closed before the next rows", 2));
  // Closed only by a later quoted cell: the rows between are rows still.
  const ParsedPlan later = Parse(
      "序号,工作任务,牵头单位,责任单位,完成时限\n"
      "1,\"公开规划。,市发改局,,6月底前\n"
      "2,公开预算。,市财政局,,6月底前\n"
      "3,\"公开决算，含附件,说明\",市财政局,,9月底前\n"
      "4,公开统计。,市统计局,,9月底前\n");
  ASSERT_EQ(later.tasks.size(), 4u);
  EXPECT_EQ(later.tasks[1].content, "公开预算。");
  EXPECT_EQ(later.tasks[2].content, "公开决算，含附件,说明");
  // A quoted cell that really spans lines stays one cell.
  const ParsedPlan multi = Parse(
      "序号,工作任务,牵头单位,责任单位,完成时限\n"
      "1,\"公开规划。\n第二段，2025年以来的情况。\",市发改局,,6月底前\n");
  ASSERT_EQ(multi.tasks.size(), 1u);
  EXPECT_FALSE(HasProblem(multi, "a cell opens with a quote"));
}

}  // namespace
}  // namespace duban::plan_import
