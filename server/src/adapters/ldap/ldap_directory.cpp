#include "adapters/ldap/ldap_directory.hpp"

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include "adapters/ldap/ldap_session.hpp"

namespace tr {
namespace {

using ldap_detail::dn_equal;
using ldap_detail::Entry;
using ldap_detail::iequals;
using ldap_detail::Session;
using ldap_detail::SigpipeGuard;

constexpr std::string_view kInChainRule = "1.2.840.113556.1.4.1941";
constexpr std::string_view kUsernamePlaceholder = "{username}";
constexpr std::string_view kAccountNameAttr = "sAMAccountName";
constexpr std::string_view kUpnAttr = "userPrincipalName";
constexpr char kLoginRefused[] = "invalid username or password";
constexpr char kNoSuchUser[] = "no such user in the directory";
constexpr std::size_t kMaxUsernameBytes = 256;

Error login_refused() { return Error{ErrorCode::kInvalidCredentials, kLoginRefused}; }
Error no_such_user() { return Error{ErrorCode::kNotFound, kNoSuchUser}; }

Error directory_error(std::string message) {
  return Error{ErrorCode::kDirectoryUnavailable, std::move(message)};
}

// Runs `attempt` against each server in turn until one gives a definite
// answer; kDirectoryUnavailable naming every server when none does.
template <class Attempt>
Result<DirectoryIdentity> with_failover(const LdapConfig& config, Attempt&& attempt) {
  if (config.urls.empty()) {
    return directory_error("LDAP directory not configured: no server URL (TR_LDAP_URLS)");
  }
  std::string tried;
  for (const std::string& url : config.urls) {
    Session session(config, url);
    if (session.open()) {
      Result<DirectoryIdentity> result = attempt(session);
      if (result || !session.lost()) return result;
    }
    if (!tried.empty()) tried += "; ";
    tried += url + " (" + session.problem() + ")";
  }
  return directory_error("LDAP directory unreachable: " + tried);
}

// The configured user filter with the escaped username substituted, always
// parenthesised so it can be combined with other filters.
std::string user_filter(const LdapConfig& config, std::string_view username) {
  const std::string escaped = escape_filter_value(username);
  std::string filter = config.user_filter;
  for (std::size_t pos = filter.find(kUsernamePlaceholder); pos != std::string::npos;
       pos = filter.find(kUsernamePlaceholder, pos + escaped.size())) {
    filter.replace(pos, kUsernamePlaceholder.size(), escaped);
  }
  if (filter.empty() || filter.front() != '(') filter = "(" + filter + ")";
  return filter;
}

std::vector<std::string> user_attributes(const LdapConfig& config) {
  return {std::string(kAccountNameAttr), std::string(kUpnAttr), config.attr_display_name,
          config.attr_mail, config.attr_groups};
}

// A failed search: the server was lost, or it answered with an error.
Error search_failure(const Session& session, int rc, const std::string& base) {
  if (session.lost()) return directory_error(session.problem());
  if (rc == LDAP_NO_SUCH_OBJECT) {
    return directory_error("LDAP base DN not found (TR_LDAP_BASE_DN): " + base);
  }
  return directory_error("LDAP search failed: " + session.describe(rc));
}

// A failed user bind: bad credentials of any kind are one generic refusal.
Error user_bind_failure(const Session& session, int rc) {
  if (session.lost()) return directory_error(session.problem());
  switch (rc) {
    case LDAP_INVALID_CREDENTIALS:  // AD: wrong password, disabled, locked, expired
    case LDAP_INVALID_DN_SYNTAX:
    case LDAP_NO_SUCH_OBJECT:
    case LDAP_INAPPROPRIATE_AUTH:
    case LDAP_UNWILLING_TO_PERFORM:
      return login_refused();
    case LDAP_STRONG_AUTH_REQUIRED:
    case LDAP_CONFIDENTIALITY_REQUIRED:
      return directory_error(
          "LDAP directory requires an encrypted connection: enable StartTLS "
          "(TR_LDAP_STARTTLS) or use an ldaps:// URL");
    default:
      return directory_error("LDAP bind failed: " + session.describe(rc));
  }
}

Result<void> bind_service_account(Session& session, const LdapConfig& config) {
  const int rc = session.bind(config.bind_dn, config.bind_password);
  if (rc == LDAP_SUCCESS) return {};
  if (session.lost()) return directory_error(session.problem());
  if (rc == LDAP_STRONG_AUTH_REQUIRED || rc == LDAP_CONFIDENTIALITY_REQUIRED) {
    return user_bind_failure(session, rc);
  }
  return directory_error("LDAP service account (TR_LDAP_BIND_DN) refused: " + session.describe(rc));
}

// The single entry matching `filter` under base_dn; `none` when there is no
// entry or more than one.
Result<Entry> find_user(Session& session, const LdapConfig& config, const std::string& filter,
                        const Error& none) {
  std::vector<Entry> entries;
  const int rc = session.search(config.base_dn, LDAP_SCOPE_SUBTREE, filter, user_attributes(config),
                                2, &entries);
  if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
    return search_failure(session, rc, config.base_dn);
  }
  if (entries.size() != 1 || entries.front().dn.empty()) return none;
  return std::move(entries.front());
}

// Whether the user (entry, found by `filter`) belongs to `group`: directly
// through its memberOf values, or, with nested_groups, through AD's in-chain
// matching rule evaluated by the server.
Result<bool> is_member(Session& session, const LdapConfig& config, const Entry& entry,
                       const std::string& filter, const std::string& group) {
  if (const auto* groups = entry.values(config.attr_groups); groups != nullptr) {
    for (const std::string& g : *groups) {
      if (dn_equal(g, group)) return true;
    }
  }
  if (!config.nested_groups) return false;
  const std::string in_chain = "(&" + filter + "(" + config.attr_groups + ":" +
                               std::string(kInChainRule) + ":=" + escape_filter_value(group) + "))";
  std::vector<Entry> found;
  const int rc = session.search(entry.dn, LDAP_SCOPE_BASE, in_chain, {"1.1"}, 1, &found);
  if (rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED) return !found.empty();
  if (rc == LDAP_NO_SUCH_OBJECT) return false;
  return search_failure(session, rc, entry.dn);
}

// Builds the identity from the user's entry and applies the group rules;
// `refused` when the user is outside allowed_group.
Result<DirectoryIdentity> make_identity(Session& session, const LdapConfig& config,
                                        const Entry& entry, const std::string& filter,
                                        std::string_view input_username, const Error& refused) {
  DirectoryIdentity identity;
  const std::string* account = entry.first(kAccountNameAttr);
  identity.username = account != nullptr ? *account : std::string(input_username);
  const std::string* display = entry.first(config.attr_display_name);
  identity.display_name = display != nullptr ? *display : identity.username;
  if (const std::string* mail = entry.first(config.attr_mail); mail != nullptr) {
    identity.email = *mail;
  }
  if (const auto* groups = entry.values(config.attr_groups); groups != nullptr) {
    identity.groups = *groups;
  }
  if (!config.allowed_group.empty()) {
    Result<bool> allowed = is_member(session, config, entry, filter, config.allowed_group);
    if (!allowed) return allowed.error();
    if (!*allowed) return refused;
  }
  if (!config.admin_group.empty()) {
    Result<bool> admin = is_member(session, config, entry, filter, config.admin_group);
    if (!admin) return admin.error();
    identity.is_admin = *admin;
  }
  return identity;
}

Result<DirectoryIdentity> authenticate_on(Session& session, const LdapConfig& config,
                                          std::string_view username, std::string_view password) {
  const std::string filter = user_filter(config, username);
  std::optional<Entry> entry;
  if (!config.upn_domain.empty()) {
    const std::string upn = std::string(username) + "@" + config.upn_domain;
    if (int rc = session.bind(upn, password); rc != LDAP_SUCCESS) {
      return user_bind_failure(session, rc);
    }
    Result<Entry> found = find_user(session, config, filter, login_refused());
    if (!found) return found.error();
    // The entry must be the account the bind authenticated, not another one
    // whose account name happens to match.
    if (const std::string* entry_upn = found->first(kUpnAttr);
        entry_upn != nullptr && !iequals(*entry_upn, upn)) {
      return login_refused();
    }
    entry = std::move(*found);
  } else {
    if (!config.bind_dn.empty()) {
      if (Result<void> bound = bind_service_account(session, config); !bound) {
        return bound.error();
      }
    }
    Result<Entry> found = find_user(session, config, filter, login_refused());
    if (!found) return found.error();
    if (int rc = session.bind(found->dn, password); rc != LDAP_SUCCESS) {
      return user_bind_failure(session, rc);
    }
    entry = std::move(*found);
  }
  return make_identity(session, config, *entry, filter, username, login_refused());
}

Result<DirectoryIdentity> lookup_on(Session& session, const LdapConfig& config,
                                    std::string_view username) {
  if (!config.bind_dn.empty()) {
    if (Result<void> bound = bind_service_account(session, config); !bound) {
      return bound.error();
    }
  }
  const std::string filter = user_filter(config, username);
  Result<Entry> found = find_user(session, config, filter, no_such_user());
  if (!found) return found.error();
  return make_identity(session, config, *found, filter, username, no_such_user());
}

}  // namespace

