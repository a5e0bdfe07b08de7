// Festival days and the working day before each (see festivals.h).
#include "duban/workflows/festivals.h"

#include <array>
#include <cstdint>
#include <string_view>

#include "duban/workflows/calendar.h"

namespace duban::workflows {

namespace {

constexpr int kFirstYear = 2000;

// Per year from 2000: 春节 (month, day), 端午节, 中秋节. Generated with the
// `lunardate` package (LunarDate(y, 1, 1), (y, 5, 5), (y, 8, 15)); the years
// the calendar data covers agree with its notices (festivals_test).
struct LunarRow {
  std::uint8_t spring_m, spring_d, dragon_m, dragon_d, moon_m, moon_d;
};
constexpr std::array<LunarRow, 100> kLunar = {{
    {2, 5, 6, 6, 9, 12},   {1, 24, 6, 25, 10, 1}, {2, 12, 6, 15, 9, 21},
    {2, 1, 6, 4, 9, 11},   {1, 22, 6, 22, 9, 28},  // 2000-2004
    {2, 9, 6, 11, 9, 18},  {1, 29, 5, 31, 10, 6}, {2, 18, 6, 19, 9, 25},
    {2, 7, 6, 8, 9, 14},   {1, 26, 5, 28, 10, 3},  // 2005-2009
    {2, 14, 6, 16, 9, 22}, {2, 3, 6, 6, 9, 12},   {1, 23, 6, 23, 9, 30},
    {2, 10, 6, 12, 9, 19}, {1, 31, 6, 2, 9, 8},  // 2010-2014
    {2, 19, 6, 20, 9, 27}, {2, 8, 6, 9, 9, 15},   {1, 28, 5, 30, 10, 4},
    {2, 16, 6, 18, 9, 24}, {2, 5, 6, 7, 9, 13},  // 2015-2019
    {1, 25, 6, 25, 10, 1}, {2, 12, 6, 14, 9, 21}, {2, 1, 6, 3, 9, 10},
    {1, 22, 6, 22, 9, 29}, {2, 10, 6, 10, 9, 17},  // 2020-2024
    {1, 29, 5, 31, 10, 6}, {2, 17, 6, 19, 9, 25}, {2, 6, 6, 9, 9, 15},
    {1, 26, 5, 28, 10, 3}, {2, 13, 6, 16, 9, 22},  // 2025-2029
    {2, 3, 6, 5, 9, 12},   {1, 23, 6, 24, 10, 1}, {2, 11, 6, 12, 9, 19},
    {1, 31, 6, 1, 9, 8},   {2, 19, 6, 20, 9, 27},  // 2030-2034
    {2, 8, 6, 10, 9, 16},  {1, 28, 5, 30, 10, 4}, {2, 15, 6, 18, 9, 24},
    {2, 4, 6, 7, 9, 13},   {1, 24, 5, 27, 10, 2},  // 2035-2039
    {2, 12, 6, 14, 9, 20}, {2, 1, 6, 3, 9, 10},   {1, 22, 6, 22, 9, 28},
    {2, 10, 6, 11, 9, 17}, {1, 30, 5, 31, 10, 5},  // 2040-2044
    {2, 17, 6, 19, 9, 25}, {2, 6, 6, 8, 9, 15},   {1, 26, 5, 29, 10, 4},
    {2, 14, 6, 15, 9, 22}, {2, 2, 6, 4, 9, 11},  // 2045-2049
    {1, 23, 6, 23, 9, 30}, {2, 11, 6, 13, 9, 19}, {2, 1, 6, 1, 9, 7},
    {2, 19, 6, 20, 9, 26}, {2, 8, 6, 10, 9, 16},  // 2050-2054
    {1, 28, 5, 30, 10, 5}, {2, 15, 6, 17, 9, 24}, {2, 4, 6, 6, 9, 13},
    {1, 24, 6, 25, 10, 2}, {2, 12, 6, 14, 9, 21},  // 2055-2059
    {2, 2, 6, 3, 9, 9},    {1, 21, 6, 22, 9, 28}, {2, 9, 6, 11, 9, 17},
    {1, 29, 6, 1, 10, 6},  {2, 17, 6, 19, 9, 25},  // 2060-2064
    {2, 5, 6, 8, 9, 15},   {1, 26, 5, 28, 10, 3}, {2, 14, 6, 16, 9, 23},
    {2, 3, 6, 4, 9, 11},   {1, 23, 6, 23, 9, 29},  // 2065-2069
    {2, 11, 6, 13, 9, 19}, {1, 31, 6, 2, 9, 8},   {2, 19, 6, 20, 9, 26},
    {2, 7, 6, 10, 9, 16},  {1, 27, 5, 30, 10, 5},  // 2070-2074
    {2, 15, 6, 17, 9, 24}, {2, 5, 6, 6, 9, 12},   {1, 24, 6, 24, 10, 1},
    {2, 12, 6, 14, 9, 20}, {2, 2, 6, 4, 9, 10},  // 2075-2079
    {1, 22, 6, 22, 9, 28}, {2, 9, 6, 11, 9, 17},  {1, 29, 6, 1, 10, 6},
    {2, 17, 6, 19, 9, 26}, {2, 6, 6, 7, 9, 14},  // 2080-2084
    {1, 26, 5, 27, 10, 3}, {2, 14, 6, 15, 9, 22}, {2, 3, 6, 5, 9, 11},
    {1, 24, 6, 23, 9, 29}, {2, 10, 6, 13, 9, 18},  // 2085-2089
    {1, 30, 6, 2, 9, 8},   {2, 18, 6, 21, 9, 27}, {2, 7, 6, 9, 9, 16},
    {1, 27, 5, 29, 10, 5}, {2, 15, 6, 17, 9, 24},  // 2090-2094
    {2, 5, 6, 6, 9, 13},   {1, 25, 6, 24, 9, 30}, {2, 12, 6, 14, 9, 20},
    {2, 1, 6, 4, 9, 9},    {1, 21, 6, 23, 9, 29},  // 2095-2099
}};

// 清明 (a solar term, not lunar): its day in April per year from 2000, from
// the `sxtwl` package's solar terms.
constexpr std::string_view kQingmingDay =
    "4555455544554455445544554455445544554455444544454445444544454445444544454444444444444444444444444444";

}  // namespace

std::string_view FestivalName(std::string_view word) {
  // 除夕前: 除夕 is the holiday's first day by law since 2025, so the day
  // before it is the day before 春节's holiday.
  if (word == "春节" || word == "除夕") return "春节";
  if (word == "元旦" || word == "元旦节") return "元旦";
  if (word == "清明" || word == "清明节") return "清明节";
  if (word == "劳动节" || word == "五一" || word == "五一节" || word == "五一劳动节") return "劳动节";
  if (word == "端午" || word == "端午节") return "端午节";
  if (word == "中秋" || word == "中秋节") return "中秋节";
  if (word == "国庆" || word == "国庆节" || word == "十一") return "国庆节";
  return {};
}

std::optional<Date> FestivalDay(std::string_view festival, int year) {
  if (festival == "元旦") return Date{year, 1, 1};
  if (festival == "劳动节") return Date{year, 5, 1};
  if (festival == "国庆节") return Date{year, 10, 1};
  if (year < kFirstYear || year >= kFirstYear + static_cast<int>(kLunar.size())) return std::nullopt;
  if (festival == "清明节") return Date{year, 4, kQingmingDay[static_cast<size_t>(year - kFirstYear)] - '0'};
  const LunarRow& r = kLunar[static_cast<size_t>(year - kFirstYear)];
  if (festival == "春节") return Date{year, r.spring_m, r.spring_d};
  if (festival == "端午节") return Date{year, r.dragon_m, r.dragon_d};
  if (festival == "中秋节") return Date{year, r.moon_m, r.moon_d};
  return std::nullopt;
}

Result<Date> LastWorkingDayBefore(std::string_view festival, int year, const WorkCalendar* calendar) {
  const auto day = FestivalDay(festival, year);
  if (!day)
    return Status::InvalidArgument("the day of " + std::string(festival) + " in " + std::to_string(year) +
                                   " is not known here (2000-2099)");
  const bool noticed = calendar && calendar->Covers(day->year);
  Date d = day->AddDays(festival == "春节" && !noticed ? -2 : -1);
  // A holiday with its bridging weekend and 调休 runs at most a few weeks.
  for (int step = 0; step < 31; ++step, d = d.AddDays(-1)) {
    if (!calendar) {
      if (d.Weekday() < 6) return d;
      continue;
    }
    auto working = calendar->IsWorkingDay(d);
    if (!working.ok()) return working.status();
    if (*working) return d;
  }
  return Status::InvalidArgument("no working day in the month before " + std::string(festival) + " " +
                                 std::to_string(year));
}

}  // namespace duban::workflows
