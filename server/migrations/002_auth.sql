-- People, their login sessions, and the audit log (SPEC.md section 2).
CREATE TABLE users (
  user_id TEXT PRIMARY KEY,
  username TEXT NOT NULL,
  username_key TEXT NOT NULL UNIQUE,      -- lower-cased username
  display_name TEXT NOT NULL,
  email TEXT NOT NULL DEFAULT '',
  is_admin INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  source TEXT NOT NULL,                   -- 'local' or 'ldap'
  password_hash TEXT,                     -- Argon2id, local accounts only
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX users_display_name ON users (display_name);

CREATE TABLE sessions (
  session_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (user_id),
  refresh_hash TEXT NOT NULL UNIQUE,      -- hash of the current refresh token
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,             -- absolute lifetime
  client_ip TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT '',
  revoked_at BIGINT,
  revoke_reason TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Refresh tokens already rotated away: presenting one again revokes its session.
CREATE TABLE spent_refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions (session_id),
  spent_at BIGINT NOT NULL
);

CREATE TABLE audit_log (
  audit_id TEXT PRIMARY KEY,
  at BIGINT NOT NULL,
  action TEXT NOT NULL,                   -- e.g. 'login.success'
  user_id TEXT,
  username TEXT NOT NULL DEFAULT '',
  client_ip TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT '',
  target TEXT NOT NULL DEFAULT '',        -- what was acted on (room id, session id, ...)
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_action ON audit_log (action, at);
