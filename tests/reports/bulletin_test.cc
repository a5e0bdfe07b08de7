// The bulletin (通报, engine/reports/bulletin): groups and counts against the
// engine's queries on every day, units named under the definition's levels,
// an office's own ladder, and the .docx body deterministic and escaped.
#include <gtest/gtest.h>

#include "report_fixture.h"

namespace duban::reports {
namespace {

using namespace test_support;  // NOLINT(google-build-using-namespace): the fixture's names

class BulletinTest : public LedgerTest {
 protected:
  void SetUp() override {
    LedgerTest::SetUp();
    ASSERT_TRUE(engine);
    Expect(Office(), At("2021-09-01"), SamplePlan(policy->latest_calendar().version()));
    TickThrough("2021-09-02", "2021-09-02");
    Expect(UnitOf(kFinance), At("2021-09-02", 10), Accept{1, kFinance});
    Expect(UnitOf(kFinance), At("2021-09-02", 10), Accept{3, kFinance});
    Expect(UnitOf(kEducation), At("2021-09-02", 11), Accept{1, kEducation});
    Expect(UnitOf(kHealth), At("2021-09-02", 11), Accept{2, kHealth});
    Expect(UnitOf(kPolice), At("2021-09-02", 12), Accept{2, kPolice});
    TickThrough("2021-09-03", "2021-09-27");
    Expect(Office(), At("2021-09-27", 10), StartReviewCycle{"2021-q3", "", "quarterly", "2021-09-29", ""});
    Expect(UnitOf(kFinance), At("2021-09-28", 10),
           ReportProgress{1, kFinance, 90, "已报审", "", "张三", "13800000001"});
    Expect(UnitOf(kFinance), At("2021-09-28", 11),
           ReportProgress{3, kFinance, 50, "推进中", "", "张三", "13800000001"});
    Expect(UnitOf(kFinance), At("2021-09-28", 15), Submit{1, kFinance, "已完成", ""});
    TickThrough("2021-09-28", "2021-09-29");
    Expect(Office(), At("2021-09-29", 10), Approve{1, kFinance, "同意销号"});
    TickThrough("2021-09-30", "2021-09-30");
    Expect(UnitOf(kHealth), At("2021-09-30", 10), ReportProgress{2, kHealth, 60, "推进中", "", "赵六", "13800000003"});
    TickThrough("2021-10-01", "2021-10-12");
    Expect(UnitOf(kFinance), At("2021-10-12", 10), Submit{3, kFinance, "已完成", ""});
    TickThrough("2021-10-13", "2021-10-13");
    Expect(Office(), At("2021-10-13", 10), Approve{3, kFinance, "同意销号"});
    TickThrough("2021-10-14", "2021-10-18");
    Expect(UnitOf(kHealth), At("2021-10-18", 10), Submit{2, kHealth, "已完成", ""});
    TickThrough("2021-10-19", "2021-10-19");
    Expect(Office(), At("2021-10-19", 10), Approve{2, kHealth, "同意销号"});
    TickThrough("2021-10-20", "2021-11-05");
  }
  const BulletinUnit* Find(const std::vector<BulletinGroup>& groups, const std::string& unit, int32_t* level) {
    for (const auto& g : groups)
      for (const auto& u : g.units)
        if (u.unit == unit) {
          *level = g.level;
          return &u;
        }
    return nullptr;
  }
};

TEST_F(BulletinTest, GroupsAndCountsAgreeWithTheEnginesQueriesOnEveryDay) {
  for (Date d = D("2021-09-01"); d <= D("2021-11-05"); d = d.AddDays(1)) {
    const std::string day = d.ToString();
    auto b = BulletinAsOf(*engine, kPlan, d);
    ASSERT_TRUE(b.ok()) << day << ": " << b.status().ToString();
    auto s = engine->PlanAsOf(kPlan, EndOfDay(d));
    ASSERT_TRUE(s.ok());
    // Late: what the engine's clock marked overdue (DeadlineMissed), still open and not submitted, at its level.
    std::map<std::pair<std::string, int32_t>, int32_t> want_late, got_late;
    std::map<std::string, int32_t> want_unit_level;
    int32_t completed = 0;
    for (const auto& [k, a] : s->assignments) {
      completed += a.status == core::AssignmentStatus::kCompleted;
      if (!a.overdue || !core::IsOpen(a.status) || a.status == core::AssignmentStatus::kSubmitted) continue;
      want_late[{a.unit, k.first}] = a.escalation_level;
      want_unit_level[a.unit] = std::max(want_unit_level[a.unit], a.escalation_level);
    }
    int32_t late_tasks = 0;
    for (const auto& g : b->late)
      for (const auto& u : g.units) {
        ASSERT_TRUE(want_unit_level.count(u.unit)) << day << " " << u.unit;
        EXPECT_EQ(g.level, want_unit_level.at(u.unit)) << day << " " << u.unit;
        EXPECT_EQ(u.level, g.level) << day;
        for (const auto& t : u.tasks) {
          got_late[{u.unit, t.task}] = t.level;
          EXPECT_GT(t.overdue_working_days, 0) << day;
          EXPECT_EQ(t.title, s->tasks.at(t.task).title);
          EXPECT_EQ(t.due_on, s->assignments.at({t.task, u.unit}).due_on);
          ++late_tasks;
        }
      }
    EXPECT_EQ(got_late, want_late) << day;
    EXPECT_EQ(b->late_assignments, late_tasks) << day;
    EXPECT_EQ(b->late_units, static_cast<int32_t>(want_unit_level.size())) << day;
    EXPECT_EQ(b->completed, completed) << day;
    EXPECT_EQ(b->assignments, static_cast<int32_t>(s->assignments.size())) << day;
    // Silent: every request the clock found unanswered (ReportOverdue) and still unanswered at the end of
    // the day is named, at its level (卫健 answers on 09-30, after the clock's mark: answered late, not
    // silent); and only requests of a cycle already due, unanswered.
    std::map<std::pair<std::string, int32_t>, int32_t> marked, got_silent;
    std::set<std::string> answered_late;
    for (const auto& [id, c] : s->cycles) {
      for (const auto& [k, level] : c.overdue)
        if (!c.answered.count(k)) marked[{k.second, k.first}] = level;
      for (const auto& k : c.late) answered_late.insert(k.second);
    }
    std::set<std::string> got_answered_late;
    for (const auto& r : b->answered_late) got_answered_late.insert(r.unit);
    EXPECT_EQ(got_answered_late, answered_late) << day;
    for (const auto& g : b->silent)
      for (const auto& u : g.units)
        for (const auto& t : u.tasks) {
          got_silent[{u.unit, t.task}] = t.level;
          const core::CycleState& c = s->cycles.at(t.cycle);
          EXPECT_TRUE(c.requested.count({t.task, u.unit})) << day;
          EXPECT_FALSE(c.answered.count({t.task, u.unit})) << day;
          EXPECT_LT(c.due_on, day);
          EXPECT_EQ(t.cycle_kind, "quarterly");
        }
    for (const auto& [k, level] : marked) {
      ASSERT_TRUE(got_silent.count(k)) << day << " " << k.first << " " << k.second;
      EXPECT_EQ(got_silent[k], level) << day;
    }
    // On time: every assignment of the unit completed, submitted by its due date, as the scorecard counts.
    auto card = ScorecardAsOf(*engine, kPlan, d, workflows::ScorecardRule{});
    ASSERT_TRUE(card.ok());
    std::vector<std::string> want_on_time, got_on_time;
    for (const auto& u : card->units)
      if (u.assignments > 0 && u.completed_on_time == u.assignments) want_on_time.push_back(u.unit);
    std::sort(want_on_time.begin(), want_on_time.end());
    for (const auto& u : b->on_time) got_on_time.push_back(u.unit);
    EXPECT_EQ(got_on_time, want_on_time) << day;
  }
}

TEST_F(BulletinTest, UnitsAreNamedUnderTheDefinitionsLevelsWithTheirTasks) {
  auto b = BulletinAsOf(*engine, kPlan, D("2021-11-05"));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->Title(), "关于2021年政务公开工作要点分工方案落实情况的通报");
  EXPECT_EQ(b->tasks, 4);
  EXPECT_EQ(b->units, 4);
  EXPECT_EQ(b->assignments, 6);
  EXPECT_EQ(b->completed, 3);
  EXPECT_EQ(b->completed_on_time, 3);
  // The ladder of the compiled-in definition, in its order.
  ASSERT_EQ(b->late.size(), 3u);
  EXPECT_EQ(b->late[0].name, "督促整改");
  EXPECT_EQ(b->late[1].name, "通报批评");
  EXPECT_EQ(b->late[2].name, "约谈");
  // 教育: due 09-30, missed 10-08, 督促整改 10-09, 通报批评 10-15, 约谈 10 working days later (10-29).
  int32_t level = -1;
  const BulletinUnit* edu = Find(b->late, kEducation, &level);
  ASSERT_NE(edu, nullptr);
  EXPECT_EQ(level, 3);
  EXPECT_EQ(edu->assignments, 2);
  EXPECT_EQ(edu->completed, 0);
  ASSERT_EQ(edu->tasks.size(), 1u);  // task 4 has no due date: never late
  EXPECT_EQ(edu->tasks[0].task, 1);
  EXPECT_EQ(edu->tasks[0].title, "推进决策公开");
  EXPECT_EQ(edu->tasks[0].due_on, "2021-09-30");
  EXPECT_EQ(edu->tasks[0].level_name, "约谈");
  // 10-08 .. 11-05 on the 2021 calendar: 10-08, 10-09 (a worked Saturday), then four weeks of five.
  EXPECT_EQ(edu->tasks[0].overdue_working_days, 22);
  // 公安: due 10-20, missed 10-21, 督促整改 10-22, 通报批评 10-29.
  const BulletinUnit* police = Find(b->late, kPolice, &level);
  ASSERT_NE(police, nullptr);
  EXPECT_EQ(level, 2);
  EXPECT_EQ(police->tasks[0].overdue_working_days, 12);
  EXPECT_EQ(Find(b->late, kFinance, &level), nullptr);
  // Finished everything on time: 财政 (tasks 1 and 3) and 卫健 (task 2).
  ASSERT_EQ(b->on_time.size(), 2u);
  EXPECT_EQ(b->on_time[0].unit, kHealth < kFinance ? kHealth : kFinance);
  // Silent in 2021-q3: 教育 (tasks 1 and 4) and 公安 (task 2); 卫健 answered a day late.
  const BulletinUnit* edu_silent = Find(b->silent, kEducation, &level);
  ASSERT_NE(edu_silent, nullptr);
  ASSERT_EQ(edu_silent->tasks.size(), 2u);
  EXPECT_EQ(edu_silent->tasks[0].cycle, "2021-q3");
  EXPECT_EQ(edu_silent->tasks[0].due_on, "2021-09-29");
  EXPECT_GE(level, 1) << "the silence climbed the ladder";
  EXPECT_NE(Find(b->silent, kPolice, &level), nullptr);
  EXPECT_EQ(Find(b->silent, kHealth, &level), nullptr);
  EXPECT_EQ(Find(b->silent, kFinance, &level), nullptr);
  EXPECT_EQ(b->silent_units, 2);
  EXPECT_EQ(b->silent_requests, 3);
  ASSERT_EQ(b->answered_late.size(), 1u);
  EXPECT_EQ(b->answered_late[0].unit, kHealth);
  EXPECT_EQ(b->answered_late[0].times, 1);

