#pragma once
// SqlUserStore: UserStore on the `users` table. Thread-safe (pooled sessions).

#include "adapters/sql/database.hpp"
#include "ports/user_store.hpp"

namespace tr::sql {

class SqlUserStore final : public UserStore {
 public:
  explicit SqlUserStore(Database& db) : db_(db) {}

  // ports::UserStore
  Result<User> create(const User& user, const std::optional<std::string>& password_hash) override;
  Result<User> find_by_id(const std::string& user_id) override;
  Result<User> find_by_username(const std::string& username) override;
  Result<std::vector<User>> find_by_ids(const std::vector<std::string>& user_ids) override;
  Result<std::optional<std::string>> password_hash(const std::string& user_id) override;
  Result<User> update(const std::string& user_id, const UserPatch& patch, EpochMs now) override;
  Result<std::vector<User>> search(const std::string& query, int limit) override;

 private:
  Result<User> find_one(const std::string& where, const std::string& value);
  Database& db_;
};

// `value` with LIKE wildcards escaped for "... LIKE :p ESCAPE '\'".
std::string escape_like(const std::string& value);

}  // namespace tr::sql
