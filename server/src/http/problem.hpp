#pragma once
// The one table from ErrorCode to HTTP status, and RFC 9457 problem documents:
// {"type","title","status","detail","code"[,"field"]} as application/problem+json.

#include "core/error.hpp"
#include "http/message.hpp"

namespace tr::http {

int status_for(ErrorCode code);

// A problem+json response for `error`; adds Retry-After and
// WWW-Authenticate where the code calls for them.
Response problem_response(const Error& error);

}  // namespace tr::http
