// The unit directory as a table and as a learned draft (unit_tables.h).
// YAML is written with yaml-cpp's emitter (quoting done right for any name)
// and read back through UnitDirectory::Parse before it is returned.
#include "duban/plan_import/unit_tables.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "plan_table.h"
#include "text_util.h"

namespace duban::plan_import {

namespace {

enum Column {
  kType,
  kName,
  kAliases,
  kParent,
  kMembers,
  kLiaison,
  kLiaisonMobile,
  kLiaisonEmail,
  kLeader,
  kLeaderMobile,
  kLeaderEmail,
  kColumnCount
};

std::string Joined(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "、" : "") + v[i];
  return out;
}

// A cell's names, split on 、，； outside brackets.
std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  size_t i = 0;
  auto flush = [&] {
    std::string t = text::Trim(cur);
    if (!t.empty()) out.push_back(std::move(t));
    cur.clear();
  };
  int depth = 0;  // "各县（市、区）政府" is one name
  while (i < s.size()) {
    const size_t at = i;
    const char32_t c = text::Next(s, i);
    if (c == U'（' || c == '(') ++depth;
    if ((c == U'）' || c == ')') && depth > 0) --depth;
    if (depth == 0 && (c == U'、' || c == U'，' || c == ',' || c == U'；' || c == ';' || c == '\n')) {
      flush();
    } else {
      cur.append(s, at, i - at);
    }
  }
  flush();
  return out;
}

void EmitContact(YAML::Emitter& y, const char* role, const std::optional<UnitDirectory::Contact>& c) {
  if (!c) return;
  y << YAML::Key << role << YAML::Value << YAML::Flow << YAML::BeginMap;
  if (!c->name.empty()) y << YAML::Key << "name" << YAML::Value << c->name;
  if (!c->mobile.empty()) y << YAML::Key << "mobile" << YAML::Value << YAML::DoubleQuoted << c->mobile;
  if (!c->email.empty()) y << YAML::Key << "email" << YAML::Value << c->email;
  y << YAML::EndMap;
}

// The rows of a table file, cells as text: the first sheet of an .xlsx, else CSV or TSV.
std::vector<table::Row> TableRows(std::string_view bytes) {
  std::vector<Problem> ignored;
  if (table::DetectDocument(bytes) == table::DocumentKind::kXlsx) {
    table::TableDocument doc;
    table::ReadXlsx(bytes, doc, ignored);
    return std::move(doc.rows);
  }
  const std::string clean = table::CleanInput(bytes, ignored);
  const size_t nl = clean.find('\n');
  const std::string first = clean.substr(0, nl);
  return table::ParseDelimited(clean, first.find('\t') != std::string::npos ? '\t' : ',');
}

}  // namespace

const std::vector<std::string>& UnitTableHeader() {
  static const std::vector<std::string> header = {"类型",     "名称",         "别名",        "上级单位",
                                                  "成员",     "联络员",       "联络员手机",  "联络员邮箱",
                                                  "分管领导", "分管领导手机", "分管领导邮箱"};
  return header;
}

std::vector<std::vector<std::string>> UnitTableRows(const UnitDirectory& dir) {
  std::vector<std::vector<std::string>> rows{UnitTableHeader()};
  for (const auto& u : dir.units()) {
    std::vector<std::string> r(kColumnCount);
    r[kType] = "单位";
    r[kName] = u.name;
    r[kAliases] = Joined(u.aliases);
    r[kParent] = u.parent;
    if (u.liaison)
      r[kLiaison] = u.liaison->name, r[kLiaisonMobile] = u.liaison->mobile, r[kLiaisonEmail] = u.liaison->email;
    if (u.leader) r[kLeader] = u.leader->name, r[kLeaderMobile] = u.leader->mobile, r[kLeaderEmail] = u.leader->email;
    rows.push_back(std::move(r));
  }
  for (const auto& g : dir.groups()) {
    std::vector<std::string> r(kColumnCount);
    r[kType] = "分组";
    r[kName] = g.name;
    r[kAliases] = Joined(g.aliases);
    r[kMembers] = Joined(g.members);
    rows.push_back(std::move(r));
  }
  return rows;
}

