// LdapDirectory against a real Active Directory: a Samba AD DC.
//
// Start the DC first (as root: it listens on 127.0.0.1:389 and :636); the
// script prints the variables this suite reads:
//   eval "$(scripts/services/samba.sh start /tmp/tr-samba)"
//   TR_TEST_SAMBA_URL, TR_TEST_SAMBA_LDAPS_URL, TR_TEST_SAMBA_CA_FILE,
//   TR_TEST_SAMBA_BASE_DN, TR_TEST_SAMBA_UPN_DOMAIN, TR_TEST_SAMBA_BIND_DN,
//   TR_TEST_SAMBA_BIND_PASSWORD, TR_TEST_SAMBA_USER_PASSWORD,
//   TR_TEST_SAMBA_ADMIN_GROUP, TR_TEST_SAMBA_ALLOWED_GROUP
// Users (described in the script): alice (tr-admins directly), bob, carol (no
// group), erin (admin only through line-leads, nested in tr-admins), wang
// (王小明), dave (disabled).

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "adapters/ldap/ldap_directory.hpp"

namespace tr {
namespace {

constexpr const char* kSambaVariables[] = {
    "TR_TEST_SAMBA_URL",           "TR_TEST_SAMBA_LDAPS_URL",     "TR_TEST_SAMBA_CA_FILE",
    "TR_TEST_SAMBA_BASE_DN",       "TR_TEST_SAMBA_UPN_DOMAIN",    "TR_TEST_SAMBA_BIND_DN",
    "TR_TEST_SAMBA_BIND_PASSWORD", "TR_TEST_SAMBA_USER_PASSWORD", "TR_TEST_SAMBA_ADMIN_GROUP",
    "TR_TEST_SAMBA_ALLOWED_GROUP"};

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

class SambaDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string missing;
    for (const char* name : kSambaVariables) {
      if (env(name).empty()) missing += std::string(" ") + name;
    }
    ASSERT_TRUE(missing.empty())
        << "missing environment variables:" << missing
        << "\nstart the test Samba AD DC first (as root):\n"
           "  eval \"$(scripts/services/samba.sh start /tmp/tr-samba)\"\n"
           "and stop it afterwards with scripts/services/samba.sh stop /tmp/tr-samba";
    password_ = env("TR_TEST_SAMBA_USER_PASSWORD");
  }

  // UPN bind (alice@factory.local), no service account, both groups.
  LdapConfig upn_config() const {
    LdapConfig c;
    c.urls = {env("TR_TEST_SAMBA_URL")};
    c.base_dn = env("TR_TEST_SAMBA_BASE_DN");
    c.upn_domain = env("TR_TEST_SAMBA_UPN_DOMAIN");
    c.admin_group = env("TR_TEST_SAMBA_ADMIN_GROUP");
    c.allowed_group = env("TR_TEST_SAMBA_ALLOWED_GROUP");
    c.timeout_ms = 3000;
    return c;
  }

  // Search-then-bind with the service account.
  LdapConfig service_config() const {
    LdapConfig c = upn_config();
    c.upn_domain.clear();
    c.bind_dn = env("TR_TEST_SAMBA_BIND_DN");
    c.bind_password = env("TR_TEST_SAMBA_BIND_PASSWORD");
    return c;
  }

  std::string password_;
};

TEST_F(SambaDirectoryTest, UpnBindReturnsTheIdentity) {
  LdapDirectory directory(upn_config());
  auto r = directory.authenticate("alice", password_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->username, "alice");
  EXPECT_EQ(r->display_name, "Alice Chen");
  EXPECT_EQ(r->email, "alice@factory.local");
  EXPECT_TRUE(r->is_admin);
  EXPECT_EQ(r->groups.size(), 2u);
}

TEST_F(SambaDirectoryTest, UpnBindIsCaseInsensitiveAndReturnsTheDirectorySpelling) {
  LdapDirectory directory(upn_config());
  auto r = directory.authenticate("Bob", password_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->username, "bob");
  EXPECT_FALSE(r->is_admin);
}

TEST_F(SambaDirectoryTest, WrongPasswordAndUnknownUserAreRefusedAlike) {
  LdapDirectory directory(upn_config());
  auto wrong = directory.authenticate("alice", password_ + "x");
  auto unknown = directory.authenticate("nobody", password_);
  ASSERT_FALSE(wrong);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(wrong.error().code, ErrorCode::kInvalidCredentials);
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidCredentials);
  EXPECT_EQ(wrong.error().message, unknown.error().message);
  EXPECT_EQ(wrong.error().message.find("52e"), std::string::npos) << "AD detail leaked";
}

TEST_F(SambaDirectoryTest, DisabledAccountIsRefusedGenerically) {
  for (const LdapConfig& c : {upn_config(), service_config()}) {
    LdapDirectory directory(c);
    auto r = directory.authenticate("dave", password_);  // AD: "data 533"
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidCredentials);
    EXPECT_EQ(r.error().message, directory.authenticate("alice", "wrong").error().message);
  }
}

TEST_F(SambaDirectoryTest, UserOutsideAllowedGroupIsRefused) {
  LdapDirectory directory(upn_config());
  auto r = directory.authenticate("carol", password_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidCredentials);
}

