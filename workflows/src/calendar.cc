// WorkCalendar: parsing of the notice-based calendar data and working-day
// arithmetic. See calendar.h for the data model.
#include "duban/workflows/calendar.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "embedded.h"
#include "yaml_util.h"
#include "duban/file_text.h"

namespace duban::workflows {

using internal::AsDate;
using internal::AsInt;
using internal::CheckKeys;
using internal::YamlError;

namespace {

// Working-day searches never need to look further than this: the longest run
// of rest days in any schedule is 9 (2026 Spring Festival). A bound keeps a
// corrupt calendar from looping forever.
constexpr int kMaxScanDays = 400 * 10;

std::string StripVersionPrefix(std::string_view v) {
  auto slash = v.rfind('/');
  return std::string(slash == std::string_view::npos ? v : v.substr(slash + 1));
}

}  // namespace

namespace {
// One calendar document: its name for messages, its root and notices.
struct Doc {
  std::string source;
  YAML::Node root, name, notices;
};
Result<Doc> LoadDoc(std::string_view text, std::string_view source) {
  Doc d;
  d.source = std::string(source);
  try {
    d.root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return YamlError(source, e.mark, "YAML syntax: " + e.msg);
  }
  if (!d.root.IsMap()) return YamlError(source, d.root, "calendar must be a mapping");
  if (auto s = CheckKeys(source, d.root, {"calendar", "notices"}); !s.ok()) return s;
  d.name = d.root["calendar"];
  if (!d.name.IsScalar() || d.name.Scalar().empty()) {
    return YamlError(source, d.root, "missing 'calendar' name");
  }
  d.notices = d.root["notices"];
  if (!d.notices.IsSequence() || d.notices.size() == 0) {
    return YamlError(source, d.root, "missing 'notices' list");
  }
  return d;
}
}  // namespace

Result<WorkCalendar> WorkCalendar::Parse(std::string_view text, std::string_view source, std::string_view as_of) {
  return ParseWith(text, source, {}, as_of);
}

namespace {

// A notice's version date ("version: 2020-11-25") as YYYY-MM-DD.
Result<std::string> NoticeVersion(std::string_view source, const YAML::Node& n) {
  if (!n["version"]) return YamlError(source, n, "notice without 'version'");
  auto version = AsDate(source, n["version"], "version");
  if (!version.ok()) return version.status();
  return version->ToString();
}

// The year a notice covers (a whole year's arrangement) or amends.
struct NoticeYear {
  int year;
  bool covers;
  YAML::Node node;  // for messages
};

Result<NoticeYear> ReadNoticeYear(std::string_view source, const YAML::Node& n) {
  const bool covers = static_cast<bool>(n["covers"]);
  if (covers == static_cast<bool>(n["amends"])) {
    return YamlError(source, n, "a notice needs exactly one of 'covers' or 'amends'");
  }
  const YAML::Node year_node = covers ? n["covers"] : n["amends"];
  auto year = AsInt(year_node);
  if (!year || *year < 1949 || *year > 9999) {
    return YamlError(source, year_node, "year must be a number such as 2021");
  }
  return NoticeYear{*year, covers, year_node};
}

// The rest days and adjusted working days one notice names, checked.
struct NoticeDays {
  std::vector<std::pair<int64_t, std::string>> holidays;  // day, holiday name
  std::vector<int64_t> workdays;
};

Status ReadHolidays(std::string_view source, const YAML::Node& hs, const NoticeYear& y, NoticeDays& out) {
  // A notice may reach into the year before (元旦 arrangements that start in
  // late December); an amendment stays within its year.
  auto in_place = [&y](Date d) { return d.year == y.year || (y.covers && d.year == y.year - 1); };
  if (!hs.IsSequence()) return YamlError(source, hs, "'holidays' must be a list");
  for (const YAML::Node& h : hs) {
    if (!h.IsMap()) return YamlError(source, h, "a holiday must be {name, from, to}");
    if (auto s = CheckKeys(source, h, {"name", "from", "to"}); !s.ok()) return s;
    if (!h["name"] || !h["from"] || !h["to"]) {
      return YamlError(source, h, "a holiday needs name, from and to");
    }
    auto from = AsDate(source, h["from"], "from");
    if (!from.ok()) return from.status();
    auto to = AsDate(source, h["to"], "to");
    if (!to.ok()) return to.status();
    if (*to < *from || to->ToDays() - from->ToDays() > 31) {
      return YamlError(
          source, h,
          "holiday range " + from->ToString() + ".." + to->ToString() + " is reversed or longer than a month");
    }
    if (!in_place(*from) || !in_place(*to)) {
      return YamlError(source, h,
                       "holiday " + from->ToString() + ".." + to->ToString() + " is outside the notice's year " +
                           std::to_string(y.year));
    }
    for (int64_t d = from->ToDays(); d <= to->ToDays(); ++d) out.holidays.emplace_back(d, h["name"].Scalar());
  }
  return Status::Ok();
}

Status ReadWorkdays(std::string_view source, const YAML::Node& ws, const NoticeYear& y, NoticeDays& out) {
  auto in_place = [&y](Date d) { return d.year == y.year || (y.covers && d.year == y.year - 1); };
  if (!ws.IsSequence()) return YamlError(source, ws, "'workdays' must be a list");
  for (const YAML::Node& w : ws) {
    auto d = AsDate(source, w, "workday");
    if (!d.ok()) return d.status();
    if (d->Weekday() < 6) {
      return YamlError(source, w, "adjusted working day " + d->ToString() + " is not a Saturday or Sunday");
    }
    if (!in_place(*d)) {
      return YamlError(source, w,
                       "workday " + d->ToString() + " is outside the notice's year " + std::to_string(y.year));
    }
    out.workdays.push_back(d->ToDays());
  }
  return Status::Ok();
}

Result<NoticeDays> ReadNoticeDays(std::string_view source, const YAML::Node& n, const NoticeYear& y) {
  NoticeDays days;
  if (const YAML::Node hs = n["holidays"]) {
    if (auto s = ReadHolidays(source, hs, y, days); !s.ok()) return s;
  }
  if (const YAML::Node ws = n["workdays"]) {
    if (auto s = ReadWorkdays(source, ws, y, days); !s.ok()) return s;
  }
  return days;
}

// The base calendar's document, then each recorded notice's (which must name the same calendar).
Result<std::vector<Doc>> LoadDocs(std::string_view base_text, std::string_view base_source,
                                  const std::vector<WorkCalendar::NoticeText>& recorded) {
  std::vector<Doc> docs;
  auto base = LoadDoc(base_text, base_source);
  if (!base.ok()) return base.status();
  docs.push_back(std::move(base).value());
  for (const auto& r : recorded) {
    auto d = LoadDoc(r.text, r.source);
    if (!d.ok()) return d.status();
    if (d->name.Scalar() != docs[0].name.Scalar())
      return YamlError(r.source, d->name,
                       "notice for calendar '" + d->name.Scalar() + "', not '" + docs[0].name.Scalar() + "'");
    docs.push_back(std::move(d).value());
  }
  return docs;
}

}  // namespace

Result<WorkCalendar::NoticeSummary> WorkCalendar::SummarizeNotice(std::string_view text, std::string_view source) {
  auto doc = LoadDoc(text, source);
  if (!doc.ok()) return doc.status();
  if (doc->notices.size() != 1)
    return YamlError(source, doc->notices,
                     "a notice file holds exactly one notice (found " + std::to_string(doc->notices.size()) +
                         "); add them one by one");
  const YAML::Node n = doc->notices[0];
  if (!n.IsMap()) return YamlError(source, n, "a notice must be a mapping");
  auto version = NoticeVersion(source, n);
  if (!version.ok()) return version.status();
  auto year = ReadNoticeYear(source, n);
  if (!year.ok()) return year.status();
  NoticeSummary summary{doc->name.Scalar(), *version, year->year, !year->covers, {}};
  if (const YAML::Node hs = n["holidays"]; hs && hs.IsSequence())
    for (const YAML::Node& h : hs)
      if (h.IsMap() && h["name"] && h["name"].IsScalar()) summary.holiday_names.push_back(h["name"].Scalar());
  return summary;
}

std::vector<std::string> WorkCalendar::MissingHolidays(const std::vector<std::string>& names) {
  std::vector<std::string> missing;
  for (const char* holiday : {"元旦", "春节", "清明", "劳动", "端午", "中秋", "国庆"}) {
    const bool named = std::any_of(names.begin(), names.end(),
                                   [&](const std::string& n) { return n.find(holiday) != std::string::npos; });
    if (!named)
      missing.push_back(std::string(holiday) +
                        (std::string_view(holiday) == "元旦" || std::string_view(holiday) == "春节" ? "" : "节"));
  }
  return missing;
}

Result<WorkCalendar> WorkCalendar::ParseWith(std::string_view base_text, std::string_view base_source,
                                             const std::vector<NoticeText>& recorded, std::string_view as_of_in) {
  auto loaded = LoadDocs(base_text, base_source, recorded);
  if (!loaded.ok()) return loaded.status();
  const std::vector<Doc>& docs = *loaded;
  const YAML::Node name = docs[0].name;

  const std::string as_of = StripVersionPrefix(as_of_in);
  WorkCalendar cal;
  std::string last_version;
  std::string applied_version;
  bool found_as_of = as_of.empty();
  std::set<int> seen;                   // years covered by any notice so far, applied or not
  std::set<std::string> base_versions;  // of the notices in `base_text`

  for (const Doc& doc : docs)
    for (const YAML::Node& n : doc.notices) {
      const std::string_view source = doc.source;
      if (!n.IsMap()) return YamlError(source, n, "a notice must be a mapping");
      if (auto s = CheckKeys(source, n, {"version", "source", "covers", "amends", "holidays", "workdays"}); !s.ok()) {
        return s;
      }
      auto version_or = NoticeVersion(source, n);
      if (!version_or.ok()) return version_or.status();
      const std::string version = *version_or;
      // A recorded notice that a newer build compiled in: the same
      // publication, read once (the compiled-in copy).
      if (&doc != &docs[0] && base_versions.count(version)) continue;
      if (&doc == &docs[0]) base_versions.insert(version);
      if (!last_version.empty() && version <= last_version) {
        return YamlError(source, n["version"],
                         "notice versions must increase (" + version + " after " + last_version + ")");
      }
      last_version = version;
      cal.all_versions_.push_back(name.Scalar() + "/" + version);

      auto year = ReadNoticeYear(source, n);
      if (!year.ok()) return year.status();
      const bool apply = as_of.empty() || version <= as_of;
      if (version == as_of) found_as_of = true;
      // Coverage is checked over the whole file, applied or not, so a file that
      // is wrong stays wrong whatever the as_of.
      if (year->covers && seen.count(year->year)) {
        return YamlError(source, year->node, "year " + std::to_string(year->year) + " covered twice; use 'amends'");
      }
      if (!year->covers && !seen.count(year->year)) {
        return YamlError(source, year->node, "amends year " + std::to_string(year->year) + " not covered before");
      }
      if (year->covers) seen.insert(year->year);
      auto days = ReadNoticeDays(source, n, *year);
      if (!days.ok()) return days.status();
      if (apply) {
        for (const auto& [d, holiday] : days->holidays) {
          cal.extra_workdays_.erase(d);
          cal.holidays_.insert(d);
          cal.holiday_names_[d] = holiday;
        }
        for (int64_t d : days->workdays) {
          cal.holidays_.erase(d);
          cal.holiday_names_.erase(d);
          cal.extra_workdays_.insert(d);
        }
        if (year->covers) cal.years_.insert(year->year);
        applied_version = version;
      }
    }
  if (!found_as_of) {
    return Status::NotFound(std::string(base_source) + ": no calendar notice with version '" + std::string(as_of_in) +
                            "'");
  }
  if (applied_version.empty()) {
    return Status::NotFound(std::string(base_source) + ": no notice published by " + as_of);
  }
  cal.version_ = name.Scalar() + "/" + applied_version;
  return cal;
}

Result<WorkCalendar> WorkCalendar::Default() {
  return Parse(internal::EmbeddedCalendarYaml(), "<embedded>/workflows/calendars/cn-mainland.yaml");
}

Result<WorkCalendar> WorkCalendar::DefaultWith(const std::vector<NoticeText>& recorded, std::string_view as_of) {
  return ParseWith(internal::EmbeddedCalendarYaml(), "<embedded>/workflows/calendars/cn-mainland.yaml", recorded,
                   as_of);
}

Result<WorkCalendar> WorkCalendar::DefaultAsOf(std::string_view version) {
  if (version.empty()) return Status::InvalidArgument("empty calendar version");
  return Parse(internal::EmbeddedCalendarYaml(), "<embedded>/workflows/calendars/cn-mainland.yaml", version);
}

Result<WorkCalendar> WorkCalendar::LoadFile(const std::string& path) {
  auto text = file_text::ReadWhole(path);
  if (!text.ok()) return Status::IOError("cannot open calendar file " + path + ": " + text.status().message());
  return Parse(*text, path);
}

bool WorkCalendar::Covers(int year) const { return years_.count(year) > 0; }

std::string_view WorkCalendar::StatutoryFixedHoliday(Date d) {
  if (d.month == 1 && d.day == 1) return "元旦";
  if (d.month == 5 && (d.day == 1 || (d.day == 2 && d.year >= 2025))) return "劳动节";
  if (d.month == 10 && d.day >= 1 && d.day <= 3) return "国庆节";
  return {};
}

std::string_view WorkCalendar::StripProvisionalSuffix(std::string_view v) {
  for (std::string_view suffix : {kProvisionalSuffix, kLegacyFallbackSuffix})
    if (v.size() > suffix.size() && v.substr(v.size() - suffix.size()) == suffix) {
      v.remove_suffix(suffix.size());
      break;
    }
  return v;
}

bool WorkCalendar::SpanIsProvisional(Date from, Date to) const {
  if (to < from) std::swap(from, to);
  for (int y = from.year; y <= to.year; ++y)
    if (!Covers(y)) return true;
  return false;
}

Result<bool> WorkCalendar::IsWorkingDay(Date d) const {
  if (!Covers(d.year)) {
    if (!provisional_rule_) {
      return Status::InvalidArgument("calendar " + version_ + " does not cover " + std::to_string(d.year) +
                                     " (no published schedule); opt in to the provisional rule "
                                     "(weekdays minus 元旦, 劳动节, 国庆节) or add the year's notice");
    }
    return d.Weekday() <= 5 && StatutoryFixedHoliday(d).empty();
  }
  const int64_t day = d.ToDays();
  if (extra_workdays_.count(day)) return true;
  if (holidays_.count(day)) return false;
  return d.Weekday() <= 5;
}

std::string WorkCalendar::HolidayName(Date d) const {
  if (!Covers(d.year)) return provisional_rule_ ? std::string(StatutoryFixedHoliday(d)) : std::string();
  auto it = holiday_names_.find(d.ToDays());
  return it == holiday_names_.end() ? std::string() : it->second;
}

Result<Date> WorkCalendar::AddWorkingDays(Date from, int n) const {
  if (n < 0) return SubtractWorkingDays(from, -n);
  Date d = from;
  if (n == 0) {
    for (int i = 0; i < kMaxScanDays; ++i, d = d.AddDays(1)) {
      auto w = IsWorkingDay(d);
      if (!w.ok()) return w.status();
      if (*w) return d;
    }
    return Status::InvalidArgument("no working day found after " + from.ToString());
  }
  int left = n;
  for (int i = 0; i < kMaxScanDays + n * 2; ++i) {
    d = d.AddDays(1);
    auto w = IsWorkingDay(d);
    if (!w.ok()) return w.status();
    if (*w && --left == 0) return d;
  }
  return Status::InvalidArgument("working-day count ran away from " + from.ToString());
}

Result<Date> WorkCalendar::SubtractWorkingDays(Date from, int n) const {
  if (n <= 0) return AddWorkingDays(from, -n);
  Date d = from;
  int left = n;
  for (int i = 0; i < kMaxScanDays + n * 2; ++i) {
    d = d.AddDays(-1);
    auto w = IsWorkingDay(d);
    if (!w.ok()) return w.status();
    if (*w && --left == 0) return d;
  }
  return Status::InvalidArgument("working-day count ran away from " + from.ToString());
}

Result<Date> WorkCalendar::EffectiveDue(Date due) const { return AddWorkingDays(due, 0); }

}  // namespace duban::workflows
