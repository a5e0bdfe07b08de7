// An xlsx as bytes in memory, for an HTTP download. libxlsxwriter 1.1.4
// (Debian 12) writes only to a path, so this gives the writer a file in a
// private temporary directory (mkdtemp under $TMPDIR, else /tmp, mode 0700),
// reads it back and removes the directory whatever happens.
#pragma once

#include <functional>
#include <string>

#include "duban/status.h"

namespace duban::reports {

// `write` writes the workbook to the path it is given.
Result<std::string> XlsxBytes(const std::function<Status(const std::string& path)>& write);

}  // namespace duban::reports
