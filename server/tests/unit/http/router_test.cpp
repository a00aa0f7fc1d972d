#include "http/router.hpp"

#include <gtest/gtest.h>

namespace tr::http {
namespace {

Response ok(Request&) { return json_response("{}"); }

Request request(std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

TEST(Router, MatchesLiteralAndParameterSegments) {
  Router router;
  router.add("GET", "/api/rooms", ok);
  router.add("GET", "/api/rooms/{room_id}/members/{user_id}", ok);
  auto req = request("GET", "/api/rooms/r1/members/u2");
  auto m = router.match(req);
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.route->pattern, "/api/rooms/{room_id}/members/{user_id}");
  EXPECT_EQ(req.params["room_id"], "r1");
  EXPECT_EQ(req.params["user_id"], "u2");
}

TEST(Router, UnknownPathIsNotFound) {
  Router router;
  router.add("GET", "/api/rooms", ok);
  auto req = request("GET", "/api/roomz");
  EXPECT_EQ(router.match(req).kind, RouteMatch::Kind::kNotFound);
  auto deeper = request("GET", "/api/rooms/x/y");
  EXPECT_EQ(router.match(deeper).kind, RouteMatch::Kind::kNotFound);
}

TEST(Router, WrongMethodListsAllowedOnes) {
  Router router;
  router.add("GET", "/api/rooms", ok);
  router.add("POST", "/api/rooms", ok);
  auto req = request("DELETE", "/api/rooms");
  auto m = router.match(req);
  ASSERT_EQ(m.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, HEAD, POST");
}

TEST(Router, HeadMatchesGet) {
  Router router;
  router.add("GET", "/healthz", ok);
  auto req = request("HEAD", "/healthz");
  EXPECT_EQ(router.match(req).kind, RouteMatch::Kind::kFound);
}

TEST(Router, TrailingSlashAndEmptySegmentsAreIgnored) {
  Router router;
  router.add("GET", "/api/rooms/{room_id}", ok);
  auto req = request("GET", "/api/rooms/abc/");
  EXPECT_EQ(router.match(req).kind, RouteMatch::Kind::kFound);
  auto empty = request("GET", "/api/rooms//");
  EXPECT_EQ(router.match(empty).kind, RouteMatch::Kind::kNotFound);
}

}  // namespace
}  // namespace tr::http