  // The json carries the same.
  const auto j = BulletinJson(*b);
  EXPECT_NE(j.find("\"title\": \"关于2021年政务公开工作要点分工方案落实情况的通报\""), std::string::npos);
  EXPECT_NE(j.find("\"name\": \"约谈\""), std::string::npos);
  // Before 2021-q3 was due (09-29 itself), nobody is silent yet; the next day the clock found them.
  auto due_day = BulletinAsOf(*engine, kPlan, D("2021-09-29"));
  ASSERT_TRUE(due_day.ok());
  EXPECT_EQ(due_day->silent_units, 0);
  auto next = BulletinAsOf(*engine, kPlan, D("2021-09-30"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->silent_units, 2);
  EXPECT_EQ(next->late_units, 0);
}

TEST_F(BulletinTest, AnOfficesOwnLadderNamesTheLevels) {
  auto def = workflows::WorkflowDefinition::Default();
  ASSERT_TRUE(def.ok());
  workflows::WorkflowDefinition own = *def;
  own.escalation[0].name = "提醒";
  own.escalation[2].name = "问责约谈";
  auto b = BulletinAsOf(*engine, kPlan, D("2021-11-05"), &own);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->late[0].name, "提醒");
  EXPECT_EQ(b->late[2].name, "问责约谈");
  int32_t level = 0;
  ASSERT_NE(Find(b->late, kEducation, &level), nullptr);
  EXPECT_EQ(Find(b->late, kEducation, &level)->tasks[0].level_name, "问责约谈");
}

TEST_F(BulletinTest, ABulletinBeforeThePlanExistedIsAClearError) {
  auto b = BulletinAsOf(*engine, kPlan, D("2021-08-31"));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), Status::Code::kNotFound);
  EXPECT_NE(b.status().message().find("plan p1 did not exist on 2021-08-31"), std::string::npos)
      << b.status().message();
  EXPECT_EQ(BulletinAsOf(*engine, "no-such-plan", D("2021-10-01")).status().code(), Status::Code::kNotFound);
  EXPECT_TRUE(BulletinAsOf(*engine, kPlan, D("2021-09-01")).ok());
}

