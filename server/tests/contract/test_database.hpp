#pragma once
// Test databases for contract suites: every store suite runs against each
// backend in all_backends(). SQLite gets a fresh file in a temp folder;
// PostgreSQL (TR_TEST_PG_URL, set by scripts/test.sh) gets a fresh schema per
// test. Both are migrated with the embedded migrations.

#include <memory>
#include <string>
#include <vector>

#include "adapters/sql/database.hpp"

namespace tr::testing {

enum class Backend { kMemory, kSqlite, kPostgres };

std::string backend_name(Backend b);

// The backends a contract suite runs on. A store without an in-memory fake
// passes with_memory = false.
std::vector<Backend> all_backends(bool with_memory = true);

// A migrated, empty database that disappears with the object.
class TestDatabase {
 public:
  explicit TestDatabase(Backend backend, std::size_t pool_size = 4);
  ~TestDatabase();
  sql::Database& db() { return *db_; }
  const std::string& url() const { return url_; }

 private:
  Backend backend_;
  std::string url_;
  std::string schema_;
  std::string file_dir_;
  std::unique_ptr<sql::Database> db_;
};

// gtest parameter printer.
struct BackendName {
  template <class Info>
  std::string operator()(const Info& info) const { return backend_name(info.param); }
};

}  // namespace tr::testing
