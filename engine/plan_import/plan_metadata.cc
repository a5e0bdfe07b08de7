// Metadata: the plan's title, issuer, document number, issue date and year,
// read from the lines around the table (see plan_table.h).
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "duban/cn_numeral.h"
#include "plan_table.h"
#include "text_util.h"
#include "title_years.h"

namespace duban::plan_import::table {

using text::CodePoints;
using text::EndsWith;
using text::StartsWith;
using text::Trim;

namespace {

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
  auto skip = [&] {
    while (k < s.size() && s[k] == ' ') ++k;
  };
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

}  // namespace

// A line that is a date and nothing else (a signature or issue date).
std::optional<Date> DateLine(std::string_view raw) {
  std::string s = Trim(raw);
  for (std::string_view w : {"（", "("})
    if (StartsWith(s, w)) s.erase(0, w.size());
  size_t i = 0;
  auto d = ParseCnDate(s, i);
  if (!d) return std::nullopt;
  std::string rest = Trim(std::string_view(s).substr(i));
  for (std::string_view w : {"）", ")", "印发", "发布"})
    if (StartsWith(rest, w)) rest.erase(0, w.size());
  rest = Trim(rest);
  if (!rest.empty() && rest != "）" && rest != ")") return std::nullopt;
  return d;
}

namespace {

// "珠高办〔2021〕50号" anywhere in the line.
std::optional<std::string> FindDocNumber(std::string_view s) {
  for (auto [open, close] : {std::pair<std::string_view, std::string_view>{"〔", "〕"},
                             {"[", "]"},
                             {"［", "］"},
                             {"【", "】"},
                             {"（", "）"},
                             {"(", ")"}}) {
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
  for (std::string_view suf : {"人民政府", "办公室", "委员会", "管委会", "管理委员会", "政府", "局", "办", "厅", "委",
                               "中心", "领导小组", "工作组"}) {
    if (EndsWith(s, suf)) return true;
  }
  return false;
}

bool IsTitleWord(const std::string& s) {
  for (std::string_view w : {"方案", "要点", "分解表", "台账", "清单", "计划", "安排", "任务表", "责任表", "分工",
                             "一览表", "任务书", "通知"}) {
    if (EndsWith(s, w)) return true;
  }
  return false;
}

// The title names a year (any: title_years.h says which is the plan's).
bool NamesAYear(std::string_view s) { return !TitleYears(s).empty(); }

// A letterhead line "珠海高新区管委会办公室文件": the issuer and "文件".
bool IsLetterhead(const std::string& key) {
  return EndsWith(key, "文件") && LooksLikeIssuer(key.substr(0, key.size() - 6));
}

// "关于印发某市2024年度落实": a notice's title cut off at the line's end, not
// a whole one ("关于进一步加强督查工作的意见") or a site's menu ("关于我们").
bool CutOffNotice(const std::string& s) {
  if (!StartsWith(s, "关于") || CodePoints(s) < 8) return false;
  for (std::string_view whole : {"意见", "决定", "通知", "函", "办法", "规定", "报告", "批复", "纪要", "通报", "的"})
    if (EndsWith(s, whole)) return false;
  return true;
}

// Title: the first line before the table that is not an attachment mark,
// document number, date or issuer line; joined with the next when the
// title wrapped ("…分工" + "实施方案").
std::string TitleFrom(const std::vector<std::string>& preamble) {
  std::vector<std::string> cands;
  for (size_t k = 0; k < preamble.size(); ++k) {
    const std::string& s = preamble[k];
    const std::string key = text::StripSpaces(s);
    if (key.empty() || CodePoints(key) <= 3) continue;
    if (StartsWith(key, "附件") && CodePoints(key) <= 6) continue;
    if (FindDocNumber(key) || DateLine(key)) continue;
    if (IsLetterhead(key)) continue;
    if (key.find("。") != std::string::npos) continue;  // a paragraph, not a title
    if (StartsWith(key, "（") || StartsWith(key, "(")) continue;
    // A web page's breadcrumb or byline ("首页 > 政务公开", "来源：…") names no plan.
    // (A '>' with a '<' is text with markup characters, not a path.)
    if ((key.find('>') != std::string::npos && key.find('<') == std::string::npos) ||
        key.find("＞") != std::string::npos || key.find("›") != std::string::npos ||
        key.find("»") != std::string::npos || StartsWith(key, "首页") || StartsWith(key, "当前位置") ||
        StartsWith(key, "您的位置") || key.find("来源：") != std::string::npos ||
        key.find("发布时间") != std::string::npos)
      continue;
    cands.push_back(key);
  }
  if (cands.empty()) return "";
  // The first line that ends as a plan's title does ("…分工方案"); else the
  // first of the first three (a web page puts its site's name above it).
  // A word of a few characters ("规划计划", a site's menu) is not a plan's title.
  size_t at = 0;
  for (size_t k = 0; k < cands.size(); ++k) {
    if (IsTitleWord(cands[k]) && CodePoints(cands[k]) >= 8) {
      at = k;
      break;
    }
  }
  std::string title = cands[at];
  // A title wrapped before its last words: "韶关市2027年优化营商环境" +
  // "重点任务分工方案", or a notice's "关于印发某市2024年度落实" + "…方案的通知"
  // (its first line lost, the plan's year went with it).
  if (at > 0 && !IsTitleWord(cands[at - 1]) && CodePoints(cands[at - 1]) <= 30 &&
      ((CodePoints(cands[at]) <= 12 && NamesAYear(cands[at - 1])) || CutOffNotice(cands[at - 1])))
    title = cands[at - 1] + title;
  // A title wrapped over two lines: "…工作要点" + "分工方案".
  if (cands.size() > at + 1 && IsTitleWord(cands[at + 1]) && CodePoints(cands[at + 1]) <= 10 &&
      !NamesAYear(cands[at + 1]))
    title += cands[at + 1];
  return title;
}

// The signature date (last date line) wins over one at the top; the line
// above it names the issuer when it reads like one.
void SignatureDateAndIssuer(const std::vector<std::pair<std::string, int>>& around, PlanMeta& plan) {
  for (size_t k = 0; k < around.size(); ++k) {
    if (auto d = DateLine(around[k].first)) {
      plan.issued_on = d;
      if (k > 0) {
        const std::string prev = text::StripSpaces(around[k - 1].first);
        if (LooksLikeIssuer(prev)) plan.issuer = prev;
      }
    }
  }
}

// The issuer from a letterhead ("…文件") or a label ("印发单位：…"); "" when none.
std::string IssuerFromLetterhead(const std::vector<std::pair<std::string, int>>& around) {
  std::string issuer;
  for (const auto& [s, line] : around) {
    const std::string key = text::StripSpaces(s);
    if (IsLetterhead(key)) return key.substr(0, key.size() - 6);
    for (std::string_view label : {"印发单位：", "发文单位：", "发文机关："}) {
      if (StartsWith(key, label)) issuer = key.substr(label.size());
    }
  }
  return issuer;
}

// The year of the document number ("珠高办〔2021〕50号"), 0 when none.
int DocNumberYear(const std::string& doc_number) {
  size_t k = doc_number.find_first_of("0123456789");
  if (k == std::string::npos) return 0;
  const auto y = text::Digits(doc_number, k, 4);
  return y ? *y : 0;
}

// The year the plan was issued in: its date's, else its document number's; 0 when neither.
int IssueYear(const PlanMeta& plan) {
  if (plan.issued_on) return plan.issued_on->year;
  return DocNumberYear(plan.doc_number);
}

// The year from the title, else --year, else the issue date, else the
// document number, else a year the title only aims at, else the default; 0
// when none.
int PlanYear(const PlanMeta& plan, const ParseOptions& opts, const TitleYearReading& titled) {
  if (titled.year) return *titled.year;
  if (opts.year > 0) return opts.year;
  if (plan.issued_on) return plan.issued_on->year;
  if (const int y = DocNumberYear(plan.doc_number); y > 0) return y;
  if (titled.only_aimed_at) return *titled.only_aimed_at;
  return opts.default_year > 0 ? opts.default_year : 0;
}

}  // namespace

void ExtractMeta(const Layout& lay, const ParseOptions& opts, ParsedPlan& out) {
  out.plan.title = TitleFrom(lay.preamble);
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
  SignatureDateAndIssuer(around, out.plan);
  if (opts.issued_on) out.plan.issued_on = opts.issued_on;
  if (out.plan.issuer.empty()) out.plan.issuer = IssuerFromLetterhead(around);
  const TitleYearReading titled = ReadTitleYear(out.plan.title, opts.year, IssueYear(out.plan));
  out.plan.year = PlanYear(out.plan, opts, titled);
  out.plan.year_stated = opts.year > 0 || titled.year.has_value();
  // Two years the plan could be for ("2024年…2023年问题整改清单"): say which
  // was read, so an office that meant the other states it.
  if (opts.year <= 0 && titled.could_be.size() > 1) {
    std::string list, list_zh;
    for (int y : titled.could_be) {
      list += (list.empty() ? "" : ", ") + std::to_string(y);
      list_zh += (list_zh.empty() ? "" : "、") + std::to_string(y);
    }
    const std::string year = std::to_string(out.plan.year);
    out.problems.push_back(
        {0,
         "the title names several years (" + list + "): read as a " + year +
             " plan; if it is for another, state the plan's year (--year)",
         "标题中有多个年份（" + list_zh + "），已按" + year + "年度方案读取；如非此年度，请指定方案年度"});
  }
  // Only a year aimed at ("2030年前碳达峰"), and nothing else to go by.
  if (titled.only_aimed_at && opts.year <= 0 && !out.plan.issued_on && DocNumberYear(out.plan.doc_number) == 0) {
    const std::string year = std::to_string(out.plan.year);
    out.problems.push_back(
        {0,
         "the title names only " + year +
             " as a year the plan aims at, and no issue date or document number says which year "
             "it is for: read as a " +
             year + " plan; state the plan's year (--year)",
         "标题中的" + year + "年为目标年份，且未写明印发日期或文号，已按" + year + "年度方案读取；请指定方案年度"});
  }
  if (out.plan.title.empty()) out.problems.push_back({0, "no plan title found", "未找到方案标题"});
  if (out.plan.year == 0)
    out.problems.push_back(
        {0, "no plan year found (title, date or document number)", "未能从标题、日期或文号中确定方案年度"});
}

}  // namespace duban::plan_import::table
