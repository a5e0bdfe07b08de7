// The unit directory: the data file an office keeps of the units (单位) its
// plans name — canonical names, short names and aliases — and of the groups
// plans use instead of a list ("各县（市、区）政府", "市直各单位", "各地各部门"),
// each expanding to its members. The importer maps every unit a plan names to
// a canonical entry here; a name it cannot map is reported, never invented.
//
// File format (YAML, workflows/units/*.yaml):
//   directory: shaoguan            # id, shown in problems
//   title: 韶关市                   # human name
//   match: [韶关]                   # words that, found in a plan's title or
//                                   # first lines, select this directory by default
//   units:
//     - name: 市政府办公室
//       short: [市府办]
//       aliases: [韶关市人民政府办公室]
//       contacts:                   # optional: who the reminders reach
//         liaison: {name: 张三, mobile: "13800000001", email: zhangsan@gov.example}   # 联络员
//         leader:  {name: 李四, mobile: "13800000002"}                              # 分管领导
//     - name: 新韶镇政府
//       parent: 浈江区政府          # optional: the unit it belongs to (a town under
//                                   # its district, an office's section); a unit
//                                   # may delegate its assignment to its children
//   groups:
//     - name: 各县（市、区）政府
//       aliases: [各县（市、区）]
//       members: [浈江区政府, 武江区政府]   # units or other groups
//
// Names compare after removing spaces and mapping half-width brackets to
// full-width ones. A unit with a bracketed sub-office ("区党政办（文秘科）")
// is known when the part before the bracket is.
//
// Thread safety: immutable after construction; share freely.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "duban/status.h"

namespace duban::plan_import {

class UnitDirectory {
 public:
  // A person the reminders consumer reaches for a unit (consumers/README.md).
  struct Contact {
    std::string name;
    std::string mobile;  // digits, optionally a leading +
    std::string email;
  };
  struct Unit {
    std::string name;                  // canonical
    std::vector<std::string> aliases;  // short names and other spellings
    std::optional<Contact> liaison;    // 联络员: hears the unit's reminders
    std::optional<Contact> leader;     // 分管领导: hears escalations to the unit's leaders
    std::string parent;                // canonical name of the unit it belongs to; empty: none
  };
  struct Group {
    std::string name;
    std::vector<std::string> aliases;
    std::vector<std::string> members;  // canonical names of units or groups
  };

  // An empty directory: every unit a plan names is unknown.
  UnitDirectory() = default;

  // Parses the YAML text; errors name `source_name` and what is wrong.
  static Result<UnitDirectory> Parse(std::string_view yaml, std::string_view source_name);
  static Result<UnitDirectory> LoadFile(const std::string& path);

  // The directories shipped in workflows/units/, compiled into the binary.
  static const std::vector<UnitDirectory>& Embedded();
  // The embedded directory whose `match` words occur in the plan's title or
  // first 40 lines (the most matches wins); nullopt when none matches.
  static std::optional<UnitDirectory> ChooseEmbedded(std::string_view plan_bytes);

  const std::string& id() const { return id_; }
  const std::string& title() const { return title_; }
  const std::vector<std::string>& match_words() const { return match_; }
  const std::vector<Unit>& units() const { return units_; }
  const std::vector<Group>& groups() const { return groups_; }

  // Canonical name of a unit or group, or nullopt when unknown.
  std::optional<std::string> Canonical(std::string_view name) const;
  bool IsGroup(std::string_view name) const;
  // A group's member units, groups expanded recursively (cycles cut), in
  // directory order; a unit expands to itself; unknown names to nothing.
  std::vector<std::string> Expand(std::string_view name) const;
  // The units below `unit` in the hierarchy (children, their children, ...),
  // each with its parent, parents before children.
  std::vector<std::pair<std::string, std::string>> Descendants(std::string_view unit) const;
  // For a name the directory does not know: up to `max` canonical names it
  // may mean, closest first — a known name or alias inside it or around it
  // ("韶关市财政局" -> 市财政局), or one a few characters away ("市财正局").
  std::vector<std::string> Suggest(std::string_view name, size_t max = 3) const;
  // The canonical parent of a unit; empty when it has none or is unknown.
  std::string ParentOf(std::string_view unit) const;

 private:
  void Index();
  Status ResolveParents(std::string_view source_name);

  std::string id_;
  std::string title_;
  std::vector<std::string> match_;
  std::vector<Unit> units_;
  std::vector<Group> groups_;
  std::map<std::string, std::string, std::less<>> by_key_;  // normalized -> canonical
  std::map<std::string, size_t, std::less<>> group_index_;  // canonical -> groups_ index
};

}  // namespace duban::plan_import
