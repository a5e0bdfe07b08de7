#include "duban/cn_numeral.h"

#include <gtest/gtest.h>

#include "param_name.h"

#include <optional>
#include <ostream>
#include <string>

namespace duban::cn {
namespace {

struct Case {
  std::string text;
  std::optional<int> value;
};
// What ctest -N and a failure print for the row.
void PrintTo(const Case& row, std::ostream* os) { *os << row.text; }

class ParseNumeralTest : public ::testing::TestWithParam<Case> {};

TEST_P(ParseNumeralTest, ReadsTheWholeNumeralOrNothing) {
  EXPECT_EQ(ParseNumeral(GetParam().text), GetParam().value) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseNumeralTest,
    ::testing::Values(Case{"7", 7}, Case{"2021", 2021}, Case{"３０", 30}, Case{"0", 0}, Case{"七", 7},
                      Case{"二〇二一", 2021}, Case{"二○二一", 2021}, Case{"二零二六", 2026}, Case{"十", 10},
                      Case{"十五", 15}, Case{"二十", 20}, Case{"二十六", 26}, Case{"廿一", 21}, Case{"三十一", 31},
                      Case{"百", 100}, Case{"一百", 100}, Case{"两百", 200}, Case{"一百零五", 105},
                      Case{"九百九十九", 999}, Case{"一千", 1000}, Case{"两", 2}, Case{"三千零二十", 3020},
                      // Not numerals: each must be refused, not half-read.
                      Case{"", std::nullopt}, Case{"二三十", std::nullopt}, Case{"十百", std::nullopt},
                      Case{"十十", std::nullopt}, Case{"十五日", std::nullopt}, Case{"20日", std::nullopt},
                      Case{"2十", std::nullopt}, Case{"二十廿", std::nullopt}, Case{"999999", std::nullopt},
                      Case{"一二三四五六", std::nullopt}, Case{"abc", std::nullopt}, Case{"\xff", std::nullopt}),
    [](const ::testing::TestParamInfo<Case>& info) { return duban::testing::ParamName(info.index, info.param.text); });

TEST(NumeralRun, StopsAtTheFirstNonNumeralAndAtTheCap) {
  const std::string s = "第二十三部分";
  EXPECT_EQ(NumeralRun(s, 3, 6), std::string("二十三").size());
  EXPECT_EQ(NumeralRun(s, 0, 6), 0u);
  EXPECT_EQ(NumeralRun(s, 3, 2), std::string("二十").size());
}

TEST(FormatNumeral, WritesHeadingNumeralsThatReadBack) {
  EXPECT_EQ(FormatNumeral(0), "零");
  EXPECT_EQ(FormatNumeral(1), "一");
  EXPECT_EQ(FormatNumeral(4), "四");
  EXPECT_EQ(FormatNumeral(10), "十");
  EXPECT_EQ(FormatNumeral(11), "十一");
  EXPECT_EQ(FormatNumeral(20), "二十");
  EXPECT_EQ(FormatNumeral(105), "一百零五");
  EXPECT_EQ(FormatNumeral(110), "一百一十");
  EXPECT_EQ(FormatNumeral(1010), "一千零一十");
  EXPECT_EQ(FormatNumeral(9999), "九千九百九十九");
  EXPECT_EQ(FormatNumeral(-1), "-1");
  EXPECT_EQ(FormatNumeral(10000), "10000");
  for (int n = 0; n <= 9999; ++n) ASSERT_EQ(ParseNumeral(FormatNumeral(n)), n) << FormatNumeral(n);
}

}  // namespace
}  // namespace duban::cn
