// LdapDirectory against a real OpenLDAP slapd with AD-like attributes.
//
// Start the server first; the script prints the variables this suite reads:
//   eval "$(scripts/services/slapd.sh start /tmp/tr-slapd)"
//   TR_TEST_SLAPD_URL, TR_TEST_SLAPD_BASE_DN, TR_TEST_SLAPD_BIND_DN,
//   TR_TEST_SLAPD_BIND_PASSWORD, TR_TEST_SLAPD_USER_PASSWORD,
//   TR_TEST_SLAPD_ADMIN_GROUP, TR_TEST_SLAPD_ALLOWED_GROUP
// The entries (alice, bob, carol, wang, Dave) are described in the script.
// slapd cannot bind as alice@factory.local, so these tests use
// search-then-bind; UPN binds are covered by samba_directory_test.cpp.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "adapters/ldap/ldap_directory.hpp"

namespace tr {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr const char* kSlapdVariables[] = {
    "TR_TEST_SLAPD_URL",           "TR_TEST_SLAPD_BASE_DN",       "TR_TEST_SLAPD_BIND_DN",
    "TR_TEST_SLAPD_BIND_PASSWORD", "TR_TEST_SLAPD_USER_PASSWORD", "TR_TEST_SLAPD_ADMIN_GROUP",
    "TR_TEST_SLAPD_ALLOWED_GROUP"};

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// CPU time used by the whole process so far (all threads).
double cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

bool contains_dn(const std::vector<std::string>& groups, const std::string& dn) {
  return std::any_of(groups.begin(), groups.end(),
                     [&](const std::string& g) { return lower(g) == lower(dn); });
}

// A TCP socket on 127.0.0.1 bound to a free port. With listen(), the kernel
// completes connections that nobody ever answers (a hung server); without it,
// connections are refused (a stopped server). Closed on destruction.
class LocalPort {
 public:
  explicit LocalPort(bool listening) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        (listening && ::listen(fd_, 16) != 0)) {
      return;
    }
    socklen_t len = sizeof addr;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port_ = ntohs(addr.sin_port);
    }
  }
  ~LocalPort() {
    if (fd_ >= 0) ::close(fd_);
  }
  LocalPort(const LocalPort&) = delete;
  LocalPort& operator=(const LocalPort&) = delete;

  bool ok() const { return port_ != 0; }
  int fd() const { return fd_; }
  std::string url(const char* scheme = "ldap") const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_);
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class SlapdDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string missing;
    for (const char* name : kSlapdVariables) {
      if (env(name).empty()) missing += std::string(" ") + name;
    }
    ASSERT_TRUE(missing.empty())
        << "missing environment variables:" << missing
        << "\nstart the test slapd first:\n"
           "  eval \"$(scripts/services/slapd.sh start /tmp/tr-slapd)\"\n"
           "and stop it afterwards with scripts/services/slapd.sh stop /tmp/tr-slapd";
    url_ = env("TR_TEST_SLAPD_URL");
    password_ = env("TR_TEST_SLAPD_USER_PASSWORD");
    admin_group_ = env("TR_TEST_SLAPD_ADMIN_GROUP");
    allowed_group_ = env("TR_TEST_SLAPD_ALLOWED_GROUP");
  }

  // Search-then-bind with the service account, both groups configured.
  LdapConfig config() const {
    LdapConfig c;
    c.urls = {url_};
    c.base_dn = env("TR_TEST_SLAPD_BASE_DN");
    c.bind_dn = env("TR_TEST_SLAPD_BIND_DN");
    c.bind_password = env("TR_TEST_SLAPD_BIND_PASSWORD");
    c.admin_group = admin_group_;
    c.allowed_group = allowed_group_;
    c.timeout_ms = 2000;
    return c;
  }

  // The refusal a correct login gets nowhere near: the generic message.
  static std::string generic_refusal(LdapDirectory& directory) {
    auto r = directory.authenticate("nobody-at-all", "whatever");
    return r ? std::string("(unexpected success)") : r.error().message;
  }

  std::string url_, password_, admin_group_, allowed_group_;
};

TEST_F(SlapdDirectoryTest, KindIsLdap) {
  LdapDirectory directory(config());
  EXPECT_EQ(directory.kind(), "ldap");
}

