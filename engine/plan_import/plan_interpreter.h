// Interpretation: the table's rows, in order, into tasks. Internal to plan_import.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "plan_table.h"

namespace duban::plan_import::table {

// Reads rows one after the other, as an office reads the table: section
// headings change the section path; numbered tasks (a 序号 column, or "1." in
// the text, several per cell) become tasks; units, deadline and title cells
// left empty by merged cells inherit from the row above unless the row opens
// a new section. Rows with units but no number are kept aside: if no task in
// the whole plan carries a number, Finish takes them as tasks in order.
// Writes tasks, problems and unknown units into `out`. Not thread-safe.
class Interpreter {
 public:
  Interpreter(const UnitDirectory& dir, ParsedPlan& out) : dir_(dir), out_(out) {}

  // The header's column kinds (empty: every row's cells are classified by content).
  void SetKinds(std::vector<Kind> kinds);
  bool has_deadline_column() const { return has_deadline_col_; }

  void Process(const Row& row);
  void Finish();

 private:
  // The cells of one row by the kind of their column.
  struct RowCells {
    const Cell* number = nullptr;
    const Cell* title = nullptr;
    std::vector<const Cell*> text, lead, resp, both, deadline;
    // The row has a cell under a unit / deadline column (even an empty one:
    // a merged cell); a row without one is shorter than the header.
    bool unit_cell = false;
    bool deadline_cell = false;
    // Cells beyond the header's width that are neither a heading nor the
    // task's text: read as task text, but the row is doubtful.
    std::vector<const Cell*> unplaced;
    int cell_count = 0;
  };
  // A run of text: the start of task `number`, or (no number) text that continues.
  struct Piece {
    std::optional<int> number;
    std::string text;
    int line = 0;
  };
  // What a cell left empty by merging takes from the rows above.
  struct Inherited {
    UnitAssignment lead_col;
    UnitAssignment resp_col;
    std::string deadline;
    std::string title;
    int units_line = 0;     // the row the units were read from
    int deadline_line = 0;  // the row the deadline was read from
    int lead_line = 0;      // the row each unit column was last read from
    int resp_line = 0;
  };
  struct Orphan {
    std::string text;
    std::vector<std::string> section;
    UnitAssignment units;
    std::string deadline;
    int line = 0;
  };

  // The row the last task came from, while it may yet prove an outline
  // heading (1 | 财政工作 over 1.1, 1.2): kept by Process for the next row only.
  struct NumberedRow {
    bool bare = false;          // a 序号 cell's one task, no unit or date cell of its own filled
    std::string label;          // its 序号 (DocNumber::Label)
    size_t problems_begin = 0;  // where the problems its row added start
  };

  std::vector<Kind> KindsFor(const Row& row) const;
  Kind Classify(const Cell& c) const;
  RowCells SortCells(const Row& row) const;
  bool TakeHeading(const Cell* c, bool& section_changed);
  std::vector<Piece> SplitIntoPieces(const std::vector<const Cell*>& text_cells, int row_number, bool& section_changed);
  void SplitLine(const std::string& t, int line, int row_number, bool& task_in_cell, std::vector<Piece>& pieces);
  void Inherit(const RowCells& cells, bool section_changed, bool title_is_heading);
  UnitAssignment InheritedUnits() const;
  void Fill(ParsedTask& task, const RowCells& cells);
  void DoubtBlankDelimitedCells(ParsedTask& task, const RowCells& cells);
  void Doubt(ParsedTask& task, std::string kind);
  void AddNumberedRow(const RowCells& cells, const DocNumber& label, int row_number, const std::vector<Piece>& pieces);
  ParsedTask& NewOutlineTask(const DocNumber& label, int line);
  bool OutlineParentIsHeading(const std::optional<NumberedRow>& above, const DocNumber& label);
  bool CloseOutlineSections(const DocNumber& label);
  // Outline headings rank below 第一部分 (0), 一、 (1) and （一） (2): 1 is 3, 1.1 is 4.
  static constexpr int kOutlineRank = 3;
  void NumberOutlineOn();
  static std::string Name(const ParsedTask& t);
  void AddTasksFromPieces(const RowCells& cells, std::vector<Piece>& pieces, bool opened_section);
  bool AddUnitsToTaskAbove(const RowCells& cells, const std::vector<Piece>& pieces);
  void JoinTaskAbove(const RowCells& cells, const std::string& text, int line);
  std::string JoinUnitsToTaskAbove(const RowCells& cells, const char* doubt);
  bool ApplySection(int rank, std::string heading);
  void AddProblem(int line, std::string msg, std::string zh) {
    out_.problems.push_back({line, std::move(msg), std::move(zh)});
  }
  ParsedTask& NewTask(int number, int line, const char* found_by);
  void NumberSectionsOn();
  std::optional<std::string> SplitHeading(const RowCells& cells) const;
  std::vector<std::string> SectionPath() const;

  const UnitDirectory& dir_;
  ParsedPlan& out_;
  std::vector<Kind> header_;
  bool title_column_ = false;
  bool has_deadline_col_ = false;
  bool has_unit_col_ = false;
  std::vector<std::pair<int, std::string>> section_;
  Inherited inh_;
  int expected_ = 1;
  std::map<int, int> seen_numbers_;      // number -> line
  std::vector<size_t> number_problems_;  // the problems NewTask said of numbers, by index (NumberSectionsOn)
  std::vector<Orphan> orphans_;
  std::optional<NumberedRow> last_row_;
  int last_plain_ = 0;                       // the last plain number in the 序号 column (a heading's too)
  std::map<std::string, int> last_under_;    // outline: a number's parent ("" for none) -> its last part read
  std::map<std::string, int> outline_seen_;  // outline number -> line
};

}  // namespace duban::plan_import::table
