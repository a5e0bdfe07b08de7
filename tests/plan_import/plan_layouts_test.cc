// Layouts of the text export other than the samples' (issue 16): cells on
// lines of their own without tabs, tab-led cells with no blank line between
// rows, headers read by meaning; and doubt instead of silence: a task whose
// units or deadline come from another row, whose number is out of sequence,
// that names no unit, or whose row holds a cell that fits no column is
// marked, counted and reported with its line.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "plan_test_support.h"

namespace duban::plan_import {
namespace {

// One plan, three ways of writing it. Each row: task text, lead, responsible, deadline.
struct PlanRow {
  std::string text, lead, resp, deadline;
};
const std::vector<PlanRow> kRows = {
    {"1.推进财政预决算公开。", "市财政局", "各县（市、区）政府", "6月底前"},
    {"2.做好重大建设项目信息公开。", "市发改局", "市自然资源和规划局", "9月底前"},
    {"3.加强政策解读工作。", "市政府办公室", "市司法局、市审计局", "全年"},
};
const char* kTitle = "测试市2026年政务公开工作任务分工方案";
const std::vector<std::string> kHead = {"工作任务", "牵头单位", "责任单位", "完成时限"};

// The samples' layout: a tab starts each cell, a blank line ends each row.
std::string SampleLayout(const std::vector<PlanRow>& rows, const std::string& heading = "") {
  std::string s = std::string(kTitle) + "\n";
  for (const auto& h : kHead) s += "\t" + h + "\n";
  s += "\n";
  if (!heading.empty()) s += "\t" + heading + "\n\t\n\t\n\t\n\n";
  for (const auto& r : rows) s += "\t" + r.text + "\n\t" + r.lead + "\n\t" + r.resp + "\n\t" + r.deadline + "\n\n";
  return s;
}

// Layout (a): no tab anywhere, each cell on a line of its own, blank lines between rows.
std::string LinesLayout(const std::vector<PlanRow>& rows, const std::string& heading = "") {
  std::string s = std::string(kTitle) + "\n\n";
  for (const auto& h : kHead) s += h + "\n";
  s += "\n";
  if (!heading.empty()) s += heading + "\n\n";
  for (const auto& r : rows) s += r.text + "\n" + r.lead + "\n" + r.resp + "\n" + r.deadline + "\n\n";
  return s;
}

// Layout (b): every cell a tab-led line, no blank line between rows.
std::string UnseparatedLayout(const std::vector<PlanRow>& rows, const std::string& heading = "") {
  std::string s = std::string(kTitle) + "\n\n";
  for (const auto& h : kHead) s += "\t" + h + "\n";
  if (!heading.empty()) s += "\t" + heading + "\n";
  for (const auto& r : rows) s += "\t" + r.text + "\n\t" + r.lead + "\n\t" + r.resp + "\n\t" + r.deadline + "\n";
  return s;
}

void ExpectRowsRead(const ParsedPlan& p) {
  EXPECT_FALSE(HasProblem(p, "no header row")) << "the header must be found";
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(p.tasks[0].lead_units, Units({"市财政局"}));
  EXPECT_EQ(p.tasks[0].responsible_units, Units({"各县（市、区）政府"}));
  EXPECT_EQ(p.tasks[0].deadline.text, "6月底前");
  EXPECT_EQ(p.tasks[1].content, "做好重大建设项目信息公开。");
  EXPECT_EQ(p.tasks[1].lead_units, Units({"市发改局"}));
  EXPECT_EQ(p.tasks[1].responsible_units, Units({"市自然资源和规划局"}));
  EXPECT_EQ(p.tasks[1].deadline.text, "9月底前");
  EXPECT_EQ(p.tasks[2].lead_units, Units({"市政府办公室"}));
  EXPECT_EQ(p.tasks[2].responsible_units, Units({"市司法局", "市审计局"}));
  EXPECT_EQ(p.tasks[2].deadline.text, "全年");
  for (const auto& t : p.tasks) {
    EXPECT_TRUE(t.doubts.empty()) << "task " << t.number << " doubtful: " << t.doubts.front();
    EXPECT_EQ(t.units_from, "row");
    EXPECT_EQ(t.found_by, "number_in_text");
  }
  EXPECT_EQ(p.DoubtfulTasks(), 0u);
}

TEST(PlanLayouts, CellsOnLinesOfTheirOwnWithoutTabsAreReadRowByRow) {
  const ParsedPlan p = Parse(LinesLayout(kRows));
  EXPECT_EQ(p.plan.title, kTitle);
  ExpectRowsRead(p);
}

TEST(PlanLayouts, TabLedCellsWithoutBlankLinesBetweenRowsAreReadRowByRow) {
  const ParsedPlan p = Parse(UnseparatedLayout(kRows));
  ExpectRowsRead(p);
  EXPECT_TRUE(HasProblem(p, "not separated by blank lines")) << "the guess is said";
  EXPECT_EQ(p.tasks[0].content, "推进财政预决算公开。") << "no unit swallowed into the text";
}

// A blank line here and there (a page break, mid-row) does not make rows.
TEST(PlanLayouts, APageBreakInsideARowOfAnUnseparatedExportDoesNotSplitIt) {
  std::string text = UnseparatedLayout(kRows);
  const size_t at = text.find("\t市发改局\n");
  ASSERT_NE(at, std::string::npos);
  text.insert(at, "\n- 2 -\n\n");
  ExpectRowsRead(Parse(text));
}

// No tab and no blank line at all: every line a cell, rows by content.
TEST(PlanLayouts, CellsOnLinesOfTheirOwnWithoutAnyBlankLineAreReadRowByRow) {
  std::string text = LinesLayout(kRows);
  std::string packed;
  for (size_t i = 0; i < text.size(); ++i)
    if (!(text[i] == '\n' && i + 1 < text.size() && text[i + 1] == '\n')) packed += text[i];
  ExpectRowsRead(Parse(packed));
}

TEST(PlanLayouts, RowsWithASequenceColumnAndNoBlankLinesStartAtEachNumber) {
  const ParsedPlan p = Parse(std::string(kTitle) +
                             "\n\t序号\n\t任务内容\n\t责任单位\n\t完成时限\n"
                             "\t1\n\t公开预算。\n\t市财政局\n\t6月底前\n"
                             "\t2\n\t公开规划。\n\t市发改局\n\t全年\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2}));
  EXPECT_EQ(p.tasks[0].responsible_units, Units({"市财政局"}));
  EXPECT_EQ(p.tasks[1].responsible_units, Units({"市发改局"}));
  EXPECT_EQ(p.tasks[1].deadline.text, "全年");
  EXPECT_EQ(p.tasks[1].found_by, "number_column");
}

// Round trip: the same tasks, sections included, whatever the layout.
TEST(PlanLayouts, TheSameTasksInEveryLayoutGiveTheSameTasks) {
  const std::string heading = "一、深化重点领域公开";
  const ParsedPlan sample = Parse(SampleLayout(kRows, heading));
  ASSERT_EQ(Numbers(sample), (std::vector<int>{1, 2, 3}));
  auto as_json = [](const ParsedPlan& p) { return nlohmann::json::parse(ParsedPlanToJson(p))["tasks"]; };
  for (const auto& [name, text] : {std::pair<std::string, std::string>{"lines", LinesLayout(kRows, heading)},
                                   {"unseparated", UnseparatedLayout(kRows, heading)}}) {
    const ParsedPlan p = Parse(text);
    EXPECT_EQ(as_json(p), as_json(sample)) << name;
    EXPECT_EQ(p.tasks.at(0).section, Units({heading})) << name;
  }
}

// (a) with task 2's unit cells left out: its row is short. Before, the row
// above's units were copied in silence; now they are marked and reported.
TEST(PlanLayouts, AUnitCellLeftOutIsADoubtWithItsLineNeverASilentCopy) {
  const std::string text = std::string(kTitle) + "\n\n工作任务\n牵头单位\n责任单位\n完成时限\n\n" +
                           "1.推进财政预决算公开。\n市财政局\n各县（市、区）政府\n6月底前\n\n" +
                           "2.做好重大建设项目信息公开。\n9月底前\n\n" +  // line 13, 14
                           "3.加强政策解读工作。\n市政府办公室\n市司法局、市审计局\n全年\n";
  const ParsedPlan p = Parse(text);
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2, 3}));
  const ParsedTask& t2 = p.tasks[1];
  EXPECT_EQ(t2.deadline.text, "9月底前") << "the deadline goes where its content says, not under 牵头单位";
  EXPECT_EQ(t2.units_from, "other_row");
  EXPECT_EQ(t2.doubts, Units({"units_from_other_row"}));
  EXPECT_TRUE(HasProblem(p, "task 2 has no unit cell in its row; the units of line 9", 13));
  EXPECT_TRUE(p.tasks[0].doubts.empty());
  EXPECT_TRUE(p.tasks[2].doubts.empty());
  EXPECT_EQ(p.tasks[2].lead_units, Units({"市政府办公室"})) << "the rows after are not shifted";
  const auto j = nlohmann::json::parse(ParsedPlanToJson(p));
  EXPECT_EQ(j["doubtful_tasks"], 1);
  EXPECT_EQ(j["tasks"][1]["doubts"][0], "units_from_other_row");
  EXPECT_EQ(j["tasks"][1]["found"]["units_from"], "other_row");
  EXPECT_FALSE(j["tasks"][0].contains("doubts"));
  const std::string preview = RenderPreview(p);
  EXPECT_NE(preview.find("1 doubtful tasks"), std::string::npos) << preview;
  EXPECT_NE(preview.find("? 2."), std::string::npos) << preview;
  EXPECT_NE(preview.find("doubtful: units carried over from another row"), std::string::npos) << preview;
}

