// libFuzzer targets for the document readers, one per format (the macro
// DUBAN_FUZZ_FORMAT picks it at build time: docx, xlsx or html):
//   docx: the input is word/document.xml, packed into a real zip here, so
//         the fuzzer works on the XML the reader walks, not on zip headers;
//   xlsx: the input is split at the first two NUL bytes into the sheet,
//         xl/sharedStrings.xml and xl/styles.xml of a real workbook package;
//   html: the input is a web page (prefixed so it is read as one).
// Every input must parse without a crash or sanitizer report, in bounded
// time (libFuzzer's -timeout), and give JSON and a preview.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "duban/plan_import/plan_parser.h"
#include "duban/zip_write.h"

namespace {

std::string Zip(const std::vector<std::pair<std::string, std::string>>& parts) {
  auto bytes = duban::ZipBytes(parts);
  if (!bytes.ok()) std::abort();
  return std::move(bytes).value();
}

std::string Input(std::string_view in) {
  const std::string fmt = DUBAN_FUZZ_FORMAT;
  if (fmt == "docx") return Zip({{"word/document.xml", std::string(in)}});
  if (fmt == "xlsx") {
    std::string parts[3];
    size_t at = 0;
    for (int k = 0; k < 3; ++k) {
      const size_t nul = k < 2 ? in.find('\0', at) : std::string_view::npos;
      parts[k] = std::string(in.substr(at, nul == std::string_view::npos ? std::string_view::npos : nul - at));
      if (nul == std::string_view::npos) break;
      at = nul + 1;
    }
    // An empty piece leaves its part out (a workbook without shared strings or styles).
    std::vector<std::pair<std::string, std::string>> files = {
        {"xl/workbook.xml", "<workbook><sheets><sheet r:id=\"rId1\"/></sheets></workbook>"},
        {"xl/worksheets/sheet1.xml", parts[0]}};
    if (!parts[1].empty()) files.emplace_back("xl/sharedStrings.xml", parts[1]);
    if (!parts[2].empty()) files.emplace_back("xl/styles.xml", parts[2]);
    return Zip(files);
  }
  return "<html><table><td>" + std::string(in);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace duban::plan_import;
  static const UnitDirectory dir = [] {
    const auto& shipped = UnitDirectory::Embedded();
    return shipped.empty() ? UnitDirectory() : shipped.front();
  }();
  const std::string bytes = Input(std::string_view(reinterpret_cast<const char*>(data), size));
  const ParsedPlan plan = ParsePlan(bytes, dir, ParseOptions{});
  const std::string json = ParsedPlanToJson(plan);
  const std::string preview = RenderPreview(plan);
  if (json.empty() || preview.empty()) std::abort();
  for (const auto& t : plan.tasks)
    if (t.number <= 0) std::abort();
  (void)PlanText(bytes);
  return 0;
}
