// Names for parameterised test rows that a reader of ctest's output can
// find again: "row07_2021_12_31" instead of "7" or "24-byte object <E0-16 …>".
// gtest allows only [A-Za-z0-9_] in a name, so Chinese text cannot be used;
// the row index keeps names unique, the hint says what the row is about.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace duban::testing {

inline std::string ParamName(size_t index, std::string_view hint) {
  std::string name = (index < 10 ? "row0" : "row") + std::to_string(index);
  bool gap = true;
  for (char c : hint) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (keep) {
      if (gap) name += '_';
      name += c;
    }
    gap = !keep;
    if (name.size() >= 48) break;
  }
  return name;
}

}  // namespace duban::testing
