#pragma once
// SqlSettingStore: SettingStore on the `settings` table (SQLite or PostgreSQL).
// Thread-safe: each call borrows its own pooled session.

#include "adapters/sql/database.hpp"
#include "core/clock.hpp"
#include "ports/setting_store.hpp"

namespace tr::sql {

class SqlSettingStore final : public SettingStore {
 public:
  SqlSettingStore(Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // ports::SettingStore
  Result<std::optional<std::string>> get(const std::string& key) override;
  Result<std::string> put_if_absent(const std::string& key, const std::string& value) override;
  Result<void> put(const std::string& key, const std::string& value) override;

 private:
  Database& db_;
  const Clock& clock_;
};

}  // namespace tr::sql
