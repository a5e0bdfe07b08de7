// ParsePlan: format detection, table reconstruction and task extraction.
//
// Pipeline: clean bytes -> lines (markup stripped) -> cells and rows
// (text export: a tab starts a cell, a line without one continues it, blank
// lines separate rows; CSV/TSV: records) -> header row -> column kinds ->
// rows interpreted in order (sections, numbered tasks, units, deadlines,
// merged cells inherited) -> metadata from the lines around the table.
//
// Robustness: everything works on bounded indices into std::string; there is
// no recursion over input, and all loops advance; the fuzz target holds this.
#include <iconv.h>

#include <algorithm>
#include <map>
#include <set>

#include "deadlines.h"
#include "duban/cn_numeral.h"
#include "duban/plan_import/plan_parser.h"
#include "text_util.h"
#include "units.h"

namespace duban::plan_import {

namespace {

using text::CodePoints;
using text::EndsWith;
using text::StartsWith;
using text::Trim;

// ---------------------------------------------------------------- input

struct Line {
  std::string text;
  int no = 0;
};

// Offices still produce GB18030 (GBK) files; convert them when the bytes are
// not UTF-8 but are valid GB18030.
std::optional<std::string> FromGb18030(std::string_view bytes) {
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  std::string out(bytes.size() * 2 + 16, '\0');
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  char* o = out.data();
  size_t out_left = out.size();
  const size_t rc = iconv(cd, &in, &in_left, &o, &out_left);
  iconv_close(cd);
  if (rc == static_cast<size_t>(-1) || in_left != 0) return std::nullopt;
  out.resize(out.size() - out_left);
  return out;
}

std::vector<Line> ToLines(const std::string& clean) {
  std::vector<Line> out;
  int no = 0;
  size_t start = 0;
  while (start <= clean.size()) {
    size_t nl = clean.find('\n', start);
    if (nl == std::string::npos) nl = clean.size();
    ++no;
    const std::string stripped = text::StripMarkup(std::string_view(clean).substr(start, nl - start));
    // Block markup (<p>…</p>) becomes line breaks inside the same cell.
    size_t s = 0;
    bool first = true;
    while (s <= stripped.size()) {
      size_t e = stripped.find('\n', s);
      if (e == std::string::npos) e = stripped.size();
      std::string piece = stripped.substr(s, e - s);
      if (first || !Trim(piece).empty()) {
        // A later piece continues the cell: drop its tabs so it is not read as new cells.
        if (!first) piece.erase(std::remove(piece.begin(), piece.end(), '\t'), piece.end());
        out.push_back({std::move(piece), no});
      }
      first = false;
      s = e + 1;
    }
    start = nl + 1;
  }
  return out;
}

// ---------------------------------------------------------------- cells

struct Cell {
  std::vector<CellLine> lines;
  int line = 0;
  bool after_blank = false;  // a blank line came before it (text export)

