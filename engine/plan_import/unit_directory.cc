// Loading and querying the unit directory. yaml-cpp throws on bad input; every
// call into it is caught here and turned into an InvalidArgument status.
#include "duban/plan_import/unit_directory.h"

#include "duban/plan_import/plan_parser.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "embedded_units.h"
#include "text_util.h"
#include "duban/file_text.h"

namespace duban::plan_import {

namespace {

std::vector<std::string> StringList(const YAML::Node& node) {
  std::vector<std::string> out;
  if (!node) return out;
  if (node.IsScalar()) {
    out.push_back(text::Trim(node.as<std::string>()));
  } else if (node.IsSequence()) {
    for (const auto& item : node) {
      if (item.IsScalar()) out.push_back(text::Trim(item.as<std::string>()));
    }
  }
  std::erase_if(out, [](const std::string& s) { return s.empty(); });
  return out;
}

std::string At(std::string_view source_name, const YAML::Node& n) {
  return std::string(source_name) + ":" + std::to_string(n.Mark().line + 1) + ": ";
}

bool IsMobile(const std::string& m) {
  if (m.empty() || m.size() > 20) return false;
  for (size_t i = 0; i < m.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(m[i])) && !(i == 0 && m[i] == '+')) return false;
  return true;
}

bool IsEmail(const std::string& a) {
  const auto at = a.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == a.size() || a.find('@', at + 1) != std::string::npos)
    return false;
  return std::none_of(a.begin(), a.end(), [](char c) { return c <= 0x20 || c >= 0x7f || c == '<' || c == '>'; });
}

// A unit's `contacts:` block: liaison and leader, each {name, mobile, email}.
Status ParseContacts(const YAML::Node& contacts, std::string_view source_name, UnitDirectory::Unit& unit) {
  if (!contacts.IsMap())
    return Status::InvalidArgument(At(source_name, contacts) + unit.name +
                                   ": contacts must be a mapping of liaison / leader");
  for (const auto& kv : contacts) {
    const std::string role = kv.first.as<std::string>();
    if (role != "liaison" && role != "leader")
      return Status::InvalidArgument(At(source_name, kv.first) + unit.name + ": unknown contact \"" + role +
                                     "\" (liaison 联络员, leader 分管领导)");
    const YAML::Node c = kv.second;
    if (!c.IsMap())
      return Status::InvalidArgument(At(source_name, c) + unit.name + " " + role + ": must be {name, mobile, email}");
    UnitDirectory::Contact contact;
    for (const auto& f : c) {
      const std::string key = f.first.as<std::string>();
      if (!f.second.IsScalar())
        return Status::InvalidArgument(At(source_name, f.second) + unit.name + " " + role + ": " + key +
                                       " must be a string");
      const std::string v = text::Trim(f.second.as<std::string>());
      if (key == "name") {
        contact.name = v;
      } else if (key == "mobile") {
        if (!IsMobile(v))
          return Status::InvalidArgument(At(source_name, f.second) + "\"" + v + "\" is not a mobile number");
        contact.mobile = v;
      } else if (key == "email") {
        if (!IsEmail(v))
          return Status::InvalidArgument(At(source_name, f.second) + "\"" + v + "\" is not an email address");
        contact.email = v;
      } else {
        return Status::InvalidArgument(At(source_name, f.first) + unit.name + " " + role + ": unknown key \"" + key +
                                       "\" (name, mobile, email)");
      }
    }
    if (contact.mobile.empty() && contact.email.empty())
      return Status::InvalidArgument(At(source_name, c) + unit.name + " " + role + ": give a mobile or an email");
    (role == "liaison" ? unit.liaison : unit.leader) = contact;
  }
  return Status::Ok();
}

}  // namespace

