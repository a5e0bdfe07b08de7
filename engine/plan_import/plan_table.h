// The plan as a table, between the stages of ParsePlan. Internal to plan_import.
//
// Stages, one file each (ParsePlan in plan_parser.cc runs them in this order):
//   plan_reading.cc      bytes -> clean UTF-8 -> lines; format detection; header words
//   plan_text_layout.cc  text export (tab-started cells) -> Layout
//   plan_csv.cc          CSV / TSV records -> rows
//   plan_docx.cc, plan_xlsx.cc, plan_html.cc
//                        Word, Excel and web-page tables -> rows of real cells
//                        (plan_zip.cc opens the packages, bounded)
//   plan_document.cc     rows of any table format -> Layout (the header row,
//                        the paragraphs before and after), one path for all
//   plan_metadata.cc     title, issuer, document number, date, year from Layout's
//                        lines around the table
//   plan_interpreter.cc  Layout rows -> sections, numbered tasks, units, deadlines
//                        (merged cells inherited)
//   plan_numbering.cc    section headings and task numbers, shared by the layout
//                        and the interpreter
// Every function is total over any input (the fuzz target holds them to that).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "duban/date.h"
#include "duban/plan_import/plan_parser.h"
#include "units.h"

namespace duban::plan_import::table {

// ---------------------------------------------------------------- plan_reading.cc

// One line of the cleaned input, markup stripped; `no` is its 1-based line number.
struct Line {
  std::string text;
  int no = 0;
};

// Offices still produce GB18030 (GBK) files: `bytes` as clean UTF-8, with a
// problem saying when it was converted or had invalid bytes replaced.
std::string CleanInput(std::string_view bytes, std::vector<Problem>& problems);

// The cleaned input split into lines; block markup (<p>…</p>) becomes further
// lines of the same number, without tabs (they continue the cell).
std::vector<Line> ToLines(const std::string& clean);

// "csv" or "tsv" when a line that is not tab-indented splits into at least
// two header words; else "text" (the text export).
std::string DetectFormat(const std::vector<Line>& lines);

// The meaning of a column, from its header word (or, without a header, from content).
// kLeadAndResponsible: one column for both ("牵头及责任单位"): the cell's role
// words decide; without any, the first unit named leads and the rest are responsible.
enum class Kind { kNumber, kTitle, kText, kLead, kResponsible, kLeadAndResponsible, kDeadline, kOther, kEmpty };

// The column kind a header cell names ("序号", "牵头单位", "完成时限（时间节点）"), or
// nullopt. Words not in the table are read by meaning: role words before
// 单位/部门 ("配合单位", "牵头及责任单位"), or a short word naming time ("时间进度").
std::optional<Kind> HeaderKind(std::string_view raw);

// Whether `raw` is one of the header words HeaderKind lists (not read by meaning).
bool IsListedHeaderWord(std::string_view raw);

// Appends `piece` trimmed; a space only between two ASCII letters or digits
// (a line break inside a cell is a wrap in Chinese text).
void AppendText(std::string& to, std::string_view piece);

struct Cell {
  std::vector<CellLine> lines;
  int line = 0;
  bool after_blank = false;  // a blank line came before it (text export)
  // A real table's cell that is empty and not covered by a merge from the row
  // above: nothing is inherited into it. (A text export cannot tell the two
  // apart, so there every empty cell is read as merged.)
  bool known_empty = false;

