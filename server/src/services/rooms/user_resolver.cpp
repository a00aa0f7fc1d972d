#include "services/rooms/user_resolver.hpp"

#include "core/ids.hpp"

namespace tr {
namespace {

Error unknown_user(const std::string& username, const std::string& field) {
  return invalid_field(field, "no user named \"" + username + "\"");
}

}  // namespace

Result<User> UserResolver::resolve(const std::string& username, const std::string& field) {
  auto known = users_.find_by_username(username);
  if (known) {
    if (known->disabled) return invalid_field(field, "the account of " + username + " is disabled");
    return known;
  }
  if (known.error().code != ErrorCode::kNotFound) return known.error();

  auto identity = directory_.lookup(username);
  if (!identity) {
    if (identity.error().code == ErrorCode::kNotFound) return unknown_user(username, field);
    return identity.error();
  }
  User user;
  user.user_id = new_id();
  user.username = identity->username.empty() ? username : identity->username;
  user.display_name = identity->display_name.empty() ? user.username : identity->display_name;
  user.email = identity->email;
  user.is_admin = identity->is_admin;
  user.source = std::string(directory_.kind());
  user.created_at = user.updated_at = clock_.now_ms();
  auto created = users_.create(user, std::nullopt);
  if (created) return created;
  if (created.error().code == ErrorCode::kConflict) {
    // Created meanwhile (a login or another request): use that record.
    return users_.find_by_username(user.username);
  }
  return created.error();
}

Result<void> UserResolver::check_exists(const std::string& username, const std::string& field) {
  auto known = users_.find_by_username(username);
  if (known) {
    if (known->disabled) return invalid_field(field, "the account of " + username + " is disabled");
    return {};
  }
  if (known.error().code != ErrorCode::kNotFound) return known.error();
  auto identity = directory_.lookup(username);
  if (identity) return {};
  if (identity.error().code == ErrorCode::kNotFound) return unknown_user(username, field);
  return identity.error();
}

}  // namespace tr
