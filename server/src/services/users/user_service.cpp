#include "services/users/user_service.hpp"

#include "core/ids.hpp"
#include "core/strings.hpp"

namespace tr {
namespace {

std::optional<Error> check_text(const char* field, const std::string& value, std::size_t max) {
  if (!is_clean_utf8(value)) return invalid_field(field, std::string(field) + " must be plain text");
  if (utf8_length(value) > max) {
    return invalid_field(field, std::string(field) + " must be at most " + std::to_string(max) +
                                    " characters");
  }
  return std::nullopt;
}

}  // namespace

std::optional<Error> check_username(const std::string& username) {
  if (username.empty() || username.size() > 64) {
    return invalid_field("username", "username must be 1 to 64 characters");
  }
  for (char c : username) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return invalid_field("username", "username may hold letters, digits, '.', '_' and '-' only");
    }
  }
  return std::nullopt;
}

std::optional<Error> check_password(const std::string& password) {
  if (password.size() < 8) return invalid_field("password", "password must be at least 8 characters");
  if (password.size() > 256) return invalid_field("password", "password must be at most 256 bytes");
  return std::nullopt;
}

UserService::UserService(UserStore& users, PasswordHasher& hasher, AuthService& auth,
                         const Clock& clock, bool local_accounts)
    : users_(users), hasher_(hasher), auth_(auth), clock_(clock), local_accounts_(local_accounts) {}

Result<User> UserService::create_unchecked(const NewUser& f) {
  if (auto e = check_username(f.username)) return *e;
  if (auto e = check_password(f.password)) return *e;
  if (auto e = check_text("display_name", f.display_name, 100)) return *e;
  if (auto e = check_text("email", f.email, 254)) return *e;
  User u;
  u.user_id = new_id();
  u.username = f.username;
  u.display_name = trim(f.display_name).empty() ? f.username : trim(f.display_name);
  u.email = trim(f.email);
  u.is_admin = f.is_admin;
  u.source = "local";
  u.created_at = u.updated_at = clock_.now_ms();
  return users_.create(u, hasher_.hash(f.password));
}

Result<User> UserService::create(const Actor& actor, const NewUser& fields) {
  if (!actor.is_admin) return Error{ErrorCode::kForbidden, "only admins manage accounts"};
  if (!local_accounts_) {
    return Error{ErrorCode::kConflict, "accounts come from the directory and cannot be created here"};
  }
  return create_unchecked(fields);
}

Result<User> UserService::update(const Actor& actor, const std::string& user_id,
                                 const UserChanges& c) {
  if (!actor.is_admin) return Error{ErrorCode::kForbidden, "only admins manage accounts"};
  auto existing = users_.find_by_id(user_id);
  if (!existing) return existing.error();
  UserPatch patch;
  if (c.display_name) {
    if (auto e = check_text("display_name", *c.display_name, 100)) return *e;
    if (trim(*c.display_name).empty()) return invalid_field("display_name", "display_name must not be empty");
    patch.display_name = trim(*c.display_name);
  }
  if (c.email) {
    if (auto e = check_text("email", *c.email, 254)) return *e;
    patch.email = trim(*c.email);
  }
  patch.is_admin = c.is_admin;
  patch.disabled = c.disabled;
  if (c.password) {
    if (existing->source != "local") {
      return invalid_field("password", "directory accounts change their password in the directory");
    }
    if (auto e = check_password(*c.password)) return *e;
    patch.password_hash = hasher_.hash(*c.password);
  }
  if (c.disabled && *c.disabled && user_id == actor.user_id) {
    return invalid_field("disabled", "you cannot disable your own account");
  }
  auto updated = users_.update(user_id, patch, clock_.now_ms());
  if (!updated) return updated.error();
  auth_.forget_user(user_id);  // sessions pick up the new name, email and role
  if (c.disabled && *c.disabled) auth_.revoke_user_sessions(user_id, "account disabled");
  else if (c.password) auth_.revoke_user_sessions(user_id, "password changed");
  return updated;
}

Result<User> UserService::get(const std::string& user_id) { return users_.find_by_id(user_id); }

Result<std::vector<User>> UserService::search(const std::string& query, int limit) {
  return users_.search(query, limit);
}

Result<bool> UserService::ensure_admin(const std::string& password) {
  auto existing = users_.find_by_username("admin");
  if (existing) return false;
  if (existing.error().code != ErrorCode::kNotFound) return existing.error();
  auto created = create_unchecked(NewUser{"admin", password, "Administrator", "", true});
  if (!created) return created.error();
  return true;
}

Result<void> UserService::set_password(const std::string& username, const std::string& password) {
  if (auto e = check_password(password)) return *e;
  auto user = users_.find_by_username(username);
  if (!user) return user.error();
  UserPatch patch;
  patch.password_hash = hasher_.hash(password);
  auto updated = users_.update(user->user_id, patch, clock_.now_ms());
  if (!updated) return updated.error();
  auth_.revoke_user_sessions(user->user_id, "password changed");
  return {};
}

}  // namespace tr