  // Lines concatenated with AppendText.
  std::string Joined() const;
  bool Empty() const;
};

struct Row {
  std::vector<Cell> cells;
  int line = 0;
};

// A header row repeated on a later page: two or more non-empty cells, every one a header word.
bool IsRepeatedHeader(const std::vector<Cell>& cells);

// What the layout stages hand on: the table's rows and header, and the lines
// before and after it (where the metadata is).
struct Layout {
  std::vector<std::string> preamble;  // lines before the table, in order
  std::vector<int> preamble_lines;
  std::vector<std::string> trailer;  // lines after it
  std::vector<int> trailer_lines;
  std::vector<Row> rows;
  std::vector<Kind> header;
  int header_line = 0;
};

// ---------------------------------------------------------------- plan_text_layout.cc

void BuildTextLayout(const std::vector<Line>& lines, Layout& lay, std::vector<Problem>& problems);

// ---------------------------------------------------------------- plan_csv.cc

// RFC 4180 records; quoted fields may hold separators, quotes ("") and line
// breaks. A quote that opens a field and is never closed is read as a
// character (said in `problems`), not as the rest of the file in one cell.
std::vector<Row> ParseDelimited(const std::string& s, char sep, std::vector<Problem>* problems = nullptr);

// ---------------------------------------------------------------- plan_document.cc

// A plan that is a real table (CSV, Word, Excel, a web page): its rows of
// cells in order, and the paragraphs before and after the table (title,
// document number, signature). Cells covered by a merge (vMerge, rowspan, a
// merged range) are empty, as the interpreter reads a merged cell; a cell
// spanning columns is followed by empty cells, so every column stays in place.
// Tables continued over several tables or pages are one run of rows;
// paragraphs between them are one-cell rows (section headings).
struct TableDocument {
  std::vector<Line> before;
  std::vector<Line> after;
  std::vector<Row> rows;
};

// The header among the first 50 rows (the rows above it join the preamble),
// column kinds from it, repeated headers dropped.
void BuildTableLayout(TableDocument doc, Layout& lay, std::vector<Problem>& problems);

// The first of the first 50 rows with two or more header words; rows.size() when none.
size_t FindHeaderRow(const std::vector<Row>& rows);

// The most cells in a row.
size_t TableWidth(const std::vector<Row>& rows);

// Which reader a file needs: by its bytes, not its name (an upload has none).
enum class DocumentKind { kNone, kDocx, kXlsx, kHtml };
DocumentKind DetectDocument(std::string_view bytes);
std::string_view DocumentFormatName(DocumentKind k);  // "docx" | "xlsx" | "html"

// Each reader: false, with the reason as a problem, when the file is refused
// (damaged, a zip bomb, XML nested beyond any real document, no table). The
// line numbers in cells and problems are, for Word, the paragraph or table
// row counted through the body; for Excel, the sheet's row number; for a web
// page, the source line.
bool ReadDocx(std::string_view bytes, TableDocument& doc, std::vector<Problem>& problems);
bool ReadXlsx(std::string_view bytes, TableDocument& doc, std::vector<Problem>& problems);
bool ReadHtml(const std::string& clean, TableDocument& doc, std::vector<Problem>& problems);

// The entries of a zip package (plan_zip.cc), read with a bound on every
// entry's size so a zip bomb is refused, not inflated.
class ZipPackage {
 public:
  // A 5,000-task plan's document.xml is about 4 MiB; 32 MiB of XML already costs some 500 MB to read.
  static constexpr size_t kMaxEntryBytes = size_t{32} << 20;
  explicit ZipPackage(std::string_view bytes);
  ~ZipPackage();
  ZipPackage(const ZipPackage&) = delete;
  ZipPackage& operator=(const ZipPackage&) = delete;
  bool ok() const { return archive_ != nullptr; }
  const std::string& error() const { return error_; }
  bool Has(const std::string& name) const;
  // The entry's bytes; nullopt with error() set when missing, damaged or too large.
  std::optional<std::string> Read(const std::string& name);

 private:
  void* archive_ = nullptr;  // zip_t*
  std::string error_;
};

// XML nested deeper than this is refused: a real document's tables reach a few dozen levels.
constexpr int kMaxXmlDepth = 256;

// ---------------------------------------------------------------- plan_numbering.cc

// Section heading rank: 0 "第一部分", 1 "一、", 2 "（一）"; nullopt otherwise.
std::optional<int> HeadingRank(std::string_view s);

struct TaskStart {
  int number = 0;
  size_t content_at = 0;  // byte offset of the text after the number
};

// A task number at s[pos]: "12." "12．" "12、" "12。", or "49完善" (no dot) when
// 49 is the number expected next. `any_number`: accept a number out of
// sequence (only where a cell starts).
std::optional<TaskStart> ParseTaskNumber(std::string_view s, size_t pos, int expected, bool any_number);

// A cell holding only a number ("12", "12.", "12、", "12．"): that number.
std::optional<int> BareNumber(std::string_view s);

// What a 序号 cell can hold besides a bare number: "（12）" "(12)" "12）",
// a circled or bracketed digit ("③" "⑶" "⒊", 1-20), or an outline number
// ("1.2", "1-2", "1.2.1": its parts, outermost first). Only in the 序号 cell:
// in a task's text "（1）" and "1.5" are the text's own.
struct DocNumber {
  std::vector<int> parts;  // one for a plain number
  // Written in brackets or circled (（1） ① ⑴): under a plain number it is
  // that number's sub-item (1 财政工作 over （1）, （2）).
  bool bracketed = false;
  std::string Label() const;  // "12", "1.2"
  std::string Shown() const;  // as a reader sees it: "1.2", "1（2）"
  bool outline() const { return parts.size() > 1; }
};
std::optional<DocNumber> NumberCell(std::string_view s);

bool IsSentenceEnd(char32_t c);
bool IsIdeograph(char32_t c);

// Headings and dates number in a few characters ("第二十三", "二〇二一"); a longer
// run of numeral characters is text, not a number.
constexpr size_t kNumeralRunChars = 6;

// ---------------------------------------------------------------- plan_metadata.cc

// A line that is a date and nothing else (a signature or issue date).
std::optional<Date> DateLine(std::string_view raw);

// Title, issuer, document number, issue date and year into out.plan.
void ExtractMeta(const Layout& lay, const ParseOptions& opts, ParsedPlan& out);

// ---------------------------------------------------------------- plan_interpreter.cc

// Each unknown unit as a problem at its line, and once in out.unknown_units.
void ReportUnknownUnits(const std::vector<UnitAssignment::Unknown>& unknown, const UnitDirectory& dir, ParsedPlan& out);

}  // namespace duban::plan_import::table
