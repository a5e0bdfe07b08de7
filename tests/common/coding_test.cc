#include "duban/coding.h"

#include <gtest/gtest.h>

namespace duban {
namespace {

TEST(CodingTest, OrderedIntegersSortBytewiseLikeNumbers) {
  std::string a, b, c;
  PutOrderedI64(&a, -5);
  PutOrderedI64(&b, 3);
  PutOrderedI64(&c, 1LL << 40);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_EQ(DecodeOrderedI64(a.data()), -5);
  EXPECT_EQ(DecodeOrderedI64(c.data()), 1LL << 40);
}

TEST(CodingTest, Crc32cMatchesKnownVector) { EXPECT_EQ(Crc32c("123456789"), 0xE3069283u); }

TEST(CodingTest, FrameRoundTripsAndRejectsDamage) {
  std::string f = FrameRecord("hello 督办");
  std::string_view payload;
  size_t used = 0;
  ASSERT_TRUE(UnframeRecord(f, &payload, &used).ok());
  EXPECT_EQ(payload, "hello 督办");
  EXPECT_EQ(used, f.size());

  std::string flipped = f;
  flipped.back() ^= 1;
  EXPECT_EQ(UnframeRecord(flipped, &payload, &used).code(), Status::Code::kCorruption);
  EXPECT_EQ(UnframeRecord(f.substr(0, f.size() - 1), &payload, &used).code(), Status::Code::kCorruption);
  std::string huge = f;
  huge[0] = '\x7f';  // announces ~2 GB
  EXPECT_EQ(UnframeRecord(huge, &payload, &used).code(), Status::Code::kCorruption);
  EXPECT_EQ(UnframeRecord("abc", &payload, &used).code(), Status::Code::kCorruption);
}

}  // namespace
}  // namespace duban
