#include "domain/room.hpp"

#include <array>
#include <utility>

#include "core/strings.hpp"

namespace tr {
namespace {

template <class E, std::size_t N>
std::optional<E> lookup(const std::array<std::pair<E, std::string_view>, N>& table,
                        std::string_view text) {
  for (const auto& [value, name] : table) {
    if (name == text) return value;
  }
  return std::nullopt;
}

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "";
}

constexpr std::array<std::pair<Role, std::string_view>, 3> kRoles{{
    {Role::kOwner, "owner"},
    {Role::kEditor, "editor"},
    {Role::kViewer, "viewer"},
}};

constexpr std::array<std::pair<IncidentType, std::string_view>, 4> kIncidentTypes{{
    {IncidentType::kEquipmentFailure, "equipment_failure"},
    {IncidentType::kMaterialShortage, "material_shortage"},
    {IncidentType::kQualityIssue, "quality_issue"},
    {IncidentType::kOther, "other"},
}};

constexpr std::array<std::pair<Severity, std::string_view>, 4> kSeverities{{
    {Severity::kLow, "low"},
    {Severity::kMedium, "medium"},
    {Severity::kHigh, "high"},
    {Severity::kCritical, "critical"},
}};

constexpr std::array<std::pair<RoomStatus, std::string_view>, 3> kStatuses{{
    {RoomStatus::kActive, "active"},
    {RoomStatus::kResolved, "resolved"},
    {RoomStatus::kArchived, "archived"},
}};

}  // namespace

std::string_view to_string(Role role) { return name_of(kRoles, role); }
std::string_view to_string(IncidentType type) { return name_of(kIncidentTypes, type); }
std::string_view to_string(Severity severity) { return name_of(kSeverities, severity); }
std::string_view to_string(RoomStatus status) { return name_of(kStatuses, status); }

std::optional<Role> parse_role(std::string_view text) { return lookup(kRoles, text); }
std::optional<IncidentType> parse_incident_type(std::string_view text) {
  return lookup(kIncidentTypes, text);
}
std::optional<Severity> parse_severity(std::string_view text) { return lookup(kSeverities, text); }
std::optional<RoomStatus> parse_room_status(std::string_view text) {
  return lookup(kStatuses, text);
}

int severity_rank(Severity severity) {
  switch (severity) {
    case Severity::kLow:
      return 0;
    case Severity::kMedium:
      return 1;
    case Severity::kHigh:
      return 2;
    case Severity::kCritical:
      return 3;
  }
  return 0;
}

Result<void> validate_title(std::string_view title, const char* field) {
  if (title.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return invalid_field(field, std::string(field) + " must not be empty");
  }
  return validate_text(title, kMaxTitleLength, field);
}

Result<void> validate_text(std::string_view text, std::size_t max, const char* field) {
  if (!is_clean_utf8(text)) {
    return invalid_field(field, std::string(field) + " must not contain control characters");
  }
  if (utf8_length(text) > max) {
    return invalid_field(
        field, std::string(field) + " must be at most " + std::to_string(max) + " characters");
  }
  return {};
}

}  // namespace tr
