// Working-day calendars: which days are statutory working days in mainland
// China (weekends, public holidays, and the adjusted working days 调休 such as
// Saturday 2021-09-18). Calendars are versioned data; every computed deadline
// records the version it used so an amendment can re-compute open deadlines
// only. A day in a year the calendar does not cover is an error unless the
// caller opted into the provisional rule, which it must show as such.
//
// The provisional rule (for years no notice covers yet, e.g. next year before
// the State Council publishes its schedule each November): Monday-Friday are
// working days except the fixed-date public holidays the law itself names,
// which no notice can move away: 元旦 01-01, 劳动节 05-01 (and 05-02 from 2025,
// 国务院令第795号), 国庆节 10-01..10-03. Lunar holidays (春节, 端午, 中秋),
// 清明 and the 调休 working weekends cannot be known in advance; a date
// computed so is provisional, its version carries "+provisional", and it is
// recomputed when the year's notice is added.
//
// Data model (workflows/calendars/cn-mainland.yaml): one entry per State
// Council notice, in publication order, each with a version (its publication
// date). The calendar "as of" a version applies the notices up to it, so the
// schedule that was in force on any date can be rebuilt (e.g. 2020 before and
// after the Spring Festival extension). Impossible or out-of-place dates in the
// data are parse errors naming the file and line.
//
// Thread safety: immutable after construction (apart from the provisional
// switch, set before sharing); share freely.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "duban/date.h"
#include "duban/status.h"

namespace duban::workflows {

class WorkCalendar {
 public:
  // The calendar compiled into the binary (workflows/calendars/), latest version.
  static Result<WorkCalendar> Default();
  // The compiled-in calendar as it stood at `version` ("cn-mainland/2019-11-21"
  // or just "2019-11-21"): notices published after it are not applied.
  // NotFound when no notice carries that version.
  static Result<WorkCalendar> DefaultAsOf(std::string_view version);
  // Parses calendar data; errors name `source_name` and the line. With a
  // non-empty `as_of`, only notices up to that version are applied.
  static Result<WorkCalendar> Parse(std::string_view text, std::string_view source_name, std::string_view as_of = {});
  static Result<WorkCalendar> LoadFile(const std::string& path);

  // A notice recorded after the build (`duban calendar add`): a document in
  // the same format holding one notice, and its name for error messages.
  struct NoticeText {
    std::string text, source;
  };
  // `text` followed by the recorded notices, in order, as if they were one
  // file: every rule of Parse holds across them (versions increase, a year is
  // covered once and then only amended, dates in place), and errors name the
  // document and line they are in. A recorded notice whose version `text`
  // already has is the same publication compiled into a newer build: skipped.
  static Result<WorkCalendar> ParseWith(std::string_view text, std::string_view source,
                                        const std::vector<NoticeText>& recorded, std::string_view as_of = {});
  // The compiled-in calendar plus recorded notices (ParseWith).
  static Result<WorkCalendar> DefaultWith(const std::vector<NoticeText>& recorded, std::string_view as_of = {});
  // What a notice file says of itself, checked on its own: exactly one notice,
  // with a version date and one of covers / amends. The rest is checked
  // against the calendar it joins (ParseWith).
  struct NoticeSummary {
    std::string calendar, version;  // version: "2026-11-10"
    int year = 0;
    bool amends = false;
    std::vector<std::string> holiday_names;  // as the notice names its rest-day ranges ("国庆节、中秋节")
  };
  // The seven public holidays a year's notice (covers:) gives rest days for,
  // by law (元旦, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节); those of them
  // no name in `names` mentions. A notice missing one is most likely cut
  // short: its days would count as working days.
  static std::vector<std::string> MissingHolidays(const std::vector<std::string>& names);
  static Result<NoticeSummary> SummarizeNotice(std::string_view text, std::string_view source);

  // e.g. "cn-mainland/2025-11-04": the version of the last notice applied, so
  // it changes whenever any year's data changes (notices are never edited).
  const std::string& version() const { return version_; }
  // Every notice version in the data, oldest first (including those after as_of).
  const std::vector<std::string>& all_versions() const { return all_versions_; }
  bool Covers(int year) const;
  // Years with a published schedule, ascending.
  const std::set<int>& covered_years() const { return years_; }
  // When true, days in uncovered years follow the provisional rule (above).
  void set_provisional_rule(bool on) { provisional_rule_ = on; }
  bool provisional_rule() const { return provisional_rule_; }
  // True when a computation touching `year` relies on the provisional rule.
  bool UsesProvisional(int year) const { return !Covers(year) && provisional_rule_; }
  // True when any year from `from` to `to` (either order) is not covered:
  // a count between those days is provisional.
  bool SpanIsProvisional(Date from, Date to) const;
  // Suffix of a version string whose computation used the provisional rule.
  static constexpr std::string_view kProvisionalSuffix = "+provisional";
  // Suffix older builds wrote for the weekends-only fallback this rule replaced.
  static constexpr std::string_view kLegacyFallbackSuffix = "+weekends-only";
  // "cn-mainland/2025-11-04+provisional" -> "cn-mainland/2025-11-04" (either suffix).
  static std::string_view StripProvisionalSuffix(std::string_view version);
  // The fixed-date public holiday `d` falls on by law ("元旦"), empty when none.
  static std::string_view StatutoryFixedHoliday(Date d);

  // Errors (InvalidArgument) when d's year is not covered and the provisional rule is off.
  Result<bool> IsWorkingDay(Date d) const;
  // Name of the holiday d falls in ("春节"), empty when none.
  std::string HolidayName(Date d) const;
  // The n-th working day after `from` (n >= 1), not counting `from` itself;
  // n == 0 returns `from` when it is a working day, else the next one.
  // A negative n counts backwards (as SubtractWorkingDays(from, -n)).
  Result<Date> AddWorkingDays(Date from, int n) const;
  // The n-th working day before `from` (n >= 1).
  Result<Date> SubtractWorkingDays(Date from, int n) const;
  // A due date that falls on a rest day moves to the next working day
  // (Civil Code art. 203: a period ending on a holiday ends on the first day after it).
  Result<Date> EffectiveDue(Date due) const;

 private:
  std::string version_;
  std::vector<std::string> all_versions_;
  std::set<int> years_;
  std::set<int64_t> holidays_;        // rest days named by a notice (weekends included)
  std::set<int64_t> extra_workdays_;  // weekend days that are working days (调休)
  std::map<int64_t, std::string> holiday_names_;
  bool provisional_rule_ = false;
};

}  // namespace duban::workflows
