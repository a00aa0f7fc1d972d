#pragma once
// Room template endpoints (SPEC.md section 3), thin like room_handlers:
//   GET    /api/room-templates                 -> {items: [template]} (everyone)
//   GET    /api/room-templates/{template_id}   -> template
//   POST   /api/room-templates                 -> 201 template (admin)
//   PATCH  /api/room-templates/{template_id}   -> template (admin)
//   DELETE /api/room-templates/{template_id}   -> 204 (admin)
// Every route needs an authenticated user.

#include "http/router.hpp"

namespace tr {
class TemplateService;
}

namespace tr::http {

void add_template_routes(Router& router, TemplateService& templates);

}  // namespace tr::http
