// Deadline phrases: turns the words plans use for deadlines ("10月底前", "全年",
// "印发后20个工作日内", "每季度听取一次") into a due date or a recurrence, given
// the plan's year and issue date. Pure: no I/O, no clock.
// Anything not understood is returned unresolved with its text kept, never guessed.
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
};

struct ResolvedDeadline {
  std::string text;                       // the phrase as found, whitespace folded
  std::optional<Date> due_on;             // a single due date
  std::optional<Recurrence> recurrence;   // recurring duty (then due_on is the year's last checkpoint)
  bool unresolved = true;                 // neither understood
  std::string calendar_version;           // set when working days were counted
  std::string note;                       // why unresolved, or a warning (e.g. weekends-only)
};

struct DeadlineContext {
  int plan_year = 0;
  std::optional<Date> issued_on;
  const WorkCalendar* calendar = nullptr;  // required for working-day phrases
};

ResolvedDeadline ResolveDeadline(std::string_view phrase, const DeadlineContext& ctx);

// Finds a deadline phrase inside task text ("2021年底前将..."), for tasks whose
// deadline cell is empty. Returns the phrase as it stands in the text.
std::optional<std::string> FindDeadlineInText(std::string_view content);

}  // namespace duban::workflows
