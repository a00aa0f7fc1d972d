#pragma once
// /api/auth/*: login, refresh, logout, me, sessions (SPEC.md section 2).
// The refresh token is returned in the body and as an HttpOnly,
// SameSite=Strict cookie scoped to /api/auth.

#include "http/router.hpp"
#include "services/auth/auth_service.hpp"
#include "services/users/user_service.hpp"

namespace tr::http {

void add_auth_routes(Router& router, AuthService& auth, UserService& users);

// The server's bearer-token check, for HttpServer's Authenticator.
Result<Principal> authenticate_request(AuthService& auth, const Request& req);

}  // namespace tr::http
