// CSV and TSV: RFC 4180 records into rows (BuildTableLayout, in
// plan_document.cc, finds the header; see plan_table.h).
#include <string>
#include <vector>

#include "plan_table.h"
#include "text_util.h"

namespace duban::plan_import::table {

std::vector<Row> ParseDelimited(const std::string& s, char sep) {
  std::vector<Row> rows;
  Row row;
  Cell cell;
  std::string field;
  int line = 1;
  int field_line = 1;
  bool quoted = false;
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
      if (c == '"') {
        quoted = true;
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
  if (!field.empty() || !row.cells.empty()) end_row();
  return rows;
}

}  // namespace duban::plan_import::table
