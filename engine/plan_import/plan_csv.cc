// CSV and TSV: RFC 4180 records into rows, the header row found among the
// first 50, the rows above it kept as the preamble (see plan_table.h).
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

void BuildDelimitedLayout(const std::string& clean, char sep, Layout& lay, std::vector<Problem>& problems) {
  std::vector<Row> rows = ParseDelimited(clean, sep);
  size_t header_at = rows.size();
  for (size_t r = 0; r < rows.size() && r < 50; ++r) {
    size_t hits = 0;
    for (const auto& c : rows[r].cells)
      if (HeaderKind(c.Joined())) ++hits;
    if (hits >= 2) {
      header_at = r;
      break;
    }
  }
  if (header_at == rows.size()) {
    problems.push_back({0, "no header row found; columns read from content", "未找到表头行，已按内容判断各列"});
    header_at = 0;
    lay.rows = std::move(rows);
    return;
  }
  for (size_t r = 0; r < header_at; ++r) {
    std::string joined;
    for (const auto& c : rows[r].cells) AppendText(joined, c.Joined());
    lay.preamble.push_back(joined);
    lay.preamble_lines.push_back(rows[r].line);
  }
  for (const auto& c : rows[header_at].cells) {
    auto k = HeaderKind(c.Joined());
    lay.header.push_back(k ? *k : Kind::kOther);
  }
  lay.header_line = rows[header_at].line;
  for (size_t r = header_at + 1; r < rows.size(); ++r) {
    if (IsRepeatedHeader(rows[r].cells)) continue;
    lay.rows.push_back(std::move(rows[r]));
  }
}

}  // namespace duban::plan_import::table
