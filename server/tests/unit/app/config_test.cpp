#include "app/config.hpp"

#include <gtest/gtest.h>

namespace tr::app {
namespace {

TEST(Config, DefaultsAreValid) {
  Config c;
  EXPECT_EQ(validate(c), "");
  EXPECT_EQ(c.listen_host(), "0.0.0.0");
  EXPECT_EQ(c.listen_port(), 8080);
}

TEST(Config, RejectsBadValuesWithOneClearLine) {
  Config c;
  c.listen = "localhost";
  EXPECT_NE(validate(c).find("--listen"), std::string::npos);
  c = Config{};
  c.listen = "127.0.0.1:99999";
  EXPECT_NE(validate(c).find("port"), std::string::npos);
  c = Config{};
  c.directory = "kerberos";
  EXPECT_NE(validate(c).find("--directory"), std::string::npos);
  c = Config{};
  c.directory = "ldap";
  EXPECT_NE(validate(c).find("TR_LDAP_URLS"), std::string::npos);
  c = Config{};
  c.storage = "s3";
  EXPECT_NE(validate(c).find("TR_S3_ACCESS_KEY"), std::string::npos);
}

TEST(Config, DescribeMasksSecrets) {
  Config c;
  c.database_url = "postgresql://tr:hunter2@db/tr";
  c.jwt_secret = "topsecret";
  c.admin_password = "adminpass";
  std::string all;
  for (const auto& line : c.describe()) all += line + "\n";
  EXPECT_EQ(all.find("hunter2"), std::string::npos);
  EXPECT_EQ(all.find("topsecret"), std::string::npos);
  EXPECT_EQ(all.find("adminpass"), std::string::npos);
  EXPECT_NE(all.find("jwt_secret=***"), std::string::npos);
}

}  // namespace
}  // namespace tr::app
