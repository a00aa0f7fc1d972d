#include "http/handlers/user_handlers.hpp"

#include <boost/json.hpp>

#include "domain/user_json.hpp"
#include "http/json_body.hpp"
#include "http/problem.hpp"
#include "http/query_params.hpp"
#include "http/handlers/actor_of.hpp"

namespace tr::http {
namespace {

boost::json::value audit_to_json(const AuditEntry& e) {
  return boost::json::object{{"audit_id", e.audit_id},   {"at", e.at},
                             {"action", e.action},       {"user_id", e.user_id},
                             {"username", e.username},   {"client_ip", e.client_ip},
                             {"user_agent", e.user_agent}, {"target", e.target},
                             {"detail", e.detail}};
}

Response forbidden_unless_admin(const Request& req) {
  if (req.principal && req.principal->is_admin) return Response{.status = 0};
  return problem_response(Error{ErrorCode::kForbidden, "only admins may do this"});
}

}  // namespace

void add_user_routes(Router& router, UserService& users, AuditLog& audit) {
  router.add("GET", "/api/users", [&users](Request& req) {
    auto limit = int_query(req, "limit", 20, 1, 100);
    if (!limit) return problem_response(limit.error());
    auto found = users.search(req.query_param("q").value_or(""), static_cast<int>(*limit));
    if (!found) return problem_response(found.error());
    boost::json::array items;
    for (const auto& u : *found) items.push_back(user_to_json(u));
    return json_value_response(boost::json::object{{"items", std::move(items)}});
  });

  router.add("POST", "/api/admin/users", with_actor([&users](Request& req, const Actor& actor) {
    if (auto refusal = forbidden_unless_admin(req); refusal.status) return refusal;
    auto body = parse_json_object(req);
    if (!body) return problem_response(body.error());
    auto username = required_string(*body, "username");
    if (!username) return problem_response(username.error());
    auto password = required_string(*body, "password");
    if (!password) return problem_response(password.error());
    auto display = optional_string(*body, "display_name");
    if (!display) return problem_response(display.error());
    auto email = optional_string(*body, "email");
    if (!email) return problem_response(email.error());
    auto admin = optional_bool(*body, "is_admin");
    if (!admin) return problem_response(admin.error());
    NewUser fields{*username, *password, display->value_or(""), email->value_or(""),
                   admin->value_or(false)};
    auto created = users.create(actor, fields);
    if (!created) return problem_response(created.error());
    return json_value_response(user_to_json(*created), 201);
  }));

  router.add("PATCH", "/api/admin/users/{user_id}", with_actor([&users](Request& req, const Actor& actor) {
    if (auto refusal = forbidden_unless_admin(req); refusal.status) return refusal;
    auto body = parse_json_object(req);
    if (!body) return problem_response(body.error());
    UserChanges changes;
    auto display = optional_string(*body, "display_name");
    if (!display) return problem_response(display.error());
    auto email = optional_string(*body, "email");
    if (!email) return problem_response(email.error());
    auto admin = optional_bool(*body, "is_admin");
    if (!admin) return problem_response(admin.error());
    auto disabled = optional_bool(*body, "disabled");
    if (!disabled) return problem_response(disabled.error());
    auto password = optional_string(*body, "password");
    if (!password) return problem_response(password.error());
    changes.display_name = *display;
    changes.email = *email;
    changes.is_admin = *admin;
    changes.disabled = *disabled;
    changes.password = *password;
    auto updated = users.update(actor, req.params["user_id"], changes);
    if (!updated) return problem_response(updated.error());
    return json_value_response(user_to_json(*updated));
  }));

  router.add("GET", "/api/admin/audit", [&audit](Request& req) {
    if (auto refusal = forbidden_unless_admin(req); refusal.status) return refusal;
    auto limit = int_query(req, "limit", 50, 1, 500);
    if (!limit) return problem_response(limit.error());
    auto offset = int_query(req, "offset", 0, 0, 1'000'000'000);
    if (!offset) return problem_response(offset.error());
    AuditQuery q{req.query_param("action").value_or(""), req.query_param("user").value_or(""),
                 static_cast<int>(*limit), static_cast<int>(*offset)};
    auto page = audit.list(q);
    if (!page) return problem_response(page.error());
    boost::json::array items;
    for (const auto& e : page->items) items.push_back(audit_to_json(e));
    return json_value_response(boost::json::object{
        {"items", std::move(items)}, {"total", page->total}, {"limit", *limit}, {"offset", *offset}});
  });
}

}  // namespace tr::http
