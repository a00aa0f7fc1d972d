#include "services/auth/auth_service.hpp"

#include <gtest/gtest.h>

#include "adapters/crypto/jwt_token_signer.hpp"
#include "adapters/local/local_directory.hpp"
#include "adapters/memory/memory_audit_log.hpp"
#include "adapters/memory/memory_session_store.hpp"
#include "adapters/memory/memory_user_store.hpp"
#include "services/users/user_service.hpp"

namespace tr {
namespace {

// Fast stand-in for Argon2id: unit tests check the rules, not the hashing.
class PlainHasher final : public PasswordHasher {
 public:
  std::string hash(std::string_view p) override { return "plain:" + std::string(p); }
  bool verify(std::string_view p, const std::string& h) override { return h == "plain:" + std::string(p); }
};

// A directory that is down.
class DownDirectory final : public Directory {
 public:
  Result<DirectoryIdentity> authenticate(std::string_view, std::string_view) override {
    calls++;
    return Error{ErrorCode::kDirectoryUnavailable, "the directory is unreachable"};
  }
  Result<DirectoryIdentity> lookup(std::string_view) override {
    return Error{ErrorCode::kDirectoryUnavailable, "the directory is unreachable"};
  }
  std::string_view kind() const override { return "ldap"; }
  int calls = 0;
};

class AuthServiceTest : public ::testing::Test {
 protected:
  AuthServiceTest()
      : directory_(users_, hasher_),
        auth_(directory_, users_, sessions_, audit_, signer_, clock_),
        user_service_(users_, hasher_, auth_, clock_, true) {
    EXPECT_TRUE(user_service_.create_unchecked({"alice", "correct-horse", "王小明", "a@x", false}));
  }
  std::vector<std::string> actions() {
    std::vector<std::string> out;
    for (const auto& e : audit_.entries()) out.push_back(e.action);
    return out;
  }

