// CSV and TSV: RFC 4180 records into rows (BuildTableLayout, in
// plan_document.cc, finds the header; see plan_table.h).
#include <set>
#include <string>
#include <vector>

#include "plan_table.h"
#include "text_util.h"

namespace duban::plan_import::table {

namespace {

// Whether a quoted field that ran over line breaks holds a line shaped like
// a row of the table (a number, then the separator: "2,任务二,…"): its
// opening quote was most likely never meant to be closed where it was.
bool HoldsARow(const std::string& field, char sep) {
  for (size_t nl = field.find('\n'); nl != std::string::npos; nl = field.find('\n', nl + 1)) {
    size_t k = nl + 1;
    while (k < field.size() && field[k] == ' ') ++k;
    const size_t digits = k;
    while (k < field.size() && field[k] >= '0' && field[k] <= '9') ++k;
    if (k > digits && k < field.size() && field[k] == sep) return true;
  }
  return false;
}

// One pass. A quote at a position in `literal` is a character, not the start
// of a quoted field; a quoted field still open at the end sets `*unclosed`
// to the position of its quote (everything after it would be one cell).
std::vector<Row> ParseOnce(const std::string& s, char sep, const std::set<size_t>& literal, size_t* unclosed,
                           int* unclosed_line) {
  std::vector<Row> rows;
  Row row;
  Cell cell;
  std::string field;
  int line = 1;
  int field_line = 1;
  bool quoted = false;
  size_t quote_at = 0;
  bool at_field_start = true;
  auto end_field = [&] {
    Cell c;
    c.line = field_line;
    int l = field_line;
    for (auto& piece : text::SplitLines(field)) {
      c.lines.push_back({text::StripMarkup(piece), l});
      ++l;
    }
    row.cells.push_back(std::move(c));
    field.clear();
    at_field_start = true;
  };
  auto end_row = [&] {
    end_field();
    row.line = row.cells.empty() ? line : row.cells.front().line;
    bool all_empty = true;
    for (const auto& c : row.cells) all_empty = all_empty && c.Empty();
    if (!all_empty) rows.push_back(std::move(row));
    row = Row{};
  };
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (at_field_start) {
      field_line = line;
      at_field_start = false;
      if (c == '"' && !literal.count(i)) {
        quoted = true;
        quote_at = i;
        continue;
      }
    }
    if (quoted) {
      if (c == '"') {
        if (i + 1 < s.size() && s[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
          if (HoldsARow(field, sep) && *unclosed == std::string::npos) {
            *unclosed = quote_at;
            *unclosed_line = field_line;
          }
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
      continue;
    }
    if (c == sep) {
      end_field();
    } else if (c == '\n') {
      end_row();
      ++line;
    } else {
      field.push_back(c);
    }
  }
  if (quoted && *unclosed == std::string::npos) {
    *unclosed = quote_at;
    *unclosed_line = field_line;
  }
  if (!field.empty() || !row.cells.empty()) end_row();
  return rows;
}

}  // namespace

std::vector<Row> ParseDelimited(const std::string& s, char sep, std::vector<Problem>* problems) {
  std::set<size_t> literal;
  for (;;) {
    size_t unclosed = std::string::npos;
    int line = 0;
    std::vector<Row> rows = ParseOnce(s, sep, literal, &unclosed, &line);
    // Each pass reads the whole file: a few stray quotes are mended, a file
    // full of them is not a table (and must not cost a pass per quote).
    constexpr size_t kMaxMended = 16;
    if (unclosed == std::string::npos || literal.size() == kMaxMended) return rows;
    // A quote never closed, or closed only after lines shaped like rows,
    // would make them one cell, their tasks lost: it is read as a
    // character instead, and said.
    literal.insert(unclosed);
    if (problems)
      problems->push_back({line,
                           "a cell opens with a quote (\") that is not closed before the next rows (or at all): the "
                           "quote is read as a character (check the cell; a quote inside a cell is written \"\")",
                           "单元格以引号（\"）开头但未在本行闭合：已将该引号按普通字符读取，请核对该单元格"});
  }
}

}  // namespace duban::plan_import::table
