#pragma once
// UserService: finding people (member pickers) and managing local accounts
// (SPEC.md section 2): admins create accounts and change display name,
// e-mail, admin flag, disabled state and password; disabling an account or
// changing its password ends its sessions. Blocking; thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "domain/actor.hpp"
#include "domain/user.hpp"
#include "ports/password_hasher.hpp"
#include "ports/user_store.hpp"
#include "services/auth/auth_service.hpp"

namespace tr {

struct NewUser {
  std::string username;
  std::string password;
  std::string display_name;  // defaults to the username
  std::string email;
  bool is_admin = false;
};

struct UserChanges {
  std::optional<std::string> display_name;
  std::optional<std::string> email;
  std::optional<bool> is_admin;
  std::optional<bool> disabled;
  std::optional<std::string> password;
};

class UserService {
 public:
  // `local_accounts` is false when the directory is LDAP: accounts then come
  // from the directory and cannot be created here.
  UserService(UserStore& users, PasswordHasher& hasher, AuthService& auth, const Clock& clock,
              bool local_accounts);

  // kValidationFailed naming the field; kConflict when the username is taken;
  // kForbidden when the caller is not an admin; kConflict for LDAP directories.
  Result<User> create(const Actor& actor, const NewUser& fields);
  Result<User> update(const Actor& actor, const std::string& user_id, const UserChanges& changes);
  Result<User> get(const std::string& user_id);
  Result<std::vector<User>> search(const std::string& query, int limit);

  // Start-up: creates `admin` with `password` unless it exists. Returns
  // whether it was created.
  Result<bool> ensure_admin(const std::string& password);
  // Command line: creates an account without an acting admin.
  Result<User> create_unchecked(const NewUser& fields);
  Result<void> set_password(const std::string& username, const std::string& password);

 private:
  UserStore& users_;
  PasswordHasher& hasher_;
  AuthService& auth_;
  const Clock& clock_;
  bool local_accounts_;
};

// Checks a username (1-64 of letters, digits, '.', '_', '-') and a password
// (8-256 bytes). Returns the problem or nullopt.
std::optional<Error> check_username(const std::string& username);
std::optional<Error> check_password(const std::string& password);

}  // namespace tr
