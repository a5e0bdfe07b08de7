// A plain table (a header row, then rows of text) as the files offices open:
// CSV (UTF-8 with BOM, CRLF, formula-looking cells defused) and xlsx
// (libxlsxwriter, the header bold and frozen). The unit directory's export
// uses them; the ledger's CSV shares the cell rule.
#pragma once
#include <string>
#include <vector>

#include "duban/status.h"

namespace duban::reports {

// One CSV field: quoted when it must be; a cell a spreadsheet would run as a
// formula (= + - @, a leading tab or CR) gets a leading apostrophe (CSV injection).
std::string CsvField(const std::string& raw);

// A cell's text as an xlsx cell holds it: Excel's limit is 32,767
// characters, past which libxlsxwriter writes nothing at all; a longer text
// is cut there and says so (the CSV and JSON keep it whole).
std::string FitXlsxCell(const std::string& text);

// The rows as CSV, a BOM first (Excel then reads UTF-8), lines ending CRLF.
std::string TableCsv(const std::vector<std::vector<std::string>>& rows);

// The rows into one sheet named `sheet` of a new xlsx at `path` (replaced);
// the first row is the header. IOError naming the path on failure.
Status WriteTableXlsx(const std::vector<std::vector<std::string>>& rows, const std::string& sheet,
                      const std::string& path);

}  // namespace duban::reports
