// The plan's year as its title names it (plan_metadata.cc). A title often
// names more than one: a year it aims at ("2035年远景目标", "到2025年",
// "2030年前碳达峰"), a document it carries out ("落实《2023年度审计工作报告》"),
// a programme's range ("“十四五”（2021—2025年）") and the plan's own year
// ("2022年重点任务"). Pure: no I/O; any bytes in, never throws.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace duban::plan_import::table {

// One year the title names: "2021年", "二〇二二年", "２０２４年", or a range
// "（2027—2029年）", "2023年至2025年" (the plan starts in its first year; the
// years up to its end are named too), or a date's ("2024年3月").
struct TitleYear {
  int year = 0;
  int until = 0;  // a range's last year; == year for one year
  // "2023年12月28日": a date's year, the plan's only when the title names no
  // other ("2024年3月重点工作安排").
  bool date = false;
  // "2035年远景目标", "到2025年", "2030年前": a year aimed at, not the plan's.
  bool aimed_at = false;
  // Inside 《》 or “”, or after 落实/贯彻/学习/对照 (not before 重点/工作/政务:
  // "关于落实2024年重点工作任务" is the plan's own): another document's year.
  bool cited = false;
  // "2024年度", "2021年重点任务", "2023年工作要点": the words a plan's own year carries.
  bool plan_words = false;
};

// Every year the title names, in order.
std::vector<TitleYear> TitleYears(std::string_view title);

// What the title says of the plan's year.
struct TitleYearReading {
  // The plan's year: `stated` when the title names it (or a range it names
  // spans it); else among the years not aimed at, not cited, not after the
  // issue year (a plan is not issued after its year), and not a range
  // around a single year also named: the first with a plan's words, else
  // the first; else a cited one. nullopt when the title names no year or
  // only years aimed at.
  std::optional<int> year;
  // The years the plan could as well be for, when more than one (and the
  // office stated none): the import says which it read.
  std::vector<int> could_be;
  // The title names years, all of them aimed at ("2030年前碳达峰实施方案").
  std::optional<int> only_aimed_at;
};
TitleYearReading ReadTitleYear(std::string_view title, int stated, int issue_year);

// "2035, 2022", "2023—2025": the years the title names, for messages; "" for none.
std::string TitleYearsText(std::string_view title);

}  // namespace duban::plan_import::table
