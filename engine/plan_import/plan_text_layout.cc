// The text export of a plan's table: a tab starts a cell, a line without one
// continues the open cell, blank lines separate rows (or several cells stand
// on one line). Lines become items, items cells, cells rows (see plan_table.h).
// Two other exports are read too (issue 16): no tab at all, every line a cell
// (PromoteLinesToCells), and rows not apart by blank lines, started by
// content (MarkRowsByContent); the interpreter marks their doubtful rows.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "plan_table.h"
#include "text_util.h"

namespace duban::plan_import::table {

namespace {

using text::CodePoints;
using text::EndsWith;
using text::StartsWith;
using text::Trim;

// Page furniture: "- 3 -", "— 3 —", "第3页", "第 3 页 共 9 页", a bare page number.
bool IsPageNumber(std::string_view raw) {
  const std::string s = text::StripSpaces(raw);
  if (s.empty() || s.size() > 40) return false;
  bool digit = false;
  size_t i = 0;
  while (i < s.size()) {
    const char32_t c = text::Next(s, i);
    if ((c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19))
      digit = true;
    else if (c == '-' || c == U'—' || c == U'－' || c == U'–' || c == U'第' || c == U'页' || c == U'共' || c == '/' ||
             c == U'／')
      continue;
    else
      return false;
  }
  return digit;
}

bool IsTrailerMarker(std::string_view raw) {
  const std::string s = text::StripSpaces(raw);
  for (std::string_view p : {"填报单位", "填报人", "填报日期", "联系方式", "联系电话", "审核人"}) {
    if (StartsWith(s, p)) return true;
  }
  if (CodePoints(s) <= 40 && (EndsWith(s, "工作台账") || EndsWith(s, "台账表"))) return true;
  // "附件2": the start of another attachment after the table.
  if (StartsWith(s, "附件") && CodePoints(s) <= 6) return true;
  return false;
}

struct Item {
  enum Type { kFree, kCell, kBlank } type = kBlank;
  std::string text;
  int line = 0;
  bool after_blank = false;
  bool multi = false;       // one of several cells on its line
  bool line_start = false;  // the first cell on its line
};

std::vector<Item> Tokenize(const std::vector<Line>& lines) {
  std::vector<Item> items;
  bool blank_before = false;
  for (const auto& l : lines) {
    if (Trim(l.text).empty() && l.text.find('\t') == std::string::npos) {
      items.push_back({Item::kBlank, "", l.no, false, false, false});
      blank_before = true;
      continue;
    }
    // A line of only tabs is a row of empty cells (merged cells).
    const size_t tabs = static_cast<size_t>(std::count(l.text.begin(), l.text.end(), '\t'));
    if (tabs == 0) {
      items.push_back({Item::kFree, l.text, l.no, blank_before, false, false});
    } else {
      size_t start = 0;
      bool first = true;
      size_t pieces = 0;
      std::vector<std::string> parts;
      while (true) {
        const size_t tab = l.text.find('\t', start);
        parts.push_back(l.text.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
        if (tab == std::string::npos) break;
        start = tab + 1;
      }
      pieces = parts.size();
      // parts[0] is the text before the first tab: a continuation of the open cell.
      if (!Trim(parts[0]).empty()) items.push_back({Item::kFree, parts[0], l.no, blank_before, false, false});
      for (size_t k = 1; k < parts.size(); ++k) {
        items.push_back({Item::kCell, parts[k], l.no, first && blank_before, pieces > 2, first});
        first = false;
      }
    }
    blank_before = false;
  }
  return items;
}

// Finds the header run in the text-export items: consecutive cells, each a
// header word (a cell may continue over free lines: "任务" + "名称").
// `lines_are_cells`: a header word wrapped over two lines is two cells
// ("任务" "名称", "时间" "节点"); two cells that together make a listed header
// word are one.
bool FindTextHeader(const std::vector<Item>& items, size_t& begin, size_t& end, std::vector<Kind>& kinds,
                    bool lines_are_cells) {
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].type != Item::kCell) continue;
    std::vector<Kind> ks;
    size_t j = i;
    while (j < items.size()) {
      if (items[j].type == Item::kBlank) {
        ++j;
        continue;
      }
      if (items[j].type != Item::kCell) break;
      std::string t = items[j].text;
      size_t k = j + 1;
      while (k < items.size() && items[k].type == Item::kFree) t += Trim(items[k].text), ++k;
      if (lines_are_cells) {
        size_t n = k;
        while (n < items.size() && items[n].type == Item::kBlank) ++n;
        if (n < items.size() && items[n].type == Item::kCell && n == k && IsListedHeaderWord(t + Trim(items[n].text))) {
          t += Trim(items[n].text);
          k = n + 1;
        }
      }
      const auto kind = HeaderKind(t);
      if (!kind) break;
      ks.push_back(*kind);
      j = k;
    }
    if (ks.size() >= 2) {
      begin = i;
      end = j;
      kinds = std::move(ks);
      return true;
    }
  }
  return false;
}

