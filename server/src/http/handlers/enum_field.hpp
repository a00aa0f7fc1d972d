#pragma once
// Reading enum-valued fields (SPEC.md's lower-case strings) from JSON bodies
// and query strings: absent, null or empty -> nullopt; any other value that
// `parse` rejects -> kValidationFailed naming the field and the allowed values.

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "http/json_body.hpp"
#include "http/message.hpp"

namespace tr::http {

template <class E>
using EnumParser = std::optional<E> (*)(std::string_view);

template <class E>
Result<std::optional<E>> optional_enum(const boost::json::object& body, const char* field,
                                       EnumParser<E> parse, const char* allowed) {
  auto text = optional_string(body, field);
  if (!text) return text.error();
  if (!*text) return std::optional<E>();
  auto value = parse(**text);
  if (!value) return invalid_field(field, std::string(field) + " must be one of " + allowed);
  return std::optional<E>(*value);
}

template <class E>
Result<std::optional<E>> query_enum(const Request& req, const char* name, EnumParser<E> parse,
                                    const char* allowed) {
  auto text = req.query_param(name);
  if (!text || text->empty()) return std::optional<E>();
  auto value = parse(*text);
  if (!value) return invalid_field(name, std::string(name) + " must be one of " + allowed);
  return std::optional<E>(*value);
}

inline constexpr const char* kIncidentTypeValues =
    "equipment_failure, material_shortage, quality_issue, other";
inline constexpr const char* kSeverityValues = "low, medium, high, critical";
inline constexpr const char* kStatusValues = "active, resolved, archived";
inline constexpr const char* kRoleValues = "owner, editor, viewer";

}  // namespace tr::http
