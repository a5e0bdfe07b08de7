// Bridge to the deadline-phrase rules of duban_workflows. When the importer is
// built without that library (it is linked only if the target exists) the
// bridge degrades: due dates stay empty and only a conservative finder for
// phrases inside task text remains. Internal to plan_import; never throws.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "duban/date.h"

namespace duban::workflows {
class WorkCalendar;
}

namespace duban::plan_import {

// True when deadline phrases can be resolved to dates in this build.
bool CanResolveDeadlines();

struct DueResult {
  std::optional<Date> due_on;
  bool understood = false;
  std::string note;
  bool provisional = false;  // counted on the provisional rule (a year no notice covers yet)
  std::string recurrence;    // a recurring duty ("quarter:1", workflows::RecurrenceText), else ""
  bool impossible = false;   // names a day that does not exist (2月30日): a typo
};
// `calendar`: counted on it (with the provisional rule on, as the engine's
// timer policy keeps it, an uncovered year is counted provisionally rather
// than refused); null: the compiled-in calendar, provisional rule on.
DueResult ResolveDue(std::string_view phrase, int plan_year, std::optional<Date> issued_on,
                     const workflows::WorkCalendar* calendar = nullptr);

// A deadline phrase inside task text ("2021年底前将..."), or nullopt.
std::optional<std::string> FindDeadlinePhrase(std::string_view content);

}  // namespace duban::plan_import
