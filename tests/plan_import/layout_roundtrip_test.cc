// Round trip on the three sample plans: each re-written by the test in the
// layouts offices also export (issue 16) and parsed again. Without tabs
// (layout a) empty cells and line breaks inside a cell cannot be written, so
// a task may come out different, but then it must be marked doubtful, never
// silently wrong; with tab-led cells and no blank line between rows (layout
// b) nothing is lost and the tasks must be the same.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "duban/plan_import/plan_parser.h"

namespace duban::plan_import {
namespace {

std::string ReadSample(const std::string& name) {
  std::ifstream in(std::string(DUBAN_SOURCE_DIR) + "/workflows/plans/" + name + ".txt", std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> SplitLines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string Trimmed(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// The sample's cells: a tab starts one, a line without a tab continues it
// (kept as a further line), a blank line ends the row. Lines outside the
// table (title, signature) are cells of their own with no tab.
struct Cell {
  bool tab = false;
  std::vector<std::string> lines;
};

std::vector<std::vector<Cell>> Cells(const std::string& text) {
  std::vector<std::vector<Cell>> rows(1);
  for (const std::string& l : SplitLines(text)) {
    if (Trimmed(l).empty() && l.find('\t') == std::string::npos) {
      if (!rows.back().empty()) rows.emplace_back();
      continue;
    }
    if (l.find('\t') == std::string::npos) {
      if (!rows.back().empty() && rows.back().back().tab)
        rows.back().back().lines.push_back(Trimmed(l));
      else
        rows.back().push_back({false, {Trimmed(l)}});
      continue;
    }
    const size_t first = l.find('\t');
    if (!Trimmed(l.substr(0, first)).empty()) rows.back().push_back({false, {Trimmed(l.substr(0, first))}});
    std::istringstream parts(l.substr(first + 1));
    for (std::string p; std::getline(parts, p, '\t');) rows.back().push_back({true, {p}});
    if (l.back() == '\t') rows.back().push_back({true, {""}});
  }
  return rows;
}

// Layout a: no tab; each non-empty line of a cell on a line of its own; blank lines between rows.
std::string WithoutTabs(const std::string& sample) {
  std::string out;
  for (const auto& row : Cells(sample)) {
    for (const auto& c : row)
      for (const auto& l : c.lines)
        if (!Trimmed(l).empty()) out += Trimmed(l) + "\n";
    out += "\n";
  }
  return out;
}

// Layout b: the same cells, tab-led, no blank line between rows.
std::string WithoutBlankLines(const std::string& sample) {
  std::string out;
  for (const auto& row : Cells(sample)) {
    for (const auto& c : row) {
      out += (c.tab ? "\t" : "") + c.lines.front() + "\n";
      for (size_t k = 1; k < c.lines.size(); ++k) out += c.lines[k] + "\n";
    }
  }
  return out;
}

ParsedPlan ParseWith(const std::string& text, const std::string& sample) {
  auto dir = UnitDirectory::ChooseEmbedded(sample);
  EXPECT_TRUE(dir.has_value());
  ParseOptions opts;
  opts.resolve_deadlines = false;
  return ParsePlan(text, dir ? *dir : UnitDirectory(), opts);
}

nlohmann::json TaskFacts(const ParsedTask& t) {
  return {t.number, t.section, t.content, t.lead_units, t.responsible_units, t.deadline.text};
}

class LayoutRoundTrip : public ::testing::TestWithParam<const char*> {};

TEST_P(LayoutRoundTrip, WithoutBlankLinesBetweenRowsTheTasksAreTheSame) {
  const std::string sample = ReadSample(GetParam());
  const ParsedPlan clean = ParseWith(sample, sample);
  const ParsedPlan p = ParseWith(WithoutBlankLines(sample), sample);
  ASSERT_EQ(p.tasks.size(), clean.tasks.size());
  for (size_t i = 0; i < clean.tasks.size(); ++i)
    EXPECT_EQ(TaskFacts(p.tasks[i]), TaskFacts(clean.tasks[i])) << "task " << clean.tasks[i].number;
  EXPECT_EQ(p.DoubtfulTasks(), 0u);
}

TEST_P(LayoutRoundTrip, WithoutTabsEveryTaskIsTheSameOrMarkedDoubtful) {
  const std::string sample = ReadSample(GetParam());
  const ParsedPlan clean = ParseWith(sample, sample);
  const ParsedPlan p = ParseWith(WithoutTabs(sample), sample);
  EXPECT_FALSE(std::any_of(p.problems.begin(), p.problems.end(),
                           [](const Problem& pr) { return pr.message.find("no header row") != std::string::npos; }));
  ASSERT_EQ(p.tasks.size(), clean.tasks.size());
  size_t same = 0;
  for (size_t i = 0; i < clean.tasks.size(); ++i) {
    if (TaskFacts(p.tasks[i]) == TaskFacts(clean.tasks[i])) {
      ++same;
      continue;
    }
    EXPECT_FALSE(p.tasks[i].doubts.empty()) << "task " << clean.tasks[i].number << " differs in silence:\n"
                                            << TaskFacts(p.tasks[i]).dump() << "\n"
                                            << TaskFacts(clean.tasks[i]).dump();
  }
  RecordProperty("same", static_cast<int>(same));
}

INSTANTIATE_TEST_SUITE_P(Samples, LayoutRoundTrip, ::testing::Values("shaoguan-2021", "yichun-2021", "chengzihe-2021"));

// Yichun's cells hold one line each: without tabs nothing is lost.
TEST(LayoutRoundTripYichun, WithoutTabsTheTasksAreTheSame) {
  const std::string sample = ReadSample("yichun-2021");
  const ParsedPlan clean = ParseWith(sample, sample);
  const ParsedPlan p = ParseWith(WithoutTabs(sample), sample);
  ASSERT_EQ(p.tasks.size(), clean.tasks.size());
  for (size_t i = 0; i < clean.tasks.size(); ++i)
    EXPECT_EQ(TaskFacts(p.tasks[i]), TaskFacts(clean.tasks[i])) << "task " << clean.tasks[i].number;
}

}  // namespace
}  // namespace duban::plan_import
