#pragma once
// PasswordHasher: one-way password hashes (Argon2id). CPU- and memory-heavy
// by design: call from the worker pool. Thread-safe.

#include <string>
#include <string_view>

namespace tr {

class PasswordHasher {
 public:
  virtual ~PasswordHasher() = default;
  // A self-describing hash string (algorithm, parameters, salt, digest).
  virtual std::string hash(std::string_view password) = 0;
  // True when `password` matches `hash`; false for a malformed hash.
  virtual bool verify(std::string_view password, const std::string& hash) = 0;
};

}  // namespace tr