Result<UnitDirectory> UnitDirectory::Parse(std::string_view yaml, std::string_view source_name) {
  UnitDirectory dir;
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsMap()) {
      return Status::InvalidArgument(std::string(source_name) + ": not a YAML mapping");
    }
    if (root["directory"]) dir.id_ = root["directory"].as<std::string>();
    if (root["title"]) dir.title_ = root["title"].as<std::string>();
    dir.match_ = StringList(root["match"]);
    if (const auto units = root["units"]) {
      if (!units.IsSequence()) {
        return Status::InvalidArgument(std::string(source_name) + ": 'units' must be a list");
      }
      for (const auto& u : units) {
        Unit unit;
        if (u.IsScalar()) {
          unit.name = text::Trim(u.as<std::string>());
        } else if (u.IsMap() && u["name"]) {
          unit.name = text::Trim(u["name"].as<std::string>());
          unit.aliases = StringList(u["short"]);
          if (u["parent"]) unit.parent = text::Trim(u["parent"].as<std::string>());
          for (auto& a : StringList(u["aliases"])) unit.aliases.push_back(std::move(a));
          if (const auto contacts = u["contacts"]) {
            if (Status st = ParseContacts(contacts, source_name, unit); !st.ok()) return st;
          }
        }
        if (unit.name.empty()) {
          return Status::InvalidArgument(std::string(source_name) + ": a unit without a name (line " +
                                         std::to_string(u.Mark().line + 1) + ")");
        }
        dir.units_.push_back(std::move(unit));
      }
    }
    if (const auto groups = root["groups"]) {
      if (!groups.IsSequence()) {
        return Status::InvalidArgument(std::string(source_name) + ": 'groups' must be a list");
      }
      for (const auto& g : groups) {
        Group group;
        if (!g.IsMap() || !g["name"]) {
          return Status::InvalidArgument(std::string(source_name) + ": a group without a name (line " +
                                         std::to_string(g.Mark().line + 1) + ")");
        }
        group.name = text::Trim(g["name"].as<std::string>());
        group.aliases = StringList(g["aliases"]);
        group.members = StringList(g["members"]);
        dir.groups_.push_back(std::move(group));
      }
    }
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string(source_name) + ": " + e.what());
  }
  if (dir.id_.empty()) dir.id_ = std::string(source_name);
  dir.Index();
  // Members must name something in the directory: a typo here would silently
  // drop a unit from every assignment the group expands to.
  for (const auto& g : dir.groups_) {
    for (const auto& m : g.members) {
      if (!dir.Canonical(m)) {
        return Status::InvalidArgument(std::string(source_name) + ": group '" + g.name + "' names unknown member '" +
                                       m + "'");
      }
    }
  }
  if (Status st = dir.ResolveParents(source_name); !st.ok()) return st;
  return dir;
}

// A parent must be a unit, and following parents must end: delegation
// walks this chain, and a loop would make a unit its own superior.
Status UnitDirectory::ResolveParents(std::string_view source_name) {
  for (auto& u : units_) {
    if (u.parent.empty()) continue;
    const auto p = Canonical(u.parent);
    if (!p || IsGroup(*p))
      return Status::InvalidArgument(std::string(source_name) + ": unit '" + u.name + "' names unknown parent unit '" +
                                     u.parent + "'");
    u.parent = *p;
  }
  for (const auto& u : units_) {
    std::set<std::string> seen{u.name};
    for (std::string p = u.parent; !p.empty(); p = ParentOf(p)) {
      if (!seen.insert(p).second)
        return Status::InvalidArgument(std::string(source_name) + ": unit '" + u.name +
                                       "' is its own parent through the 'parent' chain");
    }
  }
  return Status::Ok();
}

namespace {

// Edit distance over code points, stopping early past `limit` (the caller
// only wants close names).
size_t EditDistance(const std::u32string& a, const std::u32string& b, size_t limit) {
  if (a.size() > b.size() + limit || b.size() > a.size() + limit) return limit + 1;
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    size_t row_min = cur[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > limit) return limit + 1;
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::u32string CodePointsOf(const std::string& s) {
  std::u32string out;
  size_t i = 0;
  while (i < s.size()) out.push_back(text::Next(s, i));
  return out;
}

}  // namespace

std::vector<std::string> UnitDirectory::Suggest(std::string_view name, size_t max) const {
  const std::string key = text::NormalizeKey(name);
  const std::u32string k = CodePointsOf(key);
  if (k.size() < 2) return {};
  // (score, canonical): 0 for a known name inside the given one or around
  // it, else 1 + the edit distance; a third of the name's length at most.
  const size_t limit = std::max<size_t>(1, k.size() / 3);
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& entry : by_key_) {
    const std::string& known = entry.first;
    const std::string& canonical = entry.second;
    const std::u32string c = CodePointsOf(known);
    size_t score = limit + 2;
    if (c.size() >= 2 && (key.find(known) != std::string::npos || known.find(key) != std::string::npos)) {
      score = 0;
    } else {
      const size_t d = EditDistance(k, c, limit);
      if (d <= limit) score = 1 + d;
    }
    if (score > limit + 1) continue;
    auto it = std::find_if(scored.begin(), scored.end(), [&](const auto& p) { return p.second == canonical; });
    if (it == scored.end()) {
      scored.emplace_back(score, canonical);
    } else {
      it->first = std::min(it->first, score);
    }
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && out.size() < max; ++i) out.push_back(scored[i].second);
  return out;
}

