// The office's paperwork as downloads (GET /api/v1/reports/...): the same
// reports `duban report` writes, as of a date up to today, a unit's ledger
// holding its own rows only, and clear refusals for the rest.
#include "duban/reports/bulletin.h"
#include "duban/reports/bulletin_files.h"
#include "duban/reports/ledger.h"
#include "duban/reports/ledger_files.h"
#include "duban/reports/scorecard.h"
#include "duban/reports/scorecard_files.h"
#include "duban/workflows/scorecard.h"
#include "server_fixture.h"

namespace duban::testing {
namespace {

class ReportsApiTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    // Imported on 1 November 2021; the server's today is 20 January 2022,
    // after the clock ran: the year-end deadlines missed, reminders sent,
    // escalations raised.
    SetToday("2021-11-01");
    ImportSamplePlan(clock->Now());
    SetToday("2022-01-20");
    ASSERT_TRUE(engine->Tick(clock->Now()).ok());
    StartServer();
    office = SignIn("office");
  }
  void SetToday(const std::string& day) {
    auto at = ParseInstant(day);
    ASSERT_TRUE(at.has_value());
    clock->Advance(*at - clock->Now());
  }
  std::string Path(const std::string& kind, const std::string& query) {
    return "/api/v1/reports/" + kind + "?plan=" + kPlan + (query.empty() ? "" : "&" + query);
  }
  std::string Header(const Resp& r, const std::string& name) {
    auto it = r.headers.find(name);
    return it == r.headers.end() ? "" : it->second;
  }
  Auth office;
};

TEST_F(ReportsApiTest, EachReportIsWhatTheReportModuleComputesForTheDate) {
  const Date day = *Date::Parse("2022-01-14");
  std::string ledger, card, bulletin;
  srv->WithEngine([&](Engine& e) {
    ledger = reports::LedgerJson(*reports::LedgerAsOf(e, kPlan, day));
    card = reports::ScorecardJson(*reports::ScorecardAsOf(e, kPlan, day, *workflows::ScorecardRule::Default()));
    bulletin = reports::BulletinJson(*reports::BulletinAsOf(e, kPlan, day));
  });
  const Resp l = Call("GET", Path("ledger", "format=json&as_of=2022-01-14"), office);
  ASSERT_EQ(l.status, 200) << l.body;
  EXPECT_EQ(l.body, ledger);
  EXPECT_EQ(Header(l, "Content-Type"), "application/json; charset=utf-8");
  const Resp c = Call("GET", Path("scorecard", "format=json&as_of=2022-01-14"), office);
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(c.body, card);
  const Resp b = Call("GET", Path("bulletin", "format=json&as_of=2022-01-14"), office);
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(b.body, bulletin);
  EXPECT_GT(b.j()["counts"]["late_units"].get<int>(), 0)
      << "the sample plan has units late by 2022-01-14: " << b.body.substr(0, 400);
}

