// The years a plan's title names, and which is the plan's (title_years.h).
#include "title_years.h"

#include <algorithm>
#include <utility>

#include "duban/cn_numeral.h"
#include "text_util.h"

namespace duban::plan_import::table {
namespace {

using text::EndsWith;
using text::StartsWith;

constexpr int kFirstYear = 1990, kLastYear = 2200;

bool IsDigit(char32_t c) { return (c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19); }

// A year at s[p] ("2022", "２０２２", "二〇二二") and where it ends; not part
// of a longer number (`prev`: the character before it).
std::optional<std::pair<int, size_t>> YearAt(std::string_view s, size_t p, char32_t prev) {
  size_t k = p;
  if (!IsDigit(prev)) {
    if (const auto y = text::Digits(s, k, 4); y && *y >= kFirstYear && *y <= kLastYear) return std::pair{*y, k};
  }
  if (cn::IsNumeralChar(prev)) return std::nullopt;
  // Four Chinese digits; a count with units (二千零二) is no title's year.
  const size_t n = cn::NumeralRun(s, p, 5);
  if (n == 0) return std::nullopt;
  const std::string_view run = s.substr(p, n);
  if (text::CodePoints(run) != 4) return std::nullopt;
  for (const std::string_view unit : {"十", "廿", "百", "千"})
    if (run.find(unit) != std::string_view::npos) return std::nullopt;
  if (const auto y = cn::ParseNumeral(run); y && *y >= kFirstYear && *y <= kLastYear) return std::pair{*y, p + n};
  return std::nullopt;
}

// "12月", "十二月" at s[e]: the year was a date's ("2023年12月28日").
bool MonthAt(std::string_view s, size_t e) {
  size_t k = e;
  if (text::Digits(s, k, 2)) return s.substr(k, 3) == "月";
  const size_t n = cn::NumeralRun(s, e, 3);
  return n > 0 && s.substr(e + n, 3) == "月";
}

// Inside 《…》 or “…” at the end of `before`: quoting another document's title.
bool InsideQuotes(std::string_view before) {
  auto count = [before](std::string_view mark) {
    size_t n = 0;
    for (size_t p = before.find(mark); p != std::string_view::npos; p = before.find(mark, p + mark.size())) ++n;
    return n;
  };
  return count("《") > count("》") || count("“") > count("”");
}

}  // namespace

std::vector<TitleYear> TitleYears(std::string_view s) {
  std::vector<TitleYear> out;
  size_t p = 0;
  char32_t prev = 0;
  while (p < s.size()) {
    const auto first = YearAt(s, p, prev);
    if (!first) {
      prev = text::Next(s, p);
      continue;
    }
    const auto [y, k] = *first;
    TitleYear t{y, y};
    size_t e = k;
    const bool nian = s.substr(e, 3) == "年";
    if (nian) e += 3;
    if (nian && MonthAt(s, e)) {  // a date: the plan's year only when the title names no other
      t.date = true;
      out.push_back(t);
      p = e;
      prev = U'年';
      continue;
    }
    // A range: "2027—2029年", "2023年—2025年", "2023年至2025年".
    bool range = false;
    for (const std::string_view dash : {"—", "－", "-", "～", "~", "至", "到", "–"}) {
      if (s.substr(e, dash.size()) != dash) continue;
      size_t q = e + dash.size();
      if (s.substr(q, 3) == "—") q += 3;  // a doubled dash "——"
      if (const auto second = YearAt(s, q, 0); second && second->first >= y && s.substr(second->second, 3) == "年") {
        t.until = second->first;
        e = second->second + 3;
        range = true;
      }
      break;
    }
    if (!nian && !range) {  // a number, not a year ("2024" alone, "2024—2")
      p = k;
      prev = '0';
      continue;
    }
    const std::string_view before = s.substr(0, p), after = s.substr(e);
    if (!range) {
      for (const std::string_view aim : {"到", "至", "展望", "面向", "对标", "迈向"})
        if (EndsWith(before, aim)) t.aimed_at = true;
      for (const std::string_view aim : {"远景", "愿景", "前", "以前", "底前"})
        if (StartsWith(after, aim)) t.aimed_at = true;
      // "2024年前三季度", "前期": a part of the year, not a year aimed at.
      for (const std::string_view part : {"前一", "前二", "前两", "前三", "前四", "前半", "前期"})
        if (StartsWith(after, part)) t.aimed_at = false;
    }
    for (const std::string_view w : {"度", "重点", "工作", "政务", "全市", "全省", "全区", "全县"})
      if (StartsWith(after, w)) t.plan_words = true;
    t.cited = InsideQuotes(before);
    // "落实2023年度审计…" carries out another's year; "关于落实2024年重点工作任务"
    // is the plan's own.
    const bool own_work = StartsWith(after, "重点") || StartsWith(after, "工作") || StartsWith(after, "政务");
    for (const std::string_view verb : {"落实", "贯彻", "学习", "对照"})
      if (EndsWith(before, verb) && !own_work) t.cited = true;
    out.push_back(t);
    p = e;
    prev = U'年';
  }
  return out;
}

TitleYearReading ReadTitleYear(std::string_view title, int stated, int issue_year) {
  TitleYearReading r;
  const std::vector<TitleYear> years = TitleYears(title);
  if (years.empty()) return r;
  if (stated > 0)
    for (const TitleYear& t : years)
      if (stated >= t.year && stated <= t.until) {
        r.year = stated;
        return r;
      }
  std::vector<TitleYear> pool;
  for (const TitleYear& t : years)
    if (!t.aimed_at && !t.date) pool.push_back(t);
  if (pool.empty())  // "2024年3月重点工作安排": a month's plan, its date's year
    for (const TitleYear& t : years)
      if (t.date) pool.push_back(t);
  if (pool.empty()) {
    r.only_aimed_at = years.front().year;
    return r;
  }
  // Each narrowing applies only when something is left.
  auto drop = [&pool](auto&& unlikely) {
    std::vector<TitleYear> kept;
    for (const TitleYear& t : pool)
      if (!unlikely(t)) kept.push_back(t);
    if (!kept.empty()) pool = std::move(kept);
  };
  const std::vector<TitleYear> all = pool;
  // A programme's range around a year also named: that year's plan within it.
  drop([&all](const TitleYear& t) {
    return t.until > t.year && std::any_of(all.begin(), all.end(), [&t](const TitleYear& u) {
             return u.until == u.year && u.year >= t.year && u.year <= t.until;
           });
  });
  // A plan is not issued after its year.
  if (issue_year > 0) drop([issue_year](const TitleYear& t) { return t.until < issue_year; });
  drop([](const TitleYear& t) { return t.cited; });
  for (const TitleYear& t : pool)
    if (t.plan_words) {
      r.year = t.year;
      break;
    }
  if (!r.year) r.year = pool.front().year;
  for (const TitleYear& t : pool)
    if (std::find(r.could_be.begin(), r.could_be.end(), t.year) == r.could_be.end()) r.could_be.push_back(t.year);
  if (r.could_be.size() < 2) r.could_be.clear();
  return r;
}

std::string TitleYearsText(std::string_view title) {
  std::string out;
  for (const TitleYear& t : TitleYears(title)) {
    if (!out.empty()) out += ", ";
    out += std::to_string(t.year);
    if (t.until > t.year) out += "—" + std::to_string(t.until);
  }
  return out;
}

}  // namespace duban::plan_import::table
