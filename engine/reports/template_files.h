// The document templates kept in the repository (engine/reports/templates/),
// compiled into the binary by engine/common/embed_files.cmake: each file's path under
// its template's folder and its bytes, sorted by path. Private to
// duban_report_files.
#pragma once

#include <string_view>
#include <vector>

namespace duban::reports {

struct TemplateFile {
  std::string_view path;  // e.g. "word/document.xml", "[Content_Types].xml"
  std::string_view bytes;
};

// templates/bulletin/: the parts of the bulletin's .docx (bulletin_files.cc).
const std::vector<TemplateFile>& BulletinTemplate();

}  // namespace duban::reports
