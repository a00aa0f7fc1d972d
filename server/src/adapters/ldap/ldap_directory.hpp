#pragma once
// LdapDirectory: the Directory port over LDAP (libldap), for Active Directory
// and for OpenLDAP servers carrying AD-like attributes (sAMAccountName,
// memberOf).
//
// Contract (see ports/directory.hpp):
// - authenticate() checks the password by binding as the user, in one of
//   three modes chosen by the configuration:
//     UPN            upn_domain set: bind as {username}@{upn_domain}, then read
//                    the user's own entry (user_filter under base_dn) while
//                    bound as the user. The entry must belong to the bound
//                    name: an entry whose userPrincipalName differs from
//                    {username}@{upn_domain} is refused (use search-then-bind
//                    for such directories);
//     search-bind    bind_dn set (and no upn_domain): bind as the service
//                    account, search user_filter, require exactly one entry,
//                    then bind with its DN and the password;
//     anonymous      neither set: as search-bind, the search anonymous.
//   Unknown user, wrong password, disabled account (AD refuses the bind) and a
//   user outside allowed_group all give kInvalidCredentials with one generic
//   message. An empty password (or username) never reaches a server.
// - lookup() needs the service account (bind_dn) or the anonymous mode; in UPN
//   mode without bind_dn it fails with kDirectoryUnavailable saying so. Unknown
//   users, and users outside allowed_group, give kNotFound.
// - The URLs are tried in order; the next one only when a server cannot be
//   reached (connect error, TLS failure such as an untrusted certificate, no
//   answer within timeout_ms), never after a definite answer such as bad
//   credentials. When none answers: kDirectoryUnavailable naming each server
//   and why. Every network step (connect, TLS handshake, each operation) is
//   bounded by timeout_ms, also against a server that accepts the TCP
//   connection and then stays silent; a call may therefore take up to a few
//   timeouts per URL in the worst case.
// - A service account the directory refuses, a base DN that does not exist or
//   a server demanding TLS give kDirectoryUnavailable with a message naming
//   the setting to fix.
// - TLS (ldaps:// URLs, or starttls) always verifies the server certificate
//   against ca_file (or the system's CAs) and the host name in the URL.
// - Groups: identity.groups holds the user's memberOf values. is_admin and the
//   allowed-group check compare DNs case-insensitively, or, with
//   nested_groups, ask AD's in-chain matching rule (1.2.840.113556.1.4.1941)
//   so that membership through nested groups counts.
// - identity.username is the directory's sAMAccountName (its spelling), or
//   the input when the entry has none; display_name falls back to it. Values
//   are UTF-8 as LDAP delivers them.
//
// Thread-safety: thread-safe. The object holds only its configuration; each
// call opens, uses and closes its own connection. Every call blocks (network
// I/O): run it on the worker pool. During a call SIGPIPE is blocked in the
// calling thread (libldap writes with write()), and a TLS handshake uses one
// short-lived watchdog thread.

#include <string>
#include <string_view>

#include "adapters/ldap/ldap_config.hpp"
#include "ports/directory.hpp"

namespace tr {

class LdapDirectory final : public Directory {
 public:
  explicit LdapDirectory(LdapConfig config);

  // ports::Directory
  Result<DirectoryIdentity> authenticate(std::string_view username,
                                         std::string_view password) override;
  Result<DirectoryIdentity> lookup(std::string_view username) override;
  std::string_view kind() const override { return "ldap"; }

 private:
  LdapConfig config_;  // immutable after construction
};

// Escapes a value for use inside an LDAP search filter (RFC 4515): '*', '(',
// ')', '\' and NUL become \2a, \28, \29, \5c and \00; every other byte,
// UTF-8 included, is kept.
std::string escape_filter_value(std::string_view value);

}  // namespace tr
