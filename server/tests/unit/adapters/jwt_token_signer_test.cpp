#include "adapters/crypto/jwt_token_signer.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

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

const std::string kSecret = "secret-key-for-tests";
const std::string kGoodPayload =
    R"({"sub":"user-1","sid":"session-1","jti":"x","adm":true,"iss":"task-reporter",)"
    R"("aud":"task-reporter","exp":9999999999,"iat":1})";

std::string good_header(const JwtTokenSigner& signer) {
  return R"({"alg":"HS256","typ":"JWT","kid":")" + signer.current_key_id() + "\"}";
}

// A token with this exact header and payload, correctly signed (HS256) with `secret`.
std::string signed_token(const std::string& header, const std::string& payload,
                         const std::string& secret = kSecret) {
  const std::string signing_input = b64url(header) + "." + b64url(payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
       &len);
  return signing_input + "." + b64url(std::string(mac, mac + len));
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

TEST(JwtTokenSigner, AcceptsAHandSignedTokenOfTheSameShape) {
  JwtTokenSigner signer(kSecret);
  auto verified = signer.verify(signed_token(good_header(signer), kGoodPayload), kNow);
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->user_id, "user-1");
  EXPECT_EQ(verified->token_id, "x");
  EXPECT_EQ(verified->issued_at, 1000);
}

TEST(JwtTokenSigner, RefusesOtherAlgorithmsTypesAndKeysEvenWhenSigned) {
  JwtTokenSigner signer(kSecret);
  const std::string kid = signer.current_key_id();
  for (const std::string& header : {
           R"({"alg":"HS512","typ":"JWT","kid":")" + kid + "\"}",
           R"({"alg":"RS256","typ":"JWT","kid":")" + kid + "\"}",
           R"({"alg":"none","typ":"JWT","kid":")" + kid + "\"}",
           R"({"typ":"JWT","kid":")" + kid + "\"}",
           R"({"alg":"HS256","kid":")" + kid + "\"}",
           R"({"alg":"HS256","typ":"JWE","kid":")" + kid + "\"}",
           std::string(R"({"alg":"HS256","typ":"JWT","kid":"unknown"})"),
           std::string(R"({"alg":"HS256","typ":"JWT"})"),
           std::string(R"(["HS256"])"),
           std::string("not json"),
       }) {
    EXPECT_FALSE(signer.verify(signed_token(header, kGoodPayload), kNow)) << header;
  }
}

TEST(JwtTokenSigner, RefusesPayloadsWithoutTheClaimsItNeeds) {
  JwtTokenSigner signer(kSecret);
  const std::string header = good_header(signer);
  const std::string head = R"({"sub":"u","sid":"s","jti":"j",)";
  const std::string rest = R"("adm":false,"exp":9999999999,"iat":1})";
  for (const std::string& payload : {
           R"({"sid":"s","jti":"j","iss":"task-reporter","aud":"task-reporter",)" + rest,
           R"({"sub":"u","jti":"j","iss":"task-reporter","aud":"task-reporter",)" + rest,
           R"({"sub":"u","sid":"s","iss":"task-reporter","aud":"task-reporter",)" + rest,
           R"({"sub":7,"sid":"s","jti":"j","iss":"task-reporter","aud":"task-reporter",)" + rest,
           head + R"("iss":"other","aud":"task-reporter",)" + rest,
           head + R"("iss":"task-reporter","aud":"other",)" + rest,
           head + R"("iss":"task-reporter",)" + rest,
           head + R"("iss":"task-reporter","aud":"task-reporter","exp":"9999999999","iat":1})",
           head + R"("iss":"task-reporter","aud":"task-reporter","iat":1})",
           head + R"("iss":"task-reporter","aud":"task-reporter","exp":9999999999})",
           std::string("[1,2]"),
           std::string("{"),
       }) {
    EXPECT_FALSE(signer.verify(signed_token(header, payload), kNow)) << payload;
  }
}

TEST(JwtTokenSigner, RefusesMalformedSegments) {
  JwtTokenSigner signer(kSecret);
  const std::string token = signed_token(good_header(signer), kGoodPayload);
  ASSERT_TRUE(signer.verify(token, kNow));
  EXPECT_FALSE(signer.verify(token + ".", kNow));
  EXPECT_FALSE(signer.verify(token + "A", kNow));
  EXPECT_FALSE(signer.verify(token.substr(0, token.rfind('.')), kNow));
  EXPECT_FALSE(signer.verify(token.substr(0, token.rfind('.') + 1), kNow));
  EXPECT_FALSE(signer.verify(token.substr(0, token.size() - 1), kNow));
  EXPECT_FALSE(signer.verify("..", kNow));
  EXPECT_FALSE(signer.verify(std::string(5000, 'a'), kNow));
}

// Every one-character change anywhere in a signed token is refused.
TEST(JwtTokenSigner, EveryAlteredCharacterIsRefused) {
  JwtTokenSigner signer(kSecret, {}, /*cache_capacity=*/0);
  const std::string token = signer.sign(claims());
  for (std::size_t i = 0; i < token.size(); ++i) {
    for (char c : std::string("AZaz09-_.=+/ ")) {
      if (token[i] == c) continue;
      std::string altered = token;
      altered[i] = c;
      EXPECT_FALSE(signer.verify(altered, kNow)) << altered;
    }
  }
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
