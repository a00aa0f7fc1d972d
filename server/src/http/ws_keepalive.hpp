#pragma once
// WsKeepalive: one sweep a second over every open WebSocket instead of a
// timer per connection. Each connection decides in tick() whether to ping a
// silent client, to close one that never authenticated or never answered, or
// to cut a close handshake that takes too long. Thread-safe.

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace tr::http {

class WsConnection;

class WsKeepalive {
 public:
  void add(const std::shared_ptr<WsConnection>& conn);
  void remove(std::uint64_t connection_id);
  // Calls tick(now_ms) on every connection (steady clock, milliseconds).
  void tick(std::int64_t now_ms);
  // Ends every connection still open; only once no I/O thread runs.
  void end_all();

 private:
  std::vector<std::shared_ptr<WsConnection>> live() const;

  mutable std::mutex mu_;
  std::unordered_map<std::uint64_t, std::weak_ptr<WsConnection>> conns_;  // guarded by mu_
};

// Milliseconds on the steady clock, as tick() takes them.
std::int64_t steady_ms();

}  // namespace tr::http
