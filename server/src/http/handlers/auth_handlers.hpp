#pragma once
// /api/auth/*: login, refresh, logout, me, sessions (SPEC.md section 2).
// The refresh token is returned in the body and as an HttpOnly,
// SameSite=Strict cookie scoped to /api/auth.

#include <optional>

#include "http/router.hpp"
#include "services/auth/auth_service.hpp"

namespace tr::http {

void add_auth_routes(Router& router, AuthService& auth);

// The server's bearer-token check, for HttpServer's Authenticator (see there).
std::optional<Result<Principal>> authenticate_request(AuthService& auth, const Request& req,
                                                      bool may_block);

}  // namespace tr::http
