#include "adapters/sql/migrations.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>
#include <stdexcept>

#include "core/clock.hpp"

namespace tr::sql {
namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

struct Parsed {
  std::string version;  // "001"
  std::string name;     // "foundation"
  std::string dialect;  // "", "sqlite" or "postgresql"
};

Parsed parse_name(const std::string& filename) {
  // NNN_name[.dialect].sql
  auto underscore = filename.find('_');
  if (underscore == std::string::npos || filename.size() < 5 ||
      filename.substr(filename.size() - 4) != ".sql") {
    throw std::runtime_error("migration file name must be NNN_name.sql: " + filename);
  }
  Parsed p;
  p.version = filename.substr(0, underscore);
  std::string rest = filename.substr(underscore + 1, filename.size() - 4 - underscore - 1);
  for (const char* d : {"sqlite", "postgresql"}) {
    std::string suffix = std::string(".") + d;
    if (rest.size() > suffix.size() && rest.substr(rest.size() - suffix.size()) == suffix) {
      p.dialect = d;
      rest = rest.substr(0, rest.size() - suffix.size());
    }
  }
  p.name = rest;
  return p;
}

}  // namespace

std::vector<std::string> split_statements(const std::string& sql) {
  std::vector<std::string> out;
  std::istringstream in(sql);
  std::string line, current;
  bool in_trigger = false;
  while (std::getline(in, line)) {
    std::string t = trim(line);
    if (t.empty() || t.rfind("--", 0) == 0) continue;
    current += line;
    current += '\n';
    if (!in_trigger && upper(t).rfind("CREATE TRIGGER", 0) == 0) in_trigger = true;
    if (t.back() != ';') continue;
    if (in_trigger) {
      if (upper(t) != "END;") continue;
      in_trigger = false;
    } else {
      current = trim(current);
      current.pop_back();  // the trailing ';'
    }
    out.push_back(trim(current));
    current.clear();
  }
  if (!trim(current).empty()) out.push_back(trim(current));
  return out;
}

std::vector<std::string> apply_migrations(Database& db, const std::vector<MigrationFile>& files) {
  const std::string my_dialect = db.is_sqlite() ? "sqlite" : "postgresql";
  // version -> (name, sql); a dialect file wins over the shared one.
  std::map<std::string, std::pair<std::string, const MigrationFile*>> chosen;
  for (const auto& f : files) {
    Parsed p = parse_name(f.filename);
    if (!p.dialect.empty() && p.dialect != my_dialect) continue;
    auto it = chosen.find(p.version);
    if (it == chosen.end() || !p.dialect.empty()) chosen[p.version] = {p.name, &f};
  }

  auto lease = db.acquire();
  soci::session& s = *lease;
  s << "CREATE TABLE IF NOT EXISTS schema_migrations ("
       " version TEXT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

  std::vector<std::string> applied;
  SystemClock clock;
  for (const auto& [version, entry] : chosen) {
    Transaction tx(lease);
    if (!db.is_sqlite()) s << "SELECT pg_advisory_xact_lock(727274)";
    int count = 0;
    s << "SELECT COUNT(*) FROM schema_migrations WHERE version = :v", soci::use(version),
        soci::into(count);
    if (count > 0) continue;  // the destructor rolls the empty transaction back
    for (const auto& stmt : split_statements(entry.second->sql)) {
      try {
        s << stmt;
      } catch (const std::exception& e) {
        std::string first_line = stmt.substr(0, stmt.find('\n'));
        throw std::runtime_error("migration " + entry.second->filename + " failed at \"" +
                                 first_line + "\": " + trim(e.what()));
      }
    }
    const std::string name = entry.first;
    const long long now = clock.now_ms();
    s << "INSERT INTO schema_migrations(version, name, applied_at) VALUES (:v, :n, :t)",
        soci::use(version), soci::use(name), soci::use(now);
    tx.commit();
    applied.push_back(version);
  }
  return applied;
}

}  // namespace tr::sql
