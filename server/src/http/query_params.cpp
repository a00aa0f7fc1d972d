#include "http/query_params.hpp"

#include <charconv>

namespace tr::http {

Result<std::optional<std::int64_t>> optional_int_query(const Request& req, const std::string& name,
                                                       std::int64_t min, std::int64_t max) {
  auto raw = req.query_param(name);
  if (!raw || raw->empty()) return std::optional<std::int64_t>();
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), value);
  if (ec != std::errc() || ptr != raw->data() + raw->size() || value < min || value > max) {
    return invalid_field(name, name + " must be an integer from " + std::to_string(min) + " to " +
                                   std::to_string(max));
  }
  return std::optional<std::int64_t>(value);
}

Result<std::int64_t> int_query(const Request& req, const std::string& name, std::int64_t fallback,
                               std::int64_t min, std::int64_t max) {
  auto value = optional_int_query(req, name, min, max);
  if (!value) return value.error();
  return value->value_or(fallback);
}

}  // namespace tr::http