TEST_F(BulletinTest, TheDocxBodyHasTheSectionsAndIsDeterministic) {
  auto b = BulletinAsOf(*engine, kPlan, D("2021-11-05"));
  ASSERT_TRUE(b.ok());
  const std::string xml = BulletinDocumentXml(*b);
  for (const char* text :
       {"关于2021年政务公开工作要点分工方案落实情况的通报", "截至2021年11月5日", "一、按时完成的单位",
        "二、逾期未完成的单位", "三、未按时报送进度的单位", "四、下一步要求", "（一）通报批评（1个单位）",
        "（二）约谈（1个单位）", "第1项“推进决策公开”（截止2021年9月30日，逾期22个工作日）", "市政府办公室",
        "w:pStyle w:val=\"Heading1\"", "w:pStyle w:val=\"DocTitle\""})
    EXPECT_NE(xml.find(text), std::string::npos) << text;
  EXPECT_EQ(xml.find("{{"), std::string::npos);
  EXPECT_EQ(xml.find("督促整改（"), std::string::npos) << "an empty level gets no heading";
  EXPECT_NE(xml.find("将整改情况书面报送市政府办公室。被约谈单位的主要负责同志要按要求接受约谈。"), std::string::npos);
  auto docx = BulletinDocx(*b);
  ASSERT_TRUE(docx.ok()) << docx.status().ToString();
  ASSERT_GT(docx->size(), 1000u);
  EXPECT_EQ(docx->substr(0, 4), std::string("PK\x03\x04", 4));
  EXPECT_EQ(docx->substr(30, 19), "[Content_Types].xml") << "the content types first, as Office writes them";
  for (const char* part : {"word/document.xml", "word/styles.xml", "_rels/.rels", "word/footer1.xml"})
    EXPECT_NE(docx->find(part), std::string::npos) << part;
  auto again = BulletinDocx(*b);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *docx);
}