TEST_F(ReportsApiTest, FilesComeAsAttachmentsNamedInChineseWithAnAsciiFallback) {
  const Resp x = Call("GET", Path("ledger", ""), office);
  ASSERT_EQ(x.status, 200) << x.body;
  EXPECT_EQ(Header(x, "Content-Type"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(x.body.substr(0, 2), "PK") << "an xlsx is a zip";
  EXPECT_GT(x.body.size(), 5000u);
  const std::string cd = Header(x, "Content-Disposition");
  EXPECT_NE(cd.find("attachment; filename=\"shaoguan-2021-ledger-2022-01-20.xlsx\""), std::string::npos) << cd;
  // The plan's title + 工作台账, percent-encoded UTF-8; the date defaults to the server's today.
  EXPECT_NE(cd.find("filename*=UTF-8''"), std::string::npos) << cd;
  // (cpp-httplib's client percent-decodes header values as it reads them.)
  EXPECT_TRUE(cd.find("%E5%B7%A5%E4%BD%9C%E5%8F%B0%E8%B4%A6") != std::string::npos ||
              cd.find("filename*=UTF-8''" + std::string("韶关市")) != std::string::npos)
      << cd;
  EXPECT_NE(cd.find("工作台账（截至2022-01-20）.xlsx"), std::string::npos) << cd;
  EXPECT_NE(cd.find("2022-01-20"), std::string::npos) << cd;
  const Resp csv = Call("GET", Path("ledger", "format=csv"), office);
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.body.substr(0, 3), "\xEF\xBB\xBF") << "csv with a BOM";
  const Resp card = Call("GET", Path("scorecard", ""), office);
  ASSERT_EQ(card.status, 200) << card.body;
  EXPECT_EQ(card.body.substr(0, 2), "PK");
  const Resp docx = Call("GET", Path("bulletin", ""), office);
  ASSERT_EQ(docx.status, 200) << docx.body;
  EXPECT_EQ(Header(docx, "Content-Type"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  EXPECT_EQ(docx.body.substr(0, 2), "PK");
  EXPECT_NE(docx.body.find("word/document.xml"), std::string::npos);
  // A Range request (a download manager resuming) gets the whole file, never a
  // slice labelled 200 or one spliced from two makings of the report.
  // (An xlsx differs by its timestamps each time it is made: the csv is
  // compared byte for byte, the xlsx must be a whole zip.)
  const Resp ranged = Call("GET", Path("ledger", ""), office, "", {{"Range", "bytes=0-9"}});
  EXPECT_EQ(ranged.status, 200);
  EXPECT_GT(ranged.body.size(), 5000u);
  EXPECT_NE(ranged.body.rfind(std::string("PK\x05\x06", 4)), std::string::npos) << "the zip's end record";
  EXPECT_EQ(Header(ranged, "Content-Range"), "");
  const Resp whole_csv = Call("GET", Path("ledger", "format=csv"), office);
  const Resp ranged_csv = Call("GET", Path("ledger", "format=csv"), office, "", {{"Range", "bytes=0-9"}});
  EXPECT_EQ(ranged_csv.status, 200);
  EXPECT_EQ(ranged_csv.body, whole_csv.body);
  // The auditor downloads the same.
  const Resp audit = Call("GET", Path("bulletin", "format=json&as_of=2022-01-14"), SignIn("auditor"));
  EXPECT_EQ(audit.status, 200) << audit.body;
}

TEST_F(ReportsApiTest, AUnitGetsItsOwnLedgerAndNothingElse) {
  const Auth unit = SignIn("unit-a");
  const Resp mine = Call("GET", Path("ledger", "format=json"), unit);
  ASSERT_EQ(mine.status, 200) << mine.body;
  const json rows = mine.j()["rows"];
  ASSERT_FALSE(rows.empty());
  for (const auto& r : rows) EXPECT_EQ(r["unit"], unit_a) << r.dump();
  const Resp other = Call("GET", Path("ledger", "format=json&unit=" + UrlEncode(unit_b)), unit);
  EXPECT_EQ(other.status, 403) << other.body;
  EXPECT_EQ(Call("GET", Path("scorecard", "format=json"), unit).status, 403);
  EXPECT_EQ(Call("GET", Path("bulletin", "format=json"), unit).status, 403);
  // The office names a unit and gets its rows only.
  const Resp one = Call("GET", Path("ledger", "format=json&unit=" + UrlEncode(unit_b)), office);
  ASSERT_EQ(one.status, 200) << one.body;
  const json one_rows = one.j()["rows"];
  for (const auto& r : one_rows) EXPECT_EQ(r["unit"], unit_b) << r.dump();
}

TEST_F(ReportsApiTest, BadRequestsAreRefusedClearly) {
  struct Case {
    std::string path;
    int status;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"/api/v1/reports/ledger", 400, "'plan' is required"},
      {Path("ledger", "as_of=2021-13-01"), 400, "must be a date"},
      {Path("ledger", "as_of=2022-01-21"), 400, "has not come yet"},
      {Path("ledger", "format=pdf"), 400, "xlsx, csv or json"},
      {Path("scorecard", "format=csv"), 400, "xlsx or json"},
      {Path("bulletin", "format=xlsx"), 400, "docx or json"},
      {Path("bulletin", "as_of=2021-10-31"), 404, "did not exist on 2021-10-31"},
      {"/api/v1/reports/ledger?plan=nope", 404, "no plan with id nope"},
  };
  for (const auto& k : cases) {
    const Resp r = Call("GET", k.path, office);
    EXPECT_EQ(r.status, k.status) << k.path << ": " << r.body;
    EXPECT_NE(r.body.find(k.says), std::string::npos) << k.path << ": " << r.body;
  }
}

}  // namespace
}  // namespace duban::testing
