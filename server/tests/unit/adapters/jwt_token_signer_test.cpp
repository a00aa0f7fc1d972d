#include "adapters/crypto/jwt_token_signer.hpp"

#include <gtest/gtest.h>

namespace tr {
namespace {

constexpr EpochMs kNow = 1'800'000'000'000;

AccessClaims claims() {
  return AccessClaims{"user-1", "session-1", "jti-1", true, kNow, kNow + 15 * 60 * 1000};
}

std::string b64url(const std::string& s) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  int val = 0, bits = -6;
  for (unsigned char c : s) {
    val = (val << 8) + c;
    bits += 8;
    while (bits >= 0) {
      out.push_back(a[(val >> bits) & 0x3F]);
      bits -= 6;
    }
  }
  if (bits > -6) out.push_back(a[((val << 8) >> (bits + 8)) & 0x3F]);
  return out;
}

TEST(JwtTokenSigner, RoundTripsClaims) {
  JwtTokenSigner signer("secret-key-for-tests");
  auto token = signer.sign(claims());
  auto verified = signer.verify(token, kNow + 1000);
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->user_id, "user-1");
  EXPECT_EQ(verified->session_id, "session-1");
  EXPECT_TRUE(verified->is_admin);
}

TEST(JwtTokenSigner, RefusesExpiredTamperedAndForeignTokens) {
  JwtTokenSigner signer("secret-key-for-tests");
  auto token = signer.sign(claims());
  EXPECT_FALSE(signer.verify(token, kNow + 16 * 60 * 1000));
  std::string tampered = token;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(signer.verify(tampered, kNow));
  JwtTokenSigner other("another-secret");
  EXPECT_FALSE(other.verify(token, kNow));
  EXPECT_FALSE(signer.verify("", kNow));
  EXPECT_FALSE(signer.verify("not.a.jwt", kNow));
  EXPECT_EQ(signer.verify("garbage", kNow).error().code, ErrorCode::kUnauthorized);
}

TEST(JwtTokenSigner, RefusesAlgNone) {
  JwtTokenSigner signer("secret-key-for-tests");
  const std::string header =
      b64url(R"({"alg":"none","typ":"JWT","kid":")" + signer.current_key_id() + "\"}");
  const std::string payload = b64url(
      R"({"sub":"user-1","sid":"session-1","jti":"x","adm":true,"iss":"task-reporter","aud":"task-reporter","exp":9999999999,"iat":1})");
  EXPECT_FALSE(signer.verify(header + "." + payload + ".", kNow));
}

TEST(JwtTokenSigner, PreviousKeysStillVerifyAfterRotation) {
  JwtTokenSigner old_signer("old-secret");
  auto token = old_signer.sign(claims());
  JwtTokenSigner rotated("new-secret", {"old-secret"});
  EXPECT_TRUE(rotated.verify(token, kNow));
  JwtTokenSigner forgot("new-secret");
  EXPECT_FALSE(forgot.verify(token, kNow));
}

TEST(JwtTokenSigner, DigestIsStableHex) {
  JwtTokenSigner signer("k");
  EXPECT_EQ(signer.digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace tr
