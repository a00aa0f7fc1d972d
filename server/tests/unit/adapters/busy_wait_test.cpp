#include "adapters/sql/busy_wait.hpp"

#include <gtest/gtest.h>

namespace tr::sql {
namespace {

TEST(BusyWait, ShortPausesFirstThenOneMillisecondUntilTenSeconds) {
  EXPECT_EQ(busy_pause_us(0), 50);
  EXPECT_EQ(busy_pause_us(1), 100);
  EXPECT_EQ(busy_pause_us(4), 800);
  EXPECT_EQ(busy_pause_us(5), 1000);
  EXPECT_EQ(busy_pause_us(100), 1000);
  long long waited = 0;
  int tries = 0;
  for (long long pause; (pause = busy_pause_us(tries)) >= 0; ++tries) waited += pause;
  EXPECT_GE(waited, 10'000'000);
  EXPECT_LT(waited, 10'001'000);
  EXPECT_EQ(busy_pause_us(tries + 1000), -1);
}

}  // namespace
}  // namespace tr::sql
