#include "services/rooms/template_service.hpp"

#include "core/ids.hpp"
#include "core/strings.hpp"

namespace tr {
namespace {

Result<void> require_admin(const Actor& actor) {
  if (actor.is_admin) return {};
  return Error{ErrorCode::kForbidden, "only system admins may change room templates"};
}

}  // namespace

Result<void> TemplateService::validate(const RoomTemplate& tpl) {
  if (tpl.name.empty()) return invalid_field("name", "name must not be empty");
  if (auto ok = validate_text(tpl.name, kMaxTemplateNameLength, "name"); !ok) return ok;
  if (auto ok = validate_text(tpl.description, kMaxTextLength, "description"); !ok) return ok;
  for (std::size_t i = 0; i < tpl.default_members.size(); ++i) {
    const std::string field = "default_members[" + std::to_string(i) + "].username";
    if (auto ok = resolver_.check_exists(tpl.default_members[i].username, field); !ok) return ok;
  }
  return {};
}

Result<std::vector<RoomTemplate>> TemplateService::list(const Actor&) { return templates_.list(); }

Result<RoomTemplate> TemplateService::get(const Actor&, const std::string& template_id) {
  return templates_.get(template_id);
}

Result<RoomTemplate> TemplateService::create(const Actor& actor, const NewTemplate& request) {
  if (auto ok = require_admin(actor); !ok) return ok.error();
  RoomTemplate tpl;
  tpl.template_id = new_id();
  tpl.name = trim(request.name);
  tpl.incident_type = request.incident_type;
  tpl.severity = request.severity;
  tpl.description = request.description;
  tpl.default_members = request.default_members;
  for (auto& m : tpl.default_members) m.username = trim(m.username);
  if (auto ok = validate(tpl); !ok) return ok.error();
  tpl.created_at = tpl.updated_at = clock_.now_ms();
  return templates_.create(tpl);
}

Result<RoomTemplate> TemplateService::update(const Actor& actor, const std::string& template_id,
                                             const TemplatePatch& patch) {
  if (auto ok = require_admin(actor); !ok) return ok.error();
  auto current = templates_.get(template_id);
  if (!current) return current.error();
  RoomTemplate tpl = *current;
  if (patch.name) tpl.name = trim(*patch.name);
  if (patch.incident_type) tpl.incident_type = *patch.incident_type;
  if (patch.severity) tpl.severity = *patch.severity;
  if (patch.description) tpl.description = *patch.description;
  if (patch.default_members) {
    tpl.default_members = *patch.default_members;
    for (auto& m : tpl.default_members) m.username = trim(m.username);
  }
  if (auto ok = validate(tpl); !ok) return ok.error();
  tpl.updated_at = clock_.now_ms();
  return templates_.update(tpl);
}

Result<void> TemplateService::remove(const Actor& actor, const std::string& template_id) {
  if (auto ok = require_admin(actor); !ok) return ok.error();
  return templates_.remove(template_id);
}

}  // namespace tr
