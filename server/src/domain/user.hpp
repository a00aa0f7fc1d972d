#pragma once
// User: a person known to Task Reporter, whichever directory vouched for them.
// Plain value type; copyable; no invariants beyond non-empty ids.

#include <string>

#include "core/clock.hpp"

namespace tr {

struct User {
  std::string user_id;
  std::string username;      // unique, case-insensitive login name
  std::string display_name;  // may be Chinese, e.g. "王小明"
  std::string email;
  bool is_admin = false;
  bool disabled = false;
  std::string source = "local";  // "local" or "ldap": who owns the record
  EpochMs created_at = 0;
  EpochMs updated_at = 0;
};

}  // namespace tr
