// Rows of any real table (CSV, Word, Excel, a web page) into the Layout the
// interpreter reads: one path, so a rule learned once serves every format.
#include <algorithm>
#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "plan_table.h"
#include "text_util.h"

namespace duban::plan_import::table {

namespace {

bool ContainsNoCase(std::string_view hay, std::string_view needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
  return it != hay.end();
}

std::string RowText(const Row& r) {
  std::string joined;
  for (const auto& c : r.cells) AppendText(joined, c.Joined());
  return joined;
}

// The role words a second header row puts under a merged 责任单位 cell.
bool IsRoleWord(const std::string& w) {
  for (std::string_view r : {"牵头", "配合", "责任", "主办", "协办", "参与", "落实", "承办", "主责", "牵头单位",
                             "配合单位", "责任单位", "协办单位", "参与单位", "落实单位", "承办单位"})
    if (w == r) return true;
  return false;
}

// A header over two rows: the row under the header has a role word under a
// header cell that spans it (责任单位 over 牵头 | 配合), and nothing else but
// header words or empty (merged) cells.
bool SubHeader(const std::vector<Row>& rows, size_t header_at) {
  if (header_at + 1 >= rows.size()) return false;
  bool role = false;
  for (const auto& c : rows[header_at + 1].cells) {
    if (c.Empty()) continue;
    const std::string w = text::StripSpaces(c.Joined());
    if (IsRoleWord(w)) {
      role = true;
    } else if (!HeaderKind(w)) {
      return false;
    }
  }
  return role;
}

// Column c's header word: over two rows, the role word under a spanning cell
// reads as its unit column ("牵头" -> 牵头单位); else the top cell, or the
// spanning cell to its left when the top is empty.
std::string HeaderWordAt(const std::vector<Row>& rows, size_t header_at, size_t sub, size_t c) {
  const auto& top = rows[header_at].cells;
  std::string word = c < top.size() ? text::StripSpaces(top[c].Joined()) : "";
  if (sub == 0) return word;
  const auto& below = rows[header_at + 1].cells;
  std::string under = c < below.size() ? text::StripSpaces(below[c].Joined()) : "";
  if (under.empty()) return word;
  if (IsRoleWord(under)) return text::EndsWith(under, "单位") ? under : under + "单位";
  return under;
}

}  // namespace

DocumentKind DetectDocument(std::string_view bytes) {
  if (bytes.substr(0, 4) == std::string_view("PK\x03\x04", 4)) {
    ZipPackage zip(bytes);
    if (zip.ok() && zip.Has("word/document.xml")) return DocumentKind::kDocx;
    if (zip.ok() && zip.Has("xl/workbook.xml")) return DocumentKind::kXlsx;
    return DocumentKind::kNone;
  }
  size_t i = bytes.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  while (i < bytes.size() && std::isspace(static_cast<unsigned char>(bytes[i]))) ++i;
  // A page: a table, or a whole HTML document (a prose plan saved from a
  // site or from Word). A text export with some markup starts with its title.
  if (i < bytes.size() && bytes[i] == '<' &&
      ((ContainsNoCase(bytes, "<table") && (ContainsNoCase(bytes, "<td") || ContainsNoCase(bytes, "<th"))) ||
       ContainsNoCase(bytes.substr(0, 4096), "<html") || ContainsNoCase(bytes.substr(0, 4096), "<body")))
    return DocumentKind::kHtml;
  return DocumentKind::kNone;
}

std::string_view DocumentFormatName(DocumentKind k) {
  switch (k) {
    case DocumentKind::kDocx:
      return "docx";
    case DocumentKind::kXlsx:
      return "xlsx";
    case DocumentKind::kHtml:
      return "html";
    case DocumentKind::kNone:
      break;
  }
  return "";
}

size_t FindHeaderRow(const std::vector<Row>& rows) {
  for (size_t r = 0; r < rows.size() && r < 50; ++r) {
    size_t hits = 0;
    for (const auto& c : rows[r].cells)
      if (HeaderKind(c.Joined())) ++hits;
    if (hits >= 2) return r;
  }
  return rows.size();
}

size_t TableWidth(const std::vector<Row>& rows) {
  size_t w = 0;
  for (const auto& r : rows) w = std::max(w, r.cells.size());
  return w;
}

void BuildTableLayout(TableDocument doc, Layout& lay, std::vector<Problem>& problems) {
  std::vector<Row>& rows = doc.rows;
  for (const auto& l : doc.before) {
    lay.preamble.push_back(l.text);
    lay.preamble_lines.push_back(l.no);
  }
  const size_t header_at = FindHeaderRow(rows);
  if (header_at == rows.size()) {
    problems.push_back({0, "no header row found; columns read from content", "未找到表头行，已按内容判断各列"});
    lay.rows = std::move(rows);
  } else {
    for (size_t r = 0; r < header_at; ++r) {
      lay.preamble.push_back(RowText(rows[r]));
      lay.preamble_lines.push_back(rows[r].line);
    }
    const size_t sub = SubHeader(rows, header_at) ? 1 : 0;
    for (size_t c = 0; c < rows[header_at].cells.size(); ++c) {
      const std::string word = HeaderWordAt(rows, header_at, sub, c);
      auto k = HeaderKind(word);
      lay.header.push_back(k ? *k : Kind::kOther);
      if (!k && !word.empty() && !IsListedHeaderWord(word))
        problems.push_back({rows[header_at].line,
                            "column '" + word + "' is not read: its cells are left out of every task",
                            "“" + word + "”列未能识别，该列内容不会导入任何任务；如需导入，请将表头改为“具体内容”等"});
    }
    lay.header_line = rows[header_at].line;
    for (size_t r = header_at + 1 + sub; r < rows.size(); ++r) {
      if (IsRepeatedHeader(rows[r].cells)) continue;
      lay.rows.push_back(std::move(rows[r]));
    }
  }
  // A sheet has no paragraphs: its signature (issuer, then the date) is in
  // one-cell rows after the table. Those go to the trailer, where the
  // metadata reader looks for them.
  std::vector<Line> signature;
  auto single = [](const Row& r) -> const Cell* {
    const Cell* only = nullptr;
    for (const auto& c : r.cells) {
      if (c.Empty()) continue;
      if (only != nullptr) return nullptr;
      only = &c;
    }
    return only;
  };
  while (!lay.rows.empty()) {
    const Cell* c = single(lay.rows.back());
    if (c == nullptr || !DateLine(c->Joined())) break;
    signature.insert(signature.begin(), Line{c->Joined(), lay.rows.back().line});
    lay.rows.pop_back();
    const Cell* above = lay.rows.empty() ? nullptr : single(lay.rows.back());
    if (above != nullptr && !HeadingRank(above->Joined()) && !ParseTaskNumber(above->Joined(), 0, 1, true)) {
      signature.insert(signature.begin(), Line{above->Joined(), lay.rows.back().line});
      lay.rows.pop_back();
    }
  }
  doc.after.insert(doc.after.begin(), signature.begin(), signature.end());
  for (const auto& l : doc.after) {
    lay.trailer.push_back(l.text);
    lay.trailer_lines.push_back(l.no);
  }
}

}  // namespace duban::plan_import::table