TEST(BulletinEscaping, ATitleOrUnitWithMarkupStillGivesWellFormedXml) {
  EXPECT_EQ(XmlEscape("A&B<C>\"D'"), "A&amp;B&lt;C&gt;&quot;D&apos;");
  EXPECT_EQ(XmlEscape(std::string("x\x01y\x7f\tz", 7)), "xy\x7f\tz");
  EXPECT_EQ(XmlEscape("bad\xff\xfe utf8 中文"), "bad utf8 中文");
  Bulletin b;
  b.plan_id = "p";
  b.plan_title = "<b>方案</b> & \"要点\"\x01";
  b.issuer = "A&B";
  b.as_of = D("2026-12-01");
  BulletinUnit u{"市<局>&所", 2, 0, 1, {BulletinTask{3, "推进]]><x>", "2026-11-20", 7, 1, "督促整改", "", ""}}};
  b.late = {BulletinGroup{1, "督促整改", {u}}};
  b.late_units = 1;
  b.late_assignments = 1;
  b.on_time = {BulletinUnit{"甲&乙", 1, 1, 0, {}}};
  const std::string xml = BulletinDocumentXml(b);
  EXPECT_NE(xml.find("关于&lt;b&gt;方案&lt;/b&gt; &amp; &quot;要点&quot;落实情况的通报"), std::string::npos);
  EXPECT_NE(xml.find("市&lt;局&gt;&amp;所"), std::string::npos);
  EXPECT_NE(xml.find("推进]]&gt;&lt;x&gt;"), std::string::npos);
  EXPECT_NE(xml.find("甲&amp;乙"), std::string::npos);
  for (const char* raw : {"<b>", "<局>", "<x>", "A&B", "\x01"}) EXPECT_EQ(xml.find(raw), std::string::npos) << raw;
  // Every '&' in the document starts an entity.
  for (size_t p = 0; (p = xml.find('&', p)) != std::string::npos; ++p) {
    const std::string rest = xml.substr(p, 6);
    EXPECT_TRUE(rest.rfind("&amp;", 0) == 0 || rest.rfind("&lt;", 0) == 0 || rest.rfind("&gt;", 0) == 0 ||
                rest.rfind("&quot;", 0) == 0 || rest.rfind("&apos;", 0) == 0)
        << rest;
  }
  auto docx = BulletinDocx(b);
  ASSERT_TRUE(docx.ok()) << docx.status().ToString();
  EXPECT_NE(BulletinJson(b).find("市<局>&所"), std::string::npos) << "json keeps the text as it is";
}

