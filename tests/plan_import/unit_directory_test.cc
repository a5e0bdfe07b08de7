// The unit directory: YAML loading, aliases, groups and the shipped files.
#include <gtest/gtest.h>

#include "duban/plan_import/unit_directory.h"

namespace duban::plan_import {
namespace {

TEST(UnitDirectory, AliasesAndShortNamesMapToTheCanonicalName) {
  auto d = UnitDirectory::Parse(
      "directory: x\nunits:\n  - name: 市政府办公室\n    short: [市府办]\n    aliases: [某市人民政府办公室]\n", "x");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->Canonical("市府办"), "市政府办公室");
  EXPECT_EQ(d->Canonical(" 某市人民政府办公室 "), "市政府办公室");
  EXPECT_FALSE(d->Canonical("市外星局").has_value());
}

TEST(UnitDirectory, HalfWidthBracketsMatchFullWidthNames) {
  auto d =
      UnitDirectory::Parse("units: [县甲政府]\ngroups:\n  - name: 各县（市、区）政府\n    members: [县甲政府]\n", "x");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->Canonical("各县(市、区)政府"), "各县（市、区）政府");
  EXPECT_TRUE(d->IsGroup("各县(市、区)政府"));
}

TEST(UnitDirectory, GroupsExpandToMemberUnitsRecursivelyOnce) {
  auto d = UnitDirectory::Parse(
      "units: [甲局, 乙局, 丙县政府]\n"
      "groups:\n"
      "  - {name: 市直各单位, members: [甲局, 乙局]}\n"
      "  - {name: 各地各部门, members: [丙县政府, 市直各单位, 甲局]}\n"
      "  - {name: 环甲, members: [环乙]}\n"
      "  - {name: 环乙, members: [环甲, 甲局]}\n",
      "x");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->Expand("各地各部门"), (std::vector<std::string>{"丙县政府", "甲局", "乙局"}));
  EXPECT_EQ(d->Expand("乙局"), (std::vector<std::string>{"乙局"}));
  EXPECT_EQ(d->Expand("环甲"), (std::vector<std::string>{"甲局"}));  // a cycle ends
  EXPECT_TRUE(d->Expand("不存在").empty());
}

TEST(UnitDirectory, AGroupMemberThatIsNotInTheDirectoryIsAnError) {
  auto d = UnitDirectory::Parse("units: [甲局]\ngroups:\n  - {name: 全部, members: [甲局, 乙局]}\n", "units.yaml");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("乙局"), std::string::npos);
  EXPECT_NE(d.status().message().find("units.yaml"), std::string::npos);
}

TEST(UnitDirectory, ParentsMakeAHierarchyWalkedParentsFirst) {
  auto d = UnitDirectory::Parse(
      "units:\n  - 甲区政府\n  - {name: 乙镇政府, parent: 甲区政府}\n  - {name: 丙村委会, parent: 乙镇政府}\n"
      "  - {name: 丁镇政府, parent: 甲区政府}\n  - {name: 市直某局, short: [某局]}\n  - {name: 某局某科, parent: "
      "某局}\n",
      "x");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(d->Descendants("甲区政府"),
            (Pairs{{"乙镇政府", "甲区政府"}, {"丁镇政府", "甲区政府"}, {"丙村委会", "乙镇政府"}}));
  EXPECT_EQ(d->ParentOf("丙村委会"), "乙镇政府");
  EXPECT_EQ(d->ParentOf("某局某科"), "市直某局") << "a parent named by its short name is stored canonical";
  EXPECT_TRUE(d->Descendants("丙村委会").empty());
}

TEST(UnitDirectory, AnUnknownParentOrAParentLoopIsAnError) {
  auto unknown = UnitDirectory::Parse("units:\n  - {name: 乙镇政府, parent: 不存在区}\n", "u.yaml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("不存在区"), std::string::npos);
  auto loop = UnitDirectory::Parse(
      "units:\n  - {name: 甲, parent: 乙}\n  - {name: 乙, parent: 丙}\n  - {name: 丙, parent: 甲}\n", "u.yaml");
  ASSERT_FALSE(loop.ok());
  EXPECT_NE(loop.status().message().find("its own parent"), std::string::npos);
  auto group = UnitDirectory::Parse(
      "units:\n  - 甲局\n  - {name: 乙科, parent: 全部}\ngroups:\n  - {name: 全部, members: [甲局]}\n", "u.yaml");
  EXPECT_FALSE(group.ok()) << "a group is no unit's parent";
}

TEST(UnitDirectory, MalformedYamlIsAnErrorNotAnException) {
  auto d = UnitDirectory::Parse("units: [unclosed\n", "bad.yaml");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), Status::Code::kInvalidArgument);
  EXPECT_FALSE(UnitDirectory::LoadFile("/nonexistent/units.yaml").ok());
}

TEST(UnitDirectory, ShippedDirectoriesLoadAndAreChosenByThePlansPlaceName) {
  ASSERT_EQ(UnitDirectory::Embedded().size(), 3u);
  auto d = UnitDirectory::ChooseEmbedded("韶关市贯彻落实国务院办公厅2021年政务公开工作要点分工实施方案\n");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->id(), "shaoguan");
  EXPECT_EQ(UnitDirectory::ChooseEmbedded("附件1\n2021年宜春市政务公开工作要点任务分解表\n")->id(), "yichun");
  EXPECT_EQ(UnitDirectory::ChooseEmbedded("\t城子河区2021年政务公开工作台账\n")->id(), "chengzihe");
  EXPECT_FALSE(UnitDirectory::ChooseEmbedded("某县2021年工作要点\n").has_value());
  // A GBK text export ("韶关市2026年工作要点"): its place name read as the parse reads it.
  const auto gbk = UnitDirectory::ChooseEmbedded(
      "\xC9\xD8\xB9\xD8\xCA\xD0"
      "2026\xC4\xEA\xB9\xA4\xD7\xF7\xD2\xAA\xB5\xE3\n");
  ASSERT_TRUE(gbk.has_value());
  EXPECT_EQ(gbk->id(), "shaoguan");
  EXPECT_EQ(d->Expand("各县（市、区）政府").size(), 10u);
}

}  // namespace
}  // namespace duban::plan_import
