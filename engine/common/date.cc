#include "duban/date.h"

#include <cstdio>

namespace duban {
namespace {
constexpr int64_t kMsPerDay = 86'400'000;
constexpr int64_t kCstOffsetMs = int64_t{8} * 3'600'000;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool ReadInt(std::string_view s, size_t pos, size_t len, int* out) {
  if (pos + len > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}
}  // namespace

bool Date::IsValid(int y, int m, int d) {
  return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= DaysInMonth(y, m);
}

int Date::DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2) return ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : 28;
  return kDays[(m - 1) % 12];
}

// Howard Hinnant's days_from_civil.
int64_t Date::ToDays() const {
  int64_t y = year - (month <= 2);
  const int64_t era = FloorDiv(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t mp = (month + 9) % 12;
  const int64_t doy = (153 * mp + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Date Date::FromDays(int64_t z) {
  z += 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int y = static_cast<int>(yoe + era * 400 + (m <= 2));
  return Date{y, m, d};
}

int Date::Weekday() const {
  // 1970-01-01 was a Thursday (4).
  return static_cast<int>(((ToDays() + 3) % 7 + 7) % 7) + 1;
}

std::string Date::ToString() const {
  // Written by hand for the dates a store holds: snprintf was most of the
  // cost of the due dates a tick writes into every timer and event.
  if (year >= 0 && year <= 9999 && month >= 0 && month <= 99 && day >= 0 && day <= 99) {
    std::string s(10, '-');
    auto two = [&s](size_t at, int v) {
      s[at] = static_cast<char>('0' + v / 10);
      s[at + 1] = static_cast<char>('0' + v % 10);
    };
    two(0, year / 100);
    two(2, year % 100);
    two(5, month);
    two(8, day);
    return s;
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
  return buf;
}

std::optional<Date> Date::Parse(std::string_view s) {
  int y, m, d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (!ReadInt(s, 0, 4, &y) || !ReadInt(s, 5, 2, &m) || !ReadInt(s, 8, 2, &d)) return std::nullopt;
  if (!IsValid(y, m, d)) return std::nullopt;
  return Date{y, m, d};
}

Date DayOf(Instant t) { return Date::FromDays(FloorDiv(t + kCstOffsetMs, kMsPerDay)); }

Instant StartOfDay(Date d) { return d.ToDays() * kMsPerDay - kCstOffsetMs; }

std::optional<Instant> ParseInstant(std::string_view s) {
  auto date = Date::Parse(s.substr(0, 10));
  if (!date) return std::nullopt;
  Instant t = StartOfDay(*date);
  if (s.size() == 10) return t;
  if (s[10] != 'T' && s[10] != ' ') return std::nullopt;
  int hh, mm, ss = 0;
  if (!ReadInt(s, 11, 2, &hh) || s.size() < 16 || s[13] != ':' || !ReadInt(s, 14, 2, &mm)) return std::nullopt;
  size_t end = 16;
  if (s.size() >= 19 && s[16] == ':') {
    if (!ReadInt(s, 17, 2, &ss)) return std::nullopt;
    end = 19;
  }
  std::string_view rest = s.substr(end);
  if (!rest.empty() && rest != "+08:00") return std::nullopt;
  if (hh > 23 || mm > 59 || ss > 59) return std::nullopt;
  return t + (hh * 3600 + mm * 60 + ss) * 1000LL;
}

std::string FormatInstant(Instant t) {
  const Date d = DayOf(t);
  const int64_t ms_of_day = t - StartOfDay(d);
  const int64_t secs = ms_of_day / 1000;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02d+08:00", d.ToString().c_str(), static_cast<int>(secs / 3600),
                static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
  return buf;
}

}  // namespace duban
