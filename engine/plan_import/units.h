// Reading a unit cell: "市政府办公室牵头，各地各部门负责", "各县（市、区）政府；
// 市直各单位", one unit per line, names broken over lines. Internal to
// plan_import. Splits on 、，；。 and line breaks outside brackets, so a
// sub-office list "区党政办（文秘科、宣传科）" stays one unit.
#pragma once

#include <string>
#include <vector>

#include "duban/plan_import/unit_directory.h"

namespace duban::plan_import {

enum class UnitRole { kLead, kResponsible };

struct CellLine {
  std::string text;
  int line = 0;
};

struct UnitAssignment {
  std::vector<std::string> lead;
  std::vector<std::string> responsible;
  struct Unknown {
    std::string name;
    int line = 0;
  };
  std::vector<Unknown> unknown;  // names the directory does not know (kept in the lists too)
  bool empty() const { return lead.empty() && responsible.empty(); }
};

// Parses one cell; `default_role` applies to names with no role word.
UnitAssignment ParseUnitCell(const std::vector<CellLine>& lines, UnitRole default_role, const UnitDirectory& dir);

// Appends names not yet in `list` (keeps order, drops repeats).
void AppendUnique(std::vector<std::string>& list, const std::vector<std::string>& names);

// True when `s` reads like a unit name (ends in 局, 委, 办, 政府, 单位 ...).
bool LooksLikeUnit(const std::string& s);

}  // namespace duban::plan_import
