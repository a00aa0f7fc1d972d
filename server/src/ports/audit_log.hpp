#pragma once
// AuditLog: an append-only record of security-relevant actions (logins,
// lockouts, session revocations, refused room access, ...). Blocking;
// thread-safe. Appending never fails the caller's operation: errors are
// logged by the adapter and swallowed.

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace tr {

struct AuditEntry {
  std::string audit_id;  // set by the store when empty
  EpochMs at = 0;
  std::string action;    // "login.success", "login.failure", "login.lockout",
                         // "logout", "session.revoked", "room.access_denied", ...
  std::string user_id;   // may be empty (unknown user)
  std::string username;
  std::string client_ip;
  std::string user_agent;
  std::string target;    // what was acted on: a room id, a session id, ...
  std::string detail;
};

struct AuditQuery {
  std::string action;  // exact match, or empty for all
  std::string user;    // user id or username, or empty for all
  int limit = 50;
  int offset = 0;
};

struct AuditPage {
  std::vector<AuditEntry> items;  // newest first
  std::int64_t total = 0;
};

class AuditLog {
 public:
  virtual ~AuditLog() = default;
  virtual void append(AuditEntry entry) = 0;
  virtual Result<AuditPage> list(const AuditQuery& query) = 0;
};

}  // namespace tr
