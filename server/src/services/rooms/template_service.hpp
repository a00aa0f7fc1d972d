#pragma once
// TemplateService: room templates (SPEC.md section 3). Everyone may read
// them; only system admins create, change and delete them (kForbidden).
// Default members must name people who exist here or in the directory
// (kValidationFailed naming default_members[i].username). Blocking;
// thread-safe when its ports are.

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "domain/actor.hpp"
#include "domain/room.hpp"
#include "ports/template_store.hpp"
#include "services/rooms/user_resolver.hpp"

namespace tr {

struct NewTemplate {
  std::string name;
  IncidentType incident_type = IncidentType::kOther;
  Severity severity = Severity::kMedium;
  std::string description;
  std::vector<TemplateMember> default_members;
};

// Fields to change; unset ones stay.
struct TemplatePatch {
  std::optional<std::string> name;
  std::optional<IncidentType> incident_type;
  std::optional<Severity> severity;
  std::optional<std::string> description;
  std::optional<std::vector<TemplateMember>> default_members;
};

class TemplateService {
 public:
  TemplateService(TemplateStore& templates, UserResolver& resolver, const Clock& clock)
      : templates_(templates), resolver_(resolver), clock_(clock) {}

  Result<std::vector<RoomTemplate>> list(const Actor& actor);
  Result<RoomTemplate> get(const Actor& actor, const std::string& template_id);
  // kConflict (field name) when the name is taken.
  Result<RoomTemplate> create(const Actor& actor, const NewTemplate& request);
  Result<RoomTemplate> update(const Actor& actor, const std::string& template_id,
                              const TemplatePatch& patch);
  Result<void> remove(const Actor& actor, const std::string& template_id);

 private:
  Result<void> validate(const RoomTemplate& tpl);

  TemplateStore& templates_;
  UserResolver& resolver_;
  const Clock& clock_;
};

}  // namespace tr
