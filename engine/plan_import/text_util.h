// Text helpers for the plan importer: UTF-8 cleaning, code-point iteration,
// trimming, Chinese numerals, markup stripping. Internal to plan_import.
// Every function is total: any byte string in, a valid UTF-8 string out, no
// exceptions, no reads past the end (the fuzz target holds them to that).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace duban::plan_import::text {

// Decodes the code point at s[i]; advances i. Invalid bytes decode as U+FFFD
// one byte at a time. REQUIRES: i < s.size().
char32_t Next(std::string_view s, size_t& i);
void Append(std::string& out, char32_t c);

// True when `bytes` is valid UTF-8.
bool IsValidUtf8(std::string_view bytes);

// Valid UTF-8 with "\n" line ends, no BOM, no NULs or other C0 controls but
// tab and newline; invalid sequences become U+FFFD.
std::string Clean(std::string_view bytes);

// Whitespace here includes U+3000 (ideographic space) and U+00A0.
bool IsSpace(char32_t c);
std::string Trim(std::string_view s);
// Removes every whitespace code point (used for keys and header matching).
std::string StripSpaces(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);
size_t CodePoints(std::string_view s);
// The first n code points of s.
std::string Prefix(std::string_view s, size_t n);

// Half-width brackets and punctuation mapped to full-width forms used in
// names ("(" -> "（"), so "各县(市、区)政府" and "各县（市、区）政府" compare equal.
std::string NormalizeKey(std::string_view s);

// Removes HTML-like tags (<p>, </p>, <br/>, <span ...>) and Word bookmarks
// ("[bookmark: _GoBack]"); block tags become line breaks. Decodes a few
// entities (&nbsp; &amp; &lt; &gt; &quot; &#NN;).
std::string StripMarkup(std::string_view line);

// Parses a run of ASCII or full-width digits at s[i]; advances i.
std::optional<int> Digits(std::string_view s, size_t& i, int max_digits);

std::vector<std::string> SplitLines(std::string_view s);

}  // namespace duban::plan_import::text
