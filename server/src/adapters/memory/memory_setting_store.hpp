#pragma once
// MemorySettingStore: the in-memory fake of SettingStore for unit tests.
// Thread-safe (one mutex).

#include <map>
#include <mutex>

#include "ports/setting_store.hpp"

namespace tr {

class MemorySettingStore final : public SettingStore {
 public:
  // ports::SettingStore
  Result<std::optional<std::string>> get(const std::string& key) override {
    std::lock_guard lock(mu_);
    auto it = values_.find(key);
    if (it == values_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  Result<std::string> put_if_absent(const std::string& key, const std::string& value) override {
    std::lock_guard lock(mu_);
    return values_.emplace(key, value).first->second;
  }
  Result<void> put(const std::string& key, const std::string& value) override {
    std::lock_guard lock(mu_);
    values_[key] = value;
    return {};
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::string> values_;  // guarded by mu_
};

}  // namespace tr
