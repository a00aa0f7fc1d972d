// escape_filter_value: RFC 4515 escaping of values placed in search filters.

#include <gtest/gtest.h>

#include <string>

#include "adapters/ldap/ldap_directory.hpp"

namespace tr {
namespace {

TEST(EscapeFilterValueTest, PlainValuesAreUnchanged) {
  EXPECT_EQ(escape_filter_value("alice"), "alice");
  EXPECT_EQ(escape_filter_value("j.smith-01_x@factory.local"), "j.smith-01_x@factory.local");
  EXPECT_EQ(escape_filter_value(""), "");
}

TEST(EscapeFilterValueTest, EscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(escape_filter_value("*"), "\\2a");
  EXPECT_EQ(escape_filter_value("("), "\\28");
  EXPECT_EQ(escape_filter_value(")"), "\\29");
  EXPECT_EQ(escape_filter_value("\\"), "\\5c");
  EXPECT_EQ(escape_filter_value(std::string("a\0b", 3)), "a\\00b");
}

TEST(EscapeFilterValueTest, NeutralisesInjectionAttempts) {
  EXPECT_EQ(escape_filter_value("*)(uid=*"), "\\2a\\29\\28uid=\\2a");
  EXPECT_EQ(escape_filter_value("admin)(|(objectClass=*)"),
            "admin\\29\\28|\\28objectClass=\\2a\\29");
  EXPECT_EQ(escape_filter_value("al*"), "al\\2a");
}

TEST(EscapeFilterValueTest, EscapesBackslashesOnlyOnce) {
  // An already escaped-looking value is data: its backslash is escaped too.
  EXPECT_EQ(escape_filter_value("\\2a"), "\\5c2a");
  EXPECT_EQ(escape_filter_value("CN=Smith\\, John,CN=Users"), "CN=Smith\\5c, John,CN=Users");
}

TEST(EscapeFilterValueTest, KeepsUtf8Bytes) {
  EXPECT_EQ(escape_filter_value("王小明"), "王小明");
  EXPECT_EQ(escape_filter_value("王*"), "王\\2a");
}

}  // namespace
}  // namespace tr
