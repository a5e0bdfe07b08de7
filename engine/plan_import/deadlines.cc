#include "deadlines.h"

#include <exception>

#include "text_util.h"

#ifdef DUBAN_PLAN_IMPORT_HAVE_WORKFLOWS
#include "duban/workflows/calendar.h"
#include "duban/workflows/deadline_phrase.h"
#endif

namespace duban::plan_import {

namespace {

// Conservative finder used when duban_workflows is absent: "2021年底前",
// "10月底前", "2021年12月10日前", "年底前", "上半年". Only phrases ending in a
// deadline word count, so amounts such as "26个领域" never match.
std::optional<std::string> LocalFind(std::string_view s) {
  static constexpr std::string_view kEnds[] = {"年底前", "年末前", "月底前", "月末前", "日前",
                                               "中旬前", "上旬前", "下旬前", "年底",   "月底"};
  size_t best = std::string_view::npos;
  size_t best_end = 0;
  for (auto e : kEnds) {
    const size_t p = s.find(e);
    if (p != std::string_view::npos && (best == std::string_view::npos || p < best)) {
      best = p;
      best_end = p + e.size();
    }
  }
  if (best == std::string_view::npos) return std::nullopt;
  // Walk back over digits, 年 and 月 to include "2021年12月".
  size_t start = best;
  while (start > 0) {
    const unsigned char c = static_cast<unsigned char>(s[start - 1]);
    if (c >= '0' && c <= '9') {
      --start;
      continue;
    }
    if (start >= 3) {
      const std::string_view tail = s.substr(start - 3, 3);
      if (tail == "年" || tail == "月") {
        start -= 3;
        continue;
      }
    }
    break;
  }
  std::string phrase(s.substr(start, best_end - start));
  // A bare "年底" without a digit before it is too vague to keep as a phrase
  // unless it is the whole "年底前".
  if (phrase == "年底" || phrase == "月底") return std::nullopt;
  return phrase;
}

}  // namespace

#ifdef DUBAN_PLAN_IMPORT_HAVE_WORKFLOWS

bool CanResolveDeadlines() { return true; }

DueResult ResolveDue(std::string_view phrase, int plan_year, std::optional<Date> issued_on,
                     const workflows::WorkCalendar* given) {
  DueResult r;
  try {
    // A deadline in a year no notice covers yet (next year's plan, imported in
    // December) is kept, counted by the provisional rule, with a warning.
    static const auto calendar = [] {
      auto c = workflows::WorkCalendar::Default();
      if (c.ok()) c->set_provisional_rule(true);
      return c;
    }();
    workflows::DeadlineContext ctx;
    ctx.plan_year = plan_year;
    ctx.issued_on = issued_on;
    ctx.calendar = given ? given : calendar.ok() ? &calendar.value() : nullptr;
    const auto resolved = workflows::ResolveDeadline(phrase, ctx);
    r.due_on = resolved.due_on;
    r.understood = !resolved.unresolved;
    r.note = resolved.note;
    r.impossible = resolved.impossible;
    r.provisional = resolved.calendar_version.ends_with(workflows::WorkCalendar::kProvisionalSuffix);
    if (resolved.recurrence) {
      // Recorded only as a schedule the engine can keep (每季度两次 asks
      // twice within a quarter: not scheduled, and the office is told).
      const std::string text = workflows::RecurrenceText(*resolved.recurrence);
      if (auto ok = workflows::ParseRecurrence(text, 2000); ok.ok())
        r.recurrence = text;
      else
        r.note = "not scheduled (" + ok.status().message() + "); set a schedule with `duban schedule`";
    }
  } catch (const std::exception& e) {
    r.note = e.what();
  }
  return r;
}

std::optional<std::string> FindDeadlinePhrase(std::string_view content) {
  try {
    return workflows::FindDeadlineInText(content);
  } catch (const std::exception&) {
    return LocalFind(content);
  }
}

#else

bool CanResolveDeadlines() { return false; }

DueResult ResolveDue(std::string_view, int, std::optional<Date>, const workflows::WorkCalendar*) { return {}; }

std::optional<std::string> FindDeadlinePhrase(std::string_view content) { return LocalFind(content); }

#endif

}  // namespace duban::plan_import
