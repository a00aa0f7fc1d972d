#include "http/handlers/auth_handlers.hpp"

#include <boost/json.hpp>

#include "domain/user_json.hpp"
#include "http/json_body.hpp"
#include "http/problem.hpp"
#include "http/request_context.hpp"

namespace tr::http {
namespace {

constexpr const char* kCookie = "tr_refresh";

std::string refresh_cookie(const std::string& token, std::int64_t max_age_s) {
  return std::string(kCookie) + "=" + token + "; Path=/api/auth; HttpOnly; SameSite=Strict; Max-Age=" +
         std::to_string(max_age_s);
}

Response token_response(const LoginResult& r) {
  boost::json::object body{{"access_token", r.access_token},
                           {"token_type", "Bearer"},
                           {"expires_in", r.expires_in_s},
                           {"refresh_token", r.refresh_token},
                           {"user", user_to_json(r.user)}};
  auto res = json_value_response(body);
  res.set_header("Set-Cookie", refresh_cookie(r.refresh_token, 30LL * 24 * 3600));
  res.set_header("Cache-Control", "no-store");
  return res;
}

std::string cookie_value(const Request& req, std::string_view name) {
  std::string_view cookies = req.header("cookie");
  while (!cookies.empty()) {
    auto end = cookies.find(';');
    std::string_view part = cookies.substr(0, end);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name &&
        part[name.size()] == '=') {
      return std::string(part.substr(name.size() + 1));
    }
    if (end == std::string_view::npos) break;
    cookies.remove_prefix(end + 1);
  }
  return "";
}

boost::json::value session_to_json(const Session& s, const std::string& current) {
  return boost::json::object{{"session_id", s.session_id}, {"created_at", s.created_at},
                             {"last_seen_at", s.last_seen_at}, {"expires_at", s.expires_at},
                             {"client_ip", s.client_ip},   {"user_agent", s.user_agent},
                             {"current", s.session_id == current}};
}

}  // namespace

std::optional<Result<Principal>> authenticate_request(AuthService& auth, const Request& req,
                                                      bool may_block) {
  std::string_view header = req.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || header.substr(0, kBearer.size()) != kBearer) {
    return Result<Principal>(Error{ErrorCode::kUnauthorized, "a bearer access token is required"});
  }
  const std::string_view token = header.substr(kBearer.size());
  std::optional<Result<AuthContext>> ctx;
  if (may_block) {
    ctx = auth.authenticate(token);
  } else {
    ctx = auth.authenticate_cached(token);
    if (!ctx) return std::nullopt;
  }
  if (!*ctx) return Result<Principal>((*ctx).error());
  const AuthContext& c = **ctx;
  return Result<Principal>(
      Principal{c.user_id, c.username, c.display_name, c.email, c.session_id, c.is_admin});
}

void add_auth_routes(Router& router, AuthService& auth) {
  router.add(
      "POST", "/api/auth/login",
      [&auth](Request& req) {
        auto body = parse_json_object(req);
        if (!body) return problem_response(body.error());
        auto username = required_string(*body, "username");
        if (!username) return problem_response(username.error());
        auto password = required_string(*body, "password", /*non_empty=*/false);
        if (!password) return problem_response(password.error());
        auto result = auth.login(*username, *password, client_of(req));
        if (!result) return problem_response(result.error());
        return token_response(*result);
      },
      RouteOptions{.is_public = true});

  router.add(
      "POST", "/api/auth/refresh",
      [&auth](Request& req) {
        std::string token;
        if (!req.body.empty()) {
          auto body = parse_json_object(req);
          if (!body) return problem_response(body.error());
          auto given = optional_string(*body, "refresh_token");
          if (!given) return problem_response(given.error());
          token = given->value_or("");
        }
        if (token.empty()) token = cookie_value(req, kCookie);
        auto result = auth.refresh(token, client_of(req));
        if (!result) return problem_response(result.error());
        return token_response(*result);
      },
      RouteOptions{.is_public = true});

  router.add("POST", "/api/auth/logout", [&auth](Request& req) {
    auto done = auth.logout(auth_context_of(req), client_of(req));
    if (!done) return problem_response(done.error());
    auto res = no_content();
    res.set_header("Set-Cookie", refresh_cookie("", 0));
    return res;
  });

  // From the authenticated session alone (no store read): on the I/O thread
  // whenever the session is cached.
  router.add(
      "GET", "/api/auth/me",
      [](Request& req) {
        const Principal& p = *req.principal;
        User user;
        user.user_id = p.user_id;
        user.username = p.username;
        user.display_name = p.display_name;
        user.email = p.email;
        user.is_admin = p.is_admin;
        return json_value_response(user_to_json(user));
      },
      RouteOptions{.run_inline = true});

  router.add("GET", "/api/auth/sessions", [&auth](Request& req) {
    auto list = auth.sessions(req.principal->user_id);
    if (!list) return problem_response(list.error());
    boost::json::array items;
    for (const auto& s : *list) items.push_back(session_to_json(s, req.principal->session_id));
    return json_value_response(boost::json::object{{"items", std::move(items)}});
  });

  router.add("DELETE", "/api/auth/sessions/{session_id}", [&auth](Request& req) {
    auto done = auth.revoke_session(auth_context_of(req), req.params["session_id"], client_of(req));
    if (!done) return problem_response(done.error());
    return no_content();
  });
}

}  // namespace tr::http
