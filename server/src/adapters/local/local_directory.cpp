#include "adapters/local/local_directory.hpp"

namespace tr {
namespace {

Error bad_credentials() {
  return Error{ErrorCode::kInvalidCredentials, "invalid username or password"};
}

DirectoryIdentity identity_of(const User& u) {
  return DirectoryIdentity{u.username, u.display_name, u.email, u.is_admin, {}};
}

}  // namespace

LocalDirectory::LocalDirectory(UserStore& users, PasswordHasher& hasher)
    : users_(users), hasher_(hasher), decoy_hash_(hasher.hash("decoy password")) {}

Result<DirectoryIdentity> LocalDirectory::authenticate(std::string_view username,
                                                       std::string_view password) {
  if (password.empty() || username.empty()) return bad_credentials();
  auto user = users_.find_by_username(std::string(username));
  if (!user) {
    if (user.error().code != ErrorCode::kNotFound) return user.error();
    hasher_.verify(password, decoy_hash_);
    return bad_credentials();
  }
  auto hash = users_.password_hash(user->user_id);
  if (!hash) return hash.error();
  if (!*hash) {  // a directory account: no local password
    hasher_.verify(password, decoy_hash_);
    return bad_credentials();
  }
  if (!hasher_.verify(password, **hash) || user->disabled) return bad_credentials();
  return identity_of(*user);
}

Result<DirectoryIdentity> LocalDirectory::lookup(std::string_view username) {
  auto user = users_.find_by_username(std::string(username));
  if (!user) return user.error();
  return identity_of(*user);
}

}  // namespace tr
