#include "http/problem.hpp"

#include <boost/json.hpp>

namespace tr::http {

int status_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidJson: return 400;
    case ErrorCode::kValidationFailed: return 422;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kMethodNotAllowed: return 405;
    case ErrorCode::kPayloadTooLarge: return 413;
    case ErrorCode::kHeaderTooLarge: return 431;
    case ErrorCode::kUnauthorized: return 401;
    case ErrorCode::kInvalidCredentials: return 401;
    case ErrorCode::kForbidden: return 403;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kInvalidTransition: return 409;
    case ErrorCode::kRoomArchived: return 409;
    case ErrorCode::kLastOwner: return 409;
    case ErrorCode::kPreconditionFailed: return 412;
    case ErrorCode::kRateLimited: return 429;
    case ErrorCode::kTooManyAttempts: return 429;
    case ErrorCode::kMessageTooLarge: return 413;
    case ErrorCode::kUnsupportedMediaType: return 415;
    case ErrorCode::kUpgradeRequired: return 426;
    case ErrorCode::kDirectoryUnavailable: return 503;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

namespace {

std::string_view title_for(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
  }
}

}  // namespace

Response problem_response(const Error& error) {
  const int status = status_for(error.code);
  const std::string_view code = to_string(error.code);
  boost::json::object doc;
  doc["type"] = "https://task-reporter.local/problems/" + std::string(code);
  doc["title"] = title_for(status);
  doc["status"] = status;
  doc["detail"] = error.message;
  doc["code"] = code;
  if (!error.field.empty()) doc["field"] = error.field;
  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = boost::json::serialize(doc);
  if (error.retry_after_s > 0) r.set_header("Retry-After", std::to_string(error.retry_after_s));
  if (error.code == ErrorCode::kUnauthorized) r.set_header("WWW-Authenticate", "Bearer");
  return r;
}

}  // namespace tr::http
