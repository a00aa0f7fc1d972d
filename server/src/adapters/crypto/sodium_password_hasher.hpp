#pragma once
// SodiumPasswordHasher: Argon2id via libsodium's crypto_pwhash_str, with the
// OWASP-recommended cost (t=2, m=19 MiB) unless told otherwise. Thread-safe.

#include <cstddef>

#include "ports/password_hasher.hpp"

namespace tr {

class SodiumPasswordHasher final : public PasswordHasher {
 public:
  // Throws std::runtime_error if libsodium cannot initialise.
  explicit SodiumPasswordHasher(unsigned long long ops_limit = 2,
                                std::size_t mem_limit = 19 * 1024 * 1024);

  // ports::PasswordHasher
  std::string hash(std::string_view password) override;
  bool verify(std::string_view password, const std::string& hash) override;

 private:
  unsigned long long ops_limit_;
  std::size_t mem_limit_;
};

}  // namespace tr
