#include "services/messaging/rate_limiter.hpp"

#include <algorithm>

namespace tr {

bool RateLimiter::try_take(const std::string& key, EpochMs now) {
  std::lock_guard lock(mu_);
  if (buckets_.size() > 100'000) buckets_.clear();  // bound memory; buckets refill anyway
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& b = it->second;
  if (!fresh) {
    b.tokens = std::min(burst_, b.tokens + static_cast<double>(now - b.updated) * rate_ / 1000.0);
    b.updated = now;
  }
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

}  // namespace tr
