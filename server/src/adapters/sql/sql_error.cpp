#include "adapters/sql/sql_error.hpp"

#include <spdlog/spdlog.h>

#include <string>

namespace tr::sql {

Error database_error(std::string_view operation, const std::exception& e) {
  spdlog::error("database error in {}: {}", operation, e.what());
  return Error{ErrorCode::kUnavailable, "the database could not complete the request"};
}

}  // namespace tr::sql
