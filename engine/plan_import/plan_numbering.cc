// Numbering: section headings ("第一部分", "一、", "（一）") and task numbers
// ("12." "12、" "49完善"), used by the text layout (where the table starts) and
// by the interpreter (see plan_table.h).
#include <algorithm>
#include <string>

#include "duban/cn_numeral.h"
#include "plan_table.h"
#include "text_util.h"

namespace duban::plan_import::table {

using text::StartsWith;
using text::Trim;

namespace {

bool HasTextAfter(std::string_view s, size_t i) { return !Trim(s.substr(std::min(i, s.size()))).empty(); }

}  // namespace

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
  for (auto [open, close] :
       {std::pair<std::string_view, std::string_view>{"（", "）"}, {"(", ")"}, {"（", ")"}, {"(", "）"}}) {
    if (StartsWith(s, open)) {
      const size_t r = cn::NumeralRun(s, open.size(), kNumeralRunChars);
      if (r > 0 && s.substr(open.size() + r, close.size()) == close && HasTextAfter(s, open.size() + r + close.size()))
        return 2;
    }
  }
  return std::nullopt;
}

bool IsIdeograph(char32_t c) { return c >= 0x4E00 && c <= 0x9FFF; }

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
  return c == U'。' || c == U'；' || c == ';' || c == U'！' || c == '!' || c == U'？' || c == '?' || c == ' ' ||
         c == 0x3000;
}

std::optional<int> BareNumber(std::string_view s) {
  size_t i = 0;
  if (auto n = text::Digits(s, i, 4)) {
    const std::string rest = Trim(s.substr(i));
    if (rest.empty() || rest == "." || rest == "、" || rest == "．") return n;
  }
  return std::nullopt;
}

std::string DocNumber::Label() const {
  std::string s;
  for (size_t i = 0; i < parts.size(); ++i) s += (i ? "." : "") + std::to_string(parts[i]);
  return s;
}

std::string DocNumber::Shown() const {
  if (bracketed && parts.size() == 2) return std::to_string(parts[0]) + "（" + std::to_string(parts[1]) + "）";
  return Label();
}

std::optional<DocNumber> NumberCell(std::string_view s) {
  const std::string t = Trim(s);
  if (auto n = BareNumber(t)) return DocNumber{{*n}};
  if (t.empty()) return std::nullopt;
  // ① U+2460…⑳, ⑴ U+2474…⒇, ⒈ U+2488…⒛: one code point, 1-20.
  size_t i = 0;
  const char32_t c = text::Next(t, i);
  if (i == t.size() || Trim(std::string_view(t).substr(i)) == "." || Trim(std::string_view(t).substr(i)) == "、") {
    for (char32_t first : {U'\u2460', U'\u2474', U'\u2488'})
      if (c >= first && c < first + 20) return DocNumber{{static_cast<int>(c - first) + 1}, true};
  }
  // （12） (12) 12） 12): the closing bracket at least.
  std::string_view v = t;
  bool opened = false, closed = false;
  for (std::string_view open : {"（", "("})
    if (!opened && StartsWith(v, open)) v.remove_prefix(open.size()), opened = true;
  for (std::string_view close : {"）", ")"})
    if (!closed && v.ends_with(close)) v.remove_suffix(close.size()), closed = true;
  if (opened || closed) {
    size_t k = 0;
    const auto n = text::Digits(v, k, 4);
    if (closed && n && *n > 0 && k == v.size()) return DocNumber{{*n}, true};
    return std::nullopt;
  }
  // 1.2 1．2 1-2 1.2.1 (a trailing dot allowed)
  DocNumber d;
  size_t at = 0;
  while (true) {
    auto n = text::Digits(t, at, 4);
    if (!n || *n <= 0) return std::nullopt;
    d.parts.push_back(*n);
    if (at == t.size()) break;
    bool sep = false;
    for (std::string_view dot : {".", "．", "-", "－"})
      if (std::string_view(t).substr(at, dot.size()) == dot) {
        at += dot.size();
        sep = true;
        break;
      }
    if (!sep) return std::nullopt;
    if (at == t.size()) break;  // "1.2."
  }
  if (d.parts.size() < 2 || d.parts.size() > 4) return std::nullopt;
  return d;
}

}  // namespace duban::plan_import::table
