#include "http/page_cache.hpp"

#include <gtest/gtest.h>

namespace tr::http {
namespace {

TEST(PageCache, KeepsABodyUntilTheDataChanges) {
  ChangeCounter changes;
  PageCache cache(changes, 1 << 20);
  EXPECT_EQ(cache.find("alice /api/rooms"), nullptr);
  cache.keep("alice /api/rooms", cache.generation(), "[1]");
  auto body = cache.find("alice /api/rooms");
  ASSERT_NE(body, nullptr);
  EXPECT_EQ(*body, "[1]");
  EXPECT_EQ(cache.find("bob /api/rooms"), nullptr);

  changes.bump();
  EXPECT_EQ(cache.find("alice /api/rooms"), nullptr);
  EXPECT_EQ(*body, "[1]") << "a body handed out stays valid";
}

TEST(PageCache, RefusesABodyBuiltBeforeTheLastChange) {
  ChangeCounter changes;
  PageCache cache(changes, 1 << 20);
  const auto generation = cache.generation();  // read, then the data changed
  changes.bump();
  cache.keep("alice /api/rooms", generation, "[old]");
  EXPECT_EQ(cache.find("alice /api/rooms"), nullptr);
}

TEST(PageCache, ReplacesABodyUnderTheSameKey) {
  ChangeCounter changes;
  PageCache cache(changes, 1 << 20);
  cache.keep("k", cache.generation(), "one");
  changes.bump();
  cache.keep("k", cache.generation(), "two");
  EXPECT_EQ(*cache.find("k"), "two");
}

TEST(PageCache, StaysWithinItsBound) {
  ChangeCounter changes;
  PageCache cache(changes, 64 * 1024);  // 8 KiB per shard
  const std::string big(6 * 1024, 'x');
  for (int i = 0; i < 1000; ++i) cache.keep("key" + std::to_string(i), cache.generation(), big);
  int kept = 0;
  for (int i = 0; i < 1000; ++i) kept += cache.find("key" + std::to_string(i)) != nullptr;
  EXPECT_GT(kept, 0);
  EXPECT_LE(kept, 8) << "at most one 6 KiB body per 8 KiB shard";
  // A body bigger than a shard is never kept.
  cache.keep("huge", cache.generation(), std::string(9 * 1024, 'y'));
  EXPECT_EQ(cache.find("huge"), nullptr);
}

}  // namespace
}  // namespace tr::http
