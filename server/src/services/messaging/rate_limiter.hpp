#pragma once
// RateLimiter: a token bucket per key (e.g. per user): `rate` tokens a
// second, at most `burst` saved up. In-memory, bounded; thread-safe.

#include <mutex>
#include <string>
#include <unordered_map>

#include "core/clock.hpp"

namespace tr {

class RateLimiter {
 public:
  RateLimiter(double rate_per_second, double burst) : rate_(rate_per_second), burst_(burst) {}

  // Takes one token for `key` at `now`; false when none is left.
  bool try_take(const std::string& key, EpochMs now);

 private:
  struct Bucket {
    double tokens;
    EpochMs updated;
  };
  double rate_;
  double burst_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // guarded by mu_
};

}  // namespace tr
