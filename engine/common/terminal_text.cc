#include "duban/terminal_text.h"

#include <cstdio>

#include "duban/utf8.h"

namespace duban {
namespace {

// Characters that change how text is laid out or hide that it is there.
bool IsFormatting(char32_t c) {
  return c == 0x061C ||                   // Arabic letter mark
         (c >= 0x200B && c <= 0x200F) ||  // zero-width space/joiners, LRM, RLM
         (c >= 0x2028 && c <= 0x202E) ||  // line/paragraph separators, embeddings, overrides
         (c >= 0x2060 && c <= 0x2069) ||  // word joiner, invisible operators, isolates
         c == 0xFEFF;                     // zero-width no-break space (BOM)
}

bool IsSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F || c == 0x3000 || c == 0x180E;
}

}  // namespace

bool HasVisibleText(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t start = i;
    const char32_t c = utf8::Next(s, i);
    const bool invalid = c == 0xFFFD && i - start == 1;
    const bool control = c < 0x20 || (c >= 0x7F && c <= 0x9F);
    if (!invalid && !control && !IsSpace(c) && !IsFormatting(c)) return true;
  }
  return false;
}

bool IsInvisibleCharacter(char32_t c) {
  return c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0xad || c == 0x034f || c == 0x061c || c == 0x115f || c == 0x1160 ||
         c == 0x17b4 || c == 0x17b5 || c == 0x180e || (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) ||
         (c >= 0x2060 && c <= 0x206f) || (c >= 0xfe00 && c <= 0xfe0f) || c == 0xfeff || c == 0x3164 || c == 0xffa0 ||
         (c >= 0xfff0 && c <= 0xffff) || c >= 0xe0000;
}

bool HasInvisibleCharacter(std::string_view text) {
  for (size_t i = 0; i < text.size();)
    if (IsInvisibleCharacter(utf8::Next(text, i))) return true;
  return false;
}

bool HasBidiControl(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const char32_t c = utf8::Next(text, i);
    if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) return true;
  }
  return false;
}

namespace {
std::string Escaped(std::string_view s, bool keep_newlines) {
  std::string out;
  out.reserve(s.size());
  char buf[16];
  for (size_t i = 0; i < s.size();) {
    const size_t start = i;
    const char32_t c = utf8::Next(s, i);
    if (c == 0xFFFD && i - start == 1) {  // not valid UTF-8 here: one byte
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(s[start]));
      out += buf;
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += keep_newlines ? "\n" : "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
      out += buf;
    } else if ((c >= 0x80 && c <= 0x9F) || IsFormatting(c)) {
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out.append(s.substr(start, i - start));
    }
  }
  return out;
}
}  // namespace

std::string ForTerminal(std::string_view s) { return Escaped(s, false); }
std::string ForTerminalLines(std::string_view s) { return Escaped(s, true); }

std::string WithVisibleCharactersOnly(std::string_view s, char with) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const size_t start = i;
    const char32_t c = utf8::Next(s, i);
    const bool invalid = c == 0xFFFD && i - start == 1;
    const bool control = c < 0x20 || (c >= 0x7F && c <= 0x9F);
    if (invalid || control || IsFormatting(c) || c == '/')
      out.push_back(with);
    else
      out.append(s.substr(start, i - start));
  }
  return out;
}

}  // namespace duban