std::string UnitDirectory::ParentOf(std::string_view unit) const {
  for (const auto& u : units_)
    if (u.name == unit) return u.parent;
  return "";
}

std::vector<std::pair<std::string, std::string>> UnitDirectory::Descendants(std::string_view unit) const {
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<std::string> frontier{std::string(unit)};
  while (!frontier.empty()) {
    std::vector<std::string> next;
    for (const auto& f : frontier)
      for (const auto& u : units_)
        if (u.parent == f) {
          out.emplace_back(u.name, f);
          next.push_back(u.name);
        }
    frontier = std::move(next);
  }
  return out;
}

Result<UnitDirectory> UnitDirectory::LoadFile(const std::string& path) {
  auto text = file_text::ReadWhole(path);
  if (!text.ok()) return Status::IOError("cannot read unit directory " + path + ": " + text.status().message());
  return Parse(*text, path);
}

void UnitDirectory::Index() {
  by_key_.clear();
  group_index_.clear();
  for (const auto& u : units_) {
    by_key_.emplace(text::NormalizeKey(u.name), u.name);
    for (const auto& a : u.aliases) by_key_.emplace(text::NormalizeKey(a), u.name);
  }
  for (size_t i = 0; i < groups_.size(); ++i) {
    const auto& g = groups_[i];
    by_key_.emplace(text::NormalizeKey(g.name), g.name);
    for (const auto& a : g.aliases) by_key_.emplace(text::NormalizeKey(a), g.name);
    group_index_.emplace(g.name, i);
  }
}

std::optional<std::string> UnitDirectory::Canonical(std::string_view name) const {
  const std::string key = text::NormalizeKey(name);
  if (key.empty()) return std::nullopt;
  if (auto it = by_key_.find(key); it != by_key_.end()) return it->second;
  return std::nullopt;
}

bool UnitDirectory::IsGroup(std::string_view name) const {
  const auto c = Canonical(name);
  return c && group_index_.count(*c) > 0;
}

std::vector<std::string> UnitDirectory::Expand(std::string_view name) const {
  std::vector<std::string> out;
  std::set<std::string> seen_units;
  std::set<std::string> seen_groups;
  // Iterative depth-first walk so a cyclic directory cannot recurse forever.
  std::vector<std::string> stack;
  if (auto c = Canonical(name)) stack.push_back(*c);
  while (!stack.empty()) {
    std::string cur = std::move(stack.back());
    stack.pop_back();
    auto g = group_index_.find(cur);
    if (g == group_index_.end()) {
      if (seen_units.insert(cur).second) out.push_back(cur);
      continue;
    }
    if (!seen_groups.insert(cur).second) continue;
    const auto& members = groups_[g->second].members;
    for (auto it = members.rbegin(); it != members.rend(); ++it) {
      if (auto c = Canonical(*it)) stack.push_back(*c);
    }
  }
  return out;
}

const std::vector<UnitDirectory>& UnitDirectory::Embedded() {
  static const std::vector<UnitDirectory> dirs = [] {
    std::vector<UnitDirectory> v;
    for (const auto& [name, yaml] : EmbeddedUnitFiles()) {
      auto d = Parse(yaml, name);
      if (d.ok()) v.push_back(std::move(d).value());
    }
    return v;
  }();
  return dirs;
}

std::optional<UnitDirectory> UnitDirectory::ChooseEmbedded(std::string_view file_bytes) {
  // A Word, Excel or web-page plan is matched on its text, not its package's bytes.
  const std::string text_of_file = PlanText(file_bytes);
  const std::string_view plan_bytes = text_of_file;
  // Look at the head of the file only: the title and issuer live there, and
  // task text further down names other places.
  std::string head;
  {
    size_t lines = 0;
    size_t i = 0;
    while (i < plan_bytes.size() && lines < 40 && i < 16384) {
      if (plan_bytes[i] == '\n') ++lines;
      ++i;
    }
    head = text::Clean(plan_bytes.substr(0, i));
  }
  const UnitDirectory* best = nullptr;
  size_t best_hits = 0;
  for (const auto& d : Embedded()) {
    size_t hits = 0;
    for (const auto& w : d.match_words()) {
      if (!w.empty() && head.find(w) != std::string::npos) ++hits;
    }
    if (hits > best_hits) {
      best = &d;
      best_hits = hits;
    }
  }
  if (!best) return std::nullopt;
  return *best;
}

}  // namespace duban::plan_import
