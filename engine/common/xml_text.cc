#include "duban/xml_text.h"

#include "duban/utf8.h"

namespace duban {

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t start = i;
    const char32_t c = utf8::Next(text, i);
    if (c == 0xFFFD && text.substr(start, i - start) != "\xEF\xBF\xBD") continue;  // not UTF-8
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0xFFFE || c == 0xFFFF) continue;
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.append(text.substr(start, i - start));
    }
  }
  return out;
}

}  // namespace duban
