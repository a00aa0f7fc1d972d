#include "adapters/crypto/sodium_password_hasher.hpp"

#include <sodium.h>

#include <stdexcept>

namespace tr {

SodiumPasswordHasher::SodiumPasswordHasher(unsigned long long ops_limit, std::size_t mem_limit)
    : ops_limit_(ops_limit), mem_limit_(mem_limit) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

std::string SodiumPasswordHasher::hash(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops_limit_, mem_limit_,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("out of memory while hashing a password");
  }
  return out;
}

bool SodiumPasswordHasher::verify(std::string_view password, const std::string& hash) {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace tr
