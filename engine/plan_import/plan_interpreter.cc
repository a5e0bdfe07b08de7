// Interpretation: rows into sections, numbered tasks, units and deadlines,
// merged cells inherited (see plan_interpreter.h).
#include "plan_interpreter.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <utility>

#include "text_util.h"

namespace duban::plan_import::table {

using text::CodePoints;
using text::EndsWith;
using text::StartsWith;
using text::Trim;

namespace {
bool IsNote(std::string_view s) {
  const std::string t = Trim(s);
  for (std::string_view note : {"备注", "注：", "注:", "说明", "附注"})
    if (StartsWith(t, note)) return true;
  return false;
}

bool AnyFilled(std::initializer_list<const std::vector<const Cell*>*> columns) {
  for (const auto* v : columns)
    for (const Cell* c : *v)
      if (!c->Empty()) return true;
  return false;
}
}  // namespace

void ReportUnknownUnits(const std::vector<UnitAssignment::Unknown>& unknown, const UnitDirectory& dir,
                        ParsedPlan& out) {
  for (const auto& u : unknown) {
    if (dir.id().empty()) {
      // No directory matched the plan: the name was checked against nothing.
      out.problems.push_back({u.line,
                              "unit '" + u.name +
                                  "' not checked: no unit directory was used (none matches this "
                                  "plan); pass --units FILE",
                              "单位“" + u.name + "”未核对：没有与本方案匹配的单位名录，请核对单位名称"});
    } else {
      // The closest known names, so a typo or a longer form is fixed in the file or added as an alias.
      std::string en, zh;
      const std::vector<std::string> close = dir.Suggest(u.name);
      for (size_t i = 0; i < close.size(); ++i) {
        en += (i ? ", " : "; did you mean ") + close[i];
        zh += (i ? "”或“" : "，是否为“") + close[i];
      }
      if (!close.empty()) {
        en += "?";
        zh += "”？";
      }
      out.problems.push_back({u.line, "unknown unit '" + u.name + "' (not in unit directory '" + dir.id() + "')" + en,
                              "单位“" + u.name + "”不在单位名录（" + dir.id() + "）中" + zh});
    }
    if (std::find(out.unknown_units.begin(), out.unknown_units.end(), u.name) == out.unknown_units.end())
      out.unknown_units.push_back(u.name);
  }
}

void Interpreter::SetKinds(std::vector<Kind> kinds) {
  header_ = std::move(kinds);
  bool has_number = false;
  bool has_text = false;
  for (Kind k : header_) {
    has_number = has_number || k == Kind::kNumber;
    has_text = has_text || k == Kind::kText;
    has_deadline_col_ = has_deadline_col_ || k == Kind::kDeadline;
    has_unit_col_ = has_unit_col_ || k == Kind::kLead || k == Kind::kResponsible || k == Kind::kLeadAndResponsible;
  }
  // A 任务/工作任务 column is a title only beside a number and a content
  // column (yichun); otherwise it holds sections and numbered tasks.
  title_column_ = has_number && has_text;
  if (!title_column_)
    for (Kind& k : header_)
      if (k == Kind::kTitle) k = Kind::kText;
}

Kind Interpreter::Classify(const Cell& c) const {
  const std::string t = c.Joined();
  if (t.empty()) return Kind::kEmpty;
  if (BareNumber(t)) return Kind::kNumber;
  if (HeadingRank(t) || ParseTaskNumber(t, 0, expected_, true)) return Kind::kText;
  const size_t cps = CodePoints(t);
  if (cps <= 24) {
    for (std::string_view w : {"前", "底", "全年", "年内", "长期", "持续", "季度", "每月", "每年", "上半年", "下半年",
                               "常态", "年中", "月内", "即时", "随时"}) {
      if (t.find(w) != std::string::npos && !LooksLikeUnit(t)) return Kind::kDeadline;
    }
  }
  // Units: every fragment known or shaped like a unit name.
  const UnitAssignment a = ParseUnitCell(c.lines, UnitRole::kResponsible, dir_);
  if (!a.empty() && t.find("。") == std::string::npos) {
    size_t unitish = 0;
    size_t total = 0;
    for (const auto* list : {&a.lead, &a.responsible}) {
      for (const auto& n : *list) {
        ++total;
        if (dir_.Canonical(n) || LooksLikeUnit(n)) ++unitish;
      }
    }
    if (total > 0 && unitish == total) return Kind::kResponsible;
  }
  return Kind::kText;
}

std::vector<Kind> Interpreter::KindsFor(const Row& row) const {
  const size_t n = row.cells.size();
  std::vector<Kind> kinds;
  if (header_.empty()) {
    for (const auto& c : row.cells) kinds.push_back(Classify(c));
    return kinds;
  }
  const size_t m = header_.size();
  // Heading cells written before the task's text in cells of their own
  // (chengzihe's 工作任务, a heading on a line of its own) belong to the
  // text column, beyond the ones a leading run of text columns holds
  // (shaoguan: 工作任务 | 具体工作事项): the rest of the row is read without them.
  size_t text_run = 0;
  while (text_run < m && (header_[text_run] == Kind::kText || header_[text_run] == Kind::kTitle)) ++text_run;
  size_t headings = 0;
  while (headings < n && !row.cells[headings].Empty() && HeadingRank(row.cells[headings].Joined())) ++headings;
  if (text_run > 0 && headings >= text_run && headings < n) {
    const size_t extra = headings - (text_run - 1);
    Row rest;
    rest.line = row.line;
    rest.cells.assign(row.cells.begin() + static_cast<long>(extra), row.cells.end());
    kinds.assign(extra, header_[0]);
    const std::vector<Kind> tail = KindsFor(rest);
    kinds.insert(kinds.end(), tail.begin(), tail.end());
    return kinds;
  }
  if (n < m) {
    kinds.assign(header_.begin(), header_.begin() + static_cast<long>(n));
    // A row shorter than the header lost a cell somewhere (a merged cell
    // the export left out, a line with no tab): its cells are not surely
    // under their columns. A deadline under a unit column, or units under
    // the deadline column, go where their content says; the missing
    // column's value is then taken from above, and Fill marks it doubtful.
    for (size_t k = 0; k < n; ++k) {
      const bool unit_col =
          kinds[k] == Kind::kLead || kinds[k] == Kind::kResponsible || kinds[k] == Kind::kLeadAndResponsible;
      const bool text_col = k > 0 && (kinds[k] == Kind::kText || kinds[k] == Kind::kTitle);
      if (!unit_col && !text_col && kinds[k] != Kind::kDeadline) continue;
      const Kind by_content = Classify(row.cells[k]);
      if (text_col) {
        // Units under a later text column: the row's cells are shifted left.
        if (by_content != Kind::kResponsible && by_content != Kind::kDeadline) continue;
        if (by_content == Kind::kDeadline) {
          kinds[k] = Kind::kDeadline;
          continue;
        }
      }
      if (unit_col && by_content == Kind::kDeadline) kinds[k] = Kind::kDeadline;
      if ((kinds[k] == Kind::kDeadline || text_col) && by_content == Kind::kResponsible) {
        // To the header's last unit column (usually 责任单位).
        for (size_t h = m; h-- > 0;) {
          if (header_[h] == Kind::kLead || header_[h] == Kind::kResponsible ||
              header_[h] == Kind::kLeadAndResponsible) {
            kinds[k] = header_[h];
            break;
          }
        }
      }
    }
  } else if (n == m) {
    kinds = header_;
  } else {
    // Extra cells belong to the first text column: the text export writes
    // the merged 工作任务 heading cells ("一、", "（一）") as cells of their own.
    size_t absorb = 0;
    for (size_t k = 0; k < m; ++k) {
      if (header_[k] == Kind::kText || header_[k] == Kind::kTitle) {
        absorb = k;
        break;
      }
    }
    for (size_t k = 0; k < absorb; ++k) kinds.push_back(header_[k]);
    for (size_t k = 0; k < n - m + 1; ++k) kinds.push_back(header_[absorb]);
    for (size_t k = absorb + 1; k < m; ++k) kinds.push_back(header_[k]);
  }
  return kinds;
}

bool Interpreter::ApplySection(int rank, std::string heading) {
  while (EndsWith(heading, "。")) heading.erase(heading.size() - 3);
  for (const auto& [r, h] : section_) {
    if (r == rank && h == heading) return false;  // repeated on a new page
  }
  while (!section_.empty() && section_.back().first >= rank) section_.pop_back();
  section_.emplace_back(rank, std::move(heading));
  return true;
}

std::vector<std::string> Interpreter::SectionPath() const {
  std::vector<std::string> path;
  for (const auto& [r, h] : section_) path.push_back(h);
  return path;
}

void Interpreter::Doubt(ParsedTask& task, std::string kind) {
  if (std::find(task.doubts.begin(), task.doubts.end(), kind) == task.doubts.end())
    task.doubts.push_back(std::move(kind));
}

ParsedTask& Interpreter::NewTask(int number, int line, const char* found_by) {
  ParsedTask t;
  t.number = number;
  t.section = SectionPath();
  t.source_line = line;
  t.found_by = found_by;
  if (number != expected_) {
    Doubt(t, "number_out_of_sequence");
    number_problems_.push_back(out_.problems.size());
    AddProblem(
        line, "task number " + std::to_string(number) + " where " + std::to_string(expected_) + " was expected",
        "任务序号为" + std::to_string(number) + "，按顺序应为" + std::to_string(expected_) + "，请核对是否漏项或重号");
  }
  if (auto it = seen_numbers_.find(number); it != seen_numbers_.end()) {
    Doubt(t, "number_repeated");
    number_problems_.push_back(out_.problems.size());
    AddProblem(line, "task number " + std::to_string(number) + " already used at line " + std::to_string(it->second),
               "任务序号" + std::to_string(number) + "与第" + std::to_string(it->second) + "行重复");
  } else {
    seen_numbers_.emplace(number, line);
  }
  expected_ = number + 1;
  last_under_[""] = number;
  out_.tasks.push_back(std::move(t));
  return out_.tasks.back();
}

// A task with an outline number (1.2): its number is given when the plan is
// read (NumberOutlineOn); its sequence is checked on the document's numbers,
// parent by parent, headings included (1 财政工作, 1.1, 1.2, 2 …, 2.1).
ParsedTask& Interpreter::NewOutlineTask(const DocNumber& label, int line) {
  ParsedTask t;
  t.section = SectionPath();
  t.source_line = line;
  t.found_by = "number_column";
  const std::string shown = label.Shown();
  t.number_in_document = shown;
  t.numbering = "outline";
  DocNumber parent = label;
  parent.parts.pop_back();
  int& last = last_under_[parent.Label()];
  if (label.parts.back() != last + 1) {
    DocNumber want = parent;
    want.parts.push_back(last + 1);
    Doubt(t, "number_out_of_sequence");
    AddProblem(line, "task number " + shown + " where " + want.Shown() + " was expected",
               "任务序号为" + shown + "，按顺序应为" + want.Shown() + "，请核对是否漏项或重号");
  }
  last = label.parts.back();
  if (auto [it, fresh] = outline_seen_.emplace(label.Label(), line); !fresh) {
    Doubt(t, "number_repeated");
    AddProblem(line, "task number " + shown + " already used at line " + std::to_string(it->second),
               "任务序号" + shown + "与第" + std::to_string(it->second) + "行重复");
  }
  out_.tasks.push_back(std::move(t));
  return out_.tasks.back();
}

// 1 | 财政工作 (no unit, no date) over 1.1, 1.2: the row above was the heading
// of the tasks numbered under it, not a task. Its task and what its row said
// of it are taken back, and it becomes the section (ranked below （一）).
bool Interpreter::OutlineParentIsHeading(const std::optional<NumberedRow>& above, const DocNumber& label) {
  const DocNumber parent{std::vector<int>(label.parts.begin(), label.parts.end() - 1)};
  if (!above || !above->bare || above->label != parent.Label() || out_.tasks.empty()) return false;
  const ParsedTask t = std::move(out_.tasks.back());
  out_.tasks.pop_back();
  const auto begin = static_cast<std::ptrdiff_t>(above->problems_begin);
  out_.problems.erase(out_.problems.begin() + begin, out_.problems.end());
  std::erase_if(number_problems_, [&](size_t i) { return i >= above->problems_begin; });
  const std::string words = !t.content.empty() ? t.content : t.title;
  const std::string heading = parent.Label() + (words.empty() ? "" : " " + words);
  ApplySection(kOutlineRank - 1 + static_cast<int>(parent.parts.size()), heading);
  const std::string h = text::Prefix(heading, 30), first = label.Shown();
  AddProblem(t.source_line,
             "row '" + h + "' has tasks numbered under it (" + first +
                 "…) and no unit or date of its own: read as their section heading",
             "“" + h + "”下有分级编号的任务（" + first + "等），本行没有单位和时限，已作为这些任务所属部分的标题");
  return true;
}

// Outline headings (1 财政工作, 1.1 预算管理) hold the rows numbered under
// them: a row numbered otherwise (2, 2.1 with no 2 row, 1.2 after 1.1's
// heading) closes each one its number is not under. True when one closed.
bool Interpreter::CloseOutlineSections(const DocNumber& label) {
  bool closed = false;
  while (!section_.empty() && section_.back().first >= kOutlineRank) {
    const std::string& h = section_.back().second;
    const auto heading = NumberCell(std::string_view(h).substr(0, h.find(' ')));
    if (heading && heading->parts.size() < label.parts.size() &&
        std::equal(heading->parts.begin(), heading->parts.end(), label.parts.begin()))
      break;
    section_.pop_back();
    closed = true;
  }
  return closed;
}

Interpreter::RowCells Interpreter::SortCells(const Row& row) const {
  const std::vector<Kind> kinds = KindsFor(row);
  RowCells cells;
  cells.cell_count = static_cast<int>(row.cells.size());
  for (size_t k = 0; k < row.cells.size() && k < kinds.size(); ++k) {
    const Cell* c = &row.cells[k];
    switch (kinds[k]) {
      case Kind::kNumber:
        cells.number = c;
        break;
      case Kind::kTitle:
        if (title_column_)
          cells.title = c;
        else
          cells.text.push_back(c);
        break;
      case Kind::kText:
        cells.text.push_back(c);
        break;
      case Kind::kLead:
        cells.lead.push_back(c);
        cells.unit_cell = true;
        break;
      case Kind::kResponsible:
        cells.resp.push_back(c);
        cells.unit_cell = true;
        break;
      case Kind::kLeadAndResponsible:
        cells.both.push_back(c);
        cells.unit_cell = true;
        break;
      case Kind::kDeadline:
        cells.deadline.push_back(c);
        cells.deadline_cell = true;
        break;
      case Kind::kOther:
      case Kind::kEmpty:
        break;
    }
  }
  // A date or deadline under a unit column ("2021年" of a deadline wrapped
  // onto two lines, cells shifted by one): units it cannot be.
  for (const auto* v : {&cells.lead, &cells.resp, &cells.both}) {
    for (const Cell* c : *v) {
      if (c->Empty()) continue;
      const std::string t = c->Joined();
      if (std::isdigit(static_cast<unsigned char>(t[0])) || Classify(*c) == Kind::kDeadline)
        cells.unplaced.push_back(c);
    }
  }
  // More cells than the header: KindsFor gave the extras to the text column.
  // Headings written as cells of their own (chengzihe's 工作任务) belong
  // there; so does the first text cell. A further plain cell after the
  // task's text may as well be a unit or deadline wrapped onto a line of
  // its own (a one-cell-per-line export): doubtful.
  if (!header_.empty() && row.cells.size() > header_.size()) {
    bool text_seen = false;
    for (const Cell* c : cells.text) {
      if (c->Empty()) continue;
      const std::string t = c->Joined();
      if (HeadingRank(t) && !text_seen) continue;
      if (!text_seen) {
        text_seen = true;
        continue;
      }
      if (ParseTaskNumber(t, 0, expected_, true)) continue;  // several tasks, one per cell
      cells.unplaced.push_back(c);
    }
  }
  return cells;
}

// A whole cell that is a section heading (in the number or title column).
bool Interpreter::TakeHeading(const Cell* c, bool& section_changed) {
  if (!c) return false;
  const std::string t = c->Joined();
  if (auto r = HeadingRank(t)) {
    section_changed = ApplySection(*r, t) || section_changed;
    return true;
  }
  return false;
}

// One line of a text cell: a heading (at a cell's start, or short and without
// a full stop), else text cut into pieces at task numbers: one at the line
// start, further ones after a sentence end.
void Interpreter::SplitLine(const std::string& t, int line, int row_number, bool& task_in_cell,
                            std::vector<Piece>& pieces) {
  size_t content_at = 0;
  std::optional<int> num;
  if (row_number == 0) {
    // Out-of-sequence numbers are believed only where a cell starts.
    if (auto ts = ParseTaskNumber(t, 0, expected_, !task_in_cell)) {
      num = ts->number;
      content_at = ts->content_at;
      expected_ = ts->number + 1;  // so the scan below looks for the next one
      task_in_cell = true;
    }
  }
  size_t seg_start = content_at;
  size_t i = content_at;
  while (row_number == 0 && i < t.size()) {
    const char32_t ch = text::Next(t, i);
    if (!IsSentenceEnd(ch) || !task_in_cell) continue;
    size_t j = i;
    while (j < t.size() && (t[j] == ' ')) ++j;
    if (auto ts = ParseTaskNumber(t, j, expected_, false)) {
      // Accept only with an explicit separator (checked: no-dot form needs expected too).
      pieces.push_back({num, t.substr(seg_start, j - seg_start), line});
      num = ts->number;
      expected_ = ts->number + 1;
      seg_start = ts->content_at;
      i = ts->content_at;
    }
  }
  pieces.push_back({num, t.substr(std::min(seg_start, t.size())), line});
}

// Text cells: headings are whole lines at the start of a cell; the rest is
// cut into pieces at task numbers (none when the row has a 序号 number).
std::vector<Interpreter::Piece> Interpreter::SplitIntoPieces(const std::vector<const Cell*>& text_cells, int row_number,
                                                             bool& section_changed) {
  std::vector<Piece> pieces;
  std::vector<Piece> headings;
  const auto section_before = section_;
  const bool changed_before = section_changed;
  const int expected_before = expected_;
  for (const Cell* c : text_cells) {
    bool task_in_cell = false;
    for (const auto& cl : c->lines) {
      const std::string t = Trim(cl.text);
      if (t.empty()) continue;
      if (auto r = HeadingRank(t)) {
        if (!task_in_cell || (CodePoints(t) <= 40 && t.find("。") == std::string::npos)) {
          section_changed = ApplySection(*r, t) || section_changed;
          headings.push_back({std::nullopt, t, cl.line});
          continue;
        }
      }
      SplitLine(t, cl.line, row_number, task_in_cell, pieces);
    }
  }
  // A numbered row whose only text reads as a heading (1 | （一）加强预算管理):
  // the task's words, not a section over a task with none.
  if (row_number > 0 && !headings.empty() &&
      std::all_of(pieces.begin(), pieces.end(), [](const Piece& p) { return Trim(p.text).empty(); })) {
    section_ = section_before;
    section_changed = changed_before;
    pieces = std::move(headings);
  }
  // The scan advanced expected_ to find following numbers; NewTask re-checks
  // each number against the sequence as it stood before this row.
  expected_ = expected_before;
  return pieces;
}

// Merged cells: a column empty in this row inherits from the row above,
// unless this row opens a new section.
void Interpreter::Inherit(const RowCells& cells, bool section_changed, bool title_is_heading) {
  if (section_changed) inh_ = Inherited{};
  auto parse_units = [&](const std::vector<const Cell*>& from, UnitRole role, UnitAssignment& slot,
                         int* slot_line = nullptr) {
    bool any = false;
    bool known_empty = !from.empty();
    UnitAssignment merged;
    for (const Cell* c : from) {
      known_empty = known_empty && c->Empty() && c->known_empty;
      if (c->Empty()) continue;
      any = true;
      UnitAssignment a = ParseUnitCell(c->lines, role, dir_);
      ReportUnknownUnits(a.unknown, dir_, out_);
      AppendUnique(merged.lead, a.lead);
      AppendUnique(merged.responsible, a.responsible);
    }
    if (any || known_empty) slot = std::move(merged);
    if (any && slot_line) slot_line[0] = from.front()->line;
  };
  parse_units(cells.lead, UnitRole::kLead, inh_.lead_col, &inh_.lead_line);
  parse_units(cells.resp, UnitRole::kResponsible, inh_.resp_col, &inh_.resp_line);
  // One column for both roles: its role words decide; with none, the unit
  // named first leads (the order such a column is written in).
  UnitAssignment both;
  parse_units(cells.both, UnitRole::kLead, both);
  if (!both.empty()) {
    inh_.lead_line = cells.both.front()->line;
    if (both.responsible.empty() && both.lead.size() > 1) {
      both.responsible.assign(both.lead.begin() + 1, both.lead.end());
      both.lead.resize(1);
    }
    inh_.lead_col = std::move(both);
  }
  // The line of the row's first unit cell, for the problem of a row that borrows them.
  int units_line = 0;
  for (const auto* v : {&cells.lead, &cells.resp, &cells.both})
    for (const Cell* c : *v)
      if (!c->Empty() && (units_line == 0 || c->line < units_line)) units_line = c->line;
  if (units_line > 0) inh_.units_line = units_line;
  std::string d;
  for (const Cell* c : cells.deadline) AppendText(d, c->Joined());
  const bool deadline_known_empty =
      !cells.deadline.empty() &&
      std::all_of(cells.deadline.begin(), cells.deadline.end(), [](const Cell* c) { return c->known_empty; });
  if (!d.empty() || deadline_known_empty) {
    inh_.deadline = d;
    inh_.deadline_line = cells.deadline.front()->line;
  }
  if (cells.title && !title_is_heading && (!cells.title->Empty() || cells.title->known_empty))
    inh_.title = cells.title->Joined();
}

// The units a task of this row takes: both unit columns' lead and responsible names.
UnitAssignment Interpreter::InheritedUnits() const {
  UnitAssignment u;
  AppendUnique(u.lead, inh_.lead_col.lead);
  AppendUnique(u.lead, inh_.resp_col.lead);
  AppendUnique(u.responsible, inh_.lead_col.responsible);
  AppendUnique(u.responsible, inh_.resp_col.responsible);
  return u;
}

// The task takes its row's units and deadline, or those of the row above
// (a merged cell). It records where they came from; when its row has no
// unit or deadline cell at all (shorter than the header, or a line standing
// alone), taking another row's is a guess the office must check: a doubt
// and a problem, never silence.
// A row of units (and maybe a date) with no number and no text under a
// task: the task's 序号 and 工作任务 cells merged over two rows, the second
// naming more units. They join the task above, which is doubtful, and a
// problem names them, with a date of their own the task does not take
// (the office sets it after the import). Before, the row was dropped and
// nothing said.
// The row's units (or those its merged cells carry) join the task above,
// doubted as `doubt`; the row's own date when it is not the task's, else "".
std::string Interpreter::JoinUnitsToTaskAbove(const RowCells& cells, const char* doubt) {
  ParsedTask& above = out_.tasks.back();
  const UnitAssignment u = InheritedUnits();
  AppendUnique(above.lead_units, u.lead);
  AppendUnique(above.responsible_units, u.responsible);
  Doubt(above, doubt);
  std::string own_date;
  for (const Cell* c : cells.deadline)
    if (!c->Empty()) own_date = std::string(Trim(c->Joined()));
  return own_date == above.deadline.text ? std::string() : own_date;
}

bool Interpreter::AddUnitsToTaskAbove(const RowCells& cells, const std::vector<Piece>& pieces) {
  if (out_.tasks.empty() || (cells.number && !cells.number->Empty())) return false;
  for (const Piece& p : pieces)
    if (p.number || !Trim(p.text).empty()) return false;
  std::string names;
  int line = 0;
  for (const auto* v : {&cells.lead, &cells.resp, &cells.both})
    for (const Cell* c : *v)
      if (!c->Empty()) {
        names += (names.empty() ? "" : "、") + std::string(Trim(c->Joined()));
        if (!line) line = c->line;
      }
  if (names.empty()) return false;
  ParsedTask& above = out_.tasks.back();
  const std::string own_date = JoinUnitsToTaskAbove(cells, "units_from_row_below");
  const std::string n = Name(above), who = text::Prefix(names, 30);
  const bool other_date = !own_date.empty();
  AddProblem(line,
             "a row with units (" + who + ") but no number or text, under task " + n +
                 " (its cells merged over two rows?): they are added to task " + n +
                 (other_date ? "; their own date '" + own_date + "' is not the task's: set it after the import" : ""),
             "该行只有单位（" + who + "），没有序号和任务内容，位于第" + n +
                 "项任务之下（是否为跨两行的合并单元格？），已并入第" + n + "项任务" +
                 (other_date ? "；该行时限“" + own_date + "”与任务时限不同，请导入后另行设定" : ""));
  return true;
}

void Interpreter::Fill(ParsedTask& task, const RowCells& cells) {
  const UnitAssignment u = InheritedUnits();
  AppendUnique(task.lead_units, u.lead);
  AppendUnique(task.responsible_units, u.responsible);
  task.deadline.text = inh_.deadline;
  const std::string n = Name(task);
  if (!u.empty()) {
    if (AnyFilled({&cells.lead, &cells.resp, &cells.both})) {
      task.units_from = "row";
    } else if (cells.unit_cell) {
      task.units_from = "merged_cell";
    } else {
      task.units_from = "other_row";
      Doubt(task, "units_from_other_row");
      const std::string from = std::to_string(inh_.units_line);
      AddProblem(task.source_line,
                 "task " + n + " has no unit cell in its row; the units of line " + from +
                     " would be carried over: check the row's cells",
                 "第" + n + "项任务所在行没有单位单元格，将沿用第" + from + "行的单位，请核对该行各单元格");
    }
  }
  // Without a header every cell is classified by content, so a row without
  // a deadline cell is as doubtful as one shorter than the header.
  if (!inh_.deadline.empty() && !cells.deadline_cell && (has_deadline_col_ || header_.empty())) {
    Doubt(task, "deadline_from_other_row");
    const std::string from = std::to_string(inh_.deadline_line);
    AddProblem(task.source_line,
               "task " + n + " has no deadline cell in its row; the deadline of line " + from +
                   " would be carried over: check the row's cells",
               "第" + n + "项任务所在行没有时限单元格，将沿用第" + from + "行的时限，请核对该行各单元格");
  }
  DoubtBlankDelimitedCells(task, cells);
  if (!cells.unplaced.empty()) Doubt(task, "unplaced_cell");
  if (has_deadline_col_ && !cells.deadline_cell && inh_.deadline.empty()) {
    // The row stops before the deadline column: a cell went missing.
    Doubt(task, "no_deadline_cell");
    AddProblem(task.source_line, "task " + n + " has no deadline cell in its row: check the row's cells",
               "第" + n + "项任务所在行没有时限单元格，请核对该行各单元格");
  }
}

// A CSV or TSV file has no merged cells to tell from empty ones: a blank
// unit or deadline cell under a row that has one takes that row's (as a
// sheet with merged cells saves), but a cell left blank on purpose would
// silently give the task another's units. Either way the office checks it.
void Interpreter::DoubtBlankDelimitedCells(ParsedTask& task, const RowCells& cells) {
  if (out_.format != "csv" && out_.format != "tsv") return;
  auto blank = [](const std::vector<const Cell*>& v) {
    return !v.empty() && std::all_of(v.begin(), v.end(), [](const Cell* c) { return c->Empty(); });
  };
  const std::string n = Name(task);
  auto carried = [&](const char* kind, const char* column, const char* column_zh, int from) {
    Doubt(task, kind);
    AddProblem(task.source_line,
               "task " + n + ": its " + column + " cell is blank; the one of line " + std::to_string(from) +
                   " is carried over, as for a merged cell: check it",
               "第" + n + "项任务的" + column_zh + "单元格为空，将沿用第" + std::to_string(from) +
                   "行的内容（按合并单元格处理），请核对");
  };
  const bool lead_blank = cells.both.empty() ? blank(cells.lead) : blank(cells.both);
  const bool resp_blank = blank(cells.resp);
  if (lead_blank && !inh_.lead_col.empty() && inh_.lead_line > 0)
    carried("units_from_row_above", "lead unit", "牵头单位", inh_.lead_line);
  if (resp_blank && !inh_.resp_col.empty() && inh_.resp_line > 0)
    carried("units_from_row_above", "responsible unit", "责任单位", inh_.resp_line);
  if (blank(cells.deadline) && !inh_.deadline.empty())
    carried("deadline_from_row_above", "deadline", "完成时限", inh_.deadline_line);
}

// A row with a 序号 number: one task, its text the row's text cells.
void Interpreter::AddNumberedRow(const RowCells& cells, const DocNumber& label, int row_number,
                                 const std::vector<Piece>& pieces) {
  ParsedTask& task = label.outline() ? NewOutlineTask(label, cells.number->line)
                                     : NewTask(row_number, cells.number->line, "number_column");
  std::string content;
  for (const auto& p : pieces) AppendText(content, p.text);
  // "3" in the number column and "3.…" in the text: drop the repeat.
  if (auto ts = ParseTaskNumber(content, 0, row_number, false); !label.outline() && ts && ts->number == row_number)
    content = Trim(std::string_view(content).substr(ts->content_at));
  task.title = title_column_ ? inh_.title : "";
  task.content = content.empty() ? task.title : content;
  Fill(task, cells);
}

// A row without a 序号 number: a task per numbered piece, text without a
// number continuing the task before it; text before any number, in a row
// with units, is kept as an orphan (see Finish).
void Interpreter::AddTasksFromPieces(const RowCells& cells, std::vector<Piece>& pieces, bool opened_section) {
  // A heading row naming units (二、教育工作 | 市教育局) leads its section:
  // the rows under it with blank unit cells take them, not the task above.
  if (!opened_section && AddUnitsToTaskAbove(cells, pieces)) return;
  bool any_task = false;
  std::string orphan;
  int orphan_line = 0;
  ParsedTask* current = nullptr;
  for (auto& p : pieces) {
    if (p.number) {
      current = &NewTask(*p.number, p.line, "number_in_text");
      current->content = Trim(p.text);
      Fill(*current, cells);
      any_task = true;
    } else if (current) {
      AppendText(current->content, p.text);
    } else {
      if (orphan.empty()) orphan_line = p.line;
      AppendText(orphan, p.text);
    }
  }
  // A note under the table (备注：各县（市、区）参照执行; 说明 in the 序号
  // column) is no task, nor part of one.
  const std::string lead_word = cells.number ? std::string(Trim(cells.number->Joined())) : std::string();
  if (!any_task && (IsNote(lead_word) || IsNote(orphan))) {
    const std::string t = text::Prefix(lead_word.empty() ? orphan : lead_word + " " + orphan, 30);
    AddProblem(orphan_line ? orphan_line : cells.number->line, "note '" + t + "' is not imported (no task)",
               "“" + t + "”为备注说明，未作为任务导入");
    return;
  }
  if (orphan.empty() || any_task) return;
  const bool has_units = !inh_.lead_col.empty() || !inh_.resp_col.empty();
  const bool row_has_units = AnyFilled({&cells.lead, &cells.resp, &cells.both});
  const bool row_has_date = AnyFilled({&cells.deadline});
  // Under a 序号 cell merged down over it (a sheet or a Word table says so):
  // more of the task above, with what it names.
  const bool number_merged = cells.number && cells.number->Empty() && !cells.number->known_empty &&
                             (out_.format == "xlsx" || out_.format == "docx");
  if (number_merged && !out_.tasks.empty()) return JoinTaskAbove(cells, orphan, orphan_line);
  if (!row_has_units && !row_has_date && !header_.empty() &&
      (out_.tasks.empty() || out_.tasks.back().section != SectionPath())) {
    // Under a heading no numbered task follows yet, or before the first
    // task: text that belongs to none (a section's preamble).
    const std::string t = text::Prefix(orphan, 20);
    AddProblem(orphan_line,
               "text '" + t + "' has no task number, unit or date, and no task above it in its section: not imported",
               "“" + t + "”既无任务序号也无单位和时限，其所在部分上方也没有任务，未导入");
    return;
  }
  if (!row_has_units && !row_has_date && !header_.empty() && !out_.tasks.empty()) {
    // Text in the table with neither number, unit nor date: the rest of the
    // task above (a cell broken over rows), or a row whose cells came apart.
    // Which, the importer cannot tell: kept with the task above, doubted.
    ParsedTask& above = out_.tasks.back();
    Doubt(above, "unplaced_cell");
    AppendText(above.content, orphan);
    const std::string t = text::Prefix(orphan, 20), n = Name(above);
    AddProblem(orphan_line,
               "text '" + t + "' has no task number, unit or date; added to task " + n + " above it: check it",
               "“" + t + "”既无任务序号也无单位和时限，已并入上方第" + n + "项任务，请核对");
    return;
  }
  if ((row_has_units && has_units) || row_has_date) {
    Orphan o;
    o.text = orphan;
    o.section = SectionPath();
    o.units = InheritedUnits();
    o.deadline = inh_.deadline;
    o.line = orphan_line;
    orphans_.push_back(std::move(o));
  }
}

// A row under a task whose 序号 cell is merged over it: more of that task.
// Its text and units join the task's; a date of its own the task does not
// take (there is one date per task): said, for the office to set.
void Interpreter::JoinTaskAbove(const RowCells& cells, const std::string& text, int line) {
  ParsedTask& above = out_.tasks.back();
  // A clause of its own: 促进就业；开展培训, not 促进就业开展培训.
  if (!above.content.empty() && !EndsWith(above.content, "。") && !EndsWith(above.content, "；")) above.content += "；";
  AppendText(above.content, text);
  const std::string own_date = JoinUnitsToTaskAbove(cells, "row_below_joined");
  const bool other_date = !own_date.empty();
  const std::string n = Name(above), t = text::Prefix(text, 20);
  AddProblem(line,
             "'" + t + "' is under task " + n + "'s merged 序号 cell: added to task " + n +
                 (other_date ? "; its own date '" + own_date + "' is not the task's: set it after the import" : ""),
             "“" + t + "”位于第" + n + "项任务合并的序号单元格下，已并入第" + n + "项任务" +
                 (other_date ? "；该行时限“" + own_date + "”与任务时限不同，请导入后另行设定" : ""));
}

// A heading split over the 序号 cell and the next (一 | 财政与教育, 一、 |
// …, （一） | …): the row is that heading when it holds nothing else. Only
// Chinese numerals: an Arabic number there is a task's.
std::optional<std::string> Interpreter::SplitHeading(const RowCells& cells) const {
  if (!cells.number) return std::nullopt;
  const std::string n(Trim(cells.number->Joined()));
  if (n.empty() || HeadingRank(n)) return std::nullopt;
  std::string_view digits = n;
  for (std::string_view open : {"（", "("})
    if (StartsWith(digits, open)) digits.remove_prefix(open.size());
  static constexpr std::string_view kNumerals = "一二三四五六七八九十〇零两百";
  size_t at = 0;
  while (at < digits.size() && digits.size() - at >= 3 &&
         kNumerals.find(digits.substr(at, 3)) != std::string_view::npos)
    at += 3;
  if (at == 0) return std::nullopt;
  const std::string_view rest = digits.substr(at);
  if (!(rest.empty() || rest == "、" || rest == "．" || rest == "." || rest == "）" || rest == ")"))
    return std::nullopt;
  for (const auto* v : {&cells.lead, &cells.resp, &cells.both, &cells.deadline})
    for (const Cell* c : *v)
      if (!c->Empty()) return std::nullopt;
  std::string text;
  if (cells.title && !cells.title->Empty()) text = cells.title->Joined();
  for (const Cell* c : cells.text)
    if (text.empty() && !c->Empty()) text = c->Joined();
  if (Trim(text).empty()) return std::nullopt;
  const std::string heading = n + (rest.empty() ? "、" : "") + std::string(Trim(text));
  if (!HeadingRank(heading)) return std::nullopt;
  return heading;
}

void Interpreter::Process(const Row& row) {
  const std::optional<NumberedRow> above = std::exchange(last_row_, std::nullopt);
  const RowCells cells = SortCells(row);
  if (auto heading = SplitHeading(cells)) {
    Inherit(cells, ApplySection(*HeadingRank(*heading), *heading), false);
    return;
  }
  const size_t problems_begin = out_.problems.size();
  // 1. Sections first: a heading in the number, title or text columns, or
  // the row above when this one is numbered under it (1 over 1.1).
  bool section_changed = false;
  const bool number_is_heading = TakeHeading(cells.number, section_changed);
  const bool title_is_heading = TakeHeading(cells.title, section_changed);
  std::optional<DocNumber> label;
  if (cells.number && !number_is_heading) label = NumberCell(cells.number->Joined());
  // （1） ① under a plain number: that number's sub-items (1 财政工作 over （1）, （2）).
  if (label && label->bracketed && last_plain_ > 0) label->parts.insert(label->parts.begin(), last_plain_);
  if (label && !label->outline() && !label->bracketed) last_plain_ = label->parts.front();
  if (label) section_changed = CloseOutlineSections(*label) || section_changed;
  int row_number = 0;
  if (label && label->outline()) {
    section_changed = OutlineParentIsHeading(above, *label) || section_changed;
    row_number = expected_;  // not its number: NumberOutlineOn gives those
  } else if (label) {
    row_number = label->parts.front();
  }
  std::vector<Piece> pieces = SplitIntoPieces(cells.text, row_number, section_changed);
  // 2. Merged cells.
  Inherit(cells, section_changed, title_is_heading);
  // 3. Tasks.
  if (row_number > 0) {
    AddNumberedRow(cells, *label, row_number, pieces);
    const bool bare = !AnyFilled({&cells.lead, &cells.resp, &cells.both, &cells.deadline});
    last_row_ = NumberedRow{bare, label->Label(), problems_begin};
  } else {
    AddTasksFromPieces(cells, pieces, section_changed);
  }
  // 4. Cells that fit no column: said at their line, whether or not a task took them.
  for (const Cell* c : cells.unplaced) {
    const std::string t = text::Prefix(c->Joined(), 20);
    const std::string have = std::to_string(cells.cell_count), want = std::to_string(header_.size());
    AddProblem(c->line,
               "cell '" + t + "' could not be placed in a column (the row has " + have + " cells, the header " + want +
                   "); read as task text",
               "单元格“" + t + "”无法对应到列（该行有" + have + "个单元格，表头为" + want +
                   "列），已作为任务内容读入，请核对");
  }
}

// Numbering that starts again at 1 under each section heading (一、1. 2.
// 二、1. 2.) is numbered on through the plan, since a task's number is its
// key: 二、1 becomes the task after the last of 一、, keeps its own number
// (number_in_document), and a problem says so once a section. Only when the
// whole plan reads so: every run 1, 2, 3… in order, each new run starting
// under a new heading. Anything else (一、1 2 3 二、1 5 6: a typo, not a
// restart) keeps the document's numbers and their doubts.
void Interpreter::NumberSectionsOn() {
  std::vector<size_t> run_starts;
  int expected = 1;
  for (size_t i = 0; i < out_.tasks.size(); ++i) {
    const ParsedTask& t = out_.tasks[i];
    if (i > 0 && t.number == 1 && !t.section.empty() && t.section != out_.tasks[i - 1].section) {
      run_starts.push_back(i);
      expected = 1;
    }
    if (t.number != expected++) return;
  }
  if (run_starts.empty()) return;
  for (auto it = number_problems_.rbegin(); it != number_problems_.rend(); ++it)
    out_.problems.erase(out_.problems.begin() + static_cast<std::ptrdiff_t>(*it));
  number_problems_.clear();
  size_t next_run = 0;
  int base = 0;
  for (size_t i = 0; i < out_.tasks.size(); ++i) {
    ParsedTask& t = out_.tasks[i];
    std::erase(t.doubts, "number_out_of_sequence");
    std::erase(t.doubts, "number_repeated");
    if (next_run < run_starts.size() && run_starts[next_run] == i) {
      base = static_cast<int>(i);
      ++next_run;
      const std::string first = std::to_string(base + 1);
      AddProblem(t.source_line,
                 "numbering starts again at 1 under '" + t.section.back() +
                     "': numbered on through the plan, its 1 is task " + first,
                 "“" + t.section.back() + "”下的序号从1重新编起：导入时全方案连续编号，该部分第1项为第" + first + "项");
    }
    if (base > 0) {
      t.number_in_document = std::to_string(t.number);
      t.numbering = "section";
      t.number += base;
    }
  }
}

// Outline numbers (1.1, 1.2, 2.1…) are no numbers a task can be kept
// under: such a plan is numbered on through, every task in order, the
// document's number kept for the preview (its sequence was checked as read,
// NewOutlineTask) and said once.
void Interpreter::NumberOutlineOn() {
  const auto first =
      std::find_if(out_.tasks.begin(), out_.tasks.end(), [](const ParsedTask& t) { return t.numbering == "outline"; });
  if (first == out_.tasks.end()) return;
  const std::string label = first->number_in_document;
  const std::string n = std::to_string(first - out_.tasks.begin() + 1);
  AddProblem(first->source_line,
             "outline numbering (" + label + "…): numbered on through the plan, its " + label + " is task " + n,
             "序号为分级编号（" + label + "等）：导入时全方案连续编号，其" + label + "为第" + n + "项");
  int number = 0;
  for (ParsedTask& t : out_.tasks) {
    const std::string in_document = t.number_in_document.empty() ? std::to_string(t.number) : t.number_in_document;
    t.number = ++number;
    const bool same = in_document == std::to_string(number);
    t.number_in_document = same ? "" : in_document;
    t.numbering = same ? "" : "outline";
  }
}

std::string Interpreter::Name(const ParsedTask& t) {
  return t.number_in_document.empty() ? std::to_string(t.number) : t.number_in_document;
}

void Interpreter::Finish() {
  if (std::any_of(out_.tasks.begin(), out_.tasks.end(), [](const ParsedTask& t) { return t.numbering == "outline"; }))
    NumberOutlineOn();
  else
    NumberSectionsOn();
  if (out_.tasks.empty() && !orphans_.empty()) {
    // No task carries a number: take each row with units as a task, in order.
    AddProblem(0,
               "no numbered tasks found; " + std::to_string(orphans_.size()) +
                   " rows with units taken as tasks numbered in order",
               "未找到带序号的任务，已将" + std::to_string(orphans_.size()) + "行写有单位的内容按顺序编号为任务");
    int n = 0;
    for (auto& o : orphans_) {
      ParsedTask t;
      t.number = ++n;
      t.section = o.section;
      t.content = o.text;
      t.lead_units = o.units.lead;
      t.responsible_units = o.units.responsible;
      t.deadline.text = o.deadline;
      t.source_line = o.line;
      t.found_by = "row_order";
      t.units_from = "row";
      out_.tasks.push_back(std::move(t));
    }
  } else if (!orphans_.empty()) {
    // Imported without them, their work would be no one's, and a preview's
    // warning is easily passed over: refused until the file numbers them.
    for (const auto& o : orphans_) {
      AddProblem(o.line, "work with units or a date but no task number: '" + text::Prefix(o.text, 30) + "'",
                 "“" + text::Prefix(o.text, 30) + "”写有单位或时限但没有任务序号");
    }
    const Orphan& o = orphans_.front();
    const std::string count = std::to_string(orphans_.size()), line = std::to_string(o.line);
    out_.rows_not_imported =
        Problem{o.line,
                count + " row(s) name work and its units or date but no task number (first at line " + line + ": '" +
                    text::Prefix(o.text, 30) +
                    "'): the import is refused until each has its number in the 序号 column (it cannot be placed, and "
                    "without it that work would be no one's)",
                count + "行写有工作内容及单位或时限但没有任务序号（首见第" + line + "行“" + text::Prefix(o.text, 30) +
                    "”）：无法归入任务，不予导入，请在序号列为其编号后再导入（否则这些工作将无人承担）"};
    out_.problems.push_back(*out_.rows_not_imported);
  }
}

}  // namespace duban::plan_import::table
