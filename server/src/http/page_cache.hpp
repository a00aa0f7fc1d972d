#pragma once
// PageCache: whole response bodies of read-only GET routes, each kept under a
// key (who asks, and the exact request target) with the ChangeCounter value
// read before its data was read. find() returns a body only while the counter
// still has that value, so an answer never outlives a change to its data.
// Bounded by total body bytes: when full, stale bodies go first, then all.
// Thread-safe (sharded locks).

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/change_counter.hpp"

namespace tr::http {

class PageCache {
 public:
  PageCache(const ChangeCounter& changes, std::size_t max_bytes);

  // The body kept for `key`, if it was built from the data as it is now.
  std::shared_ptr<const std::string> find(const std::string& key) const;

  // Keeps `body` for `key`; `generation` is changes.current() as read before
  // the data behind `body` was read.
  void keep(const std::string& key, std::uint64_t generation, std::string body);

  std::uint64_t generation() const { return changes_.current(); }

 private:
  struct Entry {
    std::uint64_t generation = 0;
    std::shared_ptr<const std::string> body;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Entry> entries;
    std::size_t bytes = 0;
  };
  static constexpr std::size_t kShards = 8;

  Shard& shard_of(const std::string& key) const;

  const ChangeCounter& changes_;
  std::size_t max_shard_bytes_;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace tr::http
