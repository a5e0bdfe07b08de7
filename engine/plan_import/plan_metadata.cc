// Metadata: the plan's title, issuer, document number, issue date and year,
// read from the lines around the table (see plan_table.h).
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "duban/cn_numeral.h"
#include "plan_table.h"
#include "text_util.h"

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

// A year the title names: "2021年", or a range "（2027—2029年）" (the plan
// starts in its first year; the years up to its end are named too).
struct TitleYear {
  int year = 0;
  int until = 0;  // a range's last year; == year for one year
  // "2035年远景目标", "到2025年": a year the plan aims at, not the year it is for.
  bool aimed_at = false;
  // "2024年度", "2021年重点任务", "2023年工作要点": the words a plan's own year carries.
  bool plan_words = false;
};

std::vector<TitleYear> TitleYears(std::string_view s) {
  std::vector<TitleYear> out;
  size_t p = 0;
  bool after_digit = false;
  while (p < s.size()) {
    size_t k = p;
    const auto y = after_digit ? std::nullopt : text::Digits(s, k, 4);
    if (!y || *y < 1990 || *y > 2200) {  // 1990..2200: four digits
      size_t n = p;
      const char32_t c = text::Next(s, n);
      after_digit = (c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19);
      p = n;
      continue;
    }
    TitleYear t{*y, *y};
    const std::string_view before = s.substr(0, p);
    size_t e = k;
    if (s.substr(e, 3) == "年") {
      e += 3;
    } else {
      bool range = false;
      for (std::string_view dash : {"—", "－", "-", "～", "~", "至", "到", "–"}) {
        if (s.substr(k, dash.size()) != dash) continue;
        size_t q = k + dash.size();
        if (s.substr(q, 3) == "—") q += 3;  // a doubled dash "——"
        size_t r = q;
        const auto y2 = text::Digits(s, r, 4);
        if (y2 && *y2 >= *y && *y2 <= 2200 && s.substr(r, 3) == "年") {
          t.until = *y2;
          e = r + 3;
          range = true;
        }
        break;
      }
      if (!range) {
        p = k;
        after_digit = true;
        continue;
      }
    }
    const std::string_view after = s.substr(e);
    for (std::string_view aim : {"到", "至", "展望", "面向", "对标", "迈向"})
      if (t.until == t.year && EndsWith(before, aim)) t.aimed_at = true;
    for (std::string_view aim : {"远景", "愿景", "前", "底前", "以前"})
      if (t.until == t.year && StartsWith(after, aim)) t.aimed_at = true;
    for (std::string_view w : {"度", "重点", "工作", "政务", "全市", "全省", "全区", "全县"})
      if (StartsWith(after, w)) t.plan_words = true;
    out.push_back(t);
    p = e;
    after_digit = false;
  }
  return out;
}

std::optional<int> YearIn(std::string_view s) {
  const auto years = TitleYears(s);
  if (years.empty()) return std::nullopt;
  return years.front().year;
}

// The plan's year from its title: a year the office stated when the title
// names it (among several: "…2035年远景目标纲要2021年重点任务…"), else the
// first year carrying a plan's words (2021年重点任务), else the first not
// aimed at (2035年远景, 到2025年), else the first. nullopt: no year named.
std::optional<int> TitlePlanYear(std::string_view title, int stated) {
  const auto years = TitleYears(title);
  if (years.empty()) return std::nullopt;
  if (stated > 0)
    for (const TitleYear& t : years)
      if (stated >= t.year && stated <= t.until) return stated;
  for (const TitleYear& t : years)
    if (t.plan_words && !t.aimed_at) return t.year;
  for (const TitleYear& t : years)
    if (!t.aimed_at) return t.year;
  return years.front().year;
}

// A letterhead line "珠海高新区管委会办公室文件": the issuer and "文件".
bool IsLetterhead(const std::string& key) {
  return EndsWith(key, "文件") && LooksLikeIssuer(key.substr(0, key.size() - 6));
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
  // A title wrapped before its last words: "韶关市2027年优化营商环境" + "重点任务分工方案".
  if (at > 0 && CodePoints(cands[at]) <= 12 && YearIn(cands[at - 1]) && !IsTitleWord(cands[at - 1]) &&
      CodePoints(cands[at - 1]) <= 30)
    title = cands[at - 1] + title;
  // A title wrapped over two lines: "…工作要点" + "分工方案".
  if (cands.size() > at + 1 && IsTitleWord(cands[at + 1]) && CodePoints(cands[at + 1]) <= 10 && !YearIn(cands[at + 1]))
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

// The year from the title, else --year, else the issue date, else the
// document number, else the default; 0 when none.
int PlanYear(const PlanMeta& plan, const ParseOptions& opts) {
  int year = 0;
  if (auto y = TitlePlanYear(plan.title, opts.year))
    year = *y;
  else if (opts.year > 0)
    year = opts.year;
  else if (plan.issued_on)
    year = plan.issued_on->year;
  else if (!plan.doc_number.empty()) {
    size_t p = plan.doc_number.find_first_of("0123456789");
    size_t k = p;
    if (p != std::string::npos) {
      if (auto y = text::Digits(plan.doc_number, k, 4)) year = *y;
    }
  }
  if (year == 0 && opts.default_year > 0) year = opts.default_year;
  return year;
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
  out.plan.year = PlanYear(out.plan, opts);
  out.plan.year_stated = opts.year > 0 || YearIn(out.plan.title).has_value();
  // Two years the plan could be for ("2024年度…落实2023年…"): say which was
  // read, so an office that meant the other states it.
  std::vector<int> could_be;
  for (const TitleYear& t : TitleYears(out.plan.title))
    if (!t.aimed_at && std::find(could_be.begin(), could_be.end(), t.year) == could_be.end())
      could_be.push_back(t.year);
  if (opts.year <= 0 && could_be.size() > 1) {
    std::string list, list_zh;
    for (int y : could_be) {
      list += (list.empty() ? "" : ", ") + std::to_string(y);
      list_zh += (list_zh.empty() ? "" : "、") + std::to_string(y);
    }
    const std::string year = std::to_string(out.plan.year);
    out.problems.push_back(
        {0,
         "the title names several years (" + list + "): read as a " + year +
             " plan; if it is for another, state the plan's year",
         "标题中有多个年份（" + list_zh + "），已按" + year + "年度方案读取；如非此年度，请指定方案年度"});
  }
  if (out.plan.title.empty()) out.problems.push_back({0, "no plan title found", "未找到方案标题"});
  if (out.plan.year == 0)
    out.problems.push_back(
        {0, "no plan year found (title, date or document number)", "未能从标题、日期或文号中确定方案年度"});
}

}  // namespace duban::plan_import::table
