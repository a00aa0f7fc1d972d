#include "http/handlers/ops_handlers.hpp"

#include <boost/json.hpp>

#include "http/json_body.hpp"
#include "http/metrics.hpp"
#include "http/problem.hpp"

namespace tr::http {

void add_ops_routes(Router& router, Metrics& metrics, ReadinessCheck ready) {
  router.add(
      "GET", "/healthz",
      [](Request&) { return json_response(R"({"status":"ok"})"); },
      RouteOptions{.is_public = true, .run_inline = true});

  router.add(
      "GET", "/readyz",
      [ready = std::move(ready)](Request&) {
        std::string reason = ready();
        if (!reason.empty()) return problem_response(Error{ErrorCode::kUnavailable, reason});
        return json_response(R"({"status":"ready"})");
      },
      RouteOptions{.is_public = true});

  router.add(
      "GET", "/metrics",
      [&metrics](Request&) {
        Response r;
        r.content_type = "text/plain; version=0.0.4; charset=utf-8";
        r.body = metrics.render();
        return r;
      },
      RouteOptions{.is_public = true, .run_inline = true});
}

}  // namespace tr::http
