#pragma once
// Room, Member and RoomTemplate: an incident room (SPEC.md section 3), the
// people in it and the templates rooms start from. Plain value types.
//
// Enum values travel as the lower-case strings of SPEC.md ("equipment_failure",
// "critical", ...): to_string() gives them, parse_*() reads them and returns
// nullopt for anything else, so callers turn unknown values into a 422 naming
// the field. The validate_*() functions check the free-text fields and return
// kValidationFailed naming the field; they do not trim.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/strings.hpp"  // utf8_length

namespace tr {

enum class Role { kOwner, kEditor, kViewer };
enum class IncidentType { kEquipmentFailure, kMaterialShortage, kQualityIssue, kOther };
enum class Severity { kLow, kMedium, kHigh, kCritical };
enum class RoomStatus { kActive, kResolved, kArchived };

std::string_view to_string(Role role);
std::string_view to_string(IncidentType type);
std::string_view to_string(Severity severity);
std::string_view to_string(RoomStatus status);

std::optional<Role> parse_role(std::string_view text);
std::optional<IncidentType> parse_incident_type(std::string_view text);
std::optional<Severity> parse_severity(std::string_view text);
std::optional<RoomStatus> parse_room_status(std::string_view text);

// 0 = low ... 3 = critical; the order of the `severity` sort.
int severity_rank(Severity severity);

// Field limits, in Unicode code points.
inline constexpr std::size_t kMaxTitleLength = 200;
inline constexpr std::size_t kMaxLocationLength = 200;
inline constexpr std::size_t kMaxTextLength = 10000;  // description, resolution notes
inline constexpr std::size_t kMaxTemplateNameLength = 100;

// title: not blank, at most kMaxTitleLength.
Result<void> validate_title(std::string_view title, const char* field = "title");
// Any text up to `max` code points (may be empty), valid UTF-8 without
// control characters other than tab and line breaks.
Result<void> validate_text(std::string_view text, std::size_t max, const char* field);

struct Room {
  std::string room_id;
  std::string title;
  IncidentType incident_type = IncidentType::kOther;
  Severity severity = Severity::kMedium;
  RoomStatus status = RoomStatus::kActive;
  std::string location;
  std::string description;
  std::string resolution_notes;
  std::string created_by;  // user id
  EpochMs created_at = 0;
  EpochMs updated_at = 0;
  std::optional<EpochMs> resolved_at;
  std::optional<EpochMs> archived_at;
  EpochMs last_activity_at = 0;  // the newest event (any kind)
  std::int64_t last_seq = 0;     // the newest event's seq; 0 before the first
  std::int64_t member_count = 0;
  std::int64_t version = 1;                // +1 on every change of the fields above the line
  std::optional<std::string> template_id;  // the template it was created from
};

struct Member {
  std::string room_id;
  std::string user_id;
  std::string username;      // from the user record
  std::string display_name;  // from the user record
  Role role = Role::kViewer;
  EpochMs added_at = 0;
  std::string added_by;  // user id
};

// A member a template adds to every room created from it, by login name.
struct TemplateMember {
  std::string username;
  Role role = Role::kEditor;
};

struct RoomTemplate {
  std::string template_id;
  std::string name;  // e.g. "設備故障"
  IncidentType incident_type = IncidentType::kOther;
  Severity severity = Severity::kMedium;  // default severity of new rooms
  std::string description;                // default description text
  std::vector<TemplateMember> default_members;
  EpochMs created_at = 0;
  EpochMs updated_at = 0;
};

}  // namespace tr
