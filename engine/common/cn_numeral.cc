#include "duban/cn_numeral.h"

#include <vector>

#include "duban/utf8.h"

namespace duban::cn {
namespace {

int DigitValue(char32_t c) {
  switch (c) {
    case U'〇':
    case U'零':
    case U'○':
      return 0;
    case U'一':
      return 1;
    case U'二':
    case U'两':
      return 2;
    case U'三':
      return 3;
    case U'四':
      return 4;
    case U'五':
      return 5;
    case U'六':
      return 6;
    case U'七':
      return 7;
    case U'八':
      return 8;
    case U'九':
      return 9;
    default:
      return -1;
  }
}

int UnitValue(char32_t c) {
  switch (c) {
    case U'十':
      return 10;
    case U'百':
      return 100;
    case U'千':
      return 1000;
    default:
      return 0;
  }
}

int AsciiDigit(char32_t c) {
  if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
  if (c >= 0xFF10 && c <= 0xFF19) return static_cast<int>(c - 0xFF10);
  return -1;
}

std::optional<int> Positional(const std::vector<char32_t>& cs, int (*digit)(char32_t)) {
  long v = 0;
  for (char32_t c : cs) {
    const int d = digit(c);
    if (d < 0) return std::nullopt;
    v = v * 10 + d;
    if (v > kMaxNumeral) return std::nullopt;
  }
  return static_cast<int>(v);
}

// "二十一", "一百零五", "廿一": units strictly descending, one digit before
// each unit (none means one: "十五"), 零 only as a placeholder.
std::optional<int> WithUnits(const std::vector<char32_t>& cs) {
  int total = 0;
  int digit = -1;
  int last_unit = 10000;
  for (char32_t c : cs) {
    if (c == U'廿') {
      if (digit >= 0 || last_unit <= 10) return std::nullopt;
      total += 20;
      last_unit = 10;
    } else if (const int unit = UnitValue(c); unit > 0) {
      if (unit >= last_unit) return std::nullopt;  // "十百", "十十"
      total += (digit < 0 ? 1 : digit) * unit;
      digit = -1;
      last_unit = unit;
    } else if (const int d = DigitValue(c); d == 0) {
      if (digit >= 0) return std::nullopt;  // "一零十"
    } else if (d > 0) {
      if (digit >= 0) return std::nullopt;  // "二三十" is not a numeral
      digit = d;
    } else {
      return std::nullopt;
    }
  }
  if (digit >= 0) total += digit;
  return total;
}

}  // namespace

bool IsNumeralChar(char32_t c) { return DigitValue(c) >= 0 || UnitValue(c) > 0 || c == U'廿'; }

size_t NumeralRun(std::string_view s, size_t i, size_t max_chars) {
  size_t j = i;
  for (size_t n = 0; j < s.size() && n < max_chars; ++n) {
    size_t k = j;
    if (!IsNumeralChar(utf8::Next(s, k))) break;
    j = k;
  }
  return j - i;
}

std::optional<int> ParseNumeral(std::string_view s) {
  if (s.empty() || s.size() > 64) return std::nullopt;
  std::vector<char32_t> cs;
  for (size_t i = 0; i < s.size();) cs.push_back(utf8::Next(s, i));
  if (AsciiDigit(cs.front()) >= 0) return Positional(cs, AsciiDigit);
  bool has_unit = false;
  for (char32_t c : cs) has_unit = has_unit || UnitValue(c) > 0 || c == U'廿';
  return has_unit ? WithUnits(cs) : Positional(cs, DigitValue);
}

std::string FormatNumeral(int n) {
  if (n < 0 || n > 9999) return std::to_string(n);
  static constexpr const char* kDigits[] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
  if (n == 0) return kDigits[0];
  static constexpr const char* kUnits[] = {"千", "百", "十", ""};
  static constexpr int kPowers[] = {1000, 100, 10, 1};
  std::string out;
  bool zero_pending = false;
  for (int i = 0; i < 4; ++i) {
    const int d = n / kPowers[i] % 10;
    if (d == 0) {
      zero_pending = !out.empty();
      continue;
    }
    if (zero_pending) out += kDigits[0];
    zero_pending = false;
    // 十一 .. 十九 rather than 一十一 when ten is the leading unit.
    if (!(d == 1 && kPowers[i] == 10 && out.empty())) out += kDigits[d];
    out += kUnits[i];
  }
  return out;
}

}  // namespace duban::cn
