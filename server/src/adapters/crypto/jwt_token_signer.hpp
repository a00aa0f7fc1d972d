#pragma once
// JwtTokenSigner: HS256 JSON Web Tokens through libjwt. The signing key has a
// key id (`kid` header, derived from the key) so keys can rotate: tokens
// signed with a previous key still verify while that key is configured.
// Claims: sub, sid, jti, adm, iat, exp, aud, iss; header typ "JWT".
// Verified tokens are remembered (VerifiedTokenCache), so a client's repeat
// requests skip the decode; `cache_capacity` 0 turns that off.
// Thread-safe (keys are fixed after construction).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "adapters/crypto/verified_token_cache.hpp"
#include "ports/token_signer.hpp"

namespace tr {

class JwtTokenSigner final : public TokenSigner {
 public:
  // `secret` signs new tokens; `previous` secrets are accepted for verification.
  explicit JwtTokenSigner(std::string secret, std::vector<std::string> previous = {},
                          std::size_t cache_capacity = 16384);

  // ports::TokenSigner
  std::string sign(const AccessClaims& claims) override;
  Result<AccessClaims> verify(std::string_view token, EpochMs now) override;
  std::string digest(std::string_view opaque) override;

  const std::string& current_key_id() const { return current_kid_; }
  static std::string key_id_for(const std::string& secret);

 private:
  std::string current_kid_;
  Result<AccessClaims> decode(std::string_view token, EpochMs now);

  std::map<std::string, std::string> keys_;  // kid -> secret
  std::optional<VerifiedTokenCache> cache_;
};

}  // namespace tr
