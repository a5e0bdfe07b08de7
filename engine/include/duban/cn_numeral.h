// Chinese numerals as plans and deadline phrases write them: the one reader
// of "二〇二一", "二十六", "廿一", "一百零五", "两百", "３０" for every module
// (plan import's dates and headings, the deadline phrases), and the one
// writer of the numerals documents number their headings with (一、 二、 …
// 十一、, as the bulletin does). Total functions: any bytes in, no
// exceptions; a value is returned only for a whole numeral.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace duban::cn {

// The largest value ParseNumeral returns; longer numbers are not what a plan
// counts with (years, months, days, working days, times per year).
inline constexpr int kMaxNumeral = 99999;

// True for a character that can be part of a Chinese numeral: a digit
// (〇 零 ○ 一 二 两 三 … 九) or a unit (十 廿 百 千).
bool IsNumeralChar(char32_t c);

// Length in bytes of the run of numeral characters at s[i], at most
// max_chars characters (0 when s[i] is not one).
size_t NumeralRun(std::string_view s, size_t i, size_t max_chars);

// Value of the whole of s: ASCII or full-width digits ("2021", "３０"),
// digit-by-digit Chinese ("二〇二一" = 2021, "七" = 7), or Chinese with units
// ("十五", "二十一", "廿一", "一百零五", "两百", "三千"). nullopt when s is
// empty, mixes forms, is malformed ("二三十", "十百") or exceeds kMaxNumeral.
std::optional<int> ParseNumeral(std::string_view s);

// n (0..9999) as Chinese with units, the way headings count: 零, 一, 十,
// 十一, 二十, 一百零五, 一千零一十. ParseNumeral reads every result back to n.
// Outside 0..9999: the ASCII digits.
std::string FormatNumeral(int n);

}  // namespace duban::cn
