// The office adds a unit to a live plan over HTTP (add_unit) and gives it
// work (assign): the name is read against the shipped directory matching
// the plan (an alias becomes its name, its sub-units come with it), a name
// the directory lacks is answered 422 not_in_directory unless taken as
// written, and a unit account may do neither.
#include "server_fixture.h"

namespace duban::testing {
namespace {

constexpr const char* kTwoUnitPlan = "two-units-2026";

class PlanUnitsApiTest : public ServerTest {
 protected:
  Auth office, unit;

  void SetUp() override {
    ServerTest::SetUp();
    const Date today = DayOf(clock->Now());
    schemas::ImportPlan ip;
    ip.plan = schemas::PlanImported{
        "韶关市政务公开工作要点分工方案", "韶关市人民政府办公室", "", "", today.year, "digest", {unit_a, unit_b}, {}};
    ip.tasks.push_back(schemas::ImportTask{1,
                                           {"一、重点任务"},
                                           "政务公开标准化",
                                           "政务公开标准化",
                                           schemas::Deadline{"", today.AddDays(40).ToString(), "", false, ""},
                                           {unit_a},
                                           {unit_b}});
    schemas::Command c;
    c.command_id = "fixture-import-two";
    c.plan_id = kTwoUnitPlan;
    c.actor = {"office", schemas::Role::kSupervisor, "office"};
    c.body = std::move(ip);
    ASSERT_TRUE(engine->Submit(c).status.ok());
    StartServer();
    office = SignIn("office");
    unit = SignIn("unit-a");
  }

  json AddUnit(const std::string& id, const std::string& name, json extra = json::object()) {
    json c = {{"type", "add_unit"}, {"plan", kTwoUnitPlan}, {"command_id", id}, {"name", name}, {"reason", "职责调整"}};
    for (auto& [k, v] : extra.items()) c[k] = v;
    return c;
  }
  Resp Post(const Auth& who, const json& command) { return Call("POST", "/api/v1/commands", who, command.dump()); }
  json Assign(const std::string& id, const std::string& name) {
    return {{"type", "assign"}, {"plan", kTwoUnitPlan}, {"command_id", id}, {"task", 1}, {"unit", name}};
  }
};

TEST_F(PlanUnitsApiTest, TheOfficeAddsAUnitWithItsSubUnitsAndAssignsItWork) {
  Resp before = Post(office, Assign("early", "浈江区政府"));
  ASSERT_EQ(before.status, 422) << before.body;
  EXPECT_EQ(before.j()["reason"], "unknown_unit");
  Resp r = Post(office, AddUnit("add-1", "浈江区政府"));
  ASSERT_EQ(r.status, 200) << r.body;
  const json out = r.j();
  ASSERT_EQ(out["events"].size(), 1U);
  const json& body = out["events"][0]["body"];
  EXPECT_EQ(body["name"], "浈江区政府");
  ASSERT_EQ(body["sub_units"].size(), 3U) << "新韶镇政府, 犁市镇政府 and 新韶镇党政办 below it: " << body.dump();
  EXPECT_EQ(body["sub_units"][0]["parent"], "浈江区政府");
  Resp a = Post(office, Assign("assign-1", "浈江区政府"));
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.j()["events"][0]["type"], "AssignmentCreated");
  auto plan = engine->Plan(kTwoUnitPlan);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->assignments.count({1, "浈江区政府"}));
  EXPECT_EQ(plan->assignments.at({1, "浈江区政府"}).role, schemas::AssignmentRole::kResponsible);
}

TEST_F(PlanUnitsApiTest, ANameTheDirectoryLacksIsAnsweredWithItsNearestNamesUnlessTakenAsWritten) {
  Resp r = Post(office, AddUnit("add-typo", "浈江区正府"));
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.j()["error"], "not_in_directory");
  EXPECT_NE(r.j()["message"].get<std::string>().find("浈江区政府"), std::string::npos) << r.body;
  EXPECT_FALSE(engine->Plan(kTwoUnitPlan)->units.count("浈江区正府")) << "nothing was written";
  Resp group = Post(office, AddUnit("add-group", "各县（市、区）政府"));
  ASSERT_EQ(group.status, 422) << group.body;
  Resp taken = Post(office, AddUnit("add-taken", "市新设机构", {{"accept_unknown", true}}));
  ASSERT_EQ(taken.status, 200) << taken.body;
  EXPECT_TRUE(engine->Plan(kTwoUnitPlan)->units.count("市新设机构"));
  Resp bad = Post(office, AddUnit("add-bad", "市另一机构", {{"accept_unknown", "yes"}}));
  EXPECT_EQ(bad.status, 400) << bad.body;
}

// The sub-units come whatever the plan holds, so the same command retried
// (an answer lost to a timeout) is the same command: already done, not a conflict.
TEST_F(PlanUnitsApiTest, ARetriedAdditionWithSubUnitsIsAlreadyDone) {
  ASSERT_EQ(Post(office, AddUnit("add-retry", "曲江区政府")).status, 200);
  Resp again = Post(office, AddUnit("add-retry", "曲江区政府"));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_TRUE(again.j()["duplicate"].get<bool>());
}

// An assignment's date over the API: none when the task's has passed is refused; a day to come is taken.
TEST_F(PlanUnitsApiTest, AssignTakesTheUnitsOwnDate) {
  json c = Assign("assign-due", unit_a);
  c["task"] = 1;
  c["unit"] = "市教育局";
  ASSERT_EQ(Post(office, AddUnit("add-edu", "市教育局")).status, 200);
  c["due_on"] = DayOf(clock->Now()).AddDays(-1).ToString();
  Resp past = Post(office, c);
  EXPECT_EQ(past.status, 422) << past.body;
  c["command_id"] = "assign-due-2";
  c["due_on"] = DayOf(clock->Now()).AddDays(20).ToString();
  Resp ok = Post(office, c);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(engine->Plan(kTwoUnitPlan)->assignments.at({1, "市教育局"}).due_on, c["due_on"].get<std::string>());
}

TEST_F(PlanUnitsApiTest, AUnitAccountNeitherAddsUnitsNorAssignsWork) {
  Resp r = Post(unit, AddUnit("unit-add", "浈江区政府"));
  EXPECT_EQ(r.status, 403) << r.body;
  Resp a = Post(unit, Assign("unit-assign", unit_a));
  EXPECT_EQ(a.status, 403) << a.body;
  EXPECT_FALSE(engine->Plan(kTwoUnitPlan)->units.count("浈江区政府"));
}

TEST_F(PlanUnitsApiTest, AnAssignedRoleIsLeadOrResponsible) {
  json c = Assign("assign-role", unit_a);
  c["task"] = 1;
  c["role"] = "chief";
  EXPECT_EQ(Post(office, c).status, 400);
}

}  // namespace
}  // namespace duban::testing
