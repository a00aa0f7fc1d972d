#include "services/auth/login_throttle.hpp"

#include "core/strings.hpp"

namespace tr {

std::optional<int> LoginThrottle::blocked(std::unordered_map<std::string, Failures>& map,
                                          const std::string& key, int limit, EpochMs now) {
  auto it = map.find(key);
  if (it == map.end()) return std::nullopt;
  auto& failures = it->second;
  while (!failures.empty() && failures.front() <= now - limits_.window_ms) failures.pop_front();
  if (static_cast<int>(failures.size()) < limit) return std::nullopt;
  // Free again when the oldest failure that keeps the count at the limit expires.
  const EpochMs until = failures[failures.size() - limit] + limits_.window_ms;
  return static_cast<int>((until - now + 999) / 1000);
}

std::optional<int> LoginThrottle::check(const std::string& username, const std::string& address,
                                        EpochMs now) {
  std::lock_guard lock(mu_);
  prune(now);
  auto by_user = blocked(by_user_, ascii_lower(username), limits_.per_username, now);
  auto by_address = blocked(by_address_, address, limits_.per_address, now);
  if (by_user && by_address) return std::max(*by_user, *by_address);
  return by_user ? by_user : by_address;
}

void LoginThrottle::record_failure(const std::string& username, const std::string& address,
                                   EpochMs now) {
  std::lock_guard lock(mu_);
  by_user_[ascii_lower(username)].push_back(now);
  by_address_[address].push_back(now);
}

void LoginThrottle::record_success(const std::string& username) {
  std::lock_guard lock(mu_);
  by_user_.erase(ascii_lower(username));
}

void LoginThrottle::prune(EpochMs now) {
  if (now - last_prune_ < 60'000) return;
  last_prune_ = now;
  for (auto* map : {&by_user_, &by_address_}) {
    for (auto it = map->begin(); it != map->end();) {
      if (it->second.empty() || it->second.back() <= now - limits_.window_ms) {
        it = map->erase(it);
      } else {
        ++it;
      }
    }
  }
}

}  // namespace tr
