#pragma once
// Turns a database exception into an Error (kUnavailable) and logs the
// details, which may name tables and values, server-side only.

#include <exception>
#include <string_view>

#include "core/error.hpp"

namespace tr::sql {

Error database_error(std::string_view operation, const std::exception& e);

// Runs `body` and converts any exception into database_error(operation, e).
template <class F>
auto guarded(std::string_view operation, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    return database_error(operation, e);
  }
}

}  // namespace tr::sql