std::string UnitDirectoryYaml(const UnitDirectory& dir, std::string_view comment) {
  YAML::Emitter y;
  y.SetIndent(2);
  if (!comment.empty()) y << YAML::Comment(std::string(comment)) << YAML::Newline;
  y << YAML::BeginMap;
  y << YAML::Key << "directory" << YAML::Value << dir.id();
  y << YAML::Key << "title" << YAML::Value << (dir.title().empty() ? dir.id() : dir.title());
  y << YAML::Key << "match" << YAML::Value << YAML::Flow << dir.match_words();
  y << YAML::Key << "units" << YAML::Value << YAML::BeginSeq;
  for (const auto& u : dir.units()) {
    y << YAML::BeginMap << YAML::Key << "name" << YAML::Value << u.name;
    if (!u.aliases.empty()) y << YAML::Key << "aliases" << YAML::Value << YAML::Flow << u.aliases;
    if (!u.parent.empty()) y << YAML::Key << "parent" << YAML::Value << u.parent;
    if (u.liaison || u.leader) {
      y << YAML::Key << "contacts" << YAML::Value << YAML::BeginMap;
      EmitContact(y, "liaison", u.liaison);
      EmitContact(y, "leader", u.leader);
      y << YAML::EndMap;
    }
    y << YAML::EndMap;
  }
  y << YAML::EndSeq;
  if (!dir.groups().empty()) {
    y << YAML::Key << "groups" << YAML::Value << YAML::BeginSeq;
    for (const auto& g : dir.groups()) {
      y << YAML::BeginMap << YAML::Key << "name" << YAML::Value << g.name;
      if (!g.aliases.empty()) y << YAML::Key << "aliases" << YAML::Value << YAML::Flow << g.aliases;
      y << YAML::Key << "members" << YAML::Value << YAML::Flow << g.members << YAML::EndMap;
    }
    y << YAML::EndSeq;
  }
  y << YAML::EndMap;
  return std::string(y.c_str()) + "\n";
}

namespace {

// Where the table's columns are: the header row (the first naming 名称) and
// each known column's index (-1 when absent).
struct TableColumns {
  size_t header_row = 0;
  std::vector<int> index = std::vector<int>(kColumnCount, -1);
};

Result<TableColumns> FindColumns(const std::vector<table::Row>& rows) {
  TableColumns cols;
  cols.header_row = rows.size();
  for (size_t r = 0; r < rows.size() && r < 20 && cols.header_row == rows.size(); ++r) {
    for (const auto& c : rows[r].cells)
      if (text::StripSpaces(c.Joined()) == "名称") cols.header_row = r;
  }
  const auto& h = UnitTableHeader();
  if (cols.header_row == rows.size())
    return Status::InvalidArgument("no header row naming 名称 (the columns: " + Joined(h) + ")");
  const table::Row& header = rows[cols.header_row];
  for (size_t c = 0; c < header.cells.size(); ++c) {
    const std::string word = text::StripSpaces(header.cells[c].Joined());
    if (word.empty()) continue;
    const auto it = std::find(h.begin(), h.end(), word);
    if (it == h.end())
      return Status::InvalidArgument("row " + std::to_string(header.line) + ": unknown column \"" + word +
                                     "\" (the columns: " + Joined(h) + ")");
    cols.index[static_cast<size_t>(it - h.begin())] = static_cast<int>(c);
  }
  return cols;
}

// One row as a directory entry; `group` says which list it belongs to.
Result<YAML::Node> RowEntry(const table::Row& row, const TableColumns& cols, bool& group) {
  auto cell = [&](Column k) {
    const int c = cols.index[k];
    return c >= 0 && static_cast<size_t>(c) < row.cells.size() ? text::Trim(row.cells[static_cast<size_t>(c)].Joined())
                                                               : std::string();
  };
  const std::string at = "row " + std::to_string(row.line) + ": ";
  const std::string name = cell(kName);
  if (name.empty()) return Status::InvalidArgument(at + "名称 is empty");
  std::string type = cell(kType);
  if (type.empty()) type = cell(kMembers).empty() ? "单位" : "分组";
  YAML::Node n;
  n["name"] = name;
  if (!SplitList(cell(kAliases)).empty()) n["aliases"] = SplitList(cell(kAliases));
  group = type == "分组" || type == "group";
  if (group) {
    if (!cell(kParent).empty() || !cell(kLiaison).empty() || !cell(kLeader).empty())
      return Status::InvalidArgument(at + "a group (分组) has members, not a parent or contacts");
    n["members"] = SplitList(cell(kMembers));
    return n;
  }
  if (type != "单位" && type != "unit")
    return Status::InvalidArgument(at + "类型 \"" + type + "\" is neither 单位 nor 分组");
  if (!cell(kMembers).empty()) return Status::InvalidArgument(at + "a unit (单位) has no members: is it a 分组?");
  for (auto [role, name_col, mobile_col, email_col] : {std::tuple{"liaison", kLiaison, kLiaisonMobile, kLiaisonEmail},
                                                       std::tuple{"leader", kLeader, kLeaderMobile, kLeaderEmail}}) {
    if (cell(name_col).empty() && cell(mobile_col).empty() && cell(email_col).empty()) continue;
    YAML::Node c;
    if (!cell(name_col).empty()) c["name"] = cell(name_col);
    if (!cell(mobile_col).empty()) c["mobile"] = cell(mobile_col);
    if (!cell(email_col).empty()) c["email"] = cell(email_col);
    n["contacts"][role] = c;
  }
  // The row's own checks (contacts) now, alone, so the error names its row;
  // the parent names another row and is checked with the whole directory.
  YAML::Emitter one;
  one << YAML::BeginMap << YAML::Key << "units" << YAML::Value << YAML::BeginSeq << n << YAML::EndSeq << YAML::EndMap;
  if (auto st = UnitDirectory::Parse(one.c_str(), at + name); !st.ok())
    return Status::InvalidArgument(st.status().message());
  if (!cell(kParent).empty()) n["parent"] = cell(kParent);
  return n;
}

}  // namespace

