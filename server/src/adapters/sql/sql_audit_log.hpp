#pragma once
// SqlAuditLog: AuditLog on the `audit_log` table. append() logs and swallows
// database errors so auditing never breaks the audited operation. Thread-safe.

#include "adapters/sql/database.hpp"
#include "core/clock.hpp"
#include "ports/audit_log.hpp"

namespace tr::sql {

class SqlAuditLog final : public AuditLog {
 public:
  SqlAuditLog(Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // ports::AuditLog
  void append(AuditEntry entry) override;
  Result<AuditPage> list(const AuditQuery& query) override;

 private:
  Database& db_;
  const Clock& clock_;
};

}  // namespace tr::sql
