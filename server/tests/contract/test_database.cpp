#include "contract/test_database.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "adapters/sql/migrations.hpp"
#include "core/ids.hpp"

namespace tr::testing {
namespace {

std::string pg_base_url() {
  const char* url = std::getenv("TR_TEST_PG_URL");
  return url ? url : "";
}

}  // namespace

std::string backend_name(Backend b) {
  switch (b) {
    case Backend::kMemory: return "Memory";
    case Backend::kSqlite: return "Sqlite";
    case Backend::kPostgres: return "Postgres";
  }
  return "?";
}

std::vector<Backend> all_backends(bool with_memory) {
  std::vector<Backend> out;
  if (with_memory) out.push_back(Backend::kMemory);
  out.push_back(Backend::kSqlite);
  out.push_back(Backend::kPostgres);
  return out;
}

TestDatabase::TestDatabase(Backend backend, std::size_t pool_size) : backend_(backend) {
  if (backend == Backend::kMemory) return;
  if (backend == Backend::kSqlite) {
    // A random name: a process id is reused, and a test process that was
    // killed leaves its directory (and its tables) behind.
    file_dir_ = (std::filesystem::temp_directory_path() / ("tr-contract-" + new_id())).string();
    std::filesystem::create_directories(file_dir_);
    url_ = "sqlite://" + file_dir_ + "/test.db";
  } else {
    const std::string base = pg_base_url();
    if (base.empty()) {
      ADD_FAILURE() << "TR_TEST_PG_URL is not set: run scripts/test.sh, or start PostgreSQL with "
                       "scripts/services/postgres.sh start DIR and export what it prints";
      throw std::runtime_error("no PostgreSQL for contract tests");
    }
    schema_ = "t_" + new_id();
    for (auto& c : schema_) c = std::isalnum(static_cast<unsigned char>(c)) ? std::tolower(c) : '_';
    {
      auto admin = sql::Database::open(base, 1);
      auto s = admin->acquire();
      *s << "CREATE SCHEMA " + schema_;
    }
    url_ = base + (base.find('?') == std::string::npos ? "?" : "&") +
           "options=-csearch_path%3D" + schema_ + "%2Cpublic";
  }
  db_ = sql::Database::open(url_, pool_size);
  sql::apply_migrations(*db_, sql::embedded_migrations());
}

TestDatabase::~TestDatabase() {
  db_.reset();
  if (!file_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(file_dir_, ec);
  }
  if (!schema_.empty()) {
    try {
      auto admin = sql::Database::open(pg_base_url(), 1);
      auto s = admin->acquire();
      *s << "DROP SCHEMA " + schema_ + " CASCADE";
    } catch (...) {
      // Leaving a schema behind in a throwaway cluster is harmless.
    }
  }
}

}  // namespace tr::testing
