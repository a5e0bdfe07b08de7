// ReadHtml: a plan's table from a saved web page, parsed by gumbo (Debian's
// libgumbo: an HTML5 parser, so tag soup, unclosed cells and implied tbody
// read as a browser reads them). The plan is the first table with a header
// row (≥ 2 header words among its first 50 rows), or else the one with the
// most rows; later tables of the same width continue it (a page per table).
// rowspan/colspan fill the grid with empty cells (merged); <p>, <br>, <div>
// and <li> inside a cell start lines; text before the table is the
// preamble, after it the trailer. Page chrome (script, style, head) is skipped.
//
// Gumbo frees its tree recursively, which deep nesting would turn into a
// stack overflow: its memory comes from an allocator here that tracks every
// block, and the tree is released by freeing the blocks, never walked.
#include <gumbo.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "plan_table.h"
#include "text_util.h"

namespace duban::plan_import::table {

namespace {

constexpr int kMaxColumns = 64;
constexpr int kMaxRowSpan = 10000;
constexpr size_t kMaxTables = 200;
// Gumbo's tree building is quadratic in depth: 1,024 levels parse at once,
// 20,000 take seconds. Pages left with unclosed tags reach a few hundred.
constexpr int kMaxHtmlDepth = 4 * kMaxXmlDepth;

struct Blocks {
  std::unordered_set<void*> live;
  ~Blocks() {
    for (void* p : live) std::free(p);
  }
};

void* Allocate(void* userdata, size_t size) {
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) std::abort();  // as gumbo's own malloc would crash: out of memory is a bug here
  static_cast<Blocks*>(userdata)->live.insert(p);
  return p;
}

void Deallocate(void* userdata, void* p) {
  if (p == nullptr) return;
  static_cast<Blocks*>(userdata)->live.erase(p);
  std::free(p);
}

bool Skipped(GumboTag t) {
  return t == GUMBO_TAG_SCRIPT || t == GUMBO_TAG_STYLE || t == GUMBO_TAG_HEAD || t == GUMBO_TAG_NOSCRIPT ||
         t == GUMBO_TAG_TEMPLATE || t == GUMBO_TAG_TITLE;
}

bool BreaksLine(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_BR:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_CENTER:
    case GUMBO_TAG_BLOCKQUOTE:
      return true;
    default:
      return false;
  }
}

const GumboVector* ChildrenOf(const GumboNode* n) {
  if (n->type == GUMBO_NODE_ELEMENT) return &n->v.element.children;
  if (n->type == GUMBO_NODE_DOCUMENT) return &n->v.document.children;
  return nullptr;
}

// Pre-order walk without recursion: the next node after n (skipping n's
// children unless `descend`), staying inside root.
const GumboNode* Next(const GumboNode* root, const GumboNode* n, bool descend) {
  if (descend) {
    const GumboVector* ch = ChildrenOf(n);
    if (ch != nullptr && ch->length > 0) return static_cast<const GumboNode*>(ch->data[0]);
  }
  while (n != nullptr && n != root) {
    const GumboNode* p = n->parent;
    if (p == nullptr) return nullptr;
    const GumboVector* ch = ChildrenOf(p);
    const size_t i = n->index_within_parent + 1;
    if (ch != nullptr && i < ch->length) return static_cast<const GumboNode*>(ch->data[i]);
    n = p;
  }
  return nullptr;
}

bool IsElement(const GumboNode* n, GumboTag t) { return n->type == GUMBO_NODE_ELEMENT && n->v.element.tag == t; }

int SpanOf(const GumboNode* cell, const char* name, int max) {
  const GumboAttribute* a = gumbo_get_attribute(&cell->v.element.attributes, name);
  if (a == nullptr) return 1;
  const int v = std::atoi(a->value);
  return v < 1 ? 1 : std::min(v, max);
}

// Lines of text under root (a cell, or the page outside the plan's tables):
// whitespace in the source is a wrap (joined as AppendText joins), block
// elements and <br> start a line. `stop` subtrees (the plan's tables) are
// left out, and the lines between them kept apart.
struct TextLines {
  std::vector<std::vector<Line>> parts{1};  // parts[i]: the lines after the i-th stop
};