  ManualClock clock_{1'800'000'000'000};
  MemoryUserStore users_;
  MemorySessionStore sessions_;
  MemoryAuditLog audit_;
  PlainHasher hasher_;
  JwtTokenSigner signer_{"unit-test-secret"};
  LocalDirectory directory_;
  AuthService auth_;
  UserService user_service_;
  ClientInfo client_{"10.1.1.1", "test-agent"};
};

TEST_F(AuthServiceTest, LoginIssuesTokensThatAuthenticate) {
  auto r = auth_.login("alice", "correct-horse", client_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->user.display_name, "王小明");
  EXPECT_EQ(r->expires_in_s, 900);
  auto who = auth_.authenticate(r->access_token);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->username, "alice");
  EXPECT_EQ(who->session_id, r->session_id);
  EXPECT_EQ(actions(), std::vector<std::string>{"login.success"});
}

TEST_F(AuthServiceTest, CachedAnswersNeedAFirstReadAndFollowUserChanges) {
  auto r = auth_.login("alice", "correct-horse", client_).value();
  EXPECT_FALSE(auth_.authenticate_cached(r.access_token));  // the session is not cached yet
  ASSERT_TRUE(auth_.authenticate(r.access_token));
  auto cached = auth_.authenticate_cached(r.access_token);
  ASSERT_TRUE(cached && *cached);
  EXPECT_EQ((*cached)->email, "a@x");
  // A bad token is refused without any store read.
  auto bad = auth_.authenticate_cached("not-a-token");
  ASSERT_TRUE(bad);
  EXPECT_FALSE(*bad);
  // The cache is re-checked against the store every few seconds.
  clock_.advance_ms(5'000);
  EXPECT_FALSE(auth_.authenticate_cached(r.access_token));
  ASSERT_TRUE(auth_.authenticate(r.access_token));
  // A changed user record is read again at once.
  auth_.forget_user(r.user.user_id);
  EXPECT_FALSE(auth_.authenticate_cached(r.access_token));
}

TEST_F(AuthServiceTest, BadCredentialsGetOneGenericAnswer) {
  auto wrong = auth_.login("alice", "nope", client_);
  auto unknown = auth_.login("nobody", "nope", client_);
  auto empty = auth_.login("alice", "", client_);
  for (auto* r : {&wrong, &unknown, &empty}) {
    ASSERT_FALSE(*r);
    EXPECT_EQ(r->error().code, ErrorCode::kInvalidCredentials);
    EXPECT_EQ(r->error().message, "invalid username or password");
  }
}

TEST_F(AuthServiceTest, LockoutAfterFiveFailuresRefusesEvenTheRightPassword) {
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(auth_.login("alice", "wrong", client_));
  auto locked = auth_.login("alice", "correct-horse", client_);
  ASSERT_FALSE(locked);
  EXPECT_EQ(locked.error().code, ErrorCode::kTooManyAttempts);
  EXPECT_GT(locked.error().retry_after_s, 0);
  EXPECT_EQ(actions().back(), "login.lockout");
  clock_.advance_ms(15 * 60 * 1000 + 1);
  EXPECT_TRUE(auth_.login("alice", "correct-horse", client_));
}

TEST_F(AuthServiceTest, ThrottledAttemptsDoNotReachTheDirectory) {
  DownDirectory down;
  AuthService auth(down, users_, sessions_, audit_, signer_, clock_);
  auto r = auth.login("alice", "x", client_);
  EXPECT_EQ(r.error().code, ErrorCode::kDirectoryUnavailable);
  EXPECT_EQ(down.calls, 1);
}

TEST_F(AuthServiceTest, RefreshRotatesAndReuseRevokesTheSession) {
  auto first = auth_.login("alice", "correct-horse", client_).value();
  auto second = auth_.refresh(first.refresh_token, client_);
  ASSERT_TRUE(second);
  EXPECT_NE(second->refresh_token, first.refresh_token);
  EXPECT_TRUE(auth_.authenticate(second->access_token));
  // The old refresh token again: theft suspected, the whole session ends.
  auto reused = auth_.refresh(first.refresh_token, client_);
  ASSERT_FALSE(reused);
  EXPECT_EQ(reused.error().code, ErrorCode::kUnauthorized);
  EXPECT_FALSE(auth_.authenticate(second->access_token));
  EXPECT_FALSE(auth_.refresh(second->refresh_token, client_));
}

TEST_F(AuthServiceTest, LogoutEndsTheSessionAtOnceAndTellsListeners) {
  std::vector<std::string> ended;
  auth_.on_session_revoked([&](const std::string& sid) { ended.push_back(sid); });
  auto r = auth_.login("alice", "correct-horse", client_).value();
  auto who = auth_.authenticate(r.access_token).value();
  ASSERT_TRUE(auth_.logout(who, client_));
  EXPECT_FALSE(auth_.authenticate(r.access_token));
  EXPECT_EQ(ended, std::vector<std::string>{r.session_id});
}

TEST_F(AuthServiceTest, SessionsExpireAfterInactivity) {
  auto r = auth_.login("alice", "correct-horse", client_).value();
  clock_.advance_ms(73LL * 3600 * 1000);
  EXPECT_EQ(auth_.refresh(r.refresh_token, client_).error().code, ErrorCode::kUnauthorized);
  EXPECT_FALSE(auth_.authenticate(r.access_token));
  auto again = auth_.login("alice", "correct-horse", client_).value();
  clock_.advance_ms(10 * 60 * 1000);
  EXPECT_TRUE(auth_.authenticate(again.access_token));
}

TEST_F(AuthServiceTest, DisablingAUserEndsTheirSessions) {
  auto r = auth_.login("alice", "correct-horse", client_).value();
  ASSERT_TRUE(user_service_.create_unchecked({"root", "admin-password", "", "", true}));
  Actor admin{users_.find_by_username("root")->user_id, "root", "root", true};
  UserChanges disable;
  disable.disabled = true;
  ASSERT_TRUE(user_service_.update(admin, r.user.user_id, disable));
  EXPECT_FALSE(auth_.authenticate(r.access_token));
  EXPECT_EQ(auth_.login("alice", "correct-horse", client_).error().code,
            ErrorCode::kInvalidCredentials);
}

TEST_F(AuthServiceTest, OnlyOwnSessionsCanBeRevoked) {
  ASSERT_TRUE(user_service_.create_unchecked({"bob", "bob-password", "", "", false}));
  auto a = auth_.login("alice", "correct-horse", client_).value();
  auto b = auth_.login("bob", "bob-password", client_).value();
  auto bob = auth_.authenticate(b.access_token).value();
  EXPECT_EQ(auth_.revoke_session(bob, a.session_id, client_).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(auth_.authenticate(a.access_token));
  EXPECT_EQ(auth_.sessions(bob.user_id)->size(), 1u);
}

TEST(UserValidation, UsernamesAndPasswords) {
  EXPECT_FALSE(check_username("line3.operator_1"));
  EXPECT_TRUE(check_username(""));
  EXPECT_TRUE(check_username("bad name"));
  EXPECT_TRUE(check_username("*)(uid=*"));
  EXPECT_TRUE(check_password("short"));
  EXPECT_FALSE(check_password("long-enough"));
}

}  // namespace
}  // namespace tr