// A row starts at a cell after a blank line, or at the first of several
// cells on one line (the several-cells-per-line export).
bool StartsRow(const Item& it) { return it.after_blank || (it.line_start && it.multi); }

// An export without a single tab (each cell on a line of its own, rows
// apart by blank lines): every line is a cell. Only taken when the header
// is then found, so a plan in prose keeps its lines as rows.
bool PromoteLinesToCells(std::vector<Item>& items) {
  if (std::any_of(items.begin(), items.end(), [](const Item& it) { return it.type == Item::kCell; })) return false;
  std::vector<Item> promoted = items;
  std::string title;  // the first line, spaces removed
  size_t title_at = 0;
  for (; title_at < items.size(); ++title_at) {
    if (items[title_at].type == Item::kFree) {
      title = text::StripSpaces(items[title_at].text);
      break;
    }
  }
  for (size_t k = 0; k < promoted.size(); ++k) {
    Item& it = promoted[k];
    if (it.type != Item::kFree) continue;
    // Page furniture stays free lines for AddFreeLine to drop or put in the
    // trailer: a bare date (the signature), a page number ("- 3 -"; a bare
    // number may be a 序号 cell), the title
    // repeated at the top of a page (not the title line itself).
    const std::string key = text::StripSpaces(it.text);
    if (DateLine(it.text) || (IsPageNumber(it.text) && !BareNumber(it.text)) ||
        (k != title_at && key.size() >= 12 && title.size() >= 12 && StartsWith(title, key)))
      continue;
    it.type = Item::kCell;
    it.line_start = true;
    it.multi = false;
  }
  size_t b = 0, e = 0;
  std::vector<Kind> kinds;
  if (!FindTextHeader(promoted, b, e, kinds, true)) return false;
  items = std::move(promoted);
  return true;
}

// A cell that can only open a row, by the first column's kind: a bare
// number under 序号; a section heading or "12." under a text column.
// `expected`, the number after the last one seen, lets "31.2021年底前" be
// task 31 (an amount like "1.5亿元" is not).
bool OpensRowByContent(const std::string& t, Kind first_column, int& expected) {
  if (t.empty()) return false;
  if (HeadingRank(t)) return true;
  if (first_column == Kind::kNumber) {
    const auto n = BareNumber(t);
    if (n) expected = *n + 1;
    return n.has_value();
  }
  if (first_column == Kind::kText || first_column == Kind::kTitle) {
    const auto ts = ParseTaskNumber(t, 0, expected, true);
    if (ts) expected = ts->number + 1;
    return ts.has_value();
  }
  return false;
}

// Rows not apart by blank lines (one cell per line throughout): without
// help every cell would run into one row, and each task take the last
// task's units. When the blank lines (or lines of several cells) that start
// rows are fewer than half the cells that can only open a row
// (OpensRowByContent: task numbers, headings) — at most a page break here
// and there — they are not what ends rows: rows start at those cells
// instead, and rows that then have too few or too many cells are marked
// doubtful by the interpreter. (In the samples' layout every task's row
// starts after a blank line.) Returns whether rows were found this way.
bool MarkRowsByContent(std::vector<Item>& items, size_t table_begin, const std::vector<Kind>& header) {
  if (header.size() < 2) return false;
  size_t cells = 0, starts = 0, openers = 0;
  int expected_probe = 1;
  for (size_t k = table_begin; k < items.size(); ++k) {
    if (items[k].type != Item::kCell) continue;
    if (cells > 0 && StartsRow(items[k])) ++starts;
    if (OpensRowByContent(Trim(items[k].text), header.front(), expected_probe)) ++openers;
    ++cells;
  }
  if (cells <= header.size() || openers < 2 || 2 * starts >= openers) return false;
  for (size_t k = table_begin; k < items.size(); ++k) items[k].after_blank = false;
  // A task's text may stand in a later column than the first (shaoguan:
  // 工作任务 holds headings, 具体工作事项 the tasks); the empty cells before
  // it, up to that column, are the new row's, not the row above's.
  size_t lead_in = 0;
  while (lead_in + 1 < header.size() && (header[lead_in + 1] == Kind::kText || header[lead_in + 1] == Kind::kTitle) &&
         (header[lead_in] == Kind::kText || header[lead_in] == Kind::kTitle))
    ++lead_in;
  bool any = false;
  int expected = 1;
  std::vector<size_t> empties;  // the cells just before k that are empty
  for (size_t k = table_begin; k < items.size(); ++k) {
    if (items[k].type != Item::kCell) continue;
    const std::string t = Trim(items[k].text);
    if (OpensRowByContent(t, header.front(), expected)) {
      size_t start = k;
      const bool is_task = !HeadingRank(t);
      for (size_t b = 0; is_task && b < lead_in && b < empties.size(); ++b) start = empties[empties.size() - 1 - b];
      items[start].after_blank = any = true;
    }
    if (t.empty()) {
      empties.push_back(k);
    } else {
      empties.clear();
    }
  }
  return any;
}

