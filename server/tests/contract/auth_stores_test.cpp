// Contract suites for UserStore, SessionStore and AuditLog: the in-memory
// fakes, SQLite and PostgreSQL behave alike.
#include <gtest/gtest.h>

#include <thread>

#include "adapters/memory/memory_audit_log.hpp"
#include "adapters/memory/memory_session_store.hpp"
#include "adapters/memory/memory_user_store.hpp"
#include "adapters/sql/sql_audit_log.hpp"
#include "adapters/sql/sql_session_store.hpp"
#include "adapters/sql/sql_user_store.hpp"
#include "contract/test_database.hpp"
#include "core/ids.hpp"

namespace tr {
namespace {

using testing::Backend;

User make_user(const std::string& username, const std::string& display = "") {
  User u;
  u.user_id = new_id();
  u.username = username;
  u.display_name = display.empty() ? username : display;
  u.email = username + "@factory.local";
  u.source = "local";
  u.created_at = u.updated_at = 1000;
  return u;
}

class AuthStoresContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kMemory) {
      users_ = std::make_unique<MemoryUserStore>();
      sessions_ = std::make_unique<MemorySessionStore>();
      audit_ = std::make_unique<MemoryAuditLog>();
    } else {
      db_ = std::make_unique<testing::TestDatabase>(GetParam());
      users_ = std::make_unique<sql::SqlUserStore>(db_->db());
      sessions_ = std::make_unique<sql::SqlSessionStore>(db_->db());
      audit_ = std::make_unique<sql::SqlAuditLog>(db_->db(), clock_);
    }
  }
  Session make_session(const std::string& user_id, EpochMs now = 5000) {
    Session s;
    s.session_id = new_id();
    s.user_id = user_id;
    s.created_at = s.last_seen_at = now;
    s.expires_at = now + 1'000'000;
    s.client_ip = "10.0.0.1";
    s.user_agent = "agent";
    return s;
  }

  SystemClock clock_;
  std::unique_ptr<testing::TestDatabase> db_;
  std::unique_ptr<UserStore> users_;
  std::unique_ptr<SessionStore> sessions_;
  std::unique_ptr<AuditLog> audit_;
};

TEST_P(AuthStoresContract, UsersAreUniqueCaseInsensitively) {
  auto alice = make_user("Alice", "王小明");
  ASSERT_TRUE(users_->create(alice, std::string("hash")));
  EXPECT_EQ(users_->create(make_user("alice"), std::nullopt).error().code, ErrorCode::kConflict);
  auto found = users_->find_by_username("ALICE");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->user_id, alice.user_id);
  EXPECT_EQ(found->display_name, "王小明");
  EXPECT_EQ(users_->find_by_username("nobody").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(users_->find_by_id("nope").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(users_->password_hash(alice.user_id).value().value(), "hash");
}

TEST_P(AuthStoresContract, UpdateChangesOnlyWhatIsGiven) {
  auto bob = make_user("bob");
  ASSERT_TRUE(users_->create(bob, std::nullopt));
  UserPatch patch;
  patch.display_name = "李四";
  patch.disabled = true;
  auto updated = users_->update(bob.user_id, patch, 9000);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->display_name, "李四");
  EXPECT_TRUE(updated->disabled);
  EXPECT_EQ(updated->email, "bob@factory.local");
  EXPECT_EQ(updated->updated_at, 9000);
  EXPECT_FALSE(users_->password_hash(bob.user_id).value().has_value());
  EXPECT_EQ(users_->update("missing", patch, 1).error().code, ErrorCode::kNotFound);
}

TEST_P(AuthStoresContract, SearchFindsUsernamesAndChineseNamesButNotDisabled) {
  ASSERT_TRUE(users_->create(make_user("wang.xm", "王小明"), std::nullopt));
  ASSERT_TRUE(users_->create(make_user("li.si", "李四"), std::nullopt));
  auto gone = make_user("wang.old", "王老");
  gone.disabled = true;
  ASSERT_TRUE(users_->create(gone, std::nullopt));
  auto by_chinese = users_->search("王", 10).value();
  ASSERT_EQ(by_chinese.size(), 1u);
  EXPECT_EQ(by_chinese[0].username, "wang.xm");
  EXPECT_EQ(users_->search("LI.S", 10).value().size(), 1u);
  EXPECT_EQ(users_->search("", 10).value().size(), 2u);
  EXPECT_EQ(users_->search("", 1).value().size(), 1u);
  EXPECT_TRUE(users_->search("%", 10).value().empty());  // wildcards are literal
  auto ids = users_->find_by_ids({by_chinese[0].user_id, "missing"}).value();
  EXPECT_EQ(ids.size(), 1u);
}

