#include "duban/reports/xlsx_bytes.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "duban/file_text.h"

namespace duban::reports {

Result<std::string> XlsxBytes(const std::function<Status(const std::string& path)>& write) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/duban-report-XXXXXX";
  if (!::mkdtemp(pattern.data()))
    return Status::IOError("cannot make a temporary directory for the workbook (" + pattern +
                           "): " + std::strerror(errno));
  struct Remove {
    std::string dir;
    ~Remove() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{pattern};
  const std::string path = pattern + "/report.xlsx";
  if (Status st = write(path); !st.ok()) return st;
  auto bytes = file_text::ReadWhole(path);
  if (!bytes.ok()) return Status::IOError("cannot read back " + path + ": " + bytes.status().message());
  return bytes;
}

}  // namespace duban::reports
