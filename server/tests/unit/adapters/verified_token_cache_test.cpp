#include "adapters/crypto/verified_token_cache.hpp"

#include <gtest/gtest.h>

#include <string>

#include "adapters/crypto/jwt_token_signer.hpp"

namespace tr {
namespace {

AccessClaims claims_until(EpochMs expires_at, std::string user = "u1") {
  return AccessClaims{std::move(user), "s1", "j1", false, 0, expires_at};
}

TEST(VerifiedTokenCache, FindsOnlyTheExactTokenItRemembered) {
  VerifiedTokenCache cache;
  cache.remember("aaa.bbb.ccc", claims_until(10'000), 1'000);
  auto hit = cache.find("aaa.bbb.ccc", 2'000);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->user_id, "u1");
  EXPECT_FALSE(cache.find("aaa.bbb.ccd", 2'000));
  EXPECT_FALSE(cache.find("aaa.bbb.cc", 2'000));
}

TEST(VerifiedTokenCache, ExpiredEntriesAreNotReturned) {
  VerifiedTokenCache cache;
  cache.remember("t", claims_until(10'000), 1'000);
  EXPECT_TRUE(cache.find("t", 9'999));
  EXPECT_FALSE(cache.find("t", 10'000));
  EXPECT_FALSE(cache.find("t", 5'000));  // dropped on the expired lookup
}

TEST(VerifiedTokenCache, StaysWithinItsCapacity) {
  VerifiedTokenCache cache(/*capacity=*/32);
  for (int i = 0; i < 1000; ++i) {
    cache.remember("token-" + std::to_string(i), claims_until(1'000'000), 1'000);
  }
  int found = 0;
  for (int i = 0; i < 1000; ++i) found += cache.find("token-" + std::to_string(i), 2'000) ? 1 : 0;
  EXPECT_LE(found, 32);
  EXPECT_TRUE(cache.find("token-999", 2'000));  // the newest is kept
}

TEST(JwtTokenSignerCache, ARememberedTokenStillExpiresAndTamperingStillFails) {
  JwtTokenSigner signer("cache-test-secret-0123456789abcdef");
  const EpochMs now = 1'800'000'000'000;
  const std::string token = signer.sign(AccessClaims{"u", "s", "j", true, now, now + 60'000});
  ASSERT_TRUE(signer.verify(token, now + 1));
  ASSERT_TRUE(signer.verify(token, now + 2));  // from the cache
  EXPECT_FALSE(signer.verify(token, now + 60'000));
  std::string tampered = token;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(signer.verify(tampered, now + 3));
}

}  // namespace
}  // namespace tr