TEST_P(AuthStoresContract, RefreshTokensRotateAndSpentOnesAreRecognised) {
  auto u = make_user("carol");
  ASSERT_TRUE(users_->create(u, std::nullopt));
  auto s = make_session(u.user_id);
  ASSERT_TRUE(sessions_->create(s, "digest-1"));
  auto rotated = sessions_->rotate_refresh("digest-1", "digest-2", 7000).value();
  EXPECT_EQ(rotated.kind, RefreshOutcome::Kind::kRotated);
  EXPECT_EQ(rotated.session.session_id, s.session_id);
  EXPECT_EQ(rotated.session.last_seen_at, 5000);  // as it was before
  EXPECT_EQ(sessions_->find(s.session_id)->last_seen_at, 7000);
  auto reused = sessions_->rotate_refresh("digest-1", "digest-3", 8000).value();
  EXPECT_EQ(reused.kind, RefreshOutcome::Kind::kReused);
  EXPECT_EQ(reused.session.session_id, s.session_id);
  EXPECT_EQ(sessions_->rotate_refresh("never-issued", "x", 8000)->kind,
            RefreshOutcome::Kind::kUnknown);
  EXPECT_EQ(sessions_->rotate_refresh("digest-2", "digest-4", 9000)->kind,
            RefreshOutcome::Kind::kRotated);
}

TEST_P(AuthStoresContract, ConcurrentRefreshesWithOneTokenRotateOnce) {
  auto u = make_user("dave");
  ASSERT_TRUE(users_->create(u, std::nullopt));
  ASSERT_TRUE(sessions_->create(make_session(u.user_id), "digest-0"));
  std::atomic<int> rotated{0}, reused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto r = sessions_->rotate_refresh("digest-0", "next-" + std::to_string(i), 6000);
      ASSERT_TRUE(r);
      if (r->kind == RefreshOutcome::Kind::kRotated) rotated++;
      if (r->kind == RefreshOutcome::Kind::kReused) reused++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(rotated.load(), 1);
  EXPECT_EQ(reused.load(), 3);
}

TEST_P(AuthStoresContract, RevokeAndListActive) {
  auto u = make_user("erin");
  ASSERT_TRUE(users_->create(u, std::nullopt));
  auto a = make_session(u.user_id, 5000), b = make_session(u.user_id, 6000);
  auto old = make_session(u.user_id, 100);
  ASSERT_TRUE(sessions_->create(a, "da"));
  ASSERT_TRUE(sessions_->create(b, "db"));
  ASSERT_TRUE(sessions_->create(old, "dc"));
  auto active = sessions_->list_active(u.user_id, 7000, 1000).value();
  ASSERT_EQ(active.size(), 2u);
  EXPECT_EQ(active[0].session_id, b.session_id);  // most recent first
  EXPECT_TRUE(sessions_->revoke(a.session_id, 7000, "logout").value());
  EXPECT_FALSE(sessions_->revoke(a.session_id, 7001, "logout").value());
  auto revoked = sessions_->find(a.session_id).value();
  EXPECT_EQ(revoked.revoked_at.value(), 7000);
  EXPECT_EQ(revoked.revoke_reason, "logout");
  auto all = sessions_->revoke_all_for_user(u.user_id, 8000, "disabled").value();
  EXPECT_EQ(all.size(), 2u);  // b and old; a was already revoked
  EXPECT_TRUE(sessions_->list_active(u.user_id, 8000, 0).value().empty());
  ASSERT_TRUE(sessions_->touch(b.session_id, 9000));
  EXPECT_EQ(sessions_->find(b.session_id)->last_seen_at, 9000);
}

TEST_P(AuthStoresContract, AuditLogFiltersAndPagesNewestFirst) {
  for (int i = 0; i < 5; ++i) {
    audit_->append(AuditEntry{"", 1000 + i, i % 2 ? "login.failure" : "login.success", "",
                              "user" + std::to_string(i % 2), "10.0.0.1", "ua", "", ""});
  }
  auto all = audit_->list(AuditQuery{"", "", 2, 0}).value();
  EXPECT_EQ(all.total, 5);
  ASSERT_EQ(all.items.size(), 2u);
  EXPECT_EQ(all.items[0].at, 1004);
  auto failures = audit_->list(AuditQuery{"login.failure", "", 50, 0}).value();
  EXPECT_EQ(failures.total, 2);
  auto by_user = audit_->list(AuditQuery{"", "user0", 50, 1}).value();
  EXPECT_EQ(by_user.total, 3);
  EXPECT_EQ(by_user.items.size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, AuthStoresContract,
                         ::testing::ValuesIn(testing::all_backends()), testing::BackendName{});

}  // namespace
}  // namespace tr