// 下一步要求 asks what the facts call for: a bulletin with every unit on time
// asks no rectification and no interview (a review found both asked of none).
TEST(BulletinNextSteps, AskOnlyWhatTheFactsCallFor) {
  Bulletin b;
  b.plan_title = "2027年重点工作分工方案";
  b.issuer = "市政府督查室";
  b.as_of = D("2027-01-10");
  b.on_time = {BulletinUnit{"市财政局", 1, 1, 0, {}}};
  std::string xml = BulletinDocumentXml(b);
  EXPECT_NE(xml.find("四、下一步要求"), std::string::npos);
  for (const char* asked : {"整改情况", "接受约谈", "补报"}) EXPECT_EQ(xml.find(asked), std::string::npos) << asked;
  EXPECT_NE(xml.find("各单位要对照分工方案，压实工作责任，确保各项任务按期保质完成。"), std::string::npos);
  BulletinUnit late{"市教育局", 1, 0, 1, {BulletinTask{3, "推进", "2026-12-31", 5, 1, "督促整改", "", ""}}};
  b.late = {BulletinGroup{1, "督促整改", {late}}};
  b.late_units = 1;
  b.late_assignments = 1;
  xml = BulletinDocumentXml(b);
  EXPECT_NE(xml.find("将整改情况书面报送市政府督查室。各单位要"), std::string::npos) << "rectification, no interview";
  EXPECT_EQ(xml.find("接受约谈"), std::string::npos);
}

}  // namespace
}  // namespace duban::reports
