#pragma once
// RoomEvent: one entry of a room's timeline (SPEC.md section 4). Every change
// to a room's timeline — message, edit, deletion, reaction, member change,
// room update, file — is stored as a RoomEvent with the room's next `seq`
// (1, 2, 3, ... without gaps) in the same transaction as the change, and
// published to the EventBus after commit.
//
// `frame` is the complete JSON text sent to WebSocket clients and returned by
// GET /api/rooms/{room_id}/events, e.g.
//   {"type":"member_added","room_id":"r1","seq":7,"member":{...}}
// It is serialised once when the event is created and never re-encoded.

#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace tr {

struct RoomEvent {
  std::string room_id;
  std::int64_t seq = 0;
  std::string type;   // "message", "member_added", "room_updated", ...
  std::string frame;  // the JSON frame, see above
  EpochMs created_at = 0;
  // Users whose delivery changes with this event (member added or removed),
  // so the realtime hub can update who may receive the room's events.
  std::vector<std::string> affected_user_ids;
};

}  // namespace tr
