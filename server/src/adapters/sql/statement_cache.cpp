#include "adapters/sql/statement_cache.hpp"

#include <soci/sqlite3/soci-sqlite3.h>

namespace tr::sql {

void StatementCache::evict_idle() {
  std::erase_if(entries_, [](const auto& e) { return !e.second->in_use; });
}

void StatementCache::release(const std::string& key, detail::CachedStatementBase& entry,
                             bool failed) noexcept {
  entry.in_use = false;
  if (failed) {
    entries_.erase(key);
    return;
  }
  if (!sqlite_) return;  // libpq results are complete in memory: nothing stays open
  // A stepped but unfinished SQLite statement keeps its read transaction.
  // (The backend type is known from the connection; SOCI exports no RTTI for it.)
  auto* backend = static_cast<soci::sqlite3_statement_backend*>(entry.statement.get_backend());
  if (backend && backend->stmt_) sqlite_api::sqlite3_reset(backend->stmt_);
}

}  // namespace tr::sql
