#include "realtime/client_gateway.hpp"

#include <boost/json.hpp>

#include <set>

namespace tr::realtime {
namespace {

namespace json = boost::json;

Error bad_field(const char* field, const char* what) {
  return Error{ErrorCode::kValidationFailed, std::string(field) + " " + what, field};
}

// Field readers for client frames: an error names the field.
Result<std::string> string_field(const json::object& o, const char* field) {
  auto* v = o.if_contains(field);
  if (!v || !v->is_string() || v->as_string().empty()) return bad_field(field, "must be a non-empty string");
  return std::string(v->as_string());
}

Result<std::optional<std::string>> optional_string_field(const json::object& o, const char* field) {
  auto* v = o.if_contains(field);
  if (!v || v->is_null()) return std::optional<std::string>();
  if (!v->is_string()) return bad_field(field, "must be a string");
  return std::optional<std::string>(std::string(v->as_string()));
}

Result<std::optional<std::int64_t>> optional_int_field(const json::object& o, const char* field) {
  auto* v = o.if_contains(field);
  if (!v || v->is_null()) return std::optional<std::int64_t>();
  if (v->is_int64() && v->as_int64() >= 0) return std::optional<std::int64_t>(v->as_int64());
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return std::optional<std::int64_t>(static_cast<std::int64_t>(v->as_uint64()));
  }
  return bad_field(field, "must be a non-negative integer");
}

void reply(const Client& c, json::object frame) {
  c.connection->send(make_frame(json::serialize(frame)), false);
}

void reply_error(const Client& c, const Error& e, std::string_view ref) {
  c.connection->send(error_frame(e, ref), false);
}

}  // namespace

Frame error_frame(const Error& error, std::string_view ref) {
  return make_frame(json::serialize(json::object{{"type", "error"},
                                                 {"code", to_string(error.code)},
                                                 {"message", error.message},
                                                 {"ref", ref}}));
}

ClientGateway::ClientGateway(RoomHub& hub, MessageService& messages)
    : hub_(hub), messages_(messages) {}

void ClientGateway::handle(const Client& client, std::string_view text) {
  json::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) {
    return reply_error(client, Error{ErrorCode::kInvalidJson, "frames must be JSON objects"}, "");
  }
  json::object frame = std::move(parsed.as_object());
  auto* type_value = frame.if_contains("type");
  if (!type_value || !type_value->is_string()) {
    return reply_error(client, bad_field("type", "must be a string"), "");
  }
  const std::string type(type_value->as_string());
  const std::uint64_t conn_id = client.connection->info().connection_id;

  if (type == "ping") return reply(client, json::object{{"type", "pong"}});
  if (type == "auth") return;  // already authenticated: harmless repeat
  static const std::set<std::string> kKnown = {"subscribe", "unsubscribe", "typing", "send", "read",
                                               "edit", "delete", "react", "unreact"};
  if (!kKnown.count(type)) {
    return reply_error(
        client, Error{ErrorCode::kValidationFailed, "unknown frame type: " + type, "type"}, type);
  }

  auto room_id = string_field(frame, "room_id");
  if (!room_id) return reply_error(client, room_id.error(), type);

  if (type == "subscribe") {
    auto since = optional_int_field(frame, "since_seq");
    if (!since) return reply_error(client, since.error(), type);
    const std::int64_t since_seq = since->value_or(-1);
    client.run_in_order([this, client, room = *room_id, since_seq] {
      auto last_seq = messages_.open_room(client.actor, room);
      if (!last_seq) return reply_error(client, last_seq.error(), "subscribe");
      hub_.subscribe(client.connection->info().connection_id, room, *last_seq, since_seq);
    });
    return;
  }
  if (type == "unsubscribe") return hub_.unsubscribe(conn_id, *room_id);
  if (type == "typing") {
    auto* is_typing = frame.if_contains("is_typing");
    if (!is_typing || !is_typing->is_bool()) {
      return reply_error(client, bad_field("is_typing", "must be a boolean"), type);
    }
    return hub_.typing(conn_id, *room_id, is_typing->as_bool());
  }
  if (type == "send") {
    auto client_id = string_field(frame, "client_id");
    if (!client_id) return reply_error(client, client_id.error(), type);
    auto* content = frame.if_contains("content");
    if (!content || !content->is_string()) {
      return reply_error(client, bad_field("content", "must be a string"), *client_id);
    }
    auto reply_to = optional_string_field(frame, "reply_to");
    if (!reply_to) return reply_error(client, reply_to.error(), *client_id);
    NewMessage message{*room_id, std::string(content->as_string()), *client_id, *reply_to};
    messages_.post_async(client.actor, std::move(message),
                         [client, client_id = *client_id](Result<PostResult> result) {
                           if (!result) return reply_error(client, result.error(), client_id);
                           reply(client, json::object{{"type", "ack"},
                                                      {"room_id", result->message.room_id},
                                                      {"client_id", client_id},
                                                      {"message_id", result->message.message_id},
                                                      {"seq", result->message.seq}});
                         });
    return;
  }
  if (type == "read") {
    auto seq = optional_int_field(frame, "seq");
    if (!seq || !*seq) return reply_error(client, bad_field("seq", "must be a non-negative integer"), type);
    client.run_in_order([this, client, room = *room_id, value = **seq] {
      auto done = messages_.mark_read(client.actor, room, value);
      if (!done) reply_error(client, done.error(), "read");
    });
    return;
  }
  if (type == "edit" || type == "delete" || type == "react" || type == "unreact") {
    auto message_id = string_field(frame, "message_id");
    if (!message_id) return reply_error(client, message_id.error(), type);
    std::string argument;
    if (type == "edit") {
      auto* content = frame.if_contains("content");
      if (!content || !content->is_string()) {
        return reply_error(client, bad_field("content", "must be a string"), type);
      }
      argument = std::string(content->as_string());
    } else if (type != "delete") {
      auto emoji = string_field(frame, "emoji");
      if (!emoji) return reply_error(client, emoji.error(), type);
      argument = *emoji;
    }
    client.run_in_order([this, client, type, room = *room_id, id = *message_id, argument] {
      Result<void> done{};
      if (type == "edit") {
        auto r = messages_.edit(client.actor, room, id, argument);
        if (!r) done = r.error();
      } else if (type == "delete") {
        done = messages_.remove(client.actor, room, id);
      } else {
        auto r = messages_.react(client.actor, room, id, argument, type == "react");
        if (!r) done = r.error();
      }
      if (!done) reply_error(client, done.error(), type);
    });
    return;
  }
}

}  // namespace tr::realtime
