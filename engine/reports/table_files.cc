// TableCsv and WriteTableXlsx (table_files.h).
#include "duban/reports/table_files.h"

#include <xlsxwriter.h>

#include <algorithm>
#include <string_view>

#include "duban/utf8.h"

namespace duban::reports {

std::string CsvField(const std::string& raw) {
  const bool formula = !raw.empty() && std::string_view("=+-@\t\r").find(raw[0]) != std::string_view::npos;
  std::string s = formula ? "'" + raw : raw;
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string TableCsv(const std::vector<std::vector<std::string>>& rows) {
  std::string out = "\xEF\xBB\xBF";
  for (const auto& cells : rows) {
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i) out += ',';
      out += CsvField(cells[i]);
    }
    out += "\r\n";
  }
  return out;
}

std::string FitXlsxCell(const std::string& text) {
  constexpr size_t kMaxChars = 32767;  // LXW_STR_MAX, in code points as libxlsxwriter counts them
  if (text.size() <= kMaxChars || utf8::CodePoints(text) <= kMaxChars) return text;
  const std::string_view cut = "…（超出Excel单元格字数上限，全文见CSV或JSON文件）";
  return utf8::Prefix(text, kMaxChars - utf8::CodePoints(cut)) + std::string(cut);
}

Status WriteTableXlsx(const std::vector<std::vector<std::string>>& rows, const std::string& sheet,
                      const std::string& path) {
  lxw_workbook* wb = workbook_new(path.c_str());
  if (!wb) return Status::IOError("cannot create " + path);
  lxw_worksheet* ws = workbook_add_worksheet(wb, sheet.c_str());
  lxw_format* header = workbook_add_format(wb);
  format_set_bold(header);
  std::vector<size_t> width;
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < rows[r].size(); ++c) {
      if (!rows[r][c].empty())
        worksheet_write_string(ws, static_cast<lxw_row_t>(r), static_cast<lxw_col_t>(c),
                               FitXlsxCell(rows[r][c]).c_str(), r == 0 ? header : nullptr);
      if (width.size() <= c) width.resize(c + 1, 8);
      width[c] = std::max(width[c], std::min<size_t>(40, rows[r][c].size() * 2 / 3 + 2));
    }
  }
  for (size_t c = 0; c < width.size(); ++c)
    worksheet_set_column(ws, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c), static_cast<double>(width[c]),
                         nullptr);
  worksheet_freeze_panes(ws, 1, 0);
  const lxw_error err = workbook_close(wb);
  if (err != LXW_NO_ERROR) return Status::IOError("cannot write " + path + ": " + lxw_strerror(err));
  return Status::Ok();
}

}  // namespace duban::reports
