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

}  // namespace duban::plan_import::table
