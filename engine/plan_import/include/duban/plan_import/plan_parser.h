// The plan importer's parser: turns a published division plan (分工方案,
// 任务分解表, 工作台账) as offices have it — the text export of the plan's
// table (tab-indented cells, one or several per line) or CSV/TSV with a
// header row — into the plan's metadata and its numbered tasks, each with
// its section path, lead and responsible units and deadline text.
//
// Guarantees:
// - Pure: no I/O, no clock. ParsePlan never throws and never crashes, on any
//   bytes (invalid UTF-8, NULs, huge lines); it always returns a ParsedPlan.
// - Tasks are in document order. Nothing is invented: a unit the directory
//   does not know is kept in the task (so the office sees it) and reported as
//   a problem; a deadline phrase that cannot be resolved keeps its text with
//   due_on empty.
// - Every problem carries the 1-based line of the input it is about (0 when
//   it is about the whole file), so the office can fix the file and retry.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "duban/date.h"
#include "duban/plan_import/unit_directory.h"

namespace duban::workflows {
class WorkCalendar;
}

namespace duban::plan_import {

struct PlanMeta {
  std::string title;       // "2021年宜春市政务公开工作要点任务分解表"
  std::string issuer;      // issuing office, "" when the file does not say
  std::string doc_number;  // "珠高办〔2021〕50号", "" when absent
  std::optional<Date> issued_on;
  int year = 0;  // the plan year; 0 when nothing names one
  // The title names the year, or the office did (ParseOptions::year); false
  // when it was taken from the issue date or the document number.
  bool year_stated = false;
};

struct TaskDeadline {
  std::string text;            // as written ("10月底前", "2021年12月10日前"), "" if none
  std::optional<Date> due_on;  // resolved by duban_workflows when linked
  std::string recurrence;      // a recurring duty ("quarter:1"): its schedule; due_on is its last checkpoint
};

struct ParsedTask {
  int number = 0;  // the plan's own number
  // The number the document gives when the import numbers the plan on
  // (`numbering`): "1" for 二、1 imported as task 3, "1.2" for an outline
  // number; "" when it is `number`. For the preview only: the store keeps
  // `number` and the section.
  std::string number_in_document;
  // Why `number` is not the document's: "section" (numbering restarting
  // under each heading), "outline" (1.1, 1.2, 2.1… numbered on through the
  // plan); "" when it is.
  std::string numbering;
  std::vector<std::string> section;            // outermost first: ["一、…", "（一）…"]
  std::string title;                           // the title column, else the first sentence
  std::string content;                         // the full task text, number removed
  std::vector<std::string> lead_units;         // 牵头单位
  std::vector<std::string> responsible_units;  // 责任单位 / 落实单位
  TaskDeadline deadline;
  int source_line = 0;  // 1-based line where the task starts
  // How the task was found: "number_column" (a 序号 cell), "number_in_text"
  // ("12." in a text cell), "row_order" (no number anywhere: rows with units
  // numbered in order).
  std::string found_by;
  // Where its units came from: "row" (its own row's unit cells),
  // "merged_cell" (an empty unit cell in its row: the row above's, as a
  // merged cell exports), "other_row" (its row has no unit cell at all: an
  // earlier row's units, doubtful), "text" (a bracket in the task text),
  // "" (none).
  std::string units_from;
  // Why the importer is not sure of this task, each also a problem with its
  // line: "no_unit", "number_out_of_sequence", "number_repeated",
  // "units_from_other_row", "deadline_from_other_row", "unplaced_cell",
  // "no_deadline_cell" (its row stops before the deadline column),
  // "due_before_issue" (its date is before the plan's issue date),
  // "units_from_row_below" (a row of units with no number or text under it
  // was taken as its: cells merged over two rows),
  // "row_below_joined" (a row under its merged 序号 cell, in a sheet or Word
  // table, added its text and units to it).
  // Empty: nothing doubtful.
  std::vector<std::string> doubts;
};

struct Problem {
  int line = 0;         // 1-based; 0 for the file as a whole
  std::string message;  // English, as the CLI and logs say it
  // The same in Chinese, for the office's import preview (the workbench).
  std::string message_zh;
};

struct ParsedPlan {
  PlanMeta plan;
  std::vector<ParsedTask> tasks;
  std::vector<Problem> problems;
  std::vector<std::string> unknown_units;  // each once, in order of first use
  // "text" | "csv" | "tsv" | "docx" | "xlsx" | "html"; "zip" or "ole" for a
  // package that is no plan document (refused with a problem).
  std::string format;

  // Set when tasks fall due before the plan's issue date and no one stated
  // the year: the dates were read in the issue date's year, and a plan
  // issued in December for the next year ("10月底前") would be late from its
  // import on, every unit escalated at the first tick. An import is refused
  // with this (the same words are among the problems) until a year is given.
  std::optional<Problem> year_in_doubt;

  // Set when the issue date is after the last year the plan is for (its
  // year, or the end of a range its title names): a typo in the date (2030
  // for 2027) that would make every deadline already past and, on a
  // simulated store, move its clock years on for good. Refused on import;
  // the same words are among the problems, so a preview shows it.
  std::optional<Problem> issued_after_its_year;

