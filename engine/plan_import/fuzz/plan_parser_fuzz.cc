// libFuzzer target for ParsePlan: any bytes must parse without crashing,
// without sanitizer reports, and give JSON that is valid UTF-8 and a preview.
// Build: CC=clang CXX=clang++ cmake -DDUBAN_FUZZ=ON ...; corpus:
// tests/fuzz/corpus/plan_import (the samples and the test inputs).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "duban/plan_import/plan_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace duban::plan_import;
  static const UnitDirectory dir = [] {
    const auto& shipped = UnitDirectory::Embedded();
    return shipped.empty() ? UnitDirectory() : shipped.front();
  }();
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  ParseOptions opts;
  const ParsedPlan plan = ParsePlan(bytes, dir, opts);
  const std::string json = ParsedPlanToJson(plan);
  const std::string preview = RenderPreview(plan);
  if (json.empty() || preview.empty()) std::abort();
  for (const auto& t : plan.tasks) {
    if (t.number <= 0) std::abort();  // numbers come from digits, never zero
  }
  return 0;
}
