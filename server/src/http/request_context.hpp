#pragma once
// Helpers that read who is asking from an authenticated Request.

#include "http/message.hpp"
#include "services/auth/auth_service.hpp"

namespace tr::http {

// The caller's session, for the auth service.
AuthContext auth_context_of(const Request& req);
// Address and user agent, for throttling and the audit log.
ClientInfo client_of(const Request& req);

}  // namespace tr::http
