#include "text_util.h"

#include "duban/utf8.h"

namespace duban::plan_import::text {

char32_t Next(std::string_view s, size_t& i) { return utf8::Next(s, i); }
void Append(std::string& out, char32_t c) { utf8::Append(out, c); }
bool IsValidUtf8(std::string_view bytes) { return utf8::IsValid(bytes); }

std::string Clean(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t i = 0;
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
  while (i < bytes.size()) {
    const char32_t c = Next(bytes, i);
    if (c == '\r') {
      if (i < bytes.size() && bytes[i] == '\n') ++i;
      out.push_back('\n');
    } else if (c == '\t' || c == '\n') {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c == 0x7F || c == 0xFEFF || c == 0x200B || (c >= 0x202A && c <= 0x202E) ||
               (c >= 0x2066 && c <= 0x2069)) {
      // drop NULs, other controls, stray BOMs, zero-width spaces and bidi
      // embeddings, overrides and isolates (they would turn a line around)
    } else if (c == 0x2028 || c == 0x2029 || c == 0x0B || c == 0x0C) {
      out.push_back('\n');
    } else {
      Append(out, c);
    }
  }
  return out;
}

bool IsSpace(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x3000 || c == 0xA0 || c == 0x2002 || c == 0x2003 ||
         c == 0x2009;
}

std::string Trim(std::string_view s) {
  size_t begin = 0;
  size_t end = s.size();
  // find first non-space
  size_t i = 0;
  while (i < s.size()) {
    size_t at = i;
    if (!IsSpace(Next(s, i))) {
      begin = at;
      break;
    }
    begin = i;
  }
  if (begin >= s.size()) return {};
  // find the end of the last non-space
  i = begin;
  end = begin;
  while (i < s.size()) {
    const char32_t c = Next(s, i);
    if (!IsSpace(c)) end = i;
  }
  return std::string(s.substr(begin, end - begin));
}

std::string StripSpaces(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const size_t at = i;
    const char32_t c = Next(s, i);
    if (!IsSpace(c)) out.append(s.substr(at, i - at));
  }
  return out;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.size() >= p.size() && s.substr(0, p.size()) == p; }
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

size_t CodePoints(std::string_view s) { return utf8::CodePoints(s); }
std::string Prefix(std::string_view s, size_t n) { return utf8::Prefix(s, n); }

std::string NormalizeKey(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    char32_t c = Next(s, i);
    if (IsSpace(c)) continue;
    switch (c) {
      case '(':
        c = 0xFF08;
        break;  // （
      case ')':
        c = 0xFF09;
        break;  // ）
      case ',':
        c = 0xFF0C;
        break;  // ，
      case ';':
        c = 0xFF1B;
        break;  // ；
      case ':':
        c = 0xFF1A;
        break;  // ：
      case 0x3014:
        c = 0xFF08;
        break;  // 〔
      case 0x3015:
        c = 0xFF09;
        break;  // 〕
      default:
        break;
    }
    Append(out, c);
  }
  return out;
}

namespace {

bool IsBlockTag(std::string_view name) {
  static constexpr std::string_view kBlock[] = {"p",  "br", "div",   "li", "tr", "td", "th",
                                                "ul", "ol", "table", "h1", "h2", "h3", "h4"};
  std::string lower;
  for (char c : name) lower.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
  for (auto b : kBlock)
    if (lower == b) return true;
  return false;
}

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

std::string StripMarkup(std::string_view line) {
  if (line.find('<') == std::string_view::npos && line.find('&') == std::string_view::npos &&
      line.find("[bookmark") == std::string_view::npos)
    return std::string(line);
  std::string out;
  out.reserve(line.size());
  size_t i = 0;
  while (i < line.size()) {
    const char c = line[i];
    if (c == '<') {
      size_t j = i + 1;
      if (j < line.size() && line[j] == '/') ++j;
      const size_t name_begin = j;
      while (j < line.size() && (IsAsciiAlpha(line[j]) || (j > name_begin && line[j] >= '0' && line[j] <= '9'))) ++j;
      const std::string_view name = line.substr(name_begin, j - name_begin);
      const size_t close = line.find('>', j);
      if (!name.empty() && close != std::string_view::npos && close - i < 400 &&
          line.substr(j, close - j).find('<') == std::string_view::npos) {
        if (IsBlockTag(name)) out.push_back('\n');
        i = close + 1;
        continue;
      }
    } else if (c == '&') {
      static constexpr std::pair<std::string_view, std::string_view> kEntities[] = {
          {"&nbsp;", " "},  {"&amp;", "&"}, {"&lt;", "<"},  {"&gt;", ">"},
          {"&quot;", "\""}, {"&#39;", "'"}, {"&apos;", "'"}};
      bool done = false;
      for (auto [e, r] : kEntities) {
        if (line.substr(i, e.size()) == e) {
          out.append(r);
          i += e.size();
          done = true;
          break;
        }
      }
      if (done) continue;
      if (i + 2 < line.size() && line[i + 1] == '#') {
        size_t j = i + 2;
        uint32_t v = 0;
        int n = 0;
        while (j < line.size() && line[j] >= '0' && line[j] <= '9' && n < 7) {
          v = v * 10 + static_cast<uint32_t>(line[j] - '0');
          ++j;
          ++n;
        }
        if (n > 0 && j < line.size() && line[j] == ';' && v >= 0x20 && v <= 0x10FFFF && !(v >= 0xD800 && v <= 0xDFFF)) {
          Append(out, v);
          i = j + 1;
          continue;
        }
      }
    } else if (c == '[' && line.substr(i, 9) == "[bookmark") {
      const size_t close = line.find(']', i);
      if (close != std::string_view::npos) {
        i = close + 1;
        continue;
      }
    }
    out.push_back(c);
    ++i;
  }
  return out;
}

std::optional<int> Digits(std::string_view s, size_t& i, int max_digits) {
  int v = 0;
  int n = 0;
  size_t j = i;
  while (j < s.size() && n < max_digits + 1) {
    size_t k = j;
    const char32_t c = Next(s, k);
    int d = -1;
    if (c >= '0' && c <= '9')
      d = static_cast<int>(c - '0');
    else if (c >= 0xFF10 && c <= 0xFF19)
      d = static_cast<int>(c - 0xFF10);
    if (d < 0) break;
    v = v * 10 + d;
    ++n;
    j = k;
  }
  if (n == 0 || n > max_digits) return std::nullopt;
  i = j;
  return v;
}

std::vector<std::string> SplitLines(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t nl = s.find('\n', start);
    if (nl == std::string_view::npos) {
      out.emplace_back(s.substr(start));
      break;
    }
    out.emplace_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

}  // namespace duban::plan_import::text
