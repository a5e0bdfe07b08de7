// The workbench's pages (web/ at the top of the repository), compiled into
// the binary by engine/common/embed_files.cmake: `duban serve` answers them at / and /web/
// with nothing on disk and nothing from the internet.
#pragma once

#include <string_view>
#include <vector>

namespace duban::server {

struct WebAsset {
  std::string_view path;  // relative to web/, e.g. "app.js"
  std::string_view bytes;
};

const std::vector<WebAsset>& WebAssets();

}  // namespace duban::server