  // Set when a deadline names a day that does not exist (2026年2月30日前,
  // 13月底前): imported, the task would carry no date and never be reminded
  // or escalated. Refused on import until the file is corrected; the same
  // words are among the problems.
  std::optional<Problem> impossible_deadline;

  // Set when rows name units and a task's text but no task number while
  // other rows have one: such a row is no task the importer can place, and
  // importing without it would lose the work it names. Refused on import
  // until the file numbers it; the same words are among the problems.
  std::optional<Problem> rows_not_imported;

  // Tasks with at least one doubt (ParsedTask::doubts).
  size_t DoubtfulTasks() const;
};

struct ParseOptions {
  // Used when the file names no year (e.g. a CSV with no title row).
  int default_year = 0;
  // The plan year the office states (plan import --year): it wins over the
  // years inferred from the publication date and the document number (a plan
  // published in December for the next year, a back-entry). It chooses among
  // the years a title names ("…2035年远景目标纲要2021年重点任务…"); a title
  // naming only other years still gives its own (the caller compares them).
  int year = 0;
  // Resolve deadline phrases to dates (needs duban_workflows; off -> due_on empty).
  bool resolve_deadlines = true;
  // When the file has no deadline column, look for a phrase in the task text.
  bool deadline_from_text = true;
  // The working-day calendar phrases are counted on ("印发后20个工作日内"):
  // the store's (compiled-in notices plus those it recorded); null: the
  // compiled-in calendar. Years it does not cover follow the provisional rule.
  const workflows::WorkCalendar* calendar = nullptr;
  // The plan's publication date (印发日期) when known better than the file
  // says (plan import --issued-on): it replaces the date found in the file,
  // and relative deadlines (印发后20个工作日内) count from it.
  std::optional<Date> issued_on;
  // A plan that runs across the turn of the year (issued in December, its
  // tasks due 12月底前, 1月底前, 3月底前): a deadline that names no year and
  // falls before the issue date is read in the next year, the first such
  // date after the plan was issued (plan import --dates-after-issue). Needs
  // the issue date; without one nothing is moved.
  bool dates_after_issue = false;
  // The day the plan is imported (today; a simulated store's day): when the
  // plan names no issue date, dates before it are late from the import on,
  // and the problems say so.
  std::optional<Date> import_day;
};

// The file's format is found from its bytes: a Word (.docx) or Excel (.xlsx)
// package, a saved web page with a <table>, else a text export, CSV or TSV.
// Every format reaches the same interpreter, so the result's shape and rules
// are one. A damaged or hostile file (zip bomb, XML nested without end) is
// refused with a problem and no task; ParsePlan never throws.
ParsedPlan ParsePlan(std::string_view bytes, const UnitDirectory& dir, const ParseOptions& opts);

// The file's text for matching (which unit directory names its place): a
// document's paragraphs and cells, a line per paragraph or row; other
// files' text as UTF-8, as the parse reads it (a GBK or UTF-16 export converted).
std::string PlanText(std::string_view bytes);

// {"plan": {"title","issuer","doc_number","issued_on","year"},
//  "tasks": [{"number","section","title","content","lead_units",
//             "responsible_units","deadline": {"text","due_on"}}],
//  "problems": [{"line","message","message_zh"}]}
// issued_on / due_on are "YYYY-MM-DD" or null; issuer/doc_number "" when absent.
// A doubtful task also has "doubts" (its ParsedTask::doubts) and "found"
// {"by","units_from"}, and the top level "doubtful_tasks" (their count);
// these keys are absent when no task is doubtful, so a clean parse's JSON
// is what it was before they existed.
std::string ParsedPlanToJson(const ParsedPlan& plan);

// The year in doubt when the plan is imported on `import_day`: the parse's
// (dates before the issue date), or, when the plan names no issue date, dates
// before the import day; only when no one stated the year, and only for
// deadlines whose words do not give their own year ("2026年11月底前").
// nullopt: import it.
std::optional<Problem> YearInDoubtOn(const ParsedPlan& plan, Date import_day);

// ParsedPlan::issued_after_its_year: nullopt, import it.
std::optional<Problem> IssuedAfterItsYear(const ParsedPlan& plan);

// ParsedPlan::impossible_deadline: nullopt, import it.
std::optional<Problem> ImpossibleDeadline(const ParsedPlan& plan);

// ParsedPlan::rows_not_imported: nullopt, import it.
std::optional<Problem> RowsNotImported(const ParsedPlan& plan);

// A year the office stated (ParseOptions::year) that the title contradicts:
// it names only other years (they are listed). nullopt when none was stated,
// or the plan is read as that year.
std::optional<Problem> StatedYearContradicted(const ParsedPlan& plan, int stated);

// A readable preview: the plan's metadata, the task table as parsed and
// every problem with its line number.
std::string RenderPreview(const ParsedPlan& plan);

}  // namespace duban::plan_import
