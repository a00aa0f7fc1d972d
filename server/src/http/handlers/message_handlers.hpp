#pragma once
// /api/rooms/{room_id}/messages (history, post, edit, delete, reactions,
// search), /events (the timeline by seq) and /read (read position).

#include "http/router.hpp"
#include "services/messaging/message_service.hpp"

namespace tr::http {

void add_message_routes(Router& router, MessageService& messages);

}  // namespace tr::http
