#include "core/strings.hpp"

#include <gtest/gtest.h>

namespace tr {
namespace {

TEST(Strings, LowerAndTrimLeaveChineseAlone) {
  EXPECT_EQ(ascii_lower("Line 3 沖壓機"), "line 3 沖壓機");
  EXPECT_EQ(trim("  \t王小明\n"), "王小明");
  EXPECT_EQ(trim("   "), "");
}

TEST(Strings, Utf8Validation) {
  EXPECT_TRUE(is_clean_utf8("沖壓機異常停機 line 3\n"));
  EXPECT_FALSE(is_clean_utf8("\xC0\xAF"));        // overlong
  EXPECT_FALSE(is_clean_utf8("\xE6\xB2"));        // truncated
  EXPECT_FALSE(is_clean_utf8("bell\x07"));        // control character
  EXPECT_FALSE(is_clean_utf8("\xED\xA0\x80"));    // surrogate
  EXPECT_EQ(utf8_length("沖壓a"), 3u);
}

}  // namespace
}  // namespace tr
