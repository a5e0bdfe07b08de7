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

TEST(PlanParser, AShortMenuWordIsNotTheTitleAndAWrappedTitleIsJoined) {
  const ParsedPlan p = Parse(
      "规划计划\n测试市2027年优化营商环境\n重点任务分工方案\n"
      "\t工作任务\n\t落实单位\n\n\t1.第一项。\n\t市发改局\n\n");
  EXPECT_EQ(p.plan.title, "测试市2027年优化营商环境重点任务分工方案");
}

}  // namespace
}  // namespace duban::plan_import
