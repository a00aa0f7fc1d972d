#pragma once
// Reading JSON request bodies: parse errors become kInvalidJson (400), fields
// of the wrong type become kValidationFailed (422) naming the field.

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "http/message.hpp"

namespace tr::http {

// The body as a JSON object. An empty body is kInvalidJson.
Result<boost::json::object> parse_json_object(const Request& req);

// Optional fields: nullopt when absent or null; an error when of another type.
Result<std::optional<std::string>> optional_string(const boost::json::object& obj,
                                                   const char* field);
Result<std::optional<bool>> optional_bool(const boost::json::object& obj, const char* field);
Result<std::optional<std::int64_t>> optional_int(const boost::json::object& obj,
                                                 const char* field);

// Required string: missing, null, not a string or (when non_empty) blank all
// fail with kValidationFailed naming `field`.
Result<std::string> required_string(const boost::json::object& obj, const char* field,
                                    bool non_empty = true);

// Serialises a JSON value into a 200 (or `status`) response.
Response json_value_response(const boost::json::value& value, int status = 200);

}  // namespace tr::http
