// ReadDocx: a Word plan's body from word/document.xml. Paragraphs before the
// first table are the preamble (title, issuer, document number), those after
// the last the trailer (signature, date); every top-level table's rows, in
// order, are the plan (a table continued over pages or split into several
// tables is one run, and a later table whose own header names the plan's
// columns in another order is read into the first one's columns by its
// header words; paragraphs between tables become one-cell rows, where a
// section heading often stands). Cells keep their paragraphs as lines;
// vMerge continuations are empty cells (merged), gridSpan and gridBefore
// keep the columns in place. A document without any table is returned as
// paragraphs only: ParsePlan then reads them as a prose plan.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "plan_table.h"
#include "plan_xml.h"
#include "text_util.h"

namespace duban::plan_import::table {

namespace {

// Subtrees whose text is not the document's: deleted revisions, field codes,
// the duplicate fallback of a drawing, comments' anchors.
bool SkippedSubtree(std::string_view local) {
  return local == "del" || local == "instrText" || local == "Fallback" || local == "delText" || local == "moveFrom" ||
         local == "commentReference" || local == "footnoteReference";
}

// A run formatted as hidden text (w:vanish, w:webHidden): not printed, not the plan's.
bool Hidden(const pugi::xml_node& run) {
  const pugi::xml_node rpr = Child(run, "rPr");
  for (std::string_view prop : {"vanish", "webHidden"}) {
    const pugi::xml_node v = Child(rpr, prop);
    if (!v) continue;
    const std::string_view val = Attr(v, "val").value();
    if (val != "0" && val != "false" && val != "off") return true;
  }
  return false;
}

// The lines of a cell or paragraph: each paragraph, and each break inside
// one, starts a line. Text is cleaned as the text reader cleans a file.
std::vector<std::string> LinesOf(const pugi::xml_node& root) {
  std::vector<std::string> lines;
  std::string cur;
  auto flush = [&] {
    std::string t = text::Trim(text::Clean(cur));
    if (!t.empty()) lines.push_back(std::move(t));
    cur.clear();
  };
  for (pugi::xml_node n = root.first_child(); n;) {
    bool descend = true;
    if (n.type() == pugi::node_element) {
      const std::string_view l = LocalName(n);
      if (SkippedSubtree(l) || (l == "r" && Hidden(n))) {
        descend = false;
      } else if (l == "p") {
        flush();
      } else if (l == "br" || l == "cr") {
        flush();
      } else if (l == "tab") {
        cur += ' ';
      } else if (l == "t") {
        cur += n.text().get();
        descend = false;
      }
    }
    n = NextInWalk(root, n, descend);
  }
  flush();
  return lines;
}

// A count property (<w:gridSpan w:val="3"/>), clamped to [1, max]; dflt when absent.
int CountOf(const pugi::xml_node& n, int dflt, int max) {
  const pugi::xml_attribute a = n ? Attr(n, "val") : pugi::xml_attribute();
  if (!a) return dflt;
  const int v = a.as_int(dflt);
  return v < 1 ? 1 : (v > max ? max : v);
}

// A word cell as the interpreter's cell: lines numbered with the row's number.
// Empty and not a vMerge continuation: known to be empty (nothing inherited).
Cell ToCell(const std::vector<std::string>& lines, int no, bool merged = false) {
  Cell c;
  c.line = no;
  c.known_empty = lines.empty() && !merged;
  for (const auto& l : lines) c.lines.push_back({l, no});
  return c;
}

constexpr int kMaxColumns = 64;

// The children of a container, looking through content controls
// (w:sdt/w:sdtContent) and custom XML wrappers, which hold real paragraphs,
// tables, rows or cells.
std::vector<pugi::xml_node> Children(const pugi::xml_node& parent) {
  std::vector<pugi::xml_node> out;
  std::vector<pugi::xml_node> stack;
  for (pugi::xml_node c = parent.last_child(); c; c = c.previous_sibling()) stack.push_back(c);
  while (!stack.empty()) {
    const pugi::xml_node c = stack.back();
    stack.pop_back();
    if (c.type() != pugi::node_element) continue;
    const std::string_view l = LocalName(c);
    if (l == "sdt" || l == "customXml" || l == "sdtContent" || l == "smartTag") {
      const pugi::xml_node inner = l == "sdt" ? Child(c, "sdtContent") : c;
      for (pugi::xml_node g = inner.last_child(); g; g = g.previous_sibling()) stack.push_back(g);
      continue;
    }
    out.push_back(c);
  }
  return out;
}

void ReadTable(const pugi::xml_node& tbl, int& no, std::vector<Row>& rows) {
  for (const pugi::xml_node& tr : Children(tbl)) {
    if (LocalName(tr) != "tr") continue;
    ++no;
    Row row;
    row.line = no;
    const pugi::xml_node trpr = Child(tr, "trPr");
    const int before = CountOf(Child(trpr, "gridBefore"), 0, kMaxColumns);
    for (int i = 0; i < before; ++i) row.cells.push_back(ToCell({}, no));
    for (const pugi::xml_node& tc : Children(tr)) {
      if (LocalName(tc) != "tc") continue;
      if (row.cells.size() >= static_cast<size_t>(kMaxColumns)) break;
      const pugi::xml_node tcpr = Child(tc, "tcPr");
      const pugi::xml_node vmerge = Child(tcpr, "vMerge");
      const std::string_view vval = vmerge ? Attr(vmerge, "val").value() : "";
      const bool continued = vmerge && vval != "restart";
      row.cells.push_back(continued ? ToCell({}, no, true) : ToCell(LinesOf(tc), no));
      const int span = CountOf(Child(tcpr, "gridSpan"), 1, kMaxColumns);
      for (int i = 1; i < span; ++i) row.cells.push_back(ToCell({}, no));
    }
    bool all_empty = true;
    for (const auto& c : row.cells) all_empty = all_empty && c.Empty();
    if (!all_empty) rows.push_back(std::move(row));
  }
}

// The body in order: a paragraph, or a table's rows.
struct Block {
  Line paragraph;
  std::vector<Row> rows;
  bool is_table = false;
};

// A table's own header, when its first row is one: the words, in order.
std::string LeadingHeader(const std::vector<Row>& rows) {
  if (rows.empty()) return "";
  size_t hits = 0;
  std::string words;
  for (const auto& c : rows.front().cells) {
    const std::string w = text::StripSpaces(c.Joined());
    if (HeaderKind(w)) ++hits;
    words += w + "|";
  }
  return hits >= 2 ? words : "";
}

// The column kind of each cell of a header row (nullopt: no header word).
std::vector<std::optional<Kind>> KindsOf(const Row& header) {
  std::vector<std::optional<Kind>> kinds;
  for (const auto& c : header.cells) kinds.push_back(HeaderKind(text::StripSpaces(c.Joined())));
  return kinds;
}

// A later table whose own header names the plan's columns in another order
// or number (牵头单位 and 责任单位 swapped, no 备注): for each of its
// columns, the plan table's column of the same kind (or npos). Empty when
// it is not a task table: it must name the task's text and its units.
std::vector<size_t> ColumnsInPlanOrder(const std::vector<std::optional<Kind>>& plan,
                                       const std::vector<std::optional<Kind>>& own) {
  std::vector<size_t> to(own.size(), std::string::npos);
  std::vector<bool> used(plan.size(), false);
  bool text = false, units = false;
  for (size_t j = 0; j < own.size(); ++j) {
    if (!own[j] || *own[j] == Kind::kOther || *own[j] == Kind::kEmpty) continue;
    for (size_t i = 0; i < plan.size(); ++i) {
      if (used[i] || plan[i] != own[j]) continue;
      used[i] = true;
      to[j] = i;
      text = text || *own[j] == Kind::kTitle || *own[j] == Kind::kText;
      units = units || *own[j] == Kind::kLead || *own[j] == Kind::kResponsible || *own[j] == Kind::kLeadAndResponsible;
      break;
    }
  }
  if (!text || !units) return {};
  return to;
}

// The rows after a table's own header (at `header_at`), each cell moved to
// the plan table's column of its kind; a plan column the table lacks is an
// empty cell (not merged: nothing is inherited into it). Rows above the
// header (a section heading merged across the table) stay as they are.
std::vector<Row> InPlanOrder(std::vector<Row>& rows, size_t header_at, const std::vector<size_t>& to, size_t width) {
  std::vector<Row> out;
  for (size_t r = 0; r < header_at && r < rows.size(); ++r) out.push_back(std::move(rows[r]));
  for (size_t r = header_at + 1; r < rows.size(); ++r) {
    Row row;
    row.line = rows[r].line;
    for (size_t i = 0; i < width; ++i) row.cells.push_back(ToCell({}, row.line));
    for (size_t j = 0; j < rows[r].cells.size() && j < to.size(); ++j)
      if (to[j] != std::string::npos) row.cells[to[j]] = std::move(rows[r].cells[j]);
    out.push_back(std::move(row));
  }
  return out;
}

// Whether a later table (not yet ended) continues the plan's table: as wide
// with no header of its own or the same one, or with a header of its own
// that names the plan's columns in another order or number (its rows are
// then moved into the plan's columns, and that is said). A table that opens
// with another header (序号|单位|姓名|联系电话) does not; the header may stand
// below a heading row merged across the table (二、第二部分).
bool ContinuesThePlan(Block& b, size_t width, const std::string& header,
                      const std::vector<std::optional<Kind>>& header_kinds, std::vector<Problem>& problems) {
  size_t own_at = 0;
  std::string own = LeadingHeader(b.rows);
  if (own.empty())
    if (const size_t h = FindHeaderRow(b.rows); h > 0 && h < 3 && h < b.rows.size()) {
      own_at = h;
      own = LeadingHeader({b.rows[h]});
    }
  if (TableWidth(b.rows) == width && (own.empty() || own == header)) return true;
  if (own.empty() || header_kinds.empty()) return false;
  auto to = ColumnsInPlanOrder(header_kinds, KindsOf(b.rows[own_at]));
  if (to.empty()) return false;
  const std::string at = std::to_string(b.rows[own_at].line);
  problems.push_back(
      {b.rows.front().line,
       "the table at line " + at + " has the plan's columns in another order or number: read by its header words",
       "第" + at + "行处的表格列的顺序或数量与任务表不同，已按其表头逐列对应读取"});
  b.rows = InPlanOrder(b.rows, own_at, to, width);
  return true;
}

}  // namespace

bool ReadDocx(std::string_view bytes, TableDocument& doc, std::vector<Problem>& problems) {
  ZipPackage zip(bytes);
  auto refuse = [&](const std::string& why) {
    problems.push_back({0, "Word file refused: " + why, "Word 文件无法读取：" + why});
    return false;
  };
  if (!zip.ok()) return refuse(zip.error());
  const std::optional<std::string> xml = zip.Read("word/document.xml");
  if (!xml) return refuse(zip.error());
  pugi::xml_document x;
  std::string error;
  if (!ParseXmlPart(*xml, "word/document.xml", x, &error)) return refuse(error);
  const pugi::xml_node body = Child(Child(x, "document"), "body");
  if (!body) return refuse("word/document.xml has no document body");

  std::vector<Block> blocks;
  int no = 0;
  for (const pugi::xml_node& n : Children(body)) {
    const std::string_view l = LocalName(n);
    if (l == "p") {
      ++no;
      std::string joined;
      for (const auto& line : LinesOf(n)) AppendText(joined, line);
      if (!joined.empty()) blocks.push_back(Block{{std::move(joined), no}, {}, false});
    } else if (l == "tbl") {
      Block b;
      b.is_table = true;
      ReadTable(n, no, b.rows);
      if (!b.rows.empty()) blocks.push_back(std::move(b));
    }
  }
  // The plan's table: the first with a header row, else the first. Tables
  // after it as wide continue it (a table per page or per section); one of
  // another width (a contact list, 附件2) ends it and is not read.
  size_t first = blocks.size();
  for (size_t i = 0; i < blocks.size() && first == blocks.size(); ++i)
    if (blocks[i].is_table && FindHeaderRow(blocks[i].rows) < blocks[i].rows.size()) first = i;
  for (size_t i = 0; i < blocks.size() && first == blocks.size(); ++i)
    if (blocks[i].is_table) first = i;
  const size_t width = first < blocks.size() ? TableWidth(blocks[first].rows) : 0;
  std::string header;  // the plan table's header row, as LeadingHeader writes it
  std::vector<std::optional<Kind>> header_kinds;
  if (first < blocks.size()) {
    for (const auto& r : blocks[first].rows) {
      header = LeadingHeader({r});
      if (!header.empty()) {
        header_kinds = KindsOf(r);
        break;
      }
    }
  }
  std::vector<Line> between;
  bool ended = false;
  for (size_t i = 0; i < blocks.size(); ++i) {
    Block& b = blocks[i];
    if (!b.is_table) {
      (i < first ? doc.before : between).push_back(std::move(b.paragraph));
      continue;
    }
    const bool part = i == first || (i > first && !ended && ContinuesThePlan(b, width, header, header_kinds, problems));
    if (!part) {
      if (i > first) ended = true;
      problems.push_back({b.rows.front().line,
                          "a table of " + std::to_string(TableWidth(b.rows)) + " columns at line " +
                              std::to_string(b.rows.front().line) + " is not the plan's table: not read",
                          "第" + std::to_string(b.rows.front().line) + "行处的表格（" +
                              std::to_string(TableWidth(b.rows)) + "列）与任务表格式不同，未导入"});
      continue;
    }
    for (auto& p : between) {
      Row r;
      r.line = p.no;
      r.cells.push_back(ToCell({p.text}, p.no));
      doc.rows.push_back(std::move(r));
    }
    between.clear();
    for (auto& r : b.rows) doc.rows.push_back(std::move(r));
  }
  doc.after = std::move(between);
  return true;
}

}  // namespace duban::plan_import::table
