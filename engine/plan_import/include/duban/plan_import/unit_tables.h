// The unit directory as offices keep it: a table they edit in Excel or any
// spreadsheet (`duban units export|import`), and a draft directory learned
// from a plan's own unit names (`duban units learn`) for the office to
// review before use. The YAML written is the format of workflows/units/*.yaml
// and is always checked by UnitDirectory::Parse before it is handed back, so
// a table that would make a broken directory is refused with its row.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "duban/plan_import/plan_parser.h"
#include "duban/plan_import/unit_directory.h"
#include "duban/status.h"

namespace duban::plan_import {

// The table's columns, in order (the header row). Import finds them by these
// words, so columns may be reordered and unknown ones are refused by name.
//   类型: 单位 or 分组 (a group); 名称; 别名 (、-separated); 上级单位;
//   成员 (a group's members, 、-separated); 联络员 / 分管领导 with 手机, 邮箱.
const std::vector<std::string>& UnitTableHeader();

// The directory as rows, the header first: units, then groups.
std::vector<std::vector<std::string>> UnitTableRows(const UnitDirectory& dir);

// The directory as YAML; `comment` (lines, may be empty) heads the file.
std::string UnitDirectoryYaml(const UnitDirectory& dir, std::string_view comment);

struct UnitTableMeta {
  std::string id;                  // directory id (required)
  std::string title;               // default: the id
  std::vector<std::string> match;  // words that select it for a plan
};

// A table file (.xlsx: the first sheet; CSV or TSV, UTF-8 or GB18030) as a
// directory's YAML. InvalidArgument naming the row (the sheet's row number,
// or the CSV's line) when a row is incomplete, a unit repeats, a member or a
// parent is unknown, a contact is malformed.
Result<std::string> UnitDirectoryYamlFromTable(std::string_view bytes, const UnitTableMeta& meta);

// A draft directory from the units a parsed plan names (parsed without a
// directory): every name once, in order of appearance; names that read as
// groups (各…, …各单位) as groups without members, marked for review.
std::string LearnedDirectoryYaml(const ParsedPlan& plan, const UnitTableMeta& meta, std::string_view source);

}  // namespace duban::plan_import
