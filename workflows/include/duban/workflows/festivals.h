// Festivals a plan's deadline may name (春节前, 国庆节前, 端午节前): the day
// each falls on in a year, and the last working day before its holiday, which
// is what 春节前 asks. The lunar festivals (春节, 端午节, 中秋节) and 清明 (a
// solar term) come from tables for 2000-2099 (generated from the lunar
// calendar and the solar terms, checked against the State Council notices
// the calendar data holds); the others are fixed days. Not here: 十一 (also
// the number eleven) and days that are no holiday (七一).
//
// Pure functions over immutable data; safe from any thread.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "duban/date.h"
#include "duban/status.h"

namespace duban::workflows {

class WorkCalendar;

// The festival's canonical name for a word a plan uses (五一 -> 劳动节, 端午 ->
// 端午节, 除夕 -> 春节: its holiday begins on 除夕), empty when the word names none.
std::string_view FestivalName(std::string_view word);

// The day `festival` (a canonical name) falls on in `year`: 春节 is 正月初一.
// nullopt outside 2000-2099 for the lunar ones, or for an unknown name.
std::optional<Date> FestivalDay(std::string_view festival, int year);

// The last working day before the festival's holiday in `year`, by `calendar`
// (its notice for the year, else its provisional rule; with none, weekends
// only). Where no notice covers the year, 春节's holiday is taken to begin on
// 除夕 (a statutory rest day since 2025), so the day before 除夕 is the latest
// it can be; the calendar's notice for the year recounts it.
Result<Date> LastWorkingDayBefore(std::string_view festival, int year, const WorkCalendar* calendar);

}  // namespace duban::workflows
