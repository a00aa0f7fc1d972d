#pragma once
// UserStore: the people Task Reporter knows, local or from the directory.
// Usernames are unique case-insensitively. Blocking; thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "domain/user.hpp"

namespace tr {

// Fields to change; unset ones stay as they are.
struct UserPatch {
  std::optional<std::string> display_name;
  std::optional<std::string> email;
  std::optional<bool> is_admin;
  std::optional<bool> disabled;
  std::optional<std::string> password_hash;
};

class UserStore {
 public:
  virtual ~UserStore() = default;

  // Creates `user` (user_id, timestamps set by the caller). kConflict when the
  // username is taken.
  virtual Result<User> create(const User& user, const std::optional<std::string>& password_hash) = 0;

  // kNotFound when unknown.
  virtual Result<User> find_by_id(const std::string& user_id) = 0;
  virtual Result<User> find_by_username(const std::string& username) = 0;
  virtual Result<std::vector<User>> find_by_ids(const std::vector<std::string>& user_ids) = 0;

  // The stored Argon2id hash; nullopt for directory accounts. kNotFound if unknown.
  virtual Result<std::optional<std::string>> password_hash(const std::string& user_id) = 0;

  // Applies `patch` and sets updated_at = now. kNotFound when unknown.
  virtual Result<User> update(const std::string& user_id, const UserPatch& patch, EpochMs now) = 0;

  // Users whose username or display name contains `query` (case-insensitive
  // for ASCII; Chinese matched as written), enabled ones only, by username.
  virtual Result<std::vector<User>> search(const std::string& query, int limit) = 0;
};

}  // namespace tr
