// A unit the office adds to a live plan, read against the unit directory
// (unit_addition.h): aliases become the directory's name, a group and an
// unknown name are refused unless taken as written, and the units below it
// come with it but for those the plan knows already.
#include <gtest/gtest.h>

#include "duban/plan_import/unit_addition.h"
#include "duban/plan_import/unit_directory.h"

namespace duban::plan_import {
namespace {

UnitDirectory Directory() {
  auto d = UnitDirectory::Parse(
      "directory: town\nunits:\n  - {name: 甲区政府, short: [甲区]}\n  - {name: 乙镇政府, parent: 甲区政府}\n"
      "  - {name: 丙村委会, parent: 乙镇政府}\n  - {name: 丁镇政府, parent: 甲区政府}\n  - 市民政局\n"
      "groups:\n  - {name: 各区政府, members: [甲区政府]}\n",
      "town.yaml");
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  return std::move(d).value();
}

UnitAdditionRequest Request(const std::string& name, const UnitDirectory* dir) {
  UnitAdditionRequest r;
  r.name = name;
  r.reason = "职责调整";
  r.directory = dir;
  return r;
}

TEST(UnitAddition, AnAliasBecomesTheDirectorysNameAndItsUnitsComeWithIt) {
  const UnitDirectory dir = Directory();
  auto b = BuildAddUnit(Request("甲区", &dir));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->name, "甲区政府");
  EXPECT_EQ(b->reason, "职责调整");
  EXPECT_EQ(b->sub_units, (std::vector<schemas::SubUnit>{
                              {"乙镇政府", "甲区政府"}, {"丁镇政府", "甲区政府"}, {"丙村委会", "乙镇政府"}}));
}

TEST(UnitAddition, AUnitComesUnderTheUnitTheDirectoryPutsItBelowThenItsOwn) {
  const UnitDirectory dir = Directory();
  auto b = BuildAddUnit(Request("乙镇政府", &dir));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->sub_units, (std::vector<schemas::SubUnit>{{"乙镇政府", "甲区政府"}, {"丙村委会", "乙镇政府"}}));
}

TEST(UnitAddition, AGroupIsRefusedNamingItsUnits) {
  const UnitDirectory dir = Directory();
  auto b = BuildAddUnit(Request("各区政府", &dir));
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("甲区政府"), std::string::npos) << b.status().message();
  EXPECT_NE(b.status().message().find("one by one"), std::string::npos);
}

TEST(UnitAddition, ANameTheDirectoryLacksIsRefusedWithItsNearestNamesUnlessTakenAsWritten) {
  const UnitDirectory dir = Directory();
  auto b = BuildAddUnit(Request("市民正局", &dir));
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("市民政局"), std::string::npos) << "did you mean: " << b.status().message();
  auto r = Request("市民正局", &dir);
  r.accept_unknown = true;
  auto taken = BuildAddUnit(r);
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(taken->name, "市民正局");
  EXPECT_TRUE(taken->sub_units.empty());
}

TEST(UnitAddition, WithNoDirectoryOnlyTheOfficesWordAddsAName) {
  EXPECT_FALSE(BuildAddUnit(Request("市民政局", nullptr)).ok());
  auto r = Request("市民政局", nullptr);
  r.accept_unknown = true;
  auto b = BuildAddUnit(r);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->name, "市民政局");
}

TEST(UnitAddition, TheShippedDirectoryIsChosenByThePlansTitleOrIssuer) {
  schemas::PlanImported meta;
  meta.title = "2026年政务公开工作要点分工方案";
  meta.issuer = "韶关市人民政府办公室";
  auto dir = ChooseDirectoryForPlan(meta);
  ASSERT_TRUE(dir.has_value());
  EXPECT_EQ(dir->id(), "shaoguan");
  meta.issuer = "某市人民政府办公室";
  EXPECT_FALSE(ChooseDirectoryForPlan(meta).has_value());
}

}  // namespace
}  // namespace duban::plan_import
