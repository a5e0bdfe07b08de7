// Output (plan_output.cc): the parse as JSON and as the readable preview.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <set>

#include "plan_test_support.h"

namespace duban::plan_import {
namespace {

TEST(PlanParser, JsonHasExactlyTheIssueShape) {
  const ParsedPlan p = Parse(
      "测试市2021年工作台账\n\t工作任务\n\t牵头单位\n\t责任单位\n\t时限要求\n\n"
      "\t一、甲\n\t1.第一项。\n\t市发改局\n\t市外星局\n\t全年\n\n");
  const auto j = nlohmann::json::parse(ParsedPlanToJson(p));
  EXPECT_EQ(j.size(), 3u);
  EXPECT_EQ(j["plan"].size(), 5u);
  for (const char* k : {"title", "issuer", "doc_number", "issued_on", "year"}) EXPECT_TRUE(j["plan"].contains(k)) << k;
  EXPECT_TRUE(j["plan"]["issued_on"].is_null());
  EXPECT_EQ(j["plan"]["year"], 2021);
  ASSERT_EQ(j["tasks"].size(), 1u);
  const auto& t = j["tasks"][0];
  EXPECT_EQ(t.size(), 7u);
  EXPECT_TRUE(t["number"].is_number_integer());
  EXPECT_EQ(t["number"], 1);
  EXPECT_EQ(t["section"], nlohmann::json::array({"一、甲"}));
  EXPECT_EQ(t["lead_units"], nlohmann::json::array({"市发改局"}));
  EXPECT_EQ(t["responsible_units"], nlohmann::json::array({"市外星局"}));
  EXPECT_EQ(t["deadline"]["text"], "全年");
  EXPECT_TRUE(t["deadline"]["due_on"].is_null());
  ASSERT_FALSE(j["problems"].empty());
  EXPECT_TRUE(j["problems"][0]["line"].is_number_integer());
  EXPECT_TRUE(j["problems"][0]["message"].is_string());
}

// The workbench's import preview shows each problem in Chinese: every kind
// the parser reports carries its Chinese words (message_zh).
TEST(PlanParser, EveryProblemAlsoSaysItselfInChinese) {
  ParseOptions opts;  // deadlines resolved, as the import does
  const ParsedPlan p = ParsePlan(
      "测试市2021年工作台账\n\t工作任务\n\t牵头单位\n\t责任单位\n\t时限要求\n\n"
      "\t一、甲\n\t1.第一项。\n\t市外星局\n\t市发改局\n\t某个时候\n\n"
      "\t2.第二项。\n\t市发改局\n\t\n\t2031年3月底前\n\n"
      "\t4.第四项。\n\t市发改局\n\t\n\t全年\n\n",
      Dir(), opts);
  const auto j = nlohmann::json::parse(ParsedPlanToJson(p));
  std::set<std::string> kinds;
  for (const auto& pr : j["problems"]) {
    const std::string zh = pr["message_zh"];
    EXPECT_FALSE(zh.empty()) << pr.dump();
    // Chinese words, not the English sentence again.
    EXPECT_EQ(zh.find("deadline"), std::string::npos) << zh;
    EXPECT_EQ(zh.find("unknown"), std::string::npos) << zh;
    EXPECT_EQ(zh.find("task "), std::string::npos) << zh;
    kinds.insert(pr["message"].get<std::string>().substr(0, 12));
    if (pr["message"].get<std::string>().find("provisional") != std::string::npos) {
      EXPECT_NE(zh.find("节假日安排尚未收录"), std::string::npos) << zh;
    }
  }
  EXPECT_GE(kinds.size(), 3u) << j["problems"].dump(1);
  const std::string all = j["problems"].dump();
  EXPECT_NE(all.find("单位“市外星局”不在单位名录"), std::string::npos) << all;
  EXPECT_NE(all.find("时限“某个时候”未能识别"), std::string::npos) << all;
  EXPECT_NE(all.find("任务序号为4，按顺序应为3"), std::string::npos) << all;
  EXPECT_NE(all.find("第2项任务的时限“2031年3月底前”：该年度的节假日安排尚未收录"), std::string::npos) << all;
}

TEST(PlanParser, PreviewShowsTheTableAndEveryProblemWithItsLine) {
  const ParsedPlan p = Parse(std::string(kHeader3) + "\t（一）甲\n\t1.第一项。\n\t市外星局\n\n");
  const std::string preview = RenderPreview(p);
  EXPECT_NE(preview.find("（一）甲"), std::string::npos);
  EXPECT_NE(preview.find("1.  第一项"), std::string::npos);
  EXPECT_NE(preview.find("责任: 市外星局"), std::string::npos);
  EXPECT_NE(preview.find("line 8: unknown unit '市外星局'"), std::string::npos);
}

}  // namespace
}  // namespace duban::plan_import
