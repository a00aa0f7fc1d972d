#include "adapters/sql/migrations.hpp"

#include <gtest/gtest.h>

namespace tr::sql {
namespace {

TEST(SplitStatements, SplitsOnLineEndingSemicolonsAndSkipsComments) {
  auto s = split_statements(
      "-- a comment\nCREATE TABLE a (x TEXT);\n\nCREATE INDEX i ON a(x);\nINSERT INTO a VALUES ('x;y');\n");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0], "CREATE TABLE a (x TEXT)");
  EXPECT_EQ(s[2], "INSERT INTO a VALUES ('x;y')");
}

TEST(SplitStatements, KeepsTriggerBodiesWhole) {
  auto s = split_statements(
      "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  INSERT INTO b VALUES (1);\n  DELETE FROM c;\nEND;\n"
      "SELECT 1;\n");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_NE(s[0].find("DELETE FROM c;"), std::string::npos);
  EXPECT_EQ(s[1], "SELECT 1");
}

TEST(Database, RedactsPasswords) {
  EXPECT_EQ(Database::redact("postgresql://tr:secret@db:5432/tr"),
            "postgresql://tr:***@db:5432/tr");
  EXPECT_EQ(Database::redact("sqlite:///data/x.db"), "sqlite:///data/x.db");
}

}  // namespace
}  // namespace tr::sql