// Where the table starts: after the header run, else (no header) at the first
// heading or task number 1. Sets lay.header and the preamble (the lines before).
size_t FindTableStart(const std::vector<Item>& items, bool lines_are_cells, Layout& lay, std::vector<Problem>& problems,
                      bool& has_header) {
  size_t hb = 0, he = 0;
  std::vector<Kind> kinds;
  has_header = FindTextHeader(items, hb, he, kinds, lines_are_cells);
  if (has_header) {
    lay.header = kinds;
    lay.header_line = items[hb].line;
    for (size_t i = 0; i < hb; ++i) {
      if (items[i].type == Item::kBlank) continue;
      lay.preamble.push_back(Trim(items[i].text));
      lay.preamble_lines.push_back(items[i].line);
    }
    return he;
  }
  problems.push_back({0, "no header row found (序号/工作任务/牵头单位/责任单位/完成时限…); columns read from content",
                      "未找到表头行（序号/工作任务/牵头单位/责任单位/完成时限…），已按内容判断各列"});
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].type == Item::kBlank) continue;
    const std::string t = Trim(items[i].text);
    auto ts = ParseTaskNumber(t, 0, 1, false);
    if (HeadingRank(t) || (ts && ts->number == 1)) return i;
    lay.preamble.push_back(t);
    lay.preamble_lines.push_back(items[i].line);
  }
  return items.size();
}

// Row width: the most common run of cells between row starts (the header
// may undercount when a column is split into heading cells, as in
// chengzihe's 工作任务). Needed before cells are built, to tell a line that
// continues a cell from one standing outside the table.
size_t RowWidth(const std::vector<Item>& items, size_t table_begin, size_t header_width) {
  size_t width = header_width;
  std::map<size_t, size_t> freq;
  size_t run = 0;
  for (size_t k = table_begin; k < items.size(); ++k) {
    if (items[k].type != Item::kCell) continue;
    if (StartsRow(items[k]) && run > 0) {
      if (run >= 2) ++freq[run];
      run = 0;
    }
    ++run;
  }
  if (run >= 2) ++freq[run];
  size_t best = 0;
  for (auto [size, count] : freq) {
    if (count >= best) {
      best = count;
      width = size;
    }
  }
  if (width < header_width) width = header_width;
  if (width == 0) width = 1;
  return width;
}

// Runs of cells between row starts; `open` is the run being built.
struct Segments {
  std::vector<std::vector<Cell>> done;
  std::vector<Cell> open;
  void Close() {
    if (!open.empty()) done.push_back(std::move(open));
    open.clear();
  }
};

// What the free-line rules need to know about the table.
struct TableShape {
  bool has_header = false;
  size_t width = 1;
  std::string title_guess;  // the first preamble line, spaces removed
};

// A line without a tab (`t`: its text trimmed): page furniture (dropped), a
// line outside the table (trailer), a row of its own (no header), or the
// continuation of the open cell. Returns whether it was table content.
bool AddFreeLine(const Item& it, const std::string& t, const TableShape& shape, Segments& segs, Layout& lay) {
  const std::string key = text::StripSpaces(t);
  if (IsPageNumber(t)) return false;
  // After a blank line, a complete row cannot continue: the line stands
  // outside the table (a signature, a note); so does a bare date.
  if (shape.has_header && ((it.after_blank && segs.open.size() >= shape.width) || DateLine(t))) {
    lay.trailer.push_back(t);
    lay.trailer_lines.push_back(it.line);
    return false;
  }
  const std::string& title_guess = shape.title_guess;
  if (title_guess.size() >= 12 && key.size() >= 12 && StartsWith(title_guess, key)) return false;
  if (!shape.has_header) {
    // Without a header every free line is a row of its own.
    segs.Close();
    Cell c;
    c.line = it.line;
    c.lines.push_back({it.text, it.line});
    segs.open.push_back(std::move(c));
    segs.Close();
    return true;
  }
  if (segs.open.empty()) {
    Cell c;
    c.line = it.line;
    c.after_blank = it.after_blank;
    segs.open.push_back(std::move(c));
  }
  segs.open.back().lines.push_back({it.text, it.line});
  return true;
}

