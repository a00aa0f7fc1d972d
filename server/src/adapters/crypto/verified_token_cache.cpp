#include "adapters/crypto/verified_token_cache.hpp"

#include <algorithm>

namespace tr {

VerifiedTokenCache::VerifiedTokenCache(std::size_t capacity)
    : per_shard_(std::max<std::size_t>(1, capacity / kShards)) {}

std::optional<AccessClaims> VerifiedTokenCache::find(std::string_view token, EpochMs now) {
  Shard& shard = shard_of(Hash{}(token));
  std::lock_guard lock(shard.mu);
  auto it = shard.entries.find(token);
  if (it == shard.entries.end()) return std::nullopt;
  if (now >= it->second.expires_at) {
    shard.entries.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void VerifiedTokenCache::remember(std::string_view token, const AccessClaims& claims,
                                  EpochMs now) {
  Shard& shard = shard_of(Hash{}(token));
  std::lock_guard lock(shard.mu);
  if (shard.entries.size() >= per_shard_) {
    // Access tokens are short-lived: much of a full shard is usually expired.
    std::erase_if(shard.entries, [&](const auto& e) { return now >= e.second.expires_at; });
    if (shard.entries.size() >= per_shard_) shard.entries.clear();
  }
  shard.entries.insert_or_assign(std::string(token), claims);
}

}  // namespace tr