TEST_F(SlapdDirectoryTest, GoodLoginReturnsNameMailGroupsAndAdmin) {
  LdapDirectory directory(config());
  auto r = directory.authenticate("alice", password_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->username, "alice");
  EXPECT_EQ(r->display_name, "Alice Chen");
  EXPECT_EQ(r->email, "alice@factory.local");
  EXPECT_TRUE(r->is_admin);
  EXPECT_TRUE(contains_dn(r->groups, admin_group_));
  EXPECT_TRUE(contains_dn(r->groups, allowed_group_));
  EXPECT_EQ(r->groups.size(), 2u);
}

TEST_F(SlapdDirectoryTest, MemberOutsideAdminGroupIsNotAdmin) {
  LdapDirectory directory(config());
  auto r = directory.authenticate("bob", password_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->display_name, "Bob Lin");
  EXPECT_FALSE(r->is_admin);
  EXPECT_EQ(r->groups.size(), 1u);
}

TEST_F(SlapdDirectoryTest, GroupDnsCompareIgnoringCaseAndSpaces) {
  LdapConfig c = config();
  c.admin_group = "CN=TR-Admins, OU=Groups, DC=Factory, DC=Local";
  c.allowed_group = "cn=TR-USERS,ou=groups,dc=FACTORY,dc=local";
  LdapDirectory directory(c);
  auto r = directory.authenticate("alice", password_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->is_admin);
}

TEST_F(SlapdDirectoryTest, ChineseDisplayNameComesThroughIntact) {
  LdapDirectory directory(config());
  auto r = directory.authenticate("wang", password_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->display_name, "王小明");
  EXPECT_EQ(r->email, "wang@factory.local");
}

TEST_F(SlapdDirectoryTest, CanonicalSpellingAndDisplayNameFallback) {
  LdapDirectory directory(config());
  auto r = directory.authenticate("dave", password_);  // the entry spells it "Dave"
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->username, "Dave");
  EXPECT_EQ(r->display_name, "Dave");
  EXPECT_EQ(r->email, "");
  EXPECT_FALSE(r->is_admin);
}

TEST_F(SlapdDirectoryTest, WrongPasswordIsRefusedGenerically) {
  LdapDirectory directory(config());
  auto r = directory.authenticate("alice", password_ + "x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidCredentials);
  EXPECT_EQ(r.error().message, generic_refusal(directory));
}

TEST_F(SlapdDirectoryTest, UnknownUserIsRefused) {
  LdapDirectory directory(config());
  auto r = directory.authenticate("mallory", password_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidCredentials);
}

TEST_F(SlapdDirectoryTest, EmptyPasswordIsRefusedWithoutAskingAnyServer) {
  LdapDirectory directory(config());
  auto r = directory.authenticate("alice", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidCredentials);

  // With only a dead server configured the answer is still "invalid
  // credentials", not "unavailable": no server was asked.
  LocalPort closed(/*listening=*/false);
  ASSERT_TRUE(closed.ok());
  LdapConfig c = config();
  c.urls = {closed.url()};
  LdapDirectory dead(c);
  auto d = dead.authenticate("alice", "");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, ErrorCode::kInvalidCredentials);
  EXPECT_EQ(dead.authenticate("", password_).error().code, ErrorCode::kInvalidCredentials);
}

TEST_F(SlapdDirectoryTest, FilterInjectionIsRefused) {
  LdapDirectory directory(config());
  // Every test user has the same password: an unescaped wildcard that matched
  // one entry would log in.
  for (const char* username : {"*)(uid=*", "*", "al*", "alice)(|(sAMAccountName=*", "alice*",
                               "*lice", "alice\\", "(alice)"}) {
    auto r = directory.authenticate(username, password_);
    ASSERT_FALSE(r) << username << " logged in as " << r->username;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidCredentials) << username;
  }
}

TEST_F(SlapdDirectoryTest, UserOutsideAllowedGroupIsRefusedGenerically) {
  LdapDirectory directory(config());
  auto r = directory.authenticate("carol", password_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidCredentials);
  EXPECT_EQ(r.error().message, generic_refusal(directory));

  // The refusal comes from the group rule: without it carol may log in.
  LdapConfig c = config();
  c.allowed_group.clear();
  LdapDirectory open_directory(c);
  auto ok = open_directory.authenticate("carol", password_);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->display_name, "Carol Wu");
  EXPECT_TRUE(ok->groups.empty());
  EXPECT_FALSE(ok->is_admin);
}

