// ReadXlsx: the sheet an office sees first (the active one, never a hidden
// one) of an Excel workbook as rows of cells, numbered
// with the sheet's own row numbers (what the office sees in Excel). Shared
// strings, inline strings and rich text are read as their text; a number
// formatted as a date reads as the date ("2021年6月30日"); cells covered by a
// merged range are empty in the file, which the interpreter reads as merged.
// Rows above the header (a title merged across the sheet) become the preamble.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "duban/date.h"
#include "plan_table.h"
#include "plan_xml.h"
#include "text_util.h"

namespace duban::plan_import::table {

namespace {

constexpr int kMaxColumns = 64;

// The text of a shared or inline string: its t elements, phonetic runs left out.
std::string StringItemText(const pugi::xml_node& si) {
  std::string out;
  for (pugi::xml_node n = si.first_child(); n;) {
    bool descend = true;
    if (n.type() == pugi::node_element) {
      const std::string_view l = LocalName(n);
      if (l == "rPh" || l == "phoneticPr") {
        descend = false;
      } else if (l == "t") {
        out += n.text().get();
        descend = false;
      }
    }
    n = NextInWalk(si, n, descend);
  }
  return out;
}

// Column index from a reference ("C12" -> 2); -1 when there is none.
int ColumnOf(std::string_view ref) {
  int col = 0;
  size_t i = 0;
  while (i < ref.size() && ref[i] >= 'A' && ref[i] <= 'Z' && col <= 100000) {
    col = col * 26 + (ref[i] - 'A' + 1);
    ++i;
  }
  return i == 0 ? -1 : col - 1;
}

// Row number from a reference ("C12" -> 12); 0 when there is none.
int RowOf(std::string_view ref) {
  size_t i = 0;
  while (i < ref.size() && ref[i] >= 'A' && ref[i] <= 'Z') ++i;
  int row = 0;
  for (; i < ref.size() && ref[i] >= '0' && ref[i] <= '9' && row < 10000000; ++i) row = row * 10 + (ref[i] - '0');
  return row;
}

constexpr int kMaxMergedRows = 100000;
constexpr size_t kMaxMergedCells = 2000000;

// Built-in number formats that are dates, and custom ones whose code has
// year, month or day letters outside quotes (time-only formats are not plans' dates).
bool IsDateFormatCode(std::string_view code) {
  bool quoted = false;
  for (size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (c == '"') quoted = !quoted;
    if (c == '\\' || c == '[') {
      if (c == '[') {
        while (i < code.size() && code[i] != ']') ++i;
      } else {
        ++i;
      }
      continue;
    }
    if (!quoted && (c == 'y' || c == 'Y' || c == 'd' || c == 'D')) return true;
  }
  return false;
}

bool IsBuiltinDateFormat(int id) { return (id >= 14 && id <= 17) || (id >= 27 && id <= 36) || (id >= 50 && id <= 58); }

// Which cell styles (the s attribute's index into cellXfs) show dates.
std::set<int> DateStyles(ZipPackage& zip) {
  std::set<int> out;
  if (!zip.Has("xl/styles.xml")) return out;
  const auto xml = zip.Read("xl/styles.xml");
  pugi::xml_document x;
  std::string error;
  if (!xml || !ParseXmlPart(*xml, "xl/styles.xml", x, &error)) return out;
  const pugi::xml_node sheet = Child(x, "styleSheet");
  std::set<int> date_formats;
  for (pugi::xml_node f = Child(Child(sheet, "numFmts"), "numFmt"); f; f = f.next_sibling())
    if (LocalName(f) == "numFmt" && IsDateFormatCode(Attr(f, "formatCode").value()))
      date_formats.insert(Attr(f, "numFmtId").as_int(-1));
  int index = 0;
  for (pugi::xml_node xf = Child(Child(sheet, "cellXfs"), "xf"); xf; xf = xf.next_sibling()) {
    if (LocalName(xf) != "xf") continue;
    const int id = Attr(xf, "numFmtId").as_int(0);
    if (IsBuiltinDateFormat(id) || date_formats.count(id) != 0) out.insert(index);
    ++index;
  }
  return out;
}

// An Excel serial day (1900 system) as "YYYY年M月D日"; the number as written when it is no plausible day.
std::string SerialDate(std::string_view v) {
  char* end = nullptr;
  std::string s(v);
  const double serial = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || serial < 61 || serial > 2958465) return s;
  const Date d = Date{1899, 12, 30}.AddDays(static_cast<int64_t>(serial));
  return std::to_string(d.year) + "年" + std::to_string(d.month) + "月" + std::to_string(d.day) + "日";
}

// The sheet a person opening the workbook sees: the active tab when it is
// visible, else the first visible sheet (a hidden sheet is never the plan).
// Its part name through the workbook's relationships, and the names of the
// other visible sheets (not read: said as a problem).
struct SheetChoice {
  std::string part = "xl/worksheets/sheet1.xml";
  std::string name;
  std::vector<std::string> others;
};

SheetChoice ChooseSheet(ZipPackage& zip) {
  SheetChoice out;
  const auto wb = zip.Read("xl/workbook.xml");
  pugi::xml_document x;
  std::string error;
  if (!wb || !ParseXmlPart(*wb, "xl/workbook.xml", x, &error)) return out;
  const pugi::xml_node book = Child(x, "workbook");
  const int active = Attr(Child(Child(book, "bookViews"), "workbookView"), "activeTab").as_int(0);
  std::vector<std::pair<std::string, std::string>> visible;  // (name, relationship id)
  int index = 0, chosen = -1;
  for (pugi::xml_node sh = Child(Child(book, "sheets"), "sheet"); sh; sh = sh.next_sibling(), ++index) {
    if (LocalName(sh) != "sheet") continue;
    const std::string_view state = Attr(sh, "state").value();
    if (state == "hidden" || state == "veryHidden") continue;
    if (index == active || chosen < 0) chosen = index == active ? static_cast<int>(visible.size()) : chosen;
    visible.emplace_back(Attr(sh, "name").value(), Attr(sh, "id").value());
  }
  if (visible.empty()) return out;
  if (chosen < 0) chosen = 0;
  out.name = visible[static_cast<size_t>(chosen)].first;
  for (size_t i = 0; i < visible.size(); ++i)
    if (static_cast<int>(i) != chosen) out.others.push_back(visible[i].first);
  const std::string& rid = visible[static_cast<size_t>(chosen)].second;
  if (rid.empty() || !zip.Has("xl/_rels/workbook.xml.rels")) return out;
  const auto rels = zip.Read("xl/_rels/workbook.xml.rels");
  pugi::xml_document r;
  if (!rels || !ParseXmlPart(*rels, "xl/_rels/workbook.xml.rels", r, &error)) return out;
  for (pugi::xml_node rel = Child(Child(r, "Relationships"), "Relationship"); rel; rel = rel.next_sibling()) {
    if (Attr(rel, "Id").value() != rid) continue;
    const std::string target = Attr(rel, "Target").value();
    if (!target.empty()) out.part = target[0] == '/' ? target.substr(1) : "xl/" + target;
    break;
  }
  return out;
}

// Columns hidden in the sheet (<cols><col min max hidden>), 0-based.
std::set<int> HiddenColumns(const pugi::xml_node& sheet) {
  std::set<int> out;
  for (pugi::xml_node c = Child(Child(sheet, "cols"), "col"); c; c = c.next_sibling()) {
    if (!Attr(c, "hidden").as_bool(false)) continue;
    const int lo = std::max(1, Attr(c, "min").as_int(1)), hi = std::min(kMaxColumns, Attr(c, "max").as_int(lo));
    for (int k = lo; k <= hi; ++k) out.insert(k - 1);
  }
  return out;
}

// Cells below the first row of a merged range, as (row, column): they inherit.
std::set<std::pair<int, int>> MergedBelow(const pugi::xml_node& sheet) {
  std::set<std::pair<int, int>> merged_below;
  for (pugi::xml_node m = Child(Child(sheet, "mergeCells"), "mergeCell"); m; m = m.next_sibling()) {
    const std::string ref = Attr(m, "ref").value();
    const size_t colon = ref.find(':');
    if (colon == std::string::npos) continue;
    const int c0 = ColumnOf(ref), c1 = ColumnOf(std::string_view(ref).substr(colon + 1));
    const int r0 = RowOf(ref.substr(0, colon)), r1 = RowOf(ref.substr(colon + 1));
    if (c0 < 0 || c1 < c0 || r0 <= 0 || r1 < r0 || c1 >= kMaxColumns) continue;
    for (int r = r0 + 1; r <= r1 && r - r0 <= kMaxMergedRows && merged_below.size() < kMaxMergedCells; ++r)
      for (int c = c0; c <= c1; ++c) merged_below.insert({r, c});
  }
  return merged_below;
}

// One cell's text: a shared or inline string, a formula's string, a number (a date when its style says so).
std::string CellValue(const pugi::xml_node& c, const std::vector<std::string>& shared,
                      const std::set<int>& date_styles) {
  const std::string_view type = Attr(c, "t").value();
  if (type == "s") {
    const long long i = Child(c, "v").text().as_llong(-1);
    return i >= 0 && static_cast<size_t>(i) < shared.size() ? shared[static_cast<size_t>(i)] : std::string();
  }
  if (type == "inlineStr") return StringItemText(Child(c, "is"));
  std::string value = Child(c, "v").text().get();
  if ((type.empty() || type == "n") && date_styles.count(Attr(c, "s").as_int(-1)) != 0) value = SerialDate(value);
  return value;
}

// The sheet's rows with text, each cell at its column (gaps filled with empty cells).
// Hidden rows and columns are what the office took out of the printed
// table (a cancelled task, last year's units): they are left out, and each
// hidden row with text is said as a problem.
std::vector<Row> SheetRows(const pugi::xml_node& data, const std::vector<std::string>& shared,
                           const std::set<int>& date_styles, const std::set<int>& hidden_columns,
                           std::vector<Problem>& problems) {
  std::vector<Row> rows;
  int last_row = 0;
  for (pugi::xml_node rn = Child(data, "row"); rn; rn = rn.next_sibling()) {
    if (LocalName(rn) != "row") continue;
    last_row = std::max(Attr(rn, "r").as_int(last_row + 1), last_row + 1);
    const bool hidden_row = Attr(rn, "hidden").as_bool(false);
    Row row;
    row.line = last_row;
    int col = -1;
    for (pugi::xml_node c = Child(rn, "c"); c; c = c.next_sibling()) {
      if (LocalName(c) != "c") continue;
      const int at = ColumnOf(Attr(c, "r").value());
      col = at >= 0 ? at : col + 1;
      if (col >= kMaxColumns) break;
      Cell cell;
      cell.line = last_row;
      if (hidden_columns.count(col) != 0) {
        while (row.cells.size() < static_cast<size_t>(col)) row.cells.push_back(Cell{{}, last_row, false, false});
        row.cells.push_back(Cell{{}, last_row, false, true});
        continue;
      }
      for (const auto& piece : text::SplitLines(text::Clean(CellValue(c, shared, date_styles)))) {
        std::string t = text::Trim(piece);
        if (!t.empty()) cell.lines.push_back({std::move(t), last_row});
      }
      while (row.cells.size() < static_cast<size_t>(col)) row.cells.push_back(Cell{{}, last_row, false, false});
      row.cells.push_back(std::move(cell));
    }
    bool all_empty = true;
    for (const auto& cell : row.cells) all_empty = all_empty && cell.Empty();
    if (all_empty) continue;
    if (hidden_row) {
      problems.push_back({last_row, "row " + std::to_string(last_row) + " is hidden in the sheet: left out",
                          "第" + std::to_string(last_row) + "行在表格中已隐藏，未导入"});
      continue;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

bool ReadXlsx(std::string_view bytes, TableDocument& doc, std::vector<Problem>& problems) {
  ZipPackage zip(bytes);
  auto refuse = [&](const std::string& why) {
    problems.push_back({0, "Excel file refused: " + why, "Excel 文件无法读取：" + why});
    return false;
  };
  if (!zip.ok()) return refuse(zip.error());
  std::string error;
  std::vector<std::string> shared;
  if (zip.Has("xl/sharedStrings.xml")) {
    const auto xml = zip.Read("xl/sharedStrings.xml");
    if (!xml) return refuse(zip.error());
    pugi::xml_document x;
    if (!ParseXmlPart(*xml, "xl/sharedStrings.xml", x, &error)) return refuse(error);
    for (pugi::xml_node si = Child(Child(x, "sst"), "si"); si; si = si.next_sibling())
      if (LocalName(si) == "si") shared.push_back(StringItemText(si));
  }
  const std::set<int> date_styles = DateStyles(zip);
  const SheetChoice choice = ChooseSheet(zip);
  const std::string& part = choice.part;
  for (const auto& other : choice.others)
    problems.push_back(
        {0, "sheet '" + other + "' is not read: only the sheet '" + choice.name + "' is the plan",
         "工作表“" + other + "”未读取：只导入工作表“" + choice.name + "”；如需导入，请合并到同一工作表"});
  const auto xml = zip.Read(part);
  if (!xml) return refuse(zip.error());
  pugi::xml_document x;
  if (!ParseXmlPart(*xml, part, x, &error)) return refuse(error);
  const pugi::xml_node sheet = Child(x, "worksheet");
  const std::set<int> hidden_columns = HiddenColumns(sheet);
  for (int c : hidden_columns)
    if (c < 26)  // said once per hidden column that could hold the plan
      problems.push_back({0, std::string("column ") + static_cast<char>('A' + c) + " is hidden in the sheet: left out",
                          std::string("第") + static_cast<char>('A' + c) + "列在表格中已隐藏，未导入"});
  doc.rows = SheetRows(Child(sheet, "sheetData"), shared, date_styles, hidden_columns, problems);
  if (doc.rows.empty()) return refuse("the first sheet (" + part + ") has no cells with text");
  // Excel leaves trailing empty cells out: every row is as wide as the sheet.
  // Cells below the first row of a merged range inherit; every other empty
  // cell is known to be empty.
  size_t width = 0;
  for (const auto& row : doc.rows) width = std::max(width, row.cells.size());
  const std::set<std::pair<int, int>> merged_below = MergedBelow(sheet);
  for (auto& row : doc.rows) {
    while (row.cells.size() < width) row.cells.push_back(Cell{{}, row.line, false, false});
    for (size_t c = 0; c < row.cells.size(); ++c)
      if (row.cells[c].Empty()) row.cells[c].known_empty = merged_below.count({row.line, static_cast<int>(c)}) == 0;
  }
  return true;
}

}  // namespace duban::plan_import::table
