// A fresh directory under the system's temporary directory, removed with
// everything in it when the object goes. Shared by the tests that need a
// store directory (tests/core/store_util.h, tests/workflow_engine).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace duban::testing {

class TempDir {
 public:
  // `prefix` names the directory ("duban-core-test" -> /tmp/duban-core-test-XXXXXX).
  explicit TempDir(const std::string& prefix = "duban-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace duban::testing
