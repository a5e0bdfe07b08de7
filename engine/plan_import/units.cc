#include "units.h"

#include <algorithm>
#include <string_view>
#include <unordered_set>

#include "text_util.h"

namespace duban::plan_import {

namespace {

bool IsOpen(char32_t c) { return c == U'（' || c == '(' || c == U'【' || c == '[' || c == U'〔' || c == U'《'; }
bool IsClose(char32_t c) { return c == U'）' || c == ')' || c == U'】' || c == ']' || c == U'〕' || c == U'》'; }
bool IsClauseSep(char32_t c) {
  return c == U'，' || c == ',' || c == U'；' || c == ';' || c == U'。' || c == U'：' || c == ':';
}
bool IsListSep(char32_t c) { return c == U'、' || c == U'/' || c == U'／' || text::IsSpace(c); }

// Role words: the text from the first one on says what the units before it do.
struct RoleWord {
  std::string_view word;
  UnitRole role;
};
constexpr RoleWord kRoleWords[] = {
    {"牵头负责", UnitRole::kLead},      {"牵头", UnitRole::kLead},
    {"主责", UnitRole::kLead},          {"分别负责", UnitRole::kResponsible},
    {"负责", UnitRole::kResponsible},   {"配合", UnitRole::kResponsible},
    {"协助", UnitRole::kResponsible},   {"协同", UnitRole::kResponsible},
    {"参与", UnitRole::kResponsible},   {"执行", UnitRole::kResponsible},
    {"落实", UnitRole::kResponsible},   {"按照", UnitRole::kResponsible},
    {"按职责", UnitRole::kResponsible}, {"根据职责", UnitRole::kResponsible},
    {"共同", UnitRole::kResponsible},   {"承办", UnitRole::kResponsible},
};

constexpr std::string_view kUnitSuffixes[] = {"局",   "委",   "办",   "室",     "府", "院", "所", "会", "部",   "厅",
                                              "处",   "科",   "队",   "中心",   "站", "馆", "社", "行", "司",   "团",
                                              "组",   "位",   "门",   "乡",     "镇", "区", "县", "市", "街道", "处",
                                              "公司", "集团", "法院", "检察院", "联", "台", "校", "场", "园",   "署"};

// Walks a text code point by code point, keeping the depth of open brackets
// (a closing bracket with none open is passed over).
class BracketWalk {
 public:
  explicit BracketWalk(std::string_view s) : s_(s) {}
  // The next code point and its byte offset in *at; false at the end.
  bool Next(size_t* at, char32_t* c) {
    if (i_ >= s_.size()) return false;
    *at = i_;
    *c = text::Next(s_, i_);
    if (IsOpen(*c))
      ++depth_;
    else if (IsClose(*c) && depth_ > 0)
      --depth_;
    return true;
  }
  int depth() const { return depth_; }
  size_t end_of_last() const { return i_; }  // the byte after the code point Next gave

