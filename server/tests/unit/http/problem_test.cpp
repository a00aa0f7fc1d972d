#include "http/problem.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "http/json_body.hpp"

namespace tr::http {
namespace {

TEST(Problem, MapsCodesToStatuses) {
  EXPECT_EQ(status_for(ErrorCode::kInvalidJson), 400);
  EXPECT_EQ(status_for(ErrorCode::kValidationFailed), 422);
  EXPECT_EQ(status_for(ErrorCode::kUnauthorized), 401);
  EXPECT_EQ(status_for(ErrorCode::kForbidden), 403);
  EXPECT_EQ(status_for(ErrorCode::kPreconditionFailed), 412);
  EXPECT_EQ(status_for(ErrorCode::kPayloadTooLarge), 413);
  EXPECT_EQ(status_for(ErrorCode::kHeaderTooLarge), 431);
  EXPECT_EQ(status_for(ErrorCode::kDirectoryUnavailable), 503);
}

TEST(Problem, BodyIsRfc9457WithCodeAndField) {
  auto r = problem_response(invalid_field("title", "title is required"));
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.content_type, "application/problem+json");
  auto doc = boost::json::parse(r.body).as_object();
  EXPECT_EQ(doc["status"].as_int64(), 422);
  EXPECT_EQ(doc["code"].as_string(), "validation_failed");
  EXPECT_EQ(doc["field"].as_string(), "title");
  EXPECT_EQ(doc["detail"].as_string(), "title is required");
  EXPECT_TRUE(doc.contains("type"));
  EXPECT_TRUE(doc.contains("title"));
}

TEST(Problem, UnauthorizedAndThrottledCarryHeaders) {
  auto unauthorized = problem_response(Error{ErrorCode::kUnauthorized, "no token"});
  ASSERT_EQ(unauthorized.headers.size(), 1u);
  EXPECT_EQ(unauthorized.headers[0].first, "WWW-Authenticate");
  Error throttled{ErrorCode::kTooManyAttempts, "wait"};
  throttled.retry_after_s = 30;
  auto r = problem_response(throttled);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"Retry-After", "30"}));
}

TEST(JsonBody, MalformedAndNonObjectBodiesAreInvalidJson) {
  Request req;
  req.body = "{\"a\":";
  EXPECT_EQ(parse_json_object(req).error().code, ErrorCode::kInvalidJson);
  req.body = "[1,2]";
  EXPECT_EQ(parse_json_object(req).error().code, ErrorCode::kInvalidJson);
  req.body = "";
  EXPECT_EQ(parse_json_object(req).error().code, ErrorCode::kInvalidJson);
}

TEST(JsonBody, WrongFieldTypesNameTheField) {
  Request req;
  req.body = R"({"title": 5, "flag": "yes", "n": "x", "blank": "  "})";
  auto obj = parse_json_object(req).value();
  EXPECT_EQ(required_string(obj, "title").error().field, "title");
  EXPECT_EQ(optional_bool(obj, "flag").error().field, "flag");
  EXPECT_EQ(optional_int(obj, "n").error().field, "n");
  EXPECT_EQ(required_string(obj, "blank").error().code, ErrorCode::kValidationFailed);
  EXPECT_EQ(required_string(obj, "missing").error().message, "missing is required");
  EXPECT_FALSE(optional_string(obj, "missing").value().has_value());
}

}  // namespace
}  // namespace tr::http