  // Lines concatenated: a line break inside a cell is a wrap in Chinese text.
  std::string Joined() const {
    std::string out;
    for (const auto& l : lines) {
      const std::string t = Trim(l.text);
      if (t.empty()) continue;
      if (!out.empty()) {
        const unsigned char a = static_cast<unsigned char>(out.back());
        const unsigned char b = static_cast<unsigned char>(t.front());
        if (a < 0x80 && b < 0x80 && std::isalnum(a) && std::isalnum(b)) out.push_back(' ');
      }
      out += t;
    }
    return out;
  }
  bool Empty() const {
    for (const auto& l : lines)
      if (!Trim(l.text).empty()) return false;
    return true;
  }
};

struct Row {
  std::vector<Cell> cells;
  int line = 0;
};

enum class Kind { kNumber, kTitle, kText, kLead, kResponsible, kDeadline, kOther, kEmpty };

std::optional<Kind> HeaderKind(std::string_view raw) {
  std::string s = text::StripSpaces(raw);
  // "完成时限（时间节点）": drop a bracketed gloss; "序号：" drop the colon.
  for (std::string_view open : {"（", "("}) {
    const size_t p = s.find(open);
    if (p != std::string::npos && p > 0) s.erase(p);
  }
  while (EndsWith(s, "：") || EndsWith(s, ":")) s.erase(s.size() - (EndsWith(s, ":") ? 1 : 3));
  if (s.empty() || s.size() > 40) return std::nullopt;
  static const std::map<std::string, Kind, std::less<>> kTable = {
      {"序号", Kind::kNumber},       {"编号", Kind::kNumber},       {"序", Kind::kNumber},
      {"任务编号", Kind::kNumber},   {"项目编号", Kind::kNumber},   {"任务序号", Kind::kNumber},
      {"任务名称", Kind::kTitle},    {"名称", Kind::kTitle},        {"项目名称", Kind::kTitle},
      {"事项名称", Kind::kTitle},    {"任务", Kind::kTitle},        {"工作任务", Kind::kTitle},
      {"重点任务", Kind::kTitle},    {"主要任务", Kind::kTitle},    {"目标任务", Kind::kTitle},
      {"工作项目", Kind::kTitle},    {"工作目标", Kind::kTitle},    {"重点工作", Kind::kTitle},
      {"具体工作事项", Kind::kText}, {"任务内容", Kind::kText},     {"工作内容", Kind::kText},
      {"具体任务", Kind::kText},     {"工作措施", Kind::kText},     {"具体措施", Kind::kText},
      {"工作事项", Kind::kText},     {"内容", Kind::kText},         {"主要内容", Kind::kText},
      {"工作要求", Kind::kText},     {"任务要求", Kind::kText},     {"具体内容", Kind::kText},
      {"工作要点", Kind::kText},     {"目标要求", Kind::kText},     {"具体工作", Kind::kText},
      {"具体事项", Kind::kText},     {"主要措施", Kind::kText},     {"任务分解", Kind::kText},
      {"牵头单位", Kind::kLead},     {"牵头部门", Kind::kLead},     {"牵头", Kind::kLead},
      {"主责单位", Kind::kLead},     {"主办单位", Kind::kLead},     {"牵头责任单位", Kind::kLead},
      {"责任单位", Kind::kResponsible}, {"落实单位", Kind::kResponsible},
      {"责任部门", Kind::kResponsible}, {"配合单位", Kind::kResponsible},
      {"协办单位", Kind::kResponsible}, {"参与单位", Kind::kResponsible},
      {"承办单位", Kind::kResponsible}, {"实施单位", Kind::kResponsible},
      {"完成单位", Kind::kResponsible}, {"负责单位", Kind::kResponsible},
      {"责任主体", Kind::kResponsible}, {"配合部门", Kind::kResponsible},
      {"协同单位", Kind::kResponsible}, {"责任处室", Kind::kResponsible},
      {"时间节点", Kind::kDeadline},  {"时限要求", Kind::kDeadline},  {"完成时限", Kind::kDeadline},
      {"完成时间", Kind::kDeadline},  {"时间要求", Kind::kDeadline},  {"时限", Kind::kDeadline},
      {"进度安排", Kind::kDeadline},  {"完成期限", Kind::kDeadline},  {"时间安排", Kind::kDeadline},
      {"时间", Kind::kDeadline},      {"办结时限", Kind::kDeadline},  {"完成时间节点", Kind::kDeadline},
      {"备注", Kind::kOther},         {"完成情况", Kind::kOther},     {"进展情况", Kind::kOther},
      {"责任人", Kind::kOther},       {"分管领导", Kind::kOther},     {"责任领导", Kind::kOther},
      {"联系人", Kind::kOther},       {"工作进度", Kind::kOther},     {"具体工作事项进度", Kind::kOther},
      {"联系方式", Kind::kOther},     {"填报人", Kind::kOther},
  };
  if (auto it = kTable.find(s); it != kTable.end()) return it->second;
  return std::nullopt;
}

// Page furniture: "- 3 -", "— 3 —", "第3页", "第 3 页 共 9 页", a bare page number.
bool IsPageNumber(std::string_view raw) {
  const std::string s = text::StripSpaces(raw);
  if (s.empty() || s.size() > 40) return false;
  bool digit = false;
  size_t i = 0;
  while (i < s.size()) {
    const char32_t c = text::Next(s, i);
    if ((c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19)) digit = true;
    else if (c == '-' || c == U'—' || c == U'－' || c == U'–' || c == U'第' || c == U'页' ||
             c == U'共' || c == '/' || c == U'／')
      continue;
    else
      return false;
  }
  return digit;
}

bool IsTrailerMarker(std::string_view raw) {
  const std::string s = text::StripSpaces(raw);
  for (std::string_view p : {"填报单位", "填报人", "填报日期", "联系方式", "联系电话", "审核人"}) {
    if (StartsWith(s, p)) return true;
  }
  if (CodePoints(s) <= 40 && (EndsWith(s, "工作台账") || EndsWith(s, "台账表"))) return true;
  // "附件2": the start of another attachment after the table.
  if (StartsWith(s, "附件") && CodePoints(s) <= 6) return true;
  return false;
}

// ---------------------------------------------------------------- numbering

// Headings and dates number in a few characters ("第二十三", "二〇二一"); a longer
// run of numeral characters is text, not a number.
constexpr size_t kNumeralRunChars = 6;

bool HasTextAfter(std::string_view s, size_t i) { return !Trim(s.substr(std::min(i, s.size()))).empty(); }

// Section heading rank: 0 "第一部分", 1 "一、", 2 "（一）"; nullopt otherwise.
std::optional<int> HeadingRank(std::string_view s) {
  if (StartsWith(s, "第")) {
    const size_t run = cn::NumeralRun(s, 3, kNumeralRunChars);
    if (run > 0) {
      const std::string_view rest = s.substr(3 + run);
      for (std::string_view w : {"部分", "章", "篇", "编", "节", "项"}) {
        if (StartsWith(rest, w)) return 0;
      }
    }
    return std::nullopt;
  }
  const size_t run = cn::NumeralRun(s, 0, kNumeralRunChars);
  if (run > 0) {
    const std::string_view rest = s.substr(run);
    for (std::string_view sep : {"、", "．", ".", "是、"}) {
      if (StartsWith(rest, sep) && HasTextAfter(rest, sep.size())) return 1;
    }
    return std::nullopt;
  }
  for (auto [open, close] : {std::pair<std::string_view, std::string_view>{"（", "）"}, {"(", ")"},
                             {"（", ")"}, {"(", "）"}}) {
    if (StartsWith(s, open)) {
      const size_t r = cn::NumeralRun(s, open.size(), kNumeralRunChars);
      if (r > 0 && s.substr(open.size() + r, close.size()) == close &&
          HasTextAfter(s, open.size() + r + close.size()))
        return 2;
    }
  }
  return std::nullopt;
}

bool IsIdeograph(char32_t c) { return c >= 0x4E00 && c <= 0x9FFF; }

struct TaskStart {
  int number = 0;
  size_t content_at = 0;  // byte offset of the text after the number
};

// A task number at s[pos]: "12." "12．" "12、" "12。", or "49完善" (no dot) when
// 49 is the number expected next. `any_number`: accept a number out of
// sequence (only where a cell starts).
std::optional<TaskStart> ParseTaskNumber(std::string_view s, size_t pos, int expected, bool any_number) {
  size_t i = pos;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  const auto n = text::Digits(s, i, 4);
  if (!n || *n <= 0) return std::nullopt;
  size_t j = i;
  while (j < s.size() && s[j] == ' ') ++j;
  for (std::string_view sep : {".", "．", "、", "。"}) {
    if (s.substr(j, sep.size()) == sep) {
      size_t k = j + sep.size();
      while (k < s.size() && s[k] == ' ') ++k;
      if (k >= s.size()) return std::nullopt;
      size_t peek = k;
      const char32_t c = text::Next(s, peek);
      const bool digit_next = (c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19);
      // "1.5亿元" is an amount, "31.2021年底前" is task 31: only the expected number may run into digits.
      if (digit_next && *n != expected) return std::nullopt;
      if (!any_number && *n != expected) return std::nullopt;
      return TaskStart{*n, k};
    }
  }
  // No separator: only the expected number followed by a word ("49完善").
  if (*n != expected || j >= s.size()) return std::nullopt;
  size_t peek = j;
  const char32_t c = text::Next(s, peek);
  static const std::u32string kCounters = U"年月日个项条家次万亿元号名人所类批天周小余多分期届种件部台辆套倍轮场";
  if (!IsIdeograph(c) || kCounters.find(c) != std::u32string::npos) return std::nullopt;
  return TaskStart{*n, j};
}

bool IsSentenceEnd(char32_t c) {
  return c == U'。' || c == U'；' || c == ';' || c == U'！' || c == '!' || c == U'？' || c == '?' ||
         c == ' ' || c == 0x3000;
}

// ---------------------------------------------------------------- dates, meta

// "2021年7月26日", "二〇二一年七月二十六日" at s[i]; advances i.
std::optional<Date> ParseCnDate(std::string_view s, size_t& i) {
  auto number = [&](size_t& k, int max_digits) -> std::optional<int> {
    if (auto d = text::Digits(s, k, max_digits)) return d;
    const size_t run = cn::NumeralRun(s, k, kNumeralRunChars);
    if (run == 0) return std::nullopt;
    auto v = cn::ParseNumeral(s.substr(k, run));
    if (v) k += run;
    return v;
  };
  size_t k = i;
  auto skip = [&] { while (k < s.size() && s[k] == ' ') ++k; };
  skip();
  const auto y = number(k, 4);
  skip();
  if (!y || s.substr(k, 3) != "年") return std::nullopt;
  k += 3;
  skip();
  const auto m = number(k, 2);
  skip();
  if (!m || s.substr(k, 3) != "月") return std::nullopt;
  k += 3;
  skip();
  const auto d = number(k, 2);
  skip();
  if (!d || s.substr(k, 3) != "日") return std::nullopt;
  k += 3;
  if (!Date::IsValid(*y, *m, *d) || *y < 1900 || *y > 2200) return std::nullopt;
  i = k;
  return Date{*y, *m, *d};
}

// A line that is a date and nothing else (a signature or issue date).
std::optional<Date> DateLine(std::string_view raw) {
  std::string s = Trim(raw);
  for (std::string_view w : {"（", "("}) if (StartsWith(s, w)) s.erase(0, w.size());
  size_t i = 0;
  auto d = ParseCnDate(s, i);
  if (!d) return std::nullopt;
  std::string rest = Trim(std::string_view(s).substr(i));
  for (std::string_view w : {"）", ")", "印发", "发布"}) if (StartsWith(rest, w)) rest.erase(0, w.size());
  rest = Trim(rest);
  if (!rest.empty() && rest != "）" && rest != ")") return std::nullopt;
  return d;
}

// "珠高办〔2021〕50号" anywhere in the line.
std::optional<std::string> FindDocNumber(std::string_view s) {
  for (auto [open, close] : {std::pair<std::string_view, std::string_view>{"〔", "〕"}, {"[", "]"},
                             {"［", "］"}, {"【", "】"}, {"（", "）"}, {"(", ")"}}) {
    size_t p = 0;
    while ((p = s.find(open, p)) != std::string_view::npos) {
      size_t k = p + open.size();
      const auto year = text::Digits(s, k, 4);
      if (year && *year >= 1949 && s.substr(k, close.size()) == close) {
        k += close.size();
        const auto num = text::Digits(s, k, 5);
        if (num && s.substr(k, 3) == "号") {
          // Walk back over ideographs for the issuer code ("珠高办").
          size_t b = p;
          int count = 0;
          while (b >= 3 && count < 12) {
            size_t q = b - 3;
            const char32_t c = text::Next(s, q);
            if (q != b || !IsIdeograph(c)) break;
            b -= 3;
            ++count;
          }
          if (count > 0) return std::string(s.substr(b, k + 3 - b));
        }
      }
      p += open.size();
    }
  }
  return std::nullopt;
}

bool LooksLikeIssuer(const std::string& s) {
  if (CodePoints(s) > 30 || CodePoints(s) < 3) return false;
  for (std::string_view suf : {"人民政府", "办公室", "委员会", "管委会", "管理委员会", "政府", "局", "办",
                               "厅", "委", "中心", "领导小组", "工作组"}) {
    if (EndsWith(s, suf)) return true;
  }
  return false;
}

bool IsTitleWord(const std::string& s) {
  for (std::string_view w : {"方案", "要点", "分解表", "台账", "清单", "计划", "安排", "任务表", "责任表",
                             "分工", "一览表", "任务书", "通知"}) {
    if (EndsWith(s, w)) return true;
  }
  return false;
}

std::optional<int> YearIn(std::string_view s) {
  for (size_t p = 0; p + 4 < s.size(); ++p) {
    if (s[p] >= '0' && s[p] <= '9' && (p == 0 || s[p - 1] < '0' || s[p - 1] > '9')) {
      size_t k = p;
      const auto y = text::Digits(s, k, 4);
      if (y && k - p == 4 && *y >= 1990 && *y <= 2200 && s.substr(k, 3) == "年") return *y;
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------- CSV / TSV

// RFC 4180 records; quoted fields may hold separators, quotes ("") and line breaks.
std::vector<Row> ParseDelimited(const std::string& s, char sep) {
  std::vector<Row> rows;
  Row row;
  Cell cell;
  std::string field;
  int line = 1;
  int field_line = 1;
  bool quoted = false;
  bool at_field_start = true;
  auto end_field = [&] {
    Cell c;
    c.line = field_line;
    int l = field_line;
    for (auto& piece : text::SplitLines(field)) {
      c.lines.push_back({text::StripMarkup(piece), l});
      ++l;
    }
    row.cells.push_back(std::move(c));
    field.clear();
    at_field_start = true;
  };
  auto end_row = [&] {
    end_field();
    row.line = row.cells.empty() ? line : row.cells.front().line;
    bool all_empty = true;
    for (const auto& c : row.cells) all_empty = all_empty && c.Empty();
    if (!all_empty) rows.push_back(std::move(row));
    row = Row{};
  };
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (at_field_start) {
      field_line = line;
      at_field_start = false;
      if (c == '"') {
        quoted = true;
        continue;
      }
    }
    if (quoted) {
      if (c == '"') {
        if (i + 1 < s.size() && s[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
      continue;
    }
    if (c == sep) {
      end_field();
    } else if (c == '\n') {
      end_row();
      ++line;
    } else {
      field.push_back(c);
    }
  }
  if (!field.empty() || !row.cells.empty()) end_row();
  return rows;
}

// ---------------------------------------------------------------- text export

struct Item {
  enum Type { kFree, kCell, kBlank } type = kBlank;
  std::string text;
  int line = 0;
  bool after_blank = false;
  bool multi = false;       // one of several cells on its line
  bool line_start = false;  // the first cell on its line
};

std::vector<Item> Tokenize(const std::vector<Line>& lines) {
  std::vector<Item> items;
  bool blank_before = false;
  for (const auto& l : lines) {
    if (Trim(l.text).empty() && l.text.find('\t') == std::string::npos) {
      items.push_back({Item::kBlank, "", l.no, false, false, false});
      blank_before = true;
      continue;
    }
    // A line of only tabs is a row of empty cells (merged cells).
    const size_t tabs = static_cast<size_t>(std::count(l.text.begin(), l.text.end(), '\t'));
    if (tabs == 0) {
      items.push_back({Item::kFree, l.text, l.no, blank_before, false, false});
    } else {
      size_t start = 0;
      bool first = true;
      size_t pieces = 0;
      std::vector<std::string> parts;
      while (true) {
        const size_t tab = l.text.find('\t', start);
        parts.push_back(l.text.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
        if (tab == std::string::npos) break;
        start = tab + 1;
      }
      pieces = parts.size();
      // parts[0] is the text before the first tab: a continuation of the open cell.
      if (!Trim(parts[0]).empty()) items.push_back({Item::kFree, parts[0], l.no, blank_before, false, false});
      for (size_t k = 1; k < parts.size(); ++k) {
        items.push_back({Item::kCell, parts[k], l.no, first && blank_before, pieces > 2, first});
        first = false;
      }
    }
    blank_before = false;
  }
  return items;
}

// ---------------------------------------------------------------- interpretation

struct Inherited {
  UnitAssignment lead_col;
  UnitAssignment resp_col;
  std::string deadline;
  std::string title;
};

class Interpreter {
 public:
  Interpreter(const UnitDirectory& dir, ParsedPlan& out) : dir_(dir), out_(out) {}

  void SetKinds(std::vector<Kind> kinds) {
    header_ = std::move(kinds);
    bool has_number = false;
    bool has_text = false;
    for (Kind k : header_) {
      has_number = has_number || k == Kind::kNumber;
      has_text = has_text || k == Kind::kText;
      has_deadline_col_ = has_deadline_col_ || k == Kind::kDeadline;
    }
    // A 任务/工作任务 column is a title only beside a number and a content
    // column (yichun); otherwise it holds sections and numbered tasks.
    title_column_ = has_number && has_text;
    if (!title_column_)
      for (Kind& k : header_) if (k == Kind::kTitle) k = Kind::kText;
  }
  bool has_deadline_column() const { return has_deadline_col_; }

  void Process(const Row& row);
  void Finish();

 private:
  std::vector<Kind> KindsFor(const Row& row) const;
  Kind Classify(const Cell& c) const;
  bool ApplySection(int rank, std::string heading);
  void AddProblem(int line, std::string msg) { out_.problems.push_back({line, std::move(msg)}); }
  void ReportUnknown(const UnitAssignment& a);
  ParsedTask& NewTask(int number, int line);

  const UnitDirectory& dir_;
  ParsedPlan& out_;
  std::vector<Kind> header_;
  bool title_column_ = false;
  bool has_deadline_col_ = false;
  std::vector<std::pair<int, std::string>> section_;
  Inherited inh_;
  int expected_ = 1;
  std::map<int, int> seen_numbers_;  // number -> line
  std::set<std::string> unknown_seen_;
  struct Orphan {
    std::string text;
    std::vector<std::string> section;
    UnitAssignment units;
    std::string deadline;
    int line = 0;
  };
  std::vector<Orphan> orphans_;
};

Kind Interpreter::Classify(const Cell& c) const {
  const std::string t = c.Joined();
  if (t.empty()) return Kind::kEmpty;
  size_t i = 0;
  if (auto n = text::Digits(t, i, 4)) {
    const std::string rest = Trim(std::string_view(t).substr(i));
    if (rest.empty() || rest == "." || rest == "、" || rest == "．") return Kind::kNumber;
  }
  if (HeadingRank(t) || ParseTaskNumber(t, 0, expected_, true)) return Kind::kText;
  const size_t cps = CodePoints(t);
  if (cps <= 24) {
    for (std::string_view w : {"前", "底", "全年", "年内", "长期", "持续", "季度", "每月", "每年", "上半年",
                               "下半年", "常态", "年中", "月内", "即时", "随时"}) {
      if (t.find(w) != std::string::npos && !LooksLikeUnit(t)) return Kind::kDeadline;
    }
  }
  // Units: every fragment known or shaped like a unit name.
  const UnitAssignment a = ParseUnitCell(c.lines, UnitRole::kResponsible, dir_);
  if (!a.empty() && t.find("。") == std::string::npos) {
    size_t unitish = 0;
    size_t total = 0;
    for (const auto* list : {&a.lead, &a.responsible}) {
      for (const auto& n : *list) {
        ++total;
        if (dir_.Canonical(n) || LooksLikeUnit(n)) ++unitish;
      }
    }
    if (total > 0 && unitish == total) return Kind::kResponsible;
  }
  return Kind::kText;
}

std::vector<Kind> Interpreter::KindsFor(const Row& row) const {
  const size_t n = row.cells.size();
  std::vector<Kind> kinds;
  if (header_.empty()) {
    for (const auto& c : row.cells) kinds.push_back(Classify(c));
    return kinds;
  }
  const size_t m = header_.size();
  if (n <= m) {
    kinds.assign(header_.begin(), header_.begin() + static_cast<long>(n));
  } else {
    // Extra cells belong to the first text column: the text export writes
    // the merged 工作任务 heading cells ("一、", "（一）") as cells of their own.
    size_t absorb = 0;
    for (size_t k = 0; k < m; ++k) {
      if (header_[k] == Kind::kText || header_[k] == Kind::kTitle) {
        absorb = k;
        break;
      }
    }
    for (size_t k = 0; k < absorb; ++k) kinds.push_back(header_[k]);
    for (size_t k = 0; k < n - m + 1; ++k) kinds.push_back(header_[absorb]);
    for (size_t k = absorb + 1; k < m; ++k) kinds.push_back(header_[k]);
  }
  return kinds;
}

bool Interpreter::ApplySection(int rank, std::string heading) {
  while (EndsWith(heading, "。")) heading.erase(heading.size() - 3);
  for (const auto& [r, h] : section_) {
    if (r == rank && h == heading) return false;  // repeated on a new page
  }
  while (!section_.empty() && section_.back().first >= rank) section_.pop_back();
  section_.emplace_back(rank, std::move(heading));
  return true;
}

void Interpreter::ReportUnknown(const UnitAssignment& a) {
  for (const auto& u : a.unknown) {
    AddProblem(u.line, "unknown unit '" + u.name + "' (not in unit directory '" + dir_.id() + "')");
    if (unknown_seen_.insert(u.name).second) out_.unknown_units.push_back(u.name);
  }
}

ParsedTask& Interpreter::NewTask(int number, int line) {
  if (number != expected_) {
    AddProblem(line, "task number " + std::to_string(number) + " where " + std::to_string(expected_) +
                         " was expected");
  }
  if (auto it = seen_numbers_.find(number); it != seen_numbers_.end()) {
    AddProblem(line, "task number " + std::to_string(number) + " already used at line " +
                         std::to_string(it->second));
  } else {
    seen_numbers_.emplace(number, line);
  }
  expected_ = number + 1;
  ParsedTask t;
  t.number = number;
  t.source_line = line;
  for (const auto& [r, h] : section_) t.section.push_back(h);
  out_.tasks.push_back(std::move(t));
  return out_.tasks.back();
}

void AppendText(std::string& to, std::string_view piece) {
  const std::string t = Trim(piece);
  if (t.empty()) return;
  if (!to.empty()) {
    const unsigned char a = static_cast<unsigned char>(to.back());
    const unsigned char b = static_cast<unsigned char>(t.front());
    if (a < 0x80 && b < 0x80 && std::isalnum(a) && std::isalnum(b)) to.push_back(' ');
  }
  to += t;
}

void Interpreter::Process(const Row& row) {
  const std::vector<Kind> kinds = KindsFor(row);
  const Cell* number_cell = nullptr;
  const Cell* title_cell = nullptr;
  std::vector<const Cell*> text_cells;
  std::vector<const Cell*> lead_cells, resp_cells, deadline_cells;
  for (size_t k = 0; k < row.cells.size() && k < kinds.size(); ++k) {
    const Cell* c = &row.cells[k];
    switch (kinds[k]) {
      case Kind::kNumber: number_cell = c; break;
      case Kind::kTitle: if (title_column_) title_cell = c; else text_cells.push_back(c); break;
      case Kind::kText: text_cells.push_back(c); break;
      case Kind::kLead: lead_cells.push_back(c); break;
      case Kind::kResponsible: resp_cells.push_back(c); break;
      case Kind::kDeadline: deadline_cells.push_back(c); break;
      case Kind::kOther: case Kind::kEmpty: break;
    }
  }

  // 1. Sections first: a heading in the number, title or text columns.
  bool section_changed = false;
  auto take_heading = [&](const Cell* c) -> bool {
    if (!c) return false;
    const std::string t = c->Joined();
    if (auto r = HeadingRank(t)) {
      section_changed = ApplySection(*r, t) || section_changed;
      return true;
    }
    return false;
  };
  const bool number_is_heading = take_heading(number_cell);
  const bool title_is_heading = take_heading(title_cell);
  // Text cells: headings are whole lines at the start of a cell.
  struct Piece {
    std::optional<int> number;
    std::string text;
    int line = 0;
  };
  std::vector<Piece> pieces;
  int row_number = 0;
  if (number_cell && !number_is_heading) {
    const std::string t = number_cell->Joined();
    size_t i = 0;
    if (auto n = text::Digits(t, i, 4)) {
      const std::string rest = Trim(std::string_view(t).substr(i));
      if (rest.empty() || rest == "." || rest == "、" || rest == "．") row_number = *n;
    }
  }
  const int expected_before = expected_;
  for (const Cell* c : text_cells) {
    bool task_in_cell = false;
    for (const auto& cl : c->lines) {
      const std::string t = Trim(cl.text);
      if (t.empty()) continue;
      if (auto r = HeadingRank(t)) {
        if (!task_in_cell || (CodePoints(t) <= 40 && t.find("。") == std::string::npos)) {
          section_changed = ApplySection(*r, t) || section_changed;
          continue;
        }
      }
      // Task numbers at the line start, and further tasks after a sentence end.
      size_t content_at = 0;
      std::optional<int> num;
      if (row_number == 0) {
        // Out-of-sequence numbers are believed only where a cell starts.
        if (auto ts = ParseTaskNumber(t, 0, expected_, !task_in_cell)) {
          num = ts->number;
          content_at = ts->content_at;
          expected_ = ts->number + 1;  // so the scan below looks for the next one
          task_in_cell = true;
        }
      }
      size_t seg_start = content_at;
      size_t i = content_at;
      while (row_number == 0 && i < t.size()) {
        const char32_t ch = text::Next(t, i);
        if (!IsSentenceEnd(ch) || !task_in_cell) continue;
        size_t j = i;
        while (j < t.size() && (t[j] == ' ')) ++j;
        if (auto ts = ParseTaskNumber(t, j, expected_, false)) {
          // Accept only with an explicit separator (checked: no-dot form needs expected too).
          pieces.push_back({num, t.substr(seg_start, j - seg_start), cl.line});
          num = ts->number;
          expected_ = ts->number + 1;
          seg_start = ts->content_at;
          i = ts->content_at;
        }
      }
      pieces.push_back({num, t.substr(std::min(seg_start, t.size())), cl.line});
    }
  }
  // The scan advanced expected_ to find following numbers; NewTask re-checks
  // each number against the sequence as it stood before this row.
  expected_ = expected_before;

  // 2. Merged cells: a column empty in this row inherits from the row above,
  //    unless this row opens a new section.
  if (section_changed) inh_ = Inherited{};
  auto parse_units = [&](const std::vector<const Cell*>& cells, UnitRole role,
                         UnitAssignment& slot) {
    bool any = false;
    UnitAssignment merged;
    for (const Cell* c : cells) {
      if (c->Empty()) continue;
      any = true;
      UnitAssignment a = ParseUnitCell(c->lines, role, dir_);
      ReportUnknown(a);
      AppendUnique(merged.lead, a.lead);
      AppendUnique(merged.responsible, a.responsible);
    }
    if (any) slot = std::move(merged);
  };
  parse_units(lead_cells, UnitRole::kLead, inh_.lead_col);
  parse_units(resp_cells, UnitRole::kResponsible, inh_.resp_col);
  {
    std::string d;
    for (const Cell* c : deadline_cells) AppendText(d, c->Joined());
    if (!d.empty()) inh_.deadline = d;
  }
  if (title_cell && !title_is_heading && !title_cell->Empty()) inh_.title = title_cell->Joined();

  auto fill = [&](ParsedTask& task) {
    AppendUnique(task.lead_units, inh_.lead_col.lead);
    AppendUnique(task.lead_units, inh_.resp_col.lead);
    AppendUnique(task.responsible_units, inh_.lead_col.responsible);
    AppendUnique(task.responsible_units, inh_.resp_col.responsible);
    task.deadline.text = inh_.deadline;
  };

  // 3. Tasks.
  if (row_number > 0) {
    ParsedTask& task = NewTask(row_number, number_cell->line);
    std::string content;
    for (const auto& p : pieces) AppendText(content, p.text);
    // "3" in the number column and "3.…" in the text: drop the repeat.
    if (auto ts = ParseTaskNumber(content, 0, row_number, false); ts && ts->number == row_number)
      content = Trim(std::string_view(content).substr(ts->content_at));
    task.title = title_column_ ? inh_.title : "";
    task.content = content.empty() ? task.title : content;
    fill(task);
    return;
  }
  bool any_task = false;
  std::string orphan;
  int orphan_line = 0;
  ParsedTask* current = nullptr;
  for (auto& p : pieces) {
    if (p.number) {
      current = &NewTask(*p.number, p.line);
      current->content = Trim(p.text);
      fill(*current);
      any_task = true;
    } else if (current) {
      AppendText(current->content, p.text);
    } else {
      if (orphan.empty()) orphan_line = p.line;
      AppendText(orphan, p.text);
    }
  }
  if (!orphan.empty()) {
    const bool has_units = !inh_.lead_col.empty() || !inh_.resp_col.empty();
    const bool row_has_units = [&] {
      for (const auto* v : {&lead_cells, &resp_cells})
        for (const Cell* c : *v) if (!c->Empty()) return true;
      return false;
    }();
    if (!any_task && row_has_units && has_units) {
      Orphan o;
      o.text = orphan;
      for (const auto& [r, h] : section_) o.section.push_back(h);
      AppendUnique(o.units.lead, inh_.lead_col.lead);
      AppendUnique(o.units.lead, inh_.resp_col.lead);
      AppendUnique(o.units.responsible, inh_.lead_col.responsible);
      AppendUnique(o.units.responsible, inh_.resp_col.responsible);
      o.deadline = inh_.deadline;
      o.line = orphan_line;
      orphans_.push_back(std::move(o));
    }
  }
}

void Interpreter::Finish() {
  if (out_.tasks.empty() && !orphans_.empty()) {
    // No task carries a number: take each row with units as a task, in order.
    AddProblem(0, "no numbered tasks found; " + std::to_string(orphans_.size()) +
                      " rows with units taken as tasks numbered in order");
    int n = 0;
    for (auto& o : orphans_) {
      ParsedTask t;
      t.number = ++n;
      t.section = o.section;
      t.content = o.text;
      t.lead_units = o.units.lead;
      t.responsible_units = o.units.responsible;
      t.deadline.text = o.deadline;
      t.source_line = o.line;
      out_.tasks.push_back(std::move(t));
    }
  } else {
    for (const auto& o : orphans_) {
      AddProblem(o.line, "text with units but no task number, not imported: '" +
                             text::Prefix(o.text, 30) + "'");
    }
  }
}

std::string FirstSentence(const std::string& s) {
  size_t i = 0;
  size_t end = s.size();
  int depth = 0;
  while (i < s.size()) {
    const size_t at = i;
    const char32_t c = text::Next(s, i);
    if (c == U'（' || c == '(' || c == U'“' || c == U'《') ++depth;
    else if ((c == U'）' || c == ')' || c == U'”' || c == U'》') && depth > 0) --depth;
    else if (depth == 0 && (c == U'。' || c == U'；' || c == ';' || c == U'！' || c == U'？')) {
      end = at;
      break;
    }
  }
  std::string first = s.substr(0, end);
  constexpr size_t kMax = 40;
  if (CodePoints(first) > kMax) first = text::Prefix(first, kMax) + "…";
  return first;
}

// Units in the task text: "…工作。（市发改局牵头，各县区政府负责）" or
// "（责任单位：市司法局）" at the end, the prose form of a plan.
void UnitsFromText(ParsedTask& t, const UnitDirectory& dir, ParsedPlan& out) {
  std::string c = Trim(t.content);
  while (EndsWith(c, "。")) c.erase(c.size() - 3);
  size_t close_len = 0;
  if (EndsWith(c, "）")) close_len = 3;
  else if (EndsWith(c, ")")) close_len = 1;
  if (close_len == 0) return;
  // Find the opening bracket matching the final one.
  std::vector<size_t> opens;
  size_t open_at = std::string::npos, open_len = 0;
  size_t i = 0;
  while (i < c.size()) {
    const size_t at = i;
    const char32_t ch = text::Next(c, i);
    if (ch == U'（' || ch == '(') opens.push_back(at);
    else if ((ch == U'）' || ch == ')') && !opens.empty()) {
      if (i == c.size()) {
        open_at = opens.back();
        open_len = c[open_at] == '(' ? 1 : 3;
      }
      opens.pop_back();
    }
  }
  if (open_at == std::string::npos) return;
  std::string inner = c.substr(open_at + open_len, c.size() - close_len - open_at - open_len);
  std::string lead_part, resp_part;
  bool labelled = false;
  auto take = [&](std::initializer_list<std::string_view> labels, std::string& into) {
    for (std::string_view label : labels) {
      const size_t p = inner.find(label);
      if (p == std::string::npos) continue;
      labelled = true;
      size_t e = inner.size();
      for (std::string_view stop : {"；", ";", "。", "牵头单位", "责任单位", "配合单位", "落实单位"}) {
        const size_t q = inner.find(stop, p + label.size());
        if (q != std::string::npos && q < e) e = q;
      }
      into += inner.substr(p + label.size(), e - p - label.size());
    }
  };
  take({"牵头单位：", "牵头单位:"}, lead_part);
  take({"责任单位：", "责任单位:", "落实单位：", "落实单位:", "配合单位：", "配合单位:"}, resp_part);
  const bool role_word = inner.find("牵头") != std::string::npos || inner.find("负责") != std::string::npos;
  if (!labelled && !role_word) return;
  UnitAssignment a;
  auto add = [&](const std::string& part, UnitRole role) {
    if (Trim(part).empty()) return;
    auto r = ParseUnitCell({{part, t.source_line}}, role, dir);
    AppendUnique(a.lead, r.lead);
    AppendUnique(a.responsible, r.responsible);
    a.unknown.insert(a.unknown.end(), r.unknown.begin(), r.unknown.end());
  };
  if (labelled) {
    add(lead_part, UnitRole::kLead);
    add(resp_part, UnitRole::kResponsible);
  } else {
    add(inner, UnitRole::kResponsible);
  }
  if (a.empty()) return;
  t.lead_units = a.lead;
  t.responsible_units = a.responsible;
  t.content = Trim(std::string_view(c).substr(0, open_at));
  if (!t.content.empty() && !EndsWith(t.content, "。")) t.content += "。";
  for (const auto& u : a.unknown) {
    out.problems.push_back({u.line, "unknown unit '" + u.name + "' (not in unit directory '" + dir.id() + "')"});
    if (std::find(out.unknown_units.begin(), out.unknown_units.end(), u.name) == out.unknown_units.end())
      out.unknown_units.push_back(u.name);
  }
}

struct Layout {
  std::vector<std::string> preamble;  // lines before the table, in order
  std::vector<int> preamble_lines;
  std::vector<std::string> trailer;   // lines after it
  std::vector<int> trailer_lines;
  std::vector<Row> rows;
  std::vector<Kind> header;
  int header_line = 0;
};

// Finds the header run in the text-export items: consecutive cells, each a
// header word (a cell may continue over free lines: "任务" + "名称").
bool FindTextHeader(const std::vector<Item>& items, size_t& begin, size_t& end,
                    std::vector<Kind>& kinds) {
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].type != Item::kCell) continue;
    std::vector<Kind> ks;
    size_t j = i;
    while (j < items.size()) {
      if (items[j].type == Item::kBlank) {
        ++j;
        continue;
      }
      if (items[j].type != Item::kCell) break;
      std::string t = items[j].text;
      size_t k = j + 1;
      while (k < items.size() && items[k].type == Item::kFree) t += Trim(items[k].text), ++k;
      const auto kind = HeaderKind(t);
      if (!kind) break;
      ks.push_back(*kind);
      j = k;
    }
    if (ks.size() >= 2) {
      begin = i;
      end = j;
      kinds = std::move(ks);
      return true;
    }
  }
  return false;
}

void BuildTextLayout(const std::vector<Line>& lines, Layout& lay, std::vector<Problem>& problems) {
  const std::vector<Item> items = Tokenize(lines);
  size_t hb = 0, he = 0;
  std::vector<Kind> kinds;
  const bool has_header = FindTextHeader(items, hb, he, kinds);
  size_t table_begin = 0;
  if (has_header) {
    lay.header = kinds;
    lay.header_line = items[hb].line;
    table_begin = he;
    for (size_t i = 0; i < hb; ++i) {
      if (items[i].type == Item::kBlank) continue;
      lay.preamble.push_back(Trim(items[i].text));
      lay.preamble_lines.push_back(items[i].line);
    }
  } else {
    problems.push_back({0, "no header row found (序号/工作任务/牵头单位/责任单位/完成时限…); columns read from content"});
    // The table starts at the first heading or task number 1.
    table_begin = items.size();
    for (size_t i = 0; i < items.size(); ++i) {
      if (items[i].type == Item::kBlank) continue;
      const std::string t = Trim(items[i].text);
      auto ts = ParseTaskNumber(t, 0, 1, false);
      if (HeadingRank(t) || (ts && ts->number == 1)) {
        table_begin = i;
        break;
      }
      lay.preamble.push_back(t);
      lay.preamble_lines.push_back(items[i].line);
    }
  }
  std::string title_guess = lay.preamble.empty() ? "" : text::StripSpaces(lay.preamble.front());

  // A row starts at a cell after a blank line, or at the first of several
  // cells on one line (the several-cells-per-line export).
  auto starts_row = [](const Item& it) { return it.after_blank || (it.line_start && it.multi); };
  // Row width: the most common run of cells between row starts (the header
  // may undercount when a column is split into heading cells, as in
  // chengzihe's 工作任务). Needed before cells are built, to tell a line that
  // continues a cell from one standing outside the table.
  size_t width = lay.header.size();
  {
    std::map<size_t, size_t> freq;
    size_t run = 0;
    for (size_t k = table_begin; k < items.size(); ++k) {
      if (items[k].type != Item::kCell) continue;
      if (starts_row(items[k]) && run > 0) {
        if (run >= 2) ++freq[run];
        run = 0;
      }
      ++run;
    }
    if (run >= 2) ++freq[run];
    size_t best = 0;
    for (auto [size, count] : freq) {
      if (count >= best) {
        best = count;
        width = size;
      }
    }
    if (width < lay.header.size()) width = lay.header.size();
    if (width == 0) width = 1;
  }

  // Cells, with free lines as continuations; segments split at blank lines.
  std::vector<std::vector<Cell>> segments;
  std::vector<Cell> seg;
  bool saw_content = false;
  size_t i = table_begin;
  for (; i < items.size(); ++i) {
    const Item& it = items[i];
    if (it.type == Item::kBlank) continue;
    const std::string t = Trim(it.text);
    const std::string key = text::StripSpaces(t);
    if (saw_content && IsTrailerMarker(t)) break;
    if (it.type == Item::kFree) {
      if (IsPageNumber(t)) continue;
      // After a blank line, a complete row cannot continue: the line stands
      // outside the table (a signature, a note); so does a bare date.
      if (has_header && ((it.after_blank && seg.size() >= width) || DateLine(t))) {
        lay.trailer.push_back(t);
        lay.trailer_lines.push_back(it.line);
        continue;
      }
      if (title_guess.size() >= 12 && key.size() >= 12 && StartsWith(title_guess, key)) continue;
      if (!has_header) {
        // Without a header every free line is a row of its own.
        if (!seg.empty()) segments.push_back(std::move(seg));
        seg.clear();
        Cell c;
        c.line = it.line;
        c.lines.push_back({it.text, it.line});
        seg.push_back(std::move(c));
        segments.push_back(std::move(seg));
        seg.clear();
        saw_content = true;
        continue;
      }
      if (seg.empty()) {
        Cell c;
        c.line = it.line;
        c.after_blank = it.after_blank;
        seg.push_back(std::move(c));
      }
      seg.back().lines.push_back({it.text, it.line});
      saw_content = true;
      continue;
    }
    // A cell.
    if (starts_row(it) && !seg.empty()) {
      segments.push_back(std::move(seg));
      seg.clear();
    }
    Cell c;
    c.line = it.line;
    c.after_blank = it.after_blank;
    c.lines.push_back({it.text, it.line});
    seg.push_back(std::move(c));
    if (!t.empty()) saw_content = true;
  }
  if (!seg.empty()) segments.push_back(std::move(seg));
  for (; i < items.size(); ++i) {
    if (items[i].type == Item::kBlank) continue;
    lay.trailer.push_back(Trim(items[i].text));
    lay.trailer_lines.push_back(items[i].line);
  }

  // A segment that is short joins the next when together they make a row
  // (a blank line inside a cell); one too long is cut into rows at lines
  // holding several cells, else every `width` cells.
  std::vector<std::vector<Cell>> rows;
  for (auto& s : segments) {
    if (s.size() > 2 * width) {
      std::vector<Cell> cur;
      int cur_line = -1;
      for (auto& c : s) {
        if (cur.size() >= width && c.line != cur_line) {
          rows.push_back(std::move(cur));
          cur.clear();
        }
        cur_line = c.line;
        cur.push_back(std::move(c));
      }
      if (!cur.empty()) rows.push_back(std::move(cur));
      continue;
    }
    if (!rows.empty() && rows.back().size() < width && rows.back().size() + s.size() <= width &&
        has_header) {
      for (auto& c : s) rows.back().push_back(std::move(c));
      continue;
    }
    rows.push_back(std::move(s));
  }
  for (auto& r : rows) {
    // Repeated header rows on each page are furniture.
    size_t header_words = 0;
    size_t non_empty = 0;
    for (const auto& c : r) {
      if (c.Empty()) continue;
      ++non_empty;
      if (HeaderKind(c.Joined())) ++header_words;
    }
    if (non_empty >= 2 && header_words == non_empty) continue;
    Row row;
    row.line = r.empty() ? 0 : r.front().line;
    row.cells = std::move(r);
    lay.rows.push_back(std::move(row));
  }
}

void BuildDelimitedLayout(const std::string& clean, char sep, Layout& lay, std::vector<Problem>& problems) {
  std::vector<Row> rows = ParseDelimited(clean, sep);
  size_t header_at = rows.size();
  for (size_t r = 0; r < rows.size() && r < 50; ++r) {
    size_t hits = 0;
    for (const auto& c : rows[r].cells)
      if (HeaderKind(c.Joined())) ++hits;
    if (hits >= 2) {
      header_at = r;
      break;
    }
  }
  if (header_at == rows.size()) {
    problems.push_back({0, "no header row found; columns read from content"});
    header_at = 0;
    lay.rows = std::move(rows);
    return;
  }
  for (size_t r = 0; r < header_at; ++r) {
    std::string joined;
    for (const auto& c : rows[r].cells) AppendText(joined, c.Joined());
    lay.preamble.push_back(joined);
    lay.preamble_lines.push_back(rows[r].line);
  }
  for (const auto& c : rows[header_at].cells) {
    auto k = HeaderKind(c.Joined());
    lay.header.push_back(k ? *k : Kind::kOther);
  }
  lay.header_line = rows[header_at].line;
  for (size_t r = header_at + 1; r < rows.size(); ++r) {
    size_t header_words = 0, non_empty = 0;
    for (const auto& c : rows[r].cells) {
      if (c.Empty()) continue;
      ++non_empty;
      if (HeaderKind(c.Joined())) ++header_words;
    }
    if (non_empty >= 2 && header_words == non_empty) continue;
    lay.rows.push_back(std::move(rows[r]));
  }
}

// Which format: CSV/TSV when a line that is not tab-indented splits into
// at least two header words; else the text export.
std::string DetectFormat(const std::vector<Line>& lines) {
  for (size_t i = 0; i < lines.size() && i < 200; ++i) {
    const std::string& l = lines[i].text;
    if (l.empty() || l[0] == '\t') continue;
    for (char sep : {'\t', ','}) {
      if (l.find(sep) == std::string::npos) continue;
      size_t hits = 0;
      size_t start = 0;
      while (start <= l.size()) {
        size_t e = l.find(sep, start);
        if (e == std::string::npos) e = l.size();
        std::string cell = l.substr(start, e - start);
        if (!cell.empty() && cell.front() == '"') cell.erase(0, 1);
        if (!cell.empty() && cell.back() == '"') cell.pop_back();
        if (HeaderKind(cell)) ++hits;
        start = e + 1;
      }
      if (hits >= 2) return sep == '\t' ? "tsv" : "csv";
    }
  }
  return "text";
}

void ExtractMeta(const Layout& lay, const ParseOptions& opts, ParsedPlan& out) {
  // Title: the first line around the table that is not an attachment mark,
  // document number, date or issuer line; joined with the next when the
  // title wrapped ("…分工" + "实施方案").
  std::vector<std::string> cands;
  for (size_t k = 0; k < lay.preamble.size(); ++k) {
    const std::string& s = lay.preamble[k];
    const std::string key = text::StripSpaces(s);
    if (key.empty() || CodePoints(key) <= 3) continue;
    if (StartsWith(key, "附件") && CodePoints(key) <= 6) continue;
    if (FindDocNumber(key) || DateLine(key)) continue;
    if (EndsWith(key, "文件") && LooksLikeIssuer(key.substr(0, key.size() - 6))) continue;
    if (key.find("。") != std::string::npos) continue;  // a paragraph, not a title
    if (StartsWith(key, "（") || StartsWith(key, "(")) continue;
    cands.push_back(key);
    if (cands.size() >= 3) break;
  }
  if (!cands.empty()) {
    out.plan.title = cands[0];
    // A title wrapped over two lines: "…工作要点" + "分工方案".
    if (cands.size() > 1 && IsTitleWord(cands[1]) && CodePoints(cands[1]) <= 10 && !YearIn(cands[1]))
      out.plan.title += cands[1];
  }
  // Document number, date and issuer from the lines outside the table only:
  // task text cites other documents ("国办公开办函〔2019〕60号").
  std::vector<std::pair<std::string, int>> around;
  for (size_t k = 0; k < lay.preamble.size(); ++k) around.emplace_back(lay.preamble[k], lay.preamble_lines[k]);
  for (size_t k = 0; k < lay.trailer.size(); ++k) around.emplace_back(lay.trailer[k], lay.trailer_lines[k]);
  for (const auto& [s, line] : around) {
    if (auto dn = FindDocNumber(text::StripSpaces(s))) {
      out.plan.doc_number = *dn;
      break;
    }
  }
  // The signature date (last date line) wins over one at the top.
  for (size_t k = 0; k < around.size(); ++k) {
    if (auto d = DateLine(around[k].first)) {
      out.plan.issued_on = d;
      if (k > 0) {
        const std::string prev = text::StripSpaces(around[k - 1].first);
        if (LooksLikeIssuer(prev)) out.plan.issuer = prev;
      }
    }
  }
  if (opts.issued_on) out.plan.issued_on = opts.issued_on;
  if (out.plan.issuer.empty()) {
    for (const auto& [s, line] : around) {
      const std::string key = text::StripSpaces(s);
      if (EndsWith(key, "文件") && LooksLikeIssuer(key.substr(0, key.size() - 6))) {
        out.plan.issuer = key.substr(0, key.size() - 6);
        break;
      }
      for (std::string_view label : {"印发单位：", "发文单位：", "发文机关："}) {
        if (StartsWith(key, label)) out.plan.issuer = key.substr(label.size());
      }
    }
  }
  if (auto y = YearIn(out.plan.title)) out.plan.year = *y;
  else if (opts.year > 0) out.plan.year = opts.year;
  else if (out.plan.issued_on) out.plan.year = out.plan.issued_on->year;
  else if (!out.plan.doc_number.empty()) {
    size_t p = out.plan.doc_number.find_first_of("0123456789");
    size_t k = p;
    if (p != std::string::npos) {
      if (auto y = text::Digits(out.plan.doc_number, k, 4)) out.plan.year = *y;
    }
  }
  if (out.plan.year == 0 && opts.default_year > 0) out.plan.year = opts.default_year;
  if (out.plan.title.empty()) out.problems.push_back({0, "no plan title found"});
  if (out.plan.year == 0) out.problems.push_back({0, "no plan year found (title, date or document number)"});
}

}  // namespace

ParsedPlan ParsePlan(std::string_view bytes, const UnitDirectory& dir, const ParseOptions& opts) {
  ParsedPlan out;
  try {
    std::string clean;
    if (!text::IsValidUtf8(bytes)) {
      if (auto converted = FromGb18030(bytes)) {
        clean = text::Clean(*converted);
        out.problems.push_back({0, "file is GB18030/GBK, not UTF-8; converted"});
      } else {
        clean = text::Clean(bytes);
        out.problems.push_back({0, "file is not valid UTF-8; invalid bytes replaced with U+FFFD"});
      }
    } else {
      clean = text::Clean(bytes);
    }
    const std::vector<Line> lines = ToLines(clean);
    out.format = DetectFormat(lines);
    Layout lay;
    if (out.format == "text") {
      BuildTextLayout(lines, lay, out.problems);
    } else {
      // Markup is stripped per field after the split (quotes may hold tags).
      BuildDelimitedLayout(clean, out.format == "tsv" ? '\t' : ',', lay, out.problems);
    }
    ExtractMeta(lay, opts, out);

    Interpreter interp(dir, out);
    interp.SetKinds(lay.header);
    for (const auto& row : lay.rows) interp.Process(row);
    interp.Finish();

    const bool resolve = opts.resolve_deadlines && CanResolveDeadlines();
    for (auto& t : out.tasks) {
      if (t.lead_units.empty() && t.responsible_units.empty()) UnitsFromText(t, dir, out);
      if (t.title.empty()) t.title = FirstSentence(t.content);
      if (t.deadline.text.empty() && !interp.has_deadline_column() && opts.deadline_from_text) {
        if (auto p = FindDeadlinePhrase(t.content)) t.deadline.text = *p;
      }
      if (t.content.empty()) out.problems.push_back({t.source_line, "task " + std::to_string(t.number) + " has no text"});
      if (t.lead_units.empty() && t.responsible_units.empty())
        out.problems.push_back({t.source_line, "task " + std::to_string(t.number) + " names no unit"});
      if (resolve && !t.deadline.text.empty()) {
        const DueResult r = ResolveDue(t.deadline.text, out.plan.year, out.plan.issued_on, opts.calendar);
        t.deadline.due_on = r.due_on;
        if (!r.understood) {
          out.problems.push_back({t.source_line, "deadline '" + t.deadline.text + "' of task " +
                                                     std::to_string(t.number) + " not understood; kept as text" +
                                                     (r.note.empty() ? "" : " (" + r.note + ")")});
        } else if (!r.note.empty()) {
          // Resolved with a warning (a year the calendar does not cover yet).
          out.problems.push_back({t.source_line, "deadline '" + t.deadline.text + "' of task " +
                                                     std::to_string(t.number) + ": " + r.note});
        }
      }
    }
    if (out.tasks.empty()) out.problems.push_back({0, "no tasks found"});
  } catch (const std::exception& e) {
    // Only allocation failure can land here; report instead of crashing.
    out.problems.push_back({0, std::string("import failed: ") + e.what()});
  }
  std::stable_sort(out.problems.begin(), out.problems.end(),
                   [](const Problem& a, const Problem& b) { return a.line < b.line; });
  return out;
}

}  // namespace duban::plan_import
