// Text made safe inside XML or HTML (element content and quoted attribute
// values): & < > " ' escaped, and what XML 1.0 cannot hold at all (control
// characters but tab, LF and CR; U+FFFE, U+FFFF; bytes that are not UTF-8)
// left out, so a plan title or unit name from the store never breaks the
// .docx the office opens or the error page a browser shows.
#pragma once

#include <string>
#include <string_view>

namespace duban {

std::string XmlEscape(std::string_view text);

}  // namespace duban
