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

}  // namespace
}  // namespace duban::testing
