#include "services/auth/auth_service.hpp"

#include "core/ids.hpp"
#include "core/strings.hpp"

namespace tr {
namespace {

constexpr EpochMs kRecheckMs = 5000;  // cached sessions are re-read this often

Error unauthorized(std::string why) { return Error{ErrorCode::kUnauthorized, std::move(why)}; }

}  // namespace

AuthService::AuthService(Directory& directory, UserStore& users, SessionStore& sessions,
                         AuditLog& audit, TokenSigner& signer, const Clock& clock,
                         AuthSettings settings)
    : directory_(directory), users_(users), sessions_(sessions), audit_(audit), signer_(signer),
      clock_(clock), settings_(settings), throttle_(settings.throttle) {}

void AuthService::audit(const std::string& action, const std::string& user_id,
                        const std::string& username, const ClientInfo& client,
                        const std::string& target, const std::string& detail) {
  AuditEntry e;
  e.at = clock_.now_ms();
  e.action = action;
  e.user_id = user_id;
  e.username = username;
  e.client_ip = client.address;
  e.user_agent = client.user_agent;
  e.target = target;
  e.detail = detail;
  audit_.append(std::move(e));
}

Result<User> AuthService::sync_user(const DirectoryIdentity& id) {
  const EpochMs now = clock_.now_ms();
  auto existing = users_.find_by_username(id.username);
  if (existing) {
    if (directory_.kind() == "local") return *existing;  // the record is the directory
    UserPatch patch;
    patch.display_name = id.display_name.empty() ? id.username : id.display_name;
    patch.email = id.email;
    patch.is_admin = id.is_admin;
    auto updated = users_.update(existing->user_id, patch, now);
    if (updated) forget_user(existing->user_id);  // other sessions show the new record
    return updated;
  }
  if (existing.error().code != ErrorCode::kNotFound) return existing.error();
  User u;
  u.user_id = new_id();
  u.username = id.username;
  u.display_name = id.display_name.empty() ? id.username : id.display_name;
  u.email = id.email;
  u.is_admin = id.is_admin;
  u.source = std::string(directory_.kind());
  u.created_at = u.updated_at = now;
  auto created = users_.create(u, std::nullopt);
  if (!created && created.error().code == ErrorCode::kConflict) {
    return users_.find_by_username(id.username);  // another login created it first
  }
  return created;
}

Result<LoginResult> AuthService::login(const std::string& username, const std::string& password,
                                       const ClientInfo& client) {
  const EpochMs now = clock_.now_ms();
  const std::string name = trim(username);
  if (auto wait = throttle_.check(name, client.address, now)) {
    audit("login.lockout", "", name, client, "", "throttled; retry after " + std::to_string(*wait) + " s");
    Error e{ErrorCode::kTooManyAttempts, "too many failed logins; try again later"};
    e.retry_after_s = *wait;
    return e;
  }
  auto identity = name.empty() || password.empty()
                      ? Result<DirectoryIdentity>(Error{ErrorCode::kInvalidCredentials, ""})
                      : directory_.authenticate(name, password);
  if (!identity) {
    if (identity.error().code != ErrorCode::kInvalidCredentials) {
      audit("login.error", "", name, client, "", identity.error().message);
      return identity.error();
    }
    throttle_.record_failure(name, client.address, now);
    audit("login.failure", "", name, client);
    return Error{ErrorCode::kInvalidCredentials, "invalid username or password"};
  }
  auto user = sync_user(*identity);
  if (!user) return user.error();
  if (user->disabled) {
    throttle_.record_failure(name, client.address, now);
    audit("login.failure", user->user_id, user->username, client, "", "account disabled");
    return Error{ErrorCode::kInvalidCredentials, "invalid username or password"};
  }
  throttle_.record_success(name);

  Session session;
  session.session_id = new_id();
  session.user_id = user->user_id;
  session.created_at = session.last_seen_at = now;
  session.expires_at = now + settings_.absolute_lifetime_ms;
  session.client_ip = client.address;
  session.user_agent = client.user_agent.substr(0, 512);
  std::string refresh_token = random_token(32);
  if (auto ok = sessions_.create(session, signer_.digest(refresh_token)); !ok) return ok.error();
  audit("login.success", user->user_id, user->username, client, session.session_id);
  return issue(*user, session, std::move(refresh_token));
}

Result<LoginResult> AuthService::issue(const User& user, const Session& session,
                                       std::string refresh_token) {
  const EpochMs now = clock_.now_ms();
  AccessClaims claims;
  claims.user_id = user.user_id;
  claims.session_id = session.session_id;
  claims.token_id = random_token(12);
  claims.is_admin = user.is_admin;
  claims.issued_at = now;
  claims.expires_at = std::min(now + settings_.access_ttl_ms, session.expires_at);
  LoginResult out;
  out.access_token = signer_.sign(claims);
  out.expires_in_s = (claims.expires_at - now) / 1000;
  out.refresh_token = std::move(refresh_token);
  out.session_id = session.session_id;
  out.user = user;
  return out;
}

Result<LoginResult> AuthService::refresh(const std::string& refresh_token,
                                         const ClientInfo& client) {
  if (refresh_token.empty() || refresh_token.size() > 256) {
    return unauthorized("a refresh token is required");
  }
  const EpochMs now = clock_.now_ms();
  std::string next = random_token(32);
  auto outcome = sessions_.rotate_refresh(signer_.digest(refresh_token), signer_.digest(next), now);
  if (!outcome) return outcome.error();
  const Session& s = outcome->session;
  switch (outcome->kind) {
    case RefreshOutcome::Kind::kUnknown:
      return unauthorized("unknown refresh token");
    case RefreshOutcome::Kind::kReused:
      if (auto r = sessions_.revoke(s.session_id, now, "refresh token reused"); r && *r) {
        audit("session.revoked", s.user_id, "", client, s.session_id, "refresh token reused");
        revoked(s.session_id);
      }
      return unauthorized("refresh token already used; the session has been ended");
    case RefreshOutcome::Kind::kRotated:
      break;
  }
  if (s.revoked_at) return unauthorized("the session has ended");
  if (now >= s.expires_at) return unauthorized("the session has expired");
  if (now - s.last_seen_at >= settings_.idle_timeout_ms) {
    (void)sessions_.revoke(s.session_id, now, "inactivity");
    revoked(s.session_id);
    return unauthorized("the session expired after inactivity");
  }
  auto user = users_.find_by_id(s.user_id);
  if (!user) return user.error().code == ErrorCode::kNotFound ? unauthorized("unknown user") : user.error();
  if (user->disabled) return unauthorized("the account is disabled");
  forget_session(s.session_id);  // is_admin may have changed
  return issue(*user, s, std::move(next));
}

Result<AuthService::CachedSession> AuthService::load_session(const std::string& session_id) {
  auto s = sessions_.find(session_id);
  if (!s) {
    if (s.error().code == ErrorCode::kNotFound) return unauthorized("the session has ended");
    return s.error();
  }
  const EpochMs now = clock_.now_ms();
  if (s->revoked_at) return unauthorized("the session has ended");
  if (now >= s->expires_at) return unauthorized("the session has expired");
  if (now - s->last_seen_at >= settings_.idle_timeout_ms) {
    return unauthorized("the session expired after inactivity");
  }
  auto user = users_.find_by_id(s->user_id);
  if (!user) return user.error().code == ErrorCode::kNotFound ? unauthorized("unknown user") : user.error();
  if (user->disabled) return unauthorized("the account is disabled");
  CachedSession c;
  c.context = AuthContext{user->user_id, user->username, user->display_name, user->email,
                          s->session_id, user->is_admin};
  c.expires_at = s->expires_at;
  c.last_seen_at = s->last_seen_at;
  return c;
}

Result<AuthContext> AuthService::check_cached(const CachedSession& cached,
                                              const AccessClaims& claims, EpochMs now) {
  if (now >= cached.expires_at) return unauthorized("the session has expired");
  if (cached.context.user_id != claims.user_id) {
    return unauthorized("token does not match its session");
  }
  return cached.context;
}

std::optional<Result<AuthContext>> AuthService::cached_answer(const AccessClaims& claims,
                                                              EpochMs now) {
  std::lock_guard lock(cache_mu_);
  auto it = cache_.find(claims.session_id);
  // The cache entry's last_seen_at doubles as "checked at" for re-reading.
  if (it == cache_.end() || now - it->second.last_seen_at >= kRecheckMs) return std::nullopt;
  return check_cached(it->second, claims, now);
}

std::optional<Result<AuthContext>> AuthService::authenticate_cached(
    std::string_view access_token) {
  const EpochMs now = clock_.now_ms();
  auto claims = signer_.verify(access_token, now);
  if (!claims) return Result<AuthContext>(claims.error());
  return cached_answer(*claims, now);
}

Result<AuthContext> AuthService::authenticate(std::string_view access_token) {
  const EpochMs now = clock_.now_ms();
  auto claims = signer_.verify(access_token, now);
  if (!claims) return claims.error();
  if (auto known = cached_answer(*claims, now)) return std::move(*known);
  auto loaded = load_session(claims->session_id);
  if (!loaded) {
    forget_session(claims->session_id);
    return loaded.error();
  }
  if (now - loaded->last_seen_at >= settings_.touch_interval_ms) {
    (void)sessions_.touch(claims->session_id, now);
  }
  loaded->last_seen_at = now;
  {
    std::lock_guard lock(cache_mu_);
    if (cache_.size() > 100'000) cache_.clear();  // bound memory; entries reload on demand
    cache_[claims->session_id] = *loaded;
  }
  return check_cached(*loaded, *claims, now);
}

Result<void> AuthService::logout(const AuthContext& who, const ClientInfo& client) {
  auto r = sessions_.revoke(who.session_id, clock_.now_ms(), "logout");
  if (!r) return r.error();
  audit("logout", who.user_id, who.username, client, who.session_id);
  revoked(who.session_id);
  return {};
}

Result<std::vector<Session>> AuthService::sessions(const std::string& user_id) {
  const EpochMs now = clock_.now_ms();
  return sessions_.list_active(user_id, now, now - settings_.idle_timeout_ms);
}

Result<void> AuthService::revoke_session(const AuthContext& who, const std::string& session_id,
                                         const ClientInfo& client) {
  auto s = sessions_.find(session_id);
  if (!s || (s->user_id != who.user_id && !who.is_admin)) {
    if (s || s.error().code == ErrorCode::kNotFound) {
      return Error{ErrorCode::kNotFound, "no such session"};
    }
    return s.error();
  }
  auto r = sessions_.revoke(session_id, clock_.now_ms(), "revoked by user");
  if (!r) return r.error();
  audit("session.revoked", who.user_id, who.username, client, session_id, "revoked by user");
  revoked(session_id);
  return {};
}

void AuthService::revoke_user_sessions(const std::string& user_id, const std::string& reason) {
  auto ids = sessions_.revoke_all_for_user(user_id, clock_.now_ms(), reason);
  if (!ids) return;
  for (const auto& id : *ids) {
    audit("session.revoked", user_id, "", ClientInfo{}, id, reason);
    revoked(id);
  }
}

void AuthService::on_session_revoked(std::function<void(const std::string&)> listener) {
  revocation_listeners_.push_back(std::move(listener));
}

void AuthService::forget_session(const std::string& session_id) {
  std::lock_guard lock(cache_mu_);
  cache_.erase(session_id);
}

void AuthService::forget_user(const std::string& user_id) {
  std::lock_guard lock(cache_mu_);
  std::erase_if(cache_, [&](const auto& entry) { return entry.second.context.user_id == user_id; });
}

void AuthService::revoked(const std::string& session_id) {
  forget_session(session_id);
  for (const auto& listener : revocation_listeners_) listener(session_id);
}

}  // namespace tr
