#pragma once
// SettingStore: small named values shared by every server instance and kept
// across restarts (e.g. a generated signing key). Blocking; thread-safe.

#include <optional>
#include <string>

#include "core/error.hpp"

namespace tr {

class SettingStore {
 public:
  virtual ~SettingStore() = default;

  // The value stored under `key`, or nullopt. kUnavailable if the store fails.
  virtual Result<std::optional<std::string>> get(const std::string& key) = 0;

  // Stores `value` under `key` unless a value is already there, atomically
  // across instances. Returns the value now stored (the existing one wins).
  virtual Result<std::string> put_if_absent(const std::string& key, const std::string& value) = 0;

  // Stores `value` under `key`, replacing any previous value.
  virtual Result<void> put(const std::string& key, const std::string& value) = 0;
};

}  // namespace tr
