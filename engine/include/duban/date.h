// Civil dates and instants used across duban. A Date is a proleptic Gregorian
// calendar day with no time zone (plans speak in days); an Instant is
// milliseconds since the Unix epoch (UTC). Day boundaries are taken in China
// Standard Time (UTC+8, no DST), the time of the offices duban serves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace duban {

struct Date {
  int year = 1970;
  int month = 1;
  int day = 1;

  // Days since 1970-01-01 (may be negative).
  int64_t ToDays() const;
  static Date FromDays(int64_t days);
  // Monday = 1 ... Sunday = 7.
  int Weekday() const;
  Date AddDays(int64_t n) const { return FromDays(ToDays() + n); }
  std::string ToString() const;  // YYYY-MM-DD
  // Strict YYYY-MM-DD; refuses impossible dates such as 2024-04-31.
  static std::optional<Date> Parse(std::string_view s);
  static bool IsValid(int y, int m, int d);
  static int DaysInMonth(int y, int m);

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
  auto operator<=>(const Date&) const = default;
};

// Milliseconds since the Unix epoch (UTC).
using Instant = int64_t;

// The China Standard Time (UTC+8) calendar day an instant falls on.
Date DayOf(Instant t);
// Start of a CST day as an instant (00:00 UTC+8).
Instant StartOfDay(Date d);
// "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS]" read as CST; returns nullopt when malformed.
std::optional<Instant> ParseInstant(std::string_view s);
// ISO-8601 in CST, e.g. 2021-03-01T09:30:00+08:00.
std::string FormatInstant(Instant t);

}  // namespace duban
