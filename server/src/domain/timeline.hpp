#pragma once
// TimelineChange: an event about to be appended to a room's timeline, before
// it has a seq. A store call that changes a room takes the changes to append
// (an EventBatch), gives them the room's next seqs inside the same
// transaction, and turns each into a RoomEvent with render_event(), which
// writes the frame of SPEC.md section 4 once:
//   RoomUpdated        {"type":"room_updated","room_id","seq","room":{...}}
//   MemberAdded        {"type":"member_added","room_id","seq","member":{...}}
//   MemberRoleChanged  {"type":"member_role_changed","room_id","seq","member":{...}}
//   MemberRemoved      {"type":"member_removed","room_id","seq","user_id"}
//   MessagePosted      {"type":"message","room_id","seq","message":{...}}
//   MessageEdited      {"type":"message_edited","room_id","seq","message":{...}}
//   MessageDeleted     {"type":"message_deleted","room_id","seq","message_id"}
//   ReactionChanged    {"type":"reaction_added"|"reaction_removed","room_id","seq",
//                       "message_id","emoji","user_id"}
// The room inside a room_updated frame carries no current_user_role (it goes
// to every member; each client keeps its own role). Plain values.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.hpp"
#include "domain/message.hpp"
#include "domain/room.hpp"
#include "domain/room_event.hpp"

namespace tr {

// The store replaces `room` with the row as committed (new version, last_seq
// = the batch's last seq, member_count) before rendering.
struct RoomUpdated {
  Room room;
};
struct MemberAdded {
  Member member;
};
struct MemberRoleChanged {
  Member member;  // with the new role
};
struct MemberRemoved {
  std::string user_id;
};
// A new message; the store sets message.seq (and stores it in `messages`).
struct MessagePosted {
  Message message;
  // Users whose delivery changes with this message (e.g. the members of a
  // room being created), copied to RoomEvent::affected_user_ids.
  std::vector<std::string> affected_user_ids;
};

// An edited message (its new text and edited_at).
struct MessageEdited {
  Message message;
};
// A soft-deleted message.
struct MessageDeleted {
  std::string message_id;
};
// One user's reaction added (or, with added = false, removed).
struct ReactionChanged {
  std::string message_id;
  std::string emoji;
  std::string user_id;
  bool added = true;
};

using TimelineChange = std::variant<RoomUpdated, MemberAdded, MemberRoleChanged, MemberRemoved,
                                    MessagePosted, MessageEdited, MessageDeleted, ReactionChanged>;

// The changes one store call appends, in order, with who made them and when.
struct EventBatch {
  std::string actor_id;
  EpochMs at = 0;
  std::vector<TimelineChange> changes;
};

// "room_updated", "member_added", ...
std::string_view event_type(const TimelineChange& change);

// The stored form of `change` at `seq` (any seq inside `change` must already
// be set by the caller; render_event sets message.seq itself).
RoomEvent render_event(const std::string& room_id, std::int64_t seq, const TimelineChange& change,
                       EpochMs created_at);

}  // namespace tr
