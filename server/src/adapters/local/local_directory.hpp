#pragma once
// LocalDirectory: the `local` Directory — accounts kept in our own database
// with Argon2id password hashes. Unknown users cost the same hashing time as
// known ones, so timing does not reveal which usernames exist. Thread-safe.

#include "ports/directory.hpp"
#include "ports/password_hasher.hpp"
#include "ports/user_store.hpp"

namespace tr {

class LocalDirectory final : public Directory {
 public:
  LocalDirectory(UserStore& users, PasswordHasher& hasher);

  // ports::Directory
  Result<DirectoryIdentity> authenticate(std::string_view username,
                                         std::string_view password) override;
  Result<DirectoryIdentity> lookup(std::string_view username) override;
  std::string_view kind() const override { return "local"; }

 private:
  UserStore& users_;
  PasswordHasher& hasher_;
  std::string decoy_hash_;  // verified against for unknown users
};

}  // namespace tr
