// End to end over real HTTP: the office imports the sample plan, unit A signs
// for its task, reports progress with an evidence file, submits; the office
// approves; the auditor reads the history and the as-of view; verify is ok;
// every event names the signed-in account. Then a missing evidence file is
// what verify reports.
#include <chrono>
#include <filesystem>

#include "duban/server/evidence.h"
#include "server_fixture.h"

namespace duban::testing {
namespace {

class EndToEndTest : public ServerTest {};

TEST_F(EndToEndTest, OfficeImportsUnitWorksWithEvidenceOfficeApprovesAuditorReads) {
  StartServer();
  const Auth office = SignIn("office");  // a browser: cookie + CSRF header
  const Auth unit = SignIn("unit-a");
  const Auth auditor = SignIn("auditor");
  const std::string plan_file = ReadFile(std::string(DUBAN_SOURCE_DIR) + "/workflows/plans/shaoguan-2021.txt");

  const uint64_t before_preview = LogEnd();
  const Resp preview =
      Call("POST", "/api/v1/plans/import?dry_run=1", office, plan_file, {{"Content-Type", "text/plain"}});
  ASSERT_EQ(preview.status, 200) << preview.body.substr(0, 300);
  EXPECT_GT(preview.j()["assignments"].get<int>(), 49);
  EXPECT_EQ(LogEnd(), before_preview) << "a dry run writes nothing";
  const uint64_t before_import = LogEnd();
  const Resp imported = Call("POST", std::string("/api/v1/plans/import?id=") + kPlan, office, plan_file,
                             {{"Content-Type", "text/plain"}});
  ASSERT_EQ(imported.status, 200) << imported.body.substr(0, 300);
  EXPECT_GT(LogEnd(), before_import + 49);
  srv->WithEngine([&](Engine& e) { FindTasks(e); });

  const Resp up =
      Call("POST", "/api/v1/evidence?name=" + UrlEncode("一季度台账.pdf"), unit, "%PDF-1.7 quarter one ledger");
  ASSERT_EQ(up.status, 200) << up.body;
  const std::string sha = up.j()["sha256"];
  EXPECT_EQ(up.j()["type"], "pdf");

  auto post = [&](const Auth& who, const json& cmd) {
    const Resp r = Call("POST", "/api/v1/commands", who, cmd.dump());
    EXPECT_EQ(r.status, 200) << cmd.dump() << ": " << r.body;
    return r.j();
  };
  post(unit, Command("accept", task_a, unit_a, "e2e-accept"));
  const json progress =
      post(unit, Command("progress", task_a, unit_a, "e2e-progress",
                         {{"percent", 60},
                          {"text", "已完成初稿"},
                          {"evidence", json::array({{{"sha256", sha}, {"name", "一季度台账.pdf"}}})}}));
  ASSERT_EQ(progress["events"].size(), 1u);
  EXPECT_NE(progress["events"][0].dump().find(sha), std::string::npos) << "the event references the file by hash";
  post(unit, Command("submit", task_a, unit_a, "e2e-submit", {{"text", "已完成"}}));
  post(office, Command("approve", task_a, unit_a, "e2e-approve", {{"comment", "同意销号"}}));

  const Resp task = Call("GET", std::string("/api/v1/plans/") + kPlan + "/tasks/" + std::to_string(task_a), auditor);
  ASSERT_EQ(task.status, 200) << task.body;
  std::map<std::string, std::string> actor_of;  // event type -> actor name
  const json task_json = task.j();
  for (const auto& e : task_json["history"])
    actor_of[e["type"].get<std::string>()] = e["actor"]["name"].get<std::string>();
  EXPECT_EQ(actor_of["AssignmentAccepted"], "unit-a");
  EXPECT_EQ(actor_of["ProgressReported"], "unit-a");
  EXPECT_EQ(actor_of["CompletionSubmitted"], "unit-a");
  EXPECT_EQ(actor_of["CompletionApproved"], "office");
  EXPECT_EQ(actor_of["AssignmentCreated"], "office");

  const Resp asof =
      Call("GET", std::string("/api/v1/plans/") + kPlan + "/as-of?date=2099-01-01&basis=recorded", auditor);
  ASSERT_EQ(asof.status, 200) << asof.body;
  bool completed = false;
  const json asof_json = asof.j();
  for (const auto& r : asof_json["assignments"])
    if (r["task"] == task_a && r["unit"] == unit_a) completed = r["status"] == "completed";
  EXPECT_TRUE(completed) << asof.body.substr(0, 600);

  const Resp verify = Call("GET", "/api/v1/verify", auditor);
  ASSERT_EQ(verify.status, 200) << verify.body;
  EXPECT_TRUE(verify.j()["ok"].get<bool>()) << verify.body;
  EXPECT_EQ(verify.j()["evidence_references"], 1);

  const Resp file = Call("GET", "/api/v1/evidence/" + sha, unit);
  EXPECT_EQ(file.status, 200);
  EXPECT_EQ(file.body, "%PDF-1.7 quarter one ledger");

  // An upload nothing cites: listed by FindUncited once old enough (never the
  // cited file), removed on request, and verify stays ok.
  const Resp stray =
      Call("POST", "/api/v1/evidence?name=" + UrlEncode("传错的.png"), unit, "\x89PNG\r\n\x1A\nstray bytes");
  ASSERT_EQ(stray.status, 200) << stray.body;
  const std::string stray_sha = stray.j()["sha256"];
  const std::string dir = evidence::DirFor(options.data_dir);
  auto uncited = [&](int64_t min_age) {
    std::vector<evidence::UncitedFile> out;
    srv->WithEngine([&](Engine& e) {
      auto r = evidence::FindUncited(e, dir, min_age);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      out = *r;
    });
    return out;
  };
  ASSERT_EQ(uncited(0).size(), 1u);
  EXPECT_EQ(uncited(0)[0].sha256, stray_sha);
  EXPECT_EQ(uncited(0)[0].uploaders, "unit:" + unit_a);
  EXPECT_TRUE(uncited(30 * 86400).empty()) << "a fresh upload may still be cited";
  const std::string stray_path = evidence::Store(dir).PathOf(stray_sha);
  std::filesystem::last_write_time(stray_path,
                                   std::filesystem::file_time_type::clock::now() - std::chrono::hours(24 * 40));
  const auto old = uncited(30 * 86400);
  ASSERT_EQ(old.size(), 1u);
  ASSERT_TRUE(evidence::RemoveUncited(old[0]).ok());
  EXPECT_FALSE(std::filesystem::exists(stray_path));
  EXPECT_TRUE(std::filesystem::exists(evidence::Store(dir).PathOf(sha)));
  EXPECT_TRUE(Call("GET", "/api/v1/verify", auditor).j()["ok"].get<bool>());

  // Verify names a referenced file that went missing.
  std::filesystem::remove(evidence::Store(evidence::DirFor(options.data_dir)).PathOf(sha));
  const Resp broken = Call("GET", "/api/v1/verify", auditor);
  EXPECT_FALSE(broken.j()["ok"].get<bool>()) << broken.body;
  EXPECT_NE(broken.body.find("missing"), std::string::npos);
}

TEST_F(EndToEndTest, AnImportDatedInTheFutureIsRefusedByTheDomain) {
  StartServer();
  const Auth office = SignIn("office", Auth::kBearer);
  const std::string plan_file = ReadFile(std::string(DUBAN_SOURCE_DIR) + "/workflows/plans/yichun-2021.txt");
  const Resp r = Call("POST", "/api/v1/plans/import?id=yichun&issued_on=2099-01-01", office, plan_file,
                      {{"Content-Type", "text/plain"}});
  EXPECT_EQ(r.status, 422) << r.body.substr(0, 300);
  EXPECT_EQ(r.j()["error"], "issued_after_its_year") << "a 2021 plan issued in 2099: a typo";
  // Its preview says so, as the workbench shows before the import is tried.
  const Resp dry = Call("POST", "/api/v1/plans/import?dry_run=1&issued_on=2099-01-01", office, plan_file,
                        {{"Content-Type", "text/plain"}});
  EXPECT_EQ(dry.status, 200) << dry.body.substr(0, 300);
  EXPECT_TRUE(dry.j()["preview"].contains("issued_after_its_year")) << dry.body.substr(0, 300);
  // Within its year but after today: the domain refuses a publication still to come.
  const Date tomorrow = DayOf(SystemClock()->Now()).AddDays(1);
  const std::string next =
      "测试市" + std::to_string(tomorrow.year) +
      "年工作要点分工方案\n序号\t工作任务\t牵头单位\t责任单位\t完成时限\n1\t做好公开\t市财政局\t\t" +
      std::to_string(tomorrow.year) + "年12月31日前\n";
  const Resp f = Call("POST", "/api/v1/plans/import?id=next&accept_unknown_units=1&issued_on=" + tomorrow.ToString(),
                      office, next, {{"Content-Type", "text/plain"}});
  EXPECT_EQ(f.status, 422) << f.body.substr(0, 300);
  EXPECT_EQ(f.j()["reason"], "time_in_future") << f.body.substr(0, 300);
  EXPECT_EQ(Call("GET", "/api/v1/plans/yichun", office).status, 404);
  EXPECT_EQ(Call("GET", "/api/v1/plans/next", office).status, 404);
}

// A December plan for next year whose title names no year: its 10月底前,
// read in the issue date's year, is already past. The preview says the year
// is in doubt, the import is refused until `year` is given, and a year the
// title contradicts is a bad request.
TEST_F(EndToEndTest, APlanWithoutItsYearWhoseDatesPrecedeItsIssueIsRefusedUntilTheYearIsGiven) {
  StartServer();
  const Auth office = SignIn("office", Auth::kBearer);
  const std::string rows =
      "序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
      "1\t完成年度财政预算公开工作\t市财政局\t\t10月底前\n";
  const httplib::Headers text{{"Content-Type", "text/plain"}};
  const std::string q = "/api/v1/plans/import?accept_unknown_units=1&issued_on=2026-12-01";
  const Resp preview = Call("POST", q + "&dry_run=1", office, rows, text);
  ASSERT_EQ(preview.status, 200) << preview.body;
  ASSERT_TRUE(preview.j()["preview"].contains("year_in_doubt")) << preview.body;
  EXPECT_NE(preview.j()["preview"]["year_in_doubt"]["message_zh"].get<std::string>().find("2027"), std::string::npos);
  const Resp refused = Call("POST", q + "&id=dec", office, rows, text);
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(refused.j()["error"], "year_in_doubt") << refused.body;
  EXPECT_EQ(Call("GET", "/api/v1/plans/dec", office).status, 404) << "nothing imported";
  const Resp imported = Call("POST", q + "&id=dec&year=2027", office, rows, text);
  ASSERT_EQ(imported.status, 200) << imported.body;
  const Resp task = Call("GET", "/api/v1/plans/dec/tasks/1", office);
  ASSERT_EQ(task.status, 200) << task.body;
  EXPECT_EQ(task.j()["assignments"][0]["due_on"], "2027-10-31") << task.body;
  const Resp other = Call("POST", q + "&id=dec2&year=2027", office, "测试市2026年工作要点分工方案\n" + rows, text);
  EXPECT_EQ(other.status, 400) << "the title names another year";
  EXPECT_EQ(other.j().value("message_zh", ""),
            "所填方案年度2027年不是方案标题中的年份（2026年）：请不填方案年度，或核对文件")
      << other.body;
  EXPECT_EQ(Call("POST", q + "&id=dec3&year=27", office, rows, text).status, 400);
}

// A plan across the turn of the year (dates_after_issue): 10月底前 is next
// October, read from the issue date on; a day that does not exist is 422.
TEST_F(EndToEndTest, APlanAcrossTheTurnOfTheYearIsReadFromItsIssueDateOnAndAnImpossibleDayIsRefused) {
  StartServer();
  const Auth office = SignIn("office", Auth::kBearer);
  const httplib::Headers text{{"Content-Type", "text/plain"}};
  const std::string rows =
      "序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
      "1\t完成年度财政预算公开工作\t市财政局\t\t10月底前\n";
  const std::string q = "/api/v1/plans/import?accept_unknown_units=1&issued_on=2026-12-01&dates_after_issue=1";
  const Resp imported = Call("POST", q + "&id=across", office, rows, text);
  ASSERT_EQ(imported.status, 200) << imported.body;
  const Resp task = Call("GET", "/api/v1/plans/across/tasks/1", office);
  ASSERT_EQ(task.status, 200) << task.body;
  EXPECT_EQ(task.j()["assignments"][0]["due_on"], "2027-10-31") << task.body;
  EXPECT_EQ(
      Call("POST", "/api/v1/plans/import?accept_unknown_units=1&dates_after_issue=1&id=x", office, rows, text).status,
      400)
      << "no issue date to read from";
  const Resp typo = Call("POST", "/api/v1/plans/import?accept_unknown_units=1&id=typo", office,
                         "测试市2026年工作要点分工方案\n序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
                         "1\t完成年度财政预算公开工作\t市财政局\t\t2026年2月30日前\n",
                         text);
  EXPECT_EQ(typo.status, 422) << typo.body;
  EXPECT_EQ(typo.j().value("error", ""), "impossible_deadline") << typo.body;
  EXPECT_EQ(Call("GET", "/api/v1/plans/typo", office).status, 404) << "nothing imported";
  // A row naming units and work but no number, among numbered tasks: refused, not imported without it.
  const Resp unnumbered = Call("POST", "/api/v1/plans/import?accept_unknown_units=1&id=unnumbered", office,
                               "测试市2026年工作要点分工方案\n序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
                               "1\t完成年度财政预算公开工作\t市财政局\t\t10月底前\n"
                               "\t推进安全生产\t市应急管理局\t\t12月底前\n",
                               text);
  EXPECT_EQ(unnumbered.status, 422) << unnumbered.body;
  EXPECT_EQ(unnumbered.j().value("error", ""), "rows_not_imported") << unnumbered.body;
  EXPECT_EQ(Call("GET", "/api/v1/plans/unnumbered", office).status, 404) << "nothing imported";
}

}  // namespace
}  // namespace duban::testing
