// ForTerminal: control and formatting characters escaped, everything else kept.
#include <gtest/gtest.h>

#include "duban/terminal_text.h"

namespace duban {
namespace {

TEST(ForTerminalTest, ControlCharactersAreEscaped) {
  EXPECT_EQ(ForTerminal("a\x1b[31mred\r\x07z"), "a\\x1b[31mred\\r\\x07z");
  EXPECT_EQ(ForTerminal("x\ny\tz\x7f"), "x\\ny\\tz\\x7f");
  EXPECT_EQ(ForTerminal(std::string("nul\0end", 7)), "nul\\x00end");
}

TEST(ForTerminalTest, C1AndBidiAndInvisibleCharactersAreEscaped) {
  EXPECT_EQ(ForTerminal("\xc2\x9b"
                        "2J"),
            "\\u009b2J");  // CSI as a C1 character
  EXPECT_EQ(ForTerminal("abc\xe2\x80\xae"
                        "fdp.exe"),
            "abc\\u202efdp.exe");                                          // right-to-left override
  EXPECT_EQ(ForTerminal("\xe2\x81\xa6x\xe2\x81\xa9"), "\\u2066x\\u2069");  // isolates
  EXPECT_EQ(ForTerminal("a\xe2\x80\x8b"
                        "b\xef\xbb\xbf"),
            "a\\u200bb\\ufeff");
}

TEST(ForTerminalTest, OrdinaryTextIsKeptAndEscapingIsUnambiguous) {
  const std::string text = "市财政局：已完成初稿（40%），“公开”—— ok";
  EXPECT_EQ(ForTerminal(text), text);
  EXPECT_EQ(ForTerminal("a\\x1b"), "a\\\\x1b");  // a typed backslash is not an escape
  EXPECT_EQ(ForTerminal("bad\xff\xfe"), "bad\\xff\\xfe");
  EXPECT_EQ(ForTerminal("\xef\xbf\xbd"), "\xef\xbf\xbd");  // a real U+FFFD stays
  for (int c = 0; c < 0x20; ++c) {
    const std::string out = ForTerminal(std::string(1, static_cast<char>(c)));
    for (char ch : out) EXPECT_GE(static_cast<unsigned char>(ch), 0x20) << c;
  }
}

}  // namespace
}  // namespace duban

namespace duban {
namespace {

TEST(HasVisibleTextTest, WhiteSpaceControlsAndInvisibleCharactersSayNothing) {
  for (const char* nothing :
       {"", " ", "\t\r\n", "\u3000", "\u00a0", "\u200b", "\x1b", "\u202e", "\u3000 \u2003\ufeff", "\xff"})
    EXPECT_FALSE(HasVisibleText(nothing)) << ForTerminal(nothing);
  for (const char* something : {"纸质台账", " x ", "\u3000补录\u3000", "1", "\u202e说明"})
    EXPECT_TRUE(HasVisibleText(something)) << something;
}

TEST(TerminalTextTest, LinesKeepTheirBreaksAndLoseEverythingElse) {
  EXPECT_EQ(ForTerminalLines("任务一\n\x1b[2J任务二\r\n"), "任务一\n\\x1b[2J任务二\\r\n");
  EXPECT_EQ(ForTerminalLines("a\u202eb\n"), "a\\u202eb\n");
}

TEST(TerminalTextTest, NamesFromOutsideKeepOnlyVisibleCharacters) {
  EXPECT_EQ(WithVisibleCharactersOnly("计划\u202etxt.exe"), "计划_txt.exe");
  EXPECT_EQ(WithVisibleCharactersOnly("a\x1b[31mb\x07"), "a_[31mb_");
  EXPECT_EQ(WithVisibleCharactersOnly("a/b\xff"), "a_b_");
  EXPECT_EQ(WithVisibleCharactersOnly("韶关市 2021年 方案"), "韶关市 2021年 方案");
}

}  // namespace
}  // namespace duban