TextLines LinesUnder(const GumboNode* root, const std::vector<const GumboNode*>& stops) {
  TextLines out;
  std::string cur;
  int cur_line = 0;
  bool space_pending = false;
  auto flush = [&] {
    space_pending = false;
    std::string t = text::Trim(cur);
    if (!t.empty()) out.parts.back().push_back({std::move(t), cur_line});
    cur.clear();
    cur_line = 0;
  };
  for (const GumboNode* n = root; n != nullptr;) {
    bool descend = true;
    if (n->type == GUMBO_NODE_ELEMENT) {
      const GumboTag t = n->v.element.tag;
      if (std::find(stops.begin(), stops.end(), n) != stops.end()) {
        flush();
        out.parts.emplace_back();
        descend = false;
      } else if (Skipped(t)) {
        descend = false;
      } else if (BreaksLine(t)) {
        flush();
      }
    } else if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE || n->type == GUMBO_NODE_CDATA) {
      const std::string piece = text::Clean(n->v.text.text);
      if (cur_line == 0 && !text::Trim(piece).empty()) cur_line = static_cast<int>(n->v.text.start_pos.line);
      // Source lines the exporter wrapped are one text (AppendText keeps a
      // space only between ASCII letters or digits); spaces within a source
      // line are the text's own and stay, one for a run.
      size_t i = 0;
      while (i < piece.size()) {
        size_t j = i;
        while (j < piece.size() && piece[j] != ' ' && piece[j] != '\n' && piece[j] != '\t') ++j;
        if (j > i) {
          if (space_pending && !cur.empty()) cur += ' ';
          if (space_pending) {
            cur += piece.substr(i, j - i);
          } else {
            AppendText(cur, std::string_view(piece).substr(i, j - i));
          }
          space_pending = false;
        }
        size_t k = j;
        bool wrapped = false;
        while (k < piece.size() && (piece[k] == ' ' || piece[k] == '\n' || piece[k] == '\t')) {
          wrapped = wrapped || piece[k] == '\n';
          ++k;
        }
        if (k > j && !wrapped) space_pending = true;
        i = k;
      }
    }
    n = Next(root, n, descend);
  }
  flush();
  return out;
}

// The rows of a table element (through thead/tbody/tfoot), not of tables nested in its cells.
std::vector<const GumboNode*> RowsOf(const GumboNode* table) {
  std::vector<const GumboNode*> rows;
  const GumboVector& ch = table->v.element.children;
  for (unsigned i = 0; i < ch.length; ++i) {
    const auto* c = static_cast<const GumboNode*>(ch.data[i]);
    if (IsElement(c, GUMBO_TAG_TR)) rows.push_back(c);
    if (IsElement(c, GUMBO_TAG_TBODY) || IsElement(c, GUMBO_TAG_THEAD) || IsElement(c, GUMBO_TAG_TFOOT)) {
      const GumboVector& g = c->v.element.children;
      for (unsigned k = 0; k < g.length; ++k)
        if (IsElement(static_cast<const GumboNode*>(g.data[k]), GUMBO_TAG_TR))
          rows.push_back(static_cast<const GumboNode*>(g.data[k]));
    }
  }
  return rows;
}

// A table's rows as cells, rowspan and colspan filled with empty cells.
std::vector<Row> GridOf(const GumboNode* table) {
  std::vector<Row> rows;
  std::map<int, int> pending;  // column -> rows still covered by a rowspan above
  for (const GumboNode* tr : RowsOf(table)) {
    Row row;
    row.line = static_cast<int>(tr->v.element.start_pos.line);
    int col = 0;
    auto fill_covered = [&] {
      while (col < kMaxColumns) {
        auto it = pending.find(col);
        if (it == pending.end() || it->second <= 0) break;
        row.cells.push_back(Cell{{}, row.line, false, false});  // under a rowspan: merged
        ++col;
      }
    };
    const GumboVector& ch = tr->v.element.children;
    std::map<int, int> next_pending;
    for (unsigned i = 0; i < ch.length; ++i) {
      const auto* td = static_cast<const GumboNode*>(ch.data[i]);
      if (!IsElement(td, GUMBO_TAG_TD) && !IsElement(td, GUMBO_TAG_TH)) continue;
      fill_covered();
      if (col >= kMaxColumns) break;
      Cell cell;
      cell.line = static_cast<int>(td->v.element.start_pos.line);
      TextLines text = LinesUnder(td, {});
      for (auto& l : text.parts.front()) cell.lines.push_back({std::move(l.text), l.no});
      cell.known_empty = cell.lines.empty();
      const int rowspan = SpanOf(td, "rowspan", kMaxRowSpan);
      const int colspan = SpanOf(td, "colspan", kMaxColumns);
      for (int k = 0; k < colspan && col < kMaxColumns; ++k, ++col) {
        row.cells.push_back(k == 0 ? cell : Cell{{}, row.line, false, true});  // colspan: the text is in the first
        if (rowspan > 1) next_pending[col] = rowspan - 1;
      }
    }
    fill_covered();
    for (auto& [c, left] : pending) {
      if (left > 1 && next_pending.count(c) == 0) next_pending[c] = left - 1;
    }
    pending = std::move(next_pending);
    bool all_empty = true;
    for (const auto& c : row.cells) all_empty = all_empty && c.Empty();
    if (!all_empty) rows.push_back(std::move(row));
  }
  return rows;
}

