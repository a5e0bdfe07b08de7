// The calendar over HTTP: the office records the year's holiday notice while
// `duban serve` holds the store (POST /api/v1/calendar/notices) and reads the
// calendar's status (GET /api/v1/calendar), as `duban calendar add|status`
// do. A plan issued 2026-12-06 with a stated 2027 date and a date counted in
// working days provisionally: before the notice both count provisionally;
// after it none does, the working-day date has moved, and the task answers
// with it. Refusals (a unit, a malformed or far-year notice, an empty body,
// an unknown parameter) record no notice; the same notice again is a
// duplicate.
#include "server_fixture.h"

namespace duban::testing {
namespace {

const char* kYearPlan = "year-2027";

class CalendarApiTest : public ServerTest {
 protected:
  Auth office, auditor, unit;
  std::string notice;

  void SetUp() override {
    ServerTest::SetUp();
    StartServer();
    office = SignIn("office", Auth::kBearer);
    auditor = SignIn("auditor");
    unit = SignIn("unit-a", Auth::kBearer);
    notice = ReadFile(std::string(DUBAN_SOURCE_DIR) + "/tests/workflow_engine/data/cn-mainland-2027.TEST-FIXTURE.yaml");
    ASSERT_FALSE(notice.empty());
    const std::string plan =
        "序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
        "1\t完成年度普法考核\t" +
        unit_a +
        "\t\t2027年1月20日前\n"
        "2\t报送整改方案\t" +
        unit_b + "\t\t印发后45个工作日内\n";
    const Resp r =
        Call("POST", std::string("/api/v1/plans/import?accept_unknown_units=1&issued_on=2026-12-06&id=") + kYearPlan,
             office, plan, {{"Content-Type", "text/plain"}});
    ASSERT_EQ(r.status, 200) << r.body;
  }

  Resp PostNotice(const Auth& who, const std::string& body, const std::string& query = "?source=2027.yaml") {
    return Call("POST", "/api/v1/calendar/notices" + query, who, body, {{"Content-Type", "text/plain"}});
  }
  std::string TaskDue(int32_t task) {
    const Resp r = Call("GET", std::string("/api/v1/plans/") + kYearPlan + "/tasks/" + std::to_string(task), office);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.j()["assignments"][0]["due_on"].get<std::string>();
  }
};

TEST_F(CalendarApiTest, TheOfficeRecordsTheNoticeWhileServingAndOpenDeadlinesCountOnIt) {
  const Resp before = Call("GET", "/api/v1/calendar", auditor);
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_TRUE(before.j()["recorded_notices"].empty());
  const json& years = before.j()["covered_years"];
  EXPECT_EQ(std::count(years.begin(), years.end(), 2027), 0) << years.dump();
  ASSERT_EQ(before.j()["provisional_deadlines"].size(), 2u) << before.body;
  EXPECT_EQ(TaskDue(2), "2027-02-08") << "45 working days from 2026-12-06, provisionally";

  // The office's act only: a unit is refused before anything is written.
  const uint64_t end = LogEnd();
  const Resp by_unit = PostNotice(unit, notice);
  EXPECT_EQ(by_unit.status, 403) << by_unit.body;
  EXPECT_EQ(LogEnd(), end);

  const Resp added = PostNotice(office, notice);
  ASSERT_EQ(added.status, 200) << added.body;
  const json a = added.j();
  EXPECT_EQ(a["outcome"], "accepted");
  EXPECT_EQ(a["duplicate"], false);
  EXPECT_EQ(a["calendar_version"], "cn-mainland/2026-11-10");
  EXPECT_EQ(a["recounted_assignments"], 2);
  EXPECT_EQ(a["task_deadlines"], 2);
  EXPECT_EQ(a["task_deadlines_moved"], 1);
  EXPECT_GT(LogEnd(), end + 4) << "the notice, two assignments' and two tasks' recounts";
  bool moved = false;
  for (const json& ch : a["changes"])
    if (ch.value("unit", "") == unit_b && ch["task"] == 2) {
      moved = true;
      EXPECT_EQ(ch["due_on"], "2027-02-15") << ch.dump();
      EXPECT_EQ(ch["changes"][0], "due 2027-02-08 -> 2027-02-15") << ch.dump();
    }
  EXPECT_TRUE(moved) << a["changes"].dump();
  EXPECT_EQ(TaskDue(2), "2027-02-15") << "counted again on the notice: 春节 rests, 02-14 is worked";
  EXPECT_EQ(TaskDue(1), "2027-01-20") << "a stated date stays";

  const Resp after = Call("GET", "/api/v1/calendar", office);
  ASSERT_EQ(after.status, 200) << after.body;
  const json s = after.j();
  EXPECT_EQ(s["version"], "cn-mainland/2026-11-10");
  ASSERT_EQ(s["recorded_notices"].size(), 1u);
  EXPECT_EQ(s["recorded_notices"][0]["covers"], 2027);
  EXPECT_EQ(s["recorded_notices"][0]["source"], "2027.yaml");
  EXPECT_EQ(std::count(s["covered_years"].begin(), s["covered_years"].end(), 2027), 1);
  EXPECT_TRUE(s["provisional_deadlines"].empty()) << s["provisional_deadlines"].dump();

  // Sent again (a retry): the same command, nothing written.
  const uint64_t end_after = LogEnd();
  const Resp again = PostNotice(office, notice);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.j()["duplicate"], true);
  EXPECT_EQ(LogEnd(), end_after);
  // The same notice under another id: refused as recorded already, naming where from.
  const Resp other_id = PostNotice(office, notice, "?source=copy.yaml&id=another-id");
  EXPECT_EQ(other_id.status, 422) << other_id.body;
  EXPECT_NE(other_id.body.find("is already recorded in this store (from 2027.yaml)"), std::string::npos)
      << other_id.body;

