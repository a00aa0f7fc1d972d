#pragma once
// SqlSessionStore: SessionStore on `sessions` and `spent_refresh_tokens`.
// Refresh rotation runs in one write transaction. Thread-safe.

#include "adapters/sql/database.hpp"
#include "ports/session_store.hpp"

namespace tr::sql {

class SqlSessionStore final : public SessionStore {
 public:
  explicit SqlSessionStore(Database& db) : db_(db) {}

  // ports::SessionStore
  Result<void> create(const Session& session, const std::string& refresh_digest) override;
  Result<Session> find(const std::string& session_id) override;
  Result<RefreshOutcome> rotate_refresh(const std::string& old_digest,
                                        const std::string& new_digest, EpochMs now) override;
  Result<void> touch(const std::string& session_id, EpochMs now) override;
  Result<bool> revoke(const std::string& session_id, EpochMs now,
                      const std::string& reason) override;
  Result<std::vector<std::string>> revoke_all_for_user(const std::string& user_id, EpochMs now,
                                                       const std::string& reason) override;
  Result<std::vector<Session>> list_active(const std::string& user_id, EpochMs now,
                                           EpochMs seen_after) override;

 private:
  Database& db_;
};

}  // namespace tr::sql
