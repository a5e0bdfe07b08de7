// libFuzzer target: any bytes through DecodeCommandJson (the request parser
// of POST /api/v1/commands) must return a command or a refusal, never crash,
// hang or throw. Short run: ctest -R command_json_fuzz; ten minutes:
//   build-fuzz/bin/command_json_fuzz -max_total_time=600 -rss_limit_mb=2048 \
//     /tmp/cj-corpus tests/fuzz/corpus/command_json
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "duban/server/command_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto d = duban::server::DecodeCommandJson(std::string_view(reinterpret_cast<const char*>(data), size));
  if (d.ok() && d->command.command_id.empty()) __builtin_trap();  // a decoded command always has its id
  return 0;
}
