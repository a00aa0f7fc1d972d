#include "domain/timeline.hpp"

#include <boost/json/serialize.hpp>

#include "domain/room_json.hpp"

namespace tr {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

std::string_view event_type(const TimelineChange& change) {
  return std::visit(
      Overloaded{
          [](const RoomUpdated&) { return std::string_view("room_updated"); },
          [](const MemberAdded&) { return std::string_view("member_added"); },
          [](const MemberRoleChanged&) { return std::string_view("member_role_changed"); },
          [](const MemberRemoved&) { return std::string_view("member_removed"); },
          [](const MessagePosted&) { return std::string_view("message"); },
          [](const MessageEdited&) { return std::string_view("message_edited"); },
          [](const MessageDeleted&) { return std::string_view("message_deleted"); },
          [](const ReactionChanged& c) {
            return std::string_view(c.added ? "reaction_added" : "reaction_removed");
          },
      },
      change);
}

RoomEvent render_event(const std::string& room_id, std::int64_t seq, const TimelineChange& change,
                       EpochMs created_at) {
  RoomEvent event;
  event.room_id = room_id;
  event.seq = seq;
  event.type = std::string(event_type(change));
  event.created_at = created_at;
  boost::json::object frame;
  frame["type"] = event.type;
  frame["room_id"] = room_id;
  frame["seq"] = seq;
  std::visit(Overloaded{
                 [&](const RoomUpdated& c) { frame["room"] = room_json(c.room); },
                 [&](const MemberAdded& c) {
                   frame["member"] = member_json(c.member);
                   event.affected_user_ids.push_back(c.member.user_id);
                 },
                 [&](const MemberRoleChanged& c) { frame["member"] = member_json(c.member); },
                 [&](const MemberRemoved& c) {
                   frame["user_id"] = c.user_id;
                   event.affected_user_ids.push_back(c.user_id);
                 },
                 [&](const MessagePosted& c) {
                   boost::json::object message = message_json(c.message);
                   message["seq"] = seq;  // the message as stored: its seq, its room
                   message["room_id"] = room_id;
                   frame["message"] = std::move(message);
                   event.affected_user_ids = c.affected_user_ids;
                 },
                 [&](const MessageEdited& c) { frame["message"] = message_json(c.message); },
                 [&](const MessageDeleted& c) { frame["message_id"] = c.message_id; },
                 [&](const ReactionChanged& c) {
                   frame["message_id"] = c.message_id;
                   frame["emoji"] = c.emoji;
                   frame["user_id"] = c.user_id;
                 },
             },
             change);
  event.frame = boost::json::serialize(frame);
  return event;
}

}  // namespace tr
