#include "http/handlers/room_handlers.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <limits>

#include "domain/room_json.hpp"
#include "http/handlers/actor_of.hpp"
#include "http/handlers/enum_field.hpp"
#include "http/json_body.hpp"
#include "http/problem.hpp"
#include "http/query_params.hpp"
#include "services/rooms/room_service.hpp"

namespace tr::http {
namespace {

namespace json = boost::json;

// "3": an HTTP entity tag (quoted).
std::string etag(std::int64_t version) {
  std::string tag = std::to_string(version);
  tag.insert(tag.begin(), '"');
  tag.push_back('"');
  return tag;
}

Response room_response(const RoomView& view, int status = 200) {
  Response r = json_value_response(room_json(view.room, view.role), status);
  r.set_header("ETag", etag(view.room.version));
  return r;
}

Result<bool> query_bool(const Request& req, const char* name) {
  auto text = req.query_param(name);
  if (!text || text->empty() || *text == "false" || *text == "0") return false;
  if (*text == "true" || *text == "1") return true;
  return invalid_field(name, std::string(name) + " must be true or false");
}

std::optional<RoomSort> parse_sort(std::string_view text) {
  if (text == "last_activity_at") return RoomSort::kLastActivity;
  if (text == "created_at") return RoomSort::kCreated;
  if (text == "severity") return RoomSort::kSeverity;
  return std::nullopt;
}

// If-Match: 3, "3" or W/"3"; "*" matches any version (nullopt).
Result<std::optional<std::int64_t>> if_match(const Request& req) {
  std::string_view v = req.header("if-match");
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.empty() || v == "*") return std::optional<std::int64_t>();
  if (v.substr(0, 2) == "W/") v.remove_prefix(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  std::int64_t version = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), version);
  if (ec != std::errc() || end != v.data() + v.size()) {
    return Error{ErrorCode::kPreconditionFailed,
                 "If-Match must be a room version as sent in the ETag header"};
  }
  return std::optional<std::int64_t>(version);
}

#define TR_TRY(var, expr) \
  auto var = (expr);      \
  if (!var) return problem_response(var.error())

Response create_room(RoomService& rooms, Request& req, const Actor& actor) {
  TR_TRY(body, parse_json_object(req));
  NewRoom r;
  TR_TRY(title, required_string(*body, "title"));
  r.title = std::move(*title);
  TR_TRY(type, optional_enum<IncidentType>(*body, "incident_type", parse_incident_type,
                                           kIncidentTypeValues));
  r.incident_type = *type;
  TR_TRY(severity, optional_enum<Severity>(*body, "severity", parse_severity, kSeverityValues));
  r.severity = *severity;
  TR_TRY(location, optional_string(*body, "location"));
  r.location = std::move(*location);
  TR_TRY(description, optional_string(*body, "description"));
  r.description = std::move(*description);
  TR_TRY(template_id, optional_string(*body, "template_id"));
  r.template_id = std::move(*template_id);
  if (const auto* members = body->if_contains("members"); members && !members->is_null()) {
    if (!members->is_array()) {
      return problem_response(invalid_field("members", "members must be an array"));
    }
    const auto& list = members->as_array();
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string prefix = "members[" + std::to_string(i) + "]";
      if (!list[i].is_object()) {
        return problem_response(invalid_field(prefix, prefix + " must be an object"));
      }
      const auto& entry = list[i].as_object();
      auto username = required_string(entry, "username");
      if (!username) {
        return problem_response(
            invalid_field(prefix + ".username", prefix + ".username is required"));
      }
      auto role = optional_enum<Role>(entry, "role", parse_role, kRoleValues);
      if (!role) {
        return problem_response(
            invalid_field(prefix + ".role", prefix + ".role must be one of " + kRoleValues));
      }
      r.members.push_back(MemberRequest{*username, role->value_or(Role::kEditor)});
    }
  }
  TR_TRY(view, rooms.create(actor, r));
  return room_response(*view, 201);
}

