#include "domain/room_json.hpp"

namespace tr {
namespace {

namespace json = boost::json;

json::value time_or_null(const std::optional<EpochMs>& ms) {
  if (!ms) return nullptr;
  return json::value(*ms);
}

json::value string_or_null(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return json::value(*s);
}

}  // namespace

json::object room_json(const Room& room, json::storage_ptr sp) {
  json::object o(20, std::move(sp));  // every field below and current_user_role, without rehashing
  o["room_id"] = room.room_id;
  o["title"] = room.title;
  o["incident_type"] = to_string(room.incident_type);
  o["severity"] = to_string(room.severity);
  o["status"] = to_string(room.status);
  o["location"] = room.location;
  o["description"] = room.description;
  o["resolution_notes"] = room.resolution_notes;
  o["created_by"] = room.created_by;
  o["created_at"] = room.created_at;
  o["updated_at"] = room.updated_at;
  o["resolved_at"] = time_or_null(room.resolved_at);
  o["archived_at"] = time_or_null(room.archived_at);
  o["last_activity_at"] = room.last_activity_at;
  o["last_seq"] = room.last_seq;
  o["member_count"] = room.member_count;
  o["version"] = room.version;
  o["template_id"] = string_or_null(room.template_id);
  return o;
}

json::object room_json(const Room& room, std::optional<Role> current_user_role,
                       json::storage_ptr sp) {
  json::object o = room_json(room, std::move(sp));
  if (current_user_role) {
    o["current_user_role"] = to_string(*current_user_role);
  } else {
    o["current_user_role"] = nullptr;
  }
  return o;
}

json::object member_json(const Member& member) {
  json::object o;
  o["user_id"] = member.user_id;
  o["username"] = member.username;
  o["display_name"] = member.display_name;
  o["role"] = to_string(member.role);
  o["added_at"] = member.added_at;
  o["added_by"] = member.added_by;
  return o;
}

json::object message_json(const Message& message) {
  json::object o(14);
  o["message_id"] = message.message_id;
  o["room_id"] = message.room_id;
  o["seq"] = message.seq;
  o["sender_id"] = message.sender_id;
  o["sender_name"] = message.sender_name;
  o["type"] = to_string(message.type);
  o["content"] = message.deleted ? std::string() : message.content;
  o["metadata"] = message.metadata;
  o["reply_to"] = string_or_null(message.reply_to);
  json::array reactions;
  for (const auto& r : message.reactions) {
    json::array users;
    for (const auto& u : r.user_ids) users.emplace_back(u);
    reactions.emplace_back(json::object{{"emoji", r.emoji},
                                        {"count", static_cast<std::int64_t>(r.user_ids.size())},
                                        {"user_ids", std::move(users)}});
  }
  o["reactions"] = std::move(reactions);
  o["created_at"] = message.created_at;
  o["edited_at"] = time_or_null(message.edited_at);
  o["deleted"] = message.deleted;
  o["client_id"] = string_or_null(message.client_id);
  return o;
}

json::array template_members_json(const std::vector<TemplateMember>& members) {
  json::array a;
  for (const auto& m : members) {
    a.emplace_back(json::object{{"username", m.username}, {"role", to_string(m.role)}});
  }
  return a;
}

json::object template_json(const RoomTemplate& tpl) {
  json::object o;
  o["template_id"] = tpl.template_id;
  o["name"] = tpl.name;
  o["incident_type"] = to_string(tpl.incident_type);
  o["severity"] = to_string(tpl.severity);
  o["description"] = tpl.description;
  o["default_members"] = template_members_json(tpl.default_members);
  o["created_at"] = tpl.created_at;
  o["updated_at"] = tpl.updated_at;
  return o;
}

Result<std::vector<TemplateMember>> parse_template_members(const json::value& value) {
  if (!value.is_array()) {
    return invalid_field("default_members", "default_members must be an array");
  }
  std::vector<TemplateMember> out;
  const auto& arr = value.as_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const std::string prefix = "default_members[" + std::to_string(i) + "]";
    if (!arr[i].is_object()) return invalid_field(prefix, prefix + " must be an object");
    const auto& o = arr[i].as_object();
    const auto* username = o.if_contains("username");
    if (!username || !username->is_string() ||
        username->as_string().find_first_not_of(" \t\r\n") == json::string::npos) {
      return invalid_field(prefix + ".username", prefix + ".username is required");
    }
    TemplateMember m;
    m.username = std::string(username->as_string());
    const auto* role = o.if_contains("role");
    if (role && !role->is_null()) {
      std::optional<Role> parsed;
      if (role->is_string()) parsed = parse_role(std::string_view(role->as_string()));
      if (!parsed) {
        return invalid_field(prefix + ".role", prefix + ".role must be owner, editor or viewer");
      }
      m.role = *parsed;
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace tr
