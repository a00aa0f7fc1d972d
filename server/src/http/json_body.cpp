#include "http/json_body.hpp"

#include <boost/json.hpp>

namespace tr::http {

Result<boost::json::object> parse_json_object(const Request& req) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(req.body, ec);
  if (ec) return Error{ErrorCode::kInvalidJson, "the request body is not valid JSON"};
  if (!v.is_object()) {
    return Error{ErrorCode::kInvalidJson, "the request body must be a JSON object"};
  }
  return std::move(v.as_object());
}

Result<std::optional<std::string>> optional_string(const boost::json::object& obj,
                                                   const char* field) {
  auto it = obj.find(field);
  if (it == obj.end() || it->value().is_null()) return std::optional<std::string>();
  if (!it->value().is_string()) return invalid_field(field, std::string(field) + " must be a string");
  return std::optional<std::string>(std::string(it->value().as_string()));
}

Result<std::optional<bool>> optional_bool(const boost::json::object& obj, const char* field) {
  auto it = obj.find(field);
  if (it == obj.end() || it->value().is_null()) return std::optional<bool>();
  if (!it->value().is_bool()) return invalid_field(field, std::string(field) + " must be a boolean");
  return std::optional<bool>(it->value().as_bool());
}

Result<std::optional<std::int64_t>> optional_int(const boost::json::object& obj,
                                                 const char* field) {
  auto it = obj.find(field);
  if (it == obj.end() || it->value().is_null()) return std::optional<std::int64_t>();
  const auto& v = it->value();
  if (v.is_int64()) return std::optional<std::int64_t>(v.as_int64());
  if (v.is_uint64() && v.as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return std::optional<std::int64_t>(static_cast<std::int64_t>(v.as_uint64()));
  }
  return invalid_field(field, std::string(field) + " must be an integer");
}

Result<std::string> required_string(const boost::json::object& obj, const char* field,
                                    bool non_empty) {
  auto value = optional_string(obj, field);
  if (!value) return value.error();
  if (!*value) return invalid_field(field, std::string(field) + " is required");
  if (non_empty && (*value)->find_first_not_of(" \t\r\n") == std::string::npos) {
    return invalid_field(field, std::string(field) + " must not be empty");
  }
  return std::move(**value);
}

Response json_value_response(const boost::json::value& value, int status) {
  return json_response(boost::json::serialize(value), status);
}

}  // namespace tr::http