bool Inside(const GumboNode* n, const GumboNode* ancestor) {
  for (const GumboNode* p = n->parent; p != nullptr; p = p->parent)
    if (p == ancestor) return true;
  return false;
}

// Gumbo's tree building costs the square of the nesting depth (each tag
// looks through the open elements), so a page nested a hundred thousand
// deep would hold the importer for minutes before the depth check after the
// parse could refuse it. This scan estimates the depth from the tags alone,
// in one pass: elements HTML closes by itself (p, li, td …) and void ones
// (br, img …) are not counted, so a page that leaves those open is not
// taken for a deep one.
int EstimatedDepth(std::string_view html) {
  static const std::unordered_set<std::string_view> kNotCounted = {
      "area",    "base",   "br",       "col",  "embed", "hr",       "img",     "input",  "link",   "meta",
      "param",   "source", "track",    "wbr",  "p",     "li",       "dt",      "dd",     "tr",     "td",
      "th",      "option", "optgroup", "rb",   "rt",    "rp",       "tbody",   "thead",  "tfoot",  "colgroup",
      "caption", "html",   "head",     "body", "frame", "basefont", "bgsound", "keygen", "command"};
  // Formatting elements (font, b, span …) left open are closed by the
  // parser at the end of a table cell, so old pages' unclosed <font> in
  // every cell is not depth: they count apart and reset there. Across
  // paragraphs gumbo does nest them (300 unclosed <p><font> make a tree
  // 306 deep, 20,000 take seconds), so there they count.
  static const std::unordered_set<std::string_view> kFormatting = {
      "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u", "span"};
  static const std::unordered_set<std::string_view> kBoundary = {"td", "th", "tr", "table", "caption"};
  int formatting = 0;
  int depth = 0, deepest = 0;
  size_t i = 0;
  while ((i = html.find('<', i)) != std::string_view::npos) {
    if (html.substr(i, 4) == "<!--") {
      const size_t e = html.find("-->", i + 4);
      if (e == std::string_view::npos) break;
      i = e + 3;
      continue;
    }
    size_t j = i + 1;
    const bool closing = j < html.size() && html[j] == '/';
    if (closing) ++j;
    std::string name;
    while (j < html.size() && std::isalnum(static_cast<unsigned char>(html[j])) && name.size() < 16)
      name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(html[j++]))));
    const size_t gt = html.find('>', j);
    if (gt == std::string_view::npos) break;
    i = gt + 1;
    if (kBoundary.count(name) != 0) formatting = 0;
    if (kFormatting.count(name) != 0) {
      formatting = closing ? std::max(0, formatting - 1) : formatting + 1;
      deepest = std::max(deepest, depth + formatting);
      continue;
    }
    if (name.empty() || kNotCounted.count(name) != 0) continue;
    if (closing) {
      depth = std::max(0, depth - 1);
    } else if (html[gt - 1] != '/') {
      deepest = std::max(deepest, ++depth);
      if (name == "script" || name == "style" || name == "textarea" || name == "title") {
        // Raw text: no tags inside until its end tag.
        const size_t e = html.find("</" + name, i);
        if (e != std::string_view::npos) i = e;
      }
    }
  }
  return deepest;
}

const char kTooDeep[] =
    "网页无法读取：元素嵌套层数过多（可能有大量未闭合的 <font> 等标签），请用浏览器或 LibreOffice 打开后另存";

