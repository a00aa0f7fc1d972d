#include "core/error.hpp"

#include <stdexcept>

namespace tr {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidJson: return "invalid_json";
    case ErrorCode::kValidationFailed: return "validation_failed";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kMethodNotAllowed: return "method_not_allowed";
    case ErrorCode::kPayloadTooLarge: return "payload_too_large";
    case ErrorCode::kHeaderTooLarge: return "header_too_large";
    case ErrorCode::kUnauthorized: return "unauthorized";
    case ErrorCode::kInvalidCredentials: return "invalid_credentials";
    case ErrorCode::kForbidden: return "forbidden";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kInvalidTransition: return "invalid_transition";
    case ErrorCode::kRoomArchived: return "room_archived";
    case ErrorCode::kLastOwner: return "last_owner";
    case ErrorCode::kPreconditionFailed: return "precondition_failed";
    case ErrorCode::kRateLimited: return "rate_limited";
    case ErrorCode::kTooManyAttempts: return "too_many_attempts";
    case ErrorCode::kMessageTooLarge: return "message_too_large";
    case ErrorCode::kUnsupportedMediaType: return "unsupported_media_type";
    case ErrorCode::kUpgradeRequired: return "upgrade_required";
    case ErrorCode::kDirectoryUnavailable: return "directory_unavailable";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw std::logic_error("unchecked Result error: " + std::string(to_string(e.code)) +
                         ": " + e.message);
}

}  // namespace tr
