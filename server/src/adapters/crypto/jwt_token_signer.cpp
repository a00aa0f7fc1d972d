#include "adapters/crypto/jwt_token_signer.hpp"

#include <jwt.h>
#include <openssl/evp.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <memory>

namespace tr {
namespace {

constexpr const char* kIssuer = "task-reporter";
constexpr const char* kAudience = "task-reporter";

struct JwtFree {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(hex[md[i] >> 4]);
    out.push_back(hex[md[i] & 0xF]);
  }
  return out;
}

// The `kid` of a token's header, read before choosing the key to verify with.
std::string header_kid(std::string_view token) {
  auto dot = token.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 1024) return "";
  std::string b64(token.substr(0, dot));
  for (auto& c : b64) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (b64.size() % 4) b64.push_back('=');
  std::string raw(b64.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()),
                          static_cast<int>(b64.size()));
  if (n < 0) return "";
  raw.resize(static_cast<std::size_t>(n));
  while (!raw.empty() && raw.back() == '\0') raw.pop_back();
  boost::system::error_code ec;
  auto v = boost::json::parse(raw, ec);
  if (ec || !v.is_object()) return "";
  auto* kid = v.as_object().if_contains("kid");
  return kid && kid->is_string() ? std::string(kid->as_string()) : "";
}

Error invalid(const char* why) { return Error{ErrorCode::kUnauthorized, why}; }

}  // namespace

std::string JwtTokenSigner::key_id_for(const std::string& secret) {
  return sha256_hex("kid:" + secret).substr(0, 12);
}

JwtTokenSigner::JwtTokenSigner(std::string secret, std::vector<std::string> previous,
                               std::size_t cache_capacity) {
  if (cache_capacity > 0) cache_.emplace(cache_capacity);
  current_kid_ = key_id_for(secret);
  keys_[current_kid_] = std::move(secret);
  for (auto& p : previous) {
    if (!p.empty()) keys_.emplace(key_id_for(p), std::move(p));
  }
}

std::string JwtTokenSigner::sign(const AccessClaims& c) {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) throw std::runtime_error("jwt_new failed");
  JwtPtr jwt(raw);
  const std::string& key = keys_.at(current_kid_);
  jwt_add_header(jwt.get(), "kid", current_kid_.c_str());
  jwt_add_grant(jwt.get(), "sub", c.user_id.c_str());
  jwt_add_grant(jwt.get(), "sid", c.session_id.c_str());
  jwt_add_grant(jwt.get(), "jti", c.token_id.c_str());
  jwt_add_grant(jwt.get(), "iss", kIssuer);
  jwt_add_grant(jwt.get(), "aud", kAudience);
  jwt_add_grant_bool(jwt.get(), "adm", c.is_admin ? 1 : 0);
  jwt_add_grant_int(jwt.get(), "iat", c.issued_at / 1000);
  jwt_add_grant_int(jwt.get(), "exp", c.expires_at / 1000);
  jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(key.data()),
              static_cast<int>(key.size()));
  char* encoded = jwt_encode_str(jwt.get());
  if (!encoded) throw std::runtime_error("jwt_encode_str failed");
  std::string out(encoded);
  std::free(encoded);
  return out;
}

Result<AccessClaims> JwtTokenSigner::verify(std::string_view token, EpochMs now) {
  if (token.empty() || token.size() > 4096) return invalid("malformed access token");
  if (!cache_) return decode(token, now);
  if (auto known = cache_->find(token, now)) return *known;
  auto claims = decode(token, now);
  if (claims) cache_->remember(token, *claims, now);
  return claims;
}

Result<AccessClaims> JwtTokenSigner::decode(std::string_view token, EpochMs now) {
  auto key_it = keys_.find(header_kid(token));
  if (key_it == keys_.end()) return invalid("access token signed with an unknown key");
  const std::string& key = key_it->second;
  const std::string text(token);
  jwt_t* raw = nullptr;
  if (jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(key.data()),
                 static_cast<int>(key.size())) != 0 ||
      !raw) {
    return invalid("invalid access token");
  }
  JwtPtr jwt(raw);
  // libjwt accepts "alg":"none" when asked to; only HS256 is ours.
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) return invalid("access token algorithm refused");
  const char* typ = jwt_get_header(jwt.get(), "typ");
  if (!typ || std::string_view(typ) != "JWT") return invalid("not an access token");
  const char* iss = jwt_get_grant(jwt.get(), "iss");
  const char* aud = jwt_get_grant(jwt.get(), "aud");
  if (!iss || std::string_view(iss) != kIssuer || !aud || std::string_view(aud) != kAudience) {
    return invalid("access token for another service");
  }
  AccessClaims c;
  const char* sub = jwt_get_grant(jwt.get(), "sub");
  const char* sid = jwt_get_grant(jwt.get(), "sid");
  const char* jti = jwt_get_grant(jwt.get(), "jti");
  if (!sub || !sid || !jti) return invalid("access token lacks claims");
  c.user_id = sub;
  c.session_id = sid;
  c.token_id = jti;
  errno = 0;
  long exp = jwt_get_grant_int(jwt.get(), "exp");
  if (errno != 0) return invalid("access token lacks an expiry");
  c.expires_at = static_cast<EpochMs>(exp) * 1000;
  long iat = jwt_get_grant_int(jwt.get(), "iat");
  if (errno != 0) return invalid("access token lacks its issue time");
  c.issued_at = static_cast<EpochMs>(iat) * 1000;
  errno = 0;
  int adm = jwt_get_grant_bool(jwt.get(), "adm");
  c.is_admin = errno == 0 && adm == 1;
  if (now >= c.expires_at) return invalid("access token expired");
  return c;
}

std::string JwtTokenSigner::digest(std::string_view opaque) { return sha256_hex(opaque); }

}  // namespace tr