Response list_rooms(RoomService& rooms, Request& req, const Actor& actor) {
  RoomListRequest r;
  TR_TRY(status, query_enum<RoomStatus>(req, "status", parse_room_status, kStatusValues));
  r.status = *status;
  TR_TRY(type,
         query_enum<IncidentType>(req, "incident_type", parse_incident_type, kIncidentTypeValues));
  r.incident_type = *type;
  TR_TRY(severity, query_enum<Severity>(req, "severity", parse_severity, kSeverityValues));
  r.severity = *severity;
  TR_TRY(sort,
         query_enum<RoomSort>(req, "sort", parse_sort, "last_activity_at, created_at, severity"));
  r.sort = sort->value_or(RoomSort::kLastActivity);
  r.location = req.query_param("location").value_or("");
  r.q = req.query_param("q").value_or("");
  // The range rules are RoomService's; here only "is it an integer".
  constexpr std::int64_t kIntMin = std::numeric_limits<int>::min();
  constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();
  TR_TRY(limit, int_query(req, "limit", 20, kIntMin, kIntMax));
  r.limit = static_cast<int>(*limit);
  TR_TRY(offset, int_query(req, "offset", 0, kIntMin, kIntMax));
  r.offset = static_cast<int>(*offset);
  TR_TRY(all, query_bool(req, "all"));
  r.all = *all;
  TR_TRY(page, rooms.list(actor, r));
  // The whole page in one arena: one allocation now and then, one release.
  json::monotonic_resource arena(32 * 1024);
  json::storage_ptr sp(&arena);
  json::array items(sp);
  items.reserve(page->items.size());
  for (const auto& view : page->items) {
    json::object item = room_json(view.room, view.role, sp);
    item["unread_count"] = view.unread_count;
    items.emplace_back(std::move(item));
  }
  json::object out(sp);
  out["items"] = std::move(items);
  out["total"] = page->total;
  out["limit"] = r.limit;
  out["offset"] = r.offset;
  return json_value_response(out);
}

Response update_room(RoomService& rooms, Request& req, const Actor& actor) {
  TR_TRY(body, parse_json_object(req));
  TR_TRY(version, if_match(req));
  RoomPatch patch;
  TR_TRY(title, optional_string(*body, "title"));
  patch.title = std::move(*title);
  if (patch.title && patch.title->find_first_not_of(" \t\r\n") == std::string::npos) {
    return problem_response(invalid_field("title", "title must not be empty"));
  }
  TR_TRY(severity, optional_enum<Severity>(*body, "severity", parse_severity, kSeverityValues));
  patch.severity = *severity;
  TR_TRY(status, optional_enum<RoomStatus>(*body, "status", parse_room_status, kStatusValues));
  patch.status = *status;
  TR_TRY(location, optional_string(*body, "location"));
  patch.location = std::move(*location);
  TR_TRY(description, optional_string(*body, "description"));
  patch.description = std::move(*description);
  TR_TRY(notes, optional_string(*body, "resolution_notes"));
  patch.resolution_notes = std::move(*notes);
  TR_TRY(view, rooms.update(actor, req.params["room_id"], patch, *version));
  return room_response(*view);
}

Response members_response(const std::vector<Member>& members) {
  json::array items;
  for (const auto& m : members) items.emplace_back(member_json(m));
  return json_value_response(json::object{{"items", std::move(items)}});
}

Response add_member(RoomService& rooms, Request& req, const Actor& actor) {
  TR_TRY(body, parse_json_object(req));
  TR_TRY(username, required_string(*body, "username"));
  TR_TRY(role, optional_enum<Role>(*body, "role", parse_role, kRoleValues));
  TR_TRY(member, rooms.add_member(actor, req.params["room_id"],
                                  MemberRequest{*username, role->value_or(Role::kEditor)}));
  return json_value_response(member_json(*member), 201);
}

