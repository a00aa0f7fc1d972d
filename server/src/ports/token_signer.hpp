#pragma once
// TokenSigner: signs and verifies access tokens (JWT, HS256) and digests
// opaque refresh tokens for storage. Thread-safe; cheap (no I/O).

#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace tr {

struct AccessClaims {
  std::string user_id;     // sub
  std::string session_id;  // sid
  std::string token_id;    // jti
  bool is_admin = false;   // adm
  EpochMs issued_at = 0;   // iat (stored in seconds)
  EpochMs expires_at = 0;  // exp (stored in seconds)
};

class TokenSigner {
 public:
  virtual ~TokenSigner() = default;

  virtual std::string sign(const AccessClaims& claims) = 0;

  // Checks signature, algorithm (HS256 only; "none" refused), key id, type,
  // audience, issuer and expiry against `now`. kUnauthorized on any failure.
  virtual Result<AccessClaims> verify(std::string_view token, EpochMs now) = 0;

  // A stable one-way digest (hex SHA-256) of an opaque token, for storage.
  virtual std::string digest(std::string_view opaque) = 0;
};

}  // namespace tr
