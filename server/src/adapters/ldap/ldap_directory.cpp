#include "adapters/ldap/ldap_directory.hpp"

#include <ldap.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace tr {
namespace {

constexpr std::string_view kInChainRule = "1.2.840.113556.1.4.1941";
constexpr std::string_view kUsernamePlaceholder = "{username}";
constexpr std::string_view kAccountNameAttr = "sAMAccountName";
constexpr std::string_view kUpnAttr = "userPrincipalName";
constexpr char kLoginRefused[] = "invalid username or password";
constexpr char kNoSuchUser[] = "no such user in the directory";
constexpr std::size_t kMaxUsernameBytes = 256;
constexpr int kDefaultTimeoutMs = 5000;

Error login_refused() { return Error{ErrorCode::kInvalidCredentials, kLoginRefused}; }
Error no_such_user() { return Error{ErrorCode::kNotFound, kNoSuchUser}; }
Error directory_error(std::string message) {
  return Error{ErrorCode::kDirectoryUnavailable, std::move(message)};
}

// The server could not be used at all: worth trying the next URL.
bool is_unreachable(int rc) {
  return rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT || rc == LDAP_CONNECT_ERROR;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view view(const berval& b) { return {b.bv_val, b.bv_len}; }

timeval to_timeval(int ms) {
  if (ms <= 0) ms = kDefaultTimeoutMs;
  timeval tv{};
  tv.tv_sec = ms / 1000;
  tv.tv_usec = static_cast<suseconds_t>(ms % 1000) * 1000;
  return tv;
}

// Compares two DNs as LDAP does for the usual AD/OpenLDAP attributes:
// attribute types and values ignoring ASCII case, escapes and spacing
// resolved. Falls back to a case-insensitive string compare when either does
// not parse.
bool dn_equal(std::string_view a, std::string_view b) {
  const std::string sa(a), sb(b);
  LDAPDN da = nullptr;
  LDAPDN db = nullptr;
  const bool parsed = ldap_str2dn(sa.c_str(), &da, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS &&
                      ldap_str2dn(sb.c_str(), &db, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS &&
                      da != nullptr && db != nullptr;
  bool equal = false;
  if (parsed) {
    equal = true;
    std::size_t i = 0;
    for (; equal && da[i] != nullptr && db[i] != nullptr; ++i) {
      LDAPRDN ra = da[i];
      LDAPRDN rb = db[i];
      std::size_t j = 0;
      for (; ra[j] != nullptr && rb[j] != nullptr; ++j) {
        if (!iequals(view(ra[j]->la_attr), view(rb[j]->la_attr)) ||
            !iequals(view(ra[j]->la_value), view(rb[j]->la_value))) {
          equal = false;
          break;
        }
      }
      if (ra[j] != nullptr || rb[j] != nullptr) equal = false;
    }
    if (equal && (da[i] != nullptr || db[i] != nullptr)) equal = false;
  } else {
    equal = iequals(a, b);
  }
  if (da != nullptr) ldap_dnfree(da);
  if (db != nullptr) ldap_dnfree(db);
  return equal;
}

// "ldaps://host[:port]/..." as "ldap://host:port/..." (port 636 when
// absent): the same server, reached without libldap's implicit TLS.
std::optional<std::string> plain_url_of(const std::string& url) {
  LDAPURLDesc* desc = nullptr;
  if (ldap_url_parse(url.c_str(), &desc) != LDAP_URL_SUCCESS || desc == nullptr) {
    return std::nullopt;
  }
  char* const scheme = desc->lud_scheme;
  char plain[] = "ldap";
  desc->lud_scheme = plain;
  if (desc->lud_port == 0) desc->lud_port = LDAPS_PORT;
  char* text = ldap_url_desc2str(desc);
  desc->lud_scheme = scheme;
  ldap_free_urldesc(desc);
  if (text == nullptr) return std::nullopt;
  std::string result(text);
  ldap_memfree(text);
  return result;
}

// Runs fn() and, if it has not returned after timeout_ms, shuts down the
// reading side of socket fd so that a read blocked in fn() ends; sets
// *expired then. The caller keeps fd open until this returns.
template <class Fn>
int run_with_deadline(int fd, int timeout_ms, bool* expired, Fn&& fn) {
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;  // guarded by mutex
  std::thread watchdog([&] {
    std::unique_lock<std::mutex> lock(mutex);
    if (!cv.wait_for(lock,
                     std::chrono::milliseconds(timeout_ms > 0 ? timeout_ms : kDefaultTimeoutMs),
                     [&] { return done; })) {
      *expired = true;
      ::shutdown(fd, SHUT_RD);
    }
  });
  const int rc = fn();
  {
    std::lock_guard<std::mutex> lock(mutex);
    done = true;
  }
  cv.notify_one();
  watchdog.join();
  return rc;
}

// Blocks SIGPIPE in the calling thread while it exists and discards one
// raised meanwhile: libldap writes with write(), so a server closing the
// connection under a request would otherwise kill the process.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &previous_);
  }
  ~SigpipeGuard() {
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec no_wait{};
      sigtimedwait(&pipe_, nullptr, &no_wait);
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_;
  sigset_t previous_;
  bool was_pending_ = false;
};

// One entry of a search result, attribute names as the server spells them.
struct Entry {
  std::string dn;
  std::vector<std::pair<std::string, std::vector<std::string>>> attributes;

  const std::vector<std::string>* values(std::string_view name) const {
    for (const auto& [attr, vals] : attributes) {
      if (iequals(attr, name)) return &vals;
    }
    return nullptr;
  }
  // The first value, or nullptr when the attribute is absent or empty.
  const std::string* first(std::string_view name) const {
    const auto* vals = values(name);
    return (vals == nullptr || vals->empty()) ? nullptr : &vals->front();
  }
};

// One connection to one server. Remembers whether the server was lost
// (unreachable, timed out) so the caller can fail over.
class Session {
 public:
  Session(const LdapConfig& config, std::string url) : config_(config), url_(std::move(url)) {}
  ~Session() {
    if (ld_ != nullptr) ldap_unbind_ext_s(ld_, nullptr, nullptr);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Connects, with TLS (ldaps:// or StartTLS) when configured. False when the
  // server cannot be used; problem() says why.
  bool open() {
    const bool ldaps = istarts_with(url_, "ldaps://");
    // For ldaps:// the TCP connection is opened as plain LDAP and TLS
    // installed afterwards, so the handshake can be bounded (start_tls()).
    std::optional<std::string> connect_url = ldaps ? plain_url_of(url_) : url_;
    if (!connect_url) {
      problem_ = "invalid LDAP URL";
      return false;
    }
    int rc = ldap_initialize(&ld_, connect_url->c_str());
    if (rc != LDAP_SUCCESS || ld_ == nullptr) {
      problem_ = std::string("invalid LDAP URL: ") + ldap_err2string(rc);
      return false;
    }
    int version = LDAP_VERSION3;
    const timeval tv = to_timeval(config_.timeout_ms);
    if (ldap_set_option(ld_, LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS ||
        ldap_set_option(ld_, LDAP_OPT_NETWORK_TIMEOUT, &tv) != LDAP_OPT_SUCCESS ||
        ldap_set_option(ld_, LDAP_OPT_TIMEOUT, &tv) != LDAP_OPT_SUCCESS ||
        ldap_set_option(ld_, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS) {
      problem_ = "cannot set LDAP connection options";
      return false;
    }
    const bool tls = ldaps || config_.starttls;
    if (tls && !configure_tls()) return false;
    rc = ldap_connect(ld_);
    if (rc != LDAP_SUCCESS) {
      problem_ = describe(rc);
      return false;
    }
    return !tls || start_tls(/*implicit=*/ldaps);
  }

  // Simple bind; the LDAP result code.
  int bind(const std::string& dn, std::string_view password) {
    berval cred{};
    cred.bv_val = const_cast<char*>(password.data());
    cred.bv_len = password.size();
    return note(
        ldap_sasl_bind_s(ld_, dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, nullptr));
  }

  // Search bounded by timeout_ms and size_limit; entries (not references)
  // are appended to *out, also when the size limit was hit.
  int search(const std::string& base, int scope, const std::string& filter,
             const std::vector<std::string>& attrs, int size_limit, std::vector<Entry>* out) {
    std::vector<char*> attr_ptrs;
    attr_ptrs.reserve(attrs.size() + 1);
    for (const std::string& a : attrs) attr_ptrs.push_back(const_cast<char*>(a.c_str()));
    attr_ptrs.push_back(nullptr);
    timeval tv = to_timeval(config_.timeout_ms);
    LDAPMessage* res = nullptr;
    const int rc = ldap_search_ext_s(ld_, base.c_str(), scope, filter.c_str(), attr_ptrs.data(), 0,
                                     nullptr, nullptr, &tv, size_limit, &res);
    if (res != nullptr) {
      collect_entries(res, out);
      ldap_msgfree(res);
    }
    return note(rc);
  }

  // True once an operation failed because the server went away or timed out.
  bool lost() const { return lost_; }
  // Why the server could not be used (after open() failed or lost()).
  const std::string& problem() const { return problem_; }

  // The library's text for rc plus the server's diagnostic message, if any.
  std::string describe(int rc) const {
    std::string text = ldap_err2string(rc);
    char* diagnostic = nullptr;
    if (ld_ != nullptr &&
        ldap_get_option(ld_, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diagnostic) == LDAP_OPT_SUCCESS &&
        diagnostic != nullptr) {
      if (*diagnostic != '\0') text.append(": ").append(diagnostic);
      ldap_memfree(diagnostic);
    }
    return text;
  }

 private:
  // CA file, certificate checking and a TLS context of this handle's own.
  bool configure_tls() {
    if (!config_.ca_file.empty() && ldap_set_option(ld_, LDAP_OPT_X_TLS_CACERTFILE,
                                                    config_.ca_file.c_str()) != LDAP_OPT_SUCCESS) {
      problem_ = "cannot use CA file " + config_.ca_file;
      return false;
    }
    int require = LDAP_OPT_X_TLS_DEMAND;
    int is_server = 0;
    if (ldap_set_option(ld_, LDAP_OPT_X_TLS_REQUIRE_CERT, &require) != LDAP_OPT_SUCCESS ||
        ldap_set_option(ld_, LDAP_OPT_X_TLS_NEWCTX, &is_server) != LDAP_OPT_SUCCESS) {
      problem_ = "TLS set-up failed" +
                 (config_.ca_file.empty() ? std::string() : " (CA file " + config_.ca_file + ")");
      return false;
    }
    return true;
  }

  // TLS on the connected socket: the handshake right away (ldaps://) or after
  // the StartTLS request. libldap does not bound the handshake when the server
  // stays silent: with GnuTLS it spins for ever on the non-blocking socket it
  // uses when LDAP_OPT_NETWORK_TIMEOUT is set, and blocks for ever on a
  // blocking one. So the socket stays blocking during the handshake and a
  // watchdog shuts down its reading side once timeout_ms has passed.
  bool start_tls(bool implicit) {
    ber_socket_t fd = -1;
    const timeval no_timeout{-1, 0};  // blocking socket during the handshake
    if (ldap_set_option(ld_, LDAP_OPT_NETWORK_TIMEOUT, &no_timeout) != LDAP_OPT_SUCCESS ||
        ldap_get_option(ld_, LDAP_OPT_DESC, &fd) != LDAP_OPT_SUCCESS || fd < 0) {
      problem_ = "cannot prepare the TLS handshake";
      return false;
    }
    bool expired = false;
    const int rc = run_with_deadline(fd, config_.timeout_ms, &expired, [&] {
      return implicit ? ldap_install_tls(ld_) : ldap_start_tls_s(ld_, nullptr, nullptr);
    });
    if (rc == LDAP_SUCCESS && !expired) return true;
    lost_ = true;
    if (expired) {
      problem_ = "no TLS answer within " + std::to_string(config_.timeout_ms) + " ms";
    } else {
      problem_ = (implicit ? "TLS handshake failed: " : "StartTLS failed: ") + describe(rc);
      if (rc == LDAP_CONNECT_ERROR) {
        problem_ +=
            " (is the server certificate signed by the CA in TR_LDAP_CA_FILE and "
            "issued for this host name?)";
      }
    }
    return false;
  }

  int note(int rc) {
    if (is_unreachable(rc)) {
      lost_ = true;
      problem_ = describe(rc);
    }
    return rc;
  }

  void collect_entries(LDAPMessage* res, std::vector<Entry>* out) {
    for (LDAPMessage* e = ldap_first_entry(ld_, res); e != nullptr; e = ldap_next_entry(ld_, e)) {
      Entry entry;
      if (char* dn = ldap_get_dn(ld_, e); dn != nullptr) {
        entry.dn = dn;
        ldap_memfree(dn);
      }
      BerElement* ber = nullptr;
      for (char* attr = ldap_first_attribute(ld_, e, &ber); attr != nullptr;
           attr = ldap_next_attribute(ld_, e, ber)) {
        std::vector<std::string> values;
        if (berval** vals = ldap_get_values_len(ld_, e, attr); vals != nullptr) {
          for (std::size_t i = 0; vals[i] != nullptr; ++i) values.emplace_back(view(*vals[i]));
          ldap_value_free_len(vals);
        }
        entry.attributes.emplace_back(attr, std::move(values));
        ldap_memfree(attr);
      }
      if (ber != nullptr) ber_free(ber, 0);
      out->push_back(std::move(entry));
    }
  }

  const LdapConfig& config_;
  const std::string url_;
  LDAP* ld_ = nullptr;
  bool lost_ = false;
  std::string problem_;
};

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
