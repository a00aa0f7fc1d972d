#pragma once
// AuthService: logins, sessions and tokens (SPEC.md section 2).
//   login    directory check (throttled), user record refreshed from the
//            directory, new server-side session, access JWT + refresh token;
//   refresh  rotates the refresh token; a spent one revokes its session;
//   authenticate  verifies an access token and that its session is still
//            live (a revoked session fails on the next request);
//   logout / revoke  end sessions at once and tell listeners (the realtime
//            hub closes that session's sockets).
// Every login success, failure and lockout is audited. All methods block
// (database, directory): call them from the worker pool. Thread-safe.

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "domain/actor.hpp"
#include "domain/user.hpp"
#include "ports/audit_log.hpp"
#include "ports/directory.hpp"
#include "ports/session_store.hpp"
#include "ports/token_signer.hpp"
#include "ports/user_store.hpp"
#include "services/auth/login_throttle.hpp"

namespace tr {

struct AuthSettings {
  EpochMs access_ttl_ms = 15 * 60 * 1000;
  EpochMs idle_timeout_ms = 72LL * 3600 * 1000;
  EpochMs absolute_lifetime_ms = 30LL * 24 * 3600 * 1000;
  EpochMs touch_interval_ms = 60 * 1000;  // last_seen_at is written at most this often
  ThrottleLimits throttle;
};

struct LoginResult {
  std::string access_token;
  std::int64_t expires_in_s = 0;
  std::string refresh_token;
  std::string session_id;
  User user;
};

// Who an access token belongs to, once verified.
struct AuthContext {
  std::string user_id;
  std::string username;
  std::string display_name;
  std::string email;
  std::string session_id;
  bool is_admin = false;
};

// Where a request came from, for throttling and the audit log.
struct ClientInfo {
  std::string address;
  std::string user_agent;
};

class AuthService {
 public:
  AuthService(Directory& directory, UserStore& users, SessionStore& sessions, AuditLog& audit,
              TokenSigner& signer, const Clock& clock, AuthSettings settings = {});

  // kInvalidCredentials (one generic message), kTooManyAttempts with
  // retry_after_s, kDirectoryUnavailable.
  Result<LoginResult> login(const std::string& username, const std::string& password,
                            const ClientInfo& client);

  // kUnauthorized for unknown, spent (and then the session is revoked),
  // expired or revoked tokens.
  Result<LoginResult> refresh(const std::string& refresh_token, const ClientInfo& client);

  // kUnauthorized when the token or its session is not valid.
  Result<AuthContext> authenticate(std::string_view access_token);

  // The same answer from memory alone, without blocking: nullopt when the
  // session has to be (re)read from the store first (then call authenticate
  // from the worker pool). Safe to call on an I/O thread.
  std::optional<Result<AuthContext>> authenticate_cached(std::string_view access_token);

  Result<void> logout(const AuthContext& who, const ClientInfo& client);

  // The caller's live sessions, newest activity first.
  Result<std::vector<Session>> sessions(const std::string& user_id);

  // Ends one of the caller's sessions (admins: anyone's). kNotFound otherwise.
  Result<void> revoke_session(const AuthContext& who, const std::string& session_id,
                              const ClientInfo& client);

  // Ends every session of a user (account disabled, password changed).
  void revoke_user_sessions(const std::string& user_id, const std::string& reason);

  // Called with a session id whenever a session ends (any instance's listener
  // must close that session's WebSocket connections). Set at start-up.
  void on_session_revoked(std::function<void(const std::string& session_id)> listener);

  // Forget a cached session (another instance revoked it).
  void forget_session(const std::string& session_id);
  // Forget every cached session of a user (their name, email or role changed).
  void forget_user(const std::string& user_id);

 private:
  struct CachedSession {
    AuthContext context;
    EpochMs expires_at = 0;      // absolute
    EpochMs last_seen_at = 0;    // as last written to the store
  };

  Result<LoginResult> issue(const User& user, const Session& session, std::string refresh_token);
  Result<User> sync_user(const DirectoryIdentity& identity);
  void audit(const std::string& action, const std::string& user_id, const std::string& username,
             const ClientInfo& client, const std::string& target = "",
             const std::string& detail = "");
  void revoked(const std::string& session_id);
  Result<CachedSession> load_session(const std::string& session_id);
  // The answer for verified `claims` from the session cache, or nullopt when
  // the session must be (re)read from the store.
  std::optional<Result<AuthContext>> cached_answer(const AccessClaims& claims, EpochMs now);
  // A cached session's answer for `claims` at `now`.
  static Result<AuthContext> check_cached(const CachedSession& cached, const AccessClaims& claims,
                                          EpochMs now);

  Directory& directory_;
  UserStore& users_;
  SessionStore& sessions_;
  AuditLog& audit_;
  TokenSigner& signer_;
  const Clock& clock_;
  AuthSettings settings_;
  LoginThrottle throttle_;
  std::vector<std::function<void(const std::string&)>> revocation_listeners_;  // start-up only

  std::mutex cache_mu_;
  std::unordered_map<std::string, CachedSession> cache_;  // by session id; guarded by cache_mu_
};

}  // namespace tr
