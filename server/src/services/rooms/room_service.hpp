#pragma once
// RoomService: the rules of incident rooms and their members (SPEC.md
// sections 1 and 3, issue 4). Plain synchronous C++; blocking (database,
// directory); thread-safe when its ports are.
//
// Access: every call about an existing room first loads it with the actor's
// role. A non-member who is not an admin gets kForbidden (403, as SPEC.md
// says; room ids are unguessable, so this reveals nothing useful) and the
// attempt is written to the audit log as "room.access_denied". An unknown
// room is kNotFound for everyone. Permissions come from domain/permissions.
//
// Writes: each change is one store transaction that also appends its events
// — room_updated / member_added / member_role_changed / member_removed and a
// `message` event carrying a `system` message describing the change (English
// text, structured metadata) — and the stored events are published to the
// EventBus after commit. An archived room is read-only (kRoomArchived) until
// an owner or admin sets it back to active.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "domain/actor.hpp"
#include "domain/permissions.hpp"
#include "domain/room.hpp"
#include "ports/audit_log.hpp"
#include "ports/event_bus.hpp"
#include "ports/room_store.hpp"
#include "ports/template_store.hpp"
#include "services/rooms/user_resolver.hpp"

namespace tr {

struct MemberRequest {
  std::string username;
  Role role = Role::kEditor;
};

struct NewRoom {
  std::string title;
  std::optional<IncidentType> incident_type;  // required unless a template gives it
  std::optional<Severity> severity;           // required unless a template gives it
  std::optional<std::string> location;
  std::optional<std::string> description;  // else the template's
  std::optional<std::string> template_id;
  std::vector<MemberRequest> members;  // added to the template's default members
};

// Fields to change; unset ones stay.
struct RoomPatch {
  std::optional<std::string> title;
  std::optional<Severity> severity;
  std::optional<RoomStatus> status;
  std::optional<std::string> location;
  std::optional<std::string> description;
  std::optional<std::string> resolution_notes;
};

struct RoomListRequest {
  std::optional<RoomStatus> status;
  std::optional<IncidentType> incident_type;
  std::optional<Severity> severity;
  std::string location;
  std::string q;
  RoomSort sort = RoomSort::kLastActivity;
  int limit = 20;    // 1..100
  int offset = 0;    // >= 0
  bool all = false;  // admins: every room
};

inline constexpr int kMaxRoomPageSize = 100;
inline constexpr std::size_t kMaxQueryLength = 200;

class RoomService {
 public:
  RoomService(RoomStore& rooms, TemplateStore& templates, UserResolver& resolver, UserStore& users,
              AuditLog& audit, EventBus& bus, const Clock& clock)
      : rooms_(rooms),
        templates_(templates),
        resolver_(resolver),
        users_(users),
        audit_(audit),
        bus_(bus),
        clock_(clock) {}

  // Creates a room; the actor becomes its owner. A template supplies the
  // incident type, severity, description and default members; fields given
  // in the request win. Errors: kValidationFailed (title, incident_type,
  // severity, location, description, template_id, members[i].username).
  Result<RoomView> create(const Actor& actor, const NewRoom& request);

  // The actor's rooms (all rooms when `all` and the actor is an admin;
  // kForbidden when `all` and not). kValidationFailed for limit/offset/q.
  Result<RoomPage> list(const Actor& actor, const RoomListRequest& request);

  Result<RoomView> get(const Actor& actor, const std::string& room_id);

  // Applies `patch`. `if_match`: the version the client last saw; a
  // different current version is kPreconditionFailed. Status changes follow
  // domain/status_transition (kInvalidTransition); resolving sets
  // resolved_at, archiving archived_at, reopening clears both. A patch that
  // changes nothing returns the room as it is.
  Result<RoomView> update(const Actor& actor, const std::string& room_id, const RoomPatch& patch,
                          std::optional<std::int64_t> if_match);

  // DELETE /api/rooms/{id}: archives the room (owner/admin). Archiving an
  // archived room changes nothing.
  Result<RoomView> archive(const Actor& actor, const std::string& room_id);

  Result<std::vector<Member>> members(const Actor& actor, const std::string& room_id);

  // Adds the person named `username` (known, or found in the directory).
  // Editors may add editors and viewers; adding an owner needs kChangeRole.
  // kConflict when already a member.
  Result<Member> add_member(const Actor& actor, const std::string& room_id,
                            const MemberRequest& request);

  // kNotFound (field user_id) when not a member; kLastOwner.
  Result<Member> change_role(const Actor& actor, const std::string& room_id,
                             const std::string& user_id, Role role);

  // Removes a member; removing oneself is leaving, which every member may do
  // (except the last owner: kLastOwner).
  Result<void> remove_member(const Actor& actor, const std::string& room_id,
                             const std::string& user_id);

  // Makes member `to_user_id` an owner; an owner who transfers becomes an
  // editor (an admin who is not an owner keeps their role). Returns the room
  // as the actor now sees it. kValidationFailed (user_id) when `to_user_id`
  // is not a member.
  Result<RoomView> transfer_ownership(const Actor& actor, const std::string& room_id,
                                      const std::string& to_user_id);

 private:
  // Loads the room with the actor's role; kForbidden + audit for outsiders.
  Result<RoomView> load(const Actor& actor, const std::string& room_id);
  Result<void> require(const Actor& actor, const RoomView& view, Action action);
  std::string display_name(const Actor& actor);
  Message system_message(const Actor& actor, const std::string& room_id, std::string text,
                         boost::json::object metadata);
  void publish(const std::vector<RoomEvent>& events);
  Result<RoomView> apply_patch(const Actor& actor, const RoomView& view, const RoomPatch& patch);

  RoomStore& rooms_;
  TemplateStore& templates_;
  UserResolver& resolver_;
  UserStore& users_;
  AuditLog& audit_;
  EventBus& bus_;
  const Clock& clock_;
};

}  // namespace tr
