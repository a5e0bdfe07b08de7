// ZipBytes: a zip package (a .docx, an .xlsx) built in memory from its parts,
// with libzip. Deterministic: the same parts give the same bytes (deflate at
// level 9, a fixed time on every entry), so a document is reproducible.
// Used by the bulletin's .docx, and by the benchmark and fuzz harnesses that
// hand the plan importer real packages.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "duban/status.h"

namespace duban {

// Parts in the order given ([Content_Types].xml first, as Office writes it).
Result<std::string> ZipBytes(const std::vector<std::pair<std::string, std::string>>& parts);

}  // namespace duban
