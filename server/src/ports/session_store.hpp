#pragma once
// SessionStore: server-side login sessions and their rotating refresh tokens
// (stored only as digests). Blocking; thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace tr {

struct Session {
  std::string session_id;
  std::string user_id;
  EpochMs created_at = 0;
  EpochMs last_seen_at = 0;
  EpochMs expires_at = 0;  // absolute end of life
  std::string client_ip;
  std::string user_agent;
  std::optional<EpochMs> revoked_at;
  std::string revoke_reason;
};

// What presenting a refresh token led to.
struct RefreshOutcome {
  enum class Kind {
    kRotated,  // the current token: replaced by the new digest
    kReused,   // an already spent token: theft suspected
    kUnknown,  // never issued, or its session is gone
  } kind = Kind::kUnknown;
  Session session;  // for kRotated and kReused
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;

  // Stores a new session whose current refresh token has digest `refresh_digest`.
  virtual Result<void> create(const Session& session, const std::string& refresh_digest) = 0;

  // kNotFound when unknown.
  virtual Result<Session> find(const std::string& session_id) = 0;

  // Atomically: if `old_digest` is the current token of a session, replaces it
  // with `new_digest`, marks the old one spent and sets last_seen_at = now
  // (kRotated, even when the session is revoked or expired: the caller
  // decides; `session` is returned as it was BEFORE this call, so the caller
  // can judge inactivity); if it was spent before, kReused with its session;
  // else kUnknown.
  virtual Result<RefreshOutcome> rotate_refresh(const std::string& old_digest,
                                                const std::string& new_digest, EpochMs now) = 0;

  virtual Result<void> touch(const std::string& session_id, EpochMs now) = 0;

  // Marks the session revoked (idempotent). Returns whether it was active.
  virtual Result<bool> revoke(const std::string& session_id, EpochMs now,
                              const std::string& reason) = 0;

  // Revokes every active session of the user; returns their ids.
  virtual Result<std::vector<std::string>> revoke_all_for_user(const std::string& user_id,
                                                               EpochMs now,
                                                               const std::string& reason) = 0;

  // Sessions not revoked, not past expires_at and seen since `seen_after`.
  virtual Result<std::vector<Session>> list_active(const std::string& user_id, EpochMs now,
                                                   EpochMs seen_after) = 0;
};

}  // namespace tr
