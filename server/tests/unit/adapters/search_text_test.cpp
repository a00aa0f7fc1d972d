#include "adapters/sql/search_text.hpp"

#include <gtest/gtest.h>

namespace tr::sql {
namespace {

TEST(SearchText, TokensArePairsAndEachColumnsLastCharacterInHex) {
  // "Ab卡" -> "ab", "b卡", "卡"; ASCII letters lowered.
  EXPECT_EQ(search_grams({"Ab卡"}), "6162 62e58da1 e58da1");
  // Columns do not run into each other; empty columns add nothing.
  EXPECT_EQ(search_grams({"a", "", "b c"}), "61 6220 2063 63");
  EXPECT_EQ(search_grams({}), "");
}

TEST(SearchText, PhrasesDoubleTheirQuotes) {
  EXPECT_EQ(fts5_phrase("沖壓機"), "\"沖壓機\"");
  EXPECT_EQ(fts5_phrase("say \"hi\""), "\"say \"\"hi\"\"\"");
}

TEST(SearchText, QueriesAreQuotedTokensAndOneCharacterIsAPrefix) {
  EXPECT_EQ(short_search_query("卡料"), "\"e58da1e69699\"");
  EXPECT_EQ(short_search_query("L3"), "\"6c33\"");
  EXPECT_EQ(short_search_query("卡"), "\"e58da1\"*");
  EXPECT_EQ(short_search_query("\""), "\"22\"*");  // nothing reaches FTS5 unencoded
}

}  // namespace
}  // namespace tr::sql
