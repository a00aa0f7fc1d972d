#pragma once
// The wire shapes of SPEC.md sections 3 and 4 for rooms, members, messages and
// templates, as Boost.JSON values. Times are integer milliseconds since the
// Unix epoch, as everywhere in the API; absent times are null.
//   room     {room_id, title, incident_type, severity, status, location,
//             description, resolution_notes, created_by, created_at,
//             updated_at, resolved_at, archived_at, last_activity_at,
//             last_seq, member_count, version, template_id
//             [, current_user_role]}
//   member   {user_id, username, display_name, role, added_at, added_by}
//   message  {message_id, room_id, seq, sender_id, sender_name, type,
//             content, metadata, reply_to, reactions:[{emoji,count,user_ids}],
//             created_at, edited_at, deleted, client_id}
//   template {template_id, name, incident_type, severity, description,
//             default_members:[{username, role}], created_at, updated_at}
// Pure functions.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "domain/message.hpp"
#include "domain/room.hpp"

namespace tr {

// Every room field except current_user_role (as sent in room_updated frames).
// `sp` is where the object allocates (default: the heap; a page of rooms can
// use one arena).
boost::json::object room_json(const Room& room, boost::json::storage_ptr sp = {});
// The room as one user sees it: adds current_user_role (null for a
// non-member admin).
boost::json::object room_json(const Room& room, std::optional<Role> current_user_role,
                              boost::json::storage_ptr sp = {});

boost::json::object member_json(const Member& member);
boost::json::object message_json(const Message& message);
boost::json::object template_json(const RoomTemplate& tpl);

// default_members as stored in the database: [{"username","role"}].
boost::json::array template_members_json(const std::vector<TemplateMember>& members);
// Reads what template_members_json wrote. kValidationFailed naming
// "default_members[i].username" / ".role" on a malformed entry.
Result<std::vector<TemplateMember>> parse_template_members(const boost::json::value& value);

}  // namespace tr
