// UTF-8 primitives shared by every module that handles Chinese text (plan
// import, deadline phrases, unit names, the CLI's tables). Total functions:
// any bytes in, no exceptions, no reads past the end; invalid sequences
// (overlong forms, surrogates, truncated runs) decode as U+FFFD one byte at a time.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace duban::utf8 {

// Decodes the code point at s[i] and advances i. REQUIRES: i < s.size().
char32_t Next(std::string_view s, size_t& i);
// Appends the UTF-8 encoding of c.
void Append(std::string& out, char32_t c);
bool IsValid(std::string_view bytes);
size_t CodePoints(std::string_view s);
// The first n code points of s (never cuts a character in half).
std::string Prefix(std::string_view s, size_t n);
// Terminal columns: CJK and full-width forms take two.
size_t DisplayWidth(std::string_view s);

}  // namespace duban::utf8
