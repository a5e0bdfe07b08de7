// Reading: bytes to clean lines, the format, and the header words that name
// columns. The first stage of ParsePlan (see plan_table.h).
#include <iconv.h>

#include <algorithm>
#include <map>

#include "plan_table.h"
#include "text_util.h"

namespace duban::plan_import::table {

using text::EndsWith;

namespace {

// Converts `from`-encoded bytes (GB18030, UTF-16LE/BE) to UTF-8; nullopt when they are not valid.
std::optional<std::string> Convert(std::string_view bytes, const char* from) {
  iconv_t cd = iconv_open("UTF-8", from);
  // iconv_open's documented failure value is (iconv_t)-1.
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;  // NOLINT(performance-no-int-to-ptr)
  std::string out(bytes.size() * 2 + 16, '\0');                  // UTF-8 of GB18030 or UTF-16 is at most twice as long
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

// A header word the table does not list, read by what it names: a unit
// column ends in 单位/部门/处室/科室 after nothing but role words, the role
// from the words (牵头/主办/主责 lead, 责任/配合/承办/落实/协办… responsible;
// "牵头及责任单位" names both, see Kind::kLeadAndResponsible);
// a short word naming time (时限, 时间, 节点, 期限, 进度) is the deadline.
// Bounded to a few characters so that a content cell ("市直各单位",
// "2021年底前完成部门预算公开") is never taken for a header.
std::optional<Kind> KindByMeaning(const std::string& s) {
  const size_t cps = text::CodePoints(s);
  if (cps < 2 || cps > 10) return std::nullopt;
  for (std::string_view suffix : {"单位", "部门", "处室", "科室"}) {
    if (!EndsWith(s, suffix)) continue;
    std::string rest = s.substr(0, s.size() - suffix.size());
    bool lead = false, responsible = false;
    static constexpr std::string_view kLeadWords[] = {"牵头负责", "牵头", "主办", "主责"};
    static constexpr std::string_view kRespWords[] = {"责任", "配合", "承办", "落实", "协办", "参与",
                                                      "实施", "负责", "协同", "协助", "完成", "具体"};
    static constexpr std::string_view kJoiners[] = {"及", "和", "与", "、", "/", "／"};
    // Consume the prefix word by word; anything else ("各", "市直") is not a header.
    while (!rest.empty()) {
      bool took = false;
      for (auto w : kLeadWords)
        if (!took && text::StartsWith(rest, w)) rest.erase(0, w.size()), lead = took = true;
      for (auto w : kRespWords)
        if (!took && text::StartsWith(rest, w)) rest.erase(0, w.size()), responsible = took = true;
      for (auto w : kJoiners)
        if (!took && text::StartsWith(rest, w)) rest.erase(0, w.size()), took = true;
      if (!took) return std::nullopt;
    }
    if (lead && responsible) return Kind::kLeadAndResponsible;
    return lead ? Kind::kLead : Kind::kResponsible;
  }
  // The measures themselves under any name an office gives them: 建设内容,
  // 工作举措, 推进措施, 年度目标, 完成标准, 目标任务及措施, 重点事项 ...
  // ("…情况" reports on the work and is not it).
  if (s.find("情况") == std::string::npos && !text::StartsWith(s, "按")) {
    for (std::string_view end : {"内容", "措施", "举措", "目标", "标准", "事项"})
      if (EndsWith(s, end)) return Kind::kText;
  }
  if (cps > 10) return std::nullopt;
  // 完成情况 / 进展情况 report on the work, they are not its deadline.
  if (s.find("情况") != std::string::npos || s.find("联系") != std::string::npos) return std::nullopt;
  // A deadline cell may name time too ("按时间节点"): a header word ends in
  // the time word or in 要求/安排 after one, and does not start with 按.
  if (text::StartsWith(s, "按") || std::any_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  bool names_time = false;
  for (std::string_view w : {"时限", "时间", "节点", "期限", "进度"})
    names_time = names_time || s.find(w) != std::string::npos;
  if (!names_time) return std::nullopt;
  for (std::string_view end : {"时限", "时间", "节点", "期限", "进度", "要求", "安排"}) {
    if (EndsWith(s, end)) return Kind::kDeadline;
  }
  return std::nullopt;
}

}  // namespace

std::string CleanInput(std::string_view bytes, std::vector<Problem>& problems) {
  // Excel's and Word's "Unicode text" is UTF-16 with a byte-order mark.
  const bool le = bytes.substr(0, 2) == "\xFF\xFE", be = bytes.substr(0, 2) == "\xFE\xFF";
  if (le || be) {
    if (auto converted = Convert(bytes.substr(2), le ? "UTF-16LE" : "UTF-16BE")) {
      problems.push_back({0, "file is UTF-16 (Unicode text), not UTF-8; converted",
                          "文件为 UTF-16（Unicode 文本）编码，已转换为 UTF-8"});
      return text::Clean(*converted);
    }
  }
  if (text::IsValidUtf8(bytes)) return text::Clean(bytes);
  if (auto converted = Convert(bytes, "GB18030")) {
    problems.push_back({0, "file is GB18030/GBK, not UTF-8; converted", "文件为 GB18030/GBK 编码，已转换为 UTF-8"});
    return text::Clean(*converted);
  }
  problems.push_back({0, "file is not valid UTF-8; invalid bytes replaced with U+FFFD",
                      "文件不是有效的 UTF-8 编码，无法识别的字节已替换为 �，请核对原文"});
  return text::Clean(bytes);
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
      if (first || !text::Trim(piece).empty()) {
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

namespace {

// The header word as looked up: spaces, a bracketed gloss and a colon dropped.
std::string NormalizeHeaderWord(std::string_view raw) {
  std::string s = text::StripSpaces(raw);
  // "完成时限（时间节点）": drop a bracketed gloss; "序号：" drop the colon.
  for (std::string_view open : {"（", "("}) {
    const size_t p = s.find(open);
    if (p != std::string::npos && p > 0) s.erase(p);
  }
  while (EndsWith(s, "：") || EndsWith(s, ":")) s.erase(s.size() - (EndsWith(s, ":") ? 1 : 3));
  return s;
}

// Header words seen in published plans, by the column they name. A table, one
// entry a line, so it is longer than a function should be.
// NOLINTNEXTLINE(readability-function-size)
const std::map<std::string, Kind, std::less<>>& ListedHeaderWords() {
  static const std::map<std::string, Kind, std::less<>> kTable = {
      {"序号", Kind::kNumber},
      {"编号", Kind::kNumber},
      {"序", Kind::kNumber},
      {"任务编号", Kind::kNumber},
      {"项目编号", Kind::kNumber},
      {"任务序号", Kind::kNumber},
      {"任务名称", Kind::kTitle},
      {"名称", Kind::kTitle},
      {"项目名称", Kind::kTitle},
      {"事项名称", Kind::kTitle},
      {"任务", Kind::kTitle},
      {"工作任务", Kind::kTitle},
      {"重点任务", Kind::kTitle},
      {"主要任务", Kind::kTitle},
      {"目标任务", Kind::kTitle},
      {"工作项目", Kind::kTitle},
      {"工作目标", Kind::kTitle},
      {"重点工作", Kind::kTitle},
      {"具体工作事项", Kind::kText},
      {"任务内容", Kind::kText},
      {"工作内容", Kind::kText},
      {"具体任务", Kind::kText},
      {"工作措施", Kind::kText},
      {"具体措施", Kind::kText},
      {"工作事项", Kind::kText},
      {"内容", Kind::kText},
      {"主要内容", Kind::kText},
      {"工作要求", Kind::kText},
      {"任务要求", Kind::kText},
      {"具体内容", Kind::kText},
      {"工作要点", Kind::kText},
      {"目标要求", Kind::kText},
      {"具体工作", Kind::kText},
      {"具体事项", Kind::kText},
      {"主要措施", Kind::kText},
      {"任务分解", Kind::kText},
      {"牵头单位", Kind::kLead},
      {"牵头部门", Kind::kLead},
      {"牵头", Kind::kLead},
      {"主责单位", Kind::kLead},
      {"主办单位", Kind::kLead},
      {"牵头责任单位", Kind::kLead},
      {"责任单位", Kind::kResponsible},
      {"落实单位", Kind::kResponsible},
      {"责任部门", Kind::kResponsible},
      {"配合单位", Kind::kResponsible},
      {"协办单位", Kind::kResponsible},
      {"参与单位", Kind::kResponsible},
      {"承办单位", Kind::kResponsible},
      {"实施单位", Kind::kResponsible},
      {"完成单位", Kind::kResponsible},
      {"负责单位", Kind::kResponsible},
      {"责任主体", Kind::kResponsible},
      {"配合部门", Kind::kResponsible},
      {"协同单位", Kind::kResponsible},
      {"责任处室", Kind::kResponsible},
      {"时间节点", Kind::kDeadline},
      {"时限要求", Kind::kDeadline},
      {"完成时限", Kind::kDeadline},
      {"完成时间", Kind::kDeadline},
      {"时间要求", Kind::kDeadline},
      {"时限", Kind::kDeadline},
      {"进度安排", Kind::kDeadline},
      {"完成期限", Kind::kDeadline},
      {"时间安排", Kind::kDeadline},
      {"时间", Kind::kDeadline},
      {"办结时限", Kind::kDeadline},
      {"完成时间节点", Kind::kDeadline},
      {"备注", Kind::kOther},
      {"完成情况", Kind::kOther},
      {"进展情况", Kind::kOther},
      {"责任人", Kind::kOther},
      {"分管领导", Kind::kOther},
      {"责任领导", Kind::kOther},
      {"联系人", Kind::kOther},
      {"工作进度", Kind::kOther},
      {"具体工作事项进度", Kind::kOther},
      {"联系方式", Kind::kOther},
      {"填报人", Kind::kOther},
  };
  return kTable;
}

std::optional<Kind> ListedKind(const std::string& s) {
  if (s.empty() || s.size() > 40) return std::nullopt;
  const auto& table = ListedHeaderWords();
  if (auto it = table.find(s); it != table.end()) return it->second;
  return std::nullopt;
}

}  // namespace

bool IsListedHeaderWord(std::string_view raw) { return ListedKind(NormalizeHeaderWord(raw)).has_value(); }

std::optional<Kind> HeaderKind(std::string_view raw) {
  const std::string s = NormalizeHeaderWord(raw);
  if (auto k = ListedKind(s)) return k;
  if (s.empty() || s.size() > 40) return std::nullopt;
  return KindByMeaning(s);
}

void AppendText(std::string& to, std::string_view piece) {
  const std::string t = text::Trim(piece);
  if (t.empty()) return;
  if (!to.empty()) {
    const unsigned char a = static_cast<unsigned char>(to.back());
    const unsigned char b = static_cast<unsigned char>(t.front());
    if (a < 0x80 && b < 0x80 && std::isalnum(a) && std::isalnum(b)) to.push_back(' ');
  }
  to += t;
}

std::string Cell::Joined() const {
  std::string out;
  for (const auto& l : lines) AppendText(out, l.text);
  return out;
}

bool Cell::Empty() const {
  for (const auto& l : lines)
    if (!text::Trim(l.text).empty()) return false;
  return true;
}

bool IsRepeatedHeader(const std::vector<Cell>& cells) {
  size_t header_words = 0;
  size_t non_empty = 0;
  for (const auto& c : cells) {
    if (c.Empty()) continue;
    ++non_empty;
    if (HeaderKind(c.Joined())) ++header_words;
  }
  return non_empty >= 2 && header_words == non_empty;
}

}  // namespace duban::plan_import::table
