#pragma once
// MemoryUserStore: in-memory fake of UserStore (unit tests, contract suite).
// Thread-safe (one mutex).

#include <map>
#include <mutex>

#include "ports/user_store.hpp"

namespace tr {

class MemoryUserStore final : public UserStore {
 public:
  // ports::UserStore
  Result<User> create(const User& user, const std::optional<std::string>& password_hash) override;
  Result<User> find_by_id(const std::string& user_id) override;
  Result<User> find_by_username(const std::string& username) override;
  Result<std::vector<User>> find_by_ids(const std::vector<std::string>& user_ids) override;
  Result<std::optional<std::string>> password_hash(const std::string& user_id) override;
  Result<User> update(const std::string& user_id, const UserPatch& patch, EpochMs now) override;
  Result<std::vector<User>> search(const std::string& query, int limit) override;

 private:
  struct Record {
    User user;
    std::optional<std::string> hash;
  };
  std::mutex mu_;
  std::map<std::string, Record> users_;  // by user_id; guarded by mu_
};

}  // namespace tr