// The page's tables in document order; false when it nests deeper than kMaxHtmlDepth.
bool TablesOf(const GumboNode* root, std::vector<const GumboNode*>& tables) {
  int depth = 0;
  const GumboNode* n = root;
  while (n != nullptr) {
    if (IsElement(n, GUMBO_TAG_TABLE)) tables.push_back(n);
    const GumboVector* ch = ChildrenOf(n);
    if (ch != nullptr && ch->length > 0) {
      if (++depth > kMaxHtmlDepth) return false;
      n = static_cast<const GumboNode*>(ch->data[0]);
      continue;
    }
    // Up until a node has a next sibling.
    while (n != nullptr && n != root) {
      const GumboVector* sib = ChildrenOf(n->parent);
      const size_t i = n->index_within_parent + 1;
      if (sib != nullptr && i < sib->length) {
        n = static_cast<const GumboNode*>(sib->data[i]);
        break;
      }
      n = n->parent;
      --depth;
    }
    if (n == root) n = nullptr;
  }
  return true;
}

// The plan's table: the first with a header row, else the one with the most
// rows; grids.size() when no table has text.
size_t ChooseTable(const std::vector<std::vector<Row>>& grids) {
  for (size_t i = 0; i < grids.size(); ++i)
    if (FindHeaderRow(grids[i]) < grids[i].size()) return i;
  size_t chosen = grids.size(), most = 0;
  for (size_t i = 0; i < grids.size(); ++i) {
    if (grids[i].size() > most) {
      most = grids[i].size();
      chosen = i;
    }
  }
  return chosen;
}

// Text between the plan's tables (a section heading between pages) as
// one-cell rows where it stood; before the first and after the last as the
// preamble and trailer.
void PlaceTextAround(TextLines around, TableDocument& doc) {
  doc.before = std::move(around.parts.front());
  if (around.parts.size() > 1) doc.after = std::move(around.parts.back());
  if (around.parts.size() <= 2) return;
  std::vector<Row> merged;
  size_t part = 1;
  for (auto& r : doc.rows) {
    while (part + 1 < around.parts.size() && (around.parts[part].empty() || around.parts[part].front().no <= r.line)) {
      for (auto& l : around.parts[part]) merged.push_back(Row{{Cell{{{l.text, l.no}}, l.no, false, false}}, l.no});
      ++part;
    }
    merged.push_back(std::move(r));
  }
  doc.rows = std::move(merged);
}

}  // namespace

bool ReadHtml(const std::string& clean, TableDocument& doc, std::vector<Problem>& problems) {
  const std::string too_deep = "web page refused: elements nested deeper than " + std::to_string(kMaxHtmlDepth) +
                               " levels (tags left open, as old editors leave <font>? open the page in a browser or "
                               "LibreOffice and save it again)";
  if (EstimatedDepth(clean) > kMaxHtmlDepth) {
    problems.push_back({0, too_deep, kTooDeep});
    return false;
  }
  Blocks blocks;
  GumboOptions options = kGumboDefaultOptions;
  options.allocator = &Allocate;
  options.deallocator = &Deallocate;
  options.userdata = &blocks;
  options.max_errors = 100;
  GumboOutput* out = gumbo_parse_with_options(&options, clean.data(), clean.size());
  // Never gumbo_destroy_output: `blocks` frees everything when it goes.
  std::vector<const GumboNode*> tables;
  if (!TablesOf(out->document, tables)) {
    problems.push_back({0, too_deep, kTooDeep});
    return false;
  }
  if (tables.size() > kMaxTables) {
    problems.push_back(
        {0, "web page refused: more than " + std::to_string(kMaxTables) + " tables", "网页无法读取：表格数量过多"});
    return false;
  }
  std::vector<std::vector<Row>> grids;
  grids.reserve(tables.size());
  for (const GumboNode* t : tables) grids.push_back(GridOf(t));
  const size_t chosen = ChooseTable(grids);
  if (chosen == tables.size()) {
    // No table: a prose plan. Its paragraphs, for the prose reader.
    PlaceTextAround(LinesUnder(out->document, {}), doc);
    if (doc.before.empty()) {
      problems.push_back({0, "web page refused: it has no text", "网页无法读取：页面中没有文字"});
      return false;
    }
    return true;
  }
  // Later tables as wide continue the plan (a table per page).
  const size_t width = TableWidth(grids[chosen]);
  std::vector<const GumboNode*> plan_tables{tables[chosen]};
  doc.rows = std::move(grids[chosen]);
  for (size_t i = chosen + 1; i < tables.size(); ++i) {
    if (Inside(tables[i], tables[chosen]) || grids[i].empty()) continue;
    if (TableWidth(grids[i]) != width) break;
    plan_tables.push_back(tables[i]);
    for (auto& r : grids[i]) doc.rows.push_back(std::move(r));
  }
  PlaceTextAround(LinesUnder(out->document, plan_tables), doc);
  return true;
}

}  // namespace duban::plan_import::table
