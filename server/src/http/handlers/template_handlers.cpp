#include "http/handlers/template_handlers.hpp"

#include <boost/json.hpp>

#include "domain/room_json.hpp"
#include "http/handlers/actor_of.hpp"
#include "http/handlers/enum_field.hpp"
#include "http/json_body.hpp"
#include "http/problem.hpp"
#include "services/rooms/template_service.hpp"

namespace tr::http {
namespace {

namespace json = boost::json;

// The fields a POST or PATCH may carry; `creating` makes name, incident_type
// and severity required.
Result<TemplatePatch> read_template(const Request& req, bool creating) {
  auto body = parse_json_object(req);
  if (!body) return body.error();
  TemplatePatch p;
  if (creating) {
    auto name = required_string(*body, "name");
    if (!name) return name.error();
    p.name = std::move(*name);
  } else {
    auto name = optional_string(*body, "name");
    if (!name) return name.error();
    p.name = std::move(*name);
  }
  auto type =
      optional_enum<IncidentType>(*body, "incident_type", parse_incident_type, kIncidentTypeValues);
  if (!type) return type.error();
  p.incident_type = *type;
  auto severity = optional_enum<Severity>(*body, "severity", parse_severity, kSeverityValues);
  if (!severity) return severity.error();
  p.severity = *severity;
  auto description = optional_string(*body, "description");
  if (!description) return description.error();
  p.description = std::move(*description);
  if (const auto* members = body->if_contains("default_members"); members && !members->is_null()) {
    auto parsed = parse_template_members(*members);
    if (!parsed) return parsed.error();
    p.default_members = std::move(*parsed);
  }
  if (creating && !p.incident_type) {
    return invalid_field("incident_type", "incident_type is required");
  }
  if (creating && !p.severity) return invalid_field("severity", "severity is required");
  return p;
}

Response template_response(const RoomTemplate& tpl, int status = 200) {
  return json_value_response(template_json(tpl), status);
}

}  // namespace

void add_template_routes(Router& router, TemplateService& templates) {
  router.add("GET", "/api/room-templates", with_actor([&templates](Request&, const Actor& actor) {
               auto list = templates.list(actor);
               if (!list) return problem_response(list.error());
               json::array items;
               for (const auto& t : *list) items.emplace_back(template_json(t));
               return json_value_response(json::object{{"items", std::move(items)}});
             }));
  router.add("GET", "/api/room-templates/{template_id}",
             with_actor([&templates](Request& req, const Actor& actor) {
               auto tpl = templates.get(actor, req.params["template_id"]);
               return tpl ? template_response(*tpl) : problem_response(tpl.error());
             }));
  router.add("POST", "/api/room-templates",
             with_actor([&templates](Request& req, const Actor& actor) {
               if (!actor.is_admin) {
                 return problem_response(
                     Error{ErrorCode::kForbidden, "only system admins may change room templates"});
               }
               auto patch = read_template(req, true);
               if (!patch) return problem_response(patch.error());
               NewTemplate t;
               t.name = *patch->name;
               t.incident_type = *patch->incident_type;
               t.severity = *patch->severity;
               t.description = patch->description.value_or("");
               t.default_members = patch->default_members.value_or(std::vector<TemplateMember>{});
               auto tpl = templates.create(actor, t);
               return tpl ? template_response(*tpl, 201) : problem_response(tpl.error());
             }));
  router.add("PATCH", "/api/room-templates/{template_id}",
             with_actor([&templates](Request& req, const Actor& actor) {
               if (!actor.is_admin) {
                 return problem_response(
                     Error{ErrorCode::kForbidden, "only system admins may change room templates"});
               }
               auto patch = read_template(req, false);
               if (!patch) return problem_response(patch.error());
               auto tpl = templates.update(actor, req.params["template_id"], *patch);
               return tpl ? template_response(*tpl) : problem_response(tpl.error());
             }));
  router.add("DELETE", "/api/room-templates/{template_id}",
             with_actor([&templates](Request& req, const Actor& actor) {
               auto done = templates.remove(actor, req.params["template_id"]);
               return done ? no_content() : problem_response(done.error());
             }));
}

}  // namespace tr::http
