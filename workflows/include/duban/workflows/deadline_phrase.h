// Deadline phrases: turns the words plans use for deadlines ("10月底前", "全年",
// "印发后20个工作日内", "每季度听取一次") into a due date or a recurrence, given
// the plan's year and issue date. Pure: no I/O, no clock.
// Anything not understood is returned unresolved with its text kept, never guessed.
//
// Understood (whitespace and line breaks inside a phrase are ignored, full-width
// digits read as digits, month/day numbers may be Chinese numerals, a leading
// 于/在/力争/最迟 and a trailing 完成/。 are dropped):
//   全年 年内 年底前 年底 年末前 本年度内 -> plan year's 12-31
//   2021年底前 2021年年底前 2021年内 2021年 -> 2021-12-31
//   [2021年]10月底前 10月底 10月份 十月底前 -> last day of that month
//   (每年 before a month or day, 每年11月底前, reads as the plan year)
//   [2021年]10月上旬/中旬/下旬[前] -> 10-10 / 10-20 / 10-31
//   [2021年]12月10日前 12月10日 12月10号前 2021-12-10 -> that day
//   上半年 下半年 -> 06-30 / 12-31;  [第]一..四季度[末|内|前], 前三季度 -> quarter end
//   下一年/次年/明年 + a month, day, quarter or half -> the same in plan year + 1
//   (明年: the issue date's year + 1 when it is known, the writer's next year)
//   印发后N个工作日内 (also 下发/发布/出台, 之日起) -> N working days after issued_on
//   印发后N日内 / N天内 -> N calendar days after issued_on
//   印发后N个月内 -> the same day N months after issued_on (its month's last
//   day when it has none: Civil Code art. 202)
//   春节前 除夕前 元旦前 清明节前 劳动节前/五一前 端午节前 中秋节前 国庆节前
//   ([2027年]…[假期|长假]前) -> the last working day before the festival's
//   holiday (festivals.h), in the plan year; 春节 and 元旦, at the turn of the
//   year, with no year named: the first such day on or after the issue date
//   (else in or after the plan year); counted again when a calendar notice
//   covers its year. In running text not when a lead time or period follows
//   (春节前一个月, 春节前10天, 春节前至元宵节: unresolved)
//   Recurring duties, checkpoints at the end of each period in the plan year:
//   每月 每季度 每半年 每年 [末|底][前] -> 12 / 4 / 2 / 1 checkpoints;  每季度听取一次,
//   一季度一次, 每年至少1次, 年内至少听取一次, 每年不少于两场 -> times per period;
//   when the times divide the period (每年至少2次) the checkpoints split it evenly.
// Unresolved, with a note saying why: ongoing duties with no end (长期坚持,
// 持续推进, 常态化: deliberately not turned into a year-end date, the office
// sets one), impossible dates (2024年4月31日前), N月前 (ambiguous), a time
// counted from another document's issue (上级文件印发后…, 考核结果印发后…: only
// this plan's issue date is known; 本方案/工作要点/none name this plan), a duty
// asked within part of its period (每年上半年开展一次), two festivals in one
// deadline (元旦春节前: before which?), a lead time before one (春节前一个月), a working-day
// phrase without issue date or calendar, a due date in a year the calendar
// does not cover (unless its provisional rule is on; then the note warns),
// and anything else.
//
// Due dates are the calendar dates as stated (10月底前 -> 10-31 even on a
// Sunday); effective_due_on is that date moved to the next working day by the
// calendar (WorkCalendar::EffectiveDue) when a calendar is given.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "duban/date.h"
#include "duban/status.h"

namespace duban::workflows {

class WorkCalendar;

struct Recurrence {
  std::string period;             // "month" | "quarter" | "half_year" | "year"
  int times_per_period = 1;       // "每年至少1次" -> period "year", 1
  std::vector<Date> checkpoints;  // one due date per period within the plan year

  bool operator==(const Recurrence&) const = default;
};

struct ResolvedDeadline {
  std::string text;                      // the phrase as found, whitespace folded
  std::optional<Date> due_on;            // a single due date
  std::optional<Recurrence> recurrence;  // recurring duty (then due_on is the year's last checkpoint)
  bool unresolved = true;                // neither understood; then due_on and recurrence are empty
  std::optional<Date> effective_due_on;  // due_on moved off rest days; set when a calendar is given
  std::string calendar_version;          // set when the calendar was used; "+provisional" appended
                                         // when the provisional rule counted an uncovered year
  std::string rule;                      // which rule matched (e.g. "month_end"); for diagnostics
  std::string note;                      // why unresolved, or a warning (e.g. provisional)
  // Unresolved because the phrase names a day that does not exist (2月30日,
  // 13月底前): a typo, never a duty kept as text.
  bool impossible = false;
};

struct DeadlineContext {
  int plan_year = 0;
  std::optional<Date> issued_on;
  const WorkCalendar* calendar = nullptr;  // required for working-day phrases
};

// Resolves a whole phrase (a deadline cell, or what FindDeadlineInText found).
ResolvedDeadline ResolveDeadline(std::string_view phrase, const DeadlineContext& ctx);

// A recurring duty as a task records it (schemas::Deadline::recurrence):
// "<period>:<times>", e.g. "quarter:1" for 每季度听取一次. One text for the
// importer, the office's `duban schedule` and the engine's schedule timers.
// Times that split the period evenly are written as the spacing of their
// checkpoints ("year:2" -> "half_year:1"); others keep their count, which
// ParseRecurrence refuses (nothing can ask twice in one month).
std::string RecurrenceText(const Recurrence& r);
// The recurrence a text names, with its checkpoints in `year` (the end of
// each period, or of each even split of it when the times divide the
// period: "year:2" -> 06-30 and 12-31). InvalidArgument for anything else
// (an unknown period, times outside 1..31 or not splitting the period into
// whole months, a year outside 1900..2999).
Result<Recurrence> ParseRecurrence(std::string_view text, int year);

// Finds a deadline phrase inside task text ("2021年底前将...", "于9月底前完成",
// "分管领导一季度听取一次"), for tasks whose deadline cell is empty. Only phrases
// that mark a deadline in running text count (a bare 全年 or 3月15日 does not),
// and not a period end an offset follows (每季度末前一周, 每月10日前), a quarter
// named (每年一季度听取一次) or another document's issue (国家方案印发后6个月内).
// The earliest one wins (the longest at the same place). Returns the phrase as
// it stands in the text (original bytes, line breaks included), which
// ResolveDeadline understands.
std::optional<std::string> FindDeadlineInText(std::string_view content);

}  // namespace duban::workflows