// Cells, with free lines as continuations, in segments split at row starts,
// up to the trailer (the ledger form, a signature): its lines go to lay.trailer.
std::vector<std::vector<Cell>> CollectSegments(const std::vector<Item>& items, size_t table_begin,
                                               const TableShape& shape, Layout& lay) {
  Segments segs;
  bool saw_content = false;
  size_t i = table_begin;
  for (; i < items.size(); ++i) {
    const Item& it = items[i];
    if (it.type == Item::kBlank) continue;
    const std::string t = Trim(it.text);
    if (saw_content && IsTrailerMarker(t)) break;
    if (it.type == Item::kFree) {
      if (AddFreeLine(it, t, shape, segs, lay)) saw_content = true;
      continue;
    }
    // A cell.
    if (StartsRow(it)) segs.Close();
    Cell c;
    c.line = it.line;
    c.after_blank = it.after_blank;
    c.lines.push_back({it.text, it.line});
    segs.open.push_back(std::move(c));
    if (!t.empty()) saw_content = true;
  }
  segs.Close();
  for (; i < items.size(); ++i) {
    if (items[i].type == Item::kBlank) continue;
    lay.trailer.push_back(Trim(items[i].text));
    lay.trailer_lines.push_back(items[i].line);
  }
  return std::move(segs.done);
}

// A segment that is short joins the next when together they make a row
// (a blank line inside a cell); one too long is cut into rows at lines
// holding several cells, else every `width` cells.
// `join_short`: false where a blank line (or a task number) surely ends a
// row, so two short rows are never read as one.
std::vector<std::vector<Cell>> SegmentsToRows(std::vector<std::vector<Cell>> segments, size_t width, bool has_header,
                                              bool join_short) {
  std::vector<std::vector<Cell>> rows;
  for (auto& s : segments) {
    if (s.size() > 2 * width) {
      std::vector<Cell> cur;
      int cur_line = -1;
      for (auto& c : s) {
        if (cur.size() >= width && c.line != cur_line) {
          rows.push_back(std::move(cur));
          cur.clear();
        }
        cur_line = c.line;
        cur.push_back(std::move(c));
      }
      if (!cur.empty()) rows.push_back(std::move(cur));
      continue;
    }
    if (join_short && !rows.empty() && rows.back().size() < width && rows.back().size() + s.size() <= width &&
        has_header) {
      for (auto& c : s) rows.back().push_back(std::move(c));
      continue;
    }
    rows.push_back(std::move(s));
  }
  return rows;
}

}  // namespace

void BuildTextLayout(const std::vector<Line>& lines, Layout& lay, std::vector<Problem>& problems) {
  std::vector<Item> items = Tokenize(lines);
  // Without tabs, a blank line is the only thing that can end a row.
  const bool lines_are_cells = PromoteLinesToCells(items);
  TableShape shape;
  const size_t table_begin = FindTableStart(items, lines_are_cells, lay, problems, shape.has_header);
  shape.title_guess = lay.preamble.empty() ? "" : text::StripSpaces(lay.preamble.front());
  const bool rows_by_content = shape.has_header && MarkRowsByContent(items, table_begin, lay.header);
  if (rows_by_content) {
    problems.push_back({lay.header_line,
                        "rows are not separated by blank lines; a row is taken to start at each task number "
                        "or heading (check the tasks marked doubtful)",
                        "各行之间没有空行，已按任务序号或标题分行（请核对标为存疑的任务）"});
  }
  // Rows found by content have the header's width (a run of cells there
  // says nothing about it); elsewhere the most common run decides.
  shape.width = rows_by_content ? lay.header.size() : RowWidth(items, table_begin, lay.header.size());
  std::vector<std::vector<Cell>> rows = SegmentsToRows(CollectSegments(items, table_begin, shape, lay), shape.width,
                                                       shape.has_header, !lines_are_cells && !rows_by_content);
  for (auto& r : rows) {
    // Rows found by content end where the next task starts, so the empty
    // (merged) cells written before it land at this row's end: beyond the
    // header's width they say nothing, and would push its cells out of line.
    while (rows_by_content && r.size() > shape.width && r.back().Empty()) r.pop_back();
    // Repeated header rows on each page are furniture.
    if (IsRepeatedHeader(r)) continue;
    Row row;
    row.line = r.empty() ? 0 : r.front().line;
    row.cells = std::move(r);
    lay.rows.push_back(std::move(row));
  }
}

}  // namespace duban::plan_import::table