// A merged cell exported as an empty cell is how the samples write a unit
// shared with the row above: taken, recorded as such, not doubtful.
TEST(PlanLayouts, AnEmptyUnitCellIsAMergedCellAndNotADoubt) {
  const ParsedPlan p = Parse(std::string(kTitle) + "\n\t工作任务\n\t责任单位\n\n" +
                             "\t1.公开预算。\n\t市财政局\n\n\t2.公开决算。\n\t\n\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2}));
  EXPECT_EQ(p.tasks[1].responsible_units, Units({"市财政局"}));
  EXPECT_EQ(p.tasks[1].units_from, "merged_cell");
  EXPECT_TRUE(p.tasks[1].doubts.empty());
}

// A CSV or TSV file cannot tell a merged cell from one left blank: a blank
// 责任单位 (or deadline) still takes the row above's, as a sheet with merged
// cells saves, but says so, with the line it came from; a unit written in
// the row is not doubtful, nor is a row whose own cells are filled.
TEST(PlanLayouts, ABlankCellOfATsvOrCsvTakesTheRowAboveButIsADoubt) {
  for (const char sep : {'\t', ','}) {
    std::string text = std::string(kTitle) + "\n序号,工作任务,牵头单位,责任单位,完成时限\n" +
                       "1,公开预算,市财政局,市审计局,6月底前\n" +  // line 3
                       "2,公开规划,市发改局,,\n" +                 // line 4: 责任单位 and 时限 blank
                       "3,公开政策,市司法局,市统计局,全年\n";
    std::replace(text.begin(), text.end(), ',', sep);
    const ParsedPlan p = Parse(text);
    ASSERT_EQ(p.format, sep == ',' ? "csv" : "tsv");
    ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2, 3}));
    const ParsedTask& t2 = p.tasks[1];
    EXPECT_EQ(t2.lead_units, Units({"市发改局"}));
    EXPECT_EQ(t2.responsible_units, Units({"市审计局"})) << "still read as a merge";
    EXPECT_EQ(t2.deadline.text, "6月底前");
    EXPECT_EQ(t2.doubts, Units({"units_from_row_above", "deadline_from_row_above"})) << p.format;
    EXPECT_TRUE(HasProblem(p, "task 2: its responsible unit cell is blank; the one of line 3 is carried over", 4))
        << p.format;
    EXPECT_TRUE(HasProblem(p, "task 2: its deadline cell is blank; the one of line 3 is carried over", 4));
    EXPECT_TRUE(p.tasks[0].doubts.empty());
    EXPECT_TRUE(p.tasks[2].doubts.empty()) << "a row with its own cells";
    EXPECT_NE(RenderPreview(p).find("a blank unit cell takes the row above's"), std::string::npos);
  }
}

