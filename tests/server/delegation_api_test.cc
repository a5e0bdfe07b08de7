// What a unit reads and does over HTTP on the work it delegated (多级下发):
// 市政府办公室 passes its part of a sample task to its 督查科, which works it
// with a file and submits. The office's unit then reads its sub-unit's row,
// the task's history of it and the file, finds the submission in its own
// queue (not the office's), and reviews it; a unit outside the tree reads
// none of it, and the sub-unit reads its own part only.
#include "server_fixture.h"

namespace duban::testing {
namespace {

constexpr const char* kParent = "市政府办公室";
constexpr const char* kChild = "市政府办公室督查科";

class DelegationApiTest : public ServerTest {
 protected:
  int32_t task = 0;
  Auth office, parent, child, stranger;

  void SetUp() override {
    ServerTest::SetUp();
    ImportSamplePlan();
    auto p = engine->Plan(kPlan);
    ASSERT_TRUE(p.ok());
    for (const auto& [key, a] : p->assignments)
      if (key.second == kParent && !p->assignments.count({key.first, unit_b})) {
        task = key.first;
        break;
      }
    ASSERT_GT(task, 0) << "the sample plan gives " << kParent << " a task 市发改局 does not hold";
    ImportPlanNamingTheSubUnit();
    accounts::Accounts acc(*engine, SystemClock());
    for (const auto& [name, unit] :
         std::vector<std::pair<std::string, std::string>>{{"parent", kParent}, {"child", kChild}})
      ASSERT_TRUE(
          acc.Add({name, name, accounts::AccountRole::kUnit, unit}, kPassword, accounts::ActorOfOperator()).ok());
    StartServer();
    office = SignIn("office");
    parent = SignIn("parent");
    child = SignIn("child");
    stranger = SignIn("unit-b");
    // The sample's 2021 dates are past: the office gives the part a date to come.
    const std::string due = DayOf(clock->Now()).AddDays(40).ToString();
    Post(office, Command("set_deadline", task, kParent, "dl", {{"due_on", due}, {"reason", "今年续办"}}));
    Post(parent, Command("accept", task, kParent, "p-accept"));
    Post(parent, Command("delegate", task, kParent, "p-delegate", {{"to_unit", kChild}, {"note", "请督查科牵头办理"}}));
    Post(child, Command("accept", task, kChild, "c-accept"));
    Resp up =
        Call("POST", "/api/v1/evidence?name=" + UrlEncode("督查记录.pdf"), child, "%PDF-1.4 the section's record");
    ASSERT_EQ(up.status, 200) << up.body;
    sha = up.j()["sha256"];
    Post(child,
         Command("submit", task, kChild, "c-submit",
                 {{"text", "已办结"}, {"evidence", json::array({{{"sha256", sha}, {"name", "督查记录.pdf"}}})}}));
  }

  // A second plan whose directory puts 督查科 under 市政府办公室 and whose
  // task 1 also names 督查科 itself: a sub-unit with a record of its own
  // with the office before it is delegated to.
  static constexpr const char* kNamedPlan = "named-2026";
  void ImportPlanNamingTheSubUnit() {
    const Date today = DayOf(clock->Now());
    schemas::ImportPlan ip;
    ip.plan = schemas::PlanImported{"督查科亦为责任单位的方案", "市政府办公室",     "", "", today.year, "digest",
                                    {kParent, kChild},          {{kChild, kParent}}};
    ip.tasks.push_back(schemas::ImportTask{1,
                                           {"一、重点任务"},
                                           "督查督办",
                                           "督查督办",
                                           schemas::Deadline{"", today.AddDays(40).ToString(), "", false, ""},
                                           {},
                                           {kParent, kChild}});
    schemas::Command c;
    c.command_id = "fixture-import-named";
    c.plan_id = kNamedPlan;
    c.actor = {"office", schemas::Role::kSupervisor, "office"};
    c.body = std::move(ip);
    const Outcome out = engine->Submit(c);
    ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  }
  json OnNamed(json command) {
    command["plan"] = kNamedPlan;
    return command;
  }

