#pragma once
// Migrations: numbered SQL files (server/migrations/NNN_name.sql) compiled into
// the binary and applied in order at start, each inside one transaction and
// recorded in schema_migrations(version, name, applied_at).
// A file NNN_name.sqlite.sql or NNN_name.postgresql.sql replaces the shared
// NNN_name.sql for that dialect, for the few places where SQL truly differs.
// Statements are separated by ';' at the end of a line; a CREATE TRIGGER block
// runs up to its closing "END;" line.

#include <string>
#include <vector>

#include "adapters/sql/database.hpp"

namespace tr::sql {

struct MigrationFile {
  std::string filename;  // e.g. "001_foundation.sql"
  std::string sql;
};

// The files compiled in by server/CMakeLists.txt, sorted by name.
const std::vector<MigrationFile>& embedded_migrations();

// Applies every migration not yet recorded. Returns the versions applied.
// Throws std::runtime_error naming the file and statement that failed; the
// failing migration leaves nothing behind. Safe when several instances start
// at once on PostgreSQL (advisory lock).
std::vector<std::string> apply_migrations(Database& db,
                                          const std::vector<MigrationFile>& files);

// Splits a migration into statements (exposed for tests).
std::vector<std::string> split_statements(const std::string& sql);

}  // namespace tr::sql