// A blank deadline with nothing above it to carry over (the first row, or
// the first under a new section) leaves the task with no date: it would
// never be reminded, so it is a doubt, not silence.
TEST(PlanLayouts, ATaskWithABlankDeadlineUnderADeadlineColumnIsADoubt) {
  const ParsedPlan p =
      Parse(std::string(kTitle) + "\n序号\t工作任务\t责任单位\t完成时限\n" + "1\t公开预算\t市财政局\t\n" +  // line 3
            "2\t公开规划\t市发改局\t全年\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2}));
  EXPECT_EQ(p.tasks[0].deadline.text, "");
  EXPECT_EQ(p.tasks[0].doubts, Units({"no_deadline"}));
  EXPECT_TRUE(HasProblem(p, "task 1 has no deadline: nothing will remind or escalate it", 3));
  EXPECT_TRUE(p.tasks[1].doubts.empty());
}

TEST(PlanLayouts, NumberOutOfSequenceAndTaskWithoutUnitAreDoubtfulAndCounted) {
  const ParsedPlan p = Parse(std::string(kTitle) + "\n\t工作任务\n\t责任单位\n\n" +
                             "\t1.公开预算。\n\t市财政局\n\n\t3.公开决算。\n\t市审计局\n\n" +
                             "\t一、加强监督\n\t\n\n\t4.开展检查。\n\t\n\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 3, 4}));
  EXPECT_EQ(p.tasks[1].doubts, Units({"number_out_of_sequence"}));
  // Task 4 opens a new section: nothing inherited, no unit at all.
  EXPECT_EQ(p.tasks[2].doubts, Units({"no_unit"}));
  EXPECT_EQ(p.tasks[2].units_from, "");
  EXPECT_EQ(p.DoubtfulTasks(), 2u);
  EXPECT_EQ(nlohmann::json::parse(ParsedPlanToJson(p))["doubtful_tasks"], 2);
}

// (a) with a unit list wrapped onto a second line: one cell too many. The
// extra cell is read as task text, and the row said to be doubtful.
TEST(PlanLayouts, ACellBeyondTheHeaderThatIsNotTaskTextIsReported) {
  const ParsedPlan p = Parse(std::string(kTitle) + "\n\n工作任务\n责任单位\n完成时限\n\n" +
                             "1.公开预算。\n市财政局\n市审计局\n6月底前\n\n" +  // lines 7-10
                             "2.公开规划。\n市发改局\n全年\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2}));
  EXPECT_EQ(p.tasks[0].doubts, Units({"unplaced_cell"}));
  EXPECT_TRUE(HasProblem(p, "could not be placed in a column (the row has 4 cells, the header 3)", 8));
  EXPECT_TRUE(p.tasks[1].doubts.empty());
  EXPECT_EQ(p.tasks[1].responsible_units, Units({"市发改局"}));
}

// Without a header each line is a row: a task line has no unit cell, so
// units on the lines around it are never given to it in silence.
TEST(PlanLayouts, WithoutAHeaderUnitsOnOtherLinesAreDoubtful) {
  const ParsedPlan p =
      Parse(std::string(kTitle) + "\n\n1.公开预算。\n市财政局\n6月底前\n\n2.公开规划。\n市发改局\n全年\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2}));
  EXPECT_TRUE(HasProblem(p, "no header row"));
  for (const auto& t : p.tasks) EXPECT_FALSE(t.doubts.empty()) << "task " << t.number;
  EXPECT_TRUE(HasProblem(p, "task 2 has no unit cell in its row; the units of line 4"));
}

TEST(PlanLayouts, HeadersAreReadByMeaning) {
  // A combined column: role words decide, else the first unit leads.
  ParsedPlan p = Parse(std::string(kTitle) + "\n\t工作任务\n\t牵头及责任单位\n\t计划完成时间\n\n" +
                       "\t1.公开预算。\n\t市财政局、市审计局\n\t6月底前\n\n" +
                       "\t2.公开规划。\n\t市发改局牵头，市司法局负责\n\t全年\n\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2}));
  EXPECT_EQ(p.tasks[0].lead_units, Units({"市财政局"}));
  EXPECT_EQ(p.tasks[0].responsible_units, Units({"市审计局"}));
  EXPECT_EQ(p.tasks[0].deadline.text, "6月底前");
  EXPECT_EQ(p.tasks[1].lead_units, Units({"市发改局"}));
  EXPECT_EQ(p.tasks[1].responsible_units, Units({"市司法局"}));
  // 主办部门 / 协办部门 / 进度要求: names the table does not list.
  p = Parse(std::string(kTitle) + "\n\t工作任务\n\t主办部门\n\t协办部门\n\t进度要求\n\n" +
            "\t1.公开预算。\n\t市财政局\n\t市审计局\n\t6月底前\n\n");
  ASSERT_EQ(Numbers(p), (std::vector<int>{1}));
  EXPECT_EQ(p.tasks[0].lead_units, Units({"市财政局"}));
  EXPECT_EQ(p.tasks[0].responsible_units, Units({"市审计局"}));
  EXPECT_EQ(p.tasks[0].deadline.text, "6月底前");
  EXPECT_TRUE(p.problems.empty()) << p.problems.front().message;
}

TEST(PlanLayouts, UnitNamesAndDeadlinesAreNotTakenForHeaders) {
  // No header, one cell per line: cells ending in 单位/部门 or naming a time
  // must not make a header run (which would swallow the rows before it).
  const ParsedPlan p = Parse(std::string(kTitle) + "\n\n1.公开预算。\n市直各单位\n按时间节点\n各部门\n时间待定\n\n" +
                             "2.公开规划。\n协办单位负责人\n全年\n");
  EXPECT_TRUE(HasProblem(p, "no header row"));
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2}));
}

TEST(PlanLayouts, WithNoUnitDirectoryTheWarningSaysSoAndPointsToTheUnitsOption) {
  ParseOptions opts;
  opts.resolve_deadlines = false;
  const ParsedPlan p = ParsePlan(LinesLayout(kRows), UnitDirectory(), opts);
  ASSERT_EQ(Numbers(p), (std::vector<int>{1, 2, 3}));
  EXPECT_TRUE(HasProblem(p, "unit '市财政局' not checked: no unit directory was used"));
  EXPECT_TRUE(HasProblem(p, "--units FILE"));
  EXPECT_FALSE(HasProblem(p, "unit directory ''"));
}

TEST(PlanLayouts, HostileInputsYieldNoTaskAndNoCrash) {
  for (const std::string& s : {std::string(), std::string("工作任务\n牵头单位\n责任单位\n完成时限\n"),
                               std::string("\t工作任务\n\t牵头单位\n\t责任单位\n\t完成时限\n"),
                               std::string("\t\t\t\n\n\t\n"), std::string("\x00\xff\xfe\x01\t\x80\n\n\t1.\n", 12)}) {
    const ParsedPlan p = Parse(s);
    EXPECT_TRUE(p.tasks.empty() || p.tasks.size() == 1u);
    EXPECT_FALSE(p.problems.empty());
    (void)RenderPreview(p);
  }
}

TEST(PlanParser, AProsePlansBracketGivesUnitsAndTheDeadline) {
  const ParsedPlan p = Parse(
      "测试市2027年重点工作分工方案\n"
      "1.推行告知承诺制。（市司法局牵头，市直各单位负责，6月底前完成）\n"
      "2.清理证明事项。（责任单位：市财政局；完成时限：2027年12月31日前）\n"
      "3.做好审计整改。（市审计局牵头，全年推进）\n");
  ASSERT_EQ(p.tasks.size(), 3u);
  EXPECT_EQ(p.tasks[0].lead_units, Units({"市司法局"}));
  EXPECT_EQ(p.tasks[0].responsible_units, Units({"市直各单位"}));
  EXPECT_EQ(p.tasks[0].deadline.text, "6月底前");
  EXPECT_EQ(p.tasks[1].responsible_units, Units({"市财政局"}));
  EXPECT_EQ(p.tasks[1].deadline.text, "2027年12月31日前");
  EXPECT_EQ(p.tasks[2].lead_units, Units({"市审计局"}));
  EXPECT_EQ(p.tasks[2].deadline.text, "全年");
}

TEST(PlanParser, ARoleMarkedInBracketsAfterAUnitGivesItThatRole) {
  const ParsedPlan p = Parse(
      "测试市2027年重点工作分工方案\n\t工作任务\n\t责任单位\n\n"
      "\t1.第一项。\n\t市发改局（牵头）、市财政局、市审计局\n\n");
  ASSERT_EQ(p.tasks.size(), 1u);
  EXPECT_EQ(p.tasks[0].lead_units, Units({"市发改局"}));
  EXPECT_EQ(p.tasks[0].responsible_units, Units({"市财政局", "市审计局"}));
}

}  // namespace
}  // namespace duban::plan_import
