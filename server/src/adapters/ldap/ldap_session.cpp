#include "adapters/ldap/ldap_session.hpp"

#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <thread>

namespace tr::ldap_detail {
namespace {

constexpr int kDefaultTimeoutMs = 5000;

// The server could not be used at all: worth trying the next URL.
bool is_unreachable(int rc) {
  return rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT || rc == LDAP_CONNECT_ERROR;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

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

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

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

Session::Session(const LdapConfig& config, std::string url)
    : config_(config), url_(std::move(url)) {}

Session::~Session() {
  if (ld_ != nullptr) ldap_unbind_ext_s(ld_, nullptr, nullptr);
}

bool Session::open() {
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

int Session::bind(const std::string& dn, std::string_view password) {
  berval cred{};
  cred.bv_val = const_cast<char*>(password.data());
  cred.bv_len = password.size();
  return note(
      ldap_sasl_bind_s(ld_, dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, nullptr));
}

int Session::search(const std::string& base, int scope, const std::string& filter,
                    const std::vector<std::string>& attrs, int size_limit,
                    std::vector<Entry>* out) {
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

std::string Session::describe(int rc) const {
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

bool Session::configure_tls() {
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

bool Session::start_tls(bool implicit) {
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

int Session::note(int rc) {
  if (is_unreachable(rc)) {
    lost_ = true;
    problem_ = describe(rc);
  }
  return rc;
}

void Session::collect_entries(LDAPMessage* res, std::vector<Entry>* out) {
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

}  // namespace tr::ldap_detail
