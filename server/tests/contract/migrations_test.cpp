// Migrations apply cleanly, once, on every database.
#include <gtest/gtest.h>

#include "adapters/sql/migrations.hpp"
#include "contract/test_database.hpp"

namespace tr {
namespace {

using testing::Backend;

class MigrationsContract : public ::testing::TestWithParam<Backend> {};

TEST_P(MigrationsContract, ApplyOnceAndRecordEveryVersion) {
  testing::TestDatabase t(GetParam());
  // Already applied by TestDatabase: a second run applies nothing.
  EXPECT_TRUE(sql::apply_migrations(t.db(), sql::embedded_migrations()).empty());
  auto s = t.db().acquire();
  int count = 0;
  *s << "SELECT COUNT(*) FROM schema_migrations", soci::into(count);
  EXPECT_GE(count, 1);
}

TEST_P(MigrationsContract, AFailingMigrationLeavesNothingBehind) {
  testing::TestDatabase t(GetParam());
  std::vector<sql::MigrationFile> files = {
      {"900_broken.sql", "CREATE TABLE half_done (x TEXT);\nTHIS IS NOT SQL;\n"}};
  EXPECT_THROW(sql::apply_migrations(t.db(), files), std::runtime_error);
  auto s = t.db().acquire();
  int count = -1;
  *s << "SELECT COUNT(*) FROM schema_migrations WHERE version = '900'", soci::into(count);
  EXPECT_EQ(count, 0);
  // The table from the first statement was rolled back with the rest.
  EXPECT_NO_THROW(*s << "CREATE TABLE half_done (x TEXT)");
}

INSTANTIATE_TEST_SUITE_P(Databases, MigrationsContract,
                         ::testing::ValuesIn(testing::all_backends(false)), testing::BackendName{});

}  // namespace
}  // namespace tr
