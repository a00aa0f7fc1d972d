#pragma once
// MemorySessionStore: in-memory fake of SessionStore. Thread-safe.

#include <map>
#include <mutex>

#include "ports/session_store.hpp"

namespace tr {

class MemorySessionStore final : public SessionStore {
 public:
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
  std::mutex mu_;
  std::map<std::string, Session> sessions_;       // guarded by mu_
  std::map<std::string, std::string> current_;    // digest -> session id; guarded by mu_
  std::map<std::string, std::string> spent_;      // digest -> session id; guarded by mu_
};

}  // namespace tr
