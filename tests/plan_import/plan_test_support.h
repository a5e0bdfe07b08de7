// What the plan parser tests share (plan_*_test.cc): a small unit
// directory, Parse with deadlines left unresolved, and the task numbers and
// problems of a parse. The plans are written in the layouts offices export:
// tab-indented text (one cell or several per line, blank lines between
// rows), CSV and TSV.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "duban/plan_import/plan_parser.h"

namespace duban::plan_import {

using Units = std::vector<std::string>;

inline const UnitDirectory& Dir() {
  static const UnitDirectory dir = [] {
    auto d = UnitDirectory::Parse(R"(
directory: test
units:
  - name: 市政府办公室
    short: [市府办]
  - 市发改局
  - 市财政局
  - 市司法局
  - 市审计局
  - 区党政办
  - 市自然资源和规划局
  - 县甲政府
  - 县乙政府
groups:
  - name: 各县（市、区）政府
    members: [县甲政府, 县乙政府]
  - name: 市直各单位
    members: [市政府办公室, 市发改局, 市财政局, 市司法局, 市审计局, 市自然资源和规划局]
  - name: 各单位
    members: [各县（市、区）政府, 市直各单位]
)",
                                  "test");
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? std::move(d).value() : UnitDirectory();
  }();
  return dir;
}

inline ParsedPlan Parse(const std::string& text) {
  ParseOptions opts;
  opts.resolve_deadlines = false;
  return ParsePlan(text, Dir(), opts);
}

inline std::vector<int> Numbers(const ParsedPlan& p) {
  std::vector<int> v;
  for (const auto& t : p.tasks) v.push_back(t.number);
  return v;
}

inline bool HasProblem(const ParsedPlan& p, const std::string& needle, int line = -1) {
  return std::any_of(p.problems.begin(), p.problems.end(), [&](const Problem& pr) {
    return pr.message.find(needle) != std::string::npos && (line < 0 || pr.line == line);
  });
}

// Header of a three-column text export: 工作任务 | 具体工作事项 | 落实单位.
inline const char* kHeader3 = "测试市2021年政务公开工作要点分工方案\n\t工作任务\n\t具体工作事项\n\t落实单位\n\n";

}  // namespace duban::plan_import
