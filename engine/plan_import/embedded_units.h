// The unit directories of workflows/units/*.yaml, compiled into the binary by
// CMake (embedded_units.cc is generated at configure time).
#pragma once

#include <string_view>
#include <utility>
#include <vector>

namespace duban::plan_import {

// (file name, YAML text) for each shipped directory, sorted by file name.
const std::vector<std::pair<std::string_view, std::string_view>>& EmbeddedUnitFiles();

}  // namespace duban::plan_import