TEST_F(SlapdDirectoryTest, CustomUserFilter) {
  LdapConfig c = config();
  c.user_filter = "(&(objectClass=inetOrgPerson)(uid={username}))";
  LdapDirectory directory(c);
  auto r = directory.authenticate("bob", password_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->username, "bob");
  EXPECT_EQ(directory.authenticate("b*", password_).error().code, ErrorCode::kInvalidCredentials);
}

TEST_F(SlapdDirectoryTest, WrongServiceAccountPasswordIsADirectoryProblem) {
  LdapConfig c = config();
  c.bind_password = "not-the-password";
  LdapDirectory directory(c);
  auto r = directory.authenticate("alice", password_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDirectoryUnavailable);
  EXPECT_NE(r.error().message.find("service account"), std::string::npos) << r.error().message;
}

TEST_F(SlapdDirectoryTest, StoppedDirectoryIsUnavailableQuickly) {
  LocalPort closed(/*listening=*/false);
  ASSERT_TRUE(closed.ok());
  LdapConfig c = config();
  c.urls = {closed.url()};
  LdapDirectory directory(c);
  const auto start = steady_clock::now();
  auto r = directory.authenticate("alice", password_);
  const auto elapsed = steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDirectoryUnavailable);
  EXPECT_NE(r.error().message.find("unreachable"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(closed.url()), std::string::npos) << r.error().message;
  EXPECT_LT(elapsed, milliseconds(1000));
  EXPECT_EQ(directory.lookup("alice").error().code, ErrorCode::kDirectoryUnavailable);
}

TEST_F(SlapdDirectoryTest, SilentServerIsUnavailableWithinTheTimeout) {
  LocalPort silent(/*listening=*/true);  // accepts TCP, never answers
  ASSERT_TRUE(silent.ok());
  LdapConfig c = config();
  c.urls = {silent.url()};
  c.timeout_ms = 1000;
  LdapDirectory directory(c);
  const auto start = steady_clock::now();
  auto r = directory.authenticate("alice", password_);
  const auto elapsed = steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDirectoryUnavailable);
  EXPECT_NE(r.error().message.find("unreachable"), std::string::npos) << r.error().message;
  EXPECT_GE(elapsed, milliseconds(900));
  EXPECT_LT(elapsed, milliseconds(2500));
}

TEST_F(SlapdDirectoryTest, SilentServerDoesNotHangTheTlsHandshake) {
  // libldap alone would wait for ever in the handshake (ldaps://) here.
  LocalPort silent(/*listening=*/true);
  ASSERT_TRUE(silent.ok());
  for (bool starttls : {false, true}) {
    SCOPED_TRACE(starttls ? "StartTLS" : "ldaps");
    LdapConfig c = config();
    c.urls = {silent.url(starttls ? "ldap" : "ldaps")};
    c.starttls = starttls;
    c.timeout_ms = 1000;
    LdapDirectory directory(c);
    const double cpu_before = cpu_seconds();
    const auto start = steady_clock::now();
    auto r = directory.authenticate("alice", password_);
    const auto elapsed = steady_clock::now() - start;
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kDirectoryUnavailable) << r.error().message;
    EXPECT_GE(elapsed, milliseconds(900)) << r.error().message;
    EXPECT_LT(elapsed, milliseconds(2500));
    EXPECT_LT(cpu_seconds() - cpu_before, 0.3) << "busy waiting";
  }
}

TEST_F(SlapdDirectoryTest, ServerClosingTheConnectionIsUnavailableNotACrash) {
  // Accepts every connection and closes it at once: a definite "unavailable",
  // neither a hang nor a crash (no SIGPIPE escapes libldap's writes).
  LocalPort closing(/*listening=*/true);
  ASSERT_TRUE(closing.ok());
  std::atomic<bool> stop{false};
  std::thread acceptor([&] {
    while (!stop) {
      pollfd p{closing.fd(), POLLIN, 0};
      if (::poll(&p, 1, 50) == 1) {
        const int fd = ::accept(closing.fd(), nullptr, nullptr);
        if (fd >= 0) ::close(fd);
      }
    }
  });
  LdapConfig c = config();
  c.urls = {closing.url(), closing.url()};
  LdapDirectory directory(c);
  auto r = directory.authenticate("alice", password_);
  auto l = directory.lookup("alice");
  stop = true;
  acceptor.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDirectoryUnavailable) << r.error().message;
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().code, ErrorCode::kDirectoryUnavailable) << l.error().message;
}

