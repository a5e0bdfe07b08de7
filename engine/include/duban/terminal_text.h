// Text from the store as a terminal should show it. Plan texts, progress
// notes, reasons and names are written by people and files duban does not
// control; printed raw, an ESC sequence repaints the screen, a CR overwrites
// the start of the line, a BEL rings, and a bidi override (U+202E) shows an
// auditor characters in another order than they are stored. Every human
// (non-JSON) output of stored text goes through ForTerminal; JSON output
// keeps the text and escapes it as JSON does.
//
// Guarantee: the result holds no C0 or C1 control character, no DEL, no
// bidi embedding/override/isolate or mark, no zero-width or invisible
// formatting character, and only valid UTF-8; every other character is kept
// as it is, and the escaping is unambiguous (a backslash is doubled).
#pragma once

#include <string>
#include <string_view>

namespace duban {

// "\x1b", "\r", "\t", "\n", "\x07" for C0 and DEL; "\u202e" for C1 and the
// formatting characters; "\xff" for a byte that is not valid UTF-8; "\\" for "\".
std::string ForTerminal(std::string_view text);
// The same for a block of lines (a rendered preview): each '\n' is kept as a
// line break, everything else escaped as ForTerminal does.
std::string ForTerminalLines(std::string_view text);
// `text` with every character ForTerminal would escape (and a '/') replaced
// by `with`: for names derived from outside input, such as a plan id taken
// from a file name.
std::string WithVisibleCharactersOnly(std::string_view text, char with = '_');

// Whether `text` holds a character a reader can see: not only white space
// (ASCII or Unicode: U+3000 from a Chinese input method, U+00A0, ...),
// control characters or the invisible formatting characters above. A reason
// or note that says nothing visible is no reason.
bool HasVisibleText(std::string_view text);

// A character nobody sees where it stands: control characters, soft hyphen,
// zero-width and bidi formatting, variation selectors, Hangul fillers,
// specials and tags. A name holding one looks like another name (市财政局
// and 市财政局 + U+200B) and cannot be told apart on a page or typed again.
bool IsInvisibleCharacter(char32_t c);
// Whether `text` (UTF-8) holds one.
bool HasInvisibleCharacter(std::string_view text);

// Whether `text` (UTF-8) holds a bidirectional embedding, override or
// isolate (U+202A..U+202E, U+2066..U+2069): shown as written, U+202E turns
// the rest of a line around (填报人：局政财市…), so a report could misstate
// what follows it on the office's page.
bool HasBidiControl(std::string_view text);

}  // namespace duban