  void Post(const Auth& who, const json& command) {
    const Resp r = Call("POST", "/api/v1/commands", who, command.dump());
    ASSERT_EQ(r.status, 200) << command.dump() << " -> " << r.body;
  }
  std::string TaskPath() const { return std::string("/api/v1/plans/") + kPlan + "/tasks/" + std::to_string(task); }
  static bool HasUnit(const json& rows, const std::string& unit) {
    for (const auto& r : rows)
      if (r.value("unit", "") == unit) return true;
    return false;
  }

  std::string sha;
};

TEST_F(DelegationApiTest, TheDelegatingUnitReadsItsSubUnitsPart) {
  const Resp rows = Call("GET", "/api/v1/assignments", parent);
  ASSERT_EQ(rows.status, 200) << rows.body;
  json sub;
  for (const auto& r : rows.j())
    if (r["unit"] == kChild) sub = r;
  ASSERT_TRUE(sub.is_object()) << rows.body;
  EXPECT_EQ(sub["delegated_by"], kParent);
  EXPECT_EQ(sub["status"], "submitted");
  EXPECT_TRUE(HasUnit(rows.j(), kParent)) << "its own row too";

  const Resp filtered = Call("GET", "/api/v1/assignments?unit=" + UrlEncode(kChild) + "&status=submitted", parent);
  ASSERT_EQ(filtered.status, 200) << filtered.body;
  EXPECT_EQ(filtered.j().size(), 1u) << filtered.body;
  const Resp none_now = Call("GET", "/api/v1/assignments?unit=" + UrlEncode(kChild) + "&status=completed", parent);
  EXPECT_EQ(none_now.status, 200) << "a followed unit with no row of that status is an empty answer, not a 403";
  EXPECT_TRUE(none_now.j().empty()) << none_now.body;

  const Resp t = Call("GET", TaskPath(), parent);
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_TRUE(HasUnit(t.j()["assignments"], kChild)) << t.body;
  bool submitted = false, delegated = false;
  const json task_json = t.j();
  for (const auto& e : task_json["history"]) {
    submitted = submitted || (e["type"] == "CompletionSubmitted" && e["body"]["unit"] == kChild);
    delegated = delegated || e["type"] == "AssignmentDelegated";
  }
  EXPECT_TRUE(submitted && delegated) << t.body;

  const std::string today = DayOf(clock->Now()).ToString();
  const Resp asof = Call("GET", std::string("/api/v1/plans/") + kPlan + "/as-of?date=" + today, parent);
  ASSERT_EQ(asof.status, 200) << asof.body;
  EXPECT_TRUE(HasUnit(asof.j()["assignments"], kChild)) << asof.body;

  const Resp file = Call("GET", "/api/v1/evidence/" + sha, parent);
  EXPECT_EQ(file.status, 200) << file.body;
  EXPECT_EQ(file.body, "%PDF-1.4 the section's record");
}

TEST_F(DelegationApiTest, ItsSubmissionWaitsForTheDelegatingUnitNotTheOffice) {
  const Resp mine = Call("GET", "/api/v1/queue/submissions", parent);
  ASSERT_EQ(mine.status, 200) << mine.body;
  ASSERT_EQ(mine.j().size(), 1u) << mine.body;
  EXPECT_EQ(mine.j()[0]["unit"], kChild);
  EXPECT_FALSE(HasUnit(Call("GET", "/api/v1/queue/submissions", office).j(), kChild));
  const Resp for_parent = Call("GET", "/api/v1/queue/submissions?for=" + UrlEncode(kParent), office);
  EXPECT_TRUE(HasUnit(for_parent.j(), kChild)) << "the office may look into a unit's queue: " << for_parent.body;

  // The unit reviews it: its step here, refused to the unit outside the tree.
  const Resp forged = Call("POST", "/api/v1/commands", stranger, Command("approve", task, kChild, "s-approve").dump());
  EXPECT_EQ(forged.status, 403) << forged.body;
  Post(parent, Command("approve", task, kChild, "p-approve", {{"comment", "同意"}}));
  EXPECT_TRUE(Call("GET", "/api/v1/queue/submissions", parent).j().empty());
  // The sub-unit's file may go into the unit's own report.
  Post(parent,
       Command("submit", task, kParent, "p-submit",
               {{"text", "汇总办结"}, {"evidence", json::array({{{"sha256", sha}, {"name", "督查记录.pdf"}}})}}));
}

TEST_F(DelegationApiTest, NoOneOutsideTheTreeReadsIt) {
  EXPECT_EQ(Call("GET", TaskPath(), stranger).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/evidence/" + sha, stranger).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/assignments?unit=" + UrlEncode(kChild), stranger).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/assignments?unit=" + UrlEncode(kParent), child).status, 403)
      << "a sub-unit does not read the part it was delegated from";
  EXPECT_TRUE(Call("GET", "/api/v1/queue/submissions", stranger).j().empty());

  const Resp own = Call("GET", "/api/v1/assignments", child);
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_TRUE(HasUnit(own.j(), kChild));
  EXPECT_FALSE(HasUnit(own.j(), kParent)) << own.body;
  const Resp t = Call("GET", TaskPath(), child);
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_FALSE(HasUnit(t.j()["assignments"], kParent)) << t.body;
  const json task_json = t.j();
  for (const auto& e : task_json["history"]) {
    const std::string unit = e["body"].value("unit", "");
    EXPECT_TRUE(unit.empty() || unit == kChild || e["type"] == "AssignmentDelegated") << e.dump();
  }
}

// The sub-unit once held a part of the task from the office itself: what it
// did then is its own record with the office, not the delegating unit's to
// read once it delegates to the same sub-unit.
TEST_F(DelegationApiTest, HistoryStartsAtTheSubUnitsCurrentPart) {
  Post(child, OnNamed(Command("accept", 1, kChild, "n-c-accept")));
  Post(child,
       OnNamed(Command("progress", 1, kChild, "n-c-progress", {{"percent", 30}, {"text", "督查科独立办理的进展"}})));
  Post(office,
       OnNamed(Command("cancel_assignment", 1, kChild, "n-o-cancel", {{"reason", "交由市政府办公室统一办理"}})));
  Post(parent, OnNamed(Command("accept", 1, kParent, "n-p-accept")));
  Post(parent,
       OnNamed(Command("delegate", 1, kParent, "n-p-delegate", {{"to_unit", kChild}, {"note", "请督查科具体承办"}})));

  const std::string path = std::string("/api/v1/plans/") + kNamedPlan + "/tasks/1";
  auto progress_of_child = [&](const Auth& who) {
    const Resp t = Call("GET", path, who);
    EXPECT_EQ(t.status, 200) << t.body;
    const json task_json = t.j();
    int n = 0;
    for (const auto& e : task_json["history"])
      if (e["type"] == "ProgressReported" && e["body"].value("unit", "") == kChild) ++n;
    return n;
  };
  EXPECT_EQ(progress_of_child(parent), 0) << "the delegator reads its sub-unit's part from the delegation on";
  EXPECT_EQ(progress_of_child(office), 1) << "the office reads the whole history";
  EXPECT_EQ(progress_of_child(child), 1) << "the sub-unit reads its own earlier part";

  // What the sub-unit does on the delegated part, the delegator does read.
  Post(child, OnNamed(Command("accept", 1, kChild, "n-c-accept-again")));
  Post(child, OnNamed(Command("progress", 1, kChild, "n-c-progress-again", {{"percent", 10}, {"text", "承办进展"}})));
  EXPECT_EQ(progress_of_child(parent), 1);
}

}  // namespace
}  // namespace duban::testing
