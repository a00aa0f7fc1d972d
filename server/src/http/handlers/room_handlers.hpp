#pragma once
// Incident room endpoints (SPEC.md section 3), thin: parse and check the
// shape of the request (malformed JSON -> 400, a missing or mistyped field or
// an unknown enum value -> 422 naming the field), call one RoomService
// method, serialise with domain/room_json.
//   POST   /api/rooms                             -> 201 room
//   GET    /api/rooms?status=&incident_type=&severity=&location=&q=&sort=
//                     &limit=&offset=&all=        -> {items, total, limit, offset}
//   GET    /api/rooms/{room_id}                   -> room, ETag: "<version>"
//   PATCH  /api/rooms/{room_id}  (If-Match)       -> room, ETag
//   DELETE /api/rooms/{room_id}                   -> room (archived)
//   GET    /api/rooms/{room_id}/members           -> {items: [member]}
//   POST   /api/rooms/{room_id}/members           -> 201 member
//   PATCH  /api/rooms/{room_id}/members/{user_id} -> member
//   DELETE /api/rooms/{room_id}/members/{user_id} -> 204 (self: leave)
//   POST   /api/rooms/{room_id}/transfer-ownership {user_id} -> room
// Every route needs an authenticated user. The list is kept in a PageCache
// (see page_cache.hpp) and answered on the I/O thread while it is current.

#include "http/page_cache.hpp"
#include "http/router.hpp"

namespace tr {
class RoomService;
}

namespace tr::http {

void add_room_routes(Router& router, RoomService& rooms, PageCache& room_lists);

}  // namespace tr::http
