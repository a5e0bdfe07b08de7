// Deadline phrase rules (see deadline_phrase.h). Phrases are decoded from
// UTF-8 to wide strings (UTF-32 on Linux) so regular expressions can use
// Chinese characters in classes; each rule is one whole-phrase pattern and a
// small handler. FindDeadlineInText uses stricter, text-safe patterns and hands
// what it finds back to ResolveDeadline, so both stay consistent.
#include "duban/workflows/deadline_phrase.h"

#include "duban/cn_numeral.h"
#include "duban/utf8.h"

#include <algorithm>
#include <cstdio>
#include <regex>

#include "duban/workflows/calendar.h"
#include "duban/workflows/festivals.h"

namespace duban::workflows {

namespace {

static_assert(sizeof(wchar_t) == 4, "wide strings must hold UTF-32 code points");

// ---- UTF-8 <-> wide, with a map back to byte offsets ---------------------

struct Normalized {
  std::wstring text;
  std::vector<size_t> byte_begin;  // byte offset in the input of each wide char
  std::vector<size_t> byte_end;
};

bool IsSpace(char32_t c) {
  return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' || c == U'\v' || c == U'\f' || c == U'\u3000' ||
         c == U'\u00a0';
}

// Decodes UTF-8 leniently (an invalid byte becomes U+FFFD), drops whitespace,
// turns full-width digits into ASCII digits.
Normalized Normalize(std::string_view s) {
  Normalized out;
  size_t i = 0;
  while (i < s.size()) {
    const size_t start = i;
    unsigned char b = static_cast<unsigned char>(s[i]);
    char32_t c = 0xFFFD;
    int len = 1;
    if (b < 0x80) {
      c = b;
    } else if ((b >> 5) == 0x6 && i + 1 < s.size()) {
      c = ((b & 0x1F) << 6) | (s[i + 1] & 0x3F);
      len = 2;
    } else if ((b >> 4) == 0xE && i + 2 < s.size()) {
      c = ((b & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
      len = 3;
    } else if ((b >> 3) == 0x1E && i + 3 < s.size()) {
      c = ((b & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
      len = 4;
    }
    i += len;
    if (IsSpace(c)) continue;
    if (c >= U'\uFF10' && c <= U'\uFF19') c = U'0' + (c - U'\uFF10');
    out.text.push_back(static_cast<wchar_t>(c));
    out.byte_begin.push_back(start);
    out.byte_end.push_back(i);
  }
  return out;
}

std::string ToUtf8(std::wstring_view w) {
  std::string out;
  for (wchar_t wc : w) utf8::Append(out, static_cast<char32_t>(wc));
  return out;
}

// ASCII digits or Chinese numerals (duban/cn_numeral.h). -1 when neither.
int ParseNumber(std::wstring_view s) { return cn::ParseNumeral(ToUtf8(s)).value_or(-1); }

// ---- rules ----------------------------------------------------------------

// Pieces shared by the patterns. NUM: a number in digits or Chinese numerals.
#define NUM L"([0-9]{1,3}|[零〇一二两三四五六七八九十百]{1,4})"
// Optional year prefix: an explicit year (group a), a next-year word (group b),
// or this-year words (no group). 每年 before a date (每年11月底前) is the plan
// year's date: a plan runs one year, and its schedules are of periods, not days.
// A year in digits or digit by digit in Chinese (二〇二七, as documents date
// themselves); ParseNumber reads both.
#define YEAR L"(?:[0-9]{4}|二[〇零○0OＯ][〇零○0OＯ一二三四五六七八九]{2})"
#define YEARP L"(?:(" YEAR L")年度?|(次年|下一年度?|下年度?|明年|翌年)|本年度?|当年|今年|每年度?)?"
#define PERIOD_END L"(?:末|底)?(?:前|内|之前|以内|结束前)?"
#define ISSUE L"(?:印发|下发|发布|出台|公布)(?:后|之日起|之日后)"
// Whole phrases may name the document first ("工作要点印发后...", "自本方案印发之日起...").
#define DOC L"(?:自|从)?[^，。；、,.;:：0-9]{0,8}?"
#define FILLER L"[^，。；、,.;:：()（）0-9零〇一二两三四五六七八九十百]{0,8}?"
#define TIMES L"(?:至少|不少于|不低于)?" NUM L"(?:次|场|回|轮)"
// A festival a deadline is set before (春节前, 国庆节前); see festivals.h.
#define FEST L"(?:春节|除夕|元旦节?|清明节?|五一劳动节|劳动节|五一节?|端午节?|中秋节?|国庆节?|十一)"
// 七一前, 八一前, 六一前: the day itself (as 7月1日前), no public holiday.
#define MARKED_DAY L"([六七八])一节?"
#define FEST_BEFORE L"(?:小?长假|假期|放假)?(?:前|之前|以前)"
// Documents quote the short names: “十一”前, “五一”前, “七一”前.
#define QO L"[“\"‘]?"
#define QC L"[”\"’]?"
// What may not follow 节前 in running text for it to be the deadline: 春节前后
// (around it), 春节前夕 (its eve), 春节前一个月 / 前10天 / 前5个工作日 (a lead
// time before it, which this rule cannot count), 春节前至元宵节 (a period).
#define FEST_END L"(?![后夕至到0-9零〇一二两三四五六七八九十百半个])"

enum class RuleId {
  kYearEnd,
  kExplicitYearEnd,
  kMonthEnd,
  kMonthBefore,
  kMonthPart,
  kDay,
  kIsoDay,
  kHalf,
  kQuarter,
  kIssueWorkDays,
  kIssueDays,
  kIssueMonths,
  kRecurCounted,
  kRecurBare,
  kRecurYearInside,
  kFestival,
  kTwoFestivals,
  kMarkedDay,
  kOngoing,
};

struct Rule {
  RuleId id;
  const char* name;
  std::wregex re;
};

const std::vector<Rule>& Rules() {
  static const std::vector<Rule> rules = [] {
    const auto flags = std::regex::ECMAScript | std::regex::optimize;
    std::vector<Rule> r;
    r.push_back(
        {RuleId::kYearEnd, "year_end",
         std::wregex(L"(?:全年|年内|年底前|年底之前|年底|年末前|年末|本?年度内|本年内|本年底前|当年内|年内完成)",
                     flags)});
    r.push_back({RuleId::kExplicitYearEnd, "year_end",
                 std::wregex(L"(" YEAR L")年(?:年?底前|年?底之前|年?底|年?末前|年?末|度?内|全年|)", flags)});
    r.push_back({RuleId::kMonthEnd, "month_end",
                 std::wregex(YEARP NUM L"月(?:份|底|末|(?:份|)(?:底|末)(?:前|之前|以前))?", flags)});
    r.push_back({RuleId::kMonthBefore, "month_before", std::wregex(YEARP NUM L"月份?(?:前|之前|以前)", flags)});
    r.push_back({RuleId::kMonthPart, "month_part",
                 std::wregex(YEARP NUM L"月(上旬|中旬|下旬)(?:末)?(?:前|之前|以前)?", flags)});
    // 12月31前 (日 left out) too.
    r.push_back({RuleId::kDay, "day",
                 std::wregex(YEARP NUM L"月" NUM L"(?:(?:日|号)(?:前|之前|以前|止|为止)?|前|之前|以前)", flags)});
    r.push_back(
        {RuleId::kIsoDay, "day", std::wregex(L"([0-9]{4})[-./]([0-9]{1,2})[-./]([0-9]{1,2})(?:前|之前|以前)?", flags)});
    r.push_back({RuleId::kHalf, "half_year", std::wregex(YEARP L"(上|下)半年" PERIOD_END, flags)});
    r.push_back(
        {RuleId::kQuarter, "quarter", std::wregex(YEARP L"(前)?第?([1-4一二两三四])(?:个)?季度" PERIOD_END, flags)});
    r.push_back({RuleId::kIssueWorkDays, "issued_working_days",
                 std::wregex(DOC ISSUE NUM L"个?工作日(?:内|前|之内|以内)?", flags)});
    r.push_back({RuleId::kIssueDays, "issued_days",
                 std::wregex(DOC ISSUE NUM L"(?:个自然日|自然日|日|天)(?:内|前|之内|以内)?", flags)});
    r.push_back({RuleId::kIssueMonths, "issued_months",
                 std::wregex(DOC ISSUE NUM L"个(?:自然)?月(?:内|前|之内|以内)?", flags)});
    r.push_back({RuleId::kRecurCounted, "recurrence",
                 std::wregex(L"(?:每个?|一)(月|季度|季|半年|年|年度)" FILLER TIMES, flags)});
    r.push_back({RuleId::kRecurBare, "recurrence",
                 std::wregex(L"(?:每个?|按)(月|季度|季|半年|年|年度)(?:度)?" PERIOD_END, flags)});
    r.push_back({RuleId::kRecurYearInside, "recurrence", std::wregex(L"(?:年内|全年)" FILLER TIMES, flags)});
    r.push_back({RuleId::kFestival, "festival", std::wregex(YEARP QO L"(" FEST L")" QC FEST_BEFORE, flags)});
    r.push_back({RuleId::kTwoFestivals, "festival",
                 std::wregex(YEARP QO FEST QC L"(?:、|和|及|与|或)?" QO FEST QC FEST_BEFORE, flags)});
    r.push_back({RuleId::kMarkedDay, "day", std::wregex(YEARP QO MARKED_DAY QC L"(?:前|之前|以前)", flags)});
    r.push_back({RuleId::kOngoing, "ongoing", std::wregex(L"(?:长期|持续|常态化|经常性|日常|动态).*", flags)});
    return r;
  }();
  return rules;
}

// Text-safe patterns: only forms that mark a deadline in running text.
const std::vector<std::wregex>& TextPatterns() {
  static const std::vector<std::wregex> pats = [] {
    const auto flags = std::regex::ECMAScript | std::regex::optimize;
    return std::vector<std::wregex>{
        std::wregex(YEAR L"年(?:年?底|年?末)(?:前|之前)", flags),
        std::wregex(L"(?:本)?年(?:底|末)(?:前|之前)", flags),
        std::wregex(YEARP NUM L"月(?:底|末)(?:前|之前|以前)", flags),
        std::wregex(YEARP NUM L"月(?:上旬|中旬|下旬)(?:前|之前|以前)", flags),
        std::wregex(YEARP NUM L"月" NUM L"(?:日|号)?(?:前|之前|以前)", flags),
        std::wregex(YEARP L"(?:上|下)半年(?:末|底)?(?:前|内|之前)", flags),
        std::wregex(YEARP L"(?:前)?第?[1-4一二两三四]季度(?:末|底)?(?:前|内|之前)", flags),
        std::wregex(L"(?:次年|下一年度?|下年度?|明年|翌年)(?:第?[1-4一二两三四]季度|上半年|下半年)(?:末|底)?", flags),
        std::wregex(ISSUE NUM L"个?工作日(?:内|前|之内|以内)?", flags),
        std::wregex(ISSUE NUM L"(?:个自然日|自然日|日|天)(?:内|前|之内|以内)", flags),
        std::wregex(ISSUE NUM L"个(?:自然)?月(?:内|前|之内|以内)", flags),
        std::wregex(L"(?:每个?|一)(?:月|季度|季|半年|年|年度)" FILLER TIMES, flags),
        // Not when an offset or a day follows (每季度末前一周, 每月10日前, 每季度第一个月):
        // that is a date the schedule's period ends cannot give.
        std::wregex(L"每(?:个月|月|季度|半年)(?:末|底)?(?:前|之前)?"
                    L"(?![0-9零〇一二两三四五六七八九十百半个后次首第初上中下月日号末底前之])",
                    flags),
        std::wregex(L"年内" FILLER TIMES, flags),
        // Not 春节前后 (around the festival) nor 春节前夕 (its eve, a time, not a deadline).
        std::wregex(YEARP QO FEST QC L"(?:、|和|及|与|或)?" QO FEST QC FEST_BEFORE FEST_END, flags),
        std::wregex(YEARP QO FEST QC FEST_BEFORE FEST_END, flags),
        std::wregex(YEARP QO MARKED_DAY QC L"(?:前|之前|以前)" FEST_END, flags),
    };
  }();
  return pats;
}

#undef NUM
#undef YEARP
#undef PERIOD_END
#undef ISSUE
#undef DOC
#undef FILLER
#undef TIMES
#undef FEST
#undef FEST_BEFORE
#undef FEST_END
#undef MARKED_DAY
#undef QO
#undef QC
#undef YEAR

// ---- whose issue a 印发后 phrase counts from --------------------------------

constexpr std::wstring_view kIssueVerbs[] = {L"印发", L"下发", L"发布", L"出台", L"公布"};

// Where the first issue verb starts in `s` (npos: none).
size_t IssueVerbAt(std::wstring_view s) {
  size_t at = std::wstring_view::npos;
  for (auto v : kIssueVerbs) at = std::min(at, s.find(v));
  return at;
}

// Whether the words before 印发/下发/… name the plan itself, whose issue date
// is the one known: none, 本方案/本通知…, a bare 方案/工作要点, or a linking word
// (在/于/自…). Another document's issue (上级文件印发后, 考核结果印发后, 国家方案
// 印发后, 省里下发后) starts its clock on a day not known here: a date counted
// from this plan's issue would be wrong, not approximate.
bool NamesThisDocument(std::wstring_view before) {
  static constexpr std::wstring_view kDocs[] = {L"工作要点", L"分工方案", L"实施方案", L"工作方案", L"方案", L"要点",
                                                L"通知",     L"意见",     L"文件",     L"办法",     L"计划"};
  static constexpr std::wstring_view kLinks = L"自从在于并须应需要均请即起";
  for (auto d : kDocs)
    if (before.ends_with(d)) {
      before.remove_suffix(d.size());
      if (before.ends_with(L"本")) return true;
      break;
    }
  return before.empty() || kLinks.find(before.back()) != std::wstring_view::npos;
}

// Drops words around the phrase itself: 于/在/力争 before, 完成/。 after.
std::wstring StripAround(std::wstring s) {
  static const std::wregex kPrefix(
      L"^(?:于|在|须于|应于|需于|要在|务必于|力争|争取|最迟|最晚|不晚于|截至|截止到|截止|到|（|\\()+");
  static const std::wregex kSuffix(L"(?:完成|办结|落实|全部完成|。|；|;|，|,|、|）|\\))+$");
  for (int i = 0; i < 3; ++i) {
    std::wstring t = std::regex_replace(s, kPrefix, L"");
    t = std::regex_replace(t, kSuffix, L"");
    if (t == s || t.empty()) break;
    s = std::move(t);
  }
  return s;
}

struct Outcome {
  std::optional<Date> due;
  std::optional<Recurrence> recurrence;
  std::string note;  // non-empty: unresolved with this reason
  bool impossible = false;
};

Outcome Fail(std::string why) { return Outcome{std::nullopt, std::nullopt, std::move(why)}; }
// A day, month or quarter that does not exist: a typo in the plan.
Outcome Impossible(std::string why) { return Outcome{std::nullopt, std::nullopt, std::move(why), true}; }

Outcome MakeDate(int y, int m, int d) {
  if (!Date::IsValid(y, m, d)) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    return Impossible(std::string("impossible date ") + buf + ": no such day");
  }
  return Outcome{Date{y, m, d}, std::nullopt, {}};
}

Outcome MonthEnd(int y, int m) {
  if (m < 1 || m > 12) return Impossible("no month " + std::to_string(m));
  return MakeDate(y, m, Date::DaysInMonth(y, m));
}

// Year from the optional YEARP groups; plan year otherwise. 0 when unknown.
// 次年/下一年度 follow the plan's year (a 2021 plan's 次年第一季度 is 2022's);
// 明年 is the writer's next year, counted from the issue date when known: a
// plan for 2027 issued in December 2026 means 2027 by 明年3月底前.
// 二0二八, 二O二八: a zero typed as a digit or a letter in a Chinese year.
int ParseYear(std::wstring y) {
  for (wchar_t& c : y)
    if (y.size() == 4 && (c == L'0' || c == L'O' || c == L'Ｏ') && y.front() == L'二') c = L'〇';
  return ParseNumber(y);
}

int YearOf(const std::wsmatch& m, size_t explicit_group, size_t next_group, const DeadlineContext& ctx) {
  if (m[explicit_group].matched) return ParseYear(m[explicit_group].str());
  if (m[next_group].matched) {
    if (m[next_group].str() == L"明年" && ctx.issued_on) return ctx.issued_on->year + 1;
    return ctx.plan_year == 0 ? 0 : ctx.plan_year + 1;
  }
  return ctx.plan_year;
}

// The checkpoints of a recurrence in `year`. Times that divide the period
// split it evenly (每年2次 -> every half year); otherwise one checkpoint per
// period carries the count.
std::vector<Date> Checkpoints(std::string_view period, int times, int year) {
  const int months = period == "month" ? 1 : period == "quarter" ? 3 : period == "half_year" ? 6 : 12;
  const int step = (times > 1 && months % times == 0) ? months / times : months;
  std::vector<Date> out;
  for (int m = step; m <= 12; m += step) out.push_back(Date{year, m, Date::DaysInMonth(year, m)});
  return out;
}

Outcome Periodic(const std::wstring& unit_word, int times, int plan_year) {
  if (plan_year == 0) return Fail("a recurring duty needs the plan year");
  if (times < 1) return Fail("a recurring duty needs at least one time per period");
  Recurrence r;
  if (unit_word == L"月") {
    r.period = "month";
  } else if (unit_word == L"季度" || unit_word == L"季") {
    r.period = "quarter";
  } else if (unit_word == L"半年") {
    r.period = "half_year";
  } else {
    r.period = "year";
  }
  r.times_per_period = times;
  r.checkpoints = Checkpoints(r.period, times, plan_year);
  Outcome o;
  o.due = r.checkpoints.back();
  o.recurrence = std::move(r);
  return o;
}

// N months after `from`: the same day of the month N months on, or that month's
// last day when it has no such day (Civil Code art. 202: 1-31 + 1 month -> 2-28).
Date AddMonths(const Date& from, int n) {
  const int months = from.year * 12 + (from.month - 1) + n;
  const int y = months / 12, m = months % 12 + 1;
  return Date{y, m, std::min(from.day, Date::DaysInMonth(y, m))};
}

// A phrase counted from the issue date: N working days, calendar days or months after it.
Outcome AfterIssue(RuleId id, const std::wsmatch& m, const DeadlineContext& ctx, std::string& cal_version,
                   std::string& warning) {
  const std::wstring whole = m[0].str();
  const std::wstring_view before = std::wstring_view(whole).substr(0, IssueVerbAt(whole));
  if (!NamesThisDocument(before))
    return Fail("counts from the issue of '" + ToUtf8(before) +
                "', not of this plan: that day is not known here; the office sets the date");
  switch (id) {
    case RuleId::kIssueWorkDays: {
      if (!ctx.issued_on) return Fail("counts from the issue date, which is not known");
      if (!ctx.calendar) return Fail("counts working days but no calendar was given");
      int n = ParseNumber(m[1].str());
      if (n < 1) return Fail("needs a positive number of working days");
      auto d = ctx.calendar->AddWorkingDays(*ctx.issued_on, n);
      if (!d.ok()) return Fail(d.status().message());
      cal_version = ctx.calendar->version();
      if (ctx.calendar->UsesProvisional(ctx.issued_on->year) || ctx.calendar->UsesProvisional(d->year)) {
        cal_version += WorkCalendar::kProvisionalSuffix;
        warning = "warning: provisional: calendar " + ctx.calendar->version() +
                  " has no schedule for that year; counted weekdays minus 元旦, 劳动节, 国庆节 "
                  "(recomputed when the year's notice is added)";
      }
      return Outcome{*d, std::nullopt, {}};
    }
    case RuleId::kIssueDays: {
      if (!ctx.issued_on) return Fail("counts from the issue date, which is not known");
      int n = ParseNumber(m[1].str());
      if (n < 1) return Fail("needs a positive number of days");
      return Outcome{ctx.issued_on->AddDays(n), std::nullopt, {}};
    }
    case RuleId::kIssueMonths: {
      if (!ctx.issued_on) return Fail("counts from the issue date, which is not known");
      const int n = ParseNumber(m[1].str());
      if (n < 1) return Fail("needs a positive number of months");
      return Outcome{AddMonths(*ctx.issued_on, n), std::nullopt, {}};
    }
    default:
      break;
  }
  return Fail("not understood");
}

// 春节前: the last working day before the festival's holiday, in the plan's
// year. Only the festivals at the turn of the year move on: with no year
// named, 春节前 and 元旦前 are the next from the issue date (a plan issued in
// March means next year's 春节; a December plan for next year means the
// 元旦 about to come), else the first in the plan's year or after it (元旦前
// in a 2027 plan is the end of 2027). 端午节前 in a plan issued after 端午 is
// that year's, before the issue date, which the import says, as for 6月底前.
Outcome Festival(const std::wsmatch& m, const DeadlineContext& ctx) {
  const std::string festival(FestivalName(ToUtf8(m[3].str())));
  const std::wstring whole = m[0].str();
  const bool this_year = whole.starts_with(L"今年") || whole.starts_with(L"本年") || whole.starts_with(L"当年");
  const bool turn_of_year = festival == "春节" || festival == "元旦";
  const bool named_year = m[1].matched || m[2].matched || this_year || (!turn_of_year && ctx.plan_year != 0);
  const int first = named_year           ? YearOf(m, 1, 2, ctx)
                    : ctx.plan_year != 0 ? ctx.plan_year
                    : ctx.issued_on      ? ctx.issued_on->year
                                         : 0;
  if (first == 0) return Fail("needs the plan year");
  for (int year = first; year <= first + 1; ++year) {
    auto due = LastWorkingDayBefore(festival, year, ctx.calendar);
    if (!due.ok()) return Fail(due.status().message());
    if (named_year) return Outcome{*due, std::nullopt, {}};
    if (ctx.issued_on ? !(*due < *ctx.issued_on) : due->year >= first) return Outcome{*due, std::nullopt, {}};
  }
  return Fail(festival + " falls before the plan's issue date in " + std::to_string(first) + " and " +
              std::to_string(first + 1) + "; name the year (2027年" + festival + "前)");
}

Outcome Apply(RuleId id, const std::wsmatch& m, const DeadlineContext& ctx, std::string& cal_version,
              std::string& warning) {
  const int py = ctx.plan_year;
  auto need_year = [](int y) { return y == 0 ? Fail("needs the plan year") : Outcome{}; };
  switch (id) {
    case RuleId::kYearEnd:
      if (py == 0) return need_year(py);
      return MakeDate(py, 12, 31);
    case RuleId::kExplicitYearEnd:
      return MakeDate(ParseYear(m[1].str()), 12, 31);
    case RuleId::kMonthEnd: {
      int y = YearOf(m, 1, 2, ctx);
      if (y == 0) return need_year(y);
      return MonthEnd(y, ParseNumber(m[3].str()));
    }
    case RuleId::kMonthBefore:
      // "10月前" reads both as "before October" and "by the end of October".
      return Fail("N月前 is ambiguous (before that month, or by its end?); the office sets the date");
    case RuleId::kMonthPart: {
      int y = YearOf(m, 1, 2, ctx);
      if (y == 0) return need_year(y);
      int month = ParseNumber(m[3].str());
      if (month < 1 || month > 12) return Impossible("no month " + std::to_string(month));
      const std::wstring part = m[4].str();
      if (part == L"上旬") return MakeDate(y, month, 10);
      if (part == L"中旬") return MakeDate(y, month, 20);
      return MonthEnd(y, month);
    }
    case RuleId::kDay: {
      int y = YearOf(m, 1, 2, ctx);
      if (y == 0) return need_year(y);
      return MakeDate(y, ParseNumber(m[3].str()), ParseNumber(m[4].str()));
    }
    case RuleId::kMarkedDay: {
      int y = YearOf(m, 1, 2, ctx);
      if (y == 0) return need_year(y);
      return MakeDate(y, ParseNumber(m[3].str()), 1);
    }
    case RuleId::kIsoDay:
      return MakeDate(ParseNumber(m[1].str()), ParseNumber(m[2].str()), ParseNumber(m[3].str()));
    case RuleId::kHalf: {
      int y = YearOf(m, 1, 2, ctx);
      if (y == 0) return need_year(y);
      return m[3].str() == L"上" ? MakeDate(y, 6, 30) : MakeDate(y, 12, 31);
    }
    case RuleId::kQuarter: {
      int y = YearOf(m, 1, 2, ctx);
      if (y == 0) return need_year(y);
      int q = ParseNumber(m[4].str());
      if (q < 1 || q > 4) return Impossible("no quarter " + std::to_string(q));
      return MonthEnd(y, q * 3);
    }
    case RuleId::kIssueWorkDays:
    case RuleId::kIssueDays:
    case RuleId::kIssueMonths:
      return AfterIssue(id, m, ctx, cal_version, warning);
    case RuleId::kRecurCounted: {
      // 每年上半年开展一次 asks once in a part of the year: neither a yearly
      // checkpoint at 12-31 nor a half-yearly schedule says that.
      const std::wstring whole = m[0].str(), unit = m[1].str();
      const std::wstring_view rest = std::wstring_view(whole).substr(whole.find(unit) + unit.size());
      for (std::wstring_view part : {L"半年", L"季", L"月"})
        if (rest.find(part) != std::wstring_view::npos)
          return Fail("asks within a part of its period (" + ToUtf8(whole) + "); the office sets the schedule");
      return Periodic(unit, ParseNumber(m[2].str()), py);
    }
    case RuleId::kRecurBare:
      return Periodic(m[1].str(), 1, py);
    case RuleId::kRecurYearInside:
      return Periodic(L"年", ParseNumber(m[1].str()), py);
    case RuleId::kFestival:
      return Festival(m, ctx);
    case RuleId::kTwoFestivals:
      return Fail("names two festivals (" + ToUtf8(m[0].str()) + "): before which is for the office to say");
    case RuleId::kOngoing:
      return Fail("ongoing duty (长期/持续/常态化) has no deadline; the office sets one");
  }
  return Fail("not understood");
}

}  // namespace

ResolvedDeadline ResolveDeadline(std::string_view phrase, const DeadlineContext& ctx) {
  ResolvedDeadline out;
  const Normalized norm = Normalize(phrase);
  out.text = ToUtf8(norm.text);
  const std::wstring core = StripAround(norm.text);
  if (core.empty()) {
    out.note = "no deadline given";
    return out;
  }

  Outcome outcome = Fail("deadline phrase not understood");
  std::string cal_version, warning;
  for (const Rule& rule : Rules()) {
    std::wsmatch m;
    if (std::regex_match(core, m, rule.re)) {
      out.rule = rule.name;
      outcome = Apply(rule.id, m, ctx, cal_version, warning);
      break;
    }
  }
  if (!outcome.note.empty() || !outcome.due) {
    out.note = outcome.note.empty() ? "deadline phrase not understood" : outcome.note;
    out.impossible = outcome.impossible;
    return out;
  }

  // The calendar, when given, must know the due year: a deadline in a year
  // without a published schedule is an error unless the caller opted in to
  // the provisional rule (then it is a visible warning).
  if (ctx.calendar) {
    const WorkCalendar& cal = *ctx.calendar;
    const Date due = *outcome.due;
    if (!cal.Covers(due.year) && !cal.provisional_rule()) {
      out.note = "due " + due.ToString() + " is in " + std::to_string(due.year) + ", which calendar " + cal.version() +
                 " does not cover; opt in to the provisional rule (--provisional) to count it";
      return out;
    }
    auto eff = cal.EffectiveDue(due);
    if (!eff.ok()) {
      out.note = eff.status().message();
      return out;
    }
    out.effective_due_on = *eff;
    if (cal_version.empty()) {
      cal_version = cal.version();
      if (cal.UsesProvisional(due.year) || cal.UsesProvisional(eff->year)) {
        cal_version += WorkCalendar::kProvisionalSuffix;
        warning = "warning: provisional: " + std::to_string(due.year) + " is not covered by calendar " + cal.version() +
                  "; rest days counted as weekends, 元旦, 劳动节 and 国庆节 only "
                  "(recomputed when the year's notice is added)";
      }
    }
    out.calendar_version = cal_version;
  }
  out.due_on = outcome.due;
  out.recurrence = std::move(outcome.recurrence);
  out.unresolved = false;
  out.note = warning;
  return out;
}

static int MonthsOf(std::string_view period) {
  return period == "month" ? 1 : period == "quarter" ? 3 : period == "half_year" ? 6 : 12;
}

// Times that split the period evenly name the spacing of the checkpoints
// (每年2次 -> half_year:1), so the notice days follow the spacing, not the word.
std::string RecurrenceText(const Recurrence& r) {
  const int months = MonthsOf(r.period);
  const int times = r.times_per_period;
  if (times < 1 || months % times != 0) return r.period + ":" + std::to_string(times);
  const int step = months / times;
  const char* period = step == 1    ? "month"
                       : step == 3  ? "quarter"
                       : step == 6  ? "half_year"
                       : step == 12 ? "year"
                                    : nullptr;
  return period ? std::string(period) + ":1" : r.period + ":" + std::to_string(times);
}

Result<Recurrence> ParseRecurrence(std::string_view text, int year) {
  const size_t colon = text.find(':');
  const std::string_view period = text.substr(0, colon);
  const bool known = period == "month" || period == "quarter" || period == "half_year" || period == "year";
  int times = 0;
  if (colon != std::string_view::npos) {
    const std::string_view digits = text.substr(colon + 1);
    if (digits.empty() || digits.size() > 2 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
      times = 0;
    else
      times = std::stoi(std::string(digits));
  }
  if (!known || times < 1 || times > 31)
    return Status::InvalidArgument(
        "not a recurrence: '" + std::string(text) +
        "' (month|quarter|half_year|year, a colon and the times per period, e.g. quarter:1)");
  if (MonthsOf(period) % times != 0)
    return Status::InvalidArgument("'" + std::string(text) + "': " + std::to_string(times) + " times a " +
                                   std::string(period) +
                                   " do not split it into whole months; a schedule asks at most once a month");
  if (year < 1900 || year > 2999)
    return Status::InvalidArgument("a recurrence needs its year; " + std::to_string(year) + " is not one");
  Recurrence r;
  r.period = std::string(period);
  r.times_per_period = times;
  r.checkpoints = Checkpoints(r.period, times, year);
  return r;
}

std::optional<std::string> FindDeadlineInText(std::string_view content) {
  const Normalized norm = Normalize(content);
  size_t best_pos = std::wstring::npos, best_len = 0;
  static const std::wstring_view kClauseEnds = L"，。；、,.;:：（）()";
  for (const std::wregex& re : TextPatterns()) {
    // The earliest match of this pattern that is not counted from another
    // document's issue (the words of its clause before the verb say whose).
    for (auto it = std::wsregex_iterator(norm.text.begin(), norm.text.end(), re); it != std::wsregex_iterator(); ++it) {
      const auto pos = static_cast<size_t>(it->position(0));
      const auto len = static_cast<size_t>(it->length(0));
      if (len == 0) continue;
      // 每年一季度听取一次, 第一季度: a quarter named, not "once a quarter".
      if (norm.text[pos] == L'一' && pos > 0 && (norm.text[pos - 1] == L'第' || norm.text[pos - 1] == L'年')) continue;
      // 十一前 inside 十二月三十一前 or 二十一前: the tail of a longer number.
      static constexpr std::wstring_view kNumeral = L"零〇○一二两三四五六七八九十百";
      if (pos > 0 && kNumeral.find(norm.text[pos]) != std::wstring_view::npos &&
          (kNumeral.find(norm.text[pos - 1]) != std::wstring_view::npos || norm.text[pos - 1] == L'月'))
        continue;
      if (IssueVerbAt(std::wstring_view(norm.text).substr(pos, len)) == 0) {
        const std::wstring_view head = std::wstring_view(norm.text).substr(0, pos);
        const size_t clause = head.find_last_of(kClauseEnds);
        if (!NamesThisDocument(clause == std::wstring_view::npos ? head : head.substr(clause + 1))) continue;
      }
      if (pos < best_pos || (pos == best_pos && len > best_len)) {
        best_pos = pos;
        best_len = len;
      }
      break;
    }
  }
  if (best_pos == std::wstring::npos) return std::nullopt;
  const size_t b = norm.byte_begin[best_pos];
  const size_t e = norm.byte_end[best_pos + best_len - 1];
  return std::string(content.substr(b, e - b));
}

}  // namespace duban::workflows
