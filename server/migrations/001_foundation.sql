-- Server-wide settings that must survive restarts and be shared by every
-- instance (for example the generated JWT signing key).
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