Response change_role(RoomService& rooms, Request& req, const Actor& actor) {
  TR_TRY(body, parse_json_object(req));
  TR_TRY(role, optional_enum<Role>(*body, "role", parse_role, kRoleValues));
  if (!*role) return problem_response(invalid_field("role", "role is required"));
  TR_TRY(member, rooms.change_role(actor, req.params["room_id"], req.params["user_id"], **role));
  return json_value_response(member_json(*member));
}

Response transfer(RoomService& rooms, Request& req, const Actor& actor) {
  TR_TRY(body, parse_json_object(req));
  TR_TRY(user_id, required_string(*body, "user_id"));
  TR_TRY(view, rooms.transfer_ownership(actor, req.params["room_id"], *user_id));
  return room_response(*view);
}

#undef TR_TRY

// The room list through `cache`: answered on the I/O thread when the same
// viewer asked the same thing since the last change to any room, membership
// or read position.
Response cached_list_rooms(RoomService& rooms, PageCache& cache, Request& req,
                           const Actor& actor) {
  std::string key = actor.user_id;
  key += actor.is_admin ? "\n1\n" : "\n0\n";
  key += req.target;
  if (auto body = cache.find(key)) return json_response(*body);
  if (req.on_io_thread) return Response::on_workers();
  const std::uint64_t generation = cache.generation();
  Response response = list_rooms(rooms, req, actor);
  if (response.status == 200) cache.keep(key, generation, response.body);
  return response;
}

}  // namespace

void add_room_routes(Router& router, RoomService& rooms, PageCache& room_lists) {
  router.add("POST", "/api/rooms", with_actor([&rooms](Request& req, const Actor& actor) {
               return create_room(rooms, req, actor);
             }));
  router.add("GET", "/api/rooms",
             with_actor([&rooms, &room_lists](Request& req, const Actor& actor) {
               return cached_list_rooms(rooms, room_lists, req, actor);
             }),
             RouteOptions{.run_inline = true});
  router.add("GET", "/api/rooms/{room_id}", with_actor([&rooms](Request& req, const Actor& actor) {
               auto view = rooms.get(actor, req.params["room_id"]);
               return view ? room_response(*view) : problem_response(view.error());
             }));
  router.add("PATCH", "/api/rooms/{room_id}",
             with_actor([&rooms](Request& req, const Actor& actor) {
               return update_room(rooms, req, actor);
             }));
  router.add("DELETE", "/api/rooms/{room_id}",
             with_actor([&rooms](Request& req, const Actor& actor) {
               auto view = rooms.archive(actor, req.params["room_id"]);
               return view ? room_response(*view) : problem_response(view.error());
             }));
  router.add("GET", "/api/rooms/{room_id}/members",
             with_actor([&rooms](Request& req, const Actor& actor) {
               auto members = rooms.members(actor, req.params["room_id"]);
               return members ? members_response(*members) : problem_response(members.error());
             }));
  router.add("POST", "/api/rooms/{room_id}/members",
             with_actor([&rooms](Request& req, const Actor& actor) {
               return add_member(rooms, req, actor);
             }));
  router.add("PATCH", "/api/rooms/{room_id}/members/{user_id}",
             with_actor([&rooms](Request& req, const Actor& actor) {
               return change_role(rooms, req, actor);
             }));
  router.add("DELETE", "/api/rooms/{room_id}/members/{user_id}",
             with_actor([&rooms](Request& req, const Actor& actor) {
               auto done = rooms.remove_member(actor, req.params["room_id"], req.params["user_id"]);
               return done ? no_content() : problem_response(done.error());
             }));
  router.add("POST", "/api/rooms/{room_id}/transfer-ownership",
             with_actor([&rooms](Request& req, const Actor& actor) {
               return transfer(rooms, req, actor);
             }));
}

}  // namespace tr::http
