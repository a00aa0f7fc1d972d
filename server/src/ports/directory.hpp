#pragma once
// Directory: the port that checks a username and password and says who the
// person is. Adapters: LocalDirectory (accounts in our database, Argon2id) and
// LdapDirectory (Active Directory / OpenLDAP over libldap).
//
// Every method blocks (network or database I/O): call it from the worker pool,
// never from an I/O thread. Implementations are thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace tr {

// What the directory knows about a person after a successful check.
struct DirectoryIdentity {
  std::string username;      // canonical login name (e.g. sAMAccountName)
  std::string display_name;  // displayName, falls back to username
  std::string email;         // mail, may be empty
  bool is_admin = false;     // member of the configured admin group
  std::vector<std::string> groups;  // group DNs (memberOf), may be empty
};

class Directory {
 public:
  virtual ~Directory() = default;

  // Verifies the credentials.
  // Success: the person's identity.
  // Failure:
  //   kInvalidCredentials  unknown user, wrong or empty password, disabled
  //                        account, or not in the allowed-login group: all the
  //                        same to the caller, so nothing leaks which it was;
  //   kDirectoryUnavailable no server answered within the configured timeout.
  // An empty password is refused without asking any server.
  virtual Result<DirectoryIdentity> authenticate(std::string_view username,
                                                 std::string_view password) = 0;

  // Looks a person up by login name without a password (adding a member who
  // has never logged in). kNotFound if unknown, kDirectoryUnavailable as above.
  virtual Result<DirectoryIdentity> lookup(std::string_view username) = 0;

  // "local" or "ldap".
  virtual std::string_view kind() const = 0;
};

}  // namespace tr
