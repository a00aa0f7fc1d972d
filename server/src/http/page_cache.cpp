#include "http/page_cache.hpp"

#include <functional>

namespace tr::http {

PageCache::PageCache(const ChangeCounter& changes, std::size_t max_bytes)
    : changes_(changes), max_shard_bytes_(max_bytes / kShards) {}

PageCache::Shard& PageCache::shard_of(const std::string& key) const {
  return shards_[std::hash<std::string>{}(key) % kShards];
}

std::shared_ptr<const std::string> PageCache::find(const std::string& key) const {
  const std::uint64_t now = changes_.current();
  Shard& shard = shard_of(key);
  std::lock_guard lock(shard.mu);
  auto it = shard.entries.find(key);
  if (it == shard.entries.end() || it->second.generation != now) return nullptr;
  return it->second.body;
}

void PageCache::keep(const std::string& key, std::uint64_t generation, std::string body) {
  const std::uint64_t now = changes_.current();
  if (generation != now) return;  // already stale
  const std::size_t size = key.size() + body.size();
  if (size > max_shard_bytes_) return;
  auto shared = std::make_shared<const std::string>(std::move(body));
  Shard& shard = shard_of(key);
  std::lock_guard lock(shard.mu);
  auto size_of = [](const auto& kv) { return kv.first.size() + kv.second.body->size(); };
  if (auto it = shard.entries.find(key); it != shard.entries.end()) {
    shard.bytes -= size_of(*it);
    shard.entries.erase(it);
  }
  if (shard.bytes + size > max_shard_bytes_) {
    std::erase_if(shard.entries, [&](const auto& kv) {
      if (kv.second.generation == now) return false;
      shard.bytes -= size_of(kv);
      return true;
    });
  }
  if (shard.bytes + size > max_shard_bytes_) {
    shard.entries.clear();
    shard.bytes = 0;
  }
  shard.entries.emplace(key, Entry{generation, std::move(shared)});
  shard.bytes += size;
}

}  // namespace tr::http