TEST_F(SlapdDirectoryTest, FailsOverFromAClosedPortToTheRealServer) {
  LocalPort closed(/*listening=*/false);
  ASSERT_TRUE(closed.ok());
  LdapConfig c = config();
  c.urls = {closed.url(), url_};
  LdapDirectory directory(c);
  auto r = directory.authenticate("alice", password_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->username, "alice");
  EXPECT_TRUE(r->is_admin);
}

TEST_F(SlapdDirectoryTest, FailsOverFromASilentServerAfterTheTimeout) {
  LocalPort silent(/*listening=*/true);
  ASSERT_TRUE(silent.ok());
  LdapConfig c = config();
  c.urls = {silent.url(), url_};
  c.timeout_ms = 500;
  LdapDirectory directory(c);
  const auto start = steady_clock::now();
  auto r = directory.authenticate("bob", password_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_LT(steady_clock::now() - start, milliseconds(2000));
}

TEST_F(SlapdDirectoryTest, BadCredentialsDoNotFailOver) {
  // A definite "no" from the first server is the answer; the second (dead)
  // one is not asked, so the error is not "unavailable".
  LocalPort closed(/*listening=*/false);
  ASSERT_TRUE(closed.ok());
  LdapConfig c = config();
  c.urls = {url_, closed.url()};
  LdapDirectory directory(c);
  auto r = directory.authenticate("alice", "wrong-password");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidCredentials);
}

TEST_F(SlapdDirectoryTest, AllServersDownNamesEachOfThem) {
  LocalPort first(/*listening=*/false);
  LocalPort second(/*listening=*/false);
  ASSERT_TRUE(first.ok() && second.ok());
  LdapConfig c = config();
  c.urls = {first.url(), second.url()};
  LdapDirectory directory(c);
  auto r = directory.authenticate("alice", password_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDirectoryUnavailable);
  EXPECT_NE(r.error().message.find(first.url()), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(second.url()), std::string::npos) << r.error().message;
}

TEST_F(SlapdDirectoryTest, ConcurrentCallsOnOneDirectory) {
  // One LdapDirectory shared by worker threads, as the server uses it.
  LdapDirectory directory(config());
  std::atomic<int> good{0}, refused{0}, other{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 8; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const bool right = (t + i) % 2 == 0;
        auto r = directory.authenticate(t % 2 == 0 ? "alice" : "wang",
                                        right ? password_ : std::string("wrong"));
        if (r && right) {
          ++good;
        } else if (!r && !right && r.error().code == ErrorCode::kInvalidCredentials) {
          ++refused;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(good, 40);
  EXPECT_EQ(refused, 40);
  EXPECT_EQ(other, 0);
}

TEST_F(SlapdDirectoryTest, LookupFindsKnownUsers) {
  LdapDirectory directory(config());
  auto r = directory.lookup("wang");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->username, "wang");
  EXPECT_EQ(r->display_name, "王小明");
  EXPECT_FALSE(r->is_admin);
  auto admin = directory.lookup("ALICE");
  ASSERT_TRUE(admin) << admin.error().message;
  EXPECT_EQ(admin->username, "alice");
  EXPECT_TRUE(admin->is_admin);
}

TEST_F(SlapdDirectoryTest, LookupOfUnknownOrNotAllowedUserIsNotFound) {
  LdapDirectory directory(config());
  EXPECT_EQ(directory.lookup("mallory").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(directory.lookup("*").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(directory.lookup("carol").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(directory.lookup("").error().code, ErrorCode::kNotFound);
}

TEST_F(SlapdDirectoryTest, LookupWithoutServiceAccountInUpnModeIsUnavailable) {
  LdapConfig c = config();
  c.bind_dn.clear();
  c.bind_password.clear();
  c.upn_domain = "factory.local";
  LdapDirectory directory(c);
  auto r = directory.lookup("alice");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDirectoryUnavailable);
  EXPECT_NE(r.error().message.find("TR_LDAP_BIND_DN"), std::string::npos);
}

}  // namespace
}  // namespace tr