std::string escape_filter_value(std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    switch (c) {
      case '*':
      case '(':
      case ')':
      case '\\':
      case '\0': {
        const auto byte = static_cast<unsigned char>(c);
        out += '\\';
        out += kHex[byte >> 4];
        out += kHex[byte & 0x0f];
        break;
      }
      default:
        out += c;
    }
  }
  return out;
}

LdapDirectory::LdapDirectory(LdapConfig config) : config_(std::move(config)) {}

Result<DirectoryIdentity> LdapDirectory::authenticate(std::string_view username,
                                                      std::string_view password) {
  // An empty password would be an unauthenticated bind, which servers accept.
  if (username.empty() || password.empty() || username.size() > kMaxUsernameBytes) {
    return login_refused();
  }
  const SigpipeGuard sigpipe_guard;
  return with_failover(config_, [&](Session& session) {
    return authenticate_on(session, config_, username, password);
  });
}

Result<DirectoryIdentity> LdapDirectory::lookup(std::string_view username) {
  if (username.empty() || username.size() > kMaxUsernameBytes) return no_such_user();
  if (config_.bind_dn.empty() && !config_.upn_domain.empty()) {
    return directory_error(
        "LDAP lookup needs a service account: set TR_LDAP_BIND_DN and TR_LDAP_BIND_PASSWORD");
  }
  const SigpipeGuard sigpipe_guard;
  return with_failover(config_,
                       [&](Session& session) { return lookup_on(session, config_, username); });
}

}  // namespace tr
