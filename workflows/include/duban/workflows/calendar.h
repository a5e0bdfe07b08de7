// Working-day calendars: which days are statutory working days in mainland
// China (weekends, public holidays, and the adjusted working days 调休 such as
// Saturday 2021-09-18). Calendars are versioned data; every computed deadline
// records the version it used so an amendment can re-compute open deadlines
// only. A day in a year the calendar does not cover is an error unless the
// caller opted into the weekends-only fallback, which it must show as a warning.
//
// Thread safety: immutable after construction; share freely.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "duban/date.h"
#include "duban/status.h"

namespace duban::workflows {

class WorkCalendar {
 public:
  // The calendar compiled into the binary (workflows/calendars/).
  static Result<WorkCalendar> Default();
  // Parses calendar data; errors name `source_name` and the line.
  static Result<WorkCalendar> Parse(std::string_view text, std::string_view source_name);
  static Result<WorkCalendar> LoadFile(const std::string& path);

  // e.g. "cn-mainland/2024-11-12": changes whenever any year's data changes.
  const std::string& version() const { return version_; }
  bool Covers(int year) const;
  // When true, days in uncovered years count Monday-Friday as working days.
  void set_weekends_only_fallback(bool on) { weekends_only_fallback_ = on; }
  bool weekends_only_fallback() const { return weekends_only_fallback_; }

  // Errors (InvalidArgument) when d's year is not covered and no fallback.
  Result<bool> IsWorkingDay(Date d) const;
  // The n-th working day after `from` (n >= 1), not counting `from` itself;
  // n == 0 returns `from` when it is a working day, else the next one.
  Result<Date> AddWorkingDays(Date from, int n) const;
  // The n-th working day before `from` (n >= 1).
  Result<Date> SubtractWorkingDays(Date from, int n) const;
  // A due date that falls on a rest day moves to the next working day
  // (Civil Code art. 203: a period ending on a holiday ends on the first day after it).
  Result<Date> EffectiveDue(Date due) const;

 private:
  std::string version_;
  std::set<int> years_;
  std::set<int64_t> holidays_;       // days since epoch that are rest days though weekdays
  std::set<int64_t> extra_workdays_; // weekend days that are working days (调休)
  bool weekends_only_fallback_ = false;
};

}  // namespace duban::workflows
