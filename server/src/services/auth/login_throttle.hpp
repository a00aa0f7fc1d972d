#pragma once
// LoginThrottle: counts failed logins per username and per client address in
// a sliding window. Once a key reaches its limit, further attempts are refused
// (the right password too) until the oldest failure leaves the window.
// In-memory, bounded (old entries are pruned); thread-safe.

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/clock.hpp"

namespace tr {

struct ThrottleLimits {
  int per_username = 5;
  int per_address = 20;
  EpochMs window_ms = 15 * 60 * 1000;
};

class LoginThrottle {
 public:
  explicit LoginThrottle(ThrottleLimits limits = {}) : limits_(limits) {}

  // Seconds to wait when the attempt must be refused, else nullopt.
  std::optional<int> check(const std::string& username, const std::string& address, EpochMs now);

  void record_failure(const std::string& username, const std::string& address, EpochMs now);

  // A successful login clears the username's failures (not the address's).
  void record_success(const std::string& username);

 private:
  using Failures = std::deque<EpochMs>;
  std::optional<int> blocked(std::unordered_map<std::string, Failures>& map,
                             const std::string& key, int limit, EpochMs now);
  void prune(EpochMs now);

  ThrottleLimits limits_;
  std::mutex mu_;
  std::unordered_map<std::string, Failures> by_user_;     // guarded by mu_
  std::unordered_map<std::string, Failures> by_address_;  // guarded by mu_
  EpochMs last_prune_ = 0;                                // guarded by mu_
};

}  // namespace tr
