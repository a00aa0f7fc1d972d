#include "adapters/sql/sql_setting_store.hpp"

#include "adapters/sql/sql_error.hpp"

namespace tr::sql {

Result<std::optional<std::string>> SqlSettingStore::get(const std::string& key) {
  return guarded("settings.get", [&]() -> Result<std::optional<std::string>> {
    auto s = db_.acquire();
    std::string value;
    soci::indicator ind = soci::i_null;
    *s << "SELECT value FROM settings WHERE key = :k", soci::use(key), soci::into(value, ind);
    if (!s->got_data() || ind != soci::i_ok) return std::optional<std::string>();
    return std::optional<std::string>(value);
  });
}

Result<std::string> SqlSettingStore::put_if_absent(const std::string& key,
                                                   const std::string& value) {
  return guarded("settings.put_if_absent", [&]() -> Result<std::string> {
    auto s = db_.acquire();
    const long long now = clock_.now_ms();
    *s << "INSERT INTO settings(key, value, updated_at) VALUES (:k, :v, :t) "
          "ON CONFLICT (key) DO NOTHING",
        soci::use(key), soci::use(value), soci::use(now);
    std::string stored;
    *s << "SELECT value FROM settings WHERE key = :k", soci::use(key), soci::into(stored);
    return stored;
  });
}

Result<void> SqlSettingStore::put(const std::string& key, const std::string& value) {
  return guarded("settings.put", [&]() -> Result<void> {
    auto s = db_.acquire();
    const long long now = clock_.now_ms();
    *s << "INSERT INTO settings(key, value, updated_at) VALUES (:k, :v, :t) "
          "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        soci::use(key), soci::use(value), soci::use(now);
    return {};
  });
}

}  // namespace tr::sql
