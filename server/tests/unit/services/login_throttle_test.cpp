#include "services/auth/login_throttle.hpp"

#include <gtest/gtest.h>

namespace tr {
namespace {

TEST(LoginThrottle, BlocksAUsernameAfterFiveFailuresUntilTheWindowPasses) {
  LoginThrottle t;
  EpochMs now = 1'000'000;
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(t.check("Alice", "10.0.0.1", now));
    t.record_failure("alice", "10.0.0.1", now);
    now += 1000;
  }
  auto wait = t.check("ALICE", "10.0.0.9", now);
  ASSERT_TRUE(wait);
  EXPECT_GT(*wait, 0);
  EXPECT_LE(*wait, 15 * 60);
  EXPECT_FALSE(t.check("bob", "10.0.0.9", now));
  EXPECT_FALSE(t.check("alice", "10.0.0.1", now + 15 * 60 * 1000));
}

TEST(LoginThrottle, BlocksAnAddressAfterTwentyFailures) {
  LoginThrottle t;
  for (int i = 0; i < 20; ++i) t.record_failure("user" + std::to_string(i), "10.0.0.2", 1000 + i);
  EXPECT_TRUE(t.check("someone-new", "10.0.0.2", 2000));
  EXPECT_FALSE(t.check("someone-new", "10.0.0.3", 2000));
}

TEST(LoginThrottle, SuccessClearsTheUsername) {
  LoginThrottle t;
  for (int i = 0; i < 4; ++i) t.record_failure("carol", "a", 1000);
  t.record_success("carol");
  t.record_failure("carol", "a", 1000);
  EXPECT_FALSE(t.check("carol", "b", 1001));
}

}  // namespace
}  // namespace tr