TEST_F(SambaDirectoryTest, NestedAdminGroupCountsOnlyWithNestedGroups) {
  LdapConfig nested = upn_config();
  nested.nested_groups = true;
  LdapDirectory with_nesting(nested);
  auto r = with_nesting.authenticate("erin", password_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->is_admin);
  auto bob = with_nesting.authenticate("bob", password_);
  ASSERT_TRUE(bob) << bob.error().message;
  EXPECT_FALSE(bob->is_admin);

  LdapDirectory without_nesting(upn_config());
  auto flat = without_nesting.authenticate("erin", password_);
  ASSERT_TRUE(flat) << flat.error().message;
  EXPECT_FALSE(flat->is_admin);
}

TEST_F(SambaDirectoryTest, NestedAllowedGroup) {
  // tr-admins as the allowed group: erin belongs to it only through
  // line-leads, bob not at all.
  LdapConfig c = upn_config();
  c.nested_groups = true;
  c.allowed_group = c.admin_group;
  LdapDirectory directory(c);
  auto erin = directory.authenticate("erin", password_);
  ASSERT_TRUE(erin) << erin.error().message;
  EXPECT_EQ(directory.authenticate("bob", password_).error().code, ErrorCode::kInvalidCredentials);
}

TEST_F(SambaDirectoryTest, ChineseDisplayNameComesThroughIntact) {
  LdapDirectory directory(upn_config());
  auto r = directory.authenticate("wang", password_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->display_name, "王小明");
}

TEST_F(SambaDirectoryTest, StartTlsWithTheDcCertificate) {
  LdapConfig c = upn_config();
  c.starttls = true;
  c.ca_file = env("TR_TEST_SAMBA_CA_FILE");
  LdapDirectory directory(c);
  auto r = directory.authenticate("alice", password_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->display_name, "Alice Chen");
}

TEST_F(SambaDirectoryTest, LdapsWithTheDcCertificate) {
  LdapConfig c = upn_config();
  c.urls = {env("TR_TEST_SAMBA_LDAPS_URL")};
  c.ca_file = env("TR_TEST_SAMBA_CA_FILE");
  LdapDirectory directory(c);
  auto r = directory.authenticate("wang", password_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->display_name, "王小明");
}

TEST_F(SambaDirectoryTest, ConcurrentStartTlsLogins) {
  LdapConfig c = upn_config();
  c.starttls = true;
  c.ca_file = env("TR_TEST_SAMBA_CA_FILE");
  c.nested_groups = true;
  LdapDirectory directory(c);
  std::atomic<int> admins{0}, failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < 3; ++i) {
        auto r = directory.authenticate("erin", password_);
        if (r && r->is_admin) {
          ++admins;
        } else {
          ++failures;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(admins, 12);
  EXPECT_EQ(failures, 0);
}

TEST_F(SambaDirectoryTest, UntrustedCertificateIsRefused) {
  // The system CAs did not sign the DC's certificate: no connection, and
  // the message says it is about TLS.
  for (bool starttls : {true, false}) {
    SCOPED_TRACE(starttls ? "StartTLS" : "ldaps");
    LdapConfig c = upn_config();
    c.starttls = starttls;
    if (!starttls) c.urls = {env("TR_TEST_SAMBA_LDAPS_URL")};
    c.ca_file = "/etc/ssl/certs/ca-certificates.crt";
    LdapDirectory directory(c);
    auto r = directory.authenticate("alice", password_);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kDirectoryUnavailable);
    EXPECT_NE(r.error().message.find("TLS"), std::string::npos) << r.error().message;
  }
}

TEST_F(SambaDirectoryTest, SearchThenBindWithTheServiceAccount) {
  LdapConfig c = service_config();
  c.nested_groups = true;
  LdapDirectory directory(c);
  auto r = directory.authenticate("erin", password_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->username, "erin");
  EXPECT_EQ(r->email, "erin@factory.local");
  EXPECT_TRUE(r->is_admin);
  EXPECT_EQ(directory.authenticate("erin", "wrong").error().code, ErrorCode::kInvalidCredentials);
}

TEST_F(SambaDirectoryTest, LookupWithTheServiceAccount) {
  LdapConfig c = service_config();
  c.nested_groups = true;
  LdapDirectory directory(c);
  auto wang = directory.lookup("wang");
  ASSERT_TRUE(wang) << wang.error().message;
  EXPECT_EQ(wang->display_name, "王小明");
  auto erin = directory.lookup("ERIN");
  ASSERT_TRUE(erin) << erin.error().message;
  EXPECT_EQ(erin->username, "erin");
  EXPECT_TRUE(erin->is_admin);
  EXPECT_EQ(directory.lookup("nobody").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(directory.lookup("carol").error().code, ErrorCode::kNotFound);
}

TEST_F(SambaDirectoryTest, LookupInUpnModeNeedsTheServiceAccount) {
  LdapDirectory directory(upn_config());
  auto r = directory.lookup("alice");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDirectoryUnavailable);
}

TEST_F(SambaDirectoryTest, UpnAndServiceAccountTogether) {
  // Both set: logins bind by UPN, lookups use the service account.
  LdapConfig c = upn_config();
  c.bind_dn = env("TR_TEST_SAMBA_BIND_DN");
  c.bind_password = env("TR_TEST_SAMBA_BIND_PASSWORD");
  LdapDirectory directory(c);
  auto login = directory.authenticate("alice", password_);
  ASSERT_TRUE(login) << login.error().message;
  auto found = directory.lookup("bob");
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->display_name, "Bob Lin");
}

}  // namespace
}  // namespace tr
