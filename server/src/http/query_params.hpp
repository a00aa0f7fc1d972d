#pragma once
// Reading query parameters: integers within bounds, with the parameter named
// in the kValidationFailed error.

#include <cstdint>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "http/message.hpp"

namespace tr::http {

// The integer parameter `name` in [min, max], or `fallback` when absent/empty.
Result<std::int64_t> int_query(const Request& req, const std::string& name, std::int64_t fallback,
                               std::int64_t min, std::int64_t max);

// The same, nullopt when absent.
Result<std::optional<std::int64_t>> optional_int_query(const Request& req, const std::string& name,
                                                       std::int64_t min, std::int64_t max);

}  // namespace tr::http
