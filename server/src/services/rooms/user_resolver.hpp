#pragma once
// UserResolver: finds a person by login name for room membership — first
// among the users we know (UserStore), then in the directory (Directory::
// lookup), creating the user record from what the directory says so that
// people can be added before they have ever logged in. Blocking; thread-safe
// when its ports are.

#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "domain/user.hpp"
#include "ports/directory.hpp"
#include "ports/user_store.hpp"

namespace tr {

class UserResolver {
 public:
  UserResolver(UserStore& users, Directory& directory, const Clock& clock)
      : users_(users), directory_(directory), clock_(clock) {}

  // The user named `username` (any case), created from the directory when
  // needed. Errors: kValidationFailed naming `field` when nobody has that
  // name or the account is disabled; kDirectoryUnavailable; kUnavailable.
  Result<User> resolve(const std::string& username, const std::string& field);

  // Whether `username` is known here or in the directory, without creating
  // anything. Same errors as resolve().
  Result<void> check_exists(const std::string& username, const std::string& field);

 private:
  UserStore& users_;
  Directory& directory_;
  const Clock& clock_;
};

}  // namespace tr
