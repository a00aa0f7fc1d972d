#pragma once
// actor_of: who is acting, as the services see it, from an authenticated
// request: the principal the server attached, the client address and the
// User-Agent (both for the audit log). kUnauthorized when the request carries
// no principal (a public route calling a service by mistake).
// with_actor: wraps `body(Request&, const Actor&)` into a Handler that
// answers 401 itself when there is no actor.

#include <string>
#include <utility>

#include "core/error.hpp"
#include "domain/actor.hpp"
#include "http/message.hpp"
#include "http/problem.hpp"
#include "http/router.hpp"

namespace tr::http {

inline Result<Actor> actor_of(const Request& req) {
  if (!req.principal) return Error{ErrorCode::kUnauthorized, "authentication is required"};
  Actor actor;
  actor.user_id = req.principal->user_id;
  actor.username = req.principal->username;
  actor.display_name = req.principal->display_name;
  actor.is_admin = req.principal->is_admin;
  actor.client_ip = req.remote_address;
  actor.user_agent = std::string(req.header("user-agent"));
  return actor;
}

template <class F>
Handler with_actor(F body) {
  return [body = std::move(body)](Request& req) -> Response {
    auto actor = actor_of(req);
    if (!actor) return problem_response(actor.error());
    return body(req, *actor);
  };
}

}  // namespace tr::http
