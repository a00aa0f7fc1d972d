#pragma once
// RoomStore: incident rooms, their members and their timeline (room_events,
// and the system messages room changes write). Blocking; thread-safe.
//
// Every mutating call takes an EventBatch and, in ONE transaction, makes the
// change, gives the batch's events the room's next seqs (rooms.last_seq is
// bumped by the batch size, so seqs are gap-free under any concurrency),
// stores them (room_events, and `messages` for MessagePosted) and sets
// last_activity_at = batch.at. It returns the committed room and the stored
// RoomEvents, which the caller publishes to the EventBus after the call.
// Nothing is half-written: on any error the transaction rolls back.
//
// Errors common to all calls: kUnavailable (database), kNotFound (no such
// room). The rules that must hold under concurrency are checked inside the
// transaction, as documented per call; the remaining rules (permissions,
// transitions) belong to RoomService.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "domain/room.hpp"
#include "domain/room_event.hpp"
#include "domain/timeline.hpp"

namespace tr {

enum class RoomSort {
  kLastActivity,  // last_activity_at, newest first (default)
  kCreated,       // created_at, newest first
  kSeverity,      // critical first, then last_activity_at newest first
};

struct RoomQuery {
  std::string viewer_id;   // whose rooms; their role is reported per room
  bool all_rooms = false;  // every room (admins), not only the viewer's
  std::optional<RoomStatus> status;
  std::optional<IncidentType> incident_type;
  std::optional<Severity> severity;
  std::string location;  // substring of location (ASCII case-insensitive); "" = any
  std::string text;      // substring of title, description or location; "" = any
  RoomSort sort = RoomSort::kLastActivity;
  int limit = 20;  // 1..100, checked by the caller
  int offset = 0;
};

// A room as one viewer sees it.
struct RoomView {
  Room room;
  std::optional<Role> role;  // the viewer's role; nullopt when not a member
  // Messages after the viewer's read position written by others (filled by
  // list() only).
  std::int64_t unread_count = 0;
};

struct RoomPage {
  std::vector<RoomView> items;  // in the query's order, ties broken by room_id (descending)
  std::int64_t total = 0;       // rooms matching, ignoring limit and offset
};

// What a mutating call committed.
struct RoomChange {
  Room room;                      // as committed
  std::vector<RoomEvent> events;  // as stored, in seq order
};

class RoomStore {
 public:
  virtual ~RoomStore() = default;

  // Creates `room` (its last_seq, member_count are set by the store) with
  // `members`, then appends `batch` (seq 1, 2, ...). kConflict if the id exists.
  virtual Result<RoomChange> create(const Room& room, const std::vector<Member>& members,
                                    const EventBatch& batch) = 0;

  // The room and `viewer_id`'s role in it.
  virtual Result<RoomView> find(const std::string& room_id, const std::string& viewer_id) = 0;

  virtual Result<RoomPage> list(const RoomQuery& query) = 0;

  // Members ordered by added_at, then user_id.
  virtual Result<std::vector<Member>> members(const std::string& room_id) = 0;
  // nullopt when `user_id` is not a member (kNotFound only for the room).
  virtual Result<std::optional<Member>> member(const std::string& room_id,
                                               const std::string& user_id) = 0;

  // Writes the editable fields of `room` (title, severity, status, location,
  // description, resolution_notes, resolved_at, archived_at), sets
  // updated_at = batch.at and version = expected_version + 1, and appends
  // `batch` (a RoomUpdated in it gets the committed room).
  // kPreconditionFailed when the stored version is not `expected_version`.
  virtual Result<RoomChange> update(const Room& room, std::int64_t expected_version,
                                    const EventBatch& batch) = 0;

  // Adds `member` (room_id, user_id, role, added_at, added_by).
  // kConflict: already a member. kRoomArchived: the room is archived.
  virtual Result<RoomChange> add_member(const Member& member, const EventBatch& batch) = 0;

  // Sets the member's role. kNotFound (field "user_id"): not a member.
  // kLastOwner: it would leave the room without an owner. kRoomArchived.
  virtual Result<RoomChange> set_role(const std::string& room_id, const std::string& user_id,
                                      Role role, const EventBatch& batch) = 0;

  // Removes the member. kNotFound (field "user_id"), kLastOwner, kRoomArchived.
  virtual Result<RoomChange> remove_member(const std::string& room_id, const std::string& user_id,
                                           const EventBatch& batch) = 0;

  // Makes `to_user_id` an owner and, when `demote_user_id` is set, makes that
  // member an editor, together. kNotFound (field "user_id"): `to_user_id` is
  // not a member. kRoomArchived.
  virtual Result<RoomChange> transfer_ownership(const std::string& room_id,
                                                const std::string& to_user_id,
                                                const std::optional<std::string>& demote_user_id,
                                                const EventBatch& batch) = 0;

  // Stored events with seq > after_seq, in seq order, at most `limit`.
  virtual Result<std::vector<RoomEvent>> events_after(const std::string& room_id,
                                                      std::int64_t after_seq, int limit) = 0;
};

}  // namespace tr
