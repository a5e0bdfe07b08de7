// Output (plan_output.cc): the parse as JSON and as the readable preview.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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
