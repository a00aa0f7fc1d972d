#pragma once
// Router: maps (method, path pattern) to a handler. Patterns are literal
// segments and "{name}" segments that match one non-empty segment, e.g.
// "/api/rooms/{room_id}/members/{user_id}". Routes are added at start-up,
// then only read: match() is thread-safe once routing is configured.

#include <functional>
#include <string>
#include <vector>

#include "http/message.hpp"

namespace tr::http {

// Handlers are plain synchronous functions; the session runs them on the
// worker pool (they may block on the database) unless the route is inline.
using Handler = std::function<Response(Request&)>;

struct RouteOptions {
  bool is_public = false;    // no bearer token needed
  // Try on the I/O thread first (the handler must not block there; it may
  // answer Response::on_workers() to be run again on the worker pool).
  bool run_inline = false;
  std::size_t body_limit = 0;  // 0 = the server's JSON body limit
};

struct Route {
  std::string method;
  std::string pattern;  // for logs and metrics
  std::vector<std::string> segments;
  Handler handler;
  RouteOptions options;
};

struct RouteMatch {
  enum class Kind { kFound, kNotFound, kMethodNotAllowed } kind = Kind::kNotFound;
  const Route* route = nullptr;
  std::string allow;  // for kMethodNotAllowed: "GET, POST"
};

class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});

  // Finds the route for `req.method` and `req.path`; on success fills
  // req.params. HEAD matches GET routes.
  RouteMatch match(Request& req) const;

 private:
  std::vector<Route> routes_;
};

}  // namespace tr::http
