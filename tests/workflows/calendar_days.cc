// calendar_days: what the C++ WorkCalendar says about every day of some years,
// one line a day, for check_calendar_against_workalendar.py to compare with
// python3-workalendar (an implementation duban does not share any code with).
//
//   calendar_days CALENDAR.yaml FROM_YEAR TO_YEAR [AS_OF_VERSION]
//
// Each line: "YYYY-MM-DD work|rest NEXT PLUS10 MINUS3", where NEXT is
// AddWorkingDays(d, 1), PLUS10 AddWorkingDays(d, 10) and MINUS3
// SubtractWorkingDays(d, 3); "-" where the calendar refuses (a year it does
// not cover). Exit 2 on a usage or data error.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "duban/workflows/calendar.h"

namespace {

std::string Or(const duban::Result<duban::Date>& d) { return d.ok() ? d->ToString() : "-"; }

}  // namespace

int main(int argc, char** argv) {
  using duban::Date;
  using duban::workflows::WorkCalendar;
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: %s CALENDAR.yaml FROM_YEAR TO_YEAR [AS_OF_VERSION]\n", argv[0]);
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  auto cal = WorkCalendar::Parse(text.str(), argv[1], argc == 5 ? argv[4] : "");
  if (!cal.ok()) {
    std::fprintf(stderr, "%s\n", cal.status().ToString().c_str());
    return 2;
  }
  const int from = std::atoi(argv[2]), to = std::atoi(argv[3]);
  for (Date d{from, 1, 1}; d.year <= to; d = d.AddDays(1)) {
    auto working = cal->IsWorkingDay(d);
    if (!working.ok()) {
      std::fprintf(stderr, "%s: %s\n", d.ToString().c_str(), working.status().ToString().c_str());
      return 2;
    }
    std::printf("%s %s %s %s %s\n", d.ToString().c_str(), *working ? "work" : "rest",
                Or(cal->AddWorkingDays(d, 1)).c_str(), Or(cal->AddWorkingDays(d, 10)).c_str(),
                Or(cal->SubtractWorkingDays(d, 3)).c_str());
  }
  return 0;
}