 private:
  std::string_view s_;
  size_t i_ = 0;
  int depth_ = 0;
};

// Depth of unclosed brackets at the end of s.
int OpenDepth(std::string_view s) {
  BracketWalk w(s);
  size_t at = 0;
  char32_t c = 0;
  while (w.Next(&at, &c)) {
  }
  return w.depth();
}

// Splits at depth-0 code points for which `is_sep` holds.
template <typename Pred>
std::vector<std::string> SplitTop(std::string_view s, Pred is_sep) {
  std::vector<std::string> out;
  std::string cur;
  BracketWalk w(s);
  size_t at = 0;
  char32_t c = 0;
  while (w.Next(&at, &c)) {
    if (w.depth() == 0 && is_sep(c)) {
      out.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    cur.append(s.substr(at, w.end_of_last() - at));
  }
  out.push_back(std::move(cur));
  return out;
}

// Position of the first role word at bracket depth 0 after at least one
// character, with its role; npos when none.
size_t FindRoleWord(std::string_view s, UnitRole& role) {
  BracketWalk w(s);
  size_t at = 0;
  char32_t c = 0;
  while (w.Next(&at, &c)) {
    if (w.depth() != 0 || at == 0) continue;
    for (const auto& rw : kRoleWords) {
      if (s.substr(at, rw.word.size()) == rw.word) {
        role = rw.role;
        return at;
      }
    }
    // "按职责分工" and "各单位按..." forms: 按 followed by 职责/照/要求.
  }
  return std::string_view::npos;
}

std::string StripEdges(std::string s) {
  s = text::Trim(s);
  static constexpr std::string_view kLead[] = {"由", "请", "及"};
  static constexpr std::string_view kTrail[] = {"等", "。", "，", "、", "；", ".", ",", ";"};
  bool changed = true;
  while (changed && !s.empty()) {
    changed = false;
    for (auto p : kLead) {
      if (text::StartsWith(s, p) && s.size() > p.size()) {
        s.erase(0, p.size());
        changed = true;
      }
    }
    for (auto p : kTrail) {
      if (text::EndsWith(s, p)) {
        s.erase(s.size() - p.size());
        changed = true;
      }
    }
    s = text::Trim(s);
  }
  return s;
}

bool Known(const UnitDirectory& dir, std::string_view name) {
  if (dir.Canonical(name)) return true;
  // A sub-office in brackets: known when the office is.
  const std::string s(name);
  for (std::string_view open : {"（", "("}) {
    const size_t p = s.find(open);
    if (p != std::string::npos && p > 0 && dir.Canonical(std::string_view(s).substr(0, p))) return true;
  }
  return false;
}

// The name as the directory spells it ("市府办" -> "市政府办公室"), keeping a
// bracketed sub-office list; unknown names are returned unchanged.
std::string CanonicalOrSelf(const UnitDirectory& dir, const std::string& name, bool& known) {
  if (auto c = dir.Canonical(name)) {
    known = true;
    return *c;
  }
  for (std::string_view open : {"（", "("}) {
    const size_t p = name.find(open);
    if (p != std::string::npos && p > 0) {
      if (auto c = dir.Canonical(std::string_view(name).substr(0, p))) {
        known = true;
        return *c + name.substr(p);
      }
    }
  }
  known = false;
  return name;
}

}  // namespace

bool LooksLikeUnit(const std::string& s) {
  for (auto suf : kUnitSuffixes)
    if (text::EndsWith(s, suf)) return true;
  if (text::EndsWith(s, "）") || text::EndsWith(s, ")")) return true;  // "区党政办（文秘科）"
  return false;
}

void AppendUnique(std::vector<std::string>& list, const std::vector<std::string>& names) {
  if (list.size() + names.size() <= 32) {
    for (const auto& n : names) {
      if (std::find(list.begin(), list.end(), n) == list.end()) list.push_back(n);
    }
    return;
  }
  // Long lists (garbage or a huge cell): keep it linear.
  std::unordered_set<std::string> seen(list.begin(), list.end());
  for (const auto& n : names) {
    if (seen.insert(n).second) list.push_back(n);
  }
}

namespace {

// Re-joins names a line break cut in two: inside brackets, or where the
// halves are unknown but the whole is known, or neither half reads as a unit
// on its own. Linear in the cell's size: only the open bracket depth and the
// last name fragment of the line being built are kept.
std::vector<CellLine> JoinBrokenNames(const std::vector<CellLine>& lines, const UnitDirectory& dir) {
  auto is_any_sep = [](char32_t c) { return IsClauseSep(c) || IsListSep(c); };
  std::vector<CellLine> joined;
  int depth = 0;
  std::string last_frag;
  for (const auto& l : lines) {
    std::string t = text::Trim(l.text);
    if (t.empty()) continue;
    auto parts = SplitTop(t, is_any_sep);
    if (!joined.empty()) {
      const std::string a = text::Trim(last_frag);
      const std::string b = text::Trim(parts.front());
      bool merge = false;
      if (depth > 0) {
        merge = true;
      } else if (!a.empty() && !b.empty() && !Known(dir, a)) {
        if (Known(dir, a + b))
          merge = true;
        else if (!Known(dir, b) && !LooksLikeUnit(a) && text::CodePoints(a) < 12)
          merge = true;
      }
      if (merge) {
        joined.back().text += t;
        last_frag = parts.size() == 1 ? last_frag + t : parts.back();
        depth = OpenDepth(std::string(depth, '(') + t);
        continue;
      }
    }
    joined.push_back({t, l.line});
    last_frag = parts.back();
    depth = OpenDepth(t);
  }
  return joined;
}

// A part of a cell between ，；。 and line ends; it may carry a role word.
struct Clause {
  std::string units;
  bool has_role = false;
  UnitRole role = UnitRole::kResponsible;
  int line = 0;
};

std::vector<Clause> SplitClauses(const std::vector<CellLine>& joined, bool& any_lead_marker) {
  std::vector<Clause> clauses;
  any_lead_marker = false;
  for (const auto& l : joined) {
    for (auto& part : SplitTop(l.text, IsClauseSep)) {
      part = text::Trim(part);
      if (part.empty()) continue;
      Clause c;
      c.line = l.line;
      UnitRole role{};
      const size_t p = FindRoleWord(part, role);
      if (p != std::string_view::npos) {
        c.units = part.substr(0, p);
        c.has_role = true;
        c.role = role;
        if (role == UnitRole::kLead) any_lead_marker = true;
      } else {
        c.units = part;
      }
      clauses.push_back(std::move(c));
    }
  }
  return clauses;
}

// Names within a clause, split at 、 and spaces; "A、B等各有关部门" keeps A,
// B and the group after 等.
std::vector<std::string> NamesInClause(const std::string& units, const UnitDirectory& dir) {
  std::vector<std::string> names;
  for (auto& frag : SplitTop(units, IsListSep)) {
    std::string name = text::Trim(frag);
    // "…等各有关市直部门": the tail after 等 is a group of its own.
    const size_t deng = name.find("等");
    if (deng != std::string::npos && deng > 0 && OpenDepth(name.substr(0, deng)) == 0) {
      std::string head = StripEdges(name.substr(0, deng));
      std::string tail = StripEdges(name.substr(deng + std::string_view("等").size()));
      if (LooksLikeUnit(head) || Known(dir, head)) {
        if (!head.empty()) names.push_back(head);
        if (!tail.empty()) names.push_back(tail);
        continue;
      }
    }
    name = StripEdges(std::move(name));
    if (!name.empty()) names.push_back(std::move(name));
  }
  return names;
}

// A role marked in brackets after a name, "市发改局（牵头）、市财政局": the
// marker ends a clause of that role ("市发改局牵头，、市财政局").
std::vector<CellLine> RoleMarkersAsClauses(std::vector<CellLine> lines) {
  for (auto& l : lines) {
    for (std::string_view role : {"牵头", "配合", "负责", "协办", "主办"}) {
      for (const std::string& marker : {"（" + std::string(role) + "）", "(" + std::string(role) + ")"}) {
        for (size_t at = l.text.find(marker); at != std::string::npos; at = l.text.find(marker, at)) {
          l.text.replace(at, marker.size(), std::string(role) + "，");
          at += role.size();
        }
      }
    }
  }
  return lines;
}

}  // namespace

UnitAssignment ParseUnitCell(const std::vector<CellLine>& lines, UnitRole default_role, const UnitDirectory& dir) {
  UnitAssignment out;
  bool any_lead_marker = false;
  const std::vector<Clause> clauses = SplitClauses(JoinBrokenNames(RoleMarkersAsClauses(lines), dir), any_lead_marker);
  for (const auto& c : clauses) {
    UnitRole role = c.has_role ? c.role : (any_lead_marker ? UnitRole::kResponsible : default_role);
    std::vector<std::string> canon;
    for (const auto& n : NamesInClause(c.units, dir)) {
      bool known = false;
      std::string cn = CanonicalOrSelf(dir, n, known);
      if (!known) out.unknown.push_back({n, c.line});
      canon.push_back(std::move(cn));
    }
    AppendUnique(role == UnitRole::kLead ? out.lead : out.responsible, canon);
  }
  return out;
}

}  // namespace duban::plan_import