Result<std::string> UnitDirectoryYamlFromTable(std::string_view bytes, const UnitTableMeta& meta) {
  if (meta.id.empty()) return Status::InvalidArgument("a directory id is required (--id)");
  const std::vector<table::Row> rows = TableRows(bytes);
  auto cols = FindColumns(rows);
  if (!cols.ok()) return cols.status();
  YAML::Node units(YAML::NodeType::Sequence), groups(YAML::NodeType::Sequence);
  std::set<std::string> names;
  for (size_t r = cols->header_row + 1; r < rows.size(); ++r) {
    bool group = false;
    auto entry = RowEntry(rows[r], *cols, group);
    if (!entry.ok()) return entry.status();
    const std::string name = (*entry)["name"].as<std::string>();
    if (!names.insert(text::NormalizeKey(name)).second)
      return Status::InvalidArgument("row " + std::to_string(rows[r].line) + ": \"" + name + "\" is listed twice");
    (group ? groups : units).push_back(*entry);
  }
  YAML::Node root;
  root["directory"] = meta.id;
  root["title"] = meta.title.empty() ? meta.id : meta.title;
  root["match"] = meta.match;
  root["units"] = units;
  if (groups.size() > 0) root["groups"] = groups;
  YAML::Emitter y;
  y << root;
  // Members and parents name other rows: checked on the whole directory,
  // which is then written the one way directories are written.
  auto dir = UnitDirectory::Parse(y.c_str(), "the table");
  if (!dir.ok()) return Status::InvalidArgument(dir.status().message());
  return UnitDirectoryYaml(*dir, "Unit directory " + meta.id + ", from a table by `duban units import`.");
}

std::string LearnedDirectoryYaml(const ParsedPlan& plan, const UnitTableMeta& meta, std::string_view source) {
  std::vector<std::string> units, groups;
  std::set<std::string> seen;
  auto take = [&](const std::string& name) {
    if (!seen.insert(text::NormalizeKey(name)).second) return;
    const bool group = name.rfind("各", 0) == 0 || name.find("各单位") != std::string::npos ||
                       name.find("各部门") != std::string::npos || name.find("各地") != std::string::npos;
    (group ? groups : units).push_back(name);
  };
  for (const auto& t : plan.tasks) {
    for (const auto& n : t.lead_units) take(n);
    for (const auto& n : t.responsible_units) take(n);
  }
  YAML::Emitter y;
  y << YAML::Comment("Draft unit directory learned by `duban units learn` from " + std::string(source) + ".")
    << YAML::Newline << YAML::Comment("Review it before use: merge two spellings of one unit (the second as an alias),")
    << YAML::Newline
    << YAML::Comment("give each group its members, add parents and contacts. Then: plan import --units FILE.")
    << YAML::Newline;
  y << YAML::BeginMap << YAML::Key << "directory" << YAML::Value << meta.id;
  y << YAML::Key << "title" << YAML::Value << (meta.title.empty() ? meta.id : meta.title);
  y << YAML::Key << "match" << YAML::Value << YAML::Flow << meta.match;
  y << YAML::Key << "units" << YAML::Value << YAML::BeginSeq;
  for (const auto& u : units) y << YAML::BeginMap << YAML::Key << "name" << YAML::Value << u << YAML::EndMap;
  y << YAML::EndSeq;
  if (!groups.empty()) {
    y << YAML::Key << "groups" << YAML::Value << YAML::BeginSeq;
    for (const auto& g : groups) {
      y << YAML::BeginMap << YAML::Key << "name" << YAML::Value << g << YAML::Key << "members" << YAML::Value
        << YAML::Flow << std::vector<std::string>{} << YAML::EndMap << YAML::Comment("review: its members");
    }
    y << YAML::EndSeq;
  }
  y << YAML::EndMap;
  return std::string(y.c_str()) + "\n";
}

}  // namespace duban::plan_import
