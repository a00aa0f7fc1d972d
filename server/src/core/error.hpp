#pragma once
// Error and Result<T>: the one way failures travel through the server.
// Every layer returns Result<T>; only http/ turns an ErrorCode into a status
// (see http/problem.hpp). Exceptions are kept for bugs and start-up failures.

#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace tr {

enum class ErrorCode {
  kInvalidJson,           // body is not JSON
  kValidationFailed,      // JSON fine, a field is wrong (Error::field names it)
  kNotFound,              // resource or route unknown
  kMethodNotAllowed,      // route known, method not
  kPayloadTooLarge,       // body over the limit
  kHeaderTooLarge,        // request header over the limit
  kUnauthorized,          // no/invalid/expired/revoked token
  kInvalidCredentials,    // login failed (one generic message)
  kForbidden,             // authenticated, not allowed
  kConflict,              // state conflict (duplicate, ...)
  kInvalidTransition,     // room status change not allowed
  kRoomArchived,          // write to an archived room
  kLastOwner,             // would leave a room without owner
  kPreconditionFailed,    // If-Match version stale
  kRateLimited,           // too many requests / messages
  kTooManyAttempts,       // login throttled
  kMessageTooLarge,       // message text over the limit
  kUnsupportedMediaType,  // file type refused
  kUpgradeRequired,       // /ws without a WebSocket upgrade
  kDirectoryUnavailable,  // LDAP/AD not reachable
  kUnavailable,           // a dependency (database, storage) not reachable
  kInternal,              // a bug or an unexpected failure
};

// The machine-readable name sent to clients, e.g. "invalid_json".
std::string_view to_string(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;    // human readable, safe to show to the client
  std::string field = {}; // for kValidationFailed: the offending field
  int retry_after_s = 0;  // for kRateLimited / kTooManyAttempts: seconds
};

// Convenience constructors.
inline Error make_error(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}
inline Error invalid_field(std::string field, std::string message) {
  return Error{ErrorCode::kValidationFailed, std::move(message), std::move(field)};
}

// Found by ADL when Result<T>::value() is called on an error: a bug path.
[[noreturn]] void throw_exception_from_error(const Error& e,
                                             const boost::source_location& loc);

template <class T>
using Result = boost::system::result<T, Error>;

}  // namespace tr
