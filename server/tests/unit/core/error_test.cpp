#include "core/error.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/ids.hpp"

namespace tr {
namespace {

TEST(ErrorCode, NamesAreSnakeCase) {
  EXPECT_EQ(to_string(ErrorCode::kInvalidJson), "invalid_json");
  EXPECT_EQ(to_string(ErrorCode::kValidationFailed), "validation_failed");
  EXPECT_EQ(to_string(ErrorCode::kRoomArchived), "room_archived");
}

TEST(Result, CarriesValueOrError) {
  Result<int> ok = 5;
  Result<int> bad = Error{ErrorCode::kNotFound, "missing"};
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 5);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kNotFound);
  EXPECT_THROW(bad.value(), std::logic_error);
}

TEST(Ids, AreUrlSafeAndUnique) {
  std::string a = new_id(), b = new_id();
  EXPECT_EQ(a.size(), 22u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  EXPECT_EQ(random_token(32).size(), 43u);
}

TEST(Ids, SortByCreationTime) {
  const std::string first = new_id();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const std::string later = new_id();
  EXPECT_LT(first, later);
  EXPECT_NE(first.substr(8), later.substr(8));  // the random part differs
}

}  // namespace
}  // namespace tr
