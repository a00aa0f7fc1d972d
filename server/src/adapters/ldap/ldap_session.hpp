#pragma once
// The LDAP plumbing of LdapDirectory (included by the LDAP adapter only):
// Session, one connection to one server (connect, TLS by ldaps:// or
// StartTLS with the handshake bounded, simple bind, bounded search into
// Entry values, and whether the server was lost so the caller can fail
// over); and what the directory's rules share with it: ASCII
// case-insensitive comparison, LDAP's DN comparison, and a guard against the
// SIGPIPE libldap can raise.

#include <ldap.h>
#include <signal.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/ldap/ldap_config.hpp"

namespace tr::ldap_detail {

// Equal ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b);

// Compares two DNs as LDAP does for the usual AD/OpenLDAP attributes:
// attribute types and values ignoring ASCII case, escapes and spacing
// resolved. Falls back to a case-insensitive string compare when either does
// not parse.
bool dn_equal(std::string_view a, std::string_view b);

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
  Session(const LdapConfig& config, std::string url);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Connects, with TLS (ldaps:// or StartTLS) when configured. False when the
  // server cannot be used; problem() says why.
  bool open();

  // Simple bind; the LDAP result code.
  int bind(const std::string& dn, std::string_view password);

  // Search bounded by timeout_ms and size_limit; entries (not references)
  // are appended to *out, also when the size limit was hit.
  int search(const std::string& base, int scope, const std::string& filter,
             const std::vector<std::string>& attrs, int size_limit, std::vector<Entry>* out);

  // True once an operation failed because the server went away or timed out.
  bool lost() const { return lost_; }
  // Why the server could not be used (after open() failed or lost()).
  const std::string& problem() const { return problem_; }

  // The library's text for rc plus the server's diagnostic message, if any.
  std::string describe(int rc) const;

 private:
  // CA file, certificate checking and a TLS context of this handle's own.
  bool configure_tls();

  // TLS on the connected socket: the handshake right away (ldaps://) or after
  // the StartTLS request. libldap does not bound the handshake when the server
  // stays silent: with GnuTLS it spins for ever on the non-blocking socket it
  // uses when LDAP_OPT_NETWORK_TIMEOUT is set, and blocks for ever on a
  // blocking one. So the socket stays blocking during the handshake and a
  // watchdog shuts down its reading side once timeout_ms has passed.
  bool start_tls(bool implicit);

  int note(int rc);

  void collect_entries(LDAPMessage* res, std::vector<Entry>* out);

  const LdapConfig& config_;
  const std::string url_;
  LDAP* ld_ = nullptr;
  bool lost_ = false;
  std::string problem_;
};

}  // namespace tr::ldap_detail
