// Contract suite for SettingStore: the fake, SQLite and PostgreSQL behave alike.
#include <gtest/gtest.h>

#include <thread>

#include "adapters/memory/memory_setting_store.hpp"
#include "adapters/sql/sql_setting_store.hpp"
#include "contract/test_database.hpp"

namespace tr {
namespace {

using testing::Backend;

class SettingStoreContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kMemory) {
      store_ = std::make_unique<MemorySettingStore>();
    } else {
      db_ = std::make_unique<testing::TestDatabase>(GetParam());
      store_ = std::make_unique<sql::SqlSettingStore>(db_->db(), clock_);
    }
  }
  SystemClock clock_;
  std::unique_ptr<testing::TestDatabase> db_;
  std::unique_ptr<SettingStore> store_;
};

TEST_P(SettingStoreContract, MissingKeyIsEmpty) {
  auto v = store_->get("nothing");
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->has_value());
}

TEST_P(SettingStoreContract, PutIfAbsentKeepsTheFirstValue) {
  EXPECT_EQ(store_->put_if_absent("jwt_key", "first").value(), "first");
  EXPECT_EQ(store_->put_if_absent("jwt_key", "second").value(), "first");
  EXPECT_EQ(store_->get("jwt_key").value().value(), "first");
}

TEST_P(SettingStoreContract, PutReplaces) {
  ASSERT_TRUE(store_->put("k", "1"));
  ASSERT_TRUE(store_->put("k", "2"));
  EXPECT_EQ(store_->get("k").value().value(), "2");
}

TEST_P(SettingStoreContract, StoresUnicodeValues) {
  ASSERT_TRUE(store_->put("site_name", "沖壓線異常"));
  EXPECT_EQ(store_->get("site_name").value().value(), "沖壓線異常");
}

TEST_P(SettingStoreContract, ConcurrentPutIfAbsentAgreesOnOneValue) {
  std::vector<std::string> seen(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { seen[i] = store_->put_if_absent("race", std::to_string(i)).value(); });
  }
  for (auto& t : threads) t.join();
  for (const auto& s : seen) EXPECT_EQ(s, seen[0]);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, SettingStoreContract,
                         ::testing::ValuesIn(testing::all_backends()), testing::BackendName{});

}  // namespace
}  // namespace tr
