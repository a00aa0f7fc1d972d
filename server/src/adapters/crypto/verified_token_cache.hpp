#pragma once
// VerifiedTokenCache: access tokens that passed full verification, with their
// claims. A client presents the same token on every request for its whole
// lifetime, so a repeat costs a hash lookup instead of a JWT decode and HMAC.
// The key is the whole token text: a hit means these exact bytes were
// verified before. Expiry is checked again on every hit; revocation is not
// this cache's business (sessions are checked after it). Bounded (a full
// shard drops its expired entries, then everything); thread-safe (sharded
// locks, so I/O threads rarely meet).

#include <array>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ports/token_signer.hpp"

namespace tr {

class VerifiedTokenCache {
 public:
  explicit VerifiedTokenCache(std::size_t capacity = 16384);

  // The claims of `token` if it was verified before and is not expired at `now`.
  std::optional<AccessClaims> find(std::string_view token, EpochMs now);
  void remember(std::string_view token, const AccessClaims& claims, EpochMs now);

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, AccessClaims, Hash, std::equal_to<>> entries;
  };
  static constexpr std::size_t kShards = 16;

  Shard& shard_of(std::size_t hash) { return shards_[hash % kShards]; }

  std::size_t per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace tr