  // Units have no calendar page of their own: the provisional list names
  // every unit's deadlines.
  EXPECT_EQ(Call("GET", "/api/v1/calendar", unit).status, 403);
}

// 春节前 counts the last working day before the holiday: provisionally the day
// before 除夕 (2027-02-04), and on a notice whose holiday begins earlier, the
// day before that (here a notice with 春节 from 02-03: 02-02).
TEST_F(CalendarApiTest, ABeforeTheFestivalDateIsCountedAgainOnTheNotice) {
  const std::string plan = "序号\t工作任务\t牵头单位\t责任单位\t完成时限\n1\t完成欠薪清零\t" + unit_a + "\t\t春节前\n";
  const Resp r = Call("POST", "/api/v1/plans/import?accept_unknown_units=1&issued_on=2026-12-06&id=spring", office,
                      plan, {{"Content-Type", "text/plain"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto due = [&] {
    const Resp t = Call("GET", "/api/v1/plans/spring/tasks/1", office);
    EXPECT_EQ(t.status, 200) << t.body;
    return t.j()["assignments"][0]["due_on"].get<std::string>();
  };
  EXPECT_EQ(due(), "2027-02-04") << "provisionally the day before 除夕";
  std::string earlier = notice;
  earlier.replace(earlier.find("from: 2027-02-05"), 16, "from: 2027-02-03");
  const Resp added = PostNotice(office, earlier);
  ASSERT_EQ(added.status, 200) << added.body;
  EXPECT_EQ(due(), "2027-02-02") << "the working day before the notice's holiday";
}

TEST_F(CalendarApiTest, ANoticeThatCannotBeRecordedIsRefusedWithItsReasonAndWritesNothing) {
  std::string far_year = notice;
  far_year.replace(far_year.find("covers: 2027"), 12, "covers: 2072");
  struct Case {
    const char* what;
    std::string body, query;
    int status;
    const char* says;
  } cases[] = {
      {"not a notice", "calendar: [unclosed\n", "?source=broken.yaml", 422, "broken.yaml"},
      {"a year far from its date", far_year, "?source=typo.yaml", 422, "is the year mistyped?"},
      {"an empty body", "", "", 400, "empty"},
      {"an unknown parameter", notice, "?source=a.yaml&dry_run=1", 400, "dry_run"},
      {"a source with a line break", notice, "?source=a%0Ab.yaml", 400, "source"},
      {"a source not UTF-8", notice, "?source=%C3%28%FF.yaml", 400, "UTF-8"},
      {"an id not UTF-8", notice, "?id=%C3%28", 400, "UTF-8"},
  };
  for (const auto& c : cases) {
    const uint64_t end = LogEnd();
    const Resp r = PostNotice(office, c.body, c.query);
    EXPECT_EQ(r.status, c.status) << c.what << ": " << r.body;
    EXPECT_NE(r.body.find(c.says), std::string::npos) << c.what << ": " << r.body;
    // A request refused at the door writes nothing; one the engine refuses
    // is logged as its rejection (audit), and records no notice.
    EXPECT_EQ(LogEnd(), end + (c.status == 422 ? 1 : 0)) << c.what;
    const Resp s = Call("GET", "/api/v1/calendar", office);
    EXPECT_TRUE(s.j()["recorded_notices"].empty()) << c.what << ": " << s.body;
  }
  // A form (curl -d's default) is told to send the file as the body.
  const Resp form = Call("POST", "/api/v1/calendar/notices", office, "calendar=cn-mainland",
                         {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(form.status, 400) << form.body;
  EXPECT_NE(form.body.find("not as a form"), std::string::npos) << form.body;
  // The real notice is still taken after the typo was refused.
  EXPECT_EQ(PostNotice(office, notice).status, 200);
}

}  // namespace
}  // namespace duban::testing
